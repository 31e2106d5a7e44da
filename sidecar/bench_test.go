package sidecar_test

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/sidecar"
	"occupancy/snapshot"
	"occupancy/snapshot/snapshottest"
	"occupancy/source"
	"occupancy/source/sample"
)

// benchSnapshots are the releases the benchmarks search: the embedded
// sample as the build publishes it, the same generated ten times larger,
// and synthetic snapshots of about the same sizes.
var benchSnapshots = []struct {
	name string
	make func(b *testing.B) *snapshot.Snapshot
}{
	{"sample", func(b *testing.B) *snapshot.Snapshot { return builtSnapshot(b, 1) }},
	{"sample-x10", func(b *testing.B) *snapshot.Snapshot { return builtSnapshot(b, 10) }},
	{"synthetic-180", func(b *testing.B) *snapshot.Snapshot { return synthetic(180) }},
	{"synthetic-1800", func(b *testing.B) *snapshot.Snapshot { return synthetic(1800) }},
}

func synthetic(rooms int) *snapshot.Snapshot {
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: rooms, Seed: 1})
	return s
}

// builtSnapshot runs the build's own steps on the sample generated at
// scale and parses the snapshot it writes.
func builtSnapshot(b *testing.B, scale int) *snapshot.Snapshot {
	b.Helper()
	s, err := snapshot.Parse(builtSnapshotData(b, scale))
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// builtSnapshotData is the snapshot file the build writes for the sample
// generated at scale.
func builtSnapshotData(b *testing.B, scale int) []byte {
	b.Helper()
	rel, err := source.Check(sample.Generate(scale))
	if err != nil {
		b.Fatal(err)
	}
	var sink snapshotSink
	if err := generator.RenderTo(rel, generator.Options{}, &sink); err != nil {
		b.Fatal(err)
	}
	if sink.data == nil {
		b.Fatal("the build wrote no snapshot")
	}
	return sink.data
}

// BenchmarkLoad measures what the sidecar does with a new snapshot file's
// bytes before it answers from it (parse, check, build the index), at
// campus size and 3, 10 and 30 times beyond; it reports the file's size
// and the heap the index holds.
func BenchmarkLoad(b *testing.B) {
	for _, scale := range []int{1, 3, 10, 30} {
		data := builtSnapshotData(b, scale)
		b.Run(fmt.Sprintf("scale=%d", scale), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				s, err := snapshot.Parse(data)
				if err != nil {
					b.Fatal(err)
				}
				if ix := sidecar.NewIndex(s, time.Time{}); ix.Len() != len(s.Rooms) {
					b.Fatalf("%d rooms indexed of %d", ix.Len(), len(s.Rooms))
				}
			}
			b.StopTimer()
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			s, err := snapshot.Parse(data)
			if err != nil {
				b.Fatal(err)
			}
			ix := sidecar.NewIndex(s, time.Time{})
			runtime.GC()
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(ix.Len()), "rooms")
			b.ReportMetric(float64(len(data))/(1<<20), "file-MiB")
			b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "heap-MiB")
			runtime.KeepAlive(ix)
		})
	}
}

// snapshotSink keeps the snapshot of a render and drops the other files,
// so that a render 30 times the campus does not hold its whole tree.
type snapshotSink struct{ data []byte }

func (s *snapshotSink) Put(f tree.File) error {
	if f.Path == tree.SnapshotName {
		s.data = f.Data
	}
	return nil
}

func (s *snapshotSink) Release() (string, error)              { return "benchmark", nil }
func (s *snapshotSink) Reuse(string, ...string) (bool, error) { return false, nil }

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
	for _, bs := range benchSnapshots {
		ix := sidecar.NewIndex(bs.make(b), time.Time{})
		for _, coords := range []bool{false, true} {
			q := benchFreeQuery(b)
			if !coords {
				q.Coordinates = nil
			}
			b.Run(fmt.Sprintf("%s/coords=%v", bs.name, coords), func(b *testing.B) {
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
	for _, bs := range benchSnapshots {
		ix := sidecar.NewIndex(bs.make(b), time.Time{})
		q := &sidecar.SoonestQuery{After: at(b, "2026-11-26T10:30:00Z")}
		b.Run(bs.name, func(b *testing.B) {
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
	for _, bs := range benchSnapshots {
		s := bs.make(b)
		cfg := sidecar.DefaultConfig()
		cfg.SnapshotPath = filepath.Join(b.TempDir(), "occupancy.snapshot")
		cfg.AnswerCache = 0 // the same query again and again (see BenchmarkRequestMix)
		writeSnapshot(b, cfg.SnapshotPath, s)
		srv, err := sidecar.New(cfg, nil)
		if err != nil {
			b.Fatal(err)
		}
		h := srv.Handler()
		for _, route := range []string{"find_free_rooms", "find_soonest_bookings"} {
			b.Run(route+"/"+bs.name, func(b *testing.B) {
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
