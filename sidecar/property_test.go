package sidecar_test

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"occupancy/sidecar"
	"occupancy/snapshot"
)

// interval is a booking or a selected range [start, end), fake UTC.
type interval struct{ start, end time.Time }

const quarter = 15 * time.Minute

func floor15(t time.Time) time.Time { return t.Truncate(quarter) }

func ceil15(t time.Time) time.Time {
	if f := floor15(t); !f.Equal(t) {
		return f.Add(quarter)
	}
	return t
}

// refRoom is the reference model: plain bookings, no bitmaps.
type refRoom struct {
	name, typ, building string
	capacity            *int
	coords              *[2]float64
	bookings            []interval
}

// refFree is a plain interval-overlap implementation of find_free_rooms.
func refFree(rooms []refRoom, q *sidecar.FreeQuery) []sidecar.FreeRoom {
	type res struct {
		fr  sidecar.FreeRoom
		idx int
	}
	var out []res
	var selEnd time.Time
	for _, r := range q.Ranges {
		if e := ceil15(r.End); e.After(selEnd) {
			selEnd = e
		}
	}
	for i, r := range rooms {
		if q.MinCapacity != nil && (r.capacity == nil || *r.capacity < *q.MinCapacity) {
			continue
		}
		if q.Building != "" && !strings.EqualFold(r.building, q.Building) || q.Type != "" && !strings.EqualFold(r.typ, q.Type) {
			continue
		}
		free := true
		for _, sel := range q.Ranges {
			lo, hi := floor15(sel.Start), ceil15(sel.End)
			for _, b := range r.bookings {
				if floor15(b.start).Before(hi) && ceil15(b.end).After(lo) {
					free = false
				}
			}
		}
		if !free {
			continue
		}
		fr := sidecar.FreeRoom{Name: r.name}
		if len(q.Ranges) > 0 {
			for _, b := range r.bookings {
				if !ceil15(b.end).After(selEnd) {
					continue
				}
				c := floor15(b.start)
				if c.Before(selEnd) {
					c = selEnd
				}
				if fr.FreeUntil == nil || c.Before(*fr.FreeUntil) {
					fr.FreeUntil = &c
				}
			}
		}
		if q.Coordinates != nil && r.coords != nil {
			d := refHaversine(r.coords[0], r.coords[1], q.Coordinates[0], q.Coordinates[1])
			fr.Distance = &d
		}
		out = append(out, res{fr, i})
	}
	if q.Coordinates != nil {
		slices.SortStableFunc(out, func(a, b res) int {
			switch {
			case a.fr.Distance == nil && b.fr.Distance == nil:
				return cmp.Compare(a.idx, b.idx)
			case a.fr.Distance == nil:
				return 1
			case b.fr.Distance == nil:
				return -1
			}
			return cmp.Or(cmp.Compare(*a.fr.Distance, *b.fr.Distance), cmp.Compare(a.idx, b.idx))
		})
	}
	if q.Limit > 0 && len(out) > q.Limit {
		out = out[:q.Limit] // the first of the whole answer
	}
	frs := make([]sidecar.FreeRoom, len(out))
	for i, r := range out {
		frs[i] = r.fr
	}
	return frs
}

// refHaversine is the reference API's formula, in its order of
// operations: near a point's antipode the formula is ill-conditioned
// (another order moves a distance by decimetres, and the order of two
// rooms with it), and the answer must be the reference's.
func refHaversine(lat1, lon1, lat2, lon2 float64) float64 {
	φ1 := lat1 * math.Pi / 180
	φ2 := lat2 * math.Pi / 180
	Δφ := (lat2 - lat1) * math.Pi / 180
	Δλ := (lon2 - lon1) * math.Pi / 180
	a := math.Sin(Δφ/2)*math.Sin(Δφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(Δλ/2)*math.Sin(Δλ/2)
	return 6371000 * (2 * math.Atan2(math.Sqrt(a), math.Sqrt(1-a)))
}

// refSoonest merges rounded bookings (touching or overlapping) and returns
// the first block ending after q.After, for the rooms q names and
// filters, the first q.Limit of them.
func refSoonest(rooms []refRoom, q *sidecar.SoonestQuery) []sidecar.SoonestBooking {
	after := q.After
	var out []sidecar.SoonestBooking
	for _, r := range rooms {
		if q.Rooms != nil && !slices.Contains(q.Rooms, r.name) {
			continue
		}
		if q.MinCapacity != nil && (r.capacity == nil || *r.capacity < *q.MinCapacity) {
			continue
		}
		if q.Building != "" && !strings.EqualFold(r.building, q.Building) || q.Type != "" && !strings.EqualFold(r.typ, q.Type) {
			continue
		}
		if q.Limit > 0 && len(out) == q.Limit {
			break
		}
		out = append(out, sidecar.SoonestBooking{Name: r.name})
		i := len(out) - 1
		bs := make([]interval, len(r.bookings))
		for k, b := range r.bookings {
			bs[k] = interval{floor15(b.start), ceil15(b.end)}
		}
		slices.SortFunc(bs, func(a, b interval) int { return a.start.Compare(b.start) })
		var merged []interval
		for _, b := range bs {
			if n := len(merged); n > 0 && !b.start.After(merged[n-1].end) {
				if b.end.After(merged[n-1].end) {
					merged[n-1].end = b.end
				}
				continue
			}
			merged = append(merged, b)
		}
		for _, m := range merged {
			if m.end.After(after) {
				out[i].Block = &sidecar.BusyBlock{Start: m.start, End: m.end}
				break
			}
		}
	}
	return out
}

// Anchors around which bookings and queries cluster.
var anchors = []time.Time{
	time.Date(2026, 1, 27, 0, 0, 0, 0, time.UTC),  // roaring container boundary (slot 30×65536)
	time.Date(2026, 10, 25, 2, 0, 0, 0, time.UTC), // DST ends in Zurich
	time.Date(2027, 3, 28, 2, 0, 0, 0, time.UTC),  // DST starts in Zurich
	time.Date(2026, 11, 28, 8, 0, 0, 0, time.UTC),
}

func randTime(rng *rand.Rand, anchor time.Time) time.Time {
	t := anchor.Add(time.Duration(rng.IntN(12*60)-6*60) * time.Minute)
	switch rng.IntN(4) {
	case 0:
		t = floor15(t) // on the grid
	case 1:
		t = t.Add(time.Duration(rng.IntN(60)) * time.Second)
	}
	return t
}

func randInterval(rng *rand.Rand, anchor time.Time, prev []interval) interval {
	var s time.Time
	if len(prev) > 0 && rng.IntN(4) == 0 {
		p := prev[rng.IntN(len(prev))]
		s = []time.Time{p.end, p.start, p.end.Add(-time.Minute)}[rng.IntN(3)] // touching, duplicate, overlapping
	} else {
		s = randTime(rng, anchor)
	}
	d := time.Duration(1+rng.IntN(300)) * time.Minute
	if rng.IntN(3) == 0 {
		d = time.Duration(1+rng.IntN(8)) * quarter
	}
	return interval{s, s.Add(d)}
}

func randomRelease(rng *rand.Rand, anchor time.Time) (*snapshot.Snapshot, []refRoom) {
	s := &snapshot.Snapshot{Release: "random"}
	var refs []refRoom
	n := 1 + rng.IntN(6)
	if rng.IntN(4) == 0 { // enough rooms for a limit to select among
		n = 10 + rng.IntN(30)
	}
	// Rooms on a campus, or anywhere on Earth (antipodes, the poles, the
	// date line), which the nearest-first search must order the same way.
	place := func() *[2]float64 { return &[2]float64{46.5 + rng.Float64()*0.05, 6.55 + rng.Float64()*0.05} }
	if rng.IntN(4) == 0 {
		place = func() *[2]float64 { return &[2]float64{rng.Float64()*180 - 90, rng.Float64()*360 - 180} }
	}
	for i := range n {
		r := snapshot.Room{Name: fmt.Sprintf("R%02d", i), Type: []string{"AUDITOIRE", "salle"}[rng.IntN(2)], Building: []string{"BC", "CO"}[rng.IntN(2)]}
		if rng.IntN(3) > 0 {
			r.Capacity = ptr(rng.IntN(200))
		}
		switch {
		case i > 0 && rng.IntN(4) == 0 && s.Rooms[i-1].Coordinates != nil:
			c := *s.Rooms[i-1].Coordinates // a tie in distance, broken by name
			r.Coordinates = &c
		case rng.IntN(3) > 0:
			r.Coordinates = place()
		}
		var bs []interval
		for range rng.IntN(12) {
			b := randInterval(rng, anchor, bs)
			bs = append(bs, b)
			r.Occupy(b.start, b.end)
		}
		s.Rooms = append(s.Rooms, r)
		refs = append(refs, refRoom{r.Name, r.Type, r.Building, r.Capacity, r.Coordinates, bs})
	}
	return s, refs
}

func TestSearchesMatchReference(t *testing.T) {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(42, 7))
	for trial := range 1000 {
		anchor := anchors[trial%len(anchors)]
		snap, refs := randomRelease(rng, anchor)
		// Round-trip through the file format, as the sidecar reads it.
		data, err := snap.MarshalBinary()
		if err != nil {
			t.Fatal(err)
		}
		parsed, err := snapshot.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		ix := sidecar.NewIndex(parsed, time.Time{})
		var all []interval
		for _, r := range refs {
			all = append(all, r.bookings...)
		}
		for range 10 {
			q := &sidecar.FreeQuery{}
			for range rng.IntN(4) {
				iv := randInterval(rng, anchor, all)
				q.Ranges = append(q.Ranges, sidecar.Range{Start: iv.start, End: iv.end})
			}
			if rng.IntN(2) == 0 {
				q.Coordinates = &[2]float64{46.5 + rng.Float64()*0.05, 6.55 + rng.Float64()*0.05}
				if c := refs[rng.IntN(len(refs))].coords; c != nil && rng.IntN(3) == 0 {
					// Another room's position, or its antipode, where
					// rounding can make a distance NaN.
					q.Coordinates = &[2]float64{c[0], c[1]}
					if rng.IntN(2) == 0 {
						q.Coordinates = &[2]float64{-c[0], c[1] - math.Copysign(180, c[1])}
					}
				}
			}
			if rng.IntN(5) == 0 {
				q.MinCapacity = ptr(rng.IntN(200))
			}
			if rng.IntN(5) == 0 {
				q.Building = "bc"
			}
			if rng.IntN(5) == 0 {
				q.Type = "Salle"
			}
			if rng.IntN(3) == 0 {
				q.Limit = 1 + rng.IntN(8)
			}
			got, want := ix.FindFree(q), refFree(refs, q)
			if !sameFree(got, want) {
				t.Fatalf("trial %d: FindFree(%s) =\n%s\nwant\n%s\nbookings: %v", trial, fmtQuery(q), fmtFree(got), fmtFree(want), refs)
			}

			// Invariant: another range never adds a free room.
			if len(q.Ranges) > 0 && q.Limit == 0 {
				iv := randInterval(rng, anchor, all)
				wider := *q
				wider.Ranges = append(slices.Clone(q.Ranges), sidecar.Range{Start: iv.start, End: iv.end})
				free := map[string]bool{}
				for _, r := range got {
					free[r.Name] = true
				}
				for _, r := range ix.FindFree(&wider) {
					if !free[r.Name] {
						t.Fatalf("trial %d: adding a range freed %s", trial, r.Name)
					}
				}
			}

			after := randTime(rng, anchor)
			sq := &sidecar.SoonestQuery{After: after}
			if rng.IntN(3) == 0 {
				sq.Limit = 1 + rng.IntN(8)
			}
			if rng.IntN(4) == 0 {
				sq.Rooms = []string{}
				for range rng.IntN(6) {
					sq.Rooms = append(sq.Rooms, fmt.Sprintf("R%02d", rng.IntN(len(refs)+2))) // repeats, and names of no room
				}
			}
			if rng.IntN(5) == 0 {
				sq.MinCapacity = ptr(rng.IntN(200))
			}
			if rng.IntN(5) == 0 {
				sq.Building = "co"
			}
			if rng.IntN(5) == 0 {
				sq.Type = "AUDITOIRE"
			}
			if gotS, wantS := ix.FindSoonest(sq), refSoonest(refs, sq); !sameSoonest(gotS, wantS) {
				t.Fatalf("trial %d: FindSoonest(%+v) =\n%v\nwant\n%v\nbookings: %v", trial, *sq, fmtSoonest(gotS), fmtSoonest(wantS), refs)
			}

			// The same query through the parser, with explicit offsets: a
			// real instant converted to campus wall-clock time.
			if len(q.Ranges) > 0 {
				instant := time.Date(after.Year(), after.Month(), after.Day(), after.Hour(), after.Minute(), after.Second(), 0, zurich)
				wall := instant.In(zurich)
				wallUTC := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, time.UTC)
				body := fmt.Sprintf(`{"after_date":%q}`, instant.Format(time.RFC3339))
				pq, err := sidecar.ParseSoonestQuery([]byte("application/json"), []byte(body), sidecar.ParseOptions{Location: zurich})
				if err != nil || !pq.After.Equal(wallUTC) {
					t.Fatalf("parse %s = %v, %v; want %v", body, pq.After, err, wallUTC)
				}
			}
		}
	}
}

func sameFree(a, b []sidecar.FreeRoom) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || (a[i].FreeUntil == nil) != (b[i].FreeUntil == nil) || (a[i].Distance == nil) != (b[i].Distance == nil) {
			return false
		}
		if a[i].FreeUntil != nil && !a[i].FreeUntil.Equal(*b[i].FreeUntil) {
			return false
		}
		if a[i].Distance != nil && math.Abs(*a[i].Distance-*b[i].Distance) > 1e-6 {
			return false
		}
	}
	return true
}

func sameSoonest(a, b []sidecar.SoonestBooking) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || (a[i].Block == nil) != (b[i].Block == nil) {
			return false
		}
		if a[i].Block != nil && (!a[i].Block.Start.Equal(b[i].Block.Start) || !a[i].Block.End.Equal(b[i].Block.End)) {
			return false
		}
	}
	return true
}

func fmtQuery(q *sidecar.FreeQuery) string {
	s := ""
	for _, r := range q.Ranges {
		s += fmt.Sprintf("[%s, %s) ", r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339))
	}
	return s
}

func fmtFree(rs []sidecar.FreeRoom) string {
	s := ""
	for _, r := range rs {
		s += r.Name
		if r.FreeUntil != nil {
			s += " until " + r.FreeUntil.Format(time.RFC3339)
		}
		if r.Distance != nil {
			s += fmt.Sprintf(" at %.3f", *r.Distance)
		}
		s += "\n"
	}
	return s
}

func fmtSoonest(rs []sidecar.SoonestBooking) string {
	s := ""
	for _, r := range rs {
		s += r.Name
		if r.Block != nil {
			s += fmt.Sprintf(" %s–%s", r.Block.Start.Format(time.RFC3339), r.Block.End.Format(time.RFC3339))
		}
		s += "\n"
	}
	return s
}

// antipodeIndex holds three rooms near (30.25, 118.3084) and Z, whose
// distance from there rounding makes NaN.
func antipodeIndex() *sidecar.Index {
	s := &snapshot.Snapshot{Release: "nan"}
	for _, r := range []struct {
		name     string
		lat, lon float64
	}{{"A", 30.25, 118.3084}, {"B", 30.26, 118.3084}, {"C", 31, 118}, {"Z", -30.25, -61.6916}} {
		s.Rooms = append(s.Rooms, snapshot.Room{Name: r.name, Type: "salle", Building: "X", Coordinates: &[2]float64{r.lat, r.lon}})
	}
	return sidecar.NewIndex(s, time.Time{})
}

// TestNaNDistanceIsNull: JSON has no NaN; the reference's JSON.stringify
// writes a NaN distance as null, and so must the answer, with or without
// a limit (it once wrote NaN, which no client could parse).
func TestNaNDistanceIsNull(t *testing.T) {
	ix := antipodeIndex()
	for _, limit := range []int{0, 1, 2} {
		t.Run("limit "+strconv.Itoa(limit), func(t *testing.T) {
			q := &sidecar.FreeQuery{Coordinates: &[2]float64{30.25, 118.3084}, Limit: limit}
			body := ix.AppendFree(nil, q)
			var rooms []struct {
				Name     string   `json:"name"`
				Distance *float64 `json:"distance"`
			}
			if err := json.Unmarshal(body, &rooms); err != nil {
				t.Fatalf("limit %d: not JSON (%v): %s", limit, err, body)
			}
			if len(rooms) == 0 || rooms[0].Name != "Z" || rooms[0].Distance != nil {
				t.Fatalf("limit %d: want Z first with a null distance: %s", limit, body)
			}
		})
	}
}

// TestLimitKeepsNaNFirst: a distance that rounding makes NaN, a hair from
// the query's antipode, comes first in the answer (as the reference's
// sort puts it); with a limit the nearest-first search, which stops
// walking out from the query's latitude once every room left is farther,
// must still find it on the other side of the Earth.
func TestLimitKeepsNaNFirst(t *testing.T) {
	ix := antipodeIndex()
	q := &sidecar.FreeQuery{Coordinates: &[2]float64{30.25, 118.3084}}
	all := ix.FindFree(q)
	if len(all) != 4 || all[0].Name != "Z" || all[0].Distance == nil || !math.IsNaN(*all[0].Distance) {
		t.Fatalf("the whole answer starts with %s, want Z at a NaN distance (rounding): %s", all[0].Name, fmtFree(all))
	}
	for limit := 1; limit <= 5; limit++ {
		q.Limit = limit
		got := ix.FindFree(q)
		want := all[:min(limit, len(all))]
		if len(got) != len(want) {
			t.Fatalf("limit %d: %s, want %s", limit, fmtFree(got), fmtFree(want))
		}
		for i := range got {
			if got[i].Name != want[i].Name {
				t.Fatalf("limit %d: %s, want %s", limit, fmtFree(got), fmtFree(want))
			}
		}
	}
}
