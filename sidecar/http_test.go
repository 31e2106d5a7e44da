package sidecar_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"occupancy/sidecar"
)

const (
	freePath    = "/api/rooms/find_free_rooms"
	soonestPath = "/api/rooms/find_soonest_bookings"
)

// Room JSON prefixes of the sample, as the API writes them.
const (
	bc01   = `{"name":"BC01","type":"SALLE DE COURS","link":"https://plan.epfl.ch/?room==BC%2001","coordinates":[46.51857,6.56182],"building":"BC","capacity":40,"level":0`
	co1    = `{"name":"CO1","type":"AUDITOIRE","link":null,"coordinates":[46.52012,6.56521],"building":"CO","capacity":300,"level":1`
	inm202 = `{"name":"INM202","type":"SALLE DE COURS","link":null,"coordinates":[46.51866,6.56328],"building":"INM","capacity":null`
	xyz1   = `{"name":"XYZ1","type":"unknown","link":null,"coordinates":null,"building":"XYZ","capacity":null`
)

func TestFindFreeRooms(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	sel := `"selection":[{"start":"2026-11-28T10:05:00.000Z","end":"2026-11-28T11:00:00.000Z"}]`
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string
	}{
		{"json, outward rounding, free_until", "application/json", `{` + sel + `}`,
			`[` + bc01 + `,"free_until":"2026-11-28T11:00:00.000Z"},` + inm202 + `,"free_until":null},` + xyz1 + `,"free_until":null}]`},
		{"bare array body", "application/json", `[{"start":"2026-11-28T10:05","end":"2026-11-28T11:00"}]`,
			`[` + bc01 + `,"free_until":"2026-11-28T11:00:00.000Z"},` + inm202 + `,"free_until":null},` + xyz1 + `,"free_until":null}]`},
		{"form", "application/x-www-form-urlencoded",
			"selection%5B0%5D%5Bstart%5D=2026-11-28T10%3A05%3A00.000Z&selection[0][end]=2026-11-28T11:00:00",
			`[` + bc01 + `,"free_until":"2026-11-28T11:00:00.000Z"},` + inm202 + `,"free_until":null},` + xyz1 + `,"free_until":null}]`},
		{"json labelled as a form (curl -d)", "application/x-www-form-urlencoded", `{` + sel + `}`,
			`[` + bc01 + `,"free_until":"2026-11-28T11:00:00.000Z"},` + inm202 + `,"free_until":null},` + xyz1 + `,"free_until":null}]`},
		{"touching bookings do not block", "application/json",
			`{"selection":[{"start":"2026-11-28T12:00:00.000Z","end":"2026-11-28T13:00:00.000Z"}]}`,
			`[` + bc01 + `,"free_until":null},` + co1 + `,"free_until":"2026-11-28T13:00:00.000Z"},` + inm202 + `,"free_until":null},` + xyz1 + `,"free_until":null}]`},
		{"explicit offset converted to campus time", "application/json",
			`{"selection":[{"start":"2026-11-28T11:00:00+00:00","end":"2026-11-28T12:00:00+00:00"}]}`, // 12:00–13:00 in Zurich (CET)
			`[` + bc01 + `,"free_until":null},` + co1 + `,"free_until":"2026-11-28T13:00:00.000Z"},` + inm202 + `,"free_until":null},` + xyz1 + `,"free_until":null}]`},
		{"several ranges: free in every one", "application/json",
			`{"selection":[{"start":"2026-11-28T12:00","end":"2026-11-28T13:00"},{"start":"2026-11-28T07:00","end":"2026-11-28T08:00"},{"start":"2026-11-28T14:00","end":"2026-11-28T14:30"}]}`,
			`[` + bc01 + `,"free_until":null},` + inm202 + `,"free_until":null},` + xyz1 + `,"free_until":null}]`},
		{"across a container boundary", "application/json",
			`{"selection":[{"start":"2026-01-26T23:45:00.000Z","end":"2026-01-27T00:15:00.000Z"}]}`,
			`[` + bc01 + `,"free_until":"2026-11-28T08:00:00.000Z"},` + co1 + `,"free_until":"2026-11-28T08:00:00.000Z"},` + inm202 + `,"free_until":null}]`},
		{"coordinates: nearest first, unknown last with null", "application/json",
			`{"selection":[{"start":"2026-11-28T16:00","end":"2026-11-28T17:00"}],"coordinates":{"latitude":46.5191,"longitude":6.5668}}`,
			`[` + co1 + `,"free_until":null,"distance":166.32585560785935},` + inm202 + `,"free_until":null,"distance":273.7403896491776},` +
				bc01 + `,"free_until":null,"distance":385.5752390065044},` + xyz1 + `,"free_until":null,"distance":null}]`},
		{"coordinates as form strings, zero is valid", "application/x-www-form-urlencoded",
			"selection[0][start]=2026-11-28T16:00&selection[0][end]=2026-11-28T17:00&coordinates[latitude]=0&coordinates[longitude]=0",
			`[` + bc01 + `,"free_until":null,"distance":5212093.183351487},` + inm202 + `,"free_until":null,"distance":5212120.560634877},` +
				co1 + `,"free_until":null,"distance":5212304.031313382},` + xyz1 + `,"free_until":null,"distance":null}]`},
		{"empty selection: every room, same shape", "application/json", `{"selection":[]}`,
			`[` + bc01 + `,"free_until":null},` + co1 + `,"free_until":null},` + inm202 + `,"free_until":null},` + xyz1 + `,"free_until":null}]`},
		{"filters", "application/json",
			`{"selection":[],"min_capacity":100,"building":"co","type":"auditoire"}`,
			`[` + co1 + `,"free_until":null}]`},
		{"min_capacity excludes unknown capacity", "application/json", `{"selection":[],"min_capacity":"0"}`,
			`[` + bc01 + `,"free_until":null},` + co1 + `,"free_until":null}]`},
		{"nothing free", "application/json",
			`{"selection":[],"building":"nowhere"}`, `[]`},
		// limit: the first rooms of the whole answer's order.
		{"limit with coordinates: the nearest", "application/json",
			`{"selection":[{"start":"2026-11-28T16:00","end":"2026-11-28T17:00"}],"coordinates":{"latitude":46.5191,"longitude":6.5668},"limit":2}`,
			`[` + co1 + `,"free_until":null,"distance":166.32585560785935},` + inm202 + `,"free_until":null,"distance":273.7403896491776}]`},
		{"limit without coordinates: the first by name", "application/json",
			`{"selection":[{"start":"2026-11-28T12:00","end":"2026-11-28T13:00"}],"limit":3}`,
			`[` + bc01 + `,"free_until":null},` + co1 + `,"free_until":"2026-11-28T13:00:00.000Z"},` + inm202 + `,"free_until":null}]`},
		{"limit above the answer", "application/json", `{"selection":[],"min_capacity":100,"limit":50}`,
			`[` + co1 + `,"free_until":null}]`},
		{"limit as a form string, with filters", "application/x-www-form-urlencoded", `selection[0][start]=2026-11-28T16:00&selection[0][end]=2026-11-28T17:00&type=salle%20de%20cours&limit=1`,
			`[` + bc01 + `,"free_until":null}]`},
		{"null limit: no limit", "application/json", `{"selection":[],"limit":null}`,
			`[` + bc01 + `,"free_until":null},` + co1 + `,"free_until":null},` + inm202 + `,"free_until":null},` + xyz1 + `,"free_until":null}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(t, "POST", freePath, tt.body, "Content-Type", tt.contentType)
			if r.status != 200 {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			if got, want := r.header["Content-Type"], "application/json; charset=utf-8"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			if !json.Valid([]byte(r.body)) {
				t.Errorf("invalid JSON: %s", r.body)
			}
			if diff := cmp.Diff(tt.want, r.body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFindSoonestBookings(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	tests := []struct {
		name        string
		contentType string
		body        string
		want        string
	}{
		{"during blocks: merged touching bookings", "application/json", `{"after_date":"2026-11-28T09:30:00.000Z"}`,
			`[{"name":"BC01","soonest_booking":{"start_datetime":"2026-11-28T08:00:00.000Z","end_datetime":"2026-11-28T10:00:00.000Z"}},` +
				`{"name":"CO1","soonest_booking":{"start_datetime":"2026-11-28T08:00:00.000Z","end_datetime":"2026-11-28T12:00:00.000Z"}},` +
				`{"name":"INM202","soonest_booking":null},{"name":"XYZ1","soonest_booking":null}]`},
		{"a block ending at after_date is over", "application/x-www-form-urlencoded", `after_date=2026-11-28T10:00`,
			`[{"name":"BC01","soonest_booking":{"start_datetime":"2026-11-28T11:00:00.000Z","end_datetime":"2026-11-28T12:00:00.000Z"}},` +
				`{"name":"CO1","soonest_booking":{"start_datetime":"2026-11-28T08:00:00.000Z","end_datetime":"2026-11-28T12:00:00.000Z"}},` +
				`{"name":"INM202","soonest_booking":null},{"name":"XYZ1","soonest_booking":null}]`},
		{"across a container boundary", "application/json", `{"after_date":"2026-01-27T00:20:00+01:00"}`,
			`[{"name":"BC01","soonest_booking":{"start_datetime":"2026-11-28T08:00:00.000Z","end_datetime":"2026-11-28T10:00:00.000Z"}},` +
				`{"name":"CO1","soonest_booking":{"start_datetime":"2026-11-28T08:00:00.000Z","end_datetime":"2026-11-28T12:00:00.000Z"}},` +
				`{"name":"INM202","soonest_booking":null},` +
				`{"name":"XYZ1","soonest_booking":{"start_datetime":"2026-01-26T23:00:00.000Z","end_datetime":"2026-01-27T01:00:00.000Z"}}]`},
		{"after everything", "application/json", `{"after_date":"2030-01-01"}`,
			`[{"name":"BC01","soonest_booking":null},{"name":"CO1","soonest_booking":null},{"name":"INM202","soonest_booking":null},{"name":"XYZ1","soonest_booking":null}]`},
		// Optional: the rooms asked for, filters and a limit, in name order.
		{"rooms: listed ones in name order, unknown names left out", "application/json",
			`{"after_date":"2026-11-28T09:30","rooms":["XYZ1","CO1","NOPE","CO1"]}`,
			`[{"name":"CO1","soonest_booking":{"start_datetime":"2026-11-28T08:00:00.000Z","end_datetime":"2026-11-28T12:00:00.000Z"}},{"name":"XYZ1","soonest_booking":null}]`},
		{"rooms: one name in a form", "application/x-www-form-urlencoded", `after_date=2026-11-28T09:30&rooms=BC01`,
			`[{"name":"BC01","soonest_booking":{"start_datetime":"2026-11-28T08:00:00.000Z","end_datetime":"2026-11-28T10:00:00.000Z"}}]`},
		{"rooms: an empty list answers none", "application/json", `{"after_date":"2026-11-28T09:30","rooms":[]}`, `[]`},
		{"filters as in find_free_rooms", "application/json", `{"after_date":"2026-11-28T09:30","min_capacity":50,"building":"co","type":"AUDITOIRE"}`,
			`[{"name":"CO1","soonest_booking":{"start_datetime":"2026-11-28T08:00:00.000Z","end_datetime":"2026-11-28T12:00:00.000Z"}}]`},
		{"limit: the first by name", "application/json", `{"after_date":"2030-01-01","limit":2}`,
			`[{"name":"BC01","soonest_booking":null},{"name":"CO1","soonest_booking":null}]`},
		{"limit after the filters", "application/json", `{"after_date":"2030-01-01","building":"INM","limit":1}`,
			`[{"name":"INM202","soonest_booking":null}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ts.do(t, "POST", soonestPath, tt.body, "Content-Type", tt.contentType)
			if r.status != 200 {
				t.Fatalf("status %d, body %s", r.status, r.body)
			}
			if diff := cmp.Diff(tt.want, r.body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func msg(s string) string {
	b, _ := json.Marshal(map[string]string{"message": s})
	return string(b)
}

func TestErrors(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), func(c *sidecar.Config) {
		c.MaxRanges = 3
		c.MaxBodyBytes = 2048
	})
	okRange := `{"start":"2026-11-28T10:00","end":"2026-11-28T11:00"}`
	tests := []struct {
		name   string
		method string
		path   string
		ct     string
		body   string
		status int
		want   string
	}{
		// The reference's seven messages.
		{"no body", "POST", freePath, "", "", 400, msg("Missing selection")},
		{"missing selection", "POST", freePath, "application/json", `{}`, 400, msg("Missing selection")},
		{"empty string selection", "POST", freePath, "application/x-www-form-urlencoded", `selection=`, 400, msg("Missing selection")},
		{"selection not array", "POST", freePath, "application/json", `{"selection":{"start":"x"}}`, 400, msg("Selection must be an array")},
		{"selection string", "POST", freePath, "application/x-www-form-urlencoded", `selection=abc`, 400, msg("Selection must be an array")},
		{"item without end", "POST", freePath, "application/json", `{"selection":[{"start":"2026-11-28T10:00"}]}`, 400, msg("Selection must be an array of objects with start and end properties")},
		{"null item", "POST", freePath, "application/json", `{"selection":[null]}`, 400, msg("Selection must be an array of objects with start and end properties")},
		{"zero start", "POST", freePath, "application/json", `{"selection":[{"start":0,"end":1}]}`, 400, msg("Selection must be an array of objects with start and end properties")},
		{"coordinates string", "POST", freePath, "application/json", `{"selection":[` + okRange + `],"coordinates":"here"}`, 400, msg("Coordinates must be an object")},
		{"coordinates array", "POST", freePath, "application/json", `{"selection":[` + okRange + `],"coordinates":[46.5,6.5]}`, 400, msg("Coordinates must have latitude and longitude properties")},
		{"coordinates without longitude", "POST", freePath, "application/json", `{"selection":[` + okRange + `],"coordinates":{"latitude":46.5}}`, 400, msg("Coordinates must have latitude and longitude properties")},
		{"missing after_date", "POST", soonestPath, "application/json", `{}`, 400, msg("Missing after_date")},
		{"empty after_date", "POST", soonestPath, "application/json", `{"after_date":""}`, 400, msg("Missing after_date")},
		{"invalid after_date", "POST", soonestPath, "application/json", `{"after_date":"tomorrow"}`, 400, msg("Invalid after_date")},
		{"after_date object", "POST", soonestPath, "application/json", `{"after_date":{"a":1}}`, 400, msg("Invalid after_date")},
		// New messages.
		{"malformed JSON", "POST", freePath, "application/json", `{"selection":[`, 400, msg("Invalid JSON body: unexpected end of input")},
		{"JSON syntax error", "POST", soonestPath, "application/json", `{"after_date":x}`, 400, msg("Invalid JSON body: invalid character 'x' looking for beginning of value at byte 15")},
		{"JSON scalar", "POST", freePath, "application/json", `"x"`, 400, msg("Invalid JSON body: expected an object")},
		{"trailing JSON", "POST", freePath, "application/json", `{} {}`, 400, msg("Invalid JSON body: unexpected data after the top-level value")},
		{"bad form escape", "POST", freePath, "application/x-www-form-urlencoded", `selection=%zz`, 400, msg(`Invalid form body: bad escape in the value of "selection"`)},
		{"unparsable start", "POST", freePath, "application/json", `{"selection":[` + okRange + `,{"start":"28/11/2026 10:00","end":"2026-11-28T11:00"}]}`, 400,
			msg(`selection[1].start: invalid datetime "28/11/2026 10:00"; expected a datetime such as 2026-10-05T08:00 or 2026-10-05T08:00:00.000Z`)},
		{"unparsable end", "POST", freePath, "application/json", `{"selection":[{"start":"2026-11-28T10:00","end":"2026-11-31T11:00"}]}`, 400,
			msg(`selection[0].end: invalid datetime "2026-11-31T11:00"; expected a datetime such as 2026-10-05T08:00 or 2026-10-05T08:00:00.000Z`)},
		{"end before start", "POST", freePath, "application/json", `{"selection":[{"start":"2026-11-28T11:00","end":"2026-11-28T10:00"}]}`, 400,
			msg(`selection[0]: end "2026-11-28T10:00" must be after start "2026-11-28T11:00"`)},
		{"empty range", "POST", freePath, "application/json", `{"selection":[{"start":"2026-11-28T11:00","end":"2026-11-28T11:00:00.000Z"}]}`, 400,
			msg(`selection[0]: end "2026-11-28T11:00:00.000Z" must be after start "2026-11-28T11:00"`)},
		{"latitude out of range", "POST", freePath, "application/json", `{"selection":[` + okRange + `],"coordinates":{"latitude":91,"longitude":6}}`, 400,
			msg("coordinates.latitude must be between -90 and 90, got 91")},
		{"longitude not a number", "POST", freePath, "application/json", `{"selection":[` + okRange + `],"coordinates":{"latitude":46,"longitude":"east"}}`, 400,
			msg(`coordinates.longitude must be a number, got "east"`)},
		{"too many ranges", "POST", freePath, "application/json", `{"selection":[` + strings.Repeat(okRange+",", 3) + okRange + `]}`, 400,
			msg("Too many ranges in selection: 4 (at most 3)")},
		{"bad min_capacity", "POST", freePath, "application/json", `{"selection":[],"min_capacity":-1}`, 400, msg("min_capacity must be a non-negative integer, got -1")},
		{"bad building", "POST", freePath, "application/json", `{"selection":[],"building":5}`, 400, msg("building must be a string, got 5")},
		{"limit zero", "POST", freePath, "application/json", `{"selection":[],"limit":0}`, 400, msg("limit must be a positive integer, got 0")},
		{"limit fraction", "POST", freePath, "application/json", `{"selection":[],"limit":2.5}`, 400, msg("limit must be a positive integer, got 2.5")},
		{"limit word", "POST", soonestPath, "application/json", `{"after_date":"2026-11-28","limit":"all"}`, 400, msg(`limit must be a positive integer, got "all"`)},
		{"rooms not a list", "POST", soonestPath, "application/json", `{"after_date":"2026-11-28","rooms":{"CO1":true}}`, 400, msg("rooms must be an array of room names, got an object")},
		{"room name not a string", "POST", soonestPath, "application/json", `{"after_date":"2026-11-28","rooms":["CO1",7]}`, 400, msg("rooms[1] must be a room name (a string), got 7")},
		{"soonest min_capacity", "POST", soonestPath, "application/json", `{"after_date":"2026-11-28","min_capacity":"many"}`, 400, msg(`min_capacity must be a non-negative integer, got "many"`)},
		{"body too large", "POST", freePath, "application/json", `{"selection":[],"x":"` + strings.Repeat("a", 3000) + `"}`, 413,
			msg("Request body too large (at most 2048 bytes)")},
		{"unknown route", "GET", "/api/nothing", "", "", 404, msg("Not found")},
		{"root", "GET", "/", "", "", 404, msg("Not found")},
		{"api root", "GET", "/api", "", "", 404, msg("Not found")},
		{"too deep", "GET", "/api/rooms/BC01/schedules", "", "", 404, msg("Not found")},
		{"POST to a list", "POST", "/api/rooms", "", "", 405, msg("Method POST not allowed on /api/rooms (allowed: GET, HEAD, OPTIONS)")},
		{"DELETE a search", "DELETE", freePath, "", "", 405, msg("Method DELETE not allowed on /api/rooms/find_free_rooms (allowed: GET, HEAD, POST, OPTIONS)")},
		{"GET a search is a room lookup", "GET", freePath, "", "", 404, msg("Room not found")},
		{"missing room", "GET", "/api/rooms/co1", "", "", 404, msg("Room not found")},
		{"missing course", "GET", "/api/courses/CS-999", "", "", 404, msg("Course not found")},
		{"missing studyplan", "GET", "/api/studyplans/foo", "", "", 404, msg("Studyplan not found")},
		{"dot-dot room", "GET", "/api/rooms/..%2f..%2fetc", "", "", 404, msg("Not found")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var headers []string
			if tt.ct != "" {
				headers = []string{"Content-Type", tt.ct}
			}
			r := ts.do(t, tt.method, tt.path, tt.body, headers...)
			if r.status != tt.status {
				t.Errorf("status = %d, want %d", r.status, tt.status)
			}
			if got, want := r.header["Content-Type"], "application/json; charset=utf-8"; got != want {
				t.Errorf("Content-Type = %q, want %q", got, want)
			}
			if diff := cmp.Diff(tt.want, r.body); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStatic(t *testing.T) {
	ts := newTestServer(t, sampleSnapshot(t), nil)
	tests := []struct {
		path string
		want string
	}{
		{"/api/rooms", `[{"name":"BC01"}]`},
		{"/api/rooms/", `[{"name":"BC01"}]`},
		{"/API/Rooms", `[{"name":"BC01"}]`},
		{"/api/rooms/BC01", `{"name":"BC01"}`},
		{"/api/rooms/BC01/", `{"name":"BC01"}`},
		{"/api/courses", `[{"code":"CS-305"}]`},
		{"/api/courses/CS-305", `{"code":"CS-305"}`},
		{"/api/studyplans", `[{"_id":"6b090e389c963b7fee731dbe"}]`},
		{"/api/studyplans/6b090e389c963b7fee731dbe", `{"_id":"6b090e389c963b7fee731dbe"}`},
		{"/api/studyplans/6B090E389C963B7FEE731DBE", `{"_id":"6b090e389c963b7fee731dbe"}`},
	}
	for _, tt := range tests {
		t.Run("GET "+tt.path, func(t *testing.T) {
			r := ts.do(t, "GET", tt.path, "")
			if r.status != 200 || r.body != tt.want {
				t.Errorf("GET %s = %d %s, want 200 %s", tt.path, r.status, r.body, tt.want)
			}
			if got, want := r.header["Content-Type"], "application/json; charset=utf-8"; got != want {
				t.Errorf("GET %s: Content-Type = %q, want %q", tt.path, got, want)
			}
			if r.header["Cache-Control"] == "" || r.header["Etag"] == "" {
				t.Errorf("GET %s: no Cache-Control or ETag: %v", tt.path, r.header)
			}
		})
	}
	// The tree's other files: calendar feeds beside the details, the
	// OpenAPI document and its page.
	for _, tt := range []struct{ path, ctype, want string }{
		{"/api/rooms/BC01.ics", "text/calendar; charset=utf-8", "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"},
		{"/api/openapi.json", "application/json; charset=utf-8", `{"openapi":"3.1.0"}`},
		{"/API/docs/", "text/html; charset=utf-8", "<!doctype html><title>API</title>"},
	} {
		t.Run("GET "+tt.path, func(t *testing.T) {
			r := ts.do(t, "GET", tt.path, "")
			if r.status != 200 || r.body != tt.want || r.header["Content-Type"] != tt.ctype {
				t.Errorf("GET %s = %d %q %q, want 200 %q %q", tt.path, r.status, r.header["Content-Type"], r.body, tt.ctype, tt.want)
			}
		})
	}
	if r := ts.do(t, "GET", "/api/rooms/NOPE.ics", ""); r.status != 404 || r.body != msg("Room not found") {
		t.Errorf("GET a missing feed = %d %s", r.status, r.body)
	}
	r := ts.do(t, "GET", "/api/rooms/BC01", "")
	r2 := ts.do(t, "GET", "/api/rooms/BC01", "", "If-None-Match", r.header["Etag"])
	if r2.status != 304 || r2.body != "" {
		t.Errorf("conditional GET = %d %q, want 304 and no body", r2.status, r2.body)
	}
	if r := ts.do(t, "HEAD", "/api/rooms", ""); r.status != 200 || r.body != "" {
		t.Errorf("HEAD = %d %q, want 200 and no body", r.status, r.body)
	}
}

func TestCORS(t *testing.T) {
	anyOrigin := newTestServer(t, sampleSnapshot(t), nil)
	list := newTestServer(t, sampleSnapshot(t), func(c *sidecar.Config) {
		c.AllowedOrigins = []string{"https://occupancy.flep.ch"}
	})
	body := `{"after_date":"2026-11-28T09:30"}`
	tests := []struct {
		name       string
		ts         *testServer
		method     string
		origin     string
		status     int
		wantOrigin string
		wantMaxAge string
	}{
		{"any origin", anyOrigin, "POST", "https://example.org", 200, "*", ""},
		{"no origin", anyOrigin, "POST", "", 200, "", ""},
		{"preflight", anyOrigin, "OPTIONS", "https://example.org", 204, "*", "86400"},
		{"listed origin", list, "POST", "https://occupancy.flep.ch", 200, "https://occupancy.flep.ch", ""},
		{"unlisted origin is served without CORS headers", list, "POST", "https://evil.example", 200, "", ""},
		{"no origin with a list is never refused", list, "POST", "", 200, "", ""},
		{"listed preflight", list, "OPTIONS", "https://occupancy.flep.ch", 204, "https://occupancy.flep.ch", "86400"},
		{"unlisted preflight", list, "OPTIONS", "https://evil.example", 204, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := []string{"Content-Type", "application/json"}
			if tt.origin != "" {
				h = append(h, "Origin", tt.origin, "Access-Control-Request-Method", "POST")
			}
			r := tt.ts.do(t, tt.method, soonestPath, body, h...)
			if r.status != tt.status {
				t.Errorf("status = %d, want %d", r.status, tt.status)
			}
			if got := r.header["Access-Control-Allow-Origin"]; got != tt.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tt.wantOrigin)
			}
			if got := r.header["Access-Control-Max-Age"]; got != tt.wantMaxAge {
				t.Errorf("Access-Control-Max-Age = %q, want %q", got, tt.wantMaxAge)
			}
			if tt.wantMaxAge != "" && !strings.Contains(r.header["Access-Control-Allow-Methods"], "POST") {
				t.Errorf("Access-Control-Allow-Methods = %q, want POST in it", r.header["Access-Control-Allow-Methods"])
			}
		})
	}
}

func TestOperations(t *testing.T) {
	ts := newTestServer(t, nil, nil)
	if r := ts.do(t, "GET", "/healthz", ""); r.status != 200 || r.body != `{"status":"ok"}` {
		t.Errorf("healthz = %d %s", r.status, r.body)
	}
	// No snapshot yet: not ready, searches 503, static still served.
	if r := ts.do(t, "GET", "/readyz", ""); r.status != 503 {
		t.Errorf("readyz without snapshot = %d %s, want 503", r.status, r.body)
	}
	if r := ts.postJSON(t, soonestPath, `{"after_date":"2026-11-28"}`); r.status != 503 || r.body != msg("No snapshot loaded yet; try again shortly") {
		t.Errorf("search without snapshot = %d %s, want 503", r.status, r.body)
	}
	if r := ts.do(t, "GET", "/api/rooms", ""); r.status != 200 {
		t.Errorf("static without snapshot = %d", r.status)
	}
	writeSnapshot(t, ts.dir+"/occupancy.snapshot", sampleSnapshot(t))
	if err := ts.srv.Reload(); err != nil {
		t.Fatal(err)
	}
	if r := ts.do(t, "GET", "/readyz/", ""); r.status != 200 || r.body != `{"status":"ready","release":"test-release","rooms":4}` {
		t.Errorf("readyz = %d %s", r.status, r.body)
	}
	ts.postJSON(t, freePath, `{}`)
	r := ts.do(t, "GET", "/metrics", "")
	if r.status != 200 || !strings.HasPrefix(r.header["Content-Type"], "text/plain; version=0.0.4") {
		t.Fatalf("metrics = %d %s", r.status, r.header["Content-Type"])
	}
	for _, want := range []string{
		`occupancy_http_requests_total{code="400",route="find_free_rooms"} 1`,
		`occupancy_http_requests_total{code="503",route="find_soonest_bookings"} 1`,
		`occupancy_http_errors_total{route="find_free_rooms"} 1`,
		`occupancy_http_request_duration_seconds_count{route="find_free_rooms"} 1`,
		`occupancy_http_request_duration_seconds_bucket{route="find_free_rooms",le="+Inf"} 1`,
		`occupancy_snapshot_info{release="test-release"} 1`,
		`occupancy_snapshot_rooms 4`,
		`occupancy_snapshot_reloads_total 1`,
		`occupancy_snapshot_reload_failures_total 1`, // the first attempt, before the file existed
		`occupancy_snapshot_age_seconds `,
	} {
		if !strings.Contains(r.body, want+"") {
			t.Errorf("metrics lack %q", want)
		}
	}
	if t.Failed() {
		fmt.Println(r.body)
	}
}

// TestRFC3339: with RFC3339 set (as with the build's -rfc3339), the
// searches write datetimes with their true offset, on both sides of the
// daylight-saving change, and still read wall-clock input.
func TestRFC3339(t *testing.T) {
	s := sampleSnapshot(t)
	s.Rooms[2].Occupy(at(t, "2026-10-25T01:00:00Z"), at(t, "2026-10-25T04:00:00Z")) // INM202, across the change
	ts := newTestServer(t, s, func(c *sidecar.Config) { c.RFC3339 = true })
	r := ts.postJSON(t, soonestPath, `{"after_date":"2026-10-24T12:00"}`)
	want := `{"name":"INM202","soonest_booking":{"start_datetime":"2026-10-25T01:00:00+02:00","end_datetime":"2026-10-25T04:00:00+01:00"}}`
	if r.status != 200 || !strings.Contains(r.body, want) {
		t.Errorf("soonest with offsets: %d %s\nwant it to contain %s", r.status, r.body, want)
	}
	r = ts.postJSON(t, freePath, `{"selection":[{"start":"2026-11-28T12:00","end":"2026-11-28T12:30"}]}`)
	if r.status != 200 || !strings.Contains(r.body, `"free_until":"2026-11-28T13:00:00+01:00"`) || strings.Contains(r.body, ".000Z") {
		t.Errorf("free rooms with offsets: %d %s", r.status, r.body)
	}
}
