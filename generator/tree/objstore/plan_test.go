package objstore

import (
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"occupancy/generator/tree"
)

// localTree builds a local tree from path → content (kinds and encodings from
// the path), as tree.Publish would describe it.
func localTree(t *testing.T, files map[string]string) Local {
	t.Helper()
	var fs []tree.File
	for p, data := range files {
		f := tree.File{Path: p, Kind: "room", Data: []byte(data)}
		switch {
		case p == tree.SnapshotName:
			f.Kind = "snapshot"
		case strings.HasSuffix(p, ".gz"):
			f.Encoding = "gzip"
		case strings.HasSuffix(p, ".br"):
			f.Encoding = "br"
		}
		fs = append(fs, f)
	}
	slices.SortFunc(fs, func(a, b tree.File) int { return strings.Compare(a.Path, b.Path) })
	m := tree.NewManifest(fs)
	data, err := json.MarshalIndent(m, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	l := Local{Manifest: m, ManifestData: data, MD5: map[string]string{tree.ManifestName: md5Hex(data)}}
	for _, f := range fs {
		l.MD5[f.Path] = md5Hex(f.Data)
	}
	return l
}

func md5Hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// uploaded returns the bucket as a complete upload of l leaves it.
func uploaded(l Local) Remote {
	r := Remote{Manifest: l.Manifest, ManifestData: l.ManifestData, Objects: map[string]Object{}}
	r.Objects[tree.ManifestName] = Object{Size: int64(len(l.ManifestData)), ETag: l.MD5[tree.ManifestName]}
	for _, e := range l.Manifest.Files {
		r.Objects[e.Path] = Object{Size: int64(e.Size), ETag: l.MD5[e.Path]}
	}
	return r
}

var v1 = map[string]string{
	"api/rooms/index.json":        `["CO1","CO2"]`,
	"api/rooms/index.json.gz":     "gz1",
	"api/rooms/CO1/index.json":    `{"name":"CO1"}`,
	"api/rooms/CO2/index.json":    `{"name":"CO2"}`,
	"api/rooms/CO2.ics":           "BEGIN:VCALENDAR",
	tree.SnapshotName:             "snap1",
	"api/docs/index.html":         "<html>",
	"api/courses/index.json":      "[]",
	"api/courses/index.json.br":   "br1",
	"api/studyplans/index.json":   "[]",
	"api/rooms/CO2/index.json.gz": "gz2",
}

func v2() map[string]string {
	m := map[string]string{}
	for k, v := range v1 {
		m[k] = v
	}
	delete(m, "api/rooms/CO2/index.json")
	delete(m, "api/rooms/CO2/index.json.gz")
	delete(m, "api/rooms/CO2.ics")
	m["api/rooms/CO3/index.json"] = `{"name":"CO3"}`
	m["api/rooms/index.json"] = `["CO1","CO3"]`
	m[tree.SnapshotName] = "snap2"
	return m
}

func paths(steps []Step) []string {
	var out []string
	for _, s := range steps {
		out = append(out, s.Entry.Path)
	}
	return out
}

func TestPlanFirstUpload(t *testing.T) {
	l := localTree(t, v1)
	p := MakePlan(l, Remote{Objects: map[string]Object{}})
	if len(p.Files) != len(v1)-1 || p.Manifest == nil || p.Snapshot == nil || len(p.Deletes) != 0 || p.Unchanged != 0 {
		t.Fatalf("plan = %+v", p)
	}
	ops := p.Ops()
	if ops[len(ops)-2] != "put manifest.json (new)" || ops[len(ops)-1] != "put occupancy.snapshot (new)" {
		t.Errorf("manifest then snapshot must come last: %q", ops)
	}
	for _, s := range p.Files {
		if s.Entry.Path == tree.SnapshotName || s.Entry.Path == tree.ManifestName {
			t.Errorf("%s among the parallel uploads", s.Entry.Path)
		}
	}
	if p.Previous != "" || p.Release != l.Manifest.Release {
		t.Errorf("releases %q, %q", p.Previous, p.Release)
	}
}

func TestPlanUnchangedIsEmpty(t *testing.T) {
	l := localTree(t, v1)
	r := uploaded(l)
	if need := NeedStat(l, r); len(need) != 0 {
		t.Errorf("NeedStat = %q, want none", need)
	}
	p := MakePlan(l, r)
	if !p.Empty() || p.Uploads() != 0 || p.Unchanged != len(v1)+1 || p.Bytes != 0 {
		t.Errorf("plan of the same release = %+v, %q", p, p.Ops())
	}
}

func TestPlanNewRelease(t *testing.T) {
	old, l := localTree(t, v1), localTree(t, v2())
	p := MakePlan(l, uploaded(old))
	want := []string{"put api/rooms/CO3/index.json (new)", "put api/rooms/index.json (changed)",
		"put manifest.json (changed)", "put occupancy.snapshot (changed)",
		"delete api/rooms/CO2.ics", "delete api/rooms/CO2/index.json", "delete api/rooms/CO2/index.json.gz"}
	if got := p.Ops(); !slices.Equal(got, want) {
		t.Errorf("ops =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The count of uploads is the manifest diff's.
	changed := 0
	for _, c := range tree.Diff(old.Manifest, l.Manifest) {
		changed += c.Added + c.Changed
	}
	if p.Uploads() != changed+1 { // + manifest.json
		t.Errorf("%d uploads, manifest diff says %d + manifest", p.Uploads(), changed)
	}
	if p.Unchanged != len(v1)-3-2 {
		t.Errorf("unchanged = %d", p.Unchanged)
	}
}

// TestPlanSelfHeals: keys the bucket's manifest claims but that are gone,
// or that hold other bytes (an interrupted run), are uploaded again.
func TestPlanSelfHeals(t *testing.T) {
	l := localTree(t, v1)
	r := uploaded(l)
	delete(r.Objects, "api/rooms/CO1/index.json")
	o := r.Objects["api/courses/index.json"]
	o.ETag = md5Hex([]byte("[x"))[:32] // same size, other bytes
	r.Objects["api/courses/index.json"] = o
	need := NeedStat(l, r)
	if !slices.Equal(need, []string{"api/courses/index.json"}) {
		t.Fatalf("NeedStat = %q", need)
	}
	// Its metadata says another hash: re-upload.
	o.Stated, o.SHA256, o.Path = true, strings.Repeat("0", 64), "api/courses/index.json"
	r.Objects["api/courses/index.json"] = o
	p := MakePlan(l, r)
	if got := paths(p.Files); !slices.Equal(got, []string{"api/courses/index.json", "api/rooms/CO1/index.json"}) {
		t.Errorf("uploads = %q", got)
	}
	if p.Files[1].Reason != "missing" || p.Manifest != nil || p.Snapshot != nil {
		t.Errorf("plan = %+v", p)
	}

	// Its metadata says the right hash (an SSE bucket whose ETags are not
	// MD5s): nothing to do.
	o.SHA256 = l.Manifest.Files[slices.IndexFunc(l.Manifest.Files, func(e tree.ManifestEntry) bool { return e.Path == "api/courses/index.json" })].SHA256
	r.Objects["api/courses/index.json"] = o
	if p := MakePlan(l, r); !slices.Equal(paths(p.Files), []string{"api/rooms/CO1/index.json"}) {
		t.Errorf("uploads = %q", paths(p.Files))
	}
}

// TestPlanSnapshotAfterInterruptedRun: the manifest went up, the snapshot
// did not. The bucket's manifest claims the new snapshot; the listing and
// metadata show the old one: it is uploaded.
func TestPlanSnapshotAfterInterruptedRun(t *testing.T) {
	old, l := localTree(t, v1), localTree(t, v2())
	r := uploaded(old)
	r.Manifest, r.ManifestData = l.Manifest, l.ManifestData
	r.Objects[tree.ManifestName] = Object{Size: int64(len(l.ManifestData)), ETag: l.MD5[tree.ManifestName]}
	// "snap1" and "snap2" have the same size.
	need := NeedStat(l, r)
	if !slices.Contains(need, tree.SnapshotName) {
		t.Fatalf("NeedStat = %q, want the snapshot", need)
	}
	o := r.Objects[tree.SnapshotName]
	o.Stated, o.SHA256, o.Path = true, sha256Hex([]byte("snap1")), tree.SnapshotName
	r.Objects[tree.SnapshotName] = o
	p := MakePlan(l, r)
	if p.Snapshot == nil || p.Manifest != nil {
		t.Errorf("plan = %q", p.Ops())
	}
}

// TestPlanDeletesOnlyWhatItWrote: stale keys of the previous manifest, and
// keys whose metadata says this tool wrote them there, are deleted; other
// keys under the prefix are left, and keys outside the tree's folders are
// not even looked at.
func TestPlanDeletesOnlyWhatItWrote(t *testing.T) {
	l := localTree(t, v1)
	r := uploaded(l)
	r.Objects["api/rooms/OLD/index.json"] = Object{Size: 3, ETag: "x"} // left by an interrupted run
	r.Objects["api/rooms/mine.json"] = Object{Size: 3, ETag: "y"}      // someone else's
	r.Objects["api/rooms/moved.json"] = Object{Size: 3, ETag: "y"}     // copied from elsewhere
	r.Objects["images/logo.png"] = Object{Size: 3, ETag: "z"}          // outside the tree's folders
	r.Objects["README"] = Object{Size: 3, ETag: "z"}                   // outside the tree's files
	need := NeedStat(l, r)
	if want := []string{"api/rooms/OLD/index.json", "api/rooms/mine.json", "api/rooms/moved.json"}; !slices.Equal(need, want) {
		t.Fatalf("NeedStat = %q, want %q", need, want)
	}
	r.Objects["api/rooms/OLD/index.json"] = Object{Size: 3, Stated: true, SHA256: "a", Path: "api/rooms/OLD/index.json"}
	r.Objects["api/rooms/mine.json"] = Object{Size: 3, Stated: true}
	r.Objects["api/rooms/moved.json"] = Object{Size: 3, Stated: true, SHA256: "a", Path: "api/rooms/elsewhere.json"}
	p := MakePlan(l, r)
	if !slices.Equal(p.Deletes, []string{"api/rooms/OLD/index.json"}) || p.Foreign != 4 {
		t.Errorf("deletes %q, foreign %d", p.Deletes, p.Foreign)
	}
}

func TestPlanUnreadableRemoteManifest(t *testing.T) {
	l := localTree(t, v1)
	r := uploaded(l)
	r.Manifest, r.ManifestData = nil, []byte("garbage")
	p := MakePlan(l, r)
	if len(p.Files) != 0 || p.Snapshot != nil || p.Manifest == nil {
		t.Errorf("plan = %q", p.Ops())
	}
}

func TestHeaders(t *testing.T) {
	for _, tt := range []struct {
		path, enc string
		want      Headers
	}{
		{"api/rooms/index.json", "", Headers{"application/json; charset=utf-8", "", CacheAPI}},
		{"api/rooms/index.json.gz", "gzip", Headers{"application/json; charset=utf-8", "gzip", CacheAPI}},
		{"api/rooms/CO1/index.json.br", "br", Headers{"application/json; charset=utf-8", "br", CacheAPI}},
		{"api/rooms/CO1.ics", "", Headers{"text/calendar; charset=utf-8", "", CacheAPI}},
		{"api/rooms/CO1.ICS", "", Headers{"text/calendar; charset=utf-8", "", CacheAPI}},
		{"api/rooms/CO1.ics.gz", "gzip", Headers{"text/calendar; charset=utf-8", "gzip", CacheAPI}},
		// The change feed: JSON and Atom, cached as the API's other files.
		{tree.ChangeLogPath, "", Headers{"application/json; charset=utf-8", "", CacheAPI}},
		{"api/changes/index.json.br", "br", Headers{"application/json; charset=utf-8", "br", CacheAPI}},
		{tree.ChangeFeedPath, "", Headers{"application/atom+xml; charset=utf-8", "", CacheAPI}},
		{"api/changes/index.atom.gz", "gzip", Headers{"application/atom+xml; charset=utf-8", "gzip", CacheAPI}},
		{tree.ChangeSetPath("0123456789ab"), "", Headers{"application/json; charset=utf-8", "", CacheAPI}},
		{"api/changes/0123456789ab.json.gz", "gzip", Headers{"application/json; charset=utf-8", "gzip", CacheAPI}},
		{tree.EntityChangesPath("rooms", "CO1"), "", Headers{"application/json; charset=utf-8", "", CacheAPI}},
		{tree.EntityFeedPath("rooms", "CO1"), "", Headers{"application/atom+xml; charset=utf-8", "", CacheAPI}},
		{"api/courses/CS-305/changes.ATOM", "", Headers{"application/atom+xml; charset=utf-8", "", CacheAPI}},
		{"api/studyplans/9ec62d992a70d1667be61004/changes.atom.br", "br", Headers{"application/atom+xml; charset=utf-8", "br", CacheAPI}},
		// A room named like a feed is a folder; its JSON is JSON.
		{"api/rooms/changes.atom/index.json", "", Headers{"application/json; charset=utf-8", "", CacheAPI}},
		{"api/docs/index.html", "", Headers{"text/html; charset=utf-8", "", CacheAPI}},
		{"api/docs/app.js", "", Headers{"text/javascript; charset=utf-8", "", CacheAPI}},
		{"api/docs/app.css", "", Headers{"text/css; charset=utf-8", "", CacheAPI}},
		{"api/docs/logo.svg.br", "br", Headers{"image/svg+xml", "br", CacheAPI}},
		{"api/openapi.json", "", Headers{"application/json; charset=utf-8", "", CacheAPI}},
		{"manifest.json", "", Headers{"application/json; charset=utf-8", "", CacheRevalidate}},
		{"occupancy.snapshot", "", Headers{"application/octet-stream", "", CacheRevalidate}},
		// The page for people is revalidated, like nginx serves it.
		{"index.html", "", Headers{"text/html; charset=utf-8", "", CacheRevalidate}},
		{"index.html.br", "br", Headers{"text/html; charset=utf-8", "br", CacheRevalidate}},
		{"app/app.js", "", Headers{"text/javascript; charset=utf-8", "", CacheRevalidate}},
		{"app/config.json.gz", "gzip", Headers{"application/json; charset=utf-8", "gzip", CacheRevalidate}},
		{"apps/x.json", "", Headers{"application/json; charset=utf-8", "", CacheAPI}},
		{"api/rooms/weird", "", Headers{"application/octet-stream", "", CacheAPI}},
		// A room named like a compressed file is not one without its encoding.
		{"api/rooms/X.gz/index.json", "", Headers{"application/json; charset=utf-8", "", CacheAPI}},
		{"api/rooms/X.gz", "", Headers{"application/octet-stream", "", CacheAPI}},
	} {
		if got := HeadersFor(tree.ManifestEntry{Path: tt.path, Encoding: tt.enc}); got != tt.want {
			t.Errorf("%s (%q): %+v, want %+v", tt.path, tt.enc, got, tt.want)
		}
	}
}

func TestParseURL(t *testing.T) {
	for _, tt := range []struct {
		in      string
		bucket  string
		prefix  string
		key     string // of api/rooms/index.json
		wantErr string
	}{
		{"s3://bucket", "bucket", "", "api/rooms/index.json", ""},
		{"s3://bucket/", "bucket", "", "api/rooms/index.json", ""},
		{"s3://bucket/live", "bucket", "live", "live/api/rooms/index.json", ""},
		{"s3://bucket/live/", "bucket", "live", "live/api/rooms/index.json", ""},
		{"s3://my.bucket-1/a/b", "my.bucket-1", "a/b", "a/b/api/rooms/index.json", ""},
		{"http://bucket/x", "", "", "", "not an s3://bucket/prefix URL"},
		{"bucket/x", "", "", "", "not an s3://bucket/prefix URL"},
		{"s3://", "", "", "", "no bucket name"},
		{"s3:///x", "", "", "", "no bucket name"},
		{"s3://Bucket", "", "", "", "lower-case"},
		{"s3://ab", "", "", "", "3 to 63"},
		{"s3://-ab", "", "", "", "start and end"},
		{"s3://key:secret@bucket/x", "", "", "", "AWS_ACCESS_KEY_ID"},
		{"s3://bucket//x", "", "", "", "empty segment"},
		{"s3://bucket/a//b", "", "", "", "empty segment"},
		{"s3://bucket/a/../b", "", "", "", `".." segment`},
		{"s3://bucket/./b", "", "", "", `"." segment`},
		{"s3://bucket/a%2Fb", "", "", "", "%-escapes"},
		{"s3://bucket/a?x=1", "", "", "", "query"},
		{"s3://bucket/a\\b", "", "", "", "backslash"},
		{"s3://bucket/a\nb", "", "", "", "control"},
	} {
		got, err := ParseURL(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseURL(%q) = %+v, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got.Bucket != tt.bucket || got.Prefix != tt.prefix || got.Key("api/rooms/index.json") != tt.key {
			t.Errorf("ParseURL(%q) = %+v, %v", tt.in, got, err)
		}
		if p, ok := got.path(tt.key); !ok || p != "api/rooms/index.json" {
			t.Errorf("%+v: path(%q) = %q, %v", got, tt.key, p, ok)
		}
		if back, err := ParseURL(got.String()); err != nil || back != got {
			t.Errorf("%q: String() %q does not parse back", tt.in, got.String())
		}
	}
	// Keys outside the prefix are never tree paths.
	tg := Target{Bucket: "b", Prefix: "live"}
	for _, k := range []string{"live", "live/", "lively/api/x", "other/live/api/x", "api/x"} {
		if p, ok := tg.path(k); ok {
			t.Errorf("path(%q) = %q, inside %v", k, p, tg)
		}
	}
}

func TestParseEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"":                      "s3.amazonaws.com https",
		"http://127.0.0.1:8333": "127.0.0.1:8333 http",
		"https://s3.example:9":  "s3.example:9 https",
		"minio.local:9000":      "minio.local:9000 https",
		"http://h:1/":           "h:1 http",
	} {
		ep, err := ParseEndpoint(in)
		scheme := "http"
		if ep.Secure {
			scheme = "https"
		}
		if got := fmt.Sprintf("%s %s", ep.Host, scheme); err != nil || got != want {
			t.Errorf("ParseEndpoint(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for in, want := range map[string]string{
		"ftp://h":           "http:// or https://",
		"http://k:s@h:1":    "AWS_ACCESS_KEY_ID",
		"http://h:1/bucket": "only scheme, host and port",
		"http://":           "no host",
		"http://h:1/?x=1":   "only scheme, host and port",
	} {
		if _, err := ParseEndpoint(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseEndpoint(%q): error %v, want %q", in, err, want)
		}
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if _, err := CredentialsFromEnv(env(nil)); err == nil || !strings.Contains(err.Error(), "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY") {
		t.Errorf("no credentials: %v", err)
	}
	if _, err := CredentialsFromEnv(env(map[string]string{"AWS_ACCESS_KEY_ID": "k"})); err == nil || !strings.Contains(err.Error(), "set AWS_SECRET_ACCESS_KEY") {
		t.Errorf("no secret: %v", err)
	}
	c, err := CredentialsFromEnv(env(map[string]string{"AWS_ACCESS_KEY_ID": "k", "AWS_SECRET_ACCESS_KEY": "s", "AWS_SESSION_TOKEN": "t"}))
	if err != nil || c != (Credentials{"k", "s", "t"}) {
		t.Errorf("credentials = %+v, %v", c, err)
	}
}

// TestReadLocalRefusesAChangedTree: a file edited after the build is not
// uploaded under the manifest's hash.
func TestReadLocalRefusesAChangedTree(t *testing.T) {
	dir := t.TempDir() + "/public"
	files := []tree.File{
		{Path: "api/rooms/index.json", Kind: "rooms", Data: []byte(`["CO1"]`)},
		{Path: tree.SnapshotName, Kind: "snapshot", Data: []byte("snap")},
	}
	if _, err := tree.Publish(dir, files, tree.PublishOptions{NoSync: true, NoCompress: true}); err != nil {
		t.Fatal(err)
	}
	l, err := ReadLocal(dir)
	if err != nil || len(l.MD5) != 3 || l.MD5["api/rooms/index.json"] != md5Hex([]byte(`["CO1"]`)) {
		t.Fatalf("ReadLocal = %+v, %v", l, err)
	}
	if err := os.WriteFile(dir+"/api/rooms/index.json", []byte(`["CO2"]`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLocal(dir); err == nil || !strings.Contains(err.Error(), "changed since the build") {
		t.Errorf("changed tree: %v", err)
	}
}
