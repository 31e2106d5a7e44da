package sidecar

import (
	"bytes"
	"math/rand/v2"
	"testing"
	"time"

	"occupancy/snapshot/snapshottest"
)

// randomQueries draws n searches of both kinds as clients send them: many
// "now" (a few 15-minute slots, at any minute within them, for 30 minutes
// to 2 hours), the rest anywhere in the semesters; with and without
// filters, limits, named rooms and coordinates.
func randomQueries(rng *rand.Rand, n int, names []string) (free []FreeQuery, soon []SoonestQuery) {
	base := snapshottest.Semesters[0].Add(9*24*time.Hour + 10*time.Hour) // a Wednesday, 10:00
	pick := func() time.Time {
		if rng.IntN(10) < 7 { // "now": one of four slots, any minute
			return base.Add(time.Duration(rng.IntN(4))*15*time.Minute + time.Duration(rng.IntN(15*60))*time.Second)
		}
		return base.Add(time.Duration(rng.IntN(200*24*60)) * time.Minute)
	}
	filters := func() (*int, string, string, int) {
		var capacity *int
		if rng.IntN(4) == 0 {
			c := rng.IntN(200)
			capacity = &c
		}
		building, typ := "", ""
		if rng.IntN(4) == 0 {
			building = []string{"BC", "co", "INM", "X"}[rng.IntN(4)]
		}
		if rng.IntN(5) == 0 {
			typ = []string{"SALLE", "auditoire", "y"}[rng.IntN(3)]
		}
		return capacity, building, typ, []int{0, 0, 1, 5, 20}[rng.IntN(5)]
	}
	for range n {
		var q FreeQuery
		start := pick()
		q.Ranges = []Range{{Start: start, End: start.Add(time.Duration(2+rng.IntN(7)) * 15 * time.Minute)}}
		if rng.IntN(4) == 0 {
			s2 := pick()
			q.Ranges = append(q.Ranges, Range{Start: s2, End: s2.Add(time.Hour)})
		}
		if rng.IntN(10) == 0 {
			q.Ranges = nil
		}
		if rng.IntN(3) == 0 {
			q.Coordinates = &[2]float64{46.51 + rng.Float64()/50, 6.56 + rng.Float64()/50}
		}
		q.MinCapacity, q.Building, q.Type, q.Limit = filters()
		free = append(free, q)

		var s SoonestQuery
		s.After = pick()
		s.MinCapacity, s.Building, s.Type, s.Limit = filters()
		if rng.IntN(4) == 0 {
			s.Rooms = []string{names[rng.IntN(len(names))], names[rng.IntN(len(names))], "NOPE"}
		}
		soon = append(soon, s)
	}
	return free, soon
}

// TestAnswerCache checks that an index with an answer cache gives, for
// every query, first and again, the same bytes as one without; that it
// does answer from the cache ("now" queries repeat); that answers with
// coordinates are never kept; and that a copy with offsets does not share
// the other's answers.
func TestAnswerCache(t *testing.T) {
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: 60, Seed: 3})
	plain := NewIndex(s, time.Time{})
	cached := plain.WithAnswerCache(1 << 20)
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range plain.rooms {
		names = append(names, r.name)
	}
	free, soon := randomQueries(rand.New(rand.NewPCG(1, 2)), 3000, names)
	for _, pair := range []struct {
		name          string
		plain, cached *Index
	}{
		{"fake UTC", plain, cached},
		{"offsets Europe/Zurich", plain.WithOffsets(zurich), cached.WithOffsets(zurich)},
	} {
		t.Run(pair.name, func(t *testing.T) {
			for i := range free {
				q := &free[i]
				want := pair.plain.AppendFree(nil, q)
				for round := range 2 {
					if got := pair.cached.AppendFree([]byte("x"), q); !bytes.Equal(got[1:], want) || got[0] != 'x' {
						t.Fatalf("free query %d (%+v), round %d:\n got %.300s\nwant %.300s", i, *q, round, got, want)
					}
				}
			}
			for i := range soon {
				q := &soon[i]
				want := pair.plain.AppendSoonest(nil, q)
				for round := range 2 {
					if got := pair.cached.AppendSoonest([]byte("x"), q); !bytes.Equal(got[1:], want) || got[0] != 'x' {
						t.Fatalf("soonest query %d (%+v), round %d:\n got %.300s\nwant %.300s", i, *q, round, got, want)
					}
				}
			}
			hits, misses, entries, size := pair.cached.cache.stats()
			withCoords := 0
			for _, q := range free {
				if q.Coordinates != nil {
					withCoords++
				}
			}
			// Every query without coordinates was asked twice: the second time
			// at least is a hit; "now" queries repeat, so far more are.
			if asked := 2 * (len(free) - withCoords + len(soon)); hits+misses != uint64(asked) || hits < uint64(asked/2)+1000 {
				t.Errorf("%d hits and %d misses for %d cacheable requests", hits, misses, asked)
			}
			if entries == 0 || size > 1<<20 {
				t.Errorf("%d entries, %d bytes", entries, size)
			}
			t.Logf("%d hits, %d misses, %d entries, %d bytes", hits, misses, entries, size)
		})
	}
	if plain.cache != nil || cached.WithAnswerCache(0).cache != nil {
		t.Error("an index without a cache has one")
	}
}

// TestAnswerCacheBounded checks that the cache never holds more than its
// bytes, dropping entries to make room, and still answers right.
func TestAnswerCacheBounded(t *testing.T) {
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: 30, Seed: 4})
	plain := NewIndex(s, time.Time{})
	const budget = 64 << 10
	cached := plain.WithAnswerCache(budget)
	base := snapshottest.Semesters[0]
	most := 0
	for i := range 2000 {
		q := &SoonestQuery{After: base.Add(time.Duration(i) * 15 * time.Minute)}
		if got, want := cached.AppendSoonest(nil, q), plain.AppendSoonest(nil, q); !bytes.Equal(got, want) {
			t.Fatalf("query %d: the cached index answers differently", i)
		}
		_, _, entries, size := cached.cache.stats()
		if size > budget {
			t.Fatalf("after %d queries the cache holds %d bytes, more than %d", i+1, size, budget)
		}
		most = max(most, entries)
	}
	_, _, entries, size := cached.cache.stats()
	if entries == 0 || most >= 2000 {
		t.Errorf("%d entries at the end (%d bytes), %d at most: nothing kept, or nothing dropped", entries, size, most)
	}
	// An answer larger than an eighth of the cache is not kept.
	small := plain.WithAnswerCache(2000)
	q := &SoonestQuery{After: base}
	if got := small.AppendSoonest(nil, q); len(got) < 2000/8 {
		t.Fatalf("the answer is only %d bytes", len(got))
	}
	if _, _, entries, _ := small.cache.stats(); entries != 0 {
		t.Errorf("an answer larger than an eighth of the cache was kept")
	}
}

// TestCacheKeys checks that queries differing in anything the answer
// depends on have different keys, and the same query the same key.
func TestCacheKeys(t *testing.T) {
	c1, c2 := 1, 2
	at := snapshottest.Semesters[0]
	soon := []SoonestQuery{
		{After: at},
		{After: at, Limit: 1},
		{After: at, MinCapacity: &c1},
		{After: at, MinCapacity: &c2},
		{After: at, Building: "B"},
		{After: at, Type: "B"},
		{After: at, Building: "B", Type: "B"},
		{After: at, Building: "BB"},
		{After: at, Rooms: []string{}},
		{After: at, Rooms: []string{"A"}},
		{After: at, Rooms: []string{"A", "B"}},
		{After: at, Rooms: []string{"AB"}},
		{After: at, Rooms: []string{"A", ""}},
	}
	seen := map[string]int{}
	for i, q := range soon {
		for _, slot := range []uint32{5, 6} {
			k, ok := soonestKey(nil, &q, slot)
			if !ok {
				t.Fatalf("soonest %d: no key", i)
			}
			if j, dup := seen[string(k)]; dup {
				t.Errorf("soonest queries %d and %d share a key", i, j)
			}
			seen[string(k)] = i
			if k2, _ := soonestKey(nil, &q, slot); !bytes.Equal(k, k2) {
				t.Errorf("soonest %d: two keys", i)
			}
		}
	}
	if _, ok := soonestKey(nil, &SoonestQuery{Rooms: make([]string, maxCacheKey)}, 0); ok {
		t.Error("a query naming hundreds of rooms got a key")
	}
	r := Range{Start: at, End: at.Add(time.Hour)}
	free := []struct {
		q  FreeQuery
		rs []slotRange
	}{
		{FreeQuery{}, nil},
		{FreeQuery{Ranges: []Range{r}}, []slotRange{{1, 2}}},
		{FreeQuery{Ranges: []Range{r}}, []slotRange{{1, 3}}},
		{FreeQuery{Ranges: []Range{r, r}}, []slotRange{{1, 2}, {3, 4}}},
		{FreeQuery{Ranges: []Range{r}, Limit: 20}, []slotRange{{1, 2}}},
		{FreeQuery{Ranges: []Range{r}, Building: "X"}, []slotRange{{1, 2}}},
		{FreeQuery{Ranges: []Range{r}, MinCapacity: &c1}, []slotRange{{1, 2}}},
	}
	for i, f := range free {
		k, ok := freeKey(nil, &f.q, f.rs)
		if !ok {
			t.Fatalf("free %d: no key", i)
		}
		if j, dup := seen[string(k)]; dup {
			t.Errorf("free query %d shares a key with query %d", i, j)
		}
		seen[string(k)] = 100 + i
	}
	if _, ok := freeKey(nil, &FreeQuery{Coordinates: &[2]float64{1, 2}}, nil); ok {
		t.Error("a query with coordinates got a key")
	}
}
