package sidecar_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"occupancy/generator"
	"occupancy/sidecar"
)

// apiContract is the published OpenAPI document, loaded and routed.
type apiContract struct {
	doc    *openapi3.T
	router routers.Router
}

func mustAPIContract(tb testing.TB, opt generator.Options) *apiContract {
	tb.Helper()
	data, err := generator.OpenAPI(opt)
	if err != nil {
		tb.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		tb.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		tb.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return &apiContract{doc: doc, router: router}
}

type readCloser struct{ *bytes.Reader }

func (readCloser) Close() error { return nil }

// check validates an exchange against the document: the route and
// status are documented and the response body matches its schema; with
// checkRequest, the request body matches the documented request body too
// (for requests the server accepted).
func (c *apiContract) check(method, path, contentType, body string, r response, checkRequest bool) error {
	req, err := http.NewRequest(method, "http://sidecar.test"+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return fmt.Errorf("route: %w", err)
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if checkRequest {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			return fmt.Errorf("request: %w", err)
		}
	}
	h := http.Header{}
	for k, v := range r.header {
		h.Set(k, v)
	}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: r.status, Header: h, Options: opts,
		Body: readCloser{bytes.NewReader([]byte(r.body))},
	})
}

// checkShared validates an answer that no operation declares (a 405 on
// any URL, a protocol-level error) against a shared response.
func (c *apiContract) checkShared(name string, r response) error {
	resp := c.doc.Components.Responses[name]
	if resp == nil {
		return fmt.Errorf("no shared response %s", name)
	}
	media := resp.Value.Content.Get(r.header["Content-Type"])
	if media == nil {
		return fmt.Errorf("%s: undocumented Content-Type %q", name, r.header["Content-Type"])
	}
	var v any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		return err
	}
	return media.Schema.Value.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse())
}

// contractCase is one request to a search.
type contractCase struct {
	name        string
	path        string
	contentType string
	body        string
	status      int
}

func contractCases() []contractCase {
	const js, form = "application/json", "application/x-www-form-urlencoded"
	sel := `"selection":[{"start":"2026-11-28T10:05:00.000Z","end":"2026-11-28T11:00:00.000Z"}]`
	var many strings.Builder
	many.WriteString(`{"selection":[`)
	for i := range 201 {
		if i > 0 {
			many.WriteString(",")
		}
		many.WriteString(`{"start":"2026-11-28T10:00","end":"2026-11-28T11:00"}`)
	}
	many.WriteString(`]}`)
	return []contractCase{
		{"free: json", freePath, js, `{` + sel + `}`, 200},
		{"free: bare array", freePath, js, `[{"start":"2026-11-28T10:05","end":"2026-11-28T11:00"}]`, 200},
		{"free: form", freePath, form, "selection%5B0%5D%5Bstart%5D=2026-11-28T10%3A05&selection[0][end]=2026-11-28T11:00&coordinates[latitude]=46.5191&coordinates[longitude]=6.5668", 200},
		{"free: coordinates", freePath, js, `{` + sel + `,"coordinates":{"latitude":46.5191,"longitude":6.5668}}`, 200},
		{"free: epoch milliseconds and offsets", freePath, js, `{"selection":[{"start":1795860000000,"end":"2026-11-28T13:00:00+01:00"}]}`, 200},
		{"free: empty selection, filters", freePath, js, `{"selection":[],"min_capacity":100,"building":"co","type":"auditoire"}`, 200},
		{"free: nothing free", freePath, js, `{"selection":[],"building":"nowhere"}`, 200},
		{"free: missing selection", freePath, js, `{}`, 400},
		{"free: empty body", freePath, js, ``, 400},
		{"free: not an array", freePath, js, `{"selection":"x"}`, 400},
		{"free: item without end", freePath, js, `{"selection":[{"start":"2026-11-28T10:00"}]}`, 400},
		{"free: null item", freePath, js, `{"selection":[null]}`, 400},
		{"free: coordinates not an object", freePath, js, `{` + sel + `,"coordinates":"x"}`, 400},
		{"free: coordinates without longitude", freePath, js, `{` + sel + `,"coordinates":{"latitude":46.5}}`, 400},
		{"free: latitude not a number", freePath, js, `{` + sel + `,"coordinates":{"latitude":"abc","longitude":6}}`, 400},
		{"free: latitude out of range", freePath, js, `{` + sel + `,"coordinates":{"latitude":100,"longitude":6}}`, 400},
		{"free: invalid datetime", freePath, js, `{"selection":[{"start":"x","end":"2026-11-28T11:00"}]}`, 400},
		{"free: invalid end", freePath, js, `{"selection":[{"start":"2026-11-28T11:00","end":"tomorrow"}]}`, 400},
		{"free: end before start", freePath, js, `{"selection":[{"start":"2026-11-28T11:00","end":"2026-11-28T10:00"}]}`, 400},
		{"free: over 366 days", freePath, js, `{"selection":[{"start":"2026-01-01","end":"2027-06-01"}]}`, 400},
		{"free: 201 ranges", freePath, js, many.String(), 400},
		{"free: min_capacity negative", freePath, js, `{"selection":[],"min_capacity":-1}`, 400},
		{"free: building not a string", freePath, js, `{"selection":[],"building":5}`, 400},
		{"free: invalid JSON", freePath, js, `{"selection":`, 400},
		{"free: JSON syntax error", freePath, js, `{"selection":]}`, 400},
		{"free: data after JSON", freePath, js, `{"selection":[]} x`, 400},
		{"free: JSON not an object", freePath, js, `"x"`, 400},
		{"free: bad form escape", freePath, form, `selection%zz=1`, 400},
		{"free: nearest 2", freePath, js, `{` + sel + `,"coordinates":{"latitude":46.5191,"longitude":6.5668},"limit":2}`, 200},
		{"free: limit in a form", freePath, form, "selection[0][start]=2026-11-28T10:05&selection[0][end]=2026-11-28T11:00&limit=1", 200},
		{"free: limit zero", freePath, js, `{"selection":[],"limit":0}`, 400},
		{"soonest: json", soonestPath, js, `{"after_date":"2026-11-28T09:30:00.000Z"}`, 200},
		{"soonest: form", soonestPath, form, `after_date=2026-11-28T10:00`, 200},
		{"soonest: offset", soonestPath, js, `{"after_date":"2026-01-27T00:20:00+01:00"}`, 200},
		{"soonest: after everything", soonestPath, js, `{"after_date":"2030-01-01"}`, 200},
		{"soonest: missing", soonestPath, js, `{}`, 400},
		{"soonest: invalid", soonestPath, js, `{"after_date":"soon"}`, 400},
		{"soonest: invalid JSON", soonestPath, js, `{"after_date"`, 400},
		{"soonest: bad form escape", soonestPath, form, `after_date=%zz`, 400},
		{"soonest: rooms", soonestPath, js, `{"after_date":"2026-11-28T09:30","rooms":["CO1","NOPE"]}`, 200},
		{"soonest: rooms in a form", soonestPath, form, `after_date=2026-11-28T09:30&rooms[]=CO1&rooms[]=BC01`, 200},
		{"soonest: filters and limit", soonestPath, js, `{"after_date":"2026-11-28T09:30","min_capacity":10,"building":"co","type":"auditoire","limit":1}`, 200},
		{"soonest: rooms not a list", soonestPath, js, `{"after_date":"2026-11-28T09:30","rooms":5}`, 400},
		{"soonest: room not a string", soonestPath, js, `{"after_date":"2026-11-28T09:30","rooms":[null]}`, 400},
		{"soonest: limit not a number", soonestPath, js, `{"after_date":"2026-11-28T09:30","limit":"x"}`, 400},
		{"soonest: bad building", soonestPath, js, `{"after_date":"2026-11-28T09:30","building":[]}`, 400},
	}
}

// TestOpenAPISearches validates the sidecar's answers to both searches,
// successes and errors, against the published OpenAPI document, in both
// datetime forms.
func TestOpenAPISearches(t *testing.T) {
	for _, rfc := range []bool{false, true} {
		t.Run(fmt.Sprintf("rfc3339=%v", rfc), func(t *testing.T) {
			c := mustAPIContract(t, generator.Options{RFC3339: rfc})
			ts := newTestServer(t, sampleSnapshot(t), func(cfg *sidecar.Config) { cfg.RFC3339 = rfc })
			n := 0
			for _, tt := range contractCases() {
				t.Run(tt.name, func(t *testing.T) {
					r := ts.do(t, "POST", tt.path, tt.body, "Content-Type", tt.contentType)
					if r.status != tt.status {
						t.Errorf("%s: status %d, want %d (%s)", tt.name, r.status, tt.status, r.body)
						return
					}
					// The request schemas describe JSON bodies; forms are
					// described for people (qs bracket keys).
					checkRequest := r.status == 200 && tt.contentType == "application/json"
					if err := c.check("POST", tt.path, tt.contentType, tt.body, r, checkRequest); err != nil {
						t.Errorf("%s: %s does not match the document: %v", tt.name, r.body, err)
					}
					n++
				})
			}
			// 404s of the static URLs, including a GET of a search URL,
			// which is a room lookup.
			for _, path := range []string{"/api/rooms/NOPE", "/api/courses/NOPE", "/api/studyplans/NOPE", "/api/rooms/find_free_rooms"} {
				t.Run("GET "+path, func(t *testing.T) {
					r := ts.do(t, "GET", path, "")
					if err := c.check("GET", path, "", "", r, false); err != nil && !(strings.HasSuffix(path, "find_free_rooms") && isMethodNotAllowed(err)) {
						t.Errorf("GET %s: %d %s does not match the document: %v", path, r.status, r.body, err)
					} else if r.status != 404 {
						t.Errorf("GET %s: status %d", path, r.status)
					}
					n++
				})
			}
			// 405 on a search and on a static URL.
			for _, req := range [][2]string{{"PUT", freePath}, {"DELETE", soonestPath}, {"POST", "/api/rooms"}, {"POST", "/api/courses/CS-305"}} {
				t.Run(req[0]+" "+req[1], func(t *testing.T) {
					r := ts.do(t, req[0], req[1], "")
					if r.status != 405 || r.header["Allow"] == "" {
						t.Errorf("%s %s: status %d, Allow %q", req[0], req[1], r.status, r.header["Allow"])
					}
					if err := c.checkShared("MethodNotAllowed", r); err != nil {
						t.Errorf("%s %s: %s does not match the document: %v", req[0], req[1], r.body, err)
					}
					n++
				})
			}
			t.Logf("validated %d responses", n)
		})
	}
}

// isMethodNotAllowed reports the router's answer for GET of a path that
// the document declares for POST only: GET /api/rooms/find_free_rooms is
// the room lookup /api/rooms/{name}, which the router cannot see.
func isMethodNotAllowed(err error) bool {
	re, ok := err.(*routers.RouteError)
	if !ok {
		u := fmt.Sprint(err)
		return strings.Contains(u, routers.ErrMethodNotAllowed.Error())
	}
	return re.Reason == routers.ErrMethodNotAllowed.Error()
}

// TestOpenAPISearchUnavailable validates the 503 of a sidecar without a
// snapshot.
func TestOpenAPISearchUnavailable(t *testing.T) {
	c := mustAPIContract(t, generator.Options{})
	ts := newTestServer(t, nil, nil)
	for _, p := range []string{freePath, soonestPath} {
		t.Run(strings.TrimPrefix(p, "/api/rooms/"), func(t *testing.T) {
			r := ts.postJSON(t, p, `{"selection":[],"after_date":"2026-11-28"}`)
			if r.status != 503 || r.header["Retry-After"] == "" {
				t.Errorf("%s: status %d, Retry-After %q", p, r.status, r.header["Retry-After"])
			}
			if err := c.check("POST", p, "application/json", "", r, false); err != nil {
				t.Errorf("%s: %s does not match the document: %v", p, r.body, err)
			}
		})
	}
}

// TestOpenAPIProtocolLimits validates the 413 and 431 answers (written
// before any handler runs) against the document.
func TestOpenAPIProtocolLimits(t *testing.T) {
	c := mustAPIContract(t, generator.Options{})
	lb := newLoopback(t, nil)
	req := func(headers, body string) string {
		return "POST " + freePath + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n" + headers + "\r\n" + body
	}
	body := `{"selection":[],"building":"` + strings.Repeat("a", sidecar.DefaultMaxBodyBytes) + `"}`
	for _, tt := range []struct {
		name   string
		req    string
		status int
	}{
		{"a body over 64 KiB", req(fmt.Sprintf("Content-Length: %d\r\n", len(body)), body), 413},
		{"a 16 KiB header", req("X-Big: "+strings.Repeat("b", 16<<10)+"\r\nContent-Length: 2\r\n", "{}"), 431},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := rawDo(t, lb.dial, tt.req).asResponse()
			if r.status != tt.status {
				t.Errorf("%s: status %d, want %d", tt.name, r.status, tt.status)
				return
			}
			if err := c.check("POST", freePath, "application/json", "", r, false); err != nil {
				t.Errorf("%s: %s does not match the document: %v", tt.name, r.body, err)
			}
		})
	}
}

// TestOpenAPISearchesStrict shows that the checks above would notice a
// change of shape or of message.
func TestOpenAPISearchesStrict(t *testing.T) {
	c := mustAPIContract(t, generator.Options{})
	ts := newTestServer(t, sampleSnapshot(t), nil)
	ok := ts.postJSON(t, freePath, `{"selection":[]}`)
	bad := []struct {
		name string
		r    response
	}{
		{"an undocumented field", response{status: 200, header: ok.header, body: strings.Replace(ok.body, `"free_until"`, `"extra":1,"free_until"`, 1)}},
		{"a true UTC free_until", response{status: 200, header: ok.header, body: strings.Replace(ok.body, `"free_until":null`, `"free_until":"2026-11-28T08:00:00Z"`, 1)}},
		{"a 400 with another message", response{status: 400, header: ok.header, body: `{"message":"Something new"}`}},
		{"an undocumented 500", response{status: 500, header: ok.header, body: `{"message":"Internal server error"}`}},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.r
			if err := c.check("POST", freePath, "application/json", "", r, false); err == nil {
				t.Errorf("%d %s: accepted", r.status, r.body)
			}
		})
	}
	if err := c.check("POST", freePath, "application/json", `{"selection":"x"}`, ok, true); err == nil {
		t.Error("an invalid request body: accepted")
	}
}
