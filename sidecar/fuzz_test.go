package sidecar_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/valyala/fasthttp"

	"occupancy/sidecar"
)

var contentTypes = []string{"application/json", "application/x-www-form-urlencoded", "", "text/plain", "application/json; charset=utf-8"}

// fuzzHandler returns the handler of a server over the sample snapshot.
func fuzzHandler(f *testing.F) fasthttp.RequestHandler {
	dir := f.TempDir()
	cfg := sidecar.DefaultConfig()
	cfg.SnapshotPath = filepath.Join(dir, "occupancy.snapshot")
	cfg.StaticDir = ""
	writeSnapshot(f, cfg.SnapshotPath, sampleSnapshot(f))
	srv, err := sidecar.New(cfg, nil)
	if err != nil {
		f.Fatal(err)
	}
	return srv.Handler()
}

// checkResponse asserts the contract every response keeps: 200 with a JSON
// array, or 400 with {"message": …}; never 500.
func checkResponse(t *testing.T, path string, ct byte, body []byte, h fasthttp.RequestHandler) {
	var ctx fasthttp.RequestCtx
	ctx.Request.Header.SetMethod("POST")
	ctx.Request.SetRequestURI(path)
	ctx.Request.Header.SetContentType(contentTypes[int(ct)%len(contentTypes)])
	ctx.Request.SetBody(body)
	h(&ctx)
	status, out := ctx.Response.StatusCode(), ctx.Response.Body()
	switch status {
	case 200:
		var v []map[string]any
		if err := json.Unmarshal(out, &v); err != nil {
			t.Fatalf("200 with a body that is not a JSON array of objects: %v: %s", err, out)
		}
	case 400:
		var v struct {
			Message *string `json:"message"`
		}
		if err := json.Unmarshal(out, &v); err != nil || v.Message == nil || *v.Message == "" {
			t.Fatalf("400 without a message: %s", out)
		}
	default:
		t.Fatalf("status %d for body %q: %s", status, body, out)
	}
}

func FuzzFindFreeRooms(f *testing.F) {
	h := fuzzHandler(f)
	for _, seed := range []string{
		`{"selection":[{"start":"2026-11-28T10:05:00.000Z","end":"2026-11-28T11:00:00.000Z"}],"coordinates":{"latitude":46.5191,"longitude":6.5668}}`,
		`[{"start":"2026-11-28T10:05","end":"2026-11-28T11:00+02:00"}]`,
		`selection[0][start]=2026-11-28T10:05&selection[0][end]=2026-11-28T11:00&coordinates[latitude]=0&coordinates[longitude]=0`,
		`selection[][start]=2026-01-26T23:00&selection[][end]=2026-01-27 01:00:00.5&min_capacity=10&building=BC&type=x`,
		`{"selection":[{"start":1764316800000,"end":"2026-11-28"}],"min_capacity":"3"}`,
		`{"selection":[null,{"start":0}],"coordinates":[]}`,
		`{"selection":{},"coordinates":"x"}`,
		`{"selection":[]}`,
		`{"selection":[{"start":"2026-02-30T10:00","end":"2026-11-28T24:00"}]}`,
		`selection[99999999999999999999][start]=x`,
		`a[b][c][d][e][f][g]=1&&=&%41=%`,
	} {
		for ct := range len(contentTypes) {
			f.Add(byte(ct), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, ct byte, body []byte) {
		checkResponse(t, "/api/rooms/find_free_rooms", ct, body, h)
	})
}

func FuzzSoonest(f *testing.F) {
	h := fuzzHandler(f)
	for _, seed := range []string{
		`{"after_date":"2026-11-28T09:30:00.000Z"}`,
		`{"after_date":"2026-01-27T00:20:00+01:00"}`,
		`after_date=2026-11-28T10%3A00`,
		`after_date=a&after_date=b`,
		`{"after_date":1764316800000}`,
		`{"after_date":true}`,
		`{"after_date":"2026-10-25T02:30:00.123456789-00:30"}`,
		`[]`,
		`{`,
	} {
		for ct := range len(contentTypes) {
			f.Add(byte(ct), []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, ct byte, body []byte) {
		checkResponse(t, "/api/rooms/find_soonest_bookings", ct, body, h)
	})
}
