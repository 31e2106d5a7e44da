package sidecar_test

import (
	"math"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// metricFamilies are the families /metrics exposes, with their type and
// label names: what operators' dashboards and alerts are written against.
var metricFamilies = map[string]struct {
	typ    dto.MetricType
	labels []string
}{
	"occupancy_http_requests_total":                 {dto.MetricType_COUNTER, []string{"code", "route"}},
	"occupancy_http_errors_total":                   {dto.MetricType_COUNTER, []string{"route"}},
	"occupancy_http_request_duration_seconds":       {dto.MetricType_HISTOGRAM, []string{"route"}},
	"occupancy_http_panics_total":                   {dto.MetricType_COUNTER, nil},
	"occupancy_snapshot_loaded":                     {dto.MetricType_GAUGE, nil},
	"occupancy_snapshot_info":                       {dto.MetricType_GAUGE, []string{"release"}},
	"occupancy_snapshot_rooms":                      {dto.MetricType_GAUGE, nil},
	"occupancy_snapshot_loaded_timestamp_seconds":   {dto.MetricType_GAUGE, nil},
	"occupancy_snapshot_file_timestamp_seconds":     {dto.MetricType_GAUGE, nil},
	"occupancy_snapshot_age_seconds":                {dto.MetricType_GAUGE, nil},
	"occupancy_answer_cache_requests_total":         {dto.MetricType_COUNTER, []string{"result"}},
	"occupancy_answer_cache_entries":                {dto.MetricType_GAUGE, nil},
	"occupancy_answer_cache_bytes":                  {dto.MetricType_GAUGE, nil},
	"occupancy_snapshot_reloads_total":              {dto.MetricType_COUNTER, nil},
	"occupancy_snapshot_reload_failures_total":      {dto.MetricType_COUNTER, nil},
	"occupancy_snapshot_fetches_total":              {dto.MetricType_COUNTER, []string{"result"}},
	"occupancy_snapshot_fetch_consecutive_failures": {dto.MetricType_GAUGE, nil},
	"occupancy_process_start_time_seconds":          {dto.MetricType_GAUGE, nil},
}

// latencyBounds are the histogram's bucket upper bounds, +Inf included.
var latencyBounds = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, math.Inf(1)}

// routes are the route label's values: every one is in the error counter
// and the histogram from the start.
var routes = []string{"find_free_rooms", "find_soonest_bookings", "rooms", "room", "courses", "course",
	"studyplans", "studyplan", "docs", "changes", "web", "healthz", "readyz", "metrics", "preflight", "not_found", "invalid_request"}

// TestMetricsExposition parses /metrics with Prometheus' own text parser
// (classic metric names only) and checks what a scraper relies on: each
// family's HELP, type and label names, the latency histogram's buckets
// (the same bounds for every route, cumulative, _count equal to the +Inf
// bucket), and the request counters agreeing with the histogram and the
// error counter.
func TestMetricsExposition(t *testing.T) {
	t.Parallel()
	t.Run("file", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, sampleSnapshot(t), nil)
		ts.postJSON(t, freePath, `{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}]}`)
		ts.postJSON(t, freePath, `{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}]}`)
		ts.postJSON(t, freePath, `{}`)
		ts.postJSON(t, soonestPath, `{"after_date":"2026-11-26T10:30"}`)
		for _, path := range []string{"/healthz", "/readyz", "/nowhere", "/api/rooms", "/api/rooms/BC01", "/api/openapi.json"} {
			ts.do(t, "GET", path, "")
		}
		ts.do(t, "DELETE", "/api/rooms", "")
		ts.do(t, "OPTIONS", freePath, "", "Origin", "https://example.org", "Access-Control-Request-Method", "POST")
		mfs := checkExposition(t, ts.do(t, "GET", "/metrics", "").body,
			"occupancy_snapshot_fetches_total", "occupancy_snapshot_fetch_consecutive_failures")
		if v := value(mfs, "occupancy_snapshot_info", "release", "test-release"); v != 1 {
			t.Errorf("snapshot_info = %v", v)
		}
		if v := value(mfs, "occupancy_http_requests_total", "route", "find_free_rooms", "code", "200"); v != 2 {
			t.Errorf("find_free_rooms 200 = %v, want 2", v)
		}
		if v := value(mfs, "occupancy_answer_cache_requests_total", "result", "hit"); v != 1 {
			t.Errorf("answer cache hits = %v, want 1", v)
		}
	})
	t.Run("url", func(t *testing.T) {
		t.Parallel()
		snap := newSnapServer(t, release(t, "r1"))
		snap.with(func(s *snapServer) { s.modTime = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC) })
		ts, _ := newURLServer(t, snap.URL+"/occupancy.snapshot", nil)
		snap.setFault(status(500))
		_ = ts.srv.Reload()
		ts.postJSON(t, soonestPath, `{"after_date":"2026-11-26T10:30"}`)
		mfs := checkExposition(t, ts.do(t, "GET", "/metrics", "").body)
		for result, want := range map[string]float64{"modified": 1, "not_modified": 0, "error": 1} {
			if v := value(mfs, "occupancy_snapshot_fetches_total", "result", result); v != want {
				t.Errorf("fetches{result=%q} = %v, want %v", result, v, want)
			}
		}
		if v := value(mfs, "occupancy_snapshot_fetch_consecutive_failures"); v != 1 {
			t.Errorf("consecutive failures = %v, want 1", v)
		}
	})
	t.Run("not loaded", func(t *testing.T) {
		t.Parallel()
		ts := newTestServer(t, nil, nil)
		ts.postJSON(t, soonestPath, `{"after_date":"2026-11-26T10:30"}`)
		mfs := checkExposition(t, ts.do(t, "GET", "/metrics", "").body,
			"occupancy_snapshot_info", "occupancy_snapshot_rooms", "occupancy_snapshot_loaded_timestamp_seconds",
			"occupancy_snapshot_file_timestamp_seconds", "occupancy_snapshot_age_seconds",
			"occupancy_answer_cache_requests_total", "occupancy_answer_cache_entries", "occupancy_answer_cache_bytes",
			"occupancy_snapshot_fetches_total", "occupancy_snapshot_fetch_consecutive_failures")
		if v := value(mfs, "occupancy_snapshot_loaded"); v != 0 {
			t.Errorf("snapshot_loaded = %v", v)
		}
		if v := value(mfs, "occupancy_http_requests_total", "route", "find_soonest_bookings", "code", "503"); v != 1 {
			t.Errorf("find_soonest_bookings 503 = %v, want 1", v)
		}
	})
}

// checkExposition parses body strictly and checks it against
// metricFamilies, less the families absent, which must not be there.
func checkExposition(t *testing.T, body string, absent ...string) map[string]*dto.MetricFamily {
	t.Helper()
	p := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("parse /metrics: %v\n%s", err, body)
	}
	for name, want := range metricFamilies {
		mf, ok := mfs[name]
		if slices.Contains(absent, name) {
			if ok {
				t.Errorf("%s present", name)
			}
			continue
		}
		if !ok {
			t.Errorf("%s missing", name)
			continue
		}
		if mf.GetType() != want.typ {
			t.Errorf("%s: type %v, want %v", name, mf.GetType(), want.typ)
		}
		if len(strings.Fields(mf.GetHelp())) < 3 {
			t.Errorf("%s: HELP %q says little", name, mf.GetHelp())
		}
		for _, m := range mf.GetMetric() {
			var got []string
			for _, l := range m.GetLabel() {
				got = append(got, l.GetName())
			}
			if slices.Sort(got); !slices.Equal(got, want.labels) {
				t.Errorf("%s: labels %v, want %v", name, got, want.labels)
			}
		}
	}
	for name := range mfs {
		if _, ok := metricFamilies[name]; !ok {
			t.Errorf("unexpected family %s", name)
		}
	}

	// The histogram: every route, the same bounds, cumulative counts.
	requests := map[string]float64{} // by route, summed over codes
	errors := map[string]float64{}
	for _, m := range mfs["occupancy_http_requests_total"].GetMetric() {
		route := label(m, "route")
		requests[route] += m.GetCounter().GetValue()
		if code, err := strconv.Atoi(label(m, "code")); err != nil || code < 0 || code >= 600 {
			t.Errorf("code %q", label(m, "code"))
		} else if code >= 400 || code == 0 {
			errors[route] += m.GetCounter().GetValue()
		}
	}
	var seen []string
	for _, m := range mfs["occupancy_http_request_duration_seconds"].GetMetric() {
		route := label(m, "route")
		seen = append(seen, route)
		h := m.GetHistogram()
		var bounds []float64
		var prev uint64
		for _, b := range h.GetBucket() {
			bounds = append(bounds, b.GetUpperBound())
			if b.GetCumulativeCount() < prev {
				t.Errorf("%s: bucket le=%v holds %d, less than the one below (%d)", route, b.GetUpperBound(), b.GetCumulativeCount(), prev)
			}
			prev = b.GetCumulativeCount()
		}
		if !slices.Equal(bounds, latencyBounds) {
			t.Errorf("%s: buckets %v, want %v", route, bounds, latencyBounds)
		}
		if h.GetSampleCount() != prev {
			t.Errorf("%s: _count %d, +Inf bucket %d", route, h.GetSampleCount(), prev)
		}
		if float64(h.GetSampleCount()) != requests[route] {
			t.Errorf("%s: _count %d, requests %v", route, h.GetSampleCount(), requests[route])
		}
		if (h.GetSampleSum() > 0) != (h.GetSampleCount() > 0) || h.GetSampleSum() < 0 {
			t.Errorf("%s: _sum %v for %d requests", route, h.GetSampleSum(), h.GetSampleCount())
		}
	}
	for _, m := range mfs["occupancy_http_errors_total"].GetMetric() {
		if route := label(m, "route"); m.GetCounter().GetValue() != errors[route] {
			t.Errorf("%s: %v errors, but %v requests answered 400 or above", route, m.GetCounter().GetValue(), errors[route])
		}
	}
	slices.Sort(seen)
	want := slices.Sorted(slices.Values(routes))
	if !slices.Equal(seen, want) {
		t.Errorf("histogram routes %v, want %v", seen, want)
	}
	if len(mfs["occupancy_http_errors_total"].GetMetric()) != len(routes) {
		t.Errorf("error counters for %d routes, want %d", len(mfs["occupancy_http_errors_total"].GetMetric()), len(routes))
	}
	if t.Failed() {
		t.Log(body)
	}
	return mfs
}

// value returns the value of the counter or gauge of family name whose
// labels are the name, value pairs given (-1 if there is none).
func value(mfs map[string]*dto.MetricFamily, name string, labels ...string) float64 {
	for _, m := range mfs[name].GetMetric() {
		match := len(m.GetLabel())*2 == len(labels)
		for i := 0; match && i < len(labels); i += 2 {
			match = label(m, labels[i]) == labels[i+1]
		}
		if match {
			if c := m.GetCounter(); c != nil {
				return c.GetValue()
			}
			return m.GetGauge().GetValue()
		}
	}
	return -1
}

func label(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
