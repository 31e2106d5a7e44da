package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
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

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sample"
)

// buildQuick runs the command without compressed copies, which these
// tests do not look at (they are the build's slowest step).
func buildQuick(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	return build(t, append([]string{"-no-compress"}, args...)...)
}

// checkPublished verifies that the tree at dir holds exactly the files its
// manifest lists, with their hashes, and returns the manifest.
func checkPublished(t *testing.T, dir string) *tree.Manifest {
	t.Helper()
	m, err := tree.ReadManifest(dir)
	if err != nil || m == nil {
		t.Fatalf("manifest of %s: %v, %v", dir, m, err)
	}
	want := map[string]string{tree.ManifestName: ""}
	for _, e := range m.Files {
		want[e.Path] = e.SHA256
	}
	seen := 0
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		sum, ok := want[filepath.ToSlash(rel)]
		if !ok {
			t.Errorf("%s: not in the manifest", rel)
			return nil
		}
		seen++
		if sum != "" {
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != sum {
				t.Errorf("%s: content does not match the manifest", rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if seen != len(want) {
		t.Errorf("%s holds %d of the %d files of its manifest", dir, seen, len(want))
	}
	return m
}

// fileStates records every entry under root (content or link target, and
// modification time), to prove that a refused build touched nothing.
func fileStates(t *testing.T, root string) map[string]string {
	t.Helper()
	got := map[string]string{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err // root's own time changes with the lock file beside the output
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		state := info.Mode().String() + " " + info.ModTime().String()
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			state += " → " + target
		case d.Type().IsRegular():
			data, _ := os.ReadFile(p)
			sum := sha256.Sum256(data)
			state += " " + hex.EncodeToString(sum[:8])
		}
		got[p] = state
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func unchanged(t *testing.T, what string, before, after map[string]string) {
	t.Helper()
	for k, v := range before {
		if after[k] != v {
			t.Errorf("%s: %s changed or vanished", what, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok {
			t.Errorf("%s: %s appeared", what, k)
		}
	}
}

// sampleRaw reads the embedded sample as sheets, to be changed and written.
func sampleRaw(t *testing.T) *source.Raw {
	t.Helper()
	raw, err := csv.ReadFS(sample.Files(), "sample", csv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// smallRelease writes rebuildRelease, a release of five rooms and four
// courses, as a CSV folder in dir and returns dir: the release of the tests
// whose subject is the output folder rather than what is built into it. It
// builds in a fraction of a second, where the sample takes seconds under
// the race detector.
func smallRelease(t *testing.T, dir string) string {
	t.Helper()
	return writeRelease(t, dir, rebuildRelease())
}

func writeRelease(t *testing.T, dir string, raw *source.Raw) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := csv.WriteDir(dir, raw); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestBuildRefusesOutputsItDidNotWrite: the operator mistakes of issue 11,
// through the command: each is refused with exit status 5, and nothing
// under the folder changes.
func TestBuildRefusesOutputsItDidNotWrite(t *testing.T) {
	t.Parallel()
	t.Run("a web project's public/ with its own manifest.json", func(t *testing.T) {
		root := t.TempDir()
		pub := filepath.Join(root, "public")
		os.MkdirAll(pub, 0o755)
		os.WriteFile(filepath.Join(pub, "manifest.json"), []byte(`{"name":"Campus app","short_name":"app","start_url":"/","display":"standalone","icons":[]}`), 0o644)
		os.WriteFile(filepath.Join(pub, "index.html"), []byte("<!doctype html><title>app</title>"), 0o644)
		os.WriteFile(filepath.Join(pub, "robots.txt"), []byte("User-agent: *\nDisallow:\n"), 0o644)
		src := smallRelease(t, filepath.Join(t.TempDir(), "release"))
		before := fileStates(t, root)
		_, stderr, err := buildQuick(t, "-in", src, "-out", pub)
		if exitCode(err) != exitRefused || !strings.Contains(err.Error(), "did not write") {
			t.Fatalf("exit %d: %v\n%s", exitCode(err), err, stderr)
		}
		unchanged(t, "web project", before, fileStates(t, root))
	})
	t.Run("a release kept inside the output", func(t *testing.T) {
		root := t.TempDir()
		pub := filepath.Join(root, "pub")
		if _, stderr, err := buildQuick(t, "-in", smallRelease(t, filepath.Join(t.TempDir(), "release")), "-out", pub); err != nil {
			t.Fatalf("%v\n%s", err, stderr)
		}
		src := smallRelease(t, filepath.Join(pub, "release-src"))
		os.WriteFile(filepath.Join(pub, "README-ops.txt"), []byte("rebuild with make"), 0o644)
		before := fileStates(t, root)
		_, stderr, err := buildQuick(t, "-in", src, "-out", pub)
		if exitCode(err) != exitRefused || !strings.Contains(err.Error(), "inside the output folder") {
			t.Fatalf("exit %d: %v\n%s", exitCode(err), err, stderr)
		}
		unchanged(t, "release inside the output", before, fileStates(t, root))
		// Without -in pointing there, the operator's files still stop it.
		_, _, err = buildQuick(t, "-in", smallRelease(t, filepath.Join(t.TempDir(), "release")), "-out", pub)
		if exitCode(err) != exitRefused || !strings.Contains(err.Error(), "README-ops.txt") {
			t.Fatalf("exit %d: %v", exitCode(err), err)
		}
		unchanged(t, "operator's files in the output", before, fileStates(t, root))
	})
	t.Run("the output inside the release", func(t *testing.T) {
		root := t.TempDir()
		src := smallRelease(t, filepath.Join(root, "release"))
		before := fileStates(t, root)
		_, _, err := buildQuick(t, "-in", src, "-out", filepath.Join(src, "public"))
		if exitCode(err) != exitRefused || !strings.Contains(err.Error(), "inside the release") {
			t.Fatalf("exit %d: %v", exitCode(err), err)
		}
		unchanged(t, "output inside the release", before, fileStates(t, root))
	})
}

// TestBuildThroughSymlinkedOut: "public" pointing at a versioned folder
// stays a link, and the release lands where it points.
func TestBuildThroughSymlinkedOut(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	v1 := filepath.Join(root, "releases", "2026-fall")
	os.MkdirAll(v1, 0o755)
	link := filepath.Join(root, "public")
	os.Symlink("releases/2026-fall", link)
	src := smallRelease(t, filepath.Join(t.TempDir(), "release"))
	stdout, stderr, err := buildQuick(t, "-in", src, "-out", link)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if st, err := os.Lstat(link); err != nil || st.Mode()&fs.ModeSymlink == 0 {
		t.Fatal("the symbolic link was replaced by a folder")
	}
	if target, _ := os.Readlink(link); target != "releases/2026-fall" {
		t.Errorf("link points at %s", target)
	}
	checkPublished(t, v1)
	if !strings.Contains(stdout, v1) {
		t.Errorf("report does not say where the tree went:\n%s", stdout)
	}
}

// slowBuildChild runs the build in a child process (this test binary)
// whose publication stops at the flush for BUILD_CHILD_PAUSE, after
// creating the file BUILD_CHILD_SIGNAL: a slow disk, at the moment that
// matters most.
func slowBuildChild(t *testing.T, pause time.Duration, signal string, args ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestBuildChild$")
	cmd.Env = append(os.Environ(),
		"BUILD_CHILD_ARGS="+strings.Join(args, "\x1f"),
		"BUILD_CHILD_PAUSE="+pause.String(),
		"BUILD_CHILD_SIGNAL="+signal)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	t.Cleanup(func() {
		if cmd.ProcessState == nil && cmd.Process != nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
		if t.Failed() {
			t.Logf("child build output:\n%s", out.String())
		}
	})
	return cmd
}

// TestBuildChild is the child of slowBuildChild; it does nothing in a
// normal test run.
func TestBuildChild(t *testing.T) {
	args := os.Getenv("BUILD_CHILD_ARGS")
	if args == "" {
		return
	}
	pause, _ := time.ParseDuration(os.Getenv("BUILD_CHILD_PAUSE"))
	publishStage = func(stage string) {
		if stage == tree.StageFlush {
			os.WriteFile(os.Getenv("BUILD_CHILD_SIGNAL"), []byte(strconv.Itoa(os.Getpid())), 0o644)
			time.Sleep(pause)
		}
	}
	err := run(context.Background(), strings.Split(args, "\x1f"), os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "build:", err)
	}
	os.Exit(exitCode(err))
}

func waitForFile(t *testing.T, name string, cmd *exec.Cmd) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(name); err == nil {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the child build never reached its flush")
}

// TestTwoBuildsRace: a build slowed in its final flush holds the output;
// a second build into the same folder fails at once with exit status 3
// naming the first, without touching its half-written tree; the first
// publishes a tree that matches its manifest. With -wait, the second
// queues behind the first and publishes after it.
func TestTwoBuildsRace(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	out := filepath.Join(root, "public")
	small := smallRelease(t, filepath.Join(root, "small"))
	if _, stderr, err := buildQuick(t, "-in", small, "-out", out); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	raw := rebuildRelease()
	raw.Rooms.Rows[0].Capacity = "999" // a release that differs
	src := writeRelease(t, filepath.Join(root, "release"), raw)
	// The release id src's tree will have, from its files as rendered.
	rel, err := source.Check(raw)
	if err != nil {
		t.Fatal(err)
	}
	files, err := generator.Render(rel, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	released := tree.NewManifest(files).Release
	smallReleased := checkPublished(t, out).Release

	for _, wait := range []bool{false, true} {
		t.Run(fmt.Sprintf("wait=%v", wait), func(t *testing.T) {
			if _, stderr, err := buildQuick(t, "-in", small, "-out", out); err != nil { // small is published
				t.Fatalf("%v\n%s", err, stderr)
			}
			signal := filepath.Join(t.TempDir(), "flushing")
			first := slowBuildChild(t, 2*time.Second, signal, "-q", "-no-sync", "-no-compress", "-in", src, "-out", out)
			if err := first.Start(); err != nil {
				t.Fatal(err)
			}
			waitForFile(t, signal, first)
			pending, _ := filepath.Glob(filepath.Join(root, ".public.new-*"))
			args := []string{"-in", small, "-out", out}
			if wait {
				args = append(args, "-wait", "2m")
			}
			_, stderr, err := buildQuick(t, args...)
			if wait {
				if err != nil {
					t.Fatalf("the waiting build: %v\n%s", err, stderr)
				}
			} else {
				if exitCode(err) != exitLocked || !strings.Contains(err.Error(), "pid "+strconv.Itoa(first.Process.Pid)) {
					t.Fatalf("the second build: exit %d, %v; want %d naming pid %d", exitCode(err), err, exitLocked, first.Process.Pid)
				}
				for _, p := range pending {
					if _, err := os.Stat(p); err != nil {
						t.Errorf("the second build touched the first one's new tree %s: %v", p, err)
					}
				}
			}
			if err := first.Wait(); err != nil {
				t.Fatalf("the slowed build failed: %v", err)
			}
			m := checkPublished(t, out)
			switch {
			case !wait && m.Release != released:
				t.Errorf("the slowed build's release is not published")
			case wait && m.Release != smallReleased:
				t.Errorf("the waiting build did not publish after the first one")
			}
			if left, _ := filepath.Glob(filepath.Join(root, ".public.new-*")); len(left) != 0 {
				t.Errorf("trees left behind: %v", left)
			}
		})
	}
}

// TestMisSavedCSV: a sheet saved as "CSV (Macintosh)" (CR-only line ends)
// reads like the same sheet saved normally; one saved as UTF-16 is named
// as such, and nothing is published.
func TestMisSavedCSV(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	normal := smallRelease(t, filepath.Join(root, "normal"))
	src := smallRelease(t, filepath.Join(root, "release"))
	name := filepath.Join(src, "sessions.csv")
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	lf := bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n"))
	os.WriteFile(name, bytes.ReplaceAll(lf, []byte("\n"), []byte("\r")), 0o644)
	out := filepath.Join(root, "public")
	if _, stderr, err := buildQuick(t, "-in", src, "-out", out); err != nil {
		t.Fatalf("CR-only sessions.csv: %v\n%s", err, stderr)
	}
	normalOut := filepath.Join(root, "normal-public")
	if _, stderr, err := buildQuick(t, "-in", normal, "-out", normalOut); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if a, b := checkPublished(t, out).Release, checkPublished(t, normalOut).Release; a != b {
		t.Error("the CR-only sessions.csv gives another tree than the same sheet saved normally")
	}

	// UTF-16 (little-endian with a byte order mark, as Excel's "Unicode
	// Text" writes it).
	u16 := []byte{0xff, 0xfe}
	for _, r := range string(lf) {
		u16 = append(u16, byte(r), byte(r>>8))
	}
	os.WriteFile(name, u16, 0o644)
	before := fileStates(t, root)
	_, stderr, err := buildQuick(t, "-in", src, "-out", out)
	if err == nil || !strings.Contains(stderr, "UTF-16") || !strings.Contains(stderr, "sessions.csv") {
		t.Fatalf("UTF-16 sessions.csv: %v\n%s", err, stderr)
	}
	unchanged(t, "UTF-16 release", before, fileStates(t, root))
}

// TestShrinkGuard: a release that loses most of the published sessions is
// refused with exit status 4 and a summary, the output left as it was;
// -allow-shrink publishes it.
func TestShrinkGuard(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	out := filepath.Join(root, "public")
	if _, stderr, err := buildQuick(t, "-out", out); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	raw := sampleRaw(t)
	kept := len(raw.Sessions.Rows) / 10
	raw.Sessions.Rows = raw.Sessions.Rows[:kept]
	src := writeRelease(t, filepath.Join(root, "release"), raw)
	before := fileStates(t, root)
	_, stderr, err := buildQuick(t, "-in", src, "-out", out)
	if exitCode(err) != exitShrink || !strings.Contains(err.Error(), "sessions") || !strings.Contains(err.Error(), "-allow-shrink") {
		t.Fatalf("exit %d: %v\n%s", exitCode(err), err, stderr)
	}
	if !strings.Contains(stderr, "removed") {
		t.Errorf("no summary of what would disappear:\n%s", stderr)
	}
	unchanged(t, "refused release", before, fileStates(t, root))

	// A higher limit lets it through only if it covers the loss.
	if _, _, err := buildQuick(t, "-in", src, "-out", out, "-max-removed", "50"); exitCode(err) != exitShrink {
		t.Errorf("-max-removed 50 with 90%% removed: %v", err)
	}
	stdout, stderr, err := buildQuick(t, "-in", src, "-out", out, "-allow-shrink")
	if err != nil {
		t.Fatalf("-allow-shrink: %v\n%s", err, stderr)
	}
	checkPublished(t, out)
	if !strings.Contains(stdout, "sessions") {
		t.Errorf("the report does not summarise the change:\n%s", stdout)
	}

	// An emptied sheet is refused whatever its size.
	raw = sampleRaw(t)
	raw.Sessions.Rows = raw.Sessions.Rows[:kept]
	raw.Bookings.Rows = nil
	writeRelease(t, src, raw)
	if _, _, err := buildQuick(t, "-in", src, "-out", out); exitCode(err) != exitShrink || !strings.Contains(err.Error(), "bookings") {
		t.Errorf("emptied bookings: exit %d, %v", exitCode(err), err)
	}
}

// TestPlan: -plan prints what a changed release would add, change, move
// and remove, and publishes nothing.
func TestPlan(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	out := filepath.Join(root, "public")
	if _, stderr, err := buildQuick(t, "-out", out); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	raw := sampleRaw(t)
	// Move one weekly session to another room, and change a room.
	s := &raw.Sessions.Rows[0]
	for i := range raw.Sessions.Rows {
		if r := raw.Sessions.Rows[i].Rooms; r != "" && !strings.Contains(r, ";") {
			s = &raw.Sessions.Rows[i]
			break
		}
	}
	oldRoom := s.Rooms
	newRoom := raw.Rooms.Rows[len(raw.Rooms.Rows)-1].Name
	for i := len(raw.Rooms.Rows) - 1; i >= 0 && (newRoom == oldRoom || raw.Rooms.Rows[i].Available == "false"); i-- {
		newRoom = raw.Rooms.Rows[i].Name
	}
	s.Rooms = newRoom
	raw.Rooms.Rows[0].Capacity = "777"
	src := writeRelease(t, filepath.Join(root, "release"), raw)
	before := fileStates(t, root)
	stdout, stderr, err := buildQuick(t, "-in", src, "-out", out, "-plan")
	if err != nil {
		t.Fatalf("-plan: %v\n%s", err, stderr)
	}
	for _, want := range []string{"nothing published", "moved", s.Course, oldRoom, newRoom, "777", "rooms", "sessions"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, stdout)
		}
	}
	unchanged(t, "plan", before, fileStates(t, root))
	if testing.Verbose() {
		t.Logf("plan:\n%s", stdout)
	}
	// A plan of a release the build would refuse says so, with its status.
	raw.Sessions.Rows = raw.Sessions.Rows[:5]
	writeRelease(t, src, raw)
	before = fileStates(t, root)
	stdout, _, err = buildQuick(t, "-in", src, "-out", out, "-plan")
	if exitCode(err) != exitShrink || !strings.Contains(stdout, "would refuse") {
		t.Errorf("plan of a shrinking release: exit %d\n%s", exitCode(err), stdout)
	}
	unchanged(t, "plan", before, fileStates(t, root))
	// A plan for a folder never published lists everything as added.
	stdout, _, err = buildQuick(t, "-in", src, "-out", filepath.Join(root, "nowhere", "public"), "-plan")
	if err != nil || !strings.Contains(stdout, "added") {
		t.Errorf("plan for a new folder: %v\n%s", err, stdout)
	}
	if _, err := os.Stat(filepath.Join(root, "nowhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Error("a plan created the output's folder")
	}
}
