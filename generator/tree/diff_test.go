package tree_test

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"occupancy/generator/tree"
)

// diffByMap is Diff as a map of the previous entries: the plain
// reference the walk of the two sorted lists must agree with.
func diffByMap(prev, next *tree.Manifest) map[string]tree.Change {
	kind := func(e tree.ManifestEntry) string {
		if e.Encoding != "" {
			return tree.KindCompressed
		}
		return e.Kind
	}
	kinds := map[string]tree.Change{}
	old := map[string]tree.ManifestEntry{}
	if prev != nil {
		for _, e := range prev.Files {
			old[e.Path] = e
		}
	}
	for _, e := range next.Files {
		c := kinds[kind(e)]
		switch o, ok := old[e.Path]; {
		case !ok:
			c.Added++
		case o.SHA256 != e.SHA256:
			c.Changed++
		default:
			c.Same++
		}
		delete(old, e.Path)
		kinds[kind(e)] = c
	}
	for _, e := range old {
		c := kinds[kind(e)]
		c.Removed++
		kinds[kind(e)] = c
	}
	return kinds
}

// TestDiff compares Diff with diffByMap on random pairs of manifests
// sharing some paths, in path order as manifests are and shuffled, and
// with no previous manifest.
func TestDiff(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	kinds := []string{"course", "room", "studyplan", "web"}
	manifest := func(n int) *tree.Manifest {
		m := &tree.Manifest{}
		seen := map[string]bool{}
		for range n {
			p := fmt.Sprintf("api/%c/%d", 'a'+r.IntN(3), r.IntN(40))
			if seen[p] {
				continue
			}
			seen[p] = true
			e := tree.ManifestEntry{Path: p, Kind: kinds[r.IntN(len(kinds))], SHA256: strings.Repeat(fmt.Sprint(r.IntN(2)), 64)}
			if r.IntN(4) == 0 {
				e.Encoding = "gzip"
			}
			m.Files = append(m.Files, e)
		}
		slices.SortFunc(m.Files, func(a, b tree.ManifestEntry) int { return strings.Compare(a.Path, b.Path) })
		return m
	}
	for i := range 500 {
		prev, next := manifest(r.IntN(60)), manifest(r.IntN(60))
		if i%3 == 0 {
			r.Shuffle(len(next.Files), func(a, b int) { next.Files[a], next.Files[b] = next.Files[b], next.Files[a] })
		}
		if i%5 == 0 {
			r.Shuffle(len(prev.Files), func(a, b int) { prev.Files[a], prev.Files[b] = prev.Files[b], prev.Files[a] })
		}
		if i%7 == 0 {
			prev = nil
		}
		if got, want := tree.Diff(prev, next), diffByMap(prev, next); !reflect.DeepEqual(got, want) {
			t.Fatalf("pair %d: Diff = %v, want %v", i, got, want)
		}
	}
}
