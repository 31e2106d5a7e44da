//go:build integration

package integration

// bin/build -s3 as an operator runs it, against the real S3 server that
// scripts/s3-test.sh starts, and a sidecar following the bucket.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/generator/tree/objstore"
)

// s3Env returns the S3 server's endpoint that scripts/s3-test.sh exports,
// failing (never skipping) when it or the credentials are missing.
func s3Env(t *testing.T) string {
	t.Helper()
	for _, k := range []string{"OCCUPANCY_S3_ENDPOINT", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"} {
		if os.Getenv(k) == "" {
			t.Fatalf("%s is not set: run scripts/s3-test.sh, which starts an S3 server and exports OCCUPANCY_S3_ENDPOINT, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY", k)
		}
	}
	return os.Getenv("OCCUPANCY_S3_ENDPOINT")
}

// publicRead lets anyone read the bucket's objects (a bucket policy), as
// a bucket a CDN and the sidecars read from is set up.
func publicRead(t *testing.T, endpoint, bucket string) {
	t.Helper()
	ep, err := objstore.ParseEndpoint(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	cred, err := objstore.CredentialsFromEnv(os.Getenv)
	if err != nil {
		t.Fatal(err)
	}
	c, err := objstore.NewClient(ep, os.Getenv("AWS_REGION"), "path", cred)
	if err != nil {
		t.Fatal(err)
	}
	policy := fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":["s3:GetObject"],"Resource":["arn:aws:s3:::%s/*"]}]}`, bucket)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.SetBucketPolicy(ctx, bucket, policy); err != nil {
		t.Fatalf("make bucket %s readable by anyone: %v", bucket, err)
	}
}

// objstoreTest builds the objstore package's tests tagged s3 once per test
// binary: their TestS3BucketHolds reads a bucket back.
func objstoreTest(t *testing.T) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	const key = "objstore.test"
	if bin, ok := built[key]; ok {
		return bin
	}
	bin := filepath.Join(binDir, key)
	cmd := exec.Command("go", "test", "-c", "-tags", "s3", "-o", bin, "./generator/tree/objstore")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go test -c ./generator/tree/objstore: %v\n%s", err, out)
	}
	built[key] = bin
	return bin
}

// bucketHolds runs objstore's TestS3BucketHolds with env (its
// OCCUPANCY_S3_CHECK… variables), failing the test with its output and
// what when it fails; it returns the output.
func bucketHolds(t *testing.T, what string, env ...string) string {
	t.Helper()
	cmd := exec.Command(objstoreTest(t), "-test.count=1", "-test.run", "^TestS3BucketHolds$")
	cmd.Dir = filepath.Join(root, "generator", "tree", "objstore")
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", what, err, out)
	}
	return string(out)
}

// checkChangeFeed reads the change feed of the bucket's site at base
// over HTTP, as a bot would: its list names release first, with its set;
// the Atom feed is served as Atom.
func checkChangeFeed(t *testing.T, base, release string) {
	t.Helper()
	c := newClient(5 * time.Second)
	a := do(c, base, get("/"+tree.ChangeLogPath))
	if a.err != nil || a.status != 200 {
		t.Fatalf("%s: HTTP %d, %v", tree.ChangeLogPath, a.status, a.err)
	}
	log, err := generator.ParseChangeLog(a.body)
	if err != nil || len(log.Releases) == 0 || log.Releases[0].Release != release {
		t.Fatalf("the bucket's change feed does not list release %.12s first: %v\n%s", release, err, short(string(a.body), 400))
	}
	a = do(c, base, get("/"+log.Releases[0].Path))
	if _, err := generator.ParseChangeSet(a.body, log.Releases[0]); a.status != 200 || err != nil {
		t.Fatalf("%s: HTTP %d, %v", log.Releases[0].Path, a.status, err)
	}
	a = do(c, base, get("/"+tree.ChangeFeedPath))
	if ct := a.header.Get("Content-Type"); a.status != 200 || ct != "application/atom+xml; charset=utf-8" {
		t.Fatalf("%s: HTTP %d, Content-Type %q", tree.ChangeFeedPath, a.status, ct)
	}
	n := log.Releases[0].Counts
	t.Logf("the bucket's change feed lists release %.12s first, with %d changes", release, n.Added+n.Removed+n.Changed+n.Moved)
}

// checkBucket fails the test unless the bucket url holds exactly the tree dir.
func checkBucket(t *testing.T, url, dir string) {
	t.Helper()
	bucketHolds(t, url+" does not hold "+dir, "OCCUPANCY_S3_CHECK="+url, "OCCUPANCY_S3_CHECK_DIR="+dir)
}

// runBuild runs bin/build with args and the extra environment, and
// returns its output and its error.
func runBuild(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(command(t, "./cmd/build"), args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// lastLine returns the last line of out starting with one of prefixes.
func lastLine(out string, prefixes ...string) string {
	var last string
	for _, l := range strings.Split(out, "\n") {
		for _, p := range prefixes {
			if strings.HasPrefix(l, p) {
				last = l
			}
		}
	}
	return last
}

// number returns the number before word in line ("12 files"), or after
// it when after ("deleted 3"), or -1.
func number(line, word string, after bool) int {
	re := regexp.MustCompile(`\b([0-9]+) ` + regexp.QuoteMeta(word) + `\b`)
	if after {
		re = regexp.MustCompile(`\b` + regexp.QuoteMeta(word) + ` ([0-9]+)\b`)
	}
	m := re.FindStringSubmatch(line)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// diffCounts returns the added+changed and removed files of a local
// build's report ("  kind  N added  N changed  N removed  N unchanged").
func diffCounts(out string) (up, rm int) {
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) >= 6 && f[2] == "added" {
			a, _ := strconv.Atoi(f[1])
			c, _ := strconv.Atoi(f[3])
			r, _ := strconv.Atoi(f[5])
			up, rm = up+a+c, rm+r
		}
	}
	return up, rm
}

// releaseCSV writes into dir a copy of the sample's CSV files with the
// rooms on rooms.csv's lines (1-based) made unavailable (their last field
// false).
func releaseCSV(t *testing.T, dir string, lines ...int) {
	t.Helper()
	src := filepath.Join(root, "source", "sample", "data")
	files, err := filepath.Glob(filepath.Join(src, "*.csv"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no CSV files in %s: %v", src, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "rooms.csv" {
			ls := strings.Split(string(b), "\n")
			for _, n := range lines {
				i := strings.LastIndex(ls[n-1], ",")
				if i < 0 {
					t.Fatalf("rooms.csv line %d has no field: %q", n, ls[n-1])
				}
				ls[n-1] = ls[n-1][:i] + ",false"
			}
			b = []byte(strings.Join(ls, "\n"))
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// copyTree copies the tree src to dst as cp -a does.
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", src, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", src, dst, err, out)
	}
}

// manifestRelease returns the release the tree dir's manifest names.
func manifestRelease(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m struct{ Release string }
	if err := json.Unmarshal(b, &m); err != nil || m.Release == "" {
		t.Fatalf("%s/manifest.json names no release: %v", dir, err)
	}
	return m.Release
}

var snapshotInfo = regexp.MustCompile(`(?m)^occupancy_snapshot_info\{release="([^"]*)"\} 1$`)

// TestS3Build runs bin/build -s3 as an operator does against the S3
// server scripts/s3-test.sh started: a missing bucket and a missing secret,
// the first upload, the same release again, a modified CSV release (its
// uploads are the manifest diff), a build killed with SIGKILL during its
// upload (the bucket still announces the previous, complete release) and
// its re-run; then a sidecar following the bucket's snapshot URL picks up
// a new release.
func TestS3Build(t *testing.T) {
	endpoint := s3Env(t)
	work := workDir(t)
	build := func(env []string, args ...string) (string, error) {
		t.Helper()
		return runBuild(t, env, append([]string{"-no-sync", "-s3-endpoint", endpoint}, args...)...)
	}
	mustBuild := func(what string, args ...string) string {
		t.Helper()
		out, err := build(nil, args...)
		if err != nil {
			t.Fatalf("%s: bin/build %s: %v\n%s", what, strings.Join(args, " "), err, out)
		}
		return out
	}
	dir := func(name string) string { return filepath.Join(work, name) }
	const url = "s3://site/live"

	// A missing bucket, a missing secret.
	out, err := build(nil, "-q", "-out", dir("out1"), "-s3", url)
	if err == nil {
		t.Fatalf("a missing bucket was not an error:\n%s", out)
	}
	if !strings.Contains(out, "NoSuchBucket") || !strings.Contains(out, "-s3-create-bucket") {
		t.Fatalf("missing bucket: the error names neither NoSuchBucket nor -s3-create-bucket:\n%s", out)
	}
	t.Logf("missing bucket: %s", lastLine(out, "build:"))
	out, err = build([]string{"AWS_SECRET_ACCESS_KEY="}, "-q", "-out", dir("out1"), "-s3", url)
	if err == nil {
		t.Fatalf("a missing secret was not an error:\n%s", out)
	}
	t.Logf("missing secret: %s", strings.TrimSpace(out))

	// The first upload.
	t1 := time.Now()
	out = mustBuild("first upload", "-out", dir("out1"), "-s3", url, "-s3-create-bucket")
	summary := lastLine(out, url, "uploaded")
	if !strings.HasPrefix(summary, "uploaded") {
		t.Fatalf("first upload: no summary line:\n%s", out)
	}
	manifest, err := os.ReadFile(filepath.Join(dir("out1"), "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if files := strings.Count(string(manifest), `"path"`) + 1; number(summary, "files", false) != files {
		t.Fatalf("first upload: %s; the tree has %d files", summary, files)
	}
	t.Logf("first upload (%s): %s", time.Since(t1).Round(time.Second), summary)
	publicRead(t, endpoint, "site")
	checkBucket(t, url, dir("out1"))

	// The same release: nothing uploaded.
	out = mustBuild("same release", "-q", "-out", dir("out1"), "-s3", url)
	if !regexp.MustCompile(`already holds release .*nothing uploaded`).MatchString(out) {
		t.Fatalf("same release: not \"already holds release … nothing uploaded\":\n%s", out)
	}
	t.Logf("same release: %s", lastLine(out, url))

	// A modified release: two rooms made unavailable (their files go), from
	// a copy of the sample's CSV files. Published over a copy of the first
	// tree, so that the local report gives the manifest diff to compare with.
	releaseCSV(t, dir("rel2"), 5, 9)
	copyTree(t, dir("out1"), dir("out2"))
	t1 = time.Now()
	out = mustBuild("modified release", "-out", dir("out2"), "-in", dir("rel2"), "-s3", url)
	summary = lastLine(out, "uploaded")
	up, rm := diffCounts(out)
	if number(summary, "files", false) != up+1 {
		t.Fatalf("modified release: %q; the manifest diff says %d added or changed (+ manifest.json)\n%s", summary, up, out)
	}
	if number(summary, "deleted", true) != rm {
		t.Fatalf("modified release: %q; the manifest diff says %d removed\n%s", summary, rm, out)
	}
	t.Logf("modified release (%s): %s (manifest diff: %d added or changed + manifest.json, %d removed)", time.Since(t1).Round(time.Second), summary, up, rm)
	checkBucket(t, url, dir("out2"))
	checkChangeFeed(t, endpoint+"/site/live", manifestRelease(t, dir("out2")))

	// A build killed (SIGKILL) during its upload: the bucket still
	// announces the previous release, complete; the re-run finishes the job.
	releaseCSV(t, dir("rel3"), 5, 9, 14, 20)
	copyTree(t, dir("out2"), dir("out3"))
	killLog := dir("kill.log")
	p := start(t, "build", killLog, syscall.SIGKILL, false, exec.Command(command(t, "./cmd/build"),
		"-no-sync", "-out", dir("out3"), "-in", dir("rel3"), "-s3", url, "-s3-endpoint", endpoint, "-s3-workers", "1", "-s3-verbose"))
	puts := func() int {
		b, _ := os.ReadFile(killLog)
		return len(regexp.MustCompile(`(?m)^put `).FindAll(b, -1))
	}
	for range 300 { // at most 30 s
		if puts() >= 20 || p.exited() {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if p.exited() {
		b, _ := os.ReadFile(killLog)
		t.Fatalf("the build ended (%v) before it could be killed (after %d uploads):\n%s", p.err, puts(), b)
	}
	p.kill()
	<-p.done
	n := puts()
	if b, _ := os.ReadFile(killLog); regexp.MustCompile(`(?m)^put site/live/occupancy\.snapshot`).Match(b) {
		t.Fatalf("the killed build had already uploaded the snapshot:\n%s", b)
	}
	rel2, rel3 := manifestRelease(t, dir("out2")), manifestRelease(t, dir("out3"))
	out = bucketHolds(t, "after the kill, the announced release is not complete",
		"OCCUPANCY_S3_CHECK="+url, "OCCUPANCY_S3_CHECK_ANY="+dir("out2")+","+dir("out3"), "OCCUPANCY_S3_CHECK_FINAL="+rel3)
	if !strings.Contains(out, "CONSISTENT "+rel2) {
		t.Fatalf("after the kill, the bucket does not announce the previous release %.12s:\n%s", rel2, out)
	}
	t.Logf("killed after %d uploads: the bucket still announces %.12s with all its files", n, rel2)
	out = mustBuild("re-run", "-q", "-out", dir("out3"), "-in", dir("rel3"), "-s3", url)
	summary = lastLine(out, "uploaded")
	if summary == "" {
		t.Fatalf("re-run: no summary line:\n%s", out)
	}
	t.Logf("re-run: %s", summary)
	checkBucket(t, url, dir("out3"))

	// A sidecar following the bucket's snapshot URL.
	port := freePort(t)
	sc := &sidecar{port: port, log: dir("sidecar.log")}
	sc.proc = start(t, "sidecar", sc.log, syscall.SIGKILL, false, exec.Command(command(t, "./cmd/sidecar"),
		"-addr", fmt.Sprintf("127.0.0.1:%d", port), "-static", "", "-snapshot", endpoint+"/site/live/occupancy.snapshot", "-poll", "200ms"))
	dumpLogs(t, sc.log)
	waitReady(t, sc.url()+"/healthz", sc.proc)
	c := newClient(2 * time.Second)
	served := func() string {
		b, err := ok2xx(do(c, sc.url(), get("/metrics")))
		if err != nil {
			return ""
		}
		if m := snapshotInfo.FindSubmatch(b); m != nil {
			return string(m[1])
		}
		return ""
	}
	var before string
	for range 100 {
		if before = served(); before != "" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if before == "" {
		t.Fatal("the sidecar did not load the bucket's snapshot")
	}
	// One release, one id: the sidecar names the bucket's release as its
	// manifest does.
	if want := manifestRelease(t, dir("out3")); before != want {
		t.Fatalf("the sidecar serves release %.12s, the bucket's manifest names %.12s", before, want)
	}
	// Publish the second release back and time how soon the sidecar serves it.
	copyTree(t, dir("out3"), dir("out4"))
	t1 = time.Now()
	out = mustBuild("new release", "-out", dir("out4"), "-in", dir("rel2"), "-s3", url)
	t2 := time.Now()
	rel4 := manifestRelease(t, dir("out4"))
	for _, w := range []string{"published", "uploaded"} {
		if !regexp.MustCompile(`(?m)^` + w + ` .*, release ` + rel4[:12] + ` \(was `).MatchString(out) {
			t.Fatalf("the build's %q line does not name release %.12s:\n%s", w, rel4, out)
		}
	}
	var now string
	for range 100 { // at most 5 s, the documented bound
		if now = served(); now != "" && now != before {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t3 := time.Now()
	if now == "" || now == before {
		t.Fatalf("the sidecar did not follow the new release within 5 s (serves %.12s)", now)
	}
	if now != rel4 {
		t.Fatalf("the sidecar serves release %.12s, the build published %.12s", now, rel4)
	}
	a := do(newClient(5*time.Second), sc.url(), post("/api/rooms/find_soonest_bookings", jsonType, `{"after_date":"2026-10-05T08:00"}`))
	if a.err != nil || a.status != 200 {
		t.Fatalf("search after the new release: HTTP %d, %v: %s", a.status, a.err, short(string(a.body), 200))
	}
	t.Logf("sidecar on the bucket's snapshot URL: the build's upload took %d ms; the sidecar served the new snapshot (%.12s, was %.12s) %d ms after it ended (poll 200ms); a search answers 200",
		t2.Sub(t1).Milliseconds(), now, before, t3.Sub(t2).Milliseconds())
}
