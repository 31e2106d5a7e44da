package main

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"occupancy/generator/tree"
	"occupancy/source"
	"occupancy/source/sample"
)

// inodes maps every regular file under root to its inode.
func inodes(t *testing.T, root string) map[string]uint64 {
	t.Helper()
	got := map[string]uint64{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		got[filepath.ToSlash(rel)] = info.Sys().(*syscall.Stat_t).Ino
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func noNewTrees(t *testing.T, out string) {
	t.Helper()
	left, _ := filepath.Glob(filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".new-*"))
	if len(left) > 0 {
		t.Errorf("temporary trees left beside %s: %v", out, left)
	}
}

// TestRebuildFastPath builds the sample three times into one folder. The
// first writes a gzip and a brotli copy beside every JSON file, and
// otherwise the same files, byte for byte, and the same release as
// sampleTree's build without them: the build is deterministic, and the
// copies stay out of the release id. The second build has the same inputs and every file in place: it renders
// nothing, says so, and leaves every file as it was (inode, time, bytes);
// its report counts no compressed copies, where a render reuses every one
// and says so. A published file truncated by hand makes the third build
// render again, restoring it byte for byte while every other file stays
// linked. A fourth build with other inputs and -max-output 1KB is
// refused, naming the flag, and leaves the tree as it was.
func TestRebuildFastPath(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "public")
	if _, stderr, err := build(t, "-out", out); err != nil {
		t.Fatalf("first build: %v\n%s", err, stderr)
	}
	m := checkPublished(t, out)
	if m.Version != tree.ManifestVersion || len(m.Inputs) != 64 {
		t.Fatalf("manifest version %d with inputs %q, want version %d with inputs", m.Version, m.Inputs, tree.ManifestVersion)
	}
	if _, err := os.Stat(filepath.Join(out, "api/rooms/CO1/index.json.br")); err != nil {
		t.Errorf("default build: %v", err)
	}
	if n := compressedCopies(out); n < 2*2500 {
		t.Errorf("default build: %d copies, want two for each of the sample's ~2,600 JSON files", n)
	}
	if plain := checkPublished(t, sampleTree(t)); m.Release != plain.Release || !slices.Equal(originals(m), originals(plain)) {
		t.Errorf("two builds of the same release differ: release %.12s, then %.12s without copies, or other files", m.Release, plain.Release)
	}

	const rendered = "reused from the previous tree"
	states, ids := fileStates(t, out), inodes(t, out)
	stdout, stderr, err := build(t, "-out", out)
	if err != nil {
		t.Fatalf("second build: %v\n%s", err, stderr)
	}
	if !strings.Contains(stdout, "(unchanged: output left as it was)") || !strings.Contains(stdout, notRendered) || strings.Contains(stdout, rendered) {
		t.Errorf("second build did not take the fast path; it printed:\n%s", stdout)
	}
	unchanged(t, "second build", states, fileStates(t, out))
	if after := inodes(t, out); !equalInodes(ids, after) {
		t.Error("second build replaced files")
	}

	victim := "api/rooms/CO1/index.json"
	name := filepath.Join(out, filepath.FromSlash(victim))
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(name, int64(len(want)/2)); err != nil {
		t.Fatal(err)
	}
	stdout, stderr, err = build(t, "-out", out)
	if err != nil {
		t.Fatalf("third build: %v\n%s", err, stderr)
	}
	if strings.Contains(stdout, "left as it was") || strings.Contains(stdout, notRendered) || !strings.Contains(stdout, rendered) {
		t.Errorf("third build took the fast path over a truncated file; it printed:\n%s", stdout)
	}
	if got, err := os.ReadFile(name); err != nil || !bytes.Equal(got, want) {
		t.Errorf("%s not restored: %d bytes, %v; want its %d bytes", victim, len(got), err, len(want))
	}
	if m3 := checkPublished(t, out); m3.Release != m.Release || m3.Inputs != m.Inputs {
		t.Errorf("third build published release %.12s inputs %.12s, want %.12s %.12s", m3.Release, m3.Inputs, m.Release, m.Inputs)
	}
	after := inodes(t, out)
	for p, ino := range ids {
		if p != victim && p != tree.ManifestName && after[p] != ino {
			t.Errorf("%s was written again, not linked", p)
			break
		}
	}

	states = fileStates(t, out)
	_, stderr, err = build(t, "-rfc3339", "-max-output", "1KB", "-out", out)
	if !errors.Is(err, tree.ErrTooLarge) || !strings.Contains(err.Error(), "-max-output") {
		t.Errorf("-max-output 1KB: %v, want ErrTooLarge naming -max-output\n%s", err, stderr)
	}
	if code := exitCode(err); code != exitFailed {
		t.Errorf("-max-output 1KB: exit status %d, want %d", code, exitFailed)
	}
	unchanged(t, "refused build", states, fileStates(t, out))
	noNewTrees(t, out)
}

func equalInodes(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestInputsOf: the inputs the build records change with everything that
// changes the published bytes (the release, -rfc3339, -tz, -no-compress)
// and with nothing else.
func TestInputsOf(t *testing.T) {
	rel, err := sample.Release()
	if err != nil {
		t.Fatal(err)
	}
	record, err := source.MarshalRelease(rel)
	if err != nil {
		t.Fatal(err)
	}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	base := DefaultConfig()
	if base.Location, err = time.LoadLocation(base.TZ); err != nil {
		t.Fatal(err)
	}
	want, err := inputsOf(record, rel, base)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		edit   func(c *Config)
		record []byte
		same   bool
	}{
		{name: "same config", edit: func(c *Config) {}, same: true},
		{name: "-rfc3339", edit: func(c *Config) { c.RFC3339 = true }},
		{name: "-tz", edit: func(c *Config) { c.TZ, c.Location = "America/New_York", newYork }},
		{name: "-no-compress", edit: func(c *Config) { c.NoCompress = true }},
		{name: "another record", edit: func(c *Config) {}, record: append(bytes.Clone(record), '\n')},
		{name: "-out", edit: func(c *Config) { c.Out = "elsewhere" }, same: true},
		{name: "-no-sync", edit: func(c *Config) { c.NoSync = true }, same: true},
		{name: "-q", edit: func(c *Config) { c.Quiet = true }, same: true},
		{name: "-max-output", edit: func(c *Config) { c.MaxOutput = 1 << 20 }, same: true},
		{name: "-max-removed", edit: func(c *Config) { c.MaxRemoved = 90 }, same: true},
		{name: "-wait", edit: func(c *Config) { c.Wait = time.Minute }, same: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := base
			tc.edit(&cfg)
			rec := record
			if tc.record != nil {
				rec = tc.record
			}
			got, err := inputsOf(rec, rel, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if (got == want) != tc.same {
				t.Errorf("inputs %.12s, default %.12s: equal %v, want %v", got, want, got == want, tc.same)
			}
		})
	}
}

// TestBadReleaseWhileLocked: the output is opened while the release is
// read and checked, but a release with problems is reported as before,
// even when another build holds the output's lock and this one was told
// to wait an hour for it: the opening is cancelled, its problems are the
// error, and no lock of its own is left behind.
func TestBadReleaseWhileLocked(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	out := filepath.Join(root, "public")
	if _, stderr, err := buildQuick(t, "-in", smallRelease(t, filepath.Join(root, "small")), "-out", out); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	before := fileStates(t, out)
	raw := rebuildRelease()
	raw.Sessions.Rows[0].End = "25:00"
	bad := writeRelease(t, filepath.Join(root, "release"), raw)

	held, err := tree.OpenOutput(context.Background(), out, tree.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	_, stderr, err := buildQuick(t, "-wait", "1h", "-in", bad, "-out", out)
	if err == nil || errors.Is(err, tree.ErrLocked) || exitCode(err) != exitFailed || !strings.Contains(stderr, `"25:00"`) {
		t.Errorf("a bad release while the output is locked: exit %d, %v\n%s\nwant its problems, exit %d", exitCode(err), err, stderr, exitFailed)
	}
	if err := held.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := tree.OpenOutput(context.Background(), out, tree.OpenOptions{})
	if err != nil {
		t.Fatalf("the output's lock after a refused build: %v", err)
	}
	again.Close()
	unchanged(t, "a refused build", before, fileStates(t, out))
}
