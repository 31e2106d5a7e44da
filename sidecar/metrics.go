package sidecar

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// route identifies a route in metrics.
type route int

const (
	routeFree route = iota
	routeSoonest
	routeRooms
	routeRoom
	routeCourses
	routeCourse
	routeStudyplans
	routeStudyplan
	routeDocs
	routeWeb // the page for people: / and /app/<file>
	routeHealthz
	routeReadyz
	routeMetrics
	routePreflight
	routeNotFound
	routeInvalid // requests fasthttp could not read
	numRoutes
)

var routeNames = [numRoutes]string{
	routeFree:       "find_free_rooms",
	routeSoonest:    "find_soonest_bookings",
	routeRooms:      "rooms",
	routeRoom:       "room",
	routeCourses:    "courses",
	routeCourse:     "course",
	routeStudyplans: "studyplans",
	routeStudyplan:  "studyplan",
	routeDocs:       "docs",
	routeWeb:        "web",
	routeHealthz:    "healthz",
	routeReadyz:     "readyz",
	routeMetrics:    "metrics",
	routePreflight:  "preflight",
	routeNotFound:   "not_found",
	routeInvalid:    "invalid_request",
}

// latencyBuckets are the upper bounds, in seconds, of the latency histogram.
var latencyBuckets = [...]float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1}

// metrics counts requests with atomics only: recording allocates nothing
// and takes no lock.
type metrics struct {
	start    time.Time
	requests [numRoutes][600]atomic.Uint64 // by status code (0 for out of range)
	errors   [numRoutes]atomic.Uint64      // status >= 400
	buckets  [numRoutes][len(latencyBuckets) + 1]atomic.Uint64
	sumNanos [numRoutes]atomic.Uint64
	panics   atomic.Uint64
}

func newMetrics() *metrics { return &metrics{start: time.Now()} }

func (m *metrics) observe(r route, status int, d time.Duration) {
	if status < 0 || status >= 600 {
		status = 0
	}
	m.requests[r][status].Add(1)
	if status >= 400 || status == 0 {
		m.errors[r].Add(1)
	}
	sec := d.Seconds()
	i := 0
	for i < len(latencyBuckets) && sec > latencyBuckets[i] {
		i++
	}
	m.buckets[r][i].Add(1)
	m.sumNanos[r].Add(uint64(d.Nanoseconds()))
}

// write renders the metrics in the Prometheus text exposition format 0.0.4.
func (m *metrics) write(b *bytes.Buffer, st *Store, now time.Time) {
	b.WriteString("# HELP occupancy_http_requests_total HTTP requests by route and status code.\n")
	b.WriteString("# TYPE occupancy_http_requests_total counter\n")
	for r := range numRoutes {
		for code := range m.requests[r] {
			if n := m.requests[r][code].Load(); n > 0 {
				fmt.Fprintf(b, "occupancy_http_requests_total{route=%q,code=\"%d\"} %d\n", routeNames[r], code, n)
			}
		}
	}
	b.WriteString("# HELP occupancy_http_errors_total HTTP responses with status 400 or above, by route.\n")
	b.WriteString("# TYPE occupancy_http_errors_total counter\n")
	for r := range numRoutes {
		fmt.Fprintf(b, "occupancy_http_errors_total{route=%q} %d\n", routeNames[r], m.errors[r].Load())
	}
	b.WriteString("# HELP occupancy_http_request_duration_seconds Time to handle a request, by route.\n")
	b.WriteString("# TYPE occupancy_http_request_duration_seconds histogram\n")
	for r := range numRoutes {
		var cum uint64
		for i := range m.buckets[r] {
			cum += m.buckets[r][i].Load()
			le := "+Inf"
			if i < len(latencyBuckets) {
				le = strconv.FormatFloat(latencyBuckets[i], 'g', -1, 64)
			}
			fmt.Fprintf(b, "occupancy_http_request_duration_seconds_bucket{route=%q,le=%q} %d\n", routeNames[r], le, cum)
		}
		fmt.Fprintf(b, "occupancy_http_request_duration_seconds_sum{route=%q} %g\n", routeNames[r], float64(m.sumNanos[r].Load())/1e9)
		fmt.Fprintf(b, "occupancy_http_request_duration_seconds_count{route=%q} %d\n", routeNames[r], cum)
	}
	b.WriteString("# HELP occupancy_http_panics_total Handler panics recovered (answered 500).\n")
	b.WriteString("# TYPE occupancy_http_panics_total counter\n")
	fmt.Fprintf(b, "occupancy_http_panics_total %d\n", m.panics.Load())

	ix := st.Index()
	loaded := 0
	if ix != nil {
		loaded = 1
	}
	b.WriteString("# HELP occupancy_snapshot_loaded Whether a snapshot is loaded (1) or not (0).\n")
	b.WriteString("# TYPE occupancy_snapshot_loaded gauge\n")
	fmt.Fprintf(b, "occupancy_snapshot_loaded %d\n", loaded)
	if ix != nil {
		b.WriteString("# HELP occupancy_snapshot_info The release of the loaded snapshot.\n")
		b.WriteString("# TYPE occupancy_snapshot_info gauge\n")
		fmt.Fprintf(b, "occupancy_snapshot_info{release=\"%s\"} 1\n", escapeLabel(ix.Release()))
		b.WriteString("# HELP occupancy_snapshot_rooms Rooms in the loaded snapshot.\n")
		b.WriteString("# TYPE occupancy_snapshot_rooms gauge\n")
		fmt.Fprintf(b, "occupancy_snapshot_rooms %d\n", ix.Len())
		b.WriteString("# HELP occupancy_snapshot_loaded_timestamp_seconds When the loaded snapshot was loaded.\n")
		b.WriteString("# TYPE occupancy_snapshot_loaded_timestamp_seconds gauge\n")
		fmt.Fprintf(b, "occupancy_snapshot_loaded_timestamp_seconds %d\n", ix.LoadedAt().Unix())
		if ft := ix.FileTime(); !ft.IsZero() {
			b.WriteString("# HELP occupancy_snapshot_file_timestamp_seconds Modification time of the loaded snapshot file (Last-Modified for a URL).\n")
			b.WriteString("# TYPE occupancy_snapshot_file_timestamp_seconds gauge\n")
			fmt.Fprintf(b, "occupancy_snapshot_file_timestamp_seconds %d\n", ft.Unix())
			b.WriteString("# HELP occupancy_snapshot_age_seconds Age of the loaded snapshot file (now minus its modification time).\n")
			b.WriteString("# TYPE occupancy_snapshot_age_seconds gauge\n")
			fmt.Fprintf(b, "occupancy_snapshot_age_seconds %g\n", now.Sub(ft).Seconds())
		}
		if c := ix.cache; c != nil {
			hits, misses, entries, bytes := c.stats()
			b.WriteString("# HELP occupancy_answer_cache_requests_total Searches that could be answered from the answer cache, by result (they restart at 0 with each snapshot, whose cache starts empty).\n")
			b.WriteString("# TYPE occupancy_answer_cache_requests_total counter\n")
			fmt.Fprintf(b, "occupancy_answer_cache_requests_total{result=\"hit\"} %d\n", hits)
			fmt.Fprintf(b, "occupancy_answer_cache_requests_total{result=\"miss\"} %d\n", misses)
			b.WriteString("# HELP occupancy_answer_cache_entries Answers held by the answer cache.\n")
			b.WriteString("# TYPE occupancy_answer_cache_entries gauge\n")
			fmt.Fprintf(b, "occupancy_answer_cache_entries %d\n", entries)
			b.WriteString("# HELP occupancy_answer_cache_bytes Bytes held by the answer cache (keys, answers, an estimate of the map's own), at most -answer-cache.\n")
			b.WriteString("# TYPE occupancy_answer_cache_bytes gauge\n")
			fmt.Fprintf(b, "occupancy_answer_cache_bytes %d\n", bytes)
		}
	}
	b.WriteString("# HELP occupancy_snapshot_reloads_total Successful snapshot loads.\n")
	b.WriteString("# TYPE occupancy_snapshot_reloads_total counter\n")
	fmt.Fprintf(b, "occupancy_snapshot_reloads_total %d\n", st.reloads.Load())
	b.WriteString("# HELP occupancy_snapshot_reload_failures_total Failed snapshot loads (the previous snapshot was kept).\n")
	b.WriteString("# TYPE occupancy_snapshot_reload_failures_total counter\n")
	fmt.Fprintf(b, "occupancy_snapshot_reload_failures_total %d\n", st.failures.Load())
	if u, ok := st.origin.(*urlOrigin); ok {
		b.WriteString("# HELP occupancy_snapshot_fetches_total Requests for the snapshot URL by result: modified (a 200 body), not_modified (304) or error.\n")
		b.WriteString("# TYPE occupancy_snapshot_fetches_total counter\n")
		fmt.Fprintf(b, "occupancy_snapshot_fetches_total{result=\"modified\"} %d\n", u.modified.Load())
		fmt.Fprintf(b, "occupancy_snapshot_fetches_total{result=\"not_modified\"} %d\n", u.notModified.Load())
		fmt.Fprintf(b, "occupancy_snapshot_fetches_total{result=\"error\"} %d\n", u.failed.Load())
		b.WriteString("# HELP occupancy_snapshot_fetch_consecutive_failures Failed polls of the snapshot URL since the last success (polls back off while it is above 0).\n")
		b.WriteString("# TYPE occupancy_snapshot_fetch_consecutive_failures gauge\n")
		fmt.Fprintf(b, "occupancy_snapshot_fetch_consecutive_failures %d\n", st.fetchFailures.Load())
	}
	b.WriteString("# HELP occupancy_process_start_time_seconds Start time of the process.\n")
	b.WriteString("# TYPE occupancy_process_start_time_seconds gauge\n")
	fmt.Fprintf(b, "occupancy_process_start_time_seconds %d\n", m.start.Unix())
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func escapeLabel(s string) string { return labelEscaper.Replace(s) }
