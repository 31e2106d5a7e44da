package sidecar

import (
	"cmp"
	"encoding/json"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"

	"occupancy/snapshot"
)

// Index answers the two searches for one snapshot. It is immutable after
// [NewIndex] and safe for concurrent use; its bitmaps are only read (never
// copy-on-write), so no request can observe a change.
type Index struct {
	release string
	rooms   []room // sorted by name
	// byLat holds the indices of the rooms with coordinates in latitude
	// order, and lats their latitudes: the nearest rooms to a position
	// are found by walking out from its latitude (see nearestFree).
	// noCoords holds the others, in name order.
	byLat    []int32
	lats     []float64
	noCoords []int32
	loadedAt time.Time
	fileTime time.Time // modification time of the snapshot file, zero if unknown
	// offsets, when set, is the campus time zone: datetimes are written as
	// RFC 3339 with their true offset instead of wall-clock time with a Z.
	offsets *time.Location
	// cache, when set, keeps whole answers (see answerCache).
	cache *answerCache
}

// WithOffsets returns a copy of ix that writes datetimes as RFC 3339 with
// their true offset in loc (2026-10-05T08:15:00+02:00), as the build does
// with -rfc3339, instead of campus wall-clock time written with a Z. The
// copy shares ix's rooms, which are read-only.
func (ix *Index) WithOffsets(loc *time.Location) *Index {
	c := *ix
	c.offsets = loc
	if ix.cache != nil { // its answers are written the other way
		c.cache = newAnswerCache(ix.cache.max)
	}
	return &c
}

// WithAnswerCache returns a copy of ix that keeps up to maxBytes of whole
// answers of the searches that do not depend on a position (see
// answerCache), in a cache of its own; maxBytes <= 0 keeps none. The copy
// shares ix's rooms, which are read-only.
func (ix *Index) WithAnswerCache(maxBytes int) *Index {
	c := *ix
	c.cache = nil
	if maxBytes > 0 {
		c.cache = newAnswerCache(maxBytes)
	}
	return &c
}

// appendTime appends the start of slot (or null for a negative slot) as
// the API writes datetimes.
func (ix *Index) appendTime(b []byte, slot int64) []byte {
	if ix.offsets == nil || slot < 0 {
		return appendSlotTime(b, slot)
	}
	w := snapshot.SlotTime(uint32(slot))
	t := time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), 0, 0, ix.offsets)
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339)
	return append(b, '"')
}

type room struct {
	name, typ, building string
	capacity            int
	hasCapacity         bool
	lat, lon            float64
	hasCoords           bool
	// latRad and cosLat are lat in radians and its cosine, computed once
	// here exactly as haversine computes them, so that distances stay
	// bit-for-bit the same while a request computes one sine per axis.
	latRad, cosLat float64
	busy           *roaring.Bitmap
	// blocks are the room's maximal runs of busy slots in order, derived
	// from busy at load (busy stays the source of truth), with a coarse
	// index. Both searches look them up, so their cost does not grow with
	// the number of bookings or the length of the ranges. bitmapOnly is set when the
	// index's block budget was spent (see maxIndexBlocks): the searches
	// then walk busy instead.
	blocks     blocks
	bitmapOnly bool
	// prefix is the room's JSON object without its closing brace, with the
	// keys of GET /api/rooms:
	// {"name":…,"type":…,"link":…,"coordinates":…,"building":…,"capacity":…[,"level":…]
	prefix []byte
	// namePrefix is {"name":…
	namePrefix []byte
}

// NewIndex builds an index over s, taking ownership of its bitmaps (they are
// run-optimized here and must not be modified afterwards). fileTime is the
// snapshot file's modification time, reported in metrics (zero if unknown).
func NewIndex(s *snapshot.Snapshot, fileTime time.Time) *Index {
	return newIndex(s, fileTime, maxIndexBlocks)
}

// maxIndexBlocks bounds the busy blocks an index derives (8 bytes each):
// a campus release has tens of thousands, ten times the campus a few
// hundred thousand, but a hostile snapshot of alternating slots could
// have billions. Rooms past the budget are searched through their bitmaps.
const maxIndexBlocks = 1 << 22

func newIndex(s *snapshot.Snapshot, fileTime time.Time, budget int) *Index {
	ix := &Index{release: s.Release, loadedAt: time.Now(), fileTime: fileTime}
	ix.rooms = make([]room, len(s.Rooms))
	var all []block // one backing array for every room's blocks
	bounds := make([][2]int, len(s.Rooms))
	for i := range s.Rooms {
		src := &s.Rooms[i]
		r := room{name: src.Name, typ: src.Type, building: src.Building, busy: src.Busy}
		if r.busy == nil {
			r.busy = roaring.New()
		}
		r.busy.RunOptimize()
		n := len(all)
		var ok bool
		if all, ok = appendBlocks(all, r.busy, budget); ok {
			budget -= len(all) - n
			bounds[i] = [2]int{n, len(all)}
		} else {
			all, budget, r.bitmapOnly = all[:n], 0, true
		}
		if src.Capacity != nil {
			r.capacity, r.hasCapacity = *src.Capacity, true
		}
		if src.Coordinates != nil {
			r.lat, r.lon, r.hasCoords = src.Coordinates[0], src.Coordinates[1], true
			r.latRad = r.lat * math.Pi / 180
			r.cosLat = math.Cos(r.latRad)
		}
		b := append([]byte(`{"name":`), jsonString(src.Name)...)
		r.namePrefix = slices.Clip(b)
		b = append(slices.Clone(b), `,"type":`...)
		b = append(b, jsonString(src.Type)...)
		b = append(b, `,"link":`...)
		if src.Link == "" {
			b = append(b, "null"...)
		} else {
			b = append(b, jsonString(src.Link)...)
		}
		b = append(b, `,"coordinates":`...)
		if src.Coordinates == nil {
			b = append(b, "null"...)
		} else {
			b = append(b, '[')
			b = appendFloat(b, src.Coordinates[0])
			b = append(b, ',')
			b = appendFloat(b, src.Coordinates[1])
			b = append(b, ']')
		}
		b = append(b, `,"building":`...)
		b = append(b, jsonString(src.Building)...)
		b = append(b, `,"capacity":`...)
		b = appendIntPtr(b, src.Capacity)
		if src.Level != nil { // omitted when unknown, as in GET /api/rooms
			b = append(b, `,"level":`...)
			b = strconv.AppendInt(b, int64(*src.Level), 10)
		}
		r.prefix = slices.Clip(b)
		ix.rooms[i] = r
	}
	all = slices.Clip(all)
	windows := 0
	for _, b := range bounds {
		_, _, n := blockWindows(all[b[0]:b[1]])
		windows += n
	}
	at := make([]uint32, windows) // one backing array for every room's index
	for i, b := range bounds {
		ix.rooms[i].blocks = indexBlocks(all[b[0]:b[1]:b[1]], at)
		at = at[len(ix.rooms[i].blocks.at):]
	}
	// The build sorts rooms; sort again so the index never depends on it.
	slices.SortStableFunc(ix.rooms, func(a, b room) int { return strings.Compare(a.name, b.name) })
	for i := range ix.rooms {
		if ix.rooms[i].hasCoords {
			ix.byLat = append(ix.byLat, int32(i))
		} else {
			ix.noCoords = append(ix.noCoords, int32(i))
		}
	}
	slices.SortStableFunc(ix.byLat, func(a, b int32) int { return cmp.Compare(ix.rooms[a].lat, ix.rooms[b].lat) })
	ix.lats = make([]float64, len(ix.byLat))
	for k, i := range ix.byLat {
		ix.lats[k] = ix.rooms[i].lat
	}
	return ix
}

// block is a maximal run of busy slots, first to last inclusive (an
// exclusive end could not hold a run that reaches slot 2^32-1).
type block struct{ first, last uint32 }

// appendBlocks appends the runs of busy to dst, as soonest's
// runStart/runEnd see them, and reports false (leaving dst's extra
// elements to be dropped) when there are more than budget.
func appendBlocks(dst []block, busy *roaring.Bitmap, budget int) ([]block, bool) {
	from := uint64(0)
	for from <= math.MaxUint32 {
		v := busy.NextValue(uint32(from))
		if v < 0 {
			break
		}
		if budget == 0 {
			return dst, false
		}
		budget--
		// runEnd returns MaxUint32 both for a run ending just before the
		// last slot and for one that holds it.
		last := uint64(runEnd(busy, uint32(v))) - 1
		if last == math.MaxUint32-1 && busy.Contains(math.MaxUint32) {
			last = math.MaxUint32
		}
		dst = append(dst, block{uint32(v), uint32(last)})
		from = last + 1
	}
	return dst, true
}

// blocks are a room's maximal runs of busy slots, in order, with a coarse
// index over them: at[w] is the index of the first run ending at or after
// slot base + w<<shift. A search for the first run ending at or after s
// then only binary-searches the runs between at[w] and at[w+1] for s's
// window w: two or three steps within a cache line or two, instead of
// eight or nine across the room's runs (a search took a sixth of a campus
// answer's time). The windows are 512 slots (5⅓ days), doubled until
// there are at most twice as many as runs, which bounds the index's
// memory by the runs' own.
type blocks struct {
	bs    []block
	at    []uint32
	base  uint32
	shift uint8
}

// minBlockShift gives windows of 512 slots.
const minBlockShift = 9

// blockWindows returns the first slot, window size (as a shift) and
// number of windows of bs's index: none for fewer than 8 runs, where a
// binary search is as short.
func blockWindows(bs []block) (base uint32, shift uint8, n int) {
	if len(bs) < 8 {
		return 0, 0, 0
	}
	base = bs[0].first
	span := uint64(bs[len(bs)-1].last) - uint64(base) + 1
	shift = minBlockShift
	for span>>shift+1 > uint64(2*len(bs)+2) {
		shift++
	}
	return base, shift, int(span>>shift + 1)
}

// indexBlocks indexes bs into at, which must hold blockWindows's n.
func indexBlocks(bs []block, at []uint32) blocks {
	b := blocks{bs: bs}
	var n int
	b.base, b.shift, n = blockWindows(bs)
	if n == 0 {
		return b
	}
	b.at = at[:n:n]
	i := 0
	for w := range b.at {
		start := uint64(b.base) + uint64(w)<<b.shift
		for i < len(bs) && uint64(bs[i].last) < start {
			i++
		}
		b.at[w] = uint32(i)
	}
	return b
}

// firstEndingFrom returns the index of the first block whose last slot
// is at or after s, or len(b.bs), knowing that it is at least from.
func (b *blocks) firstEndingFrom(s uint32, from int) int {
	lo, hi := from, len(b.bs)
	if b.at != nil && s >= b.base {
		if w := uint64(s-b.base) >> b.shift; w < uint64(len(b.at)) {
			lo = max(lo, int(b.at[w]))
			if w+1 < uint64(len(b.at)) {
				hi = max(lo, int(b.at[w+1]))
			}
		} else {
			return len(b.bs) // past the last window: past the last run
		}
	}
	bs := b.bs
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if bs[m].last < s {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// freeUntil is the package's freeUntil on a room's blocks: a range
// [lo, hi) holds a busy slot when the first block ending at or after lo
// starts before hi. The ranges are sorted, so each search starts where
// the last one ended.
func (b *blocks) freeUntil(rs []slotRange) (free bool, next int64) {
	i := 0
	for _, r := range rs {
		i = b.firstEndingFrom(r.lo, i)
		if i == len(b.bs) {
			return true, -1
		}
		if r.lo < r.hi && b.bs[i].first < r.hi {
			return false, 0
		}
	}
	// bs[i] is the first block ending at or after the last range's start
	// and holds no slot of it: its first slot from there is the next busy one.
	return true, int64(max(b.bs[i].first, rs[len(rs)-1].lo))
}

// soonest is the package's soonest on a room's blocks: the first block
// ending at or after Slot(t).
func (b *blocks) soonest(t time.Time) (start, end uint32, ok bool) {
	i := b.firstEndingFrom(snapshot.Slot(t), 0)
	if i == len(b.bs) {
		return 0, 0, false
	}
	return b.bs[i].first, uint32(min(uint64(b.bs[i].last)+1, math.MaxUint32)), true
}

// free is freeUntil for r, through its blocks when it has them.
func (r *room) free(rs []slotRange) (bool, int64) {
	if r.bitmapOnly {
		return freeUntil(r.busy, rs)
	}
	return r.blocks.freeUntil(rs)
}

// soonest is soonest for r, through its blocks when it has them.
func (r *room) soonest(t time.Time) (start, end uint32, ok bool) {
	if r.bitmapOnly {
		return soonest(r.busy, t)
	}
	return r.blocks.soonest(t)
}

func jsonString(s string) []byte {
	b, _ := json.Marshal(s) // cannot fail for a string
	return b
}

func appendIntPtr(b []byte, p *int) []byte {
	if p == nil {
		return append(b, "null"...)
	}
	return strconv.AppendInt(b, int64(*p), 10)
}

// appendFloat formats f as JavaScript's JSON.stringify would for ordinary
// magnitudes (shortest representation that round-trips).
func appendFloat(b []byte, f float64) []byte {
	if a := math.Abs(f); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, f, 'f', -1, 64)
}

// Release returns the release identifier of the snapshot.
func (ix *Index) Release() string { return ix.release }

// Len returns the number of rooms.
func (ix *Index) Len() int { return len(ix.rooms) }

// LoadedAt returns when the index was built.
func (ix *Index) LoadedAt() time.Time { return ix.loadedAt }

// FileTime returns the snapshot file's modification time (zero if unknown).
func (ix *Index) FileTime() time.Time { return ix.fileTime }

// slotRange is a half-open range of slots [lo, hi).
type slotRange struct{ lo, hi uint32 }

// hit is one room in a search result: 24 bytes, which the sort of a
// whole answer moves about.
type hit struct {
	// key orders hits when the query has coordinates: nearest first,
	// rooms without coordinates last. It holds the distance too (see
	// distKey and distance).
	key       uint64
	freeUntil int64 // slot, or -1 for none
	room      int32
}

// distance returns the room's distance from the query's position, and
// false when either has no coordinates.
func (h *hit) distance() (float64, bool) {
	switch h.key {
	case math.MaxUint64:
		return 0, false
	case 0:
		return math.NaN(), true
	}
	return math.Float64frombits(h.key - 1), true
}

// distKey maps a distance to an integer with the same order as
// cmp.Compare on distances, so that sorting compares integers: the bits
// of a non-negative float64 are in the float's order; NaN, which
// cmp.Compare puts first, is 0; no distance is last.
func distKey(d float64, ok bool) uint64 {
	switch {
	case !ok:
		return math.MaxUint64
	case d != d: // NaN
		return 0
	}
	return math.Float64bits(d) + 1 // d >= 0: haversine's atan2 is in [0, π]
}

// scratch holds per-request buffers, reused through a pool.
type scratch struct {
	q      queryBuf // the request's query, when the fast path parsed it
	ranges []slotRange
	hits   []hit
	out    []byte
	key    []byte // the answer cache's key
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

func getScratch() *scratch { return scratchPool.Get().(*scratch) }

// maxPooledBytes keeps one huge response from pinning its buffer.
const maxPooledBytes = 4 << 20

func putScratch(s *scratch) {
	if cap(s.out) > maxPooledBytes {
		s.out = nil
	}
	scratchPool.Put(s)
}

// mergeRanges converts q's ranges to slots, rounding outward, and returns
// them sorted with overlapping and touching ranges merged.
func mergeRanges(dst []slotRange, rs []Range) []slotRange {
	dst = dst[:0]
	for _, r := range rs {
		dst = append(dst, slotRange{snapshot.Slot(r.Start), snapshot.SlotCeil(r.End)})
	}
	slices.SortFunc(dst, func(a, b slotRange) int { return cmp.Compare(a.lo, b.lo) })
	out := dst[:0]
	for _, r := range dst {
		// A range that clamping made empty (wholly before 1970 or beyond
		// the last slot) holds no busy slot but is kept, so that
		// free_until still counts from its end.
		if n := len(out); n > 0 && r.lo <= out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out
}

// freeUntil and soonest below walk a room's bitmap directly. They answer
// for rooms past the index's block budget, and are the reference that
// TestBlocksMatchBitmap holds the block searches to.

// freeUntil reports whether busy has no slot in any of rs (sorted, merged,
// non-empty) and, if so, the first busy slot at or after the last range's
// end (-1 for none). It allocates nothing: NextValue walks the containers.
func freeUntil(busy *roaring.Bitmap, rs []slotRange) (free bool, next int64) {
	i := 0
	for i < len(rs) {
		v := busy.NextValue(rs[i].lo)
		if v < 0 {
			return true, -1
		}
		// Ranges ending at or before v hold no busy slot.
		for i < len(rs) && int64(rs[i].hi) <= v {
			i++
		}
		if i == len(rs) {
			return true, v
		}
		if int64(rs[i].lo) <= v {
			return false, 0
		}
	}
	return true, -1 // unreachable for non-empty rs
}

// matches reports whether r passes a search's room filters (see
// [FreeQuery]).
func (r *room) matches(minCapacity *int, building, typ string) bool {
	if minCapacity != nil && (!r.hasCapacity || r.capacity < *minCapacity) {
		return false
	}
	if building != "" && !strings.EqualFold(r.building, building) {
		return false
	}
	if typ != "" && !strings.EqualFold(r.typ, typ) {
		return false
	}
	return true
}

// earthRadius is the mean Earth radius in metres used by the reference.
const earthRadius = 6371000

// haversine returns the great-circle distance in metres, computed exactly as
// the reference does. freeHits computes the same expressions with the
// room's side precomputed; TestDistanceMatchesHaversine holds them equal.
func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	φ1 := lat1 * math.Pi / 180
	φ2 := lat2 * math.Pi / 180
	Δφ := (lat2 - lat1) * math.Pi / 180
	Δλ := (lon2 - lon1) * math.Pi / 180
	a := math.Sin(Δφ/2)*math.Sin(Δφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(Δλ/2)*math.Sin(Δλ/2)
	c := 2 * math.Atan2(math.Sqrt(a), math.Sqrt(1-a))
	return earthRadius * c
}

// position is the query's side of haversine, computed once per query;
// the room's side (latRad, cosLat) was computed at load. hitFor uses
// haversine's expressions in the same order, so distances are
// bit-for-bit equal.
type position struct{ lat, lon, cosLat float64 }

func newPosition(c *[2]float64) position {
	return position{c[0], c[1], math.Cos(c[0] * math.Pi / 180)}
}

// hitFor returns r's hit (not yet checked for being free) for a query
// from p (nil: no coordinates).
func (r *room) hitFor(i int32, p *position) hit {
	h := hit{room: i, freeUntil: -1, key: distKey(0, false)}
	if p != nil && r.hasCoords {
		sφ := math.Sin((p.lat - r.lat) * math.Pi / 180 / 2)
		sλ := math.Sin((p.lon - r.lon) * math.Pi / 180 / 2)
		a := sφ*sφ + r.cosLat*p.cosLat*sλ*sλ
		h.key = distKey(earthRadius*(2*math.Atan2(math.Sqrt(a), math.Sqrt(1-a))), true)
	}
	return h
}

// freeHits computes the free rooms for q into s.hits, in response order.
func (ix *Index) freeHits(q *FreeQuery, s *scratch) []hit {
	s.ranges = mergeRanges(s.ranges, q.Ranges)
	var p *position
	if q.Coordinates != nil {
		pos := newPosition(q.Coordinates)
		p = &pos
		if q.Limit > 0 {
			s.hits = ix.nearestFree(q, p, s)
			return s.hits
		}
	}
	hits := s.hits[:0]
	for i := range ix.rooms {
		r := &ix.rooms[i]
		if !r.matches(q.MinCapacity, q.Building, q.Type) {
			continue
		}
		h := r.hitFor(int32(i), p)
		if !r.freeHit(&h, q, s.ranges) {
			continue
		}
		hits = append(hits, h)
		if p == nil && len(hits) == q.Limit {
			break // in name order, the first limit rooms are the answer
		}
	}
	if p != nil {
		// Nearest first; rooms without coordinates last; ties by name.
		// The rooms are in name order, so comparing indices breaks ties:
		// a total order, which lets an unstable sort (pdqsort, no
		// buffer, fewer moves than the stable insertion-and-merge sort)
		// give the same answer, and a top-k selection the same prefix.
		slices.SortFunc(hits, func(a, b hit) int {
			if a.key != b.key {
				return cmp.Compare(a.key, b.key)
			}
			return cmp.Compare(a.room, b.room)
		})
	}
	s.hits = hits
	return hits
}

// freeHit reports whether r is free in rs (every room is, for a query
// without ranges) and sets h's free_until.
func (r *room) freeHit(h *hit, q *FreeQuery, rs []slotRange) bool {
	if len(q.Ranges) == 0 {
		return true
	}
	free, next := r.free(rs)
	h.freeUntil = next
	return free
}

// nearestFree returns the q.Limit first free rooms of the answer's order
// for a query from p, in that order, without computing every room's
// distance. The great-circle distance to a room is at least the arc
// between their latitudes, so the rooms are visited outward from p's
// latitude, keeping the limit best so far in a max-heap (see hitBefore),
// until that lower bound passes the heap's last; rooms without
// coordinates, which come last, are visited only if too few rooms with
// them are free. A distance that rounding made NaN, which the answer's
// order puts first, can only occur within a hair of p's antipode: those
// rooms are visited too.
func (ix *Index) nearestFree(q *FreeQuery, p *position, s *scratch) []hit {
	hits, k := s.hits[:0], q.Limit
	visit := func(j int) {
		i := ix.byLat[j]
		r := &ix.rooms[i]
		if !r.matches(q.MinCapacity, q.Building, q.Type) {
			return
		}
		h := r.hitFor(i, p)
		if len(hits) == k && !hitBefore(h, hits[0]) {
			return
		}
		if !r.freeHit(&h, q, s.ranges) {
			return
		}
		if len(hits) < k {
			hits = append(hits, h)
			siftUp(hits, len(hits)-1)
		} else {
			hits[0] = h
			siftDown(hits, 0)
		}
	}
	// farther reports whether every room at least dLat degrees of
	// latitude away comes after the heap's last, with a margin far above
	// rounding.
	farther := func(dLat float64) bool {
		if len(hits) < k || hits[0].key == 0 { // not full, or a NaN distance last
			return false
		}
		last, _ := hits[0].distance()
		return earthRadius*dLat*math.Pi/180 > last*(1+1e-9)+1e-6
	}
	lats := ix.lats
	hi, _ := slices.BinarySearch(lats, p.lat)
	lo := hi - 1
	// lats[lo+1:hi] have been visited.
	for lo >= 0 || hi < len(lats) {
		up := hi < len(lats) && (lo < 0 || lats[hi]-p.lat <= p.lat-lats[lo])
		dLat := p.lat - lats[max(lo, 0)]
		if up {
			dLat = lats[hi] - p.lat
		}
		if farther(dLat) {
			// Every room left is farther, but for NaN distances near
			// the antipode (a latitude of -p.lat).
			const hair = 1e-4 // degrees; NaN needs under about 3e-6
			from, _ := slices.BinarySearch(lats, -p.lat-hair)
			for j := from; j < len(lats) && lats[j] <= -p.lat+hair; j++ {
				if j <= lo || j >= hi {
					visit(j)
				}
			}
			break
		}
		if up {
			visit(hi)
			hi++
		} else {
			visit(lo)
			lo--
		}
	}
	// Rooms without coordinates come last, in name order.
	for _, i := range ix.noCoords {
		if len(hits) == k {
			break
		}
		r := &ix.rooms[i]
		if !r.matches(q.MinCapacity, q.Building, q.Type) {
			continue
		}
		h := r.hitFor(i, p)
		if r.freeHit(&h, q, s.ranges) {
			hits = append(hits, h)
		}
	}
	slices.SortFunc(hits, func(a, b hit) int {
		if a.key != b.key {
			return cmp.Compare(a.key, b.key)
		}
		return cmp.Compare(a.room, b.room)
	})
	return hits
}

// hitBefore reports whether a comes before b in the answer's order with
// coordinates: nearest first, then by name.
func hitBefore(a, b hit) bool {
	if a.key != b.key {
		return a.key < b.key
	}
	return a.room < b.room
}

// siftUp and siftDown keep h a max-heap in the answer's order: h[0] is
// the hit that comes last.
func siftUp(h []hit, i int) {
	for i > 0 {
		parent := (i - 1) / 2
		if !hitBefore(h[parent], h[i]) {
			return
		}
		h[parent], h[i] = h[i], h[parent]
		i = parent
	}
}

func siftDown(h []hit, i int) {
	for {
		last := i
		if l := 2*i + 1; l < len(h) && hitBefore(h[last], h[l]) {
			last = l
		}
		if r := 2*i + 2; r < len(h) && hitBefore(h[last], h[r]) {
			last = r
		}
		if last == i {
			return
		}
		h[i], h[last] = h[last], h[i]
		i = last
	}
}

// AppendFree appends the JSON response of find_free_rooms for q to dst:
// an array of free rooms, each {name, type, link, coordinates, building,
// capacity, level, free_until} plus distance when q has coordinates.
// Unknown values are null, except level, which is omitted as in
// GET /api/rooms.
func (ix *Index) AppendFree(dst []byte, q *FreeQuery) []byte {
	s := getScratch()
	defer putScratch(s)
	return ix.appendFree(dst, q, s)
}

func (ix *Index) appendFree(dst []byte, q *FreeQuery, s *scratch) []byte {
	keep := false
	if ix.cache != nil {
		s.ranges = mergeRanges(s.ranges, q.Ranges)
		if s.key, keep = freeKey(s.key[:0], q, s.ranges); keep {
			var hit bool
			if dst, hit = ix.cache.get(dst, s.key); hit {
				return dst
			}
		}
	}
	start := len(dst)
	dst = ix.appendFreeHits(dst, q, s)
	if keep {
		ix.cache.put(s.key, dst[start:])
	}
	return dst
}

// appendFreeHits is appendFree without the cache.
func (ix *Index) appendFreeHits(dst []byte, q *FreeQuery, s *scratch) []byte {
	hits := ix.freeHits(q, s)
	dst = append(dst, '[')
	for k, h := range hits {
		if k > 0 {
			dst = append(dst, ',')
		}
		r := &ix.rooms[h.room]
		dst = append(dst, r.prefix...)
		dst = append(dst, `,"free_until":`...)
		dst = ix.appendTime(dst, h.freeUntil)
		if q.Coordinates != nil {
			dst = append(dst, `,"distance":`...)
			// JSON has no NaN: JSON.stringify writes null, as for a
			// room without coordinates.
			if d, ok := h.distance(); ok && d == d {
				dst = appendFloat(dst, d)
			} else {
				dst = append(dst, "null"...)
			}
		}
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// appendSlotTime appends the start of slot as a quoted datetime in
// [DatetimeLayout], or null for a negative slot. It is equivalent to
// formatting snapshot.SlotTime(slot) but several times faster.
func appendSlotTime(b []byte, slot int64) []byte {
	if slot < 0 {
		return append(b, "null"...)
	}
	secs := slot * snapshot.SlotSeconds
	days, rem := secs/86400, secs%86400
	y, m, d := civil(days)
	if y > 9999 {
		b = append(b, '"')
		b = appendDatetime(b, snapshot.SlotTime(uint32(slot)))
		return append(b, '"')
	}
	b = append(b, '"')
	b = append2(append2(b, int(y/100)), int(y%100))
	b = append2(append(b, '-'), int(m))
	b = append2(append(b, '-'), int(d))
	b = append2(append(b, 'T'), int(rem/3600))
	b = append2(append(b, ':'), int(rem%3600/60))
	b = append2(append(b, ':'), int(rem%60))
	return append(b, ".000Z\""...)
}

func append2(b []byte, v int) []byte {
	return append(b, byte('0'+v/10), byte('0'+v%10))
}

// civil converts days since 1970-01-01 (non-negative) to a proleptic
// Gregorian date (H. Hinnant's days_from_civil inverse).
func civil(z int64) (y, m, d int64) {
	z += 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y = yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = doy - (153*mp+2)/5 + 1
	if mp < 10 {
		m = mp + 3
	} else {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return y, m, d
}

// FreeRoom is one result of [Index.FindFree].
type FreeRoom struct {
	Name      string
	FreeUntil *time.Time // nil when no later booking
	Distance  *float64   // nil without query coordinates or room coordinates
}

// FindFree returns the rooms free during every range of q, in response
// order. It is the allocating form of [Index.AppendFree], for tests and
// tools.
func (ix *Index) FindFree(q *FreeQuery) []FreeRoom {
	var s scratch
	hits := ix.freeHits(q, &s)
	out := make([]FreeRoom, len(hits))
	for k, h := range hits {
		out[k].Name = ix.rooms[h.room].name
		if h.freeUntil >= 0 {
			t := snapshot.SlotTime(uint32(h.freeUntil))
			out[k].FreeUntil = &t
		}
		if d, ok := h.distance(); ok {
			out[k].Distance = &d
		}
	}
	return out
}

// soonest returns the block of consecutive busy slots [start, end) that
// contains the first busy slot ending after t (a slot ends after t when it
// is at or after Slot(t)), or ok false when there is none.
func soonest(busy *roaring.Bitmap, t time.Time) (start, end uint32, ok bool) {
	v := busy.NextValue(snapshot.Slot(t))
	if v < 0 {
		return 0, 0, false
	}
	s, from := uint32(v), snapshot.Slot(t)
	if s > from {
		// Slot s-1 is at or after from and not busy: the block starts at s.
		return s, runEnd(busy, s), true
	}
	return runStart(busy, s), runEnd(busy, s), true
}

// runShort bounds the slot-by-slot walk of runStart and runEnd; longer runs
// are measured by galloping with CardinalityInRange. (roaring's
// NextAbsentValue and PreviousAbsentValue are wrong above 65,535 in v2.30.0.)
const runShort = 64

// full reports whether every slot of [lo, hi) is busy.
func full(busy *roaring.Bitmap, lo, hi uint64) bool {
	return busy.CardinalityInRange(lo, hi) == hi-lo
}

// runEnd returns the first slot after s that is not busy; s must be busy.
func runEnd(busy *roaring.Bitmap, s uint32) uint32 {
	e := uint64(s) + 1
	for k := 0; k < runShort; k++ {
		if e > math.MaxUint32 || !busy.Contains(uint32(e)) {
			return uint32(min(e, math.MaxUint32))
		}
		e++
	}
	// [s, lo) is busy: gallop until [lo, hi) is not full.
	lo, step := e, uint64(runShort)
	for {
		hi := min(lo+step, math.MaxUint32+1)
		if full(busy, lo, hi) {
			if hi == math.MaxUint32+1 {
				return math.MaxUint32
			}
			lo, step = hi, step*2
			continue
		}
		// [s, lo) is busy and [lo, hi) is not full: binary search for
		// the first absent slot, keeping [lo, l) full and [lo, r) not.
		l, r := lo, hi
		for r-l > 1 {
			mid := l + (r-l)/2
			if full(busy, lo, mid) {
				l = mid
			} else {
				r = mid
			}
		}
		return uint32(l)
	}
}

// runStart returns the first slot of the run of busy slots containing s.
func runStart(busy *roaring.Bitmap, s uint32) uint32 {
	b := uint64(s) // [b, s] is busy
	for k := 0; k < runShort; k++ {
		if b == 0 || !busy.Contains(uint32(b-1)) {
			return uint32(b)
		}
		b--
	}
	// [hi, s] is busy: gallop down until [lo, hi) is not full.
	hi, step := b, uint64(runShort)
	for {
		lo := uint64(0)
		if hi > step {
			lo = hi - step
		}
		if full(busy, lo, hi) {
			if lo == 0 {
				return 0
			}
			hi, step = lo, step*2
			continue
		}
		// [lo, hi) is not full: find the least x with [x, hi) full,
		// keeping [l, hi) not full and [r, hi) full.
		l, r := lo, hi
		for r-l > 1 {
			mid := l + (r-l)/2
			if full(busy, mid, hi) {
				r = mid
			} else {
				l = mid
			}
		}
		return uint32(r)
	}
}

// BusyBlock is a block of busy time of one room: its bookings that touch
// or overlap merged, on 15-minute slots, in campus wall-clock time
// labelled as UTC. It is what the API calls a room's soonest booking.
type BusyBlock struct {
	Start, End time.Time
}

// SoonestBooking is one result of [Index.FindSoonest]: the soonest_booking
// of a room.
type SoonestBooking struct {
	Name  string
	Block *BusyBlock // nil when the room has no busy time ending after the date
}

// AppendSoonest appends the JSON response of find_soonest_bookings for q to
// dst: for every room in name order,
// {"name":…,"soonest_booking":{"start_datetime":…,"end_datetime":…}|null}.
func (ix *Index) AppendSoonest(dst []byte, q *SoonestQuery) []byte {
	s := getScratch()
	defer putScratch(s)
	return ix.appendSoonest(dst, q, s)
}

func (ix *Index) appendSoonest(dst []byte, q *SoonestQuery, s *scratch) []byte {
	keep := false
	if ix.cache != nil {
		if s.key, keep = soonestKey(s.key[:0], q, snapshot.Slot(q.After)); keep {
			var hit bool
			if dst, hit = ix.cache.get(dst, s.key); hit {
				return dst
			}
		}
	}
	start := len(dst)
	dst = ix.appendSoonestRooms(dst, q)
	if keep {
		ix.cache.put(s.key, dst[start:])
	}
	return dst
}

// appendSoonestRooms is appendSoonest without the cache.
func (ix *Index) appendSoonestRooms(dst []byte, q *SoonestQuery) []byte {
	dst = append(dst, '[')
	n := 0
	for i := range ix.soonestRooms(q) {
		r := &ix.rooms[i]
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, r.namePrefix...)
		dst = append(dst, `,"soonest_booking":`...)
		start, end, ok := r.soonest(q.After)
		if !ok {
			dst = append(dst, "null}"...)
			continue
		}
		dst = append(dst, `{"start_datetime":`...)
		dst = ix.appendTime(dst, int64(start))
		dst = append(dst, `,"end_datetime":`...)
		dst = ix.appendTime(dst, int64(end))
		dst = append(dst, "}}"...)
	}
	return append(dst, ']')
}

// FindSoonest returns, for every room in name order, the earliest block of
// busy time (touching and overlapping bookings merged, on 15-minute slots)
// that ends after q.After. It is the allocating form of
// [Index.AppendSoonest].
func (ix *Index) FindSoonest(q *SoonestQuery) []SoonestBooking {
	var out []SoonestBooking
	for i := range ix.soonestRooms(q) {
		b := SoonestBooking{Name: ix.rooms[i].name}
		if s, e, ok := ix.rooms[i].soonest(q.After); ok {
			b.Block = &BusyBlock{snapshot.SlotTime(s), snapshot.SlotTime(e)}
		}
		out = append(out, b)
	}
	return out
}

// soonestRooms yields, in name order, the indices of the rooms q answers
// for: those q.Rooms names (every room when nil) that pass its filters,
// at most q.Limit of them. Names are looked up by binary search, so a
// short list costs little whatever the campus.
func (ix *Index) soonestRooms(q *SoonestQuery) iter.Seq[int] {
	return func(yield func(int) bool) {
		n := 0
		each := func(i int) bool {
			r := &ix.rooms[i]
			if !r.matches(q.MinCapacity, q.Building, q.Type) {
				return true
			}
			if q.Limit > 0 && n == q.Limit {
				return false
			}
			n++
			return yield(i)
		}
		if q.Rooms == nil {
			for i := range ix.rooms {
				if !each(i) {
					return
				}
			}
			return
		}
		named := make([]int, 0, len(q.Rooms))
		for _, name := range q.Rooms {
			if i, ok := slices.BinarySearchFunc(ix.rooms, name, func(r room, name string) int { return strings.Compare(r.name, name) }); ok {
				named = append(named, i)
			}
		}
		slices.Sort(named)
		for _, i := range slices.Compact(named) {
			if !each(i) {
				return
			}
		}
	}
}
