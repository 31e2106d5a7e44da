package sidecar

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"occupancy/snapshot"
)

// randomBusy returns a bitmap of runs of every length class clustered
// around the roaring container boundary at slot 30×65,536, sometimes with
// runs at the very first and very last slots.
func randomBusy(rng *rand.Rand, trial int) *roaring.Bitmap {
	const boundary = 30 * 65536 // 2026-01-27T00:00Z
	b := roaring.New()
	for range rng.IntN(8) {
		lo := uint64(boundary - 70000 + rng.IntN(140000))
		if trial%3 == 0 {
			lo = uint64(boundary - rng.IntN(300))
		}
		n := uint64(1 + rng.IntN([]int{1, 8, 100, 3000, 70000}[rng.IntN(5)]))
		b.AddRange(lo, lo+n)
	}
	switch trial % 7 {
	case 1:
		b.AddRange(0, uint64(1+rng.IntN(100)))
	case 2:
		b.AddRange(math.MaxUint32+1-uint64(1+rng.IntN(100)), math.MaxUint32+1)
	case 3:
		b.Add(math.MaxUint32)
	case 4:
		b.AddRange(math.MaxUint32-5, math.MaxUint32) // ends one slot short
	}
	if trial%2 == 0 {
		b.RunOptimize()
	}
	return b
}

// manyRuns returns a bitmap of 8 to 400 runs, a few slots to a few days
// long and apart, from a random start (sometimes slot 0, sometimes
// reaching the last slot), so that the blocks' window index is built
// and used across windows of every size.
func manyRuns(rng *rand.Rand, trial int) *roaring.Bitmap {
	b := roaring.New()
	lo := uint64(rng.Uint32())
	if trial%3 == 0 {
		lo = 0
	}
	gap := []int{4, 100, 2000, 1 << 20}[rng.IntN(4)]
	for range 8 + rng.IntN(393) {
		lo += uint64(1 + rng.IntN(gap))
		n := uint64(1 + rng.IntN(1+rng.IntN(300)))
		if lo+n > math.MaxUint32+1 {
			break
		}
		b.AddRange(lo, lo+n)
		lo += n
	}
	if trial%5 == 0 {
		b.AddRange(math.MaxUint32-20, math.MaxUint32+1)
	}
	b.RunOptimize()
	return b
}

// randomSlot draws a slot near a busy slot, a run edge or anywhere.
func randomSlot(rng *rand.Rand, b *roaring.Bitmap) uint32 {
	if b.IsEmpty() || rng.IntN(8) == 0 {
		return []uint32{0, 1, 30 * 65536, math.MaxUint32 - 1, math.MaxUint32, rng.Uint32()}[rng.IntN(6)]
	}
	sel, err := b.Select(uint32(rng.Uint64N(b.GetCardinality())))
	if err != nil {
		panic(err)
	}
	v := int64(sel) + int64(rng.IntN(9)) - 4
	return uint32(min(max(v, 0), math.MaxUint32))
}

// TestBlocksMatchBitmap checks that the blocks derived at load answer both
// searches exactly as the bitmap walks (soonest with runStart/runEnd,
// freeUntil with NextValue) on random bitmaps, across the 65,536-slot
// container boundary and at both ends of the slot range.
func TestBlocksMatchBitmap(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for trial := range 1000 {
		b := randomBusy(rng, trial)
		if trial%10 >= 7 {
			b = manyRuns(rng, trial)
		}
		bs, ok := appendBlocks(nil, b, math.MaxInt)
		if !ok {
			t.Fatal("appendBlocks refused an unlimited budget")
		}
		// The blocks are exactly the runs: sorted, disjoint, not touching,
		// and covering the cardinality.
		var card uint64
		for i, bl := range bs {
			if bl.last < bl.first || i > 0 && uint64(bs[i-1].last)+1 >= uint64(bl.first) {
				t.Fatalf("trial %d: blocks not maximal runs: %v", trial, bs)
			}
			card += uint64(bl.last) - uint64(bl.first) + 1
		}
		if card != b.GetCardinality() {
			t.Fatalf("trial %d: blocks hold %d slots, bitmap %d", trial, card, b.GetCardinality())
		}
		_, _, n := blockWindows(bs)
		ib := indexBlocks(bs, make([]uint32, n))
		if len(bs) >= 8 && (len(ib.at) == 0 || len(ib.at) > 2*len(bs)+2) {
			t.Fatalf("trial %d: %d runs indexed in %d windows", trial, len(bs), len(ib.at))
		}
		for range 30 {
			s := randomSlot(rng, b)
			at := snapshot.SlotTime(s)
			ws, we, wok := soonest(b, at)
			gs, ge, gok := ib.soonest(at)
			if gs != ws || ge != we || gok != wok {
				t.Fatalf("trial %d: soonest from %d = [%d, %d) %v, bitmap [%d, %d) %v", trial, s, gs, ge, gok, ws, we, wok)
			}
			var rs []slotRange
			for range 1 + rng.IntN(4) {
				lo := randomSlot(rng, b)
				hi := uint32(min(uint64(lo)+uint64(rng.IntN(200)), math.MaxUint32))
				rs = append(rs, slotRange{lo, hi})
			}
			rs = mergeSlotRanges(rs)
			wf, wn := freeUntil(b, rs)
			gf, gn := ib.freeUntil(rs)
			if gf != wf || wf && gn != wn {
				t.Fatalf("trial %d: freeUntil(%v) = %v, %d; bitmap %v, %d", trial, rs, gf, gn, wf, wn)
			}
		}
	}
}

// mergeSlotRanges sorts and merges rs as mergeRanges does.
func mergeSlotRanges(rs []slotRange) []slotRange {
	slices.SortFunc(rs, func(a, b slotRange) int { return int(int64(a.lo) - int64(b.lo)) })
	out := rs[:0]
	for _, r := range rs {
		if n := len(out); n > 0 && r.lo <= out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// TestBlockBudget checks that rooms past the index's block budget are
// searched through their bitmaps with the same answers.
func TestBlockBudget(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	snap := &snapshot.Snapshot{Release: "budget"}
	for i := range 6 {
		snap.Rooms = append(snap.Rooms, snapshot.Room{Name: string(rune('A' + i)), Busy: randomBusy(rng, i),
			Coordinates: &[2]float64{46.5 + float64(i)/100, 6.56}})
	}
	clone := func() *snapshot.Snapshot {
		c := *snap
		c.Rooms = slices.Clone(snap.Rooms)
		for i := range c.Rooms {
			c.Rooms[i].Busy = snap.Rooms[i].Busy.Clone()
		}
		return &c
	}
	full := NewIndex(clone(), time.Time{})
	for _, budget := range []int{0, 3, 20} {
		ix := newIndex(clone(), time.Time{}, budget)
		for range 200 {
			s := snapshot.SlotTime(randomSlot(rng, snap.Rooms[rng.IntN(len(snap.Rooms))].Busy))
			q := &FreeQuery{Ranges: []Range{{s, s.Add(time.Duration(1+rng.IntN(20)) * 15 * time.Minute)}}, Coordinates: &[2]float64{46.52, 6.57}}
			if got, want := string(ix.AppendFree(nil, q)), string(full.AppendFree(nil, q)); got != want {
				t.Fatalf("budget %d: AppendFree = %s, want %s", budget, got, want)
			}
			sq := &SoonestQuery{After: s}
			if got, want := string(ix.AppendSoonest(nil, sq)), string(full.AppendSoonest(nil, sq)); got != want {
				t.Fatalf("budget %d: AppendSoonest = %s, want %s", budget, got, want)
			}
		}
	}
}

// TestDistanceMatchesHaversine checks that the precomputed form of the
// distance is bit-for-bit haversine's.
func TestDistanceMatchesHaversine(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	snap := &snapshot.Snapshot{Release: "dist"}
	for i := range 50 {
		snap.Rooms = append(snap.Rooms, snapshot.Room{Name: string(rune('A' + i)),
			Coordinates: &[2]float64{rng.Float64()*180 - 90, rng.Float64()*360 - 180}})
	}
	ix := NewIndex(snap, time.Time{})
	for range 200 {
		c := [2]float64{rng.Float64()*180 - 90, rng.Float64()*360 - 180}
		for _, fr := range ix.FindFree(&FreeQuery{Coordinates: &c}) {
			i := slices.IndexFunc(ix.rooms, func(r room) bool { return r.name == fr.Name })
			r := &ix.rooms[i]
			if want := haversine(r.lat, r.lon, c[0], c[1]); *fr.Distance != want && !(math.IsNaN(want) && math.IsNaN(*fr.Distance)) {
				t.Fatalf("distance of %v to %v = %v, haversine %v", [2]float64{r.lat, r.lon}, c, *fr.Distance, want)
			}
		}
	}
}
