package main

import (
	"context"
	"encoding/json"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers/legacy"

	"occupancy/generator/tree"
)

// TestOpenAPIBuiltRelease validates every JSON file of the built sample
// against the OpenAPI document published in the same tree
// (api/openapi.json), route by route; and, to stay quick under -race, the
// lists and every fifth detail file of the sample built with -rfc3339
// against that build's document.
func TestOpenAPIBuiltRelease(t *testing.T) {
	rfc := filepath.Join(t.TempDir(), "public")
	// Without compressed copies: only the JSON is validated, and
	// compressing every file costs most of this test under -race.
	if _, stderr, err := build(t, "-rfc3339", "-no-compress", "-out", rfc); err != nil {
		t.Fatalf("build -rfc3339: %v\n%s", err, stderr)
	}
	validateTree(t, sampleTree(t), 1)
	validateTree(t, rfc, 5)
}

// validateTree validates the tree's JSON files against its document: the
// lists, and every stride-th file of each detail route.
func validateTree(t *testing.T, dir string, stride int) {
	t.Helper()
	ctx := context.Background()
	doc, err := openapi3.NewLoader().LoadFromFile(filepath.Join(dir, filepath.FromSlash(tree.OpenAPIPath)))
	if err != nil {
		t.Fatalf("%s: %v", tree.OpenAPIPath, err)
	}
	if err := doc.Validate(ctx); err != nil {
		t.Fatalf("%s is invalid: %v", tree.OpenAPIPath, err)
	}
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(tree.APIDocsPath))); err != nil {
		t.Errorf("no page for people: %v", err)
	}
	// Each file is routed and its documented 200 response looked up; the
	// bodies of one route are then validated together, as one array
	// against that response's schema, so that the schema is compiled once
	// per route rather than once per file (thousands of files).
	type group struct {
		schema *openapi3.SchemaRef
		files  []string
		bodies []any
		seen   int
		same   map[string]bool // bodies seen
	}
	groups := map[string]*group{}
	var order []string
	err = filepath.WalkDir(filepath.Join(dir, "api"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".json") {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		rel = filepath.ToSlash(rel)
		if rel == tree.OpenAPIPath {
			return nil
		}
		u := "/" + path.Dir(rel)
		if path.Base(rel) != tree.IndexName {
			u = "/" + rel // the change feed's api/changes/<id>.json and api/rooms/<name>/changes.json
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		req := &http.Request{Method: "GET", URL: &url.URL{Path: u}, Header: http.Header{}}
		route, _, err := router.FindRoute(req)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		g := groups[route.Path]
		if g == nil {
			resp := route.Operation.Responses.Status(200)
			if resp == nil || resp.Value == nil {
				t.Fatalf("%s: no documented 200 response", route.Path)
			}
			media := resp.Value.Content.Get("application/json; charset=utf-8")
			if media == nil || media.Schema == nil {
				t.Fatalf("%s: no application/json schema for 200", route.Path)
			}
			g = &group{schema: media.Schema}
			groups[route.Path] = g
			order = append(order, route.Path)
		}
		// The same bytes of a route validate the same: a first build's
		// thousands of empty changes.json files are validated once.
		if g.same == nil {
			g.same = map[string]bool{}
		}
		if g.same[string(data)] {
			return nil
		}
		g.same[string(data)] = true
		var body any
		if err := json.Unmarshal(data, &body); err != nil {
			t.Errorf("%s: %v", rel, err)
			return nil
		}
		if g.seen++; (g.seen-1)%stride != 0 {
			return nil
		}
		g.files = append(g.files, rel)
		g.bodies = append(g.bodies, body)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, p := range order {
		g := groups[p]
		counts[p] = len(g.files)
		all := &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeArray}, Items: g.schema}
		if err := all.VisitJSON(g.bodies, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
			// Name the files: validate them one by one.
			bad := 0
			for i, body := range g.bodies {
				if err := g.schema.Value.VisitJSON(body, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
					if bad++; bad <= 5 {
						t.Errorf("%s does not match the document's %s: %.2000v", g.files[i], p, err)
					}
				}
			}
			t.Errorf("%s: %d file(s) of %s do not match the document", dir, bad, p)
		}
	}
	t.Logf("%s: validated %v", dir, counts)
	for _, p := range []string{"/api/courses", "/api/courses/{code}", "/api/rooms", "/api/rooms/{name}", "/api/studyplans", "/api/studyplans/{id}"} {
		if counts[p] == 0 {
			t.Errorf("no file of route %s", p)
		}
	}
}
