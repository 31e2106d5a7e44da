// Command crosscheck compares the sidecar's two searches with PostgreSQL's
// (the functions of scripts/compare/index.sql) at random on-grid times
// within the release's semesters, before scripts/compare-postgres.sh times
// them. It talks to the sidecar over HTTP and to PostgreSQL through psql,
// so that it needs no driver module. Any difference is printed and makes
// it exit 1.
//
//	crosscheck -sidecar http://127.0.0.1:PORT -pg 'host=… port=… user=… dbname=…' \
//	    -semesters semesters.csv [-n 20] [-seed 1]
//
// Each query time is a random 15-minute step between 07:00 and 18:45 of a
// random day of a random semester; find_free_rooms gets 1 to 3 one-hour
// ranges starting up to 10 hours after it (they may overlap or touch).
// The sidecar rounds bookings and queries outward to 15-minute slots, and
// so do the SQL functions (index.sql): the answers must be identical. (With
// bookings on 15-minute steps, as in the sample at scale 1, the rounding
// changes nothing.)
package main

import (
	"bytes"
	stdcsv "encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

const (
	slot    = 15 * time.Minute
	pgStamp = "2006-01-02 15:04:05"
	apiTime = "2006-01-02T15:04:05.000Z"
)

type semester struct{ start, end time.Time } // inclusive days

func main() {
	sidecar := flag.String("sidecar", "", "sidecar base URL")
	pg := flag.String("pg", "", "PostgreSQL connection string for psql")
	semFile := flag.String("semesters", "", "semesters.csv written by export")
	n := flag.Int("n", 20, "number of query times")
	seed := flag.Uint64("seed", uint64(time.Now().UnixNano()), "random seed")
	flag.Parse()
	c := checker{sidecar: *sidecar, pg: *pg}
	if err := c.run(*semFile, *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "crosscheck:", err)
		os.Exit(1)
	}
}

type checker struct{ sidecar, pg string }

func (c *checker) run(semFile string, n int, seed uint64) error {
	sems, err := readSemesters(semFile)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	diffs, free, busy := 0, 0, 0
	for i := 0; i < n; i++ {
		s := sems[rng.IntN(len(sems))]
		days := int(s.end.Sub(s.start).Hours()/24) + 1
		t := s.start.AddDate(0, 0, rng.IntN(days)).Add(time.Duration(28+rng.IntN(48)) * slot)
		ranges := make([][2]time.Time, 1+rng.IntN(3))
		for k := range ranges {
			from := t.Add(time.Duration(rng.IntN(41)) * slot)
			ranges[k] = [2]time.Time{from, from.Add(time.Hour)}
		}
		d, nfree, err := c.checkFree(ranges)
		if err != nil {
			return err
		}
		diffs += d
		free += nfree
		for _, fn := range []string{"soonest_blocks", "soonest_agg"} {
			d, nbusy, err := c.checkSoonest(fn, t)
			if err != nil {
				return err
			}
			diffs += d
			busy += nbusy
		}
	}
	if diffs > 0 {
		return fmt.Errorf("%d difference(s) between the sidecar and PostgreSQL (seed %d)", diffs, seed)
	}
	fmt.Printf("crosscheck: %d query times (seed %d): identical answers; %d free rooms and %d soonest blocks compared\n",
		n, seed, free, busy)
	return nil
}

// checkFree compares find_free_rooms with free_rooms for ranges; it returns
// the number of differences (each printed) and of free rooms.
func (c *checker) checkFree(ranges [][2]time.Time) (int, int, error) {
	var sel, args []string
	for _, r := range ranges {
		sel = append(sel, fmt.Sprintf(`{"start":%q,"end":%q}`, r[0].Format(apiTime), r[1].Format(apiTime)))
		args = append(args, fmt.Sprintf("tsrange('%s','%s')", r[0].Format(pgStamp), r[1].Format(pgStamp)))
	}
	var got []struct {
		Name      string  `json:"name"`
		FreeUntil *string `json:"free_until"`
	}
	if err := c.post("/api/rooms/find_free_rooms", `{"selection":[`+strings.Join(sel, ",")+`]}`, &got); err != nil {
		return 0, 0, err
	}
	rows, err := c.psql("SELECT name, free_until FROM free_rooms(tsmultirange(" + strings.Join(args, ",") + "))")
	if err != nil {
		return 0, 0, err
	}
	side := make([]answer, len(got))
	for i, g := range got {
		side[i] = answer{g.Name, "free_until " + apiToPG(g.FreeUntil)}
	}
	pgs := make([]answer, len(rows))
	for i, r := range rows {
		pgs[i] = answer{r[0], "free_until " + orNull(r[1])}
	}
	return compare("find_free_rooms "+strings.Join(sel, ","), side, pgs), len(side), nil
}

// checkSoonest compares find_soonest_bookings with the SQL function fn at
// t; it returns the number of differences and of rooms with a block.
func (c *checker) checkSoonest(fn string, t time.Time) (int, int, error) {
	var got []struct {
		Name    string `json:"name"`
		Soonest *struct {
			Start string `json:"start_datetime"`
			End   string `json:"end_datetime"`
		} `json:"soonest_booking"`
	}
	if err := c.post("/api/rooms/find_soonest_bookings", `{"after_date":"`+t.Format(apiTime)+`"}`, &got); err != nil {
		return 0, 0, err
	}
	rows, err := c.psql(fmt.Sprintf("SELECT name, block_start, block_end FROM %s('%s')", fn, t.Format(pgStamp)))
	if err != nil {
		return 0, 0, err
	}
	side, busy := make([]answer, len(got)), 0
	for i, g := range got {
		side[i] = answer{g.Name, "null"}
		if g.Soonest != nil {
			side[i].value = "[" + apiToPG(&g.Soonest.Start) + ", " + apiToPG(&g.Soonest.End) + ")"
			busy++
		}
	}
	pgs := make([]answer, len(rows))
	for i, r := range rows {
		pgs[i] = answer{r[0], "null"}
		if r[1] != "" {
			pgs[i].value = "[" + r[1] + ", " + r[2] + ")"
		}
	}
	return compare(fmt.Sprintf("find_soonest_bookings %s vs %s", t.Format(apiTime), fn), side, pgs), busy, nil
}

// answer is one room of an answer: its name and what the search says of
// it, as text.
type answer struct{ name, value string }

// compare prints how two answers differ, room by room (at most 20 lines),
// and returns the number of differences; when they hold the same rooms
// with the same values, their order must be the same too.
func compare(what string, side, pg []answer) int {
	var lines []string
	byName := map[string]string{}
	for _, a := range pg {
		byName[a.name] = a.value
	}
	seen := map[string]bool{}
	for _, a := range side {
		seen[a.name] = true
		switch v, ok := byName[a.name]; {
		case !ok:
			lines = append(lines, fmt.Sprintf("%s: sidecar %s, postgres (absent)", a.name, a.value))
		case v != a.value:
			lines = append(lines, fmt.Sprintf("%s: sidecar %s, postgres %s", a.name, a.value, v))
		}
	}
	for _, a := range pg {
		if !seen[a.name] {
			lines = append(lines, fmt.Sprintf("%s: sidecar (absent), postgres %s", a.name, a.value))
		}
	}
	if len(lines) == 0 && !slices.Equal(side, pg) {
		lines = append(lines, "the same rooms in a different order")
	}
	if len(lines) > 0 {
		fmt.Fprintf(os.Stderr, "DIFFERENCE in %s (%d rooms from the sidecar, %d from PostgreSQL):\n", what, len(side), len(pg))
		for i, l := range lines {
			if i == 20 {
				fmt.Fprintf(os.Stderr, "  … and %d more\n", len(lines)-i)
				break
			}
			fmt.Fprintln(os.Stderr, "  "+l)
		}
	}
	return len(lines)
}

// apiToPG rewrites an API datetime as psql prints a timestamp ("null" for nil).
func apiToPG(s *string) string {
	if s == nil {
		return "null"
	}
	t, err := time.Parse(time.RFC3339, *s)
	if err != nil {
		return "invalid " + *s
	}
	return t.Format(pgStamp)
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

func (c *checker) post(path, body string, v any) error {
	resp, err := http.Post(c.sidecar+path, "application/json", strings.NewReader(body))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s %s: %s: %s", path, body, resp.Status, b)
	}
	return json.Unmarshal(b, v)
}

// psql runs query and returns its rows, fields split on the unit separator.
func (c *checker) psql(query string) ([][]string, error) {
	cmd := exec.Command("psql", "-X", "-At", "-F", "\x1f", "-v", "ON_ERROR_STOP=1", "-d", c.pg, "-c", query)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("psql %q: %v: %s", query, err, stderr.Bytes())
	}
	var rows [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if line != "" {
			rows = append(rows, strings.Split(line, "\x1f"))
		}
	}
	return rows, nil
}

func readSemesters(path string) ([]semester, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := stdcsv.NewReader(f).ReadAll()
	if err != nil {
		return nil, err
	}
	var sems []semester
	for _, r := range recs {
		if len(r) != 3 {
			return nil, fmt.Errorf("%s: want name,start,end: %q", path, r)
		}
		start, err1 := time.Parse(time.DateOnly, r[1])
		end, err2 := time.Parse(time.DateOnly, r[2])
		if err := errors.Join(err1, err2); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		sems = append(sems, semester{start, end})
	}
	if len(sems) == 0 {
		return nil, fmt.Errorf("%s: no semester", path)
	}
	return sems, nil
}
