//go:build integration

package integration

// Starting and stopping the real servers: the commands built once, free
// loopback ports, sidecars, nginx with the shipped configuration templated.

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	root    string // the repository
	tempDir string // everything the tests write: bin/ and one folder per test
	binDir  string // the commands, built once per test binary

	buildMu sync.Mutex
	built   = map[string]string{} // package -> binary
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	wd, err := os.Getwd()
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	root = filepath.Dir(filepath.Dir(wd)) // go test runs in scripts/integration
	if _, err := os.Stat(filepath.Join(root, "deploy", "nginx.conf")); err != nil {
		fmt.Fprintln(os.Stderr, "integration: not in the repository's scripts/integration:", err)
		return 1
	}
	tempDir, err = os.MkdirTemp("", "occupancy-integration-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	defer os.RemoveAll(tempDir)
	binDir = filepath.Join(tempDir, "bin")
	if err := os.Mkdir(binDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "integration:", err)
		return 1
	}
	// Interrupted (Ctrl-C, go test's own signal), the tests' cleanups do
	// not run: kill what they started, and remove what they wrote.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		s := <-sig
		killAll()
		removeAll(tempDir)
		fmt.Fprintf(os.Stderr, "integration: %v: stopped every process and removed %s\n", s, tempDir)
		os.Exit(1)
	}()
	return m.Run()
}

// workDir returns a new folder for a test, removed when it ends (and on
// an interrupt, with the rest of tempDir).
func workDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(tempDir, strings.ReplaceAll(t.Name(), "/", "_")+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeAll(dir) })
	return dir
}

// removeAll removes dir, trying again while a process that was just
// stopped may still write in it.
func removeAll(dir string) {
	for range 50 {
		if err := os.RemoveAll(dir); err == nil {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// command builds the main package pkg (as "./cmd/build", from the
// repository) once per test binary, as `go run` would, and returns the
// binary: timings under load are then the programs', not the compiler's.
func command(t *testing.T, pkg string) string {
	t.Helper()
	buildMu.Lock()
	defer buildMu.Unlock()
	if bin, ok := built[pkg]; ok {
		return bin
	}
	bin := filepath.Join(binDir, path.Base(pkg))
	cmd := exec.Command("go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, out)
	}
	built[pkg] = bin
	return bin
}

// runCommand runs a command to its end and fails the test, with its
// output, when it fails.
func runCommand(t *testing.T, what, bin string, args ...string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %s %s: %v\n%s", what, filepath.Base(bin), strings.Join(args, " "), err, out)
	}
}

// The brotli_static module that deploy/nginx.conf uses, from Debian's
// libnginx-mod-http-brotli-static; the test's nginx.conf loads it.
const brotliModule = "/usr/lib/nginx/modules/ngx_http_brotli_static_module.so"

// need fails the test when a program (or, for an absolute path, a file) is
// missing, naming the Debian package that has it. A check never skips.
func need(t *testing.T, what, pkg string) {
	t.Helper()
	var err error
	if filepath.IsAbs(what) {
		_, err = os.Stat(what)
	} else {
		_, err = exec.LookPath(what)
	}
	if err != nil {
		t.Fatalf("%s is missing: install the Debian package %s (apt-get install -y %s; the scripts in scripts/ do it when run as root): %v", what, pkg, pkg, err)
	}
}

func needNginx(t *testing.T) {
	t.Helper()
	need(t, "nginx", "nginx-light")
	need(t, brotliModule, "libnginx-mod-http-brotli-static")
}

var (
	portsMu sync.Mutex
	given   = map[int]bool{}
)

// freePort returns a loopback TCP port that nothing is bound to, never the
// same twice in a test binary. It is below Linux's ephemeral ports
// (32768-60999), so that no outgoing connection (wrk's, nginx's to the
// sidecars) takes it before, or while, a server listens on it: a sidecar
// restarted on its port must find it free.
func freePort(t *testing.T) int {
	t.Helper()
	portsMu.Lock()
	defer portsMu.Unlock()
	for range 50 {
		p := 20000 + rand.IntN(12768)
		if given[p] {
			continue
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p))
		if err != nil {
			continue
		}
		l.Close()
		given[p] = true
		return p
	}
	t.Fatal("no free loopback port")
	return 0
}

var (
	liveMu sync.Mutex
	live   = map[*proc]bool{} // the processes started and not yet exited
)

// killAll kills every process the tests started (nginx with its worker)
// and waits (at most 5 s) until they have exited.
func killAll() {
	liveMu.Lock()
	procs := make([]*proc, 0, len(live))
	for p := range live {
		procs = append(procs, p)
	}
	liveMu.Unlock()
	for _, p := range procs {
		p.kill()
	}
	deadline := time.After(5 * time.Second)
	for _, p := range procs {
		select {
		case <-p.done:
		case <-deadline:
			return
		}
	}
}

// proc is a process started by a test, stopped in its cleanup.
type proc struct {
	name  string
	cmd   *exec.Cmd
	done  chan struct{} // closed when it has exited
	err   error         // its exit, once done
	group bool          // in a process group of its own, killed whole
}

// start starts cmd with its output appended to logFile, and stops it
// (SIGTERM, then SIGKILL after 15 s) when the test ends. Should the test
// binary die first (a timeout, an interrupt), the kernel sends the process
// deathSig. With group, the process leads a process group of its own (nginx
// and its worker), killed whole if it does not stop by itself.
func start(t *testing.T, name, logFile string, deathSig syscall.Signal, group bool, cmd *exec.Cmd) *proc {
	t.Helper()
	f, err := os.OpenFile(logFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = f, f
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: deathSig, Setpgid: group}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p := &proc{name: name, cmd: cmd, done: make(chan struct{}), group: group}
	liveMu.Lock()
	live[p] = true
	liveMu.Unlock()
	go func() {
		p.err = cmd.Wait()
		liveMu.Lock()
		delete(live, p)
		liveMu.Unlock()
		close(p.done)
	}()
	t.Cleanup(func() { p.stop(syscall.SIGTERM, 15*time.Second) })
	return p
}

// exited reports whether the process has exited.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// stop sends sig and waits for the process to exit; past grace it kills it
// (and its group). It does nothing to a process that has exited.
func (p *proc) stop(sig syscall.Signal, grace time.Duration) {
	if p.exited() {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
		return
	case <-time.After(grace):
	}
	p.kill()
	<-p.done
}

// kill sends SIGKILL to the process, or to its whole group.
func (p *proc) kill() {
	if p.group {
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	} else {
		_ = p.cmd.Process.Kill()
	}
}

// sidecar is one sidecar process on its loopback port.
type sidecar struct {
	*proc
	port int
	log  string
}

func (s *sidecar) url() string { return fmt.Sprintf("http://127.0.0.1:%d", s.port) }

// startSidecar starts cmd/sidecar on 127.0.0.1:port (a free port when 0)
// serving the snapshot of the tree pub and nothing static, with extra
// flags, its output appended to work/NAME.log. It does not wait for it.
func startSidecar(t *testing.T, work, name, pub string, port int, flags ...string) *sidecar {
	t.Helper()
	if port == 0 {
		port = freePort(t)
	}
	args := append([]string{"-addr", fmt.Sprintf("127.0.0.1:%d", port),
		"-snapshot", filepath.Join(pub, "occupancy.snapshot"), "-static", ""}, flags...)
	logFile := filepath.Join(work, name+".log")
	p := start(t, name, logFile, syscall.SIGKILL, false, exec.Command(command(t, "./cmd/sidecar"), args...))
	return &sidecar{proc: p, port: port, log: logFile}
}

// waitReady waits (at most 10 s) until url answers 2xx, failing the test
// early when p exits.
func waitReady(t *testing.T, url string, p *proc) {
	t.Helper()
	c := newClient(time.Second)
	for range 100 {
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				return
			}
		}
		if p.exited() {
			t.Fatalf("%s exited (%v) before %s answered", p.name, p.err, url)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s not ready after 10 s: %s", p.name, url)
}

// nginxServer is a test's own nginx.
type nginxServer struct {
	*proc
	port     int
	errorLog string
}

func (n *nginxServer) url() string { return fmt.Sprintf("http://127.0.0.1:%d", n.port) }

// upstreamServer matches the templated upstream's server lines.
var upstreamServer = regexp.MustCompile(`(?m)^ +server 127\.0\.0\.1:[0-9]+;`)

// templateNginx writes work/occupancy.conf: conf (the shipped
// deploy/nginx.conf) listening on 127.0.0.1:nginxPort, serving the tree
// pub, and its upstream's server line replaced by one line per sidecar
// port. It fails when a marked line could not be changed.
func templateNginx(t *testing.T, conf, work, pub string, nginxPort int, sidecarPorts []int) string {
	t.Helper()
	b, err := os.ReadFile(conf)
	if err != nil {
		t.Fatal(err)
	}
	const (
		serverLine = "    server 127.0.0.1:8080;"
		listenLine = "    listen 80;"
		rootLine   = "    root /srv/occupancy/public;"
	)
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, serverLine):
			// The first sidecar keeps the line's comment; the others follow.
			s := fmt.Sprintf("    server 127.0.0.1:%d;%s", sidecarPorts[0], l[len(serverLine):])
			for _, p := range sidecarPorts[1:] {
				s += fmt.Sprintf("\n    server 127.0.0.1:%d;", p)
			}
			lines[i] = s
		case strings.HasPrefix(l, listenLine):
			lines[i] = fmt.Sprintf("    listen 127.0.0.1:%d;%s", nginxPort, l[len(listenLine):])
		case strings.HasPrefix(l, rootLine):
			lines[i] = "    root " + pub + ";" + l[len(rootLine):]
		}
	}
	out := strings.Join(lines, "\n")
	wants := []string{fmt.Sprintf("listen 127.0.0.1:%d;", nginxPort), "root " + pub + ";"}
	for _, p := range sidecarPorts {
		wants = append(wants, fmt.Sprintf("    server 127.0.0.1:%d;", p))
	}
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Fatalf("could not template %q into %s", w, conf)
		}
	}
	if n := len(upstreamServer.FindAllString(out, -1)); n != len(sidecarPorts) {
		t.Fatalf("the templated upstream of %s has %d servers, want %d", conf, n, len(sidecarPorts))
	}
	file := filepath.Join(work, "occupancy.conf")
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

// startNginx writes work/nginx.conf, the main configuration of the test's
// own nginx (in the foreground, pid, logs and temporary files under work,
// the brotli module loaded, conns connections for its one worker)
// including the templated conf (see templateNginx) and the extra lines in
// its http block; checks it with nginx -t, starts nginx and waits (at most
// 10 s) until its /readyz, proxied to the sidecars, answers.
func startNginx(t *testing.T, conf, work, pub string, sidecarPorts []int, conns int, extra ...string) *nginxServer {
	t.Helper()
	needNginx(t)
	port := freePort(t)
	included := templateNginx(t, conf, work, pub, port, sidecarPorts)
	tmp := filepath.Join(work, "tmp")
	if err := os.MkdirAll(tmp, 0o755); err != nil {
		t.Fatal(err)
	}
	errorLog := filepath.Join(work, "error.log")
	var c bytes.Buffer
	fmt.Fprintf(&c, "load_module %s;\n", brotliModule)
	fmt.Fprintf(&c, "worker_processes 1;\n")
	fmt.Fprintf(&c, "daemon off;\n")
	fmt.Fprintf(&c, "pid %s;\n", filepath.Join(work, "nginx.pid"))
	fmt.Fprintf(&c, "error_log %s warn;\n", errorLog)
	if os.Geteuid() == 0 {
		fmt.Fprintf(&c, "user root;\n") // the worker reads the test's temporary folders
	}
	fmt.Fprintf(&c, "events { worker_connections %d; }\n", conns)
	fmt.Fprintf(&c, "http {\n    access_log off;\n")
	for _, l := range extra {
		fmt.Fprintf(&c, "    %s\n", l)
	}
	for _, p := range []string{"client_body", "proxy", "fastcgi", "uwsgi", "scgi"} {
		fmt.Fprintf(&c, "    %s_temp_path %s;\n", p, filepath.Join(tmp, strings.TrimPrefix(p, "client_")))
	}
	fmt.Fprintf(&c, "    include %s;\n}\n", included)
	main := filepath.Join(work, "nginx.conf")
	if err := os.WriteFile(main, c.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("nginx", "-t", "-q", "-c", main, "-e", errorLog).CombinedOutput(); err != nil {
		log, _ := os.ReadFile(errorLog)
		t.Fatalf("nginx -t: %v\n%s%s", err, out, log)
	}
	// SIGTERM when the test binary dies: nginx then stops its worker.
	p := start(t, "nginx", filepath.Join(work, "nginx.out"), syscall.SIGTERM, true, exec.Command("nginx", "-c", main, "-e", errorLog))
	n := &nginxServer{proc: p, port: port, errorLog: errorLog}
	waitReady(t, n.url()+"/readyz", p)
	return n
}

// dumpLogs logs the last lines of each file when the test has failed.
// Register it after the processes: cleanups run last first.
func dumpLogs(t *testing.T, files ...string) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil || len(b) == 0 {
				continue
			}
			lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
			lines = lines[max(0, len(lines)-20):]
			t.Logf("--- %s (last %d lines)\n%s", filepath.Base(f), len(lines), strings.Join(lines, "\n"))
		}
	})
}

// newClient is an HTTP client that does what curl does by default: no
// proxy from the environment, no redirect followed, no Accept-Encoding
// added (and no body decoded) unless a request asks, and a time limit.
func newClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout:       timeout,
		Transport:     &http.Transport{DisableCompression: true, MaxIdleConnsPerHost: 4},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// req is one request of a check.
type req struct {
	method, path string
	body         []byte
	header       []string // name, value, name, value…
}

const jsonType = "application/json"

func get(path string, header ...string) req { return req{method: "GET", path: path, header: header} }

// post sends body with the Content-Type ctype (curl -d sends
// application/x-www-form-urlencoded unless told).
func post(path, ctype, body string) req {
	return req{method: "POST", path: path, body: []byte(body), header: []string{"Content-Type", ctype}}
}

// answer is what came back: the status, headers and whole body, or err.
type answer struct {
	status int
	header http.Header
	body   []byte
	err    error
}

// do sends r to base (the path as is: nothing cleaned or re-escaped) with
// the extra header lines, and reads the whole answer.
func do(c *http.Client, base string, r req, header ...string) answer {
	var body io.Reader
	if r.body != nil {
		body = bytes.NewReader(r.body)
	}
	hr, err := http.NewRequest(r.method, base+r.path, body)
	if err != nil {
		return answer{err: err}
	}
	h := append(append([]string{}, header...), r.header...) // the request's own win
	for i := 0; i+1 < len(h); i += 2 {
		hr.Header.Set(h[i], h[i+1])
	}
	resp, err := c.Do(hr)
	if err != nil {
		return answer{err: err}
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	_, err = buf.ReadFrom(resp.Body)
	return answer{status: resp.StatusCode, header: resp.Header, body: buf.Bytes(), err: err}
}

// short is s cut to n bytes for a message.
func short(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

// ok2xx returns a's body, or an error unless a is a 2xx answer (as
// curl -f fails).
func ok2xx(a answer) ([]byte, error) {
	if a.err != nil {
		return nil, a.err
	}
	if a.status/100 != 2 {
		return nil, fmt.Errorf("status %d: %s", a.status, short(string(a.body), 200))
	}
	return a.body, nil
}

// sameFile reports whether b is the bytes of file.
func sameFile(b []byte, file string) bool {
	want, err := os.ReadFile(file)
	return err == nil && bytes.Equal(b, want)
}
