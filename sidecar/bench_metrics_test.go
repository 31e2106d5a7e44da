package sidecar_test

import (
	"path/filepath"
	"testing"

	"github.com/valyala/fasthttp"

	"occupancy/sidecar"
)

// BenchmarkScrape measures one GET /metrics through the handler, after
// requests on a few routes, with the answer cache on: what a Prometheus
// scrape costs the sidecar.
func BenchmarkScrape(b *testing.B) {
	cfg := sidecar.DefaultConfig()
	cfg.SnapshotPath = filepath.Join(b.TempDir(), "occupancy.snapshot")
	cfg.StaticDir = ""
	writeSnapshot(b, cfg.SnapshotPath, builtSnapshot(b, 1))
	srv, err := sidecar.New(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	h := srv.Handler()
	var ctx fasthttp.RequestCtx
	for _, c := range handlerCases() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.Header.SetMethod("POST")
		ctx.Request.SetRequestURI("/api/rooms/" + c.route)
		ctx.Request.Header.SetContentType("application/json")
		ctx.Request.SetBody([]byte(c.body))
		h(&ctx)
	}
	for _, path := range []string{"/healthz", "/readyz", "/nowhere", "/api/rooms/find_free_rooms"} {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.SetRequestURI(path)
		h(&ctx)
	}
	b.ReportAllocs()
	for b.Loop() {
		ctx.Request.Reset()
		ctx.Response.Reset()
		ctx.Request.SetRequestURI("/metrics")
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d", ctx.Response.StatusCode())
		}
	}
	b.ReportMetric(float64(len(ctx.Response.Body())), "bytes/resp")
}
