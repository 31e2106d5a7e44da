package sidecar_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"occupancy/sidecar"
	"occupancy/sidecar/sidecartest"
	"occupancy/snapshot"
)

// TestSoak is the long form of TestReloadChurn: one minute of load with a
// new snapshot file every second. It runs only with OCCUPANCY_SOAK=1:
//
//	OCCUPANCY_SOAK=1 go test -run Soak -timeout 10m ./sidecar/
//
// OCCUPANCY_SOAK_DURATION (a Go duration, default 1m) changes its length.
func TestSoak(t *testing.T) {
	if os.Getenv("OCCUPANCY_SOAK") != "1" {
		t.Skip("set OCCUPANCY_SOAK=1 to run the soak test")
	}
	d := time.Minute
	if s := os.Getenv("OCCUPANCY_SOAK_DURATION"); s != "" {
		var err error
		if d, err = time.ParseDuration(s); err != nil || d <= 0 || d > 8*time.Minute {
			t.Fatalf("OCCUPANCY_SOAK_DURATION=%q: want a duration up to 8m", s)
		}
	}
	reloadChurn(t, d, time.Second, 250*time.Millisecond)
}

// generation builds snapshot g of the churn tests. Its room set and
// bookings depend on g, so that a response mixing two snapshots is
// detectable from the response alone:
//
//   - rooms G<g>-R0 … G<g>-R<n-1>, n = 3 + g%5;
//   - every room busy on 2026-11-28 from 08:00 for (g%7+1) quarters (ending by 09:45);
//   - room k also busy 10:00–11:00 when (g+k) is even.
func generation(g int) *snapshot.Snapshot {
	s := &snapshot.Snapshot{Release: fmt.Sprintf("gen-%05d", g)}
	day := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	for k := range 3 + g%5 {
		r := snapshot.Room{Name: fmt.Sprintf("G%05d-R%d", g, k), Type: "SALLE", Building: "G"}
		r.Occupy(day.Add(8*time.Hour), day.Add(8*time.Hour+time.Duration(g%7+1)*15*time.Minute))
		if (g+k)%2 == 0 {
			r.Occupy(day.Add(10*time.Hour), day.Add(11*time.Hour))
		}
		s.Rooms = append(s.Rooms, r)
	}
	return s
}

var genName = regexp.MustCompile(`^G(\d{5})-R(\d+)$`)

// checkSoonest checks a find_soonest_bookings answer (after 2026-11-28
// 00:00) against generation g, which it reads from the first room name.
func checkSoonest(body []byte) (int, error) {
	var got []struct {
		Name    string `json:"name"`
		Booking *struct {
			Start string `json:"start_datetime"`
			End   string `json:"end_datetime"`
		} `json:"soonest_booking"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		return 0, err
	}
	if len(got) == 0 {
		return 0, errors.New("no rooms")
	}
	m := genName.FindStringSubmatch(got[0].Name)
	if m == nil {
		return 0, fmt.Errorf("room %q", got[0].Name)
	}
	g, _ := strconv.Atoi(m[1])
	if len(got) != 3+g%5 {
		return g, fmt.Errorf("generation %d: %d rooms, want %d", g, len(got), 3+g%5)
	}
	end := time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC).Add(time.Duration(g%7+1) * 15 * time.Minute).Format(sidecar.DatetimeLayout)
	for k, r := range got {
		if want := fmt.Sprintf("G%05d-R%d", g, k); r.Name != want {
			return g, fmt.Errorf("generation %d: room %d is %q, want %q (a mix of snapshots)", g, k, r.Name, want)
		}
		if r.Booking == nil || r.Booking.Start != "2026-11-28T08:00:00.000Z" || r.Booking.End != end {
			return g, fmt.Errorf("generation %d: room %s: booking %+v, want 08:00 to %s", g, r.Name, r.Booking, end)
		}
	}
	return g, nil
}

// checkFree checks a find_free_rooms answer for 2026-11-28 10:00–11:00:
// exactly the rooms k of one generation g with (g+k) odd.
func checkFree(body []byte) (int, error) {
	var got []struct {
		Name      string  `json:"name"`
		FreeUntil *string `json:"free_until"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		return 0, err
	}
	if len(got) == 0 {
		return 0, errors.New("no free room")
	}
	m := genName.FindStringSubmatch(got[0].Name)
	if m == nil {
		return 0, fmt.Errorf("room %q", got[0].Name)
	}
	g, _ := strconv.Atoi(m[1])
	var want []string
	for k := range 3 + g%5 {
		if (g+k)%2 == 1 {
			want = append(want, fmt.Sprintf("G%05d-R%d", g, k))
		}
	}
	var names []string
	for _, r := range got {
		names = append(names, r.Name)
		if r.FreeUntil != nil {
			return g, fmt.Errorf("generation %d: %s free_until %s, want null", g, r.Name, *r.FreeUntil)
		}
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		return g, fmt.Errorf("generation %d: free rooms %v, want %v (a mix of snapshots)", g, names, want)
	}
	return g, nil
}

// arrival is one kind of file that lands on the snapshot path.
type arrival struct {
	name  string
	valid bool
	want  error // the sentinel a refusal wraps
	make  func(good []byte) []byte
}

var arrivals = []arrival{
	{"valid", true, nil, func(good []byte) []byte { return good }},
	{"truncated", false, snapshot.ErrCorrupt, func(good []byte) []byte { return good[:len(good)*2/3] }},
	{"corrupt byte", false, snapshot.ErrChecksum, func(good []byte) []byte {
		b := bytes.Clone(good)
		b[len(b)/2] ^= 0x5a
		return b
	}},
	{"valid", true, nil, func(good []byte) []byte { return good }},
	{"wrong magic", false, snapshot.ErrMagic, func(good []byte) []byte {
		b := bytes.Clone(good)
		copy(b, "PK\x03\x04")
		return b
	}},
	{"future version", false, snapshot.ErrVersion, func(good []byte) []byte {
		b := bytes.Clone(good)
		binary.LittleEndian.PutUint16(b[8:], snapshot.Version+1)
		reseal(b)
		return b
	}},
	{"valid", true, nil, func(good []byte) []byte { return good }},
	{"empty", false, snapshot.ErrMagic, func([]byte) []byte { return nil }},
	{"trailing bytes", false, snapshot.ErrCorrupt, func(good []byte) []byte { return append(bytes.Clone(good), 0) }},
}

// reseal recomputes the checksum of a snapshot whose header or body was
// edited, so that only the edit is wrong.
func reseal(b []byte) {
	n := len(b) - 32
	sum := sha256.Sum256(b[:n])
	copy(b[n:], sum[:])
}

// reloadChurn runs the sidecar under continuous load while a new snapshot
// file lands every `every` for `total` (see [runChurn]); the watcher polls
// every poll. It also asserts every invalid file refused, logged and
// counted in /metrics, and every valid one counted as a reload.
func reloadChurn(t *testing.T, total, every, poll time.Duration) {
	dir := t.TempDir()
	path := filepath.Join(dir, "occupancy.snapshot")
	write := func(data []byte) {
		t.Helper()
		if err := os.WriteFile(path+".tmp", data, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(path+".tmp", path); err != nil { // as the build publishes
			t.Fatal(err)
		}
	}
	first, err := generation(0).MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	write(first)
	var logs sidecartest.LogBuffer
	cfg := sidecar.DefaultConfig()
	cfg.SnapshotPath = path
	cfg.StaticDir = ""
	cfg.PollInterval = poll
	srv, err := sidecar.New(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ts := serveInMemory(t, srv)
	watchCtx, stopWatch := context.WithCancel(t.Context())
	defer stopWatch()
	go srv.Watch(watchCtx)

	st := runChurn(t, ts, total, every, 10*time.Second, poll/4, write)
	failures := metric(t, ts, "occupancy_snapshot_reload_failures_total")
	reloads := metric(t, ts, "occupancy_snapshot_reloads_total")
	logged := strings.Count(logs.String(), "snapshot load failed")
	if failures < float64(st.invalid) || logged < st.invalid {
		t.Errorf("%d invalid files, %v counted, %d logged", st.invalid, failures, logged)
	}
	if reloads < float64(st.valid+1) {
		t.Errorf("%d valid files (and the first), %v reloads counted", st.valid, reloads)
	}
	t.Logf("%d requests (%d failed); %d files arrived (%d valid, %d invalid; %d via Reload, the rest via the watcher); metrics: %v reloads, %v reload failures; %d failures logged",
		st.requests, st.failed, st.valid+st.invalid, st.valid, st.invalid, st.viaReload, reloads, failures, logged)
}

// churnStats counts what [runChurn] did.
type churnStats struct {
	requests, failed          int64
	valid, invalid, viaReload int
}

// runChurn loads ts (four clients, both searches and /readyz, every answer
// checked against one generation: never two snapshots mixed, never back in
// time, never a generation not yet published) while publish lands a new
// snapshot (generation 1, 2, …; ts must be serving generation 0) every
// `every` for `total`: valid ones, truncated, corrupt, wrong magic, a
// future version, empty and with trailing bytes (see arrivals). Every
// other one is also loaded at once by Reload, as SIGHUP does; the rest
// must be noticed by the server's own watcher within settle (checked every
// tick). After each arrival the right generation must be served and the
// right error, if any, reported. It asserts zero failed requests.
func runChurn(t *testing.T, ts *testServer, total, every, settle, tick time.Duration, publish func([]byte)) churnStats {
	t.Helper()
	srv := ts.srv
	var requests, failed atomic.Int64
	var latest atomic.Int64 // newest generation published
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const maxRequests = 2_000_000 // per client; time bounds the run first
	for w := range 4 {
		wg.Go(func() {
			seen := 0
			fail := func(format string, args ...any) {
				if failed.Add(1) <= 10 {
					t.Errorf("client %d: "+format, append([]any{w}, args...)...)
				}
			}
			for i := 0; i < maxRequests; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var (
					r   response
					g   int
					err error
				)
				switch (w + i) % 3 {
				case 0:
					if r, err = ts.tryDo("POST", soonestPath, `{"after_date":"2026-11-28T00:00"}`, "Content-Type", "application/json"); err == nil && r.status == 200 {
						g, err = checkSoonest([]byte(r.body))
					}
				case 1:
					if r, err = ts.tryDo("POST", freePath, `{"selection":[{"start":"2026-11-28T10:00","end":"2026-11-28T11:00"}]}`, "Content-Type", "application/json"); err == nil && r.status == 200 {
						g, err = checkFree([]byte(r.body))
					}
				case 2:
					if r, err = ts.tryDo("GET", "/readyz", ""); err == nil && r.status == 200 {
						var v struct{ Release string }
						if err = json.Unmarshal([]byte(r.body), &v); err == nil {
							_, err = fmt.Sscanf(v.Release, "gen-%05d", &g)
						}
					}
				}
				requests.Add(1)
				switch {
				case err != nil:
					fail("%v", err)
				case r.status != 200:
					fail("status %d: %.200s", r.status, r.body)
				case g < seen:
					fail("generation %d after %d: went back in time", g, seen)
				case int64(g) > latest.Load():
					fail("generation %d was never published", g)
				default:
					seen = g
				}
			}
		})
	}

	var st churnStats
	gen := 0
	deadline := time.Now().Add(total)
	for i := 0; time.Now().Before(deadline); i++ {
		start := time.Now()
		a := arrivals[i%len(arrivals)]
		next, err := generation(gen + 1).MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		if a.valid {
			gen++
			latest.Store(int64(gen))
		}
		// A load replaces the index or the last error: watch both.
		ix0, err0 := srv.Store().Index(), srv.Store().LastError()
		publish(a.make(next))
		if i%2 == 1 {
			st.viaReload++
			err := srv.Reload() // as SIGHUP does
			if a.valid != (err == nil) || !a.valid && !errors.Is(err, a.want) {
				t.Errorf("arrival %d (%s): Reload = %v, want %v", i, a.name, err, a.want)
			}
		}
		for time.Since(start) < settle && srv.Store().Index() == ix0 && srv.Store().LastError() == err0 {
			time.Sleep(tick)
		}
		if got, want := srv.Store().Index().Release(), fmt.Sprintf("gen-%05d", gen); got != want {
			t.Errorf("arrival %d (%s): serving %s, want %s", i, a.name, got, want)
		}
		if err := srv.Store().LastError(); a.valid && err != nil || !a.valid && !errors.Is(err, a.want) {
			t.Errorf("arrival %d (%s): LastError = %v, want %v", i, a.name, err, a.want)
		}
		if a.valid {
			st.valid++
		} else {
			st.invalid++
		}
		time.Sleep(every - time.Since(start))
	}
	close(stop)
	wg.Wait()
	st.requests, st.failed = requests.Load(), failed.Load()
	if st.failed > 0 {
		t.Errorf("%d of %d requests failed", st.failed, st.requests)
	}
	if st.requests == 0 {
		t.Error("no requests")
	}
	return st
}
