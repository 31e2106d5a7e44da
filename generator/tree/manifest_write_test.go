package tree_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"occupancy/generator/tree"
)

// TestManifestWriteTo: a manifest written entry by entry is byte for byte
// json.MarshalIndent(m, "", " ") and a newline, the encoding every
// published manifest.json has had, for manifests with no file, one file,
// many, and paths that JSON escapes (quotes, <, &, control characters,
// invalid UTF-8, U+2028).
func TestManifestWriteTo(t *testing.T) {
	odd := []string{`a"b`, `a\b`, "a<b>&c", "tab\there", "nul\x00", "bad\xffutf8", "line\u2028sep", "café/índex.json", "", "del\x7f", "~ok'`"}
	rng := rand.New(rand.NewPCG(1, 2))
	entry := func() tree.ManifestEntry {
		e := tree.ManifestEntry{
			Path: fmt.Sprintf("api/rooms/R%05d/index.json", rng.IntN(100_000)),
			Kind: "room", SHA256: fmt.Sprintf("%064x", rng.Uint64()), Size: rng.IntN(1 << 30),
		}
		if rng.IntN(3) == 0 {
			e.Path += ".gz"
			e.Encoding = "gzip"
		}
		if rng.IntN(2) == 0 && e.Encoding == "" {
			e.Inputs = fmt.Sprintf("%032x", rng.Uint64())
		}
		if rng.IntN(4) == 0 {
			e.Path = "api/rooms/" + odd[rng.IntN(len(odd))]
			e.Kind = odd[rng.IntN(len(odd))]
		}
		return e
	}
	cases := map[string]*tree.Manifest{
		"empty":            {Version: 2, Release: "r"},
		"empty list":       {Version: 2, Release: "r", Files: []tree.ManifestEntry{}},
		"one file":         {Version: 1, Release: "abc", Files: []tree.ManifestEntry{entry()}},
		"inputs and files": {Version: 2, Release: "abc", Inputs: fmt.Sprintf("%064x", 7), Files: []tree.ManifestEntry{entry(), entry(), entry()}},
	}
	for i := range 20 {
		m := &tree.Manifest{Version: 2, Release: fmt.Sprintf("%x", i)}
		for range rng.IntN(200) {
			m.Files = append(m.Files, entry())
		}
		cases[fmt.Sprintf("random %d", i)] = m
	}
	for name, m := range cases {
		t.Run(name, func(t *testing.T) {
			want, err := json.MarshalIndent(m, "", " ")
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, '\n')
			var got bytes.Buffer
			n, err := m.WriteTo(&got)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(got.Len()) {
				t.Errorf("WriteTo says %d bytes, wrote %d", n, got.Len())
			}
			if !bytes.Equal(got.Bytes(), want) {
				t.Errorf("WriteTo wrote\n%s\nwant\n%s", got.Bytes(), want)
			}
		})
	}
}

// TestReleaseID: the release id follows the API's files and only them: a
// changed release record, page or snapshot (which carries the id) leaves
// it as it is, a changed API file, feed or description changes it. The
// manifest carries the same id, and one that carries another is refused.
func TestReleaseID(t *testing.T) {
	base := []tree.ManifestEntry{
		{Path: "api/openapi.json", Kind: tree.KindOpenAPI, SHA256: "a0"},
		{Path: "api/rooms/index.json", Kind: tree.KindRooms, SHA256: "aa"},
		{Path: "api/rooms/CO1.ics", Kind: tree.KindRoomFeed, SHA256: "bb"},
		{Path: "app/config.json", Kind: tree.KindWeb, SHA256: "c0"},
		{Path: "index.html", Kind: tree.KindWeb, SHA256: "cc"},
		{Path: "occupancy.snapshot", Kind: tree.KindSnapshot, SHA256: "dd"},
		{Path: "release.json", Kind: tree.KindRelease, SHA256: "ee"},
	}
	id := tree.ReleaseID(base)
	for i, tc := range []struct {
		name string
		same bool
	}{{"API description", false}, {"api list", false}, {"calendar feed", false}, {"page's configuration", true}, {"page", true}, {"snapshot", true}, {"release record", true}} {
		t.Run(tc.name, func(t *testing.T) {
			changed := slices.Clone(base)
			changed[i].SHA256 = "ff"
			if got := tree.ReleaseID(changed); (got == id) != tc.same {
				t.Errorf("id %.12s after a change of the %s, %.12s before; want the same: %v", got, tc.name, id, tc.same)
			}
		})
	}
	t.Run("compressed copy", func(t *testing.T) {
		withCopy := slices.Insert(slices.Clone(base), 2, tree.ManifestEntry{Path: "api/rooms/index.json.gz", Kind: tree.KindRooms, SHA256: "ab", Encoding: "gzip"})
		if got := tree.ReleaseID(withCopy); got != id {
			t.Errorf("id %.12s with a gzip copy, %.12s without", got, id)
		}
	})
}

// TestManifestRelease: a manifest of version 4 carries [tree.ReleaseID]
// of its entries, the id the snapshot carries; one carrying the hash of
// every file, as versions 1 to 3 did, is refused, and so is a version 3
// manifest carrying the new id.
func TestManifestRelease(t *testing.T) {
	files := append(synthetic(3, "a"),
		tree.File{Path: "index.html", Kind: tree.KindWeb, Data: []byte("<p>page</p>")},
		tree.File{Path: "occupancy.snapshot", Kind: tree.KindSnapshot, Data: []byte("snap")})
	m := tree.NewManifest(files)
	if m.Version != 4 || m.Release != tree.ReleaseID(m.Files) || m.Release == tree.TreeHash(m.Files) {
		t.Fatalf("NewManifest: version %d release %.12s; want 4 and ReleaseID %.12s", m.Version, m.Release, tree.ReleaseID(m.Files))
	}
	for _, tc := range []struct {
		name    string
		version int
		release string
		ok      bool
	}{
		{"v4, release id", 4, m.Release, true},
		{"v4, hash of every file", 4, tree.TreeHash(m.Files), false},
		{"v3, hash of every file", 3, tree.TreeHash(m.Files), true},
		{"v3, release id", 3, m.Release, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := *m
			c.Version, c.Release = tc.version, tc.release
			var buf bytes.Buffer
			if _, err := c.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			for _, read := range []struct {
				how  string
				read func() (*tree.Manifest, error)
			}{
				{"parsed", func() (*tree.Manifest, error) { return tree.ParseManifest(buf.Bytes()) }},
				{"read from a file", func() (*tree.Manifest, error) {
					dir := t.TempDir()
					if err := os.WriteFile(filepath.Join(dir, tree.ManifestName), buf.Bytes(), 0o644); err != nil {
						t.Fatal(err)
					}
					return tree.ReadManifest(dir)
				}},
			} {
				got, err := read.read()
				if (err == nil) != tc.ok {
					t.Errorf("%s: %v, want accepted %v", read.how, err, tc.ok)
				}
				if err == nil && got.Release != tc.release {
					t.Errorf("%s: release %.12s, want %.12s", read.how, got.Release, tc.release)
				}
			}
		})
	}
}
