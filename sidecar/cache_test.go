package sidecar_test

import (
	"strings"
	"testing"
	"time"

	"occupancy/sidecar"
	"occupancy/snapshot"
	"occupancy/snapshot/snapshottest"
)

// TestAnswerCacheNewSnapshot checks, through the server, that a new
// snapshot's answers are never those its predecessor kept: the same
// "now" questions asked before and after a reload get each release's own
// answers, as an index without a cache gives them; /metrics reports the
// cache, and -answer-cache 0 turns it off.
func TestAnswerCacheNewSnapshot(t *testing.T) {
	releases := make([]*snapshot.Snapshot, 2)
	want := make([]map[string]string, 2)
	bodies := map[string]string{
		soonestPath: `{"after_date":"2026-09-23T10:20:00.000Z"}`,
		freePath:    `{"selection":[{"start":"2026-09-23T10:20","end":"2026-09-23T11:30"}]}`,
	}
	for i := range releases {
		s, _ := snapshottest.Generate(snapshottest.Options{Rooms: 30, Seed: uint64(10 + i)})
		s.Release = []string{"one", "two"}[i]
		releases[i] = s
		// What an index of its own, without a cache, answers (from a copy:
		// an index takes its snapshot's bitmaps).
		s2, _ := snapshottest.Generate(snapshottest.Options{Rooms: 30, Seed: uint64(10 + i)})
		plain := sidecar.NewIndex(s2, time.Time{})
		soon, err := sidecar.ParseSoonestQuery([]byte("application/json"), []byte(bodies[soonestPath]), sidecar.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		free, err := sidecar.ParseFreeQuery([]byte("application/json"), []byte(bodies[freePath]), sidecar.ParseOptions{})
		if err != nil {
			t.Fatal(err)
		}
		want[i] = map[string]string{
			soonestPath: string(plain.AppendSoonest(nil, &soon)),
			freePath:    string(plain.AppendFree(nil, &free)),
		}
	}
	if want[0][soonestPath] == want[1][soonestPath] || want[0][freePath] == want[1][freePath] {
		t.Fatal("the two releases answer alike: the test would prove nothing")
	}
	ts := newTestServer(t, releases[0], nil)
	for i := range releases {
		if i > 0 {
			writeSnapshot(t, ts.dir+"/occupancy.snapshot", releases[i])
			if err := ts.srv.Reload(); err != nil {
				t.Fatal(err)
			}
		}
		for round := range 3 {
			for path, body := range bodies {
				if r := ts.postJSON(t, path, body); r.status != 200 || r.body != want[i][path] {
					t.Fatalf("release %d, round %d, %s: %d %.200s\nwant %.200s", i, round, path, r.status, r.body, want[i][path])
				}
			}
		}
		m := ts.do(t, "GET", "/metrics", "").body
		for _, line := range []string{
			`occupancy_answer_cache_requests_total{result="hit"} 4`,
			`occupancy_answer_cache_requests_total{result="miss"} 2`,
			"occupancy_answer_cache_entries 2\n",
		} {
			if !strings.Contains(m, line) {
				t.Errorf("release %d: /metrics lacks %q:\n%s", i, line, grep(m, "answer_cache"))
			}
		}
	}

	off := newTestServer(t, releases[0], func(c *sidecar.Config) { c.AnswerCache = 0 })
	if r := off.postJSON(t, soonestPath, bodies[soonestPath]); r.body != want[0][soonestPath] {
		t.Errorf("without a cache: %.200s", r.body)
	}
	if m := off.do(t, "GET", "/metrics", "").body; strings.Contains(m, "answer_cache") {
		t.Errorf("without a cache, /metrics reports one:\n%s", grep(m, "answer_cache"))
	}
}

// grep returns the lines of s that hold sub.
func grep(s, sub string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, sub) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}
