//go:build integration

package integration

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The searches' bodies of the load and of the endpoint checks.
const (
	freeQuery    = `{"selection":[{"start":"2026-11-26T10:00:00.000Z","end":"2026-11-26T11:00:00.000Z"}]}`
	soonestQuery = `{"after_date":"2026-11-26T10:30:00.000Z"}`
)

// TestE2E is the end-to-end test of the production setup: real nginx with
// the shipped deploy/nginx.conf ($NGINX_CONF) in front of the static tree
// and of TWO sidecar processes.
//
//   - phase 0: builds the sample release, starts two sidecars and nginx,
//     and checks every endpoint through nginx (lists, details, a feed, the
//     OpenAPI document, both searches, a 400, the health checks);
//   - phase a: loads both searches through nginx with wrk for $DURATION
//     and kills one sidecar with SIGKILL after $KILL_AFTER: no request may
//     fail;
//   - phase b: restarts that sidecar, loads again and publishes a new
//     release (a modified CSV release with one more booking) during the
//     load: no request may fail, and within $PUBLISH_WITHIN seconds both
//     sidecars (directly and through nginx) and the static files through
//     nginx serve the new data.
//
// A failed request is any socket error wrk reports (connect, read, write,
// timeout) or any response that is not 2xx (counted by the response() hook
// of testdata/load.lua). It logs a summary of requests and failures per
// phase.
//
// Environment (defaults in brackets): DURATION [6s], KILL_AFTER [2],
// PUBLISH_AFTER [1.5], PUBLISH_WITHIN [5], THREADS [2], CONNS [16],
// NGINX_CONF [deploy/nginx.conf] (the configuration under test, from the
// repository when relative).
func TestE2E(t *testing.T) {
	needNginx(t)
	need(t, "wrk", "wrk")
	cfg := e2eFromEnv(t)
	work := workDir(t)
	dumpLogs(t, filepath.Join(work, "error.log"), filepath.Join(work, "sidecar-a.log"), filepath.Join(work, "sidecar-b.log"))
	build := command(t, "./cmd/build")
	command(t, "./cmd/sidecar")
	gen := command(t, "./source/sample/internal/gen")

	// Release 1: the embedded sample.
	pub := filepath.Join(work, "public")
	runCommand(t, "build of the sample", build, "-q", "-no-sync", "-out", pub)

	// The two sidecars, each on its own port, both reading the same
	// snapshot; nginx with the shipped configuration, templated: the listen
	// address, the root, and the upstream's one server line replaced by one
	// line per sidecar. Its header names the replica that answered
	// (inherited by the search locations, which set no header of their
	// own): it lets the test see both replicas serve.
	flags := []string{"-poll", "200ms", "-max-conns-per-ip", "0"}
	sa := startSidecar(t, work, "sidecar-a", pub, 0, flags...)
	sb := startSidecar(t, work, "sidecar-b", pub, 0, flags...)
	waitReady(t, sa.url()+"/readyz", sa.proc)
	waitReady(t, sb.url()+"/readyz", sb.proc)
	ng := startNginx(t, cfg.nginxConf, work, pub, []int{sa.port, sb.port}, 512,
		"add_header X-E2E-Upstream $upstream_addr always;")
	e := &e2eCheck{t: t, c: newClient(10 * time.Second), poll: newClient(5 * time.Second), base: ng.url(), pub: pub}

	// ------------------------------------------------------------ phase 0
	t.Logf("phase 0: every endpoint through nginx (%s), sidecars on :%d and :%d", e.base, sa.port, sb.port)
	e.want(get("/api/rooms"), 200, jsonCT, "@api/rooms/index.json")
	e.want(get("/api/courses"), 200, jsonCT, "@api/courses/index.json")
	e.want(get("/api/studyplans"), 200, jsonCT, "@api/studyplans/index.json")
	e.want(get("/api/rooms/CO1"), 200, jsonCT, "@api/rooms/CO1/index.json")
	e.want(get("/api/courses/CS-305"), 200, jsonCT, "@api/courses/CS-305/index.json")
	e.want(get("/api/studyplans/"+plan), 200, jsonCT, "@api/studyplans/"+plan+"/index.json")
	e.want(get("/api/rooms/CO1.ics"), 200, icsCT, "@api/rooms/CO1.ics")
	e.want(get("/api/courses/CS-305.ics"), 200, icsCT, "@api/courses/CS-305.ics")
	e.want(get("/api/openapi.json"), 200, jsonCT, "@api/openapi.json")
	e.want(get("/api/rooms/NOPE"), 404, jsonCT, `{"message":"Room not found"}`)
	e.want(get("/occupancy.snapshot"), 404, jsonCT, `{"message":"Not found"}`)
	e.want(get("/healthz"), 200, jsonCT, `{"status":"ok"}`)
	e.want(get("/readyz"), 200, jsonCT, `{"status":"ready"`)
	// Both searches, several times so that both replicas answer.
	for range 4 {
		e.want(post("/api/rooms/find_free_rooms", jsonType, freeQuery), 200, jsonCT, `[{"name":`)
		e.want(post("/api/rooms/find_soonest_bookings", jsonType, soonestQuery), 200, jsonCT, `[{"name":`)
	}
	e.want(post("/api/rooms/find_free_rooms", jsonType, `{}`), 400, jsonCT, `{"message":"Missing selection"}`)
	e.want(post("/api/rooms/find_soonest_bookings", jsonType, `{"after_date":"not a date"}`), 400, jsonCT, `{"message":`)
	if e.failures > 0 {
		t.Fatalf("%d endpoint check(s) failed", e.failures)
	}

	// ------------------------------------------------------------ phase a
	var summary []string
	t.Logf("phase a: load for %s, sidecar a killed (SIGKILL) after %s", cfg.duration, cfg.killAfter)
	load := startLoad(t, cfg, work, e.base, "a: kill one sidecar")
	time.Sleep(cfg.killAfter)
	sa.stop(syscall.SIGKILL, 10*time.Second)
	summary = append(summary, load.finish(t))
	errorLog, err := os.ReadFile(ng.errorLog)
	if err != nil {
		t.Fatal(err)
	}
	retried := 0
	upstreamA := fmt.Sprintf(`upstream: "http://127.0.0.1:%d/`, sa.port)
	for _, l := range strings.Split(string(errorLog), "\n") {
		if strings.Contains(l, "[error]") && strings.Contains(l, upstreamA) {
			retried++
		}
	}
	t.Logf("phase a: nginx logged %d failed attempt(s) on the killed replica (retried on the other one)", retried)
	// The survivor still answers directly.
	if _, err := ok2xx(do(e.poll, sb.url(), get("/readyz"))); err != nil {
		t.Fatalf("sidecar b not ready after phase a: %v", err)
	}

	// ------------------------------------------------------------ phase b
	// Release 2: the sample regenerated, plus one booking that makes CO1
	// busy on a Saturday morning when it is free in release 1.
	rel2 := filepath.Join(work, "rel2")
	runCommand(t, "generating release 2", gen, "-out", rel2, "-scale", "1")
	marker := fmt.Sprintf("E2E booking %d", os.Getpid())
	bookings := filepath.Join(rel2, "bookings.csv")
	csv, err := os.ReadFile(bookings)
	if err != nil {
		t.Fatal(err)
	}
	if len(csv) > 0 && csv[len(csv)-1] != '\n' {
		csv = append(csv, '\n')
	}
	csv = fmt.Appendf(csv, "2026-11-28,06:00,07:00,%s,,,%s,published by TestE2E\n", e2eRoom, marker)
	writeFile(t, bookings, csv)
	if b, err := os.ReadFile(bookings); err != nil || !bytes.Contains(b, []byte(marker)) {
		t.Fatalf("could not add the booking to bookings.csv (%v)", err)
	}

	t.Logf("phase b: restart sidecar a, load for %s, publish release 2 after %s", cfg.duration, cfg.publishAfter)
	sa = startSidecar(t, work, "sidecar-a", pub, sa.port, flags...)
	waitReady(t, sa.url()+"/readyz", sa.proc)
	oldRelease := e.releaseOf(sb.url())
	if oldRelease == "" || e.releaseOf(sa.url()) != oldRelease {
		t.Fatalf("the sidecars do not agree on release 1 (a: %q, b: %q)", e.releaseOf(sa.url()), oldRelease)
	}
	for _, s := range []struct {
		name string
		sc   *sidecar
	}{{"a", sa}, {"b", sb}} {
		if free, err := e.free(s.sc.url()); err != nil || !free {
			t.Fatalf("precondition: %s is not free in release 1 (sidecar %s; %v)", e2eRoom, s.name, err)
		}
	}
	// nginx skips the killed replica for fail_timeout (10 s by default):
	// wait (at most 20 s) until it sends searches to the restarted one
	// again, so that the load reaches both replicas while the release is
	// published.
	for i := 1; ; i++ {
		free, answered, err := e.viaNginx()
		if err != nil || !free {
			t.Fatalf("precondition: %s is not free in release 1 (nginx; %v)", e2eRoom, err)
		}
		if answered == sa.port {
			t.Logf("nginx sends searches to the restarted sidecar a again (after %d attempts)", i)
			break
		}
		if i == 200 {
			t.Fatal("nginx did not send searches to the restarted sidecar a within 20 s")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if b, _ := os.ReadFile(filepath.Join(pub, "api/rooms", e2eRoom, "index.json")); bytes.Contains(b, []byte(marker)) {
		t.Fatal("precondition: release 1 already has the booking")
	}

	load = startLoad(t, cfg, work, e.base, "b: publish a release")
	time.Sleep(cfg.publishAfter)
	runCommand(t, "build of release 2", build, "-q", "-no-sync", "-in", rel2, "-out", pub)
	published := time.Now()
	// Wait (at most PUBLISH_WITHIN) until everything serves release 2.
	seen, why := time.Duration(-1), ""
	for range int(cfg.publishWithin / (50 * time.Millisecond)) {
		why = e.release2Everywhere(oldRelease, marker, sa, sb)
		if why == "" {
			seen = time.Since(published)
			break
		}
		if time.Since(published) > cfg.publishWithin {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	summary = append(summary, load.finish(t))
	newRelease := e.releaseOf(sa.url())
	if seen < 0 {
		t.Errorf("FAIL phase b: release 2 not served everywhere within %s: %s (sidecar a: %s, b: %s, before: %s)",
			cfg.publishWithin, why, e.releaseOf(sa.url()), e.releaseOf(sb.url()), oldRelease)
	} else {
		t.Logf("phase b: release 2 served by both sidecars and nginx %d ms after the build finished (release %.12s -> %.12s)",
			seen.Milliseconds(), oldRelease, newRelease)
	}
	// After the load, both sidecars and nginx agree (nginx's /readyz, 4
	// times).
	for _, s := range []struct {
		name string
		sc   *sidecar
	}{{"a", sa}, {"b", sb}} {
		if r := e.releaseOf(s.sc.url()); r != newRelease {
			t.Errorf("FAIL sidecar %s is not on release %.12s (%.12s)", s.name, newRelease, r)
		}
	}
	for range 4 {
		if r := e.releaseOf(e.base); r != newRelease {
			t.Errorf("FAIL nginx /readyz is not on release %.12s (%.12s)", newRelease, r)
			break
		}
	}
	// One release, one id: the sidecars name it as the published manifest
	// does.
	var manifest struct {
		Release string `json:"release"`
	}
	if b, err := os.ReadFile(filepath.Join(pub, "manifest.json")); err != nil {
		t.Error(err)
	} else if err := json.Unmarshal(b, &manifest); err != nil {
		t.Errorf("manifest.json: %v", err)
	}
	if newRelease != manifest.Release {
		t.Errorf("FAIL the sidecars serve release %.12s, the manifest names %.12s", newRelease, manifest.Release)
	}

	var s strings.Builder
	fmt.Fprintf(&s, "e2e summary: nginx on :%d, sidecars a :%d b :%d; wrk -t%d -c%d -d%s, %d CPUs\n",
		ng.port, sa.port, sb.port, cfg.threads, cfg.conns, cfg.duration, runtime.NumCPU())
	fmt.Fprintf(&s, "%-34s %9s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n",
		"phase", "requests", "failed", "c/r/w", "timeout", "wrk>=400", "non2xx", "5xx", "badbody", "p99 ms", "max ms")
	for _, r := range summary {
		s.WriteString(r + "\n")
	}
	s.WriteString("failed = wrk socket errors (connect/read/write/timeout) + non-2xx responses + 200s without a JSON array\n")
	fmt.Fprintf(&s, "phase a: nginx logged %d failed attempt(s) on the killed sidecar (retried on the other one; requests that still failed are counted above)", retried)
	if seen >= 0 {
		fmt.Fprintf(&s, "\nphase b: release 2 visible everywhere after %d ms (limit %s)", seen.Milliseconds(), cfg.publishWithin)
	}
	t.Log(s.String())
}

// e2eRoom is the room that release 2 books in the slot e2eSlot.
const (
	e2eRoom = "CO1"
	e2eSlot = `{"selection":[{"start":"2026-11-28T06:00:00.000Z","end":"2026-11-28T07:00:00.000Z"}]}`
)

// e2eConfig is TestE2E's environment.
type e2eConfig struct {
	duration                               string // wrk -d
	killAfter, publishAfter, publishWithin time.Duration
	threads, conns                         int
	nginxConf                              string
}

func e2eFromEnv(t *testing.T) e2eConfig {
	t.Helper()
	env := func(name, def string) string {
		if v := os.Getenv(name); v != "" {
			return v
		}
		return def
	}
	// seconds reads "2", "1.5" (as sleep takes them) or "2s".
	seconds := func(name, def string) time.Duration {
		v := env(name, def)
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f <= 0 {
			t.Fatalf("%s=%q: want a number of seconds", name, v)
		}
		return time.Duration(f * float64(time.Second))
	}
	count := func(name, def string) int {
		n, err := strconv.Atoi(env(name, def))
		if err != nil || n <= 0 {
			t.Fatalf("%s=%q: want a positive number", name, env(name, def))
		}
		return n
	}
	c := e2eConfig{
		duration:      env("DURATION", "6s"),
		killAfter:     seconds("KILL_AFTER", "2"),
		publishAfter:  seconds("PUBLISH_AFTER", "1.5"),
		publishWithin: seconds("PUBLISH_WITHIN", "5"),
		threads:       count("THREADS", "2"),
		conns:         count("CONNS", "16"),
		nginxConf:     env("NGINX_CONF", "deploy/nginx.conf"),
	}
	if !filepath.IsAbs(c.nginxConf) {
		c.nginxConf = filepath.Join(root, c.nginxConf)
	}
	return c
}

// e2eCheck runs TestE2E's requests.
type e2eCheck struct {
	t         *testing.T
	c, poll   *http.Client // for the checks (10 s), and the polls (5 s)
	base, pub string
	failures  int
}

// want sends r and checks the status, the Content-Type and the body:
// want is a published file ("@api/…") whose bytes the body must equal, or
// a prefix of the body.
func (e *e2eCheck) want(r req, status int, ctype, want string) {
	e.t.Helper()
	a := do(e.c, e.base, r)
	what := r.method + " " + r.path
	fail := func(format string, args ...any) {
		e.t.Helper()
		e.failures++
		e.t.Errorf("FAIL %s: "+format, append([]any{what}, args...)...)
	}
	file, isFile := strings.CutPrefix(want, "@")
	switch {
	case a.err != nil:
		fail("%v", a.err)
	case a.status != status:
		fail("status %d, want %d: %s", a.status, status, short(string(a.body), 200))
	case a.header.Get("Content-Type") != ctype:
		fail("Content-Type '%s', want '%s'", a.header.Get("Content-Type"), ctype)
	case isFile && !sameFile(a.body, filepath.Join(e.pub, file)):
		fail("body differs from %s", file)
	case !isFile && !bytes.HasPrefix(a.body, []byte(want)):
		fail("body '%s', want '%s…'", short(string(a.body), 200), want)
	default:
		e.t.Logf("ok   %s -> %d", what, a.status)
	}
}

var releaseField = regexp.MustCompile(`"release":"([0-9a-f]+)"`)

// releaseOf returns the release in base's /readyz answer, or "".
func (e *e2eCheck) releaseOf(base string) string {
	body, err := ok2xx(do(e.poll, base, get("/readyz")))
	if err != nil {
		return ""
	}
	if m := releaseField.FindSubmatch(body); m != nil {
		return string(m[1])
	}
	return ""
}

// free reports whether the search at base lists e2eRoom as free in
// e2eSlot; an error when it does not answer a 2xx JSON array.
func (e *e2eCheck) free(base string) (bool, error) {
	free, _, err := e.search(base)
	return free, err
}

// viaNginx is free through nginx; it also returns the port of the replica
// that answered (the last one tried), 0 when none did.
func (e *e2eCheck) viaNginx() (free bool, answered int, err error) {
	return e.search(e.base)
}

func (e *e2eCheck) search(base string) (free bool, answered int, err error) {
	a := do(e.poll, base, post("/api/rooms/find_free_rooms", jsonType, e2eSlot))
	if v := a.header.Values("X-E2E-Upstream"); len(v) > 0 {
		last := v[len(v)-1]
		answered, _ = strconv.Atoi(last[strings.LastIndex(last, ":")+1:])
	}
	body, err := ok2xx(a)
	if err != nil {
		return false, answered, err
	}
	if !bytes.HasPrefix(body, []byte("[")) {
		return false, answered, fmt.Errorf("not a JSON array: %s", short(string(body), 200))
	}
	return bytes.Contains(body, []byte(`"name":"`+e2eRoom+`"`)), answered, nil
}

// release2Everywhere returns "" when both sidecars (directly and through
// nginx) and nginx's static files serve release 2, else what does not.
func (e *e2eCheck) release2Everywhere(oldRelease, marker string, sa, sb *sidecar) string {
	for _, s := range []struct {
		name string
		sc   *sidecar
	}{{"a", sa}, {"b", sb}} {
		if r := e.releaseOf(s.sc.url()); r == "" || r == oldRelease {
			return fmt.Sprintf("sidecar %s still on release %.12s", s.name, oldRelease)
		}
		if free, err := e.free(s.sc.url()); err != nil || free {
			return fmt.Sprintf("sidecar %s: %s free in the slot (or error: %v)", s.name, e2eRoom, err)
		}
	}
	// Through nginx: up to 10 searches (round-robin over both replicas),
	// until both replicas have answered.
	by := map[int]bool{}
	for range 10 {
		free, answered, err := e.viaNginx()
		if err != nil || free {
			return fmt.Sprintf("nginx: %s free in the slot (or error: %v; replica :%d)", e2eRoom, err, answered)
		}
		by[answered] = true
		if by[sa.port] && by[sb.port] {
			break
		}
	}
	if !by[sa.port] || !by[sb.port] {
		return fmt.Sprintf("nginx: not both replicas answered in 10 searches (%v)", by)
	}
	// And the room's static JSON and feed.
	room, _ := ok2xx(do(e.poll, e.base, get("/api/rooms/"+e2eRoom)))
	ics, _ := ok2xx(do(e.poll, e.base, get("/api/rooms/"+e2eRoom+".ics")))
	if !bytes.Contains(room, []byte(`"name":"`+marker+`"`)) {
		return "nginx: /api/rooms/" + e2eRoom + " lacks the booking"
	}
	if !bytes.Contains(ics, []byte("SUMMARY:"+marker)) {
		return "nginx: /api/rooms/" + e2eRoom + ".ics lacks the booking"
	}
	return ""
}

// load is one run of wrk against nginx.
type load struct {
	name    string
	p       *proc
	out     string
	started time.Time
}

// startLoad starts wrk in the background against nginx's searches, with
// testdata/load.lua.
func startLoad(t *testing.T, cfg e2eConfig, work, base, name string) *load {
	t.Helper()
	script, err := filepath.Abs("testdata/load.lua")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(work, "wrk-"+name[:1]+".out")
	cmd := exec.Command("wrk", fmt.Sprintf("-t%d", cfg.threads), fmt.Sprintf("-c%d", cfg.conns), "-d"+cfg.duration,
		"--timeout", "4s", "-s", script, base+"/api/rooms/find_free_rooms")
	cmd.Env = append(os.Environ(), "E2E_FREE_BODY="+freeQuery, "E2E_SOONEST_BODY="+soonestQuery)
	return &load{name: name, p: start(t, "wrk", out, syscall.SIGKILL, false, cmd), out: out, started: time.Now()}
}

// finish waits for wrk (at most 60 s from its start), checks that no
// request failed and returns its line of the summary.
func (l *load) finish(t *testing.T) string {
	t.Helper()
	select {
	case <-l.p.done:
	case <-time.After(time.Until(l.started.Add(60 * time.Second))):
		l.p.stop(syscall.SIGKILL, 10*time.Second)
	}
	out, _ := os.ReadFile(l.out)
	var line string
	for _, s := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(s, "RESULT ") {
			line = s
		}
	}
	f := strings.Fields(line)
	var n [9]int
	ok := len(f) == 12
	for i := range n {
		if !ok {
			break
		}
		var err error
		n[i], err = strconv.Atoi(f[1+i])
		ok = err == nil
	}
	if !ok {
		t.Fatalf("wrk (%s) gave no result (exit: %v):\n%s", l.name, l.p.err, out)
	}
	reqs, connect, read, write, timeout, status, non2xx, s5xx, badbody := n[0], n[1], n[2], n[3], n[4], n[5], n[6], n[7], n[8]
	failed := connect + read + write + timeout + non2xx + badbody
	if failed > 0 || reqs == 0 {
		t.Errorf("FAIL phase %s: %d failed request(s) of %d", l.name, failed, reqs)
	} else {
		t.Logf("phase %s: %d requests, 0 failed", l.name, reqs)
	}
	return fmt.Sprintf("%-34s %9d %8d %8s %8d %8d %8d %8d %8d %8s %8s", l.name, reqs, failed,
		fmt.Sprintf("%d/%d/%d", connect, read, write), timeout, status, non2xx, s5xx, badbody, f[10], f[11])
}
