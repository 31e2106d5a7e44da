package sidecar

import (
	"io"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
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
	routeChanges // the change feed: /api/changes[/<file>]
	routeWeb     // the page for people: / and /app/<file>
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
	routeChanges:    "changes",
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

// metrics are the server's Prometheus metrics, in a registry of its own
// (never the global default one: a process may run many servers). What a
// request records is resolved ahead, so that recording is a few atomic
// additions: no allocation, no lock and no map lookup.
type metrics struct {
	reg *prometheus.Registry

	requestsVec *prometheus.CounterVec // route, code
	// requests caches requestsVec's children by route and status code (0
	// for out of range), made on first use: a code is exposed only once
	// it was answered, as the operators' dashboards expect.
	requests [numRoutes][600]atomic.Pointer[prometheus.Counter]
	errors   [numRoutes]prometheus.Counter   // status >= 400
	latency  [numRoutes]prometheus.Histogram // seconds
	panics   prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{reg: prometheus.NewRegistry()}
	m.requestsVec = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "occupancy_http_requests_total",
		Help: "HTTP requests by route and status code.",
	}, []string{"route", "code"})
	errors := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "occupancy_http_errors_total",
		Help: "HTTP responses with status 400 or above, by route.",
	}, []string{"route"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "occupancy_http_request_duration_seconds",
		Help:    "Time to handle a request, by route.",
		Buckets: slices.Clone(latencyBuckets[:]),
	}, []string{"route"})
	for r := range numRoutes {
		// Every route is exposed from the start, at 0.
		m.errors[r] = errors.WithLabelValues(routeNames[r])
		m.latency[r] = latency.WithLabelValues(routeNames[r]).(prometheus.Histogram)
	}
	m.panics = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "occupancy_http_panics_total",
		Help: "Handler panics recovered (answered 500).",
	})
	start := prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "occupancy_process_start_time_seconds",
		Help: "Start time of the process.",
	})
	start.Set(float64(time.Now().Unix()))
	m.reg.MustRegister(m.requestsVec, errors, latency, m.panics, start)
	return m
}

func (m *metrics) observe(r route, status int, d time.Duration) {
	if status < 0 || status >= 600 {
		status = 0
	}
	m.requestCounter(r, status).Inc()
	if status >= 400 || status == 0 {
		m.errors[r].Inc()
	}
	m.latency[r].Observe(d.Seconds())
}

// requestCounter returns the request counter of route r and status code.
func (m *metrics) requestCounter(r route, code int) prometheus.Counter {
	if c := m.requests[r][code].Load(); c != nil {
		return *c
	}
	// The first request of this route and code: concurrent first callers
	// get the same child from the vector.
	c := m.requestsVec.WithLabelValues(routeNames[r], strconv.Itoa(code))
	m.requests[r][code].Store(&c)
	return c
}

// collectStore adds the metrics read from st at each scrape.
func (m *metrics) collectStore(st *Store) { m.reg.MustRegister(storeCollector{st}) }

// write renders the metrics in the Prometheus text exposition format 0.0.4.
// A metric that could not be gathered is left out and reported in the
// error; the rest is written all the same.
func (m *metrics) write(w io.Writer) error {
	mfs, err := m.reg.Gather()
	for _, mf := range mfs {
		if _, werr := expfmt.MetricFamilyToText(w, mf); werr != nil {
			return werr
		}
	}
	return err
}

// storeCollector reads the snapshot's state from its Store at each
// scrape: what is loaded, the answer cache, reloads and URL polling. A
// family that does not apply (no snapshot yet, a file source, no answer
// cache) is left out.
type storeCollector struct{ st *Store }

func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

var (
	descLoaded          = desc("occupancy_snapshot_loaded", "Whether a snapshot is loaded (1) or not (0).")
	descInfo            = desc("occupancy_snapshot_info", "The release of the loaded snapshot.", "release")
	descRooms           = desc("occupancy_snapshot_rooms", "Rooms in the loaded snapshot.")
	descLoadedAt        = desc("occupancy_snapshot_loaded_timestamp_seconds", "When the loaded snapshot was loaded.")
	descFileTime        = desc("occupancy_snapshot_file_timestamp_seconds", "Modification time of the loaded snapshot file (Last-Modified for a URL).")
	descAge             = desc("occupancy_snapshot_age_seconds", "Age of the loaded snapshot file (now minus its modification time).")
	descCacheRequests   = desc("occupancy_answer_cache_requests_total", "Searches that could be answered from the answer cache, by result (they restart at 0 with each snapshot, whose cache starts empty).", "result")
	descCacheEntries    = desc("occupancy_answer_cache_entries", "Answers held by the answer cache.")
	descCacheBytes      = desc("occupancy_answer_cache_bytes", "Bytes held by the answer cache (keys, answers, an estimate of the map's own), at most -answer-cache.")
	descReloads         = desc("occupancy_snapshot_reloads_total", "Successful snapshot loads.")
	descReloadFailures  = desc("occupancy_snapshot_reload_failures_total", "Failed snapshot loads (the previous snapshot was kept).")
	descFetches         = desc("occupancy_snapshot_fetches_total", "Requests for the snapshot URL by result: modified (a 200 body), not_modified (304) or error.", "result")
	descFetchesFailures = desc("occupancy_snapshot_fetch_consecutive_failures", "Failed polls of the snapshot URL since the last success (polls back off while it is above 0).")
)

func (c storeCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descLoaded, descInfo, descRooms, descLoadedAt, descFileTime, descAge,
		descCacheRequests, descCacheEntries, descCacheBytes, descReloads, descReloadFailures, descFetches, descFetchesFailures} {
		ch <- d
	}
}

func (c storeCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.st
	metric := func(d *prometheus.Desc, t prometheus.ValueType, v float64, labels ...string) {
		// Not MustNewConstMetric: Collect runs in a goroutine of the
		// registry's, where a panic would end the process.
		m, err := prometheus.NewConstMetric(d, t, v, labels...)
		if err != nil {
			m = prometheus.NewInvalidMetric(d, err)
		}
		ch <- m
	}
	ix := st.Index()
	if ix == nil {
		metric(descLoaded, prometheus.GaugeValue, 0)
	} else {
		metric(descLoaded, prometheus.GaugeValue, 1)
		metric(descInfo, prometheus.GaugeValue, 1, ix.Release())
		metric(descRooms, prometheus.GaugeValue, float64(ix.Len()))
		metric(descLoadedAt, prometheus.GaugeValue, float64(ix.LoadedAt().Unix()))
		if ft := ix.FileTime(); !ft.IsZero() {
			metric(descFileTime, prometheus.GaugeValue, float64(ft.Unix()))
			metric(descAge, prometheus.GaugeValue, time.Since(ft).Seconds())
		}
		if c := ix.cache; c != nil {
			hits, misses, entries, bytes := c.stats()
			metric(descCacheRequests, prometheus.CounterValue, float64(hits), "hit")
			metric(descCacheRequests, prometheus.CounterValue, float64(misses), "miss")
			metric(descCacheEntries, prometheus.GaugeValue, float64(entries))
			metric(descCacheBytes, prometheus.GaugeValue, float64(bytes))
		}
	}
	metric(descReloads, prometheus.CounterValue, float64(st.reloads.Load()))
	metric(descReloadFailures, prometheus.CounterValue, float64(st.failures.Load()))
	if u, ok := st.origin.(*urlOrigin); ok {
		metric(descFetches, prometheus.CounterValue, float64(u.modified.Load()), "modified")
		metric(descFetches, prometheus.CounterValue, float64(u.notModified.Load()), "not_modified")
		metric(descFetches, prometheus.CounterValue, float64(u.failed.Load()), "error")
		metric(descFetchesFailures, prometheus.GaugeValue, float64(st.fetchFailures.Load()))
	}
}
