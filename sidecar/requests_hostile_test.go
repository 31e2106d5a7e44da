package sidecar_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"occupancy/sidecar"
)

// checkJSONError asserts a JSON error response: the status, the content
// type and a non-empty {"message": …} containing want.
func checkJSONError(tb testing.TB, what string, r response, status int, want string) {
	tb.Helper()
	if r.status != status {
		tb.Errorf("%s: status %d, want %d; body %.200s", what, r.status, status, r.body)
		return
	}
	if got := r.header["Content-Type"]; got != "application/json; charset=utf-8" {
		tb.Errorf("%s: Content-Type %q, want JSON", what, got)
	}
	var v struct {
		Message *string `json:"message"`
	}
	if err := json.Unmarshal([]byte(r.body), &v); err != nil || v.Message == nil || *v.Message == "" {
		tb.Errorf("%s: body is not {\"message\": …}: %.200s", what, r.body)
		return
	}
	if !strings.Contains(*v.Message, want) {
		tb.Errorf("%s: message %q, want it to contain %q", what, *v.Message, want)
	}
}

// checkHealthy asserts that the server still answers /healthz, /readyz and
// a valid search of each kind.
func checkHealthy(tb testing.TB, ts *testServer) {
	tb.Helper()
	if r := ts.do(tb, "GET", "/healthz", ""); r.status != 200 {
		tb.Errorf("healthz after hostile requests = %d %s", r.status, r.body)
	}
	if r := ts.do(tb, "GET", "/readyz", ""); r.status != 200 {
		tb.Errorf("readyz after hostile requests = %d %s", r.status, r.body)
	}
	if r := ts.postJSON(tb, freePath, `{"selection":[{"start":"2026-11-28T16:00","end":"2026-11-28T17:00"}]}`); r.status != 200 || !strings.HasPrefix(r.body, `[{"name":"BC01"`) {
		tb.Errorf("find_free_rooms after hostile requests = %d %.200s", r.status, r.body)
	}
	if r := ts.postJSON(tb, soonestPath, `{"after_date":"2026-11-28T09:30"}`); r.status != 200 || !strings.HasPrefix(r.body, `[{"name":"BC01"`) {
		tb.Errorf("find_soonest_bookings after hostile requests = %d %.200s", r.status, r.body)
	}
}

// perRequest bounds the time of one hostile request. It is coarse, for
// -race on a busy two-core CI machine: it catches quadratic work, deep
// recursion and waits on a timeout, not slowness.
const perRequest = 30 * time.Second

// TestHostileBodies sends malformed, mistyped and oversized bodies to both
// searches: each gets a JSON 4xx quickly and the server stays healthy.
func TestHostileBodies(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, sampleSnapshot(t), nil)
	// big has room for bodies that the default limit refuses, to reach
	// the checks behind it.
	big := newTestServer(t, sampleSnapshot(t), func(c *sidecar.Config) { c.MaxBodyBytes = 4 << 20 })

	const (
		jsonCT = "application/json"
		formCT = "application/x-www-form-urlencoded"
		ok     = `{"start":"2026-11-28T16:00","end":"2026-11-28T17:00"}`
		free   = freePath
		soon   = soonestPath
	)
	sel := func(item string) string { return `{"selection":[` + item + `]}` }
	withCoords := func(c string) string { return `{"selection":[` + ok + `],"coordinates":` + c + `}` }
	ranges := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"selection":[`)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(ok)
		}
		b.WriteString(`]}`)
		return b.String()
	}
	formRanges := func(n int) string {
		var b strings.Builder
		for i := range n {
			fmt.Fprintf(&b, "selection[%d][start]=2026-11-28T16:00&selection[%d][end]=2026-11-28T17:00&", i, i)
		}
		return b.String()
	}
	tests := []struct {
		name   string
		ts     *testServer
		path   string
		ct     string
		body   string
		status int
		want   string // part of the message
	}{
		// Malformed JSON.
		{"unclosed object", ts, free, jsonCT, `{`, 400, "Invalid JSON body"},
		{"lone close", ts, free, jsonCT, `}`, 400, "Invalid JSON body"},
		{"unclosed array in object", ts, free, jsonCT, `{"selection":[}`, 400, "Invalid JSON body"},
		{"missing close", ts, free, jsonCT, `{"selection":[` + ok + `]`, 400, "Invalid JSON body"},
		{"trailing comma in object", ts, free, jsonCT, `{"selection":[],}`, 400, "Invalid JSON body"},
		{"trailing comma in item", ts, free, jsonCT, sel(`{"start":"2026-11-28T16:00","end":"2026-11-28T17:00",}`), 400, "Invalid JSON body"},
		{"single quotes", ts, free, jsonCT, `{'selection':[]}`, 400, "Invalid JSON body"},
		{"unquoted key", ts, free, jsonCT, `{selection:[]}`, 400, "Invalid JSON body"},
		{"missing colon", ts, free, jsonCT, `{"selection" []}`, 400, "Invalid JSON body"},
		{"extra close", ts, free, jsonCT, `{"selection":[]}}`, 400, "Invalid JSON body"},
		{"two values", ts, free, jsonCT, `{"selection":[]} {"selection":[]}`, 400, "unexpected data after the top-level value"},
		{"garbage after", ts, free, jsonCT, `{"selection":[]}garbage`, 400, "Invalid JSON body"},
		{"leading zero", ts, free, jsonCT, `{"selection":01}`, 400, "Invalid JSON body"},
		{"bad exponent", ts, free, jsonCT, sel(`1e`), 400, "Invalid JSON body"},
		{"lone minus", ts, free, jsonCT, sel(`-`), 400, "Invalid JSON body"},
		{"leading dot", ts, free, jsonCT, sel(`.5`), 400, "Invalid JSON body"},
		{"leading plus", ts, free, jsonCT, sel(`+1`), 400, "Invalid JSON body"},
		{"truncated literal", ts, free, jsonCT, `{"selection":tru}`, 400, "Invalid JSON body"},
		{"control character in string", ts, free, jsonCT, "{\"selection\":\"a\x01b\"}", 400, "Invalid JSON body"},
		{"bad escape in string", ts, free, jsonCT, `{"selection":"\x"}`, 400, "Invalid JSON body"},
		{"NUL before the body", ts, free, jsonCT, "\x00{}", 400, "Invalid JSON body"},
		{"byte order mark", ts, free, jsonCT, "\xef\xbb\xbf{}", 400, "Invalid JSON body"},
		{"only a string", ts, free, jsonCT, `"selection"`, 400, "expected an object"},
		{"only a number", ts, soon, jsonCT, `42`, 400, "expected an object"},
		{"only null", ts, soon, jsonCT, `null`, 400, "expected an object"},
		{"unclosed soonest", ts, soon, jsonCT, `{"after_date":"2026-11-28T09:30"`, 400, "Invalid JSON body"},
		{"NaN literal", ts, free, jsonCT, sel(`{"start":NaN,"end":NaN}`), 400, "Invalid JSON body"},
		{"Infinity literal", ts, free, jsonCT, sel(`{"start":"2026-11-28T16:00","end":Infinity}`), 400, "Invalid JSON body"},
		{"-Infinity latitude", ts, free, jsonCT, withCoords(`{"latitude":-Infinity,"longitude":6}`), 400, "Invalid JSON body"},
		{"NaN after_date", ts, soon, jsonCT, `{"after_date":NaN}`, 400, "Invalid JSON body"},
		{"undefined", ts, soon, jsonCT, `{"after_date":undefined}`, 400, "Invalid JSON body"},

		// Wrong types in every field.
		{"selection string", ts, free, jsonCT, `{"selection":"2026-11-28T16:00"}`, 400, sidecar.MsgSelectionNotArray},
		{"selection number", ts, free, jsonCT, `{"selection":5}`, 400, sidecar.MsgSelectionNotArray},
		{"selection object", ts, free, jsonCT, `{"selection":{"start":"2026-11-28T16:00","end":"2026-11-28T17:00"}}`, 400, sidecar.MsgSelectionNotArray},
		{"selection true", ts, free, jsonCT, `{"selection":true}`, 400, sidecar.MsgSelectionNotArray},
		{"selection false", ts, free, jsonCT, `{"selection":false}`, 400, sidecar.MsgMissingSelection},
		{"selection null", ts, free, jsonCT, `{"selection":null}`, 400, sidecar.MsgMissingSelection},
		{"selection zero", ts, free, jsonCT, `{"selection":0}`, 400, sidecar.MsgMissingSelection},
		{"item array", ts, free, jsonCT, sel(`[]`), 400, sidecar.MsgSelectionItems},
		{"item pair array", ts, free, jsonCT, sel(`["2026-11-28T16:00","2026-11-28T17:00"]`), 400, sidecar.MsgSelectionItems},
		{"item number", ts, free, jsonCT, sel(`1`), 400, sidecar.MsgSelectionItems},
		{"item string", ts, free, jsonCT, sel(`"2026-11-28T16:00"`), 400, sidecar.MsgSelectionItems},
		{"item true", ts, free, jsonCT, sel(`true`), 400, sidecar.MsgSelectionItems},
		{"item empty object", ts, free, jsonCT, sel(`{}`), 400, sidecar.MsgSelectionItems},
		{"second item bad", ts, free, jsonCT, sel(ok + `,7`), 400, sidecar.MsgSelectionItems},
		{"start object", ts, free, jsonCT, sel(`{"start":{"a":1},"end":"2026-11-28T17:00"}`), 400, "selection[0].start: invalid datetime an object"},
		{"end object", ts, free, jsonCT, sel(`{"start":"2026-11-28T16:00","end":{}}`), 400, "selection[0].end: invalid datetime an object"},
		{"start true", ts, free, jsonCT, sel(`{"start":true,"end":"2026-11-28T17:00"}`), 400, "selection[0].start: invalid datetime true"},
		{"end false", ts, free, jsonCT, sel(`{"start":"2026-11-28T16:00","end":false}`), 400, sidecar.MsgSelectionItems},
		{"start array", ts, free, jsonCT, sel(`{"start":["2026-11-28T16:00"],"end":"2026-11-28T17:00"}`), 400, "selection[0].start: invalid datetime an array"},
		{"end empty array", ts, free, jsonCT, sel(`{"start":"2026-11-28T16:00","end":[]}`), 400, "selection[0].end: invalid datetime an array"},
		{"start null", ts, free, jsonCT, sel(`{"start":null,"end":"2026-11-28T17:00"}`), 400, sidecar.MsgSelectionItems},
		{"coordinates string", ts, free, jsonCT, withCoords(`"46.52,6.56"`), 400, sidecar.MsgCoordinatesNoObject},
		{"coordinates number", ts, free, jsonCT, withCoords(`46.52`), 400, sidecar.MsgCoordinatesNoObject},
		{"coordinates true", ts, free, jsonCT, withCoords(`true`), 400, sidecar.MsgCoordinatesNoObject},
		{"coordinates array", ts, free, jsonCT, withCoords(`[46.52,6.56]`), 400, sidecar.MsgCoordinatesFields},
		{"coordinates nested arrays", ts, free, jsonCT, withCoords(`[[46.52],[6.56]]`), 400, sidecar.MsgCoordinatesFields},
		{"coordinates empty", ts, free, jsonCT, withCoords(`{}`), 400, sidecar.MsgCoordinatesFields},
		{"latitude null", ts, free, jsonCT, withCoords(`{"latitude":null,"longitude":6}`), 400, sidecar.MsgCoordinatesFields},
		{"latitude word", ts, free, jsonCT, withCoords(`{"latitude":"north","longitude":6}`), 400, `coordinates.latitude must be a number, got "north"`},
		{"latitude object", ts, free, jsonCT, withCoords(`{"latitude":{"deg":46},"longitude":6}`), 400, "coordinates.latitude must be a number, got an object"},
		{"longitude array", ts, free, jsonCT, withCoords(`{"latitude":46,"longitude":[6]}`), 400, "coordinates.longitude must be a number, got an array"},
		{"latitude bool", ts, free, jsonCT, withCoords(`{"latitude":true,"longitude":6}`), 400, "coordinates.latitude must be a number, got true"},
		{"latitude NaN string", ts, free, jsonCT, withCoords(`{"latitude":"NaN","longitude":6}`), 400, "coordinates.latitude must be a number"},
		{"longitude Infinity string", ts, free, jsonCT, withCoords(`{"latitude":46,"longitude":"Infinity"}`), 400, "coordinates.longitude must be a number"},
		{"min_capacity object", ts, free, jsonCT, `{"selection":[],"min_capacity":{}}`, 400, "min_capacity must be a non-negative integer"},
		{"min_capacity fraction", ts, free, jsonCT, `{"selection":[],"min_capacity":2.5}`, 400, "min_capacity must be a non-negative integer"},
		{"building array", ts, free, jsonCT, `{"selection":[],"building":["BC"]}`, 400, "building must be a string, got an array"},
		{"type object", ts, free, jsonCT, `{"selection":[],"type":{"a":1}}`, 400, "type must be a string, got an object"},
		{"after_date object", ts, soon, jsonCT, `{"after_date":{"date":"2026-11-28"}}`, 400, sidecar.MsgInvalidAfterDate},
		{"after_date array", ts, soon, jsonCT, `{"after_date":["2026-11-28"]}`, 400, sidecar.MsgInvalidAfterDate},
		{"after_date true", ts, soon, jsonCT, `{"after_date":true}`, 400, sidecar.MsgInvalidAfterDate},
		{"after_date false", ts, soon, jsonCT, `{"after_date":false}`, 400, sidecar.MsgMissingAfterDate},
		{"after_date null", ts, soon, jsonCT, `{"after_date":null}`, 400, sidecar.MsgMissingAfterDate},
		{"soonest bare array", ts, soon, jsonCT, `["2026-11-28"]`, 400, sidecar.MsgMissingAfterDate},

		// Huge numbers.
		{"start 1e400", ts, free, jsonCT, sel(`{"start":1e400,"end":"2026-11-28T17:00"}`), 400, "selection[0].start: invalid datetime 1e400"},
		{"end -1e308", ts, free, jsonCT, sel(`{"start":"2026-11-28T16:00","end":-1e308}`), 400, "selection[0].end: invalid datetime -1e308"},
		{"start 20-digit epoch ms", ts, free, jsonCT, sel(`{"start":99999999999999999999,"end":"2026-11-28T17:00"}`), 400, "selection[0].start: invalid datetime 99999999999999999999"},
		{"after_date 1e400", ts, soon, jsonCT, `{"after_date":1e400}`, 400, sidecar.MsgInvalidAfterDate},
		{"after_date -1e308", ts, soon, jsonCT, `{"after_date":-1e308}`, 400, sidecar.MsgInvalidAfterDate},
		{"after_date 20-digit epoch ms", ts, soon, jsonCT, `{"after_date":99999999999999999999}`, 400, sidecar.MsgInvalidAfterDate},
		{"after_date 400-digit number", ts, soon, jsonCT, `{"after_date":` + strings.Repeat("9", 400) + `}`, 400, sidecar.MsgInvalidAfterDate},
		{"latitude 1e400", ts, free, jsonCT, withCoords(`{"latitude":1e400,"longitude":6}`), 400, "coordinates.latitude must be a number"},
		{"longitude -1e308", ts, free, jsonCT, withCoords(`{"latitude":46,"longitude":-1e308}`), 400, "coordinates.longitude must be between -180 and 180"},
		{"min_capacity 20 digits", ts, free, jsonCT, `{"selection":[],"min_capacity":99999999999999999999}`, 400, "min_capacity must be a non-negative integer"},
		{"min_capacity 1e400", ts, free, jsonCT, `{"selection":[],"min_capacity":1e400}`, 400, "min_capacity must be a non-negative integer"},

		// Ranges across years: legal, but not longer than 366 days.
		{"range longer than 366 days", ts, free, jsonCT, sel(`{"start":"2026-01-01T00:00","end":"2027-01-02T00:00:01"}`), 400, "selection[0]: the range from \"2026-01-01T00:00\" to \"2027-01-02T00:00:01\" is longer than 366 days"},
		{"range across centuries in epoch ms", ts, free, jsonCT, sel(`{"start":-8640000000000000,"end":8640000000000000}`), 400, "is longer than 366 days"},
		{"second range too long", ts, free, jsonCT, sel(ok + `,{"start":"1999-12-31","end":"2026-11-28"}`), 400, "selection[1]: the range from"},

		// Too many ranges: the body limit comes first with the defaults;
		// behind a larger one, the range limit.
		{"10,000 ranges, default limits", ts, free, jsonCT, ranges(10000), 413, "Request body too large (at most 65536 bytes)"},
		{"10,000 ranges", big, free, jsonCT, ranges(10000), 400, "Too many ranges in selection: 10000 (at most 200)"},
		{"201 ranges", ts, free, jsonCT, ranges(201), 400, "Too many ranges in selection: 201 (at most 200)"},
		{"201 ranges in a form", ts, free, formCT, formRanges(201), 400, "Too many ranges in selection: 201 (at most 200)"},

		// Over the body limit (far over it: see TestLimitsOnLoopback).
		{"100 KiB body", ts, free, jsonCT, `{"selection":[],"x":"` + strings.Repeat("a", 100<<10) + `"}`, 413, "Request body too large"},
		{"100 KiB form body", ts, soon, formCT, "after_date=" + strings.Repeat("9", 100<<10), 413, "Request body too large"},

		// Deep nesting: refused by the body limit, or by the JSON
		// decoder's depth limit without deep recursion.
		{"100k [ , default limits", ts, free, jsonCT, strings.Repeat("[", 100000), 413, "Request body too large"},
		{"100k [", big, free, jsonCT, strings.Repeat("[", 100000), 400, "Invalid JSON body"},
		{"100k [ balanced", big, free, jsonCT, strings.Repeat("[", 100000) + strings.Repeat("]", 100000), 400, "Invalid JSON body"},
		{"100k objects", big, soon, jsonCT, strings.Repeat(`{"a":`, 100000) + "1" + strings.Repeat("}", 100000), 400, "Invalid JSON body"},
		{"50k [ in selection", ts, free, jsonCT, `{"selection":` + strings.Repeat("[", 50000), 400, "Invalid JSON body"},
		{"deep form key", ts, free, formCT, "selection" + strings.Repeat("[0]", 10000) + "=x", 400, sidecar.MsgSelectionNotArray},
		{"deep form key, unclosed", ts, free, formCT, "selection" + strings.Repeat("[", 20000) + "=x", 400, sidecar.MsgMissingSelection},

		// Form bodies.
		{"form index beyond int", ts, free, formCT, "selection[99999999999999999999][start]=2026-11-28T16:00&selection[99999999999999999999][end]=2026-11-28T17:00", 400, sidecar.MsgSelectionNotArray},
		{"form negative index", ts, free, formCT, "selection[-1][start]=2026-11-28T16:00&selection[-1][end]=2026-11-28T17:00", 400, sidecar.MsgSelectionNotArray},
		{"form repeated start", ts, free, formCT, "selection[0][start]=2026-11-28T16:00&selection[0][start]=2026-11-28T16:30&selection[0][end]=2026-11-28T17:00", 400, "selection[0].start: invalid datetime an array"},
		{"form coordinates scalar", ts, free, formCT, "selection[0][start]=2026-11-28T16:00&selection[0][end]=2026-11-28T17:00&coordinates=46.5", 400, sidecar.MsgCoordinatesNoObject},
		{"form bad escape in key", ts, free, formCT, "selection%zz=1", 400, "Invalid form body: bad escape in key"},
		{"form after_date object", ts, soon, formCT, "after_date[x]=1", 400, sidecar.MsgInvalidAfterDate},
		{"form after_date twice", ts, soon, formCT, "after_date=2026-11-28&after_date=2026-11-29", 400, sidecar.MsgInvalidAfterDate},
		{"xml body", ts, free, "application/xml", `<selection><start>2026-11-28T16:00</start></selection>`, 400, sidecar.MsgMissingSelection},
		{"whitespace body", ts, soon, jsonCT, " \r\n\t ", 400, sidecar.MsgMissingAfterDate},
		{"binary body", ts, free, "application/octet-stream", "\x00\xff\xfe\x01=\x02&\x03", 400, sidecar.MsgMissingSelection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := "POST " + tt.path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
			if tt.ct != "" {
				req += "Content-Type: " + tt.ct + "\r\n"
			}
			req += "Content-Length: " + strconv.Itoa(len(tt.body)) + "\r\n\r\n" + tt.body
			start := time.Now()
			r := rawDo(t, func() (net.Conn, error) { return tt.ts.client.Dial("x") }, req)
			if d := time.Since(start); d > perRequest {
				t.Errorf("%s: took %v, want under %v", tt.name, d, perRequest)
			}
			checkJSONError(t, tt.name, r.asResponse(), tt.status, tt.want)
		})
	}
	checkHealthy(t, ts)
	checkHealthy(t, big)
}

// TestOddButValidBodies: inputs that look hostile but are valid queries
// are answered 200, with bounded work.
func TestOddButValidBodies(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, sampleSnapshot(t), nil)
	tests := []struct {
		name, ct, path, body string
		want                 string // part of the body
	}{
		{"a range across new year", "application/json", freePath,
			`{"selection":[{"start":"2026-12-31T22:00","end":"2027-01-01T02:00"}]}`, `"name":"BC01"`},
		{"a range of 366 days", "application/json", freePath,
			`{"selection":[{"start":"2026-01-01T00:00","end":"2027-01-02T00:00"}]}`, `"name":"INM202"`},
		{"a range before 1970 still counts free_until from its end", "application/json", freePath,
			`{"selection":[{"start":"1969-12-31T22:00","end":"1969-12-31T23:00"}]}`,
			`"name":"BC01","type":"SALLE DE COURS","link":"https://plan.epfl.ch/?room==BC%2001","coordinates":[46.51857,6.56182],"building":"BC","capacity":40,"level":0,"free_until":"2026-11-28T08:00:00.000Z"`},
		{"the year 9999", "application/json", freePath,
			`{"selection":[{"start":"9999-12-31T22:00","end":"9999-12-31T23:59:59.999999999"}]}`, `"free_until":null`},
		{"epoch ms at the limit", "application/json", soonestPath, `{"after_date":8640000000000000}`, `"soonest_booking":null`},
		{"epoch ms at the negative limit", "application/json", soonestPath, `{"after_date":-8640000000000000}`,
			`{"name":"XYZ1","soonest_booking":{"start_datetime":"2026-01-26T23:00:00.000Z"`},
		{"form index 999999999 is compacted", "application/x-www-form-urlencoded", freePath,
			"selection[999999999][start]=2026-11-28T16:00&selection[999999999][end]=2026-11-28T17:00", `"name":"BC01"`},
		{"coordinates as numeric strings", "application/json", freePath,
			`{"selection":[{"start":"2026-11-28T16:00","end":"2026-11-28T17:00"}],"coordinates":{"latitude":"46.5191","longitude":"6.5668"}}`, `"distance":166.3`},
		{"200 ranges", "application/json", freePath,
			`{"selection":[` + strings.TrimSuffix(strings.Repeat(`{"start":"2026-11-28T16:00","end":"2026-11-28T17:00"},`, 200), ",") + `]}`, `"name":"BC01"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := ts.do(t, "POST", tt.path, tt.body, "Content-Type", tt.ct)
			if d := time.Since(start); d > perRequest {
				t.Errorf("%s: took %v", tt.name, d)
			}
			if r.status != 200 || !strings.Contains(r.body, tt.want) {
				t.Errorf("%s: %d %.300s\nwant 200 containing %s", tt.name, r.status, r.body, tt.want)
			}
		})
	}
	checkHealthy(t, ts)
}

// rawResponse is a response read off the wire as bytes, so that tests see
// exactly what was sent (a HEAD response's body, for one).
type rawResponse struct {
	status int
	header map[string]string // canonical names
	body   string            // every byte after the head
}

// rawDo writes req (a whole request, which should say Connection: close)
// on a new connection from dial and reads until the server closes it; a
// failed write is ignored, as the server may refuse a request early.
func rawDo(tb testing.TB, dial func() (net.Conn, error), req string) rawResponse {
	tb.Helper()
	c, err := dial()
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		tb.Fatal(err)
	}
	// Write while reading: the server may answer (413) and close before
	// it has read the whole request.
	go io.WriteString(c, req) //nolint:errcheck // see above
	all, err := io.ReadAll(c)
	if err != nil && len(all) == 0 {
		tb.Fatalf("read the response to %.80q: %v", req, err)
	}
	return parseRaw(tb, all)
}

func parseRaw(tb testing.TB, all []byte) rawResponse {
	tb.Helper()
	head, body, ok := bytes.Cut(all, []byte("\r\n\r\n"))
	if !ok {
		tb.Fatalf("no response head in %.200q", all)
	}
	lines := strings.Split(string(head), "\r\n")
	f := strings.Fields(lines[0])
	if len(f) < 2 {
		tb.Fatalf("bad status line %q", lines[0])
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		tb.Fatalf("bad status line %q", lines[0])
	}
	r := rawResponse{status: status, header: map[string]string{}, body: string(body)}
	for _, l := range lines[1:] {
		k, v, _ := strings.Cut(l, ":")
		r.header[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
	}
	return r
}

func (r rawResponse) asResponse() response {
	h := map[string]string{"Content-Type": r.header["content-type"], "Allow": r.header["allow"]}
	return response{status: r.status, header: h, body: r.body}
}

// TestPathTraversal asks the static routes for files outside the tree in
// every encoding we know; a secret beside the tree (and symbolic links
// inside it pointing at the secret) is never served.
func TestPathTraversal(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, sampleSnapshot(t), nil)
	const secret = "SECRET-beside-the-tree"
	public := filepath.Join(ts.dir, "public")
	for _, p := range []string{"index.json", "etc/passwd", "secret/index.json", "api/rooms/x/index.json", "public.json"} {
		p = filepath.Join(ts.dir, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(`{"secret":"`+secret+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Links inside the tree to the secret: a directory, a relative link
	// to a directory, an absolute one, and a file.
	if err := os.MkdirAll(filepath.Join(public, "api/rooms/FILELINK"), 0o755); err != nil {
		t.Fatal(err)
	}
	for link, target := range map[string]string{
		"api/rooms/EVIL":                ts.dir,
		"api/courses/LINKED":            "../../../secret",
		"api/studyplans/ABS":            filepath.Join(ts.dir, "secret"),
		"api/rooms/FILELINK/index.json": filepath.Join(ts.dir, "index.json"),
	} {
		if err := os.Symlink(target, filepath.Join(public, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}

	dial := func() (net.Conn, error) { return ts.client.Dial("sidecar.test") }
	long := strings.Repeat("a", 6000)
	tests := []struct {
		target string // request target, sent as is
		status int
	}{
		{"/api/rooms/..%2f..%2f..%2fetc/passwd", 404},
		{"/api/rooms/..%2f..%2f..%2fetc%2fpasswd", 404},
		{"/api/rooms/..%2F..%2F..%2Findex.json", 404},
		{"/api/rooms/..%2f..%2f..%2f", 404},
		{"/api/rooms/%2e%2e/%2e%2e/%2e%2e/etc/passwd", 404},
		{"/api/rooms/%2e%2e%2f%2e%2e%2f%2e%2e%2fsecret", 404},
		{"/api/rooms/%2E%2E%2F%2E%2E%2F%2E%2E%2Fsecret", 404},
		{"/api/rooms/.%2e/.%2e/.%2e/secret", 404},
		{"/api/rooms/%252e%252e%252f%252e%252e%252f%252e%252e%252fsecret", 404},
		{"/api/rooms/%25252e%25252e%25252fsecret", 404},
		{"/api/rooms/..%5c..%5c..%5csecret", 404},
		{"/api/rooms/..%5C..%5C..%5Cetc%5Cpasswd", 404},
		{`/api/rooms/..\..\..\secret`, 404},
		{`/api/rooms/\..\..\..\etc\passwd`, 404},
		{"/api/rooms/%00", 404},
		{"/api/rooms/..%00/", 404},
		{"/api/rooms/BC01%00", 404},
		{"/api/rooms/BC01%00.json", 404},
		{"/api/rooms/%c0%ae%c0%ae%c0%afsecret", 404},
		{"/api/rooms/..%c0%af..%c0%af..%c0%afsecret", 404},
		{"/api/rooms/..", 404},
		{"/api/rooms/.", 200}, // "/api/rooms/." is /api/rooms: the list
		{"/api/rooms/%2e%2e", 404},
		{"/api/rooms/index.json", 404},
		{"/api/studyplans/..%2f..%2f..%2fsecret", 404},
		{"/api/courses/..%2f..%2f..%2fsecret", 404},
		{"/api/rooms/EVIL", 404},
		{"/api/rooms/FILELINK", 404},
		{"/api/courses/LINKED", 404},
		{"/api/studyplans/ABS", 404},
		{"/api/../../../etc/passwd", 404},
		{"/../../../etc/passwd", 404},
		{"//etc/passwd", 404},
		{"/secret/index.json", 404},
		{"/public.json", 404},
		{"/api/rooms/x", 404},
		{"http://sidecar.test/api/rooms/..%2f..%2f..%2fsecret", 404},
		{"/api/rooms/" + long, 404},
		{"/api/rooms/" + strings.Repeat("..%2f", 1500) + "etc/passwd", 404},
		{"/api/rooms/" + strings.Repeat("a", 100000), 431},
	}
	for _, tt := range tests {
		t.Run(shortTarget(tt.target), func(t *testing.T) {
			for _, method := range []string{"GET", "HEAD"} {
				what := method + " " + fmt.Sprintf("%.100s", tt.target)
				r := rawDo(t, dial, method+" "+tt.target+" HTTP/1.1\r\nHost: sidecar.test\r\nConnection: close\r\n\r\n")
				if strings.Contains(r.body, secret) {
					t.Errorf("%s served the secret: %d %s", what, r.status, r.body)
					continue
				}
				if tt.status == 200 {
					if r.status != 200 {
						t.Errorf("%s = %d, want 200", what, r.status)
					}
					continue
				}
				if method == "HEAD" && tt.status != 431 { // a request too large to read is not known to be HEAD
					if r.status != tt.status || r.body != "" {
						t.Errorf("%s = %d with %d body bytes, want %d and none", what, r.status, len(r.body), tt.status)
					}
					continue
				}
				checkJSONError(t, what, r.asResponse(), tt.status, "")
			}
		})
	}
	checkHealthy(t, ts)
}

// shortTarget names a row of the traversal tests by its request target, cut
// to 60 bytes and its length when longer, so that names stay short and
// distinct.
func shortTarget(target string) string {
	if len(target) <= 80 {
		return target
	}
	return fmt.Sprintf("%.60s... %d bytes", target, len(target))
}

// TestMethodsOnEveryRoute sends HEAD, OPTIONS and unsupported methods to
// every route: HEAD answers as GET without a body, OPTIONS answers 204 with
// the route's Allow header (404 on unknown paths), and other methods 405
// with a JSON message and the Allow header.
func TestMethodsOnEveryRoute(t *testing.T) {
	t.Parallel()
	ts := newTestServer(t, sampleSnapshot(t), nil)
	withChanges(t, ts)
	dial := func() (net.Conn, error) { return ts.client.Dial("sidecar.test") }
	const (
		get  = "GET, HEAD, OPTIONS"
		post = "GET, HEAD, POST, OPTIONS"
	)
	tests := []struct {
		path  string
		head  int    // status of HEAD (as GET)
		allow string // "" = unknown route
	}{
		{"/api/rooms", 200, get},
		{"/api/rooms/BC01", 200, get},
		{"/api/rooms/NOPE", 404, get},
		{"/api/courses", 200, get},
		{"/api/courses/CS-305", 200, get},
		{"/api/studyplans", 200, get},
		{"/api/studyplans/6b090e389c963b7fee731dbe", 200, get},
		{"/API/Rooms/", 200, get},
		{freePath, 404, post}, // GET of a search is a room lookup
		{soonestPath, 404, post},
		{"/healthz", 200, get},
		{"/readyz", 200, get},
		{"/metrics", 200, get},
		{"/api/nothing", 404, ""},
		{"/api/rooms/BC01/schedules", 404, ""},
		{"/nope", 404, ""},
		{"/", 404, get}, // the page for people (this tree has no index.html)
		{"/app/app.js", 404, get},
		// The change feed.
		{"/api/changes", 200, get},
		{"/api/changes/index.atom", 200, get},
		{"/api/changes/" + changeID + ".json", 200, get},
		{"/api/changes/ba9876543210.json", 404, get},
		{"/api/changes/nothing.json", 404, ""},
		{"/api/rooms/BC01/changes.atom", 200, get},
		{"/api/rooms/NOPE/changes.json", 404, get},
		{"/api/studyplans/6b090e389c963b7fee731dbe/changes.atom", 200, get},
	}
	for _, tt := range tests {
		// HEAD: the GET status and headers, no body.
		h := rawDo(t, dial, "HEAD "+tt.path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if h.status != tt.head || h.body != "" {
			t.Errorf("HEAD %s = %d with body %q, want %d and no body", tt.path, h.status, h.body, tt.head)
		}
		g := rawDo(t, dial, "GET "+tt.path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		if g.status != tt.head || h.header["content-type"] != g.header["content-type"] {
			t.Errorf("GET %s = %d %q, HEAD = %d %q", tt.path, g.status, g.header["content-type"], h.status, h.header["content-type"])
		}
		if tt.path != "/metrics" && tt.path != "/readyz" && h.header["content-length"] != g.header["content-length"] {
			t.Errorf("HEAD %s: Content-Length %q, GET's %q", tt.path, h.header["content-length"], g.header["content-length"])
		}

		// OPTIONS, with and without a CORS preflight.
		o := rawDo(t, dial, "OPTIONS "+tt.path+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
		p := rawDo(t, dial, "OPTIONS "+tt.path+" HTTP/1.1\r\nHost: x\r\nOrigin: https://example.org\r\nAccess-Control-Request-Method: GET\r\nConnection: close\r\n\r\n")
		if tt.allow == "" {
			checkJSONError(t, "OPTIONS "+tt.path, o.asResponse(), 404, "Not found")
			checkJSONError(t, "preflight "+tt.path, p.asResponse(), 404, "Not found")
		} else {
			if o.status != 204 || o.header["allow"] != tt.allow || o.body != "" {
				t.Errorf("OPTIONS %s = %d Allow %q body %q, want 204 Allow %q", tt.path, o.status, o.header["allow"], o.body, tt.allow)
			}
			if p.status != 204 || p.header["access-control-allow-methods"] != tt.allow || p.header["access-control-allow-origin"] != "*" {
				t.Errorf("preflight %s = %d %v", tt.path, p.status, p.header)
			}
		}

		// Methods the route does not allow.
		for _, m := range []string{"PUT", "DELETE", "PATCH", "POST", "TRACE", "FOO"} {
			if m == "POST" && tt.allow == post {
				continue
			}
			r := rawDo(t, dial, m+" "+tt.path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
			if tt.allow == "" {
				checkJSONError(t, m+" "+tt.path, r.asResponse(), 404, "Not found")
				continue
			}
			checkJSONError(t, m+" "+tt.path, r.asResponse(), 405, "Method "+m+" not allowed")
			if r.header["allow"] != tt.allow {
				t.Errorf("%s %s: Allow %q, want %q", m, tt.path, r.header["allow"], tt.allow)
			}
		}
	}
	checkHealthy(t, ts)
}
