package objstore

import (
	"context"
	"errors"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"occupancy/generator/tree"
)

// Publish against a Store in memory (memStore): the order of its
// requests, what it leaves alone, and what each failure leaves behind.
// s3_test.go checks the same against a real server.

// release1 is a tree's files; release2 is the next release: two files
// changed, one added, one room removed with its calendar, a new snapshot.
// The rooms list is long enough to get gzip and brotli copies.
func release1() map[string]string {
	return map[string]string{
		"api/rooms/index.json":   `[` + strings.Repeat(`{"id":"A","name":"Room A"},`, 40) + `{"id":"C"}]`,
		"api/rooms/A/index.json": `{"id":"A","capacity":10}`,
		"api/rooms/B/index.json": `{"id":"B"}`,
		"api/rooms/B.ics":        "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n",
		"api/rooms/C/index.json": `{"id":"C"}`,
		"index.html":             "<!doctype html><title>rooms</title>",
		"app/main.js":            "console.log('rooms')",
		tree.SnapshotName:        "snapshot 1",
	}
}

func release2() map[string]string {
	m := release1()
	delete(m, "api/rooms/B/index.json")
	delete(m, "api/rooms/B.ics")
	m["api/rooms/index.json"] = `[` + strings.Repeat(`{"id":"A","name":"Room A"},`, 41) + `{"id":"D"}]`
	m["api/rooms/A/index.json"] = `{"id":"A","capacity":12}`
	m["api/rooms/D/index.json"] = `{"id":"D"}`
	m[tree.SnapshotName] = "snapshot 2"
	return m
}

// stale2 are the keys (under the prefix) that publishing release 2 over
// release 1 deletes.
var stale2 = []string{"api/rooms/B.ics", "api/rooms/B/index.json"}

// pubFixture is a bucket holding release 1 under a target, and the
// trees of both releases.
type pubFixture struct {
	m      *memStore
	tg     Target
	d1, d2 string
	l1, l2 Local
}

// newPubFixture publishes release 1 to a new store under prefix, after
// seed has put its objects there.
func newPubFixture(t *testing.T, prefix string, seed func(*memStore, Target)) *pubFixture {
	t.Helper()
	f := &pubFixture{m: newMemStore("site"), tg: Target{Bucket: "site", Prefix: prefix}}
	f.d1, f.d2 = treeDir(t, release1()), treeDir(t, release2())
	var err error
	if f.l1, err = ReadLocal(f.d1); err != nil {
		t.Fatal(err)
	}
	if f.l2, err = ReadLocal(f.d2); err != nil {
		t.Fatal(err)
	}
	if seed != nil {
		seed(f.m, f.tg)
	}
	if _, err := Publish(context.Background(), f.m, f.tg, f.d1, Options{}); err != nil {
		t.Fatal(err)
	}
	return f
}

// keysOf returns the keys of the tree paths under the target.
func keysOf(tg Target, paths ...string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = tg.Key(p)
	}
	return out
}

// filter returns the changes of kind op ("put", "remove") as keys.
func filter(changes []string, op string) []string {
	var out []string
	for _, c := range changes {
		if k, ok := strings.CutPrefix(c, op+" "); ok {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// checkPublishOrder checks the puts and removes of one publication
// against what Publish promises: every file before manifest.json,
// manifest.json before the snapshot, and every remove after the last put.
func checkPublishOrder(t *testing.T, tg Target, changes []string) {
	t.Helper()
	man := slices.Index(changes, "put "+tg.Key(tree.ManifestName))
	snap := slices.Index(changes, "put "+tg.Key(tree.SnapshotName))
	lastPut, firstRemove := -1, len(changes)
	for i, c := range changes {
		if strings.HasPrefix(c, "put ") {
			lastPut = i
		} else if firstRemove == len(changes) {
			firstRemove = i
		}
		if strings.HasPrefix(c, "put ") && i != man && i != snap && ((man >= 0 && i > man) || (snap >= 0 && i > snap)) {
			t.Errorf("%s after manifest.json or the snapshot: %q", c, changes)
		}
	}
	if man >= 0 && snap >= 0 && snap < man {
		t.Errorf("the snapshot put before manifest.json: %q", changes)
	}
	if firstRemove < lastPut {
		t.Errorf("%s before %s: %q", changes[firstRemove], changes[lastPut], changes)
	}
}

// checkComplete checks that every file of the release the bucket
// announces is in the bucket.
func checkComplete(t *testing.T, m *memStore, tg Target, trees ...Local) {
	t.Helper()
	rel := m.announced(tg)
	for _, l := range trees {
		if l.Manifest.Release != rel {
			continue
		}
		for _, e := range l.Manifest.Files {
			if _, ok := m.object(tg.Bucket, tg.Key(e.Path)); !ok {
				t.Errorf("release %.12s announced, but %s is missing", rel, e.Path)
			}
		}
		return
	}
	t.Errorf("the bucket announces release %q, none of the trees'", rel)
}

// memHolds checks that the bucket holds exactly the tree at dir under the
// target, each object with the file's bytes, headers and metadata, and
// besides only the keys in keep.
func memHolds(t *testing.T, m *memStore, tg Target, dir string, keep ...string) {
	t.Helper()
	local, err := ReadLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]tree.ManifestEntry{tree.ManifestName: {Path: tree.ManifestName, SHA256: sha256Hex(local.ManifestData), Size: len(local.ManifestData)}}
	for _, e := range local.Manifest.Files {
		want[e.Path] = e
	}
	for _, k := range m.keys(tg.Bucket) {
		p, under := tg.path(k)
		if _, ok := want[p]; (!under || !ok) && !slices.Contains(keep, k) {
			t.Errorf("the bucket holds %s, not the tree's", k)
		}
	}
	for _, p := range slices.Sorted(maps.Keys(want)) {
		e := want[p]
		o, ok := m.object(tg.Bucket, tg.Key(p))
		if !ok {
			t.Errorf("%s missing", tg.Key(p))
			continue
		}
		if sha256Hex(o.data) != e.SHA256 {
			t.Errorf("%s: not the tree's bytes", tg.Key(p))
		}
		if o.headers != HeadersFor(e) {
			t.Errorf("%s: headers %+v, want %+v", tg.Key(p), o.headers, HeadersFor(e))
		}
		meta := map[string]string{MetaSHA256: e.SHA256, MetaPath: p}
		if p == tree.ManifestName || p == tree.SnapshotName {
			meta[MetaRelease] = local.Manifest.Release
		}
		if !maps.Equal(o.meta, meta) {
			t.Errorf("%s: metadata %v, want %v", tg.Key(p), o.meta, meta)
		}
	}
}

// opLog collects the calls of Options.Op.
type opLog struct {
	mu  sync.Mutex
	ops []string
}

func (l *opLog) op(op, path string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ops = append(l.ops, op+" "+path)
}

func TestPublishOrder(t *testing.T) {
	for _, tc := range []struct {
		name       string
		prefix     string
		first      bool // publish release 1 to an empty bucket, else release 2 over release 1
		workers    int
		wantRemove []string
	}{
		{name: "first publication", prefix: "live", first: true},
		{name: "first publication at the bucket root", first: true},
		{name: "new release", prefix: "live", wantRemove: stale2},
		{name: "new release under a nested prefix", prefix: "site/live", wantRemove: stale2},
		{name: "new release at the bucket root", wantRemove: stale2},
		{name: "new release, one worker", prefix: "live", workers: 1, wantRemove: stale2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPubFixture(t, tc.prefix, nil)
			dir, l := f.d2, f.l2
			if tc.first {
				f.m = newMemStore("site")
				dir, l = f.d1, f.l1
			}
			n := f.m.logLen()
			var ops opLog
			res, err := Publish(context.Background(), f.m, f.tg, dir, Options{Workers: tc.workers, Op: ops.op})
			if err != nil {
				t.Fatal(err)
			}
			changes := f.m.changes(n)
			checkPublishOrder(t, f.tg, changes)
			memHolds(t, f.m, f.tg, dir)
			if got := f.m.announced(f.tg); got != l.Manifest.Release {
				t.Errorf("announced %q, want %q", got, l.Manifest.Release)
			}
			if got, want := filter(changes, "remove"), keysOf(f.tg, tc.wantRemove...); !slices.Equal(got, want) {
				t.Errorf("removed %q, want %q", got, want)
			}
			puts := filter(changes, "put")
			if !slices.Contains(puts, f.tg.Key(tree.SnapshotName)) || !slices.Contains(puts, f.tg.Key(tree.ManifestName)) {
				t.Errorf("puts %q: no manifest.json or snapshot", puts)
			}
			var bytes int64
			for _, k := range puts {
				o, _ := f.m.object(f.tg.Bucket, k)
				bytes += int64(len(o.data))
			}
			if res.Uploaded != len(puts) || res.UploadedBytes != bytes || res.Deleted != len(tc.wantRemove) {
				t.Errorf("result: %d uploads (%d bytes), %d deletes; the store saw %d (%d bytes), %d", res.Uploaded, res.UploadedBytes, res.Deleted, len(puts), bytes, len(tc.wantRemove))
			}
			// Options.Op is told of each request, by tree path.
			var want []string
			for _, c := range changes {
				op, key, _ := strings.Cut(c, " ")
				p, _ := f.tg.path(key)
				want = append(want, strings.Replace(op, "remove", "delete", 1)+" "+p)
			}
			slices.Sort(ops.ops)
			slices.Sort(want)
			if !slices.Equal(ops.ops, want) {
				t.Errorf("Op calls %q, want %q", ops.ops, want)
			}
		})
	}
}

// TestPublishLeavesOthers: Publish deletes only what a tree of its wrote
// under the target's prefix; it never touches a key beside the prefix, or
// under it but not its own.
func TestPublishLeavesOthers(t *testing.T) {
	for _, prefix := range []string{"live", "site/live"} {
		t.Run(prefix, func(t *testing.T) {
			ours := func(p string) map[string]string {
				return map[string]string{MetaPath: p, MetaSHA256: sha256Hex([]byte("x"))}
			}
			keep := []string{
				"other.txt",                        // beside the prefix
				prefix + "ly/api/rooms/index.json", // in a prefix that starts the same
				prefix + "/images/logo.png",        // under it, outside the tree's folders
				prefix + "/api/rooms/NOTE.txt",     // in a tree folder, not written by Publish
				prefix + "/api/rooms/Y/index.json", // written by Publish, for another path
				prefix + "/api/",                   // a folder marker
			}
			leftover := prefix + "/api/rooms/Z/index.json" // written by Publish, left by an interrupted run
			f := newPubFixture(t, prefix, func(m *memStore, tg Target) {
				for _, k := range keep {
					m.seed("site", k, "keep me", nil)
				}
				m.seed("site", prefix+"/api/rooms/Y/index.json", "keep me", ours("api/rooms/X/index.json"))
				m.seed("site", leftover, "x", ours("api/rooms/Z/index.json"))
			})
			first := f.m.changes(0)
			if got := filter(first, "remove"); !slices.Equal(got, []string{leftover}) {
				t.Errorf("first publication removed %q, want only %s", got, leftover)
			}
			n := f.m.logLen()
			res, err := Publish(context.Background(), f.m, f.tg, f.d2, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := filter(f.m.changes(n), "remove"), keysOf(f.tg, stale2...); !slices.Equal(got, want) {
				t.Errorf("removed %q, want %q", got, want)
			}
			for _, c := range f.m.changes(0) {
				if _, key, _ := strings.Cut(c, " "); !strings.HasPrefix(key, prefix+"/") {
					t.Errorf("%s: outside the prefix", c)
				}
			}
			memHolds(t, f.m, f.tg, f.d2, keep...)
			for _, k := range keep {
				if o, ok := f.m.object("site", k); !ok || string(o.data) != "keep me" {
					t.Errorf("%s was changed or deleted", k)
				}
			}
			// logo.png is outside the tree's folders: not even read.
			if res.Plan.Foreign != 3 || res.Stated != 2 {
				t.Errorf("foreign %d, stated %d; want 3 (logo.png, NOTE.txt, Y) and 2 (NOTE.txt, Y)", res.Plan.Foreign, res.Stated)
			}
		})
	}
}

func TestPublishIdempotent(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prefix string
		second bool // release 2 over release 1, then again; else release 1 again
	}{
		{name: "the first release again", prefix: "live"},
		{name: "a new release again", prefix: "live", second: true},
		{name: "at the bucket root", second: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPubFixture(t, tc.prefix, nil)
			dir := f.d1
			if tc.second {
				dir = f.d2
				if _, err := Publish(context.Background(), f.m, f.tg, dir, Options{}); err != nil {
					t.Fatal(err)
				}
			}
			n := f.m.logLen()
			res, err := Publish(context.Background(), f.m, f.tg, dir, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if ch := f.m.changes(n); len(ch) != 0 {
				t.Errorf("the same tree again: %q", ch)
			}
			if !res.Plan.Empty() || res.Uploaded != 0 || res.Deleted != 0 || res.Stated != 0 {
				t.Errorf("the same tree again: %s, %q, metadata of %d read", res, res.Plan.Ops(), res.Stated)
			}
			if !strings.Contains(res.String(), "already holds") {
				t.Errorf("report %q", res)
			}
			memHolds(t, f.m, f.tg, dir)
		})
	}
}

// failOn returns a fail hook for memStore that fails the request (op,
// key) with an AccessDenied.
func failOn(op, key string) func(string, string) error {
	return func(o, k string) error {
		if o == op && k == key {
			return s3Error("AccessDenied", "injected")
		}
		return nil
	}
}

// TestPublishFailures: a failed request ends the publication. Before the
// snapshot is uploaded, nothing is deleted and the bucket still announces
// its previous release, complete; after it, the new one. The error names
// the request and its key; a re-run completes the job, uploading only
// what the failed run did not.
func TestPublishFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		fail    func(tg Target) func(op, key string) error
		workers int
		wantErr string
		wantOp  string
		// announced: the failure came after the snapshot (Error.Announced),
		// and the bucket announces release 2.
		announced bool
		nilResult bool     // failed before planning: no Result
		wantPuts  []string // when set, the tree paths the failed run put
	}{
		{
			name:    "a file's put",
			fail:    func(tg Target) func(string, string) error { return failOn("put", tg.Key("api/rooms/D/index.json")) },
			wantErr: "upload live/api/rooms/D/index.json: AccessDenied: injected", wantOp: "upload",
		},
		{
			name: "the third put, one worker",
			fail: func(Target) func(string, string) error {
				var n atomic.Int64
				return func(op, _ string) error {
					if op == "put" && n.Add(1) == 3 {
						return s3Error("AccessDenied", "injected")
					}
					return nil
				}
			},
			workers: 1,
			wantErr: "upload live/api/rooms/index.json: AccessDenied: injected", wantOp: "upload",
			wantPuts: []string{"api/rooms/A/index.json", "api/rooms/D/index.json"},
		},
		{
			name:    "manifest.json's put",
			fail:    func(tg Target) func(string, string) error { return failOn("put", tg.Key(tree.ManifestName)) },
			wantErr: "upload live/manifest.json: AccessDenied: injected", wantOp: "upload",
		},
		{
			name:    "the snapshot's put",
			fail:    func(tg Target) func(string, string) error { return failOn("put", tg.Key(tree.SnapshotName)) },
			wantErr: "upload live/occupancy.snapshot: AccessDenied: injected", wantOp: "upload",
		},
		{
			name:    "a remove",
			fail:    func(tg Target) func(string, string) error { return failOn("remove", tg.Key("api/rooms/B/index.json")) },
			workers: 1,
			wantErr: "delete live/api/rooms/B/index.json: AccessDenied: injected", wantOp: "delete", announced: true,
		},
		{
			name:    "the listing",
			fail:    func(tg Target) func(string, string) error { return failOn("list", "live/") },
			wantErr: "list s3://site/live/: AccessDenied: injected", wantOp: "list", nilResult: true,
		},
		{
			name:    "reading manifest.json",
			fail:    func(tg Target) func(string, string) error { return failOn("get", tg.Key(tree.ManifestName)) },
			wantErr: "read live/manifest.json: AccessDenied: injected", wantOp: "read", nilResult: true,
		},
		{
			name:    "a stat",
			fail:    func(tg Target) func(string, string) error { return failOn("stat", tg.Key("api/rooms/NOTE.txt")) },
			wantErr: "stat live/api/rooms/NOTE.txt: AccessDenied: injected", wantOp: "stat", nilResult: true,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			note := "live/api/rooms/NOTE.txt" // not the tree's: its metadata is read
			f := newPubFixture(t, "live", func(m *memStore, tg Target) { m.seed("site", note, "keep me", nil) })
			n := f.m.logLen()
			f.m.fail = tc.fail(f.tg)
			res, err := Publish(context.Background(), f.m, f.tg, f.d2, Options{Workers: tc.workers})
			failed := f.m.changes(n)

			var e *Error
			if !errors.As(err, &e) || err.Error() != tc.wantErr || e.Op != tc.wantOp || e.Code != "AccessDenied" || e.Announced != tc.announced {
				t.Fatalf("error %v (%#v), want %q, op %s, code AccessDenied, announced %v", err, e, tc.wantErr, tc.wantOp, tc.announced)
			}
			if (res == nil) != tc.nilResult {
				t.Errorf("result %v, want none: %v", res, tc.nilResult)
			}
			if res != nil && (res.Uploaded != len(filter(failed, "put")) || res.Deleted != len(filter(failed, "remove"))) {
				t.Errorf("result: %d uploads, %d deletes; the store saw %q", res.Uploaded, res.Deleted, failed)
			}
			checkPublishOrder(t, f.tg, failed)
			if tc.wantPuts != nil {
				if got, want := filter(failed, "put"), keysOf(f.tg, tc.wantPuts...); !slices.Equal(got, want) {
					t.Errorf("the failed run put %q, want %q", got, want)
				}
			}
			want := f.l1.Manifest.Release
			if tc.announced {
				want = f.l2.Manifest.Release
			} else {
				if got := filter(failed, "remove"); len(got) > 0 {
					t.Errorf("removed %q before the snapshot was in place", got)
				}
				if slices.Contains(failed, "put "+f.tg.Key(tree.SnapshotName)) {
					t.Errorf("the snapshot was put: %q", failed)
				}
			}
			if got := f.m.announced(f.tg); got != want {
				t.Errorf("after the failure the bucket announces %q, want %q", got, want)
			}
			checkComplete(t, f.m, f.tg, f.l1, f.l2)

			// The re-run completes the job and repeats nothing.
			f.m.fail = nil
			n = f.m.logLen()
			if _, err := Publish(context.Background(), f.m, f.tg, f.d2, Options{}); err != nil {
				t.Fatal(err)
			}
			rerun := f.m.changes(n)
			checkPublishOrder(t, f.tg, rerun)
			for _, c := range rerun {
				if slices.Contains(failed, c) {
					t.Errorf("the re-run repeats %s", c)
				}
			}
			memHolds(t, f.m, f.tg, f.d2, note)
			if got := f.m.announced(f.tg); got != f.l2.Manifest.Release {
				t.Errorf("after the re-run the bucket announces %q, want %q", got, f.l2.Manifest.Release)
			}
		})
	}
}

// TestPublishCancel: a cancelled publication stops where it is; before
// the snapshot, the previous release stays announced and nothing is
// deleted.
func TestPublishCancel(t *testing.T) {
	for _, tc := range []struct {
		name string
		// cancelAt is the tree path whose put cancels the context once done
		// ("" cancels before the publication); atStart cancels as the put
		// starts instead.
		cancelAt  string
		atStart   bool
		drop      string // a tree path deleted from the bucket first
		wantErr   string // "" for any error that is context.Canceled
		wantOp    string // "" for the bare context error (not an *Error)
		announced bool   // release 2 announced after the cancel
		nilResult bool
	}{
		{name: "before the publication", wantErr: "list s3://site/live/: context canceled", wantOp: "list", nilResult: true},
		{name: "during the files", cancelAt: "api/rooms/D/index.json", atStart: true},
		// Release 2 leaves app/main.js, its last file, as it was: dropped,
		// it is put again, last.
		{name: "after the files", cancelAt: "app/main.js", drop: "app/main.js", wantErr: "context canceled"},
		{name: "after manifest.json", cancelAt: tree.ManifestName, wantErr: "context canceled"},
		{name: "after the snapshot", cancelAt: tree.SnapshotName, wantErr: "delete s3://site/live: context canceled", wantOp: "delete", announced: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPubFixture(t, "live", nil)
			if tc.drop != "" {
				f.m.drop("site", f.tg.Key(tc.drop))
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opt := Options{Workers: 1}
			switch {
			case tc.cancelAt == "":
				cancel()
			case tc.atStart:
				f.m.fail = func(op, key string) error {
					if op == "put" && key == f.tg.Key(tc.cancelAt) {
						cancel()
					}
					return nil
				}
			default:
				opt.Op = func(op, p string) {
					if op == "put" && p == tc.cancelAt {
						cancel()
					}
				}
			}
			n := f.m.logLen()
			res, err := Publish(ctx, f.m, f.tg, f.d2, opt)
			changes := f.m.changes(n)

			var e *Error
			isError := errors.As(err, &e)
			switch {
			case !errors.Is(err, context.Canceled):
				t.Fatalf("error %v, want context.Canceled", err)
			case tc.wantErr != "" && err.Error() != tc.wantErr:
				t.Errorf("error %q, want %q", err, tc.wantErr)
			case tc.wantErr != "" && tc.wantOp == "" && isError:
				t.Errorf("error %#v, want the bare context error", e)
			case tc.wantOp != "" && (!isError || e.Op != tc.wantOp || e.Announced != tc.announced):
				t.Errorf("error %#v, want op %s, announced %v", e, tc.wantOp, tc.announced)
			}
			if (res == nil) != tc.nilResult {
				t.Errorf("result %v, want none: %v", res, tc.nilResult)
			}
			checkPublishOrder(t, f.tg, changes)
			if got := filter(changes, "remove"); len(got) > 0 {
				t.Errorf("removed %q after the cancel", got)
			}
			want := f.l1.Manifest.Release
			if tc.announced {
				want = f.l2.Manifest.Release
			}
			if got := f.m.announced(f.tg); got != want {
				t.Errorf("after the cancel the bucket announces %q, want %q", got, want)
			}
			checkComplete(t, f.m, f.tg, f.l1, f.l2)

			if _, err := Publish(context.Background(), f.m, f.tg, f.d2, Options{}); err != nil {
				t.Fatal(err)
			}
			memHolds(t, f.m, f.tg, f.d2)
		})
	}
}

// TestPublishDryRun: a dry run changes nothing and plans what the real
// run then does.
func TestPublishDryRun(t *testing.T) {
	f := newPubFixture(t, "live", nil)
	n := f.m.logLen()
	res, err := Publish(context.Background(), f.m, f.tg, f.d2, Options{DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if ch := f.m.changes(n); len(ch) != 0 {
		t.Errorf("a dry run changed the bucket: %q", ch)
	}
	if !res.DryRun || res.Uploaded != 0 || res.Deleted != 0 || res.Plan.Empty() || !strings.HasPrefix(res.String(), "would upload") {
		t.Errorf("dry run: %s", res)
	}
	var planned []string
	for _, op := range res.Plan.Ops() {
		op, p, _ := strings.Cut(op, " ")
		p, _, _ = strings.Cut(p, " (")
		planned = append(planned, strings.Replace(op, "delete", "remove", 1)+" "+f.tg.Key(p))
	}
	n = f.m.logLen()
	if _, err := Publish(context.Background(), f.m, f.tg, f.d2, Options{}); err != nil {
		t.Fatal(err)
	}
	if got := f.m.changes(n); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(planned))) {
		t.Errorf("the run did %q, the dry run planned %q", got, planned)
	}
}

// TestPublishSelfHeals: an object deleted behind the publisher's back is
// uploaded again, and only it.
func TestPublishSelfHeals(t *testing.T) {
	f := newPubFixture(t, "live", nil)
	gone := "api/rooms/C/index.json"
	f.m.drop("site", f.tg.Key(gone))
	n := f.m.logLen()
	res, err := Publish(context.Background(), f.m, f.tg, f.d1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ops := res.Plan.Ops(); !slices.Equal(ops, []string{"put " + gone + " (missing)"}) {
		t.Errorf("plan %q", ops)
	}
	if ch := f.m.changes(n); !slices.Equal(ch, []string{"put " + f.tg.Key(gone)}) {
		t.Errorf("requests %q", ch)
	}
	memHolds(t, f.m, f.tg, f.d1)
}

// TestPublishRemoteManifest: the bucket's manifest is a hint; one that
// cannot be read as a manifest is a warning, one deleted since the
// listing is none.
func TestPublishRemoteManifest(t *testing.T) {
	for _, tc := range []struct {
		name         string
		edit         func(m *memStore, tg Target)
		wantWarnings []string
		wantPuts     []string
	}{
		{
			name:         "not a manifest",
			edit:         func(m *memStore, tg Target) { m.seed("site", tg.Key(tree.ManifestName), "not json", nil) },
			wantWarnings: []string{"live/manifest.json is not a manifest this build reads; every file is checked against the listing instead"},
			wantPuts:     []string{tree.ManifestName},
		},
		{
			name: "deleted after the listing",
			edit: func(m *memStore, tg Target) {
				m.fail = func(op, key string) error {
					if op == "get" && key == tg.Key(tree.ManifestName) {
						return s3Error("NoSuchKey", "The specified key does not exist.")
					}
					return nil
				}
			},
			wantPuts: []string{tree.ManifestName},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newPubFixture(t, "live", nil)
			tc.edit(f.m, f.tg)
			n := f.m.logLen()
			res, err := Publish(context.Background(), f.m, f.tg, f.d1, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(res.Warnings, tc.wantWarnings) || res.Previous != "" {
				t.Errorf("warnings %q, previous release %q; want %q and none", res.Warnings, res.Previous, tc.wantWarnings)
			}
			if got, want := filter(f.m.changes(n), "put"), keysOf(f.tg, tc.wantPuts...); !slices.Equal(got, want) {
				t.Errorf("put %q, want %q", got, want)
			}
			memHolds(t, f.m, f.tg, f.d1)
		})
	}
}

// TestPublishLocalChanged: a file changed on disk during the upload is
// not uploaded, nor the manifest and snapshot that would announce it.
func TestPublishLocalChanged(t *testing.T) {
	f := newPubFixture(t, "live", nil)
	changed := filepath.Join(f.d2, "api", "rooms", "index.json")
	f.m.fail = func(op, key string) error {
		if op == "put" && key == f.tg.Key("api/rooms/A/index.json") { // the first (one worker)
			if err := os.WriteFile(changed, []byte("[]"), 0o644); err != nil {
				t.Error(err)
			}
		}
		return nil
	}
	n := f.m.logLen()
	_, err := Publish(context.Background(), f.m, f.tg, f.d2, Options{Workers: 1})
	if err == nil || !strings.Contains(err.Error(), changed+" changed since the build wrote it") {
		t.Fatalf("error %v", err)
	}
	for _, c := range f.m.changes(n) {
		if c == "put "+f.tg.Key("api/rooms/index.json") || c == "put "+f.tg.Key(tree.ManifestName) || strings.HasPrefix(c, "remove ") {
			t.Errorf("%s after the change", c)
		}
	}
	if got := f.m.announced(f.tg); got != f.l1.Manifest.Release {
		t.Errorf("the bucket announces %q, want release 1", got)
	}
}

func TestEnsureBucket(t *testing.T) {
	for _, tc := range []struct {
		name     string
		bucket   string
		create   bool
		fail     func(op, key string) error
		wantErr  string
		wantOp   string
		wantCode string
		wantMake bool
	}{
		{name: "exists", bucket: "site"},
		{name: "exists, create", bucket: "site", create: true},
		{name: "missing", bucket: "new-site", wantErr: "bucket new-site: NoSuchBucket: the bucket does not exist", wantOp: "bucket", wantCode: "NoSuchBucket"},
		{name: "missing, create", bucket: "new-site", create: true, wantMake: true},
		{name: "check fails", bucket: "site", fail: failOn("exists", "site"), wantErr: "bucket site: AccessDenied: injected", wantOp: "bucket", wantCode: "AccessDenied"},
		{name: "create fails", bucket: "new-site", create: true, fail: failOn("make", "new-site"), wantErr: "create bucket new-site: AccessDenied: injected", wantOp: "create bucket", wantCode: "AccessDenied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMemStore("site")
			m.fail = tc.fail
			err := EnsureBucket(context.Background(), m, Target{Bucket: tc.bucket, Prefix: "live"}, "eu-west-1", tc.create)
			var e *Error
			switch {
			case tc.wantErr == "" && err != nil:
				t.Fatalf("error %v", err)
			case tc.wantErr != "" && (!errors.As(err, &e) || err.Error() != tc.wantErr || e.Op != tc.wantOp || e.Code != tc.wantCode):
				t.Fatalf("error %v, want %q (op %s, code %s)", err, tc.wantErr, tc.wantOp, tc.wantCode)
			}
			made := slices.Contains(m.log, "make "+tc.bucket+" eu-west-1")
			if made != tc.wantMake {
				t.Errorf("bucket made: %v, want %v (%q)", made, tc.wantMake, m.log)
			}
		})
	}
}
