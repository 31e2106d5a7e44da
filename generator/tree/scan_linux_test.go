package tree

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
)

// TestScanDirEntries checks the getdents64 reader against os.ReadDir and
// Lstat, on a folder large enough to take several reads of the buffer.
func TestScanDirEntries(t *testing.T) {
	dir := t.TempDir()
	want := map[string]dirEntry{}
	for i := range 3000 {
		name := "file-" + strconv.Itoa(i) + "-with-a-long-name-to-fill-the-buffer.json"
		if err := os.WriteFile(filepath.Join(dir, name), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		want[name] = dirEntry{name: name, kind: kindFile}
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	want["sub"] = dirEntry{name: "sub", kind: kindFolder}
	if err := os.Symlink("sub", filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	want["link"] = dirEntry{name: "link", kind: kindOther}
	for name, e := range want {
		st, err := os.Lstat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		e.ino = inode(st)
		want[name] = e
	}
	d, err := openScanDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer d.close()
	got, err := d.entries()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d entries, want %d", len(got), len(want))
	}
	for _, e := range got {
		if w, ok := want[e.name]; !ok || w != e {
			t.Errorf("entry %+v, want %+v", e, w)
		}
	}
}

// TestParseDirentsDamaged checks that a record list cut short or with a
// record length out of bounds is refused, not read past.
func TestParseDirentsDamaged(t *testing.T) {
	rec := make([]byte, 24)
	rec[direntReclen] = 24
	rec[direntType] = 8 // DT_REG
	copy(rec[direntName:], "a.js")
	if got, ok := parseDirents(rec, nil); !ok || len(got) != 1 || got[0].name != "a.js" || got[0].kind != kindFile {
		t.Fatalf("whole record: %+v %v", got, ok)
	}
	for _, tc := range []struct {
		name string
		bad  []byte
	}{
		{"cut at 10 bytes", rec[:10]},
		{"cut at 20 bytes", rec[:20]},
		{"record length past the end", append(slices.Clone(rec[:16]), 200, 0, 8, 'a')},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := tc.bad
			if _, ok := parseDirents(bad, nil); ok {
				t.Errorf("%v: accepted", bad)
			}
		})
	}
}
