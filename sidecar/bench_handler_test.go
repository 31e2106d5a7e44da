package sidecar_test

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"occupancy/sidecar"
)

// handlerCase is one request of the performance issue's list (issue 5,
// "What to measure", item 1).
type handlerCase struct {
	name, route, body string
}

// handlerCases returns find_free_rooms with 1, 3 and 10 ranges, with and
// without coordinates, at times when most rooms are free (evening hours)
// and when most are busy (whole teaching days; the 1-range case is a whole
// week, so that a long range is measured too), and find_soonest_bookings.
func handlerCases() []handlerCase {
	const layout = "2006-01-02T15:04:05.000Z"
	monday := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	var weekdays []time.Time
	for d := monday; len(weekdays) < 10; d = d.AddDate(0, 0, 1) {
		if d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
			weekdays = append(weekdays, d)
		}
	}
	var cases []handlerCase
	for _, n := range []int{1, 3, 10} {
		for _, mostly := range []string{"free", "busy"} {
			var sel []string
			for k := range n {
				d := weekdays[k]
				start, end := d.Add(19*time.Hour), d.Add(20*time.Hour)
				if mostly == "busy" {
					start, end = d.Add(7*time.Hour), d.Add(19*time.Hour)
					if n == 1 {
						end = d.AddDate(0, 0, 4).Add(19 * time.Hour)
					}
				}
				sel = append(sel, fmt.Sprintf(`{"start":%q,"end":%q}`, start.Format(layout), end.Format(layout)))
			}
			for _, coords := range []bool{false, true} {
				body := `{"selection":[` + strings.Join(sel, ",") + `]`
				if coords {
					body += `,"coordinates":{"latitude":46.5191,"longitude":6.5668}`
				}
				cases = append(cases, handlerCase{
					name:  fmt.Sprintf("free/ranges=%d/coords=%v/mostly=%s", n, coords, mostly),
					route: "find_free_rooms",
					body:  body + "}",
				})
				if n < 10 {
					// What a phone asks: a screenful.
					cases = append(cases, handlerCase{
						name:  fmt.Sprintf("free/ranges=%d/coords=%v/mostly=%s/limit=20", n, coords, mostly),
						route: "find_free_rooms",
						body:  body + `,"limit":20}`,
					})
				}
			}
		}
	}
	cases = append(cases,
		handlerCase{"soonest", "find_soonest_bookings", `{"after_date":"2026-11-26T10:30:00.000Z"}`},
		handlerCase{"soonest/limit=20", "find_soonest_bookings", `{"after_date":"2026-11-26T10:30:00.000Z","limit":20}`},
		handlerCase{"soonest/rooms=3", "find_soonest_bookings", `{"after_date":"2026-11-26T10:30:00.000Z","rooms":["BC01","CO1","INM202"]}`},
		handlerCase{"soonest/building/limit=20", "find_soonest_bookings", `{"after_date":"2026-11-26T10:30:00.000Z","building":"CO","limit":20}`},
	)
	return cases
}

// BenchmarkRequest measures each request of handlerCases through the
// handler (routing, body parsing, search and response body, without the
// network) at campus size and 3, 10 and 30 times beyond.
func BenchmarkRequest(b *testing.B) {
	for _, size := range []struct {
		name  string
		scale int
	}{{"sample", 1}, {"sample-x3", 3}, {"sample-x10", 10}, {"sample-x30", 30}} {
		cfg := sidecar.DefaultConfig()
		cfg.SnapshotPath = filepath.Join(b.TempDir(), "occupancy.snapshot")
		cfg.StaticDir = ""
		cfg.AnswerCache = 0 // the same query again and again: the search's cost, not the cache's (see BenchmarkRequestMix)
		writeSnapshot(b, cfg.SnapshotPath, builtSnapshot(b, size.scale))
		srv, err := sidecar.New(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		h := srv.Handler()
		for _, c := range handlerCases() {
			b.Run(size.name+"/"+c.name, func(b *testing.B) {
				var ctx fasthttp.RequestCtx
				body := []byte(c.body)
				uri := "/api/rooms/" + c.route
				b.ReportAllocs()
				for b.Loop() {
					ctx.Request.Reset()
					ctx.Response.Reset()
					ctx.Request.Header.SetMethod("POST")
					ctx.Request.SetRequestURI(uri)
					ctx.Request.Header.SetContentType("application/json")
					ctx.Request.SetBody(body)
					h(&ctx)
					if ctx.Response.StatusCode() != 200 {
						b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
					}
				}
				b.ReportMetric(float64(len(ctx.Response.Body())), "bytes/resp")
			})
		}
	}
}

// mixBodies returns n requests as a campus's clients might send them over
// an hour, in the order they arrive: half find_free_rooms (two thirds of
// them from a phone's own position, each different), half
// find_soonest_bookings; 80% about "now" (the time advances through four
// 15-minute slots across the n requests; a selection lasts 30 minutes to
// 2 hours), the rest about a random time of the semester.
func mixBodies(n int) (routes, bodies []string) {
	const layout = "2006-01-02T15:04:05.000Z"
	rng := rand.New(rand.NewPCG(11, 12))
	start := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	for i := range n {
		now := start.Add(time.Duration(i) * time.Hour / time.Duration(n))
		at := now
		if rng.IntN(5) == 0 {
			at = time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC).Add(time.Duration(rng.IntN(100*12*4)) * 15 * time.Minute)
		}
		if rng.IntN(2) == 0 {
			end := at.Add(time.Duration(2+rng.IntN(7)) * 15 * time.Minute)
			body := fmt.Sprintf(`{"selection":[{"start":%q,"end":%q}]`, at.Format(layout), end.Format(layout))
			if rng.IntN(3) > 0 {
				body += fmt.Sprintf(`,"coordinates":{"latitude":%.6f,"longitude":%.6f}`, 46.515+rng.Float64()/100, 6.56+rng.Float64()/100)
			}
			routes, bodies = append(routes, "find_free_rooms"), append(bodies, body+"}")
			continue
		}
		routes, bodies = append(routes, "find_soonest_bookings"), append(bodies, fmt.Sprintf(`{"after_date":%q}`, at.Format(layout)))
	}
	return routes, bodies
}

// BenchmarkRequestMix measures the answer cache honestly: requests of
// mixBodies, in order, through the handler, with the cache (the default
// size) and without, at campus size and 10 times beyond. It reports the
// share of requests answered from the cache.
func BenchmarkRequestMix(b *testing.B) {
	routes, bodies := mixBodies(100000)
	for _, scale := range []int{1, 10} {
		snap := builtSnapshot(b, scale)
		for _, cache := range []int{0, sidecar.DefaultAnswerCache} {
			b.Run(fmt.Sprintf("scale=%d/cache=%v", scale, cache > 0), func(b *testing.B) {
				// A server of its own, whose cache starts empty.
				cfg := sidecar.DefaultConfig()
				cfg.SnapshotPath = filepath.Join(b.TempDir(), "occupancy.snapshot")
				cfg.StaticDir = ""
				cfg.AnswerCache = cache
				writeSnapshot(b, cfg.SnapshotPath, snap)
				srv, err := sidecar.New(cfg, nil)
				if err != nil {
					b.Fatal(err)
				}
				h := srv.Handler()
				var ctx fasthttp.RequestCtx
				i := 0
				b.ReportAllocs()
				for b.Loop() {
					ctx.Request.Reset()
					ctx.Response.Reset()
					ctx.Request.Header.SetMethod("POST")
					ctx.Request.SetRequestURI("/api/rooms/" + routes[i%len(routes)])
					ctx.Request.Header.SetContentType("application/json")
					ctx.Request.SetBodyString(bodies[i%len(bodies)])
					h(&ctx)
					if ctx.Response.StatusCode() != 200 {
						b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
					}
					i++
				}
				b.StopTimer()
				if cache > 0 {
					b.ReportMetric(100*counter(string(metricsOf(b, h)), `result="hit"`)/float64(b.N), "%hits")
				}
			})
		}
	}
}

// metricsOf returns h's /metrics page.
func metricsOf(b *testing.B, h fasthttp.RequestHandler) []byte {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("GET")
	ctx.Request.SetRequestURI("/metrics")
	h(&ctx)
	return append([]byte(nil), ctx.Response.Body()...)
}

// counter returns the value of the answer cache's request counter whose
// line holds label.
func counter(metrics, label string) float64 {
	for line := range strings.Lines(metrics) {
		if strings.HasPrefix(line, "occupancy_answer_cache_requests_total{") && strings.Contains(line, label) {
			var v float64
			fmt.Sscan(line[strings.LastIndexByte(line, ' ')+1:], &v)
			return v
		}
	}
	return 0
}
