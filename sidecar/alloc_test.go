//go:build !race

package sidecar

import (
	"path"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"occupancy/snapshot/snapshottest"
)

// TestAllocs holds the searches, the request parsing and whole requests
// through the handler to their allocation budget: none in steady state.
func TestAllocs(t *testing.T) {
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: 180, Seed: 1})
	ix := NewIndex(s, time.Time{})
	at := func(v string) time.Time { t, _ := time.Parse(time.RFC3339, v); return t }
	free := &FreeQuery{
		Ranges: []Range{
			{at("2026-11-26T10:00:00Z"), at("2026-11-26T12:00:00Z")},
			{at("2026-11-26T14:00:00Z"), at("2026-11-26T15:00:00Z")},
		},
		Coordinates: &[2]float64{46.52, 6.565},
	}
	soon := &SoonestQuery{After: at("2026-11-26T10:30:00Z")}
	var buf []byte
	// Warm the pool and the buffer.
	buf = ix.AppendFree(buf[:0], free)
	buf = ix.AppendSoonest(buf[:0], soon)
	buf = append(buf[:0], make([]byte, 2*len(buf)+4096)...)
	if n := testing.AllocsPerRun(100, func() { buf = ix.AppendFree(buf[:0], free) }); n > 0 {
		t.Errorf("AppendFree allocates %v times per call, want 0", n)
	}
	if n := testing.AllocsPerRun(100, func() { buf = ix.AppendSoonest(buf[:0], soon) }); n > 0 {
		t.Errorf("AppendSoonest allocates %v times per call, want 0", n)
	}
	b := ix.rooms[0].busy
	if n := testing.AllocsPerRun(100, func() { full(b, 1<<21, 1<<22) }); n > 0 {
		t.Errorf("CardinalityInRange allocates %v times per call", n)
	}

	// Parsing the common shapes: the fast path, into pooled storage.
	opt := ParseOptions{Location: time.UTC}
	body := []byte(`{"selection":[{"start":"2026-11-26T10:00:00.000Z","end":"2026-11-26T12:00:00.000+01:00"},` +
		`{"start":"2026-11-26T14:00","end":"2026-11-26T15:00"}],"coordinates":{"latitude":46.5191,"longitude":6.5668},"min_capacity":10}`)
	var qb queryBuf
	if n := testing.AllocsPerRun(100, func() {
		if _, ok := parseFreeFast(body, opt, &qb); !ok {
			t.Fatal("fast path refused the benchmark body")
		}
	}); n > 0 {
		t.Errorf("parseFreeFast allocates %v times per call, want 0", n)
	}
	soonBody := []byte(`{"after_date":"2026-11-26T10:30:00.000Z"}`)
	if n := testing.AllocsPerRun(100, func() { parseSoonestFast(soonBody, opt) }); n > 0 {
		t.Errorf("parseSoonestFast allocates %v times per call, want 0", n)
	}

	// Whole requests through the handler, as BenchmarkRequest measures.
	srv := &Server{store: &Store{}, metrics: newMetrics(), parse: opt}
	srv.freeHandler, srv.soonestHandler = srv.findFree, srv.findSoonest
	srv.store.cur.Store(ix)
	h := srv.Handler()
	for _, c := range []struct {
		path string
		body []byte
	}{{"/api/rooms/find_free_rooms", body}, {"/api/rooms/find_soonest_bookings", soonBody}} {
		t.Run(path.Base(c.path), func(t *testing.T) {
			var ctx fasthttp.RequestCtx
			req := func() {
				ctx.Request.Reset()
				ctx.Response.Reset()
				ctx.Request.Header.SetMethod("POST")
				ctx.Request.SetRequestURI(c.path)
				ctx.Request.Header.SetContentType("application/json")
				ctx.Request.SetBody(c.body)
				h(&ctx)
				if ctx.Response.StatusCode() != 200 {
					t.Fatalf("%s: status %d: %s", c.path, ctx.Response.StatusCode(), ctx.Response.Body())
				}
			}
			req()
			if n := testing.AllocsPerRun(100, req); n > 0 {
				t.Errorf("%s through the handler allocates %v times per request, want 0", c.path, n)
			}
		})
	}
}
