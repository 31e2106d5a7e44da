package generator_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"occupancy/generator/tree"
	"path"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"occupancy/generator"
)

// contract is the OpenAPI document, loaded, validated and routed.
type contract struct {
	doc    *openapi3.T
	router routers.Router
}

// mustContract loads an OpenAPI document and validates it: structure,
// references, and every example against its schema (kin-openapi validates
// examples by default; with openapi 3.1 it uses a JSON Schema 2020-12
// validator).
func mustContract(tb testing.TB, data []byte) *contract {
	tb.Helper()
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		tb.Fatalf("load the OpenAPI document: %v", err)
	}
	if err := doc.Validate(ctx); err != nil {
		tb.Fatalf("the OpenAPI document is invalid: %v", err)
	}
	if !doc.IsOpenAPI31OrLater() || doc.OpenAPI != "3.1.0" {
		tb.Fatalf("openapi = %q, want 3.1.0", doc.OpenAPI)
	}
	doc.Servers = nil // route on the path alone, whatever host served it
	router, err := legacy.NewRouter(doc)
	if err != nil {
		tb.Fatal(err)
	}
	return &contract{doc: doc, router: router}
}

// checkResponse validates one answer to GET urlPath against the document:
// the route exists, the status is documented, the body matches its schema.
func (c *contract) checkResponse(method, urlPath string, status int, contentType string, body []byte) error {
	req := &http.Request{Method: method, URL: &url.URL{Path: urlPath}, Header: http.Header{}}
	route, params, err := c.router.FindRoute(req)
	if err != nil {
		return err
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true}
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	return openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 http.Header{"Content-Type": {contentType}},
		Body:                   nopCloser{bytes.NewReader(body)},
		Options:                opts,
	})
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

// urlOf returns the GET URL a JSON file of the tree is served at, or ""
// for other files.
func urlOf(p string) string {
	switch {
	case !strings.HasPrefix(p, "api/") || p == tree.OpenAPIPath || path.Ext(p) != ".json":
		return ""
	case path.Base(p) != tree.IndexName:
		return "/" + p // the change feed's files: api/changes/<id>.json, api/rooms/CO1/changes.json
	}
	return "/" + path.Dir(p)
}

func TestOpenAPIDocument(t *testing.T) {
	for _, rfc := range []bool{false, true} {
		t.Run("rfc3339="+strconv.FormatBool(rfc), func(t *testing.T) {
			doc, err := generator.OpenAPI(generator.Options{RFC3339: rfc})
			if err != nil {
				t.Fatal(err)
			}
			c := mustContract(t, doc)
			var ops []string
			for p, item := range c.doc.Paths.Map() {
				for method := range item.Operations() {
					ops = append(ops, method+" "+p)
				}
			}
			slices.Sort(ops)
			want := []string{
				"GET /api/changes", "GET /api/changes/{file}",
				"GET /api/courses", "GET /api/courses/{code}/changes.json", "GET /api/rooms/{name}/changes.json",
				"GET /api/studyplans/{id}/changes.json", "GET /api/courses/{code}", "GET /api/rooms", "GET /api/rooms/{name}",
				"GET /api/studyplans", "GET /api/studyplans/{id}",
				"POST /api/rooms/find_free_rooms", "POST /api/rooms/find_soonest_bookings",
			}
			slices.Sort(want)
			if !slices.Equal(ops, want) {
				t.Errorf("operations:\n%s\nwant:\n%s", strings.Join(ops, "\n"), strings.Join(want, "\n"))
			}
			dt := c.doc.Components.Schemas["Datetime"].Value
			wantPattern := c.doc.Components.Schemas["CampusDatetime"].Value.Pattern
			if rfc {
				wantPattern = c.doc.Components.Schemas["OffsetDatetime"].Value.Pattern
			}
			if dt.Pattern != wantPattern {
				t.Errorf("rfc3339=%v: Datetime pattern %q, want %q", rfc, dt.Pattern, wantPattern)
			}
		})
	}
}

// TestOpenAPIRenderedFiles validates every JSON file of the fixture's
// tree, in both datetime forms, against the document published with it.
func TestOpenAPIRenderedFiles(t *testing.T) {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	for _, opt := range []generator.Options{{}, {RFC3339: true, Location: zurich}} {
		t.Run(optionsName(opt), func(t *testing.T) {
			files, err := generator.Render(fixture(t), opt)
			if err != nil {
				t.Fatal(err)
			}
			var doc []byte
			for _, f := range files {
				if f.Path == tree.OpenAPIPath {
					doc = f.Data
				}
			}
			if doc == nil {
				t.Fatalf("rfc3339=%v: no %s in the tree", opt.RFC3339, tree.OpenAPIPath)
			}
			c := mustContract(t, doc)
			n := 0
			for _, f := range files {
				u := urlOf(f.Path)
				if u == "" {
					continue
				}
				n++
				if err := c.checkResponse("GET", u, 200, "application/json; charset=utf-8", f.Data); err != nil {
					t.Errorf("rfc3339=%v: %s does not match the document: %v", opt.RFC3339, f.Path, err)
				}
			}
			if n != 11 {
				t.Errorf("rfc3339=%v: validated %d files, want the fixture's 11", opt.RFC3339, n)
			}
			// The 404s the static hosts answer.
			for u, msg := range map[string]string{
				"/api/rooms/NOPE": "Room not found", "/api/courses/NOPE": "Course not found",
				"/api/studyplans/0123456789abcdef01234567": "Studyplan not found",
			} {
				if err := c.checkResponse("GET", u, 404, "application/json", []byte(`{"message":"`+msg+`"}`)); err != nil {
					t.Errorf("404 of %s: %v", u, err)
				}
			}
		})
	}
}

// TestOpenAPIChangeFeed validates every JSON file of the change feed of
// the golden pair of releases against the document.
func TestOpenAPIChangeFeed(t *testing.T) {
	doc, err := generator.OpenAPI(generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := mustContract(t, doc)
	n := 0
	for _, f := range changeFiles(t, 20) {
		u := urlOf(f.Path)
		if u == "" {
			continue
		}
		n++
		if err := c.checkResponse("GET", u, 200, "application/json; charset=utf-8", f.Data); err != nil {
			t.Errorf("%s does not match the document: %v", f.Path, err)
		}
	}
	if n < 15 {
		t.Errorf("validated %d files, want every JSON file of the feed", n)
	}
}

// TestOpenAPICatchesDrift shows that the document is strict enough to
// notice the changes it exists to catch.
func TestOpenAPICatchesDrift(t *testing.T) {
	doc, err := generator.OpenAPI(generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	c := mustContract(t, doc)
	room := `{"name":"CO1","type":"AUDITOIRE","link":null,"coordinates":[46.52012,6.56521],"building":"CO","capacity":250,"level":0,"schedules":[]}`
	if err := c.checkResponse("GET", "/api/rooms/CO1", 200, "application/json", []byte(room)); err != nil {
		t.Fatalf("a valid room fails: %v", err)
	}
	for name, body := range map[string]string{
		"an undocumented field":   strings.Replace(room, `"level":0`, `"level":0,"floor":0`, 1),
		"level null, not omitted": strings.Replace(room, `"level":0`, `"level":null`, 1),
		"link omitted":            strings.Replace(room, `"link":null,`, ``, 1),
		"capacity 0, not null":    strings.Replace(room, `"capacity":250`, `"capacity":0`, 1),
		"coordinates as object":   strings.Replace(room, `[46.52012,6.56521]`, `{"latitude":46.52012,"longitude":6.56521}`, 1),
		"a true UTC datetime": strings.Replace(room, `"schedules":[]`,
			`"schedules":[{"name":"x","start_datetime":"2026-11-28T07:00:00Z","end_datetime":"2026-11-28T08:00:00.000Z","label":"event"}]`, 1),
		"a course and an event in one entry": strings.Replace(room, `"schedules":[]`,
			`"schedules":[{"course":{"code":"A","name":"B"},"name":"x","start_datetime":"2026-11-28T07:00:00.000Z","end_datetime":"2026-11-28T08:00:00.000Z","label":"event"}]`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			if err := c.checkResponse("GET", "/api/rooms/CO1", 200, "application/json", []byte(body)); err == nil {
				t.Errorf("%s: accepted", name)
			}
		})
	}
	if err := c.checkResponse("GET", "/api/rooms/CO1", 404, "application/json", []byte(`{"message":"Not found"}`)); err == nil {
		t.Error("a room 404 with another message: accepted")
	}
	if err := c.checkResponse("GET", "/api/rooms/CO1", 500, "application/json", []byte(`{"message":"x"}`)); err == nil {
		t.Error("an undocumented status: accepted")
	}
	if err := c.checkResponse("GET", "/api/nothing", 200, "application/json", []byte(`[]`)); err == nil {
		t.Error("an undocumented URL: accepted")
	}
}

// TestAPIPage checks the page for people: self-contained, and showing
// every route and schema of the document.
func TestAPIPage(t *testing.T) {
	files, err := generator.Render(fixture(t), generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var page []byte
	for _, f := range files {
		if f.Path == tree.APIDocsPath {
			page = f.Data
		}
	}
	if page == nil {
		t.Fatalf("no %s in the tree", tree.APIDocsPath)
	}
	doc, _ := generator.OpenAPI(generator.Options{})
	c := mustContract(t, doc)
	s := string(page)
	for _, bad := range []string{"<script", "<link", "src=", "@import", "url("} {
		if strings.Contains(s, bad) {
			t.Errorf("the page is not self-contained: it has %q", bad)
		}
	}
	for p, item := range c.doc.Paths.Map() {
		for _, op := range item.Operations() {
			if !strings.Contains(s, `id="op-`+op.OperationID+`"`) || !strings.Contains(s, "<code>"+p+"</code>") {
				t.Errorf("the page lacks %s (%s)", p, op.OperationID)
			}
		}
	}
	for name := range c.doc.Components.Schemas {
		if !strings.Contains(s, `id="schema-`+name+`"`) {
			t.Errorf("the page lacks schema %s", name)
		}
	}
	for _, want := range []string{"2026-11-28T08:00:00.000Z", "Missing selection", "selection[0][start]", "<a href=\"#schema-Room\">", "Réservation ponctuelle"} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}
