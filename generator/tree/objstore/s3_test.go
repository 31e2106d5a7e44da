//go:build s3

// Tests against a real S3-compatible server: run by scripts/s3-test.sh,
// which starts the Versity S3 Gateway on loopback over TLS and sets
// OCCUPANCY_S3_ENDPOINT, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// SSL_CERT_FILE (its certificate).
//
//	go test -tags s3 -race -count=1 -v ./generator/tree/objstore
package objstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/source"
	"occupancy/source/sample"
	"occupancy/source/sourcetest"
)

func s3env(t *testing.T) (Endpoint, Credentials) {
	t.Helper()
	raw := os.Getenv("OCCUPANCY_S3_ENDPOINT")
	if raw == "" {
		t.Fatal("OCCUPANCY_S3_ENDPOINT is not set: run scripts/s3-test.sh")
	}
	ep, err := ParseEndpoint(raw)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := CredentialsFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	return ep, cred
}

func s3client(t *testing.T) (*minio.Client, Endpoint) {
	t.Helper()
	ep, cred := s3env(t)
	c, err := NewClient(ep, "", "path", cred)
	if err != nil {
		t.Fatal(err)
	}
	return c, ep
}

var bucketSeq atomic.Int64

// newBucket creates a bucket for one test.
func newBucket(t *testing.T, c *minio.Client) string {
	t.Helper()
	name := fmt.Sprintf("occ-%d-%d", time.Now().UnixNano()%1e9, bucketSeq.Add(1))
	if err := c.MakeBucket(context.Background(), name, minio.MakeBucketOptions{}); err != nil {
		t.Fatalf("create bucket %s: %v", name, err)
	}
	// Anyone may read its objects, as a CDN and the sidecars read a
	// published bucket; checkHolds reads them so.
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/*"]}]}`, name)
	if err := c.SetBucketPolicy(context.Background(), name, policy); err != nil {
		t.Fatalf("make bucket %s readable by anyone: %v", name, err)
	}
	return name
}

// rendered holds the trees release rendered, one per name, for the whole
// test binary (a render takes seconds under the race detector), under a
// folder TestMain removes.
var rendered struct {
	sync.Mutex
	root string
	dirs map[string]string
}

func TestMain(m *testing.M) {
	code := m.Run()
	if rendered.root != "" {
		os.RemoveAll(rendered.root)
	}
	os.Exit(code)
}

// release renders a release, changed by edit, into a tree (with its gzip
// and brotli copies) and returns the tree's folder, which tests must not
// change; the same name gives the same folder. The release is the
// embedded sample (10,000 files), or with small the generator's fixture
// (a few dozen), for tests of what happens rather than how much.
func release(t *testing.T, name string, small bool, edit func(*source.Release)) string {
	t.Helper()
	rendered.Lock()
	defer rendered.Unlock()
	if dir, ok := rendered.dirs[name]; ok {
		return dir
	}
	if rendered.root == "" {
		root, err := os.MkdirTemp("", "occupancy-s3-trees-")
		if err != nil {
			t.Fatal(err)
		}
		rendered.root, rendered.dirs = root, map[string]string{}
	}
	var rel *source.Release
	var err error
	if small {
		rel, err = source.Check(sourcetest.FixtureRaw())
	} else {
		rel, err = sample.Release()
	}
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(rel)
	}
	files, err := generator.Render(rel, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(rendered.root, name)
	if _, err := tree.Publish(dir, files, tree.PublishOptions{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	m, err := tree.ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	encodings := map[string]int{}
	for _, e := range m.Files {
		encodings[e.Encoding]++
	}
	if encodings["gzip"] == 0 || encodings["br"] == 0 {
		t.Fatalf("the tree has no gzip or brotli copies: %v", encodings)
	}
	rendered.dirs[name] = dir
	return dir
}

// hideRoom makes the i-th available room unavailable (its files go away,
// lists and the snapshot change) and changes another's capacity.
func hideRoom(i int) func(*source.Release) {
	return func(rel *source.Release) {
		n := 0
		for j := range rel.Rooms {
			if rel.Rooms[j].Available {
				if n == i {
					rel.Rooms[j].Available = false
				}
				if n == i+1 {
					c := 9999
					rel.Rooms[j].Capacity = &c
				}
				n++
			}
		}
	}
}

func localOf(t *testing.T, dir string) Local {
	t.Helper()
	l, err := ReadLocal(dir)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// listing returns the keys under the prefix with their ETags.
func listing(t *testing.T, c *minio.Client, tg Target) map[string]string {
	t.Helper()
	out := map[string]string{}
	for o := range c.ListObjects(context.Background(), tg.Bucket, minio.ListObjectsOptions{Prefix: tg.listPrefix(), Recursive: true}) {
		if o.Err != nil {
			t.Fatal(o.Err)
		}
		out[o.Key] = strings.Trim(o.ETag, `"`)
	}
	return out
}

// checkHolds checks that the bucket holds exactly the tree at dir under
// the target (no other key under its folders), each object read back
// anonymously with the right bytes and headers.
func checkHolds(t *testing.T, c *minio.Client, ep Endpoint, tg Target, dir string, foreign ...string) {
	t.Helper()
	local := localOf(t, dir)
	keys := listing(t, c, tg)
	want := map[string]tree.ManifestEntry{tree.ManifestName: {Path: tree.ManifestName, SHA256: sha256Hex(local.ManifestData), Size: len(local.ManifestData)}}
	for _, e := range local.Manifest.Files {
		want[e.Path] = e
	}
	for k := range keys {
		p, _ := tg.path(k)
		first, _, _ := strings.Cut(p, "/")
		if _, ok := want[p]; !ok && (first == "api" || !strings.Contains(p, "/")) && !slices.Contains(foreign, k) {
			t.Errorf("stale key %s in the bucket", k)
		}
	}
	hc := &http.Client{Transport: &http.Transport{DisableCompression: true}, Timeout: 10 * time.Second}
	scheme := "http"
	if ep.Secure {
		scheme = "https"
	}
	paths := slices.Sorted(func(yield func(string) bool) {
		for p := range want {
			if !yield(p) {
				return
			}
		}
	})
	var mu sync.Mutex
	var problems []string
	err := parallel(context.Background(), paths, 16, func(ctx context.Context, p string) error {
		e := want[p]
		fail := func(format string, args ...any) {
			mu.Lock()
			problems = append(problems, fmt.Sprintf("%s: ", p)+fmt.Sprintf(format, args...))
			mu.Unlock()
		}
		if etag, ok := keys[tg.Key(p)]; !ok {
			fail("missing")
			return nil
		} else if etag != local.MD5[p] {
			fail("ETag %s, want the MD5 %s", etag, local.MD5[p])
		}
		resp, err := hc.Get(fmt.Sprintf("%s://%s/%s/%s", scheme, ep.Host, tg.Bucket, tg.Key(p)))
		if err != nil {
			return err
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			fail("anonymous GET: %s", resp.Status)
			return nil
		}
		sum := sha256.Sum256(body)
		if hex.EncodeToString(sum[:]) != e.SHA256 {
			fail("bytes differ from the tree's (%d bytes, want %d)", len(body), e.Size)
		}
		h := HeadersFor(e)
		for name, want := range map[string]string{"Content-Type": h.ContentType, "Content-Encoding": h.ContentEncoding, "Cache-Control": h.CacheControl, "X-Amz-Meta-" + MetaSHA256: e.SHA256, "X-Amz-Meta-" + MetaPath: p} {
			if got := resp.Header.Get(name); got != want {
				fail("%s %q, want %q", name, got, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(problems)
	if len(problems) > 10 {
		problems = append(problems[:10], fmt.Sprintf("… and %d more", len(problems)-10))
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// announced returns the release the bucket's snapshot announces ("" when
// it has none).
func announced(ctx context.Context, c *minio.Client, tg Target) (string, error) {
	info, err := c.StatObject(ctx, tg.Bucket, tg.Key(tree.SnapshotName), minio.StatObjectOptions{})
	if code := errCode(err); code == "NoSuchKey" || code == "NotFound" {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	for k, v := range info.UserMetadata {
		if strings.EqualFold(k, MetaRelease) {
			return v, nil
		}
	}
	return "", errors.New("snapshot without release metadata")
}

// consistent checks the invariant sidecars and clients rely on: every
// file of the release the snapshot announces is in the bucket, and, when
// that release is final (the one being published), with its bytes. (While
// an upload runs, a changed file may already hold its new bytes under the
// old announced release: the API's URLs are fixed, so a CDN shows the
// same mix. What must never happen is an announced file missing, or the
// new release announced before its last file is in place.) trees maps
// release ids to their local trees. It returns the release and "" or the
// first problem; ok is false when the snapshot changed during the check
// (no conclusion).
func consistent(ctx context.Context, c *minio.Client, tg Target, trees map[string]Local, final string) (rel, problem string, ok bool, err error) {
	rel, err = announced(ctx, c, tg)
	if err != nil || rel == "" {
		return rel, "", rel == "" && err == nil, err
	}
	local, known := trees[rel]
	if !known {
		return rel, "the snapshot announces an unknown release " + rel, true, nil
	}
	keys := map[string]string{}
	for o := range c.ListObjects(ctx, tg.Bucket, minio.ListObjectsOptions{Prefix: tg.listPrefix(), Recursive: true}) {
		if o.Err != nil {
			return rel, "", false, o.Err
		}
		keys[o.Key] = strings.Trim(o.ETag, `"`)
	}
	for _, e := range local.Manifest.Files {
		etag, listed := keys[tg.Key(e.Path)]
		if !listed {
			problem = fmt.Sprintf("release %.12s announced but %s is missing", rel, e.Path)
			break
		}
		if rel == final && etag != local.MD5[e.Path] {
			problem = fmt.Sprintf("release %.12s announced but %s does not hold its bytes yet", rel, e.Path)
			break
		}
	}
	again, err := announced(ctx, c, tg)
	if err != nil {
		return rel, "", false, err
	}
	return rel, problem, again == rel, nil
}

// poller checks the invariant in a loop until stopped.
type poller struct {
	checks, conclusive atomic.Int64
	mu                 sync.Mutex
	problems           []string
	seen               map[string]bool
	stop               chan struct{}
	done               chan struct{}
}

func startPoller(t *testing.T, c *minio.Client, tg Target, trees map[string]Local, final string) *poller {
	p := &poller{stop: make(chan struct{}), done: make(chan struct{}), seen: map[string]bool{}}
	go func() {
		defer close(p.done)
		deadline := time.Now().Add(2 * time.Minute)
		for time.Now().Before(deadline) {
			select {
			case <-p.stop:
				return
			default:
			}
			rel, problem, ok, err := consistent(context.Background(), c, tg, trees, final)
			p.checks.Add(1)
			p.mu.Lock()
			if err != nil {
				p.problems = append(p.problems, err.Error())
			} else if ok {
				p.conclusive.Add(1)
				p.seen[rel] = true
				if problem != "" {
					p.problems = append(p.problems, problem)
				}
			}
			p.mu.Unlock()
		}
	}()
	return p
}

// waitFor waits until a conclusive check has seen release, or timeout.
func (p *poller) waitFor(release string, timeout time.Duration) {
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		p.mu.Lock()
		seen := p.seen[release]
		p.mu.Unlock()
		if seen {
			return
		}
	}
}

func (p *poller) finish(t *testing.T) {
	t.Helper()
	close(p.stop)
	<-p.done
	for _, pr := range p.problems {
		t.Error("poller:", pr)
	}
	t.Logf("poller: %d checks, %d conclusive, releases seen %d", p.checks.Load(), p.conclusive.Load(), len(p.seen))
	if p.conclusive.Load() < 3 || len(p.seen) != 2 {
		t.Errorf("poller: only %d conclusive checks, %d releases seen", p.conclusive.Load(), len(p.seen))
	}
}

// recorder records the order of operations.
type recorder struct {
	mu  sync.Mutex
	ops []string
}

func (r *recorder) op(op, path string) {
	r.mu.Lock()
	r.ops = append(r.ops, op+" "+path)
	r.mu.Unlock()
}

// checkOrder checks: every file before manifest.json, manifest.json
// before the snapshot, deletes after the snapshot.
func (r *recorder) checkOrder(t *testing.T) {
	t.Helper()
	man := slices.Index(r.ops, "put "+tree.ManifestName)
	snap := slices.Index(r.ops, "put "+tree.SnapshotName)
	for i, op := range r.ops {
		switch {
		case op == "put "+tree.ManifestName:
			if snap >= 0 && i > snap {
				t.Errorf("manifest.json uploaded after the snapshot")
			}
		case op == "put "+tree.SnapshotName:
			if i != len(r.ops)-1 && !strings.HasPrefix(r.ops[i+1], "delete ") {
				t.Errorf("upload after the snapshot: %s", r.ops[i+1])
			}
		case strings.HasPrefix(op, "put "):
			if (man >= 0 && i > man) || (snap >= 0 && i > snap) {
				t.Errorf("%s after manifest.json or the snapshot", op)
			}
		case strings.HasPrefix(op, "delete "):
			if i < snap || i < man {
				t.Errorf("%s before the snapshot", op)
			}
		}
	}
}

func TestS3Publish(t *testing.T) {
	c, ep := s3client(t)
	ctx := context.Background()
	bucket := newBucket(t, c)
	tg := Target{Bucket: bucket, Prefix: "site/live"}
	// Objects that are not the tree's: beside the prefix, in a prefix that
	// starts the same, and under the prefix outside the tree's folders.
	for _, k := range []string{"site/other.txt", "site/lively/api/rooms/index.json", "site/live/images/logo.png", "site/live/api/rooms/NOTE.txt"} {
		if _, err := c.PutObject(ctx, bucket, k, strings.NewReader("keep me"), 7, minio.PutObjectOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	v1 := release(t, "sample", false, nil)
	l1 := localOf(t, v1)
	var rec recorder
	start := time.Now()
	res, err := Publish(ctx, NewMinioStore(c), tg, v1, Options{Op: rec.op})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first upload: %s", res)
	if res.Uploaded != len(l1.Manifest.Files)+1 || res.Deleted != 0 || res.Plan.Foreign != 2 {
		t.Errorf("first upload: %d uploads for %d files, %d deletes, %d foreign", res.Uploaded, len(l1.Manifest.Files)+1, res.Deleted, res.Plan.Foreign)
	}
	rec.checkOrder(t)
	foreign := []string{"site/live/images/logo.png", "site/live/api/rooms/NOTE.txt"}
	checkHolds(t, c, ep, tg, v1, foreign...)
	fmt.Printf("FIGURE first upload: %d files, %s in %s\n", res.Uploaded, mib(res.UploadedBytes), time.Since(start).Round(time.Millisecond))

	// The same release again: nothing.
	res, err = Publish(ctx, NewMinioStore(c), tg, v1, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Plan.Empty() || res.Uploaded != 0 || res.Stated != 1 { // the HEAD of api/rooms/NOTE.txt, not ours
		t.Errorf("same release: %s, %q", res, res.Plan.Ops())
	}
	fmt.Printf("FIGURE same release: %s\n", res)

	// A new release: only the changed files, while a poller checks that
	// the announced release is always complete.
	v2 := release(t, "sample, room 3 hidden", false, hideRoom(3))
	l2 := localOf(t, v2)
	changed, removed := 0, 0
	for _, ch := range tree.Diff(l1.Manifest, l2.Manifest) {
		changed += ch.Added + ch.Changed
		removed += ch.Removed
	}
	if changed == 0 || removed == 0 {
		t.Fatalf("the edit changed %d and removed %d files", changed, removed)
	}
	pol := startPoller(t, c, tg, map[string]Local{l1.Manifest.Release: l1, l2.Manifest.Release: l2}, l2.Manifest.Release)
	time.Sleep(2 * time.Second) // a check or two before the start
	rec = recorder{}
	start = time.Now()
	res, err = Publish(ctx, NewMinioStore(c), tg, v2, Options{Op: rec.op, Workers: 4, before: func(string, string) error {
		time.Sleep(40 * time.Millisecond) // widen the window the poller looks at
		return nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	// A conclusive check of the new release after the end: each check
	// lists and reads the bucket, which takes seconds on a loaded machine.
	pol.waitFor(l2.Manifest.Release, time.Minute)
	pol.finish(t)
	t.Logf("new release: %s", res)
	if res.Uploaded != changed+1 || res.Deleted != removed {
		t.Errorf("new release: %d uploads, %d deletes; the manifests' diff says %d (+ manifest.json) and %d", res.Uploaded, res.Deleted, changed, removed)
	}
	rec.checkOrder(t)
	checkHolds(t, c, ep, tg, v2, foreign...)
	fmt.Printf("FIGURE new release: %d uploads (manifest diff: %d changed/added + manifest.json), %d deletes (diff: %d removed), %s, in %s; poller: %d checks, %d conclusive, no violation=%v\n",
		res.Uploaded, changed, res.Deleted, removed, mib(res.UploadedBytes), time.Since(start).Round(time.Millisecond), pol.checks.Load(), pol.conclusive.Load(), len(pol.problems) == 0)

	// Nothing outside the tree was touched.
	keys := listing(t, c, Target{Bucket: bucket})
	for _, k := range []string{"site/other.txt", "site/lively/api/rooms/index.json", "site/live/images/logo.png", "site/live/api/rooms/NOTE.txt"} {
		if _, ok := keys[k]; !ok {
			t.Errorf("%s was deleted", k)
		}
	}

	// Self-healing: an object deleted behind the tool's back is uploaded
	// again, and only it.
	gone := l2.Manifest.Files[len(l2.Manifest.Files)/2].Path
	if err := c.RemoveObject(ctx, bucket, tg.Key(gone), minio.RemoveObjectOptions{}); err != nil {
		t.Fatal(err)
	}
	res, err = Publish(ctx, NewMinioStore(c), tg, v2, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if ops := res.Plan.Ops(); !slices.Equal(ops, []string{"put " + gone + " (missing)"}) {
		t.Errorf("after deleting %s: %q", gone, ops)
	}
	checkHolds(t, c, ep, tg, v2, foreign...)
}

// TestS3Interrupted: an upload that fails midway leaves the previous
// release announced and complete; a second run completes the new one. A
// failed delete leaves the new release announced; the next run deletes
// what is left, though the bucket's manifest no longer lists it.
func TestS3Interrupted(t *testing.T) {
	c, ep := s3client(t)
	ctx := context.Background()
	tg := Target{Bucket: newBucket(t, c), Prefix: "live"}
	// What happens does not depend on the tree's size: the fixture's.
	v1 := release(t, "fixture", true, nil)
	v2 := release(t, "fixture, room 0 hidden", true, hideRoom(0))
	l1, l2 := localOf(t, v1), localOf(t, v2)
	trees := map[string]Local{l1.Manifest.Release: l1, l2.Manifest.Release: l2}
	if _, err := Publish(ctx, NewMinioStore(c), tg, v1, Options{}); err != nil {
		t.Fatal(err)
	}

	check := func(want string) {
		t.Helper()
		rel, problem, ok, err := consistent(ctx, c, tg, trees, l2.Manifest.Release)
		if err != nil || !ok || problem != "" || rel != want {
			t.Fatalf("announced %.12s (want %.12s): %s %v %v", rel, want, problem, ok, err)
		}
	}
	for _, failAt := range []string{"file", "manifest", "snapshot"} {
		var n atomic.Int64
		_, err := Publish(ctx, NewMinioStore(c), tg, v2, Options{Workers: 2, before: func(op, p string) error {
			switch {
			case failAt == "file" && op == "put" && n.Add(1) == 5,
				failAt == "manifest" && p == tree.ManifestName,
				failAt == "snapshot" && p == tree.SnapshotName:
				return errors.New("injected failure")
			}
			return nil
		}})
		var e *Error
		if !errors.As(err, &e) || e.Op != "upload" || e.Announced || !strings.Contains(err.Error(), tg.Prefix+"/") {
			t.Fatalf("failure at the %s: %v", failAt, err)
		}
		t.Logf("failure at the %s: %v", failAt, err)
		check(l1.Manifest.Release)
	}
	var rec recorder
	res, err := Publish(ctx, NewMinioStore(c), tg, v2, Options{Op: rec.op})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Printf("FIGURE re-run after 3 interrupted runs: %s (metadata of %d objects read)\n", res, res.Stated)
	if res.Plan.Snapshot == nil {
		t.Error("the re-run did not upload the snapshot")
	}
	rec.checkOrder(t)
	check(l2.Manifest.Release)
	checkHolds(t, c, ep, tg, v2)

	// A third release, with every delete failing: the new release is
	// announced; the next run deletes the leftovers, which the bucket's
	// manifest no longer lists (their metadata says this tool wrote them).
	v3 := release(t, "fixture, room 1 hidden", true, hideRoom(1))
	l3 := localOf(t, v3)
	trees[l3.Manifest.Release] = l3
	_, err = Publish(ctx, NewMinioStore(c), tg, v3, Options{before: func(op, p string) error {
		if op == "delete" {
			return errors.New("injected failure")
		}
		return nil
	}})
	var e *Error
	if !errors.As(err, &e) || e.Op != "delete" || !e.Announced {
		t.Fatalf("delete failure: %v", err)
	}
	t.Logf("delete failure: %v", err)
	rel, problem, ok, err := consistent(ctx, c, tg, trees, l3.Manifest.Release)
	if err != nil || !ok || problem != "" || rel != l3.Manifest.Release {
		t.Fatalf("after the failed deletes: announced %.12s: %s %v %v", rel, problem, ok, err)
	}
	res, err = Publish(ctx, NewMinioStore(c), tg, v3, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Uploaded != 0 || res.Deleted == 0 || res.Stated != res.Deleted {
		t.Errorf("after the failed deletes: %s (metadata of %d read)", res, res.Stated)
	}
	fmt.Printf("FIGURE re-run after failed deletes: %s (metadata of %d objects read)\n", res, res.Stated)
	checkHolds(t, c, ep, tg, v3)
}

func TestS3Errors(t *testing.T) {
	c, _ := s3client(t)
	ep, cred := s3env(t)
	ctx := context.Background()
	dir := release(t, "fixture", true, nil)

	// A missing bucket is an error unless asked to create it.
	missing := Target{Bucket: fmt.Sprintf("occ-missing-%d", time.Now().UnixNano()%1e9), Prefix: "p"}
	err := EnsureBucket(ctx, NewMinioStore(c), missing, "", false)
	var e *Error
	if !errors.As(err, &e) || e.Code != "NoSuchBucket" {
		t.Errorf("missing bucket: %v", err)
	}
	if err := EnsureBucket(ctx, NewMinioStore(c), missing, "", true); err != nil {
		t.Fatal(err)
	}
	if ok, err := c.BucketExists(ctx, missing.Bucket); !ok || err != nil {
		t.Errorf("the bucket was not created: %v", err)
	}

	// Wrong credentials: the error names the key or bucket and the code.
	bad, err := NewClient(ep, "", "path", Credentials{AccessKey: cred.AccessKey, SecretKey: "wrong" + cred.SecretKey})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Publish(ctx, NewMinioStore(bad), missing, dir, Options{})
	if !errors.As(err, &e) || e.Code == "" {
		t.Fatalf("wrong secret: %v", err)
	}
	t.Logf("wrong secret: %v", err)

	// Anonymous writes are refused.
	anon, err := minio.New(ep.Host, &minio.Options{Secure: ep.Secure, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Publish(ctx, NewMinioStore(anon), missing, dir, Options{})
	if !errors.As(err, &e) || e.Code == "" {
		t.Fatalf("anonymous: %v", err)
	}
	t.Logf("anonymous: %v", err)
}

// TestS3BucketHolds checks a bucket the script published to with
// bin/build: OCCUPANCY_S3_CHECK=s3://bucket/prefix holds exactly the tree
// OCCUPANCY_S3_CHECK_DIR; or, with OCCUPANCY_S3_CHECK_ANY=dir1,dir2,…,
// announces one of these trees' releases with all its files present (and
// holding their bytes when it is release OCCUPANCY_S3_CHECK_FINAL).
func TestS3BucketHolds(t *testing.T) {
	u := os.Getenv("OCCUPANCY_S3_CHECK")
	if u == "" {
		t.Skip("OCCUPANCY_S3_CHECK not set")
	}
	c, ep := s3client(t)
	tg, err := ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv("OCCUPANCY_S3_CHECK_DIR"); dir != "" {
		checkHolds(t, c, ep, tg, dir)
	}
	if any := os.Getenv("OCCUPANCY_S3_CHECK_ANY"); any != "" {
		trees := map[string]Local{}
		for _, dir := range strings.Split(any, ",") {
			l := localOf(t, dir)
			trees[l.Manifest.Release] = l
		}
		rel, problem, ok, err := consistent(context.Background(), c, tg, trees, os.Getenv("OCCUPANCY_S3_CHECK_FINAL"))
		if err != nil || !ok || problem != "" {
			t.Fatalf("announced %.12s: %q (conclusive %v, %v)", rel, problem, ok, err)
		}
		fmt.Printf("CONSISTENT %s\n", rel)
	}
}
