package tree_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"occupancy/generator/tree"
)

// snapshotFiles records every file and symbolic link under root with its
// content (or target), to prove that a refused build touched nothing.
func snapshotFiles(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			got[rel] = "→" + target
			return err
		case d.IsDir():
			got[rel+"/"] = ""
		default:
			data, err := os.ReadFile(p)
			got[rel] = string(data)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func sameFiles(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for k, v := range before {
		if w, ok := after[k]; !ok || w != v {
			t.Errorf("%s: %s changed or vanished", what, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("%s: %s appeared", what, k)
		}
	}
}

// TestPublishRefusesForeignTrees: a folder holding a manifest.json the
// build did not write (a web app's), or a tree of the build's with files
// added by someone else, is refused and left byte for byte as it was.
func TestPublishRefusesForeignTrees(t *testing.T) {
	ownTree := func(t *testing.T, dir string) {
		if _, err := tree.Publish(dir, synthetic(3, "a"), tree.PublishOptions{NoSync: true}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  string // in the error
	}{
		{"web app with its own manifest.json", func(t *testing.T, dir string) {
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"name":"My PWA","short_name":"pwa","icons":[],"start_url":"/"}`), 0o644)
			os.WriteFile(filepath.Join(dir, "index.html"), []byte("<h1>mine</h1>"), 0o644)
			os.WriteFile(filepath.Join(dir, "robots.txt"), []byte("User-agent: *"), 0o644)
		}, "did not write"},
		{"manifest.json of the build's shape with a forged release id", func(t *testing.T, dir string) {
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"version":1,"release":"`+strings.Repeat("0", 64)+`","files":[]}`), 0o644)
			os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
		}, "release id"},
		{"manifest.json of a future version", func(t *testing.T, dir string) {
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "manifest.json"), []byte(`{"version":9,"release":"x","files":[]}`), 0o644)
		}, "version 9"},
		{"no manifest", func(t *testing.T, dir string) {
			os.MkdirAll(dir, 0o755)
			os.WriteFile(filepath.Join(dir, "thesis.tex"), []byte("precious"), 0o644)
		}, "holds no manifest.json"},
		{"an operator's file in a published tree", func(t *testing.T, dir string) {
			ownTree(t, dir)
			os.WriteFile(filepath.Join(dir, "README-ops.txt"), []byte("call Bob"), 0o644)
		}, "README-ops.txt"},
		{"a release kept inside a published tree", func(t *testing.T, dir string) {
			ownTree(t, dir)
			os.MkdirAll(filepath.Join(dir, "release-src"), 0o755)
			os.WriteFile(filepath.Join(dir, "release-src", "rooms.csv"), []byte("name,type\n"), 0o644)
		}, "release-src"},
		{"an empty folder added to a published tree", func(t *testing.T, dir string) {
			ownTree(t, dir)
			os.MkdirAll(filepath.Join(dir, "api", "uploads"), 0o755)
		}, "api/uploads"},
		{"a symbolic link in place of a published file", func(t *testing.T, dir string) {
			ownTree(t, dir)
			p := filepath.Join(dir, "api/rooms/R00001/index.json")
			os.Remove(p)
			os.Symlink("/etc/hostname", p)
		}, "api/rooms/R00001/index.json"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			tc.setup(t, dir)
			before := snapshotFiles(t, filepath.Dir(dir))
			_, err := tree.Publish(dir, synthetic(5, "b"), tree.PublishOptions{NoSync: true})
			if !errors.Is(err, tree.ErrNotOwned) || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "-out") {
				t.Fatalf("Publish = %v, want ErrNotOwned naming %q and saying what to do", err, tc.want)
			}
			t.Log(err)
			sameFiles(t, "refused output", before, snapshotFiles(t, filepath.Dir(dir)))
		})
	}
}

// TestPublishOwnTreeWithEditedFile: a file of the build's tree edited by
// hand is still the build's own: it is replaced, nothing refused.
func TestPublishOwnTreeWithEditedFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	if _, err := tree.Publish(dir, synthetic(3, "a"), tree.PublishOptions{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "api/rooms/R00000/index.json"), []byte("edited"), 0o644)
	if _, err := tree.Publish(dir, synthetic(3, "b"), tree.PublishOptions{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	checkTree(t, dir)
}

func TestOpenOutputRefusesOverlap(t *testing.T) {
	root := t.TempDir()
	pub := filepath.Join(root, "pub")
	if _, err := tree.Publish(pub, synthetic(2, "a"), tree.PublishOptions{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	os.MkdirAll(filepath.Join(root, "release"), 0o755)
	os.Symlink(filepath.Join(root, "pub"), filepath.Join(root, "link"))
	for _, tc := range []struct{ in, out, want string }{
		{"pub/release-src", "pub", "is inside the output folder"},
		{"pub", "pub", "is inside the output folder"},
		{"link/release-src", "pub", "is inside the output folder"}, // through a symbolic link
		{"pub/release-src", "link", "is inside the output folder"},
		{"release", "release/public", "is inside the release"},
		{"release", "release", "is inside the output folder"},
	} {
		t.Run("overlap -in "+tc.in+" -out "+tc.out, func(t *testing.T) {
			in, out := filepath.Join(root, tc.in), filepath.Join(root, tc.out)
			before := snapshotFiles(t, root)
			o, err := tree.OpenOutput(context.Background(), out, tree.OpenOptions{Input: in})
			if err == nil {
				o.Close()
			}
			if !errors.Is(err, tree.ErrOverlap) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("-in %s -out %s: %v, want ErrOverlap %q", tc.in, tc.out, err, tc.want)
			}
			sameFiles(t, "-in "+tc.in+" -out "+tc.out, before, snapshotFiles(t, root))
		})
	}
	// Siblings and names sharing a prefix do not overlap.
	for _, tc := range []struct{ in, out string }{{"release", "pub"}, {"pub2", "pub"}, {"pub", "pub2"}} {
		t.Run("apart -in "+tc.in+" -out "+tc.out, func(t *testing.T) {
			o, err := tree.OpenOutput(context.Background(), filepath.Join(root, tc.out), tree.OpenOptions{Input: filepath.Join(root, tc.in)})
			if err != nil {
				t.Errorf("-in %s -out %s: %v", tc.in, tc.out, err)
				return
			}
			o.Close()
		})
	}
}

// TestOutputLock: while one build holds the output, a second fails at once
// naming the holder, or waits for it with OpenOptions.Wait.
func TestOutputLock(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "public")
	first, err := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = tree.OpenOutput(context.Background(), dir, tree.OpenOptions{})
	var le *tree.LockError
	if !errors.As(err, &le) || !errors.Is(err, tree.ErrLocked) {
		t.Fatalf("second OpenOutput = %v, want a LockError", err)
	}
	if le.Holder.PID != os.Getpid() || le.Holder.Started.IsZero() || !strings.Contains(err.Error(), "pid "+strconv.Itoa(os.Getpid())) {
		t.Errorf("lock error does not name the holder: %+v: %v", le.Holder, err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("failing at once took %v", time.Since(start))
	}
	// Publishing is refused too, while reading (a plan) waits as well.
	if _, err := tree.Publish(dir, synthetic(2, "x"), tree.PublishOptions{NoSync: true}); !errors.Is(err, tree.ErrLocked) {
		t.Errorf("Publish while locked = %v", err)
	}
	if _, err := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{ReadOnly: true}); !errors.Is(err, tree.ErrLocked) {
		t.Errorf("read-only OpenOutput while a build publishes = %v", err)
	}
	// A waiting build gets the lock when the first one lets go.
	go func() {
		time.Sleep(200 * time.Millisecond)
		first.Publish(synthetic(2, "first"), tree.PublishOptions{NoSync: true})
		first.Close()
	}()
	second, err := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{Wait: time.Minute})
	if err != nil {
		t.Fatalf("waiting OpenOutput: %v", err)
	}
	if m := second.Previous(); m == nil || m.Release != tree.NewManifest(synthetic(2, "first")).Release {
		t.Errorf("the waiting build does not see the first one's tree: %+v", m)
	}
	second.Close()
	// Two readers share the lock.
	r1, err1 := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{ReadOnly: true})
	r2, err2 := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{ReadOnly: true})
	if err1 != nil || err2 != nil {
		t.Fatalf("two readers: %v, %v", err1, err2)
	}
	r1.Close()
	r2.Close()
	// Waiting ends with the context.
	holder, _ := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{})
	defer holder.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Millisecond)
	defer cancel()
	if _, err := tree.OpenOutput(ctx, dir, tree.OpenOptions{Wait: time.Hour}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting past the context: %v", err)
	}
}

// TestOutputLockKilledHolder: a build killed while it holds the lock never
// blocks the next one.
func TestOutputLockKilledHolder(t *testing.T) {
	if dir := os.Getenv("GENERATOR_LOCK_CHILD"); dir != "" {
		if _, err := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{}); err != nil {
			fmt.Println("error:", err)
			os.Exit(1)
		}
		fmt.Println("locked")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	dir := filepath.Join(t.TempDir(), "public")
	cmd := exec.Command(os.Args[0], "-test.run=^TestOutputLockKilledHolder$")
	cmd.Env = append(os.Environ(), "GENERATOR_LOCK_CHILD="+dir)
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	n, _ := stdout.Read(buf)
	if !strings.Contains(string(buf[:n]), "locked") {
		cmd.Process.Kill()
		t.Fatalf("child: %q", buf[:n])
	}
	_, err := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{})
	var le *tree.LockError
	if !errors.As(err, &le) || le.Holder.PID != cmd.Process.Pid {
		t.Errorf("while the child holds the lock: %v, want its pid %d", err, cmd.Process.Pid)
	}
	cmd.Process.Kill()
	cmd.Wait()
	o, err := tree.OpenOutput(context.Background(), dir, tree.OpenOptions{})
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	o.Close()
}

// TestPublishThroughSymlink: an output given as a symbolic link to a
// versioned folder is published where the link points; the link stays.
func TestPublishThroughSymlink(t *testing.T) {
	root := t.TempDir()
	target := filepath.Join(root, "releases", "v3")
	os.MkdirAll(target, 0o755)
	link := filepath.Join(root, "public")
	if err := os.Symlink(filepath.Join("releases", "v3"), link); err != nil {
		t.Fatal(err)
	}
	for _, version := range []string{"a", "b"} {
		rep, err := tree.Publish(link, synthetic(4, version), tree.PublishOptions{NoSync: true})
		if err != nil {
			t.Fatal(err)
		}
		if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
			t.Fatalf("the link was replaced: %v, %v", st.Mode(), err)
		}
		if got, _ := os.Readlink(link); got != filepath.Join("releases", "v3") {
			t.Errorf("link now points at %s", got)
		}
		if m := checkTree(t, target); m.Release != tree.NewManifest(synthetic(4, version)).Release {
			t.Errorf("release %s is not where the link points", version)
		}
		if !strings.Contains(rep.String(), "→ "+target) {
			t.Errorf("report does not say where the tree went:\n%s", rep)
		}
	}
	// Through the link and directly, builds share one lock, beside the
	// link's target; it is gone when the build ends.
	o, err := tree.OpenOutput(context.Background(), link, tree.OpenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "releases", ".v3.lock")); err != nil {
		t.Errorf("the lock is not beside the link's target: %v", err)
	}
	if _, err := tree.Publish(target, synthetic(4, "c"), tree.PublishOptions{NoSync: true}); !errors.Is(err, tree.ErrLocked) {
		t.Errorf("publishing the target while the link is locked: %v", err)
	}
	o.Close()
	if _, err := os.Lstat(filepath.Join(root, "releases", ".v3.lock")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the lock file stays after the build: %v", err)
	}
	// A dangling link is refused and left as it is.
	dangling := filepath.Join(root, "gone")
	os.Symlink(filepath.Join(root, "releases", "v9"), dangling)
	if _, err := tree.Publish(dangling, synthetic(2, "d"), tree.PublishOptions{NoSync: true}); err == nil || !strings.Contains(err.Error(), "symbolic link") {
		t.Errorf("dangling link: %v", err)
	}
	if st, err := os.Lstat(dangling); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Error("the dangling link was replaced")
	}
}

// TestPublishLeftovers: trees left by killed builds are removed when they
// are recognisably a build's (marked, a whole tree of its manifest, or
// empty); a folder merely named like one is left alone with a warning.
func TestPublishLeftovers(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "public")
	marked := filepath.Join(parent, ".public.new-1")
	os.MkdirAll(filepath.Join(marked, "api", "rooms"), 0o755)
	os.WriteFile(filepath.Join(marked, ".occupancy-build"), []byte("occupancy build: this folder is a tree being written or removed\npid 1\n"), 0o644)
	os.WriteFile(filepath.Join(marked, "api", "rooms", "x.json"), []byte("{}"), 0o644)
	whole := filepath.Join(parent, ".public.new-2")
	if _, err := tree.Publish(whole, synthetic(3, "old"), tree.PublishOptions{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	empty := filepath.Join(parent, ".public.new-3")
	os.Mkdir(empty, 0o755)
	foreign := filepath.Join(parent, ".public.new-mine")
	os.MkdirAll(foreign, 0o755)
	os.WriteFile(filepath.Join(foreign, "draft.txt"), []byte("mine"), 0o644)
	forged := filepath.Join(parent, ".public.new-4") // a marker without its text
	os.MkdirAll(forged, 0o755)
	os.WriteFile(filepath.Join(forged, ".occupancy-build"), []byte("hello"), 0o644)
	os.WriteFile(filepath.Join(forged, "keep.txt"), []byte("mine"), 0o644)

	rep, err := tree.Publish(dir, synthetic(2, "a"), tree.PublishOptions{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, gone := range []string{marked, whole, empty} {
		if _, err := os.Lstat(gone); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s: a build's leftover was not removed: %v", filepath.Base(gone), err)
		}
	}
	for kept, file := range map[string]string{foreign: "draft.txt", forged: "keep.txt"} {
		if data, err := os.ReadFile(filepath.Join(kept, file)); err != nil || string(data) != "mine" {
			t.Errorf("%s was touched: %q, %v", kept, data, err)
		}
		found := false
		for _, w := range rep.Warnings {
			found = found || strings.Contains(w, kept)
		}
		if !found {
			t.Errorf("no warning names %s: %q", kept, rep.Warnings)
		}
	}
	checkTree(t, dir)
}

func TestParseManifest(t *testing.T) {
	good := tree.NewManifest(synthetic(2, "a"))
	data, err := json.Marshal(good)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.ParseManifest(data); err != nil {
		t.Fatalf("a build's own manifest: %v", err)
	}
	sum := good.Files[0].SHA256
	for name, text := range map[string]string{
		"web app manifest": `{"name":"x","icons":[]}`,
		"extra field":      `{"version":1,"release":"` + good.Release + `","files":[],"name":"x"}`,
		"wrong release":    `{"version":1,"release":"` + good.Release + `","files":[]}`,
		"trailing data":    string(data) + `{}`,
		"absolute path":    `{"version":1,"release":"","files":[{"path":"/etc/passwd","kind":"x","sha256":"` + sum + `","size":1}]}`,
		"dot-dot path":     `{"version":1,"release":"","files":[{"path":"../x","kind":"x","sha256":"` + sum + `","size":1}]}`,
		"bad hash":         `{"version":1,"release":"","files":[{"path":"a","kind":"x","sha256":"zz","size":1}]}`,
		"unsorted":         `{"version":1,"release":"","files":[{"path":"b","kind":"x","sha256":"` + sum + `","size":1},{"path":"a","kind":"x","sha256":"` + sum + `","size":1}]}`,
		"lists itself":     `{"version":1,"release":"","files":[{"path":"manifest.json","kind":"x","sha256":"` + sum + `","size":1}]}`,
		"unknown encoding": `{"version":1,"release":"","files":[{"path":"a.zz","kind":"x","sha256":"` + sum + `","size":1,"encoding":"zstd"}]}`,
		"not JSON":         `<html>`,
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := tree.ParseManifest([]byte(text)); err == nil {
				t.Errorf("%s: accepted", name)
			}
		})
	}
}

// manifestText is m as JSON with its version and inputs replaced.
//
// Before version 4 the release was a hash of every file (see
// [tree.TreeHash]); the text holds the one its version has.
func manifestText(t testing.TB, m *tree.Manifest, version int, inputs string) []byte {
	t.Helper()
	c := *m
	c.Version, c.Inputs = version, inputs
	if version < 4 {
		c.Release = tree.TreeHash(c.Files)
	}
	data, err := json.Marshal(&c)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestParseManifestVersions: version 1 (no inputs) and versions 2 to 4
// (with or without inputs) are read; other versions, inputs on a version 1
// manifest, and inputs that are not a lowercase hex SHA-256 are refused.
func TestParseManifestVersions(t *testing.T) {
	m := tree.NewManifest(synthetic(2, "a"))
	hex64 := strings.Repeat("0123456789abcdef", 4)
	for _, tc := range []struct {
		name    string
		version int
		inputs  string
		ok      bool
	}{
		{name: "v1", version: 1, ok: true},
		{name: "v2 with inputs", version: 2, inputs: hex64, ok: true},
		{name: "v2 without inputs", version: 2, ok: true},
		{name: "v3", version: 3, ok: true},
		{name: "v3 with inputs", version: 3, inputs: hex64, ok: true},
		{name: "v4", version: 4, ok: true},
		{name: "v4 with inputs", version: 4, inputs: hex64, ok: true},
		{name: "v5", version: 5},
		{name: "v0", version: 0},
		{name: "negative version", version: -1},
		{name: "v1 with inputs", version: 1, inputs: hex64},
		{name: "inputs uppercase", version: 2, inputs: strings.ToUpper(hex64)},
		{name: "inputs not hex", version: 2, inputs: hex64[:63] + "g"},
		{name: "inputs short", version: 2, inputs: hex64[:62]},
		{name: "inputs long", version: 2, inputs: hex64 + "00"},
		{name: "inputs with a space", version: 2, inputs: " " + hex64[1:]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tree.ParseManifest(manifestText(t, m, tc.version, tc.inputs))
			if (err == nil) != tc.ok {
				t.Fatalf("ParseManifest: %v, want accepted %v", err, tc.ok)
			}
			want := m.Release
			if tc.version < 4 {
				want = tree.TreeHash(m.Files)
			}
			if err == nil && (got.Version != tc.version || got.Inputs != tc.inputs || got.Release != want || len(got.Files) != len(m.Files)) {
				t.Errorf("read %+v, want version %d inputs %q of %+v", got, tc.version, tc.inputs, m)
			}
		})
	}
}

// TestParseManifestEntryInputs: a file's inputs hash is read from version
// 3 on, on an original only, as 32 lowercase hex digits.
func TestParseManifestEntryInputs(t *testing.T) {
	hex32 := strings.Repeat("0123456789abcdef", 2)
	for _, tc := range []struct {
		name     string
		version  int
		inputs   string
		encoding string
		ok       bool
	}{
		{name: "v3", version: 3, inputs: hex32, ok: true},
		{name: "v3 none", version: 3, ok: true},
		{name: "v2", version: 2, inputs: hex32},
		{name: "on a copy", version: 3, inputs: hex32, encoding: "gzip"},
		{name: "short", version: 3, inputs: hex32[:31]},
		{name: "a SHA-256", version: 3, inputs: hex32 + hex32},
		{name: "uppercase", version: 3, inputs: strings.ToUpper(hex32)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := tree.NewManifest(synthetic(2, "a"))
			m.Files[0].Inputs, m.Files[0].Encoding = tc.inputs, tc.encoding
			got, err := tree.ParseManifest(manifestText(t, m, tc.version, ""))
			if (err == nil) != tc.ok {
				t.Fatalf("ParseManifest: %v, want accepted %v", err, tc.ok)
			}
			if err == nil && got.Files[0].Inputs != tc.inputs {
				t.Errorf("read inputs %q, want %q", got.Files[0].Inputs, tc.inputs)
			}
		})
	}
}

// FuzzParseManifest: whatever a folder's manifest.json holds, ParseManifest
// never panics, and what it accepts is a manifest it would write: marshalled
// again, it parses to the same value.
func FuzzParseManifest(f *testing.F) {
	good, _ := json.Marshal(tree.NewManifest(synthetic(3, "a")))
	f.Add(good)
	f.Add([]byte(`{"version":1,"release":"` + tree.NewManifest(nil).Release + `","files":[]}`))
	f.Add([]byte(`{"name":"My PWA","icons":[]}`))
	f.Add([]byte(`{"version":1,"release":"","files":[{"path":"../x","kind":"x","sha256":"","size":1}]}`))
	// Version 2 and its inputs.
	m := tree.NewManifest(synthetic(2, "a"))
	hex64 := strings.Repeat("0123456789abcdef", 4)
	f.Add(manifestText(f, m, 1, ""))
	f.Add(manifestText(f, m, 2, ""))
	f.Add(manifestText(f, m, 2, hex64))
	f.Add(manifestText(f, m, 3, hex64))
	f.Add(manifestText(f, m, 1, hex64))
	f.Add(manifestText(f, m, 2, strings.ToUpper(hex64)))
	f.Add(manifestText(f, m, 2, hex64[:63]+"z"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := tree.ParseManifest(data)
		if err != nil {
			return
		}
		again, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := tree.ParseManifest(again)
		if err != nil {
			t.Fatalf("an accepted manifest, marshalled again, is refused: %v", err)
		}
		if len(m2.Files) != len(m.Files) || m2.Release != m.Release || m2.Version != m.Version || m2.Inputs != m.Inputs {
			t.Fatal("an accepted manifest changes when marshalled again")
		}
	})
}
