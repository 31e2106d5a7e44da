package source

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestSortOccurrences: the ranked sort gives the order of a plain sort by
// CompareOccurrences, over random occurrences with many ties (few times,
// few field values, equal origins held apart).
func TestSortOccurrences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	day := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC)
	for round := range 300 {
		n := rng.IntN(60)
		var origins []*Origin
		occ := make([]Occurrence, 0, n)
		from := make([]int32, 0, n)
		for range n {
			var o *Origin
			if len(origins) > 0 && rng.IntN(3) == 0 {
				k := rng.IntN(len(origins))
				o = origins[k]
				from = append(from, int32(k))
			} else {
				from = append(from, int32(len(origins)))
				o = &Origin{
					Course: pick("", "CS-101", "MATH-101"), Name: pick("", "Forum"), Label: pick("cours", "exercice"),
					Rooms: [][]string{nil, {"CO1"}, {"CO1", "BC01"}, {"BC01"}}[rng.IntN(4)], Description: pick("", "x"), Semester: pick("", "A", "B"),
				}
				origins = append(origins, o)
			}
			start := day.Add(time.Duration(rng.IntN(3)) * time.Hour)
			occ = append(occ, Occurrence{Start: start, End: start.Add(time.Duration(1+rng.IntN(2)) * time.Hour), Origin: o})
		}
		want := slices.Clone(occ)
		slices.SortFunc(want, CompareOccurrences)
		got := slices.Clone(occ)
		sortOccurrences(got, origins, from)
		for i := range want {
			if CompareOccurrences(got[i], want[i]) != 0 {
				t.Fatalf("round %d, at %d: %+v %+v, want %+v %+v", round, i, got[i], *got[i].Origin, want[i], *want[i].Origin)
			}
		}
		// A permutation: every occurrence once.
		count := map[Occurrence]int{}
		for _, o := range occ {
			count[o]++
		}
		for _, o := range got {
			count[o]--
		}
		for o, c := range count {
			if c != 0 {
				t.Fatalf("round %d: %+v appears %+d times too many", round, o, -c)
			}
		}
	}
}
