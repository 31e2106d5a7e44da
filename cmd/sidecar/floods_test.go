package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"occupancy/snapshot/snapshottest"
)

// dialFrom connects to addr from the loopback address from (all of
// 127.0.0.0/8 is local), so that the attacker and the probes are two
// clients to the server.
func dialFrom(from, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}, Timeout: 2 * time.Second}
	return d.Dial("tcp", addr)
}

// probe sends n searches from 127.0.0.3, one after another, each with a
// 2-second limit, and returns the failures.
func probe(addr string, n int) []string {
	tr := &http.Transport{DialContext: func(_ context.Context, _, a string) (net.Conn, error) { return dialFrom("127.0.0.3", a) }, DisableKeepAlives: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Timeout: 2 * time.Second, Transport: tr}
	var failed []string
	for i := range n {
		resp, err := client.Post("http://"+addr+"/api/rooms/find_soonest_bookings", "application/json", strings.NewReader(`{"after_date":"2026-11-26T10:00"}`))
		if err != nil {
			failed = append(failed, fmt.Sprintf("probe %d: %v", i, err))
		} else {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				failed = append(failed, fmt.Sprintf("probe %d: %s", i, resp.Status))
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return failed
}

// TestConnectionFloods: with the default limit per client address, one
// client holding more connections than the server takes in all (idle,
// sending its request head a byte at a time, or pipelining requests it
// never reads the answers of) does not keep another client from being
// served. Before, 5,000 idle connections against the default -max-conns
// 4096 made every other client get 503 until they timed out; the test
// scales that down (-max-conns 600, 800 connections) to stay quick under
// the race detector.
func TestConnectionFloods(t *testing.T) {
	dir := t.TempDir()
	snap := filepath.Join(dir, "occupancy.snapshot")
	snapshottest.Put(t, snap, snapshottest.Bytes(t, snapshottest.Options{Rooms: 40, Seed: 1}))
	r := startRun(t, "-snapshot", snap, "-static", "", "-max-conns", "600")
	if f := probe(r.addr, 1); len(f) > 0 {
		// The server is starting: give it a moment, once.
		time.Sleep(500 * time.Millisecond)
		if f := probe(r.addr, 1); len(f) > 0 {
			t.Fatalf("the server does not answer: %v\n%s", f, r.stderr.String())
		}
	}
	const conns = 800
	attacks := []struct {
		name string
		use  func(c net.Conn, stop <-chan struct{})
	}{
		{"idle", func(c net.Conn, stop <-chan struct{}) { <-stop }},
		{"slowloris", func(c net.Conn, stop <-chan struct{}) {
			head := "POST /api/rooms/find_soonest_bookings HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("a", 100)
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(300 * time.Millisecond):
				}
				if _, err := c.Write([]byte{head[i%len(head)]}); err != nil {
					return
				}
			}
		}},
		{"pipelining, never reading", func(c net.Conn, stop <-chan struct{}) {
			// Enough requests at once that their answers fill the socket's
			// buffers: the server's writes then block until the write
			// timeout, holding the connection.
			req := "POST /api/rooms/find_soonest_bookings HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 33\r\n\r\n{\"after_date\":\"2026-11-26T10:00\"}"
			c.SetWriteDeadline(time.Now().Add(2 * time.Second))
			c.Write([]byte(strings.Repeat(req, 300)))
			<-stop
		}},
	}
	for _, a := range attacks {
		t.Run(a.name, func(t *testing.T) {
			stop := make(chan struct{})
			var wg sync.WaitGroup
			var mu sync.Mutex
			var held []net.Conn
			refused := 0
			for range conns {
				c, err := dialFrom("127.0.0.2", r.addr)
				if err != nil {
					refused++
					continue
				}
				held = append(held, c)
				wg.Go(func() { a.use(c, stop) })
			}
			defer func() {
				close(stop)
				mu.Lock()
				for _, c := range held {
					c.Close()
				}
				mu.Unlock()
				wg.Wait()
			}()
			time.Sleep(300 * time.Millisecond) // the attack under way
			if failed := probe(r.addr, 10); len(failed) > 0 {
				t.Errorf("%d of 10 probes failed while another client held %d connections (%d refused): %s",
					len(failed), conns, refused, strings.Join(failed[:min(3, len(failed))], "; "))
			}
		})
	}
	r.stop(t)
}
