package tree_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
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

// TestSnapshotRelease: the snapshot's release id follows the API's files
// and only them: a changed release record, page or snapshot leaves it as
// it is, a changed API file changes it.
func TestSnapshotRelease(t *testing.T) {
	base := []tree.ManifestEntry{
		{Path: "api/rooms/index.json", Kind: tree.KindRooms, SHA256: "aa"},
		{Path: "api/rooms/CO1.ics", Kind: tree.KindRoomFeed, SHA256: "bb"},
		{Path: "index.html", Kind: tree.KindWeb, SHA256: "cc"},
		{Path: "occupancy.snapshot", Kind: tree.KindSnapshot, SHA256: "dd"},
		{Path: "release.json", Kind: tree.KindRelease, SHA256: "ee"},
	}
	id := tree.SnapshotRelease(base)
	for i, tc := range []struct {
		name string
		same bool
	}{{"api list", false}, {"calendar feed", false}, {"page", true}, {"snapshot", true}, {"release record", true}} {
		t.Run(tc.name, func(t *testing.T) {
			changed := slices.Clone(base)
			changed[i].SHA256 = "ff"
			if got := tree.SnapshotRelease(changed); (got == id) != tc.same {
				t.Errorf("id %.12s after a change of the %s, %.12s before; want the same: %v", got, tc.name, id, tc.same)
			}
		})
	}
}
