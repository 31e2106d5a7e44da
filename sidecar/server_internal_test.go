package sidecar

import (
	"path/filepath"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/valyala/fasthttp"
)

// TestRecover checks that a panicking handler answers a JSON 500, counts
// the panic and keeps serving.
func TestRecover(t *testing.T) {
	cfg := DefaultConfig()
	cfg.SnapshotPath = filepath.Join(t.TempDir(), "missing")
	s, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	s.store = nil // every search now dereferences nil
	h := s.Handler()
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.SetRequestURI("/api/rooms/find_soonest_bookings")
	ctx.Request.Header.Set("Origin", "https://example.org")
	h(&ctx)
	if got, want := ctx.Response.StatusCode(), 500; got != want {
		t.Errorf("status = %d, want %d", got, want)
	}
	if got, want := string(ctx.Response.Body()), `{"message":"Internal server error"}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
	if got := string(ctx.Response.Header.Peek("Access-Control-Allow-Origin")); got != "*" {
		t.Errorf("CORS header lost on 500: %q", got)
	}
	var m dto.Metric
	if err := s.metrics.panics.Write(&m); err != nil {
		t.Fatal(err)
	}
	if got := m.GetCounter().GetValue(); got != 1 {
		t.Errorf("panics = %v, want 1", got)
	}
	var ok fasthttp.RequestCtx
	ok.Request.SetRequestURI("/healthz")
	h(&ok)
	if ok.Response.StatusCode() != 200 || !strings.Contains(string(ok.Response.Body()), "ok") {
		t.Errorf("healthz after a panic = %d %s", ok.Response.StatusCode(), ok.Response.Body())
	}
}
