package sidecar_test

import (
	"context"
	"errors"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"occupancy/sidecar"
)

// loopback is a sidecar on a real 127.0.0.1 listener, for what an
// in-memory listener cannot show: timeouts, connection limits and clients
// that write more than the server reads.
type loopback struct {
	addr string
}

func newLoopback(tb testing.TB, edit func(*sidecar.Config)) *loopback {
	tb.Helper()
	dir := tb.TempDir()
	cfg := sidecar.DefaultConfig()
	cfg.SnapshotPath = filepath.Join(dir, "occupancy.snapshot")
	cfg.StaticDir = ""
	if edit != nil {
		edit(&cfg)
	}
	writeSnapshot(tb, cfg.SnapshotPath, sampleSnapshot(tb))
	srv, err := sidecar.New(cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil {
			tb.Errorf("Serve: %v", err)
		}
	}()
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			tb.Errorf("Shutdown: %v", err)
		}
		<-done
	})
	return &loopback{addr: ln.Addr().String()}
}

func (lb *loopback) dial() (net.Conn, error) {
	return net.DialTimeout("tcp", lb.addr, 2*time.Second)
}

// search runs one valid search on a new connection and returns its status.
func (lb *loopback) search(tb testing.TB) (int, time.Duration) {
	start := time.Now()
	body := `{"after_date":"2026-11-28T09:30"}`
	r := rawDo(tb, lb.dial, "POST "+soonestPath+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: 33\r\n\r\n"+body)
	if !strings.HasPrefix(r.body, `[{"name":"BC01"`) {
		tb.Errorf("search: %d %.100s", r.status, r.body)
	}
	return r.status, time.Since(start)
}

// TestSlowClients: clients that trickle their request one byte per 100 ms,
// trickle the body, or send nothing are cut off by ReadTimeout (and an idle
// keep-alive connection by IdleTimeout), while other clients are served.
func TestSlowClients(t *testing.T) {
	t.Parallel()
	const (
		readTimeout = 300 * time.Millisecond
		idleTimeout = 400 * time.Millisecond
		bound       = 15 * time.Second // slack over the timeout for -race and a loaded CI machine: it catches a timeout that never fires, not a slow one
		perKind     = 8
	)
	lb := newLoopback(t, func(c *sidecar.Config) {
		c.ReadTimeout = readTimeout
		c.IdleTimeout = idleTimeout
	})
	head := "POST " + soonestPath + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 33\r\n\r\n"
	body := `{"after_date":"2026-11-28T09:30"}`
	kinds := []struct {
		name    string
		prefix  string // sent at once
		trickle string // then one byte per 100 ms
		limit   time.Duration
	}{
		{"headers one byte per 100 ms", "", head + body, readTimeout},
		{"body one byte per 100 ms", head, body, readTimeout},
		{"nothing sent", "", "", readTimeout},
		{"idle after a request", head + body, "", idleTimeout},
	}
	type result struct {
		kind    int
		elapsed time.Duration
		got     string
		err     error
	}
	results := make(chan result, len(kinds)*perKind)
	var wg sync.WaitGroup
	for k, kind := range kinds {
		for range perKind {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start := time.Now() // before the server can accept, so its clock starts later
				c, err := lb.dial()
				if err != nil {
					results <- result{kind: k, err: err}
					return
				}
				defer c.Close()
				c.SetDeadline(start.Add(10 * time.Second)) //nolint:errcheck // a failure shows as a late close
				closed := make(chan struct{})
				go func() {
					if _, err := io.WriteString(c, kind.prefix); err != nil {
						return
					}
					for i := 0; i < len(kind.trickle); i++ {
						select {
						case <-closed:
							return
						case <-time.After(100 * time.Millisecond):
						}
						if _, err := c.Write([]byte{kind.trickle[i]}); err != nil {
							return
						}
					}
				}()
				got, err := io.ReadAll(c) // until the server closes
				close(closed)
				if errors.Is(err, net.ErrClosed) || isReset(err) {
					err = nil
				}
				results <- result{kind: k, elapsed: time.Since(start), got: string(got), err: err}
			}()
		}
	}

	// Meanwhile other clients are served, promptly.
	stop := make(chan struct{})
	served := make(chan int, 1)
	go func() {
		n := 0
		defer func() { served <- n }()
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			status, d := lb.search(t)
			if status != 200 || d > bound {
				t.Errorf("a search during the slow clients = %d in %v", status, d)
			}
			n++
		}
	}()
	wg.Wait()
	close(stop)
	close(results)
	for r := range results {
		kind := kinds[r.kind]
		if r.err != nil {
			t.Errorf("%s: %v", kind.name, r.err)
			continue
		}
		if r.elapsed < kind.limit-50*time.Millisecond || r.elapsed > kind.limit+bound {
			t.Errorf("%s: closed after %v, want about %v", kind.name, r.elapsed, kind.limit)
		}
		// What was sent: nothing, a 408 JSON error, or (for the idle
		// connection) the answer to its one request.
		switch {
		case r.got == "":
		case r.kind == 3:
			if !strings.HasPrefix(r.got, "HTTP/1.1 200 ") || strings.Count(r.got, "HTTP/1.1") != 1 {
				t.Errorf("%s: got %.200q", kind.name, r.got)
			}
		default:
			resp := parseRaw(t, []byte(r.got)).asResponse()
			checkJSONError(t, kind.name, resp, 408, "Request timed out")
		}
	}
	n := <-served
	if n == 0 {
		t.Error("no search was served during the slow clients")
	}
	t.Logf("%d slow connections cut off; %d searches served meanwhile", len(kinds)*perKind, n)
	if status, _ := lb.search(t); status != 200 {
		t.Errorf("search afterwards = %d", status)
	}
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

// TestLimitsOnLoopback: a body far over the limit (declared or chunked),
// headers over the limit, and connections over the limits are refused
// early, and the server stays healthy.
func TestLimitsOnLoopback(t *testing.T) {
	t.Parallel()
	lb := newLoopback(t, nil)
	req := func(headers, body string) string {
		return "POST " + freePath + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\n" + headers + "\r\n" + body
	}
	var chunked strings.Builder
	for range 200 {
		chunked.WriteString("400\r\n" + strings.Repeat("a", 0x400) + "\r\n") // 200 KiB in 1 KiB chunks
	}
	chunked.WriteString("0\r\n\r\n")
	tests := []struct {
		name   string
		req    string
		status int
		want   string
	}{
		{"declared 100 MiB, 1 MiB sent", req("Content-Length: 104857600\r\n", strings.Repeat("a", 1<<20)), 413, "Request body too large (at most 65536 bytes)"},
		{"10 MiB sent", req("Content-Length: 10485760\r\n", strings.Repeat("[", 10<<20)), 413, "Request body too large"},
		{"chunked 200 KiB", req("Transfer-Encoding: chunked\r\n", chunked.String()), 413, "Request body too large"},
		{"a 16 KiB header", req("X-Big: "+strings.Repeat("b", 16<<10)+"\r\nContent-Length: 2\r\n", "{}"), 431, "Request headers too large (at most 8192 bytes)"},
		{"2,000 headers", req(strings.Repeat("X-A: b\r\n", 2000)+"Content-Length: 2\r\n", "{}"), 431, "Request headers too large"},
		{"a 100 KiB path", "GET /api/rooms/" + strings.Repeat("a", 100<<10) + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 431, "Request headers too large"},
		{"bad Content-Length", req("Content-Length: -5\r\n", "{}"), 400, "Malformed HTTP request"},
		{"not HTTP", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 hello\r\n\r\n", 400, "Malformed HTTP request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			start := time.Now()
			r := rawDo(t, lb.dial, tt.req)
			if d := time.Since(start); d > perRequest {
				t.Errorf("%s: took %v", tt.name, d)
			}
			checkJSONError(t, tt.name, r.asResponse(), tt.status, tt.want)
		})
	}
	if status, _ := lb.search(t); status != 200 {
		t.Errorf("search afterwards = %d", status)
	}
}

// TestConnectionLimits: connections over MaxConns get 503 and over
// MaxConnsPerIP 429, at once (fasthttp writes these in plain text before
// any handler runs); the server serves again once connections close.
func TestConnectionLimits(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		edit   func(*sidecar.Config)
		status int
	}{
		{"MaxConns", func(c *sidecar.Config) { c.MaxConns = 3 }, 503},
		{"MaxConnsPerIP", func(c *sidecar.Config) { c.MaxConnsPerIP = 3 }, 429},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lb := newLoopback(t, func(c *sidecar.Config) {
				tt.edit(c)
				c.ReadTimeout = 5 * time.Second
			})
			var held []net.Conn
			for range 3 {
				c, err := lb.dial()
				if err != nil {
					t.Fatal(err)
				}
				held = append(held, c)
			}
			// Let the server accept the held connections before the next one.
			time.Sleep(100 * time.Millisecond)
			start := time.Now()
			r := rawDo(t, lb.dial, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
			if r.status != tt.status || time.Since(start) > perRequest {
				t.Errorf("%s: a fourth connection = %d after %v, want %d at once", tt.name, r.status, time.Since(start), tt.status)
			}
			for _, c := range held {
				c.Close()
			}
			ok := false
			for i := 0; i < 50 && !ok; i++ {
				time.Sleep(20 * time.Millisecond)
				r := rawDo(t, lb.dial, "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
				ok = r.status == 200
			}
			if !ok {
				t.Errorf("%s: not served again after the held connections closed", tt.name)
			}
		})
	}
}
