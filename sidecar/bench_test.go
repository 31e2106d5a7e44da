package sidecar_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"occupancy/sidecar"
	"occupancy/snapshot/snapshottest"
)

// benchSizes are the sample's scale (about 180 rooms, 20–30 weekly blocks
// each over two 15-week semesters) and ten times that.
var benchSizes = []int{180, 1800}

func benchIndex(b *testing.B, rooms int) *sidecar.Index {
	b.Helper()
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: rooms, Seed: 1})
	return sidecar.NewIndex(s, time.Time{})
}

func benchFreeQuery(b *testing.B) *sidecar.FreeQuery {
	// A Thursday in the fall semester, three hourly cells, with the user's
	// position: what the Home page sends.
	return &sidecar.FreeQuery{
		Ranges: []sidecar.Range{
			{Start: at(b, "2026-11-26T10:00:00Z"), End: at(b, "2026-11-26T11:00:00Z")},
			{Start: at(b, "2026-11-26T11:00:00Z"), End: at(b, "2026-11-26T12:00:00Z")},
			{Start: at(b, "2026-11-26T14:00:00Z"), End: at(b, "2026-11-26T15:00:00Z")},
		},
		Coordinates: &[2]float64{46.5191, 6.5668},
	}
}

func BenchmarkFindFree(b *testing.B) {
	for _, n := range benchSizes {
		ix := benchIndex(b, n)
		for _, coords := range []bool{false, true} {
			q := benchFreeQuery(b)
			if !coords {
				q.Coordinates = nil
			}
			b.Run(fmt.Sprintf("rooms=%d/coords=%v", n, coords), func(b *testing.B) {
				var buf []byte
				b.ReportAllocs()
				for b.Loop() {
					buf = ix.AppendFree(buf[:0], q)
				}
				b.ReportMetric(float64(len(buf)), "bytes/resp")
			})
		}
	}
}

func BenchmarkSoonest(b *testing.B) {
	for _, n := range benchSizes {
		ix := benchIndex(b, n)
		q := &sidecar.SoonestQuery{After: at(b, "2026-11-26T10:30:00Z")}
		b.Run(fmt.Sprintf("rooms=%d", n), func(b *testing.B) {
			var buf []byte
			b.ReportAllocs()
			for b.Loop() {
				buf = ix.AppendSoonest(buf[:0], q)
			}
			b.ReportMetric(float64(len(buf)), "bytes/resp")
		})
	}
}

// BenchmarkHandler measures a whole request through the handler: routing,
// body parsing, search and response, without the network.
func BenchmarkHandler(b *testing.B) {
	bodies := map[string]string{
		"find_free_rooms":       `{"selection":[{"start":"2026-11-26T10:00:00.000Z","end":"2026-11-26T11:00:00.000Z"},{"start":"2026-11-26T11:00:00.000Z","end":"2026-11-26T12:00:00.000Z"}],"coordinates":{"latitude":46.5191,"longitude":6.5668}}`,
		"find_soonest_bookings": `{"after_date":"2026-11-26T10:30:00.000Z"}`,
	}
	for _, n := range benchSizes {
		s, _ := snapshottest.Generate(snapshottest.Options{Rooms: n, Seed: 1})
		cfg := sidecar.DefaultConfig()
		cfg.SnapshotPath = filepath.Join(b.TempDir(), "occupancy.snapshot")
		writeSnapshot(b, cfg.SnapshotPath, s)
		srv, err := sidecar.New(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		h := srv.Handler()
		for _, route := range []string{"find_free_rooms", "find_soonest_bookings"} {
			b.Run(fmt.Sprintf("%s/rooms=%d", route, n), func(b *testing.B) {
				var ctx fasthttp.RequestCtx
				body := []byte(bodies[route])
				b.ReportAllocs()
				for b.Loop() {
					ctx.Request.Reset()
					ctx.Response.Reset()
					ctx.Request.Header.SetMethod("POST")
					ctx.Request.SetRequestURI("/api/rooms/" + route)
					ctx.Request.Header.SetContentType("application/json")
					ctx.Request.SetBody(body)
					h(&ctx)
					if ctx.Response.StatusCode() != 200 {
						b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
					}
				}
			})
		}
	}
}
