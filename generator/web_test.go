package generator_test

import (
	"encoding/json"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/snapshot"
)

// TestWebFiles: the page for people is in the tree, as index.html and
// app/<file> copied from generator/web, plus a generated app/config.json;
// none of it is under api/, so none of it is taken for an API response
// (the OpenAPI tests validate the JSON files under api/ only).
func TestWebFiles(t *testing.T) {
	files, err := generator.Render(fixture(t), generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	web := map[string][]byte{}
	for _, f := range files {
		if f.Kind != tree.KindWeb {
			if f.Path == tree.WebIndexPath || strings.HasPrefix(f.Path, tree.WebDir+"/") {
				t.Errorf("%s: kind %q, want %q", f.Path, f.Kind, tree.KindWeb)
			}
			continue
		}
		web[f.Path] = f.Data
		if strings.HasPrefix(f.Path, "api/") {
			t.Errorf("%s: a page file under api/ would be taken for an API response", f.Path)
		}
	}
	for _, p := range []string{tree.WebIndexPath, "app/app.js", "app/app.css", tree.WebConfigPath} {
		if web[p] == nil {
			t.Errorf("%s is not in the tree", p)
		}
	}
	// Every file but the configuration is its source, byte for byte, and
	// every source is published.
	var sources []string
	for _, dir := range []string{"web", "web/app"} {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if !e.IsDir() {
				sources = append(sources, strings.TrimPrefix(dir+"/"+e.Name(), "web/"))
			}
		}
	}
	for _, p := range sources {
		src, err := os.ReadFile("web/" + p)
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := web[p]; !ok || string(got) != string(src) {
			t.Errorf("%s: published %t, same bytes as generator/web/%s: %t", p, ok, p, string(got) == string(src))
		}
	}
	if len(web) != len(sources)+1 {
		t.Errorf("%d page files published, want the %d of generator/web and app/config.json", len(web), len(sources))
	}
}

// TestWebConfig: app/config.json tells the page the campus zone, the
// datetime form of the release, in both forms, and the release's id, the
// one its snapshot carries.
func TestWebConfig(t *testing.T) {
	zurich, ny := mustZone(t, "Europe/Zurich"), mustZone(t, "America/New_York")
	for _, tt := range []struct {
		opt  generator.Options
		want string
	}{
		{generator.Options{}, `{"timeZone":"Europe/Zurich","rfc3339":false,"apiBase":"","release":"4c3218"}`},
		{generator.Options{Location: zurich}, `{"timeZone":"Europe/Zurich","rfc3339":false,"apiBase":"","release":"4c3218"}`},
		{generator.Options{RFC3339: true, Location: zurich}, `{"timeZone":"Europe/Zurich","rfc3339":true,"apiBase":"","release":"4c3218"}`},
		{generator.Options{RFC3339: true, Location: ny}, `{"timeZone":"America/New_York","rfc3339":true,"apiBase":"","release":"4c3218"}`},
		// Without a zone, -rfc3339 datetimes are written in UTC.
		{generator.Options{RFC3339: true}, `{"timeZone":"UTC","rfc3339":true,"apiBase":"","release":"4c3218"}`},
	} {
		t.Run(optionsName(tt.opt), func(t *testing.T) {
			files, err := generator.WebFiles(tt.opt, "4c3218")
			if err != nil {
				t.Fatal(err)
			}
			var got []byte
			for _, f := range files {
				if f.Path == tree.WebConfigPath {
					got = f.Data
				}
			}
			if string(got) != tt.want {
				t.Errorf("rfc3339=%v zone=%v: config %s, want %s", tt.opt.RFC3339, tt.opt.Location, got, tt.want)
			}
			var cfg generator.WebConfig
			if err := json.Unmarshal(got, &cfg); err != nil {
				t.Fatal(err)
			}
			if _, err := time.LoadLocation(cfg.TimeZone); err != nil {
				t.Errorf("zone %q: %v", cfg.TimeZone, err)
			}
		})
	}
	// The configuration agrees with the datetimes the release writes.
	opt := generator.Options{RFC3339: true, Location: zurich}
	files, err := generator.Render(fixture(t), opt)
	if err != nil {
		t.Fatal(err)
	}
	var cfg generator.WebConfig
	var snap *snapshot.Snapshot
	for _, f := range files {
		switch f.Path {
		case tree.WebConfigPath:
			if err := json.Unmarshal(f.Data, &cfg); err != nil {
				t.Fatal(err)
			}
		case tree.SnapshotName:
			if snap, err = snapshot.Parse(f.Data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if !cfg.RFC3339 {
		t.Errorf("an -rfc3339 release has config %+v", cfg)
	}
	if snap == nil || cfg.Release != snap.Release || cfg.Release != tree.NewManifest(files).Release {
		t.Errorf("config names release %q, the snapshot %v, the manifest %.12s", cfg.Release, snap != nil && snap.Release == cfg.Release, tree.NewManifest(files).Release)
	}
}

var (
	htmlRef   = regexp.MustCompile(`(?:href|src)="([^"]*)"`)
	jsImport  = regexp.MustCompile(`(?m)^import .* from '([^']+)';$`)
	jsFetchRe = regexp.MustCompile(`fetchJSON\('([^']+)'\)`)
	// The API's files the modules name whole: get('api/rooms'),
	// atomLink('api/changes/index.atom', …).
	jsAPIRe = regexp.MustCompile(`(?:^|[^.\w])(?:get|atomLink)\('(api/[^']*)'`)
)

// TestWebReferences: every file index.html and the modules load or link
// by a fixed path is in the tree (the change feed's too, when the build
// writes it); the page loads nothing from another origin.
func TestWebReferences(t *testing.T) {
	files, err := generator.Render(fixture(t), generator.Options{KeepChanges: generator.DefaultKeepChanges})
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string][]byte{}
	for _, f := range files {
		byPath[f.Path] = f.Data
	}
	index := string(byPath[tree.WebIndexPath])
	var refs []string
	for _, m := range htmlRef.FindAllStringSubmatch(index, -1) {
		ref := m[1]
		switch {
		case strings.HasPrefix(ref, "#"), ref == "data:,":
			continue // routes, in-page anchors, the empty icon
		case strings.Contains(ref, "//"):
			t.Errorf("index.html loads %q from another origin", ref)
			continue
		case strings.HasPrefix(ref, "/"):
			t.Errorf("index.html refers to %q by an absolute path: the page must work under any prefix", ref)
			continue
		}
		refs = append(refs, ref)
	}
	for _, want := range []string{"app/app.css", "app/app.js"} {
		if !slices.Contains(refs, want) {
			t.Errorf("index.html does not load %s", want)
		}
	}
	for p, data := range byPath {
		if path.Dir(p) != tree.WebDir || path.Ext(p) != ".js" {
			continue
		}
		for _, m := range jsImport.FindAllStringSubmatch(string(data), -1) {
			if !strings.HasPrefix(m[1], "./") {
				t.Errorf("%s imports %q: only the page's own modules", p, m[1])
				continue
			}
			refs = append(refs, path.Join(tree.WebDir, m[1]))
		}
		for _, m := range jsFetchRe.FindAllStringSubmatch(string(data), -1) {
			refs = append(refs, m[1])
		}
		for _, m := range jsAPIRe.FindAllStringSubmatch(string(data), -1) {
			refs = append(refs, m[1])
		}
	}
	for _, want := range []string{tree.WebConfigPath, "api/rooms", tree.ChangeLogPath, tree.ChangeFeedPath} {
		if !slices.Contains(refs, want) {
			t.Errorf("the page does not read or link %s", want)
		}
	}
	for _, ref := range refs {
		switch {
		case ref == "api/docs":
			ref = tree.APIDocsPath
		case strings.HasPrefix(ref, "api/") && path.Ext(ref) == "":
			ref = tree.URLPath("/" + ref) // the API's URLs are folders; its feeds' files
		}
		if byPath[ref] == nil {
			t.Errorf("%q is referenced by the page but not in the tree", ref)
		}
	}
}
