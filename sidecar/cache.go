package sidecar

import (
	"encoding/binary"
	"sync"
	"sync/atomic"
)

// answerCache keeps whole answers of the searches whose answer is a
// function of a few slot numbers and filters: find_soonest_bookings, and
// find_free_rooms without coordinates. Everyone asking what is free or
// booked "now" in the same 15 minutes asks the same question. (An answer
// with coordinates depends on the asker's exact position, so it is never
// kept: two phones seldom send the same one.)
//
// It belongs to one [Index], so a new snapshot starts with an empty cache.
// It holds at most max bytes of keys and answers; when full, it drops
// arbitrary entries (Go's map order) to make room, and an answer larger
// than an eighth of max is not kept. Safe for concurrent use.
type answerCache struct {
	max int

	mu    sync.RWMutex
	m     map[string][]byte
	bytes int

	hits, misses atomic.Uint64
}

// entryOverhead approximates a map entry's own memory besides its key and
// answer bytes (string and slice headers, bucket share).
const entryOverhead = 64

// maxCacheKey bounds the key, which is built from the query: a request
// naming hundreds of rooms is answered without the cache.
const maxCacheKey = 512

func newAnswerCache(max int) *answerCache {
	return &answerCache{max: max, m: map[string][]byte{}}
}

// get returns the answer kept for key, appended to dst.
func (c *answerCache) get(dst, key []byte) ([]byte, bool) {
	c.mu.RLock()
	v, ok := c.m[string(key)]
	if ok {
		dst = append(dst, v...)
	}
	c.mu.RUnlock()
	if ok {
		c.hits.Add(1)
	} else {
		c.misses.Add(1)
	}
	return dst, ok
}

// put keeps a copy of answer under key.
func (c *answerCache) put(key, answer []byte) {
	size := len(key) + len(answer) + entryOverhead
	if size > c.max/8 {
		return
	}
	v := append([]byte(nil), answer...)
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.m[string(key)]; ok {
		return
	}
	for k, old := range c.m {
		if c.bytes+size <= c.max {
			break
		}
		delete(c.m, k)
		c.bytes -= len(k) + len(old) + entryOverhead
	}
	c.m[string(key)] = v
	c.bytes += size
}

// stats returns the hits, misses, entries and bytes held.
func (c *answerCache) stats() (hits, misses uint64, entries, bytes int) {
	c.mu.RLock()
	entries, bytes = len(c.m), c.bytes
	c.mu.RUnlock()
	return c.hits.Load(), c.misses.Load(), entries, bytes
}

// The keys: a tag byte, then the fields the answer depends on, each
// length-prefixed or fixed-size so that two different queries never share
// a key.

func appendKeyString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendKeyFilters(b []byte, minCapacity *int, building, typ string, limit int) []byte {
	if minCapacity == nil {
		b = append(b, 0)
	} else {
		b = append(b, 1)
		b = binary.AppendVarint(b, int64(*minCapacity))
	}
	b = appendKeyString(b, building)
	b = appendKeyString(b, typ)
	return binary.AppendUvarint(b, uint64(limit))
}

// freeKey returns the cache key of a find_free_rooms query, given its
// ranges as slots (see mergeRanges), or false when its answer is not
// kept (it has coordinates).
func freeKey(dst []byte, q *FreeQuery, rs []slotRange) ([]byte, bool) {
	if q.Coordinates != nil {
		return dst, false
	}
	dst = append(dst, 'f')
	dst = appendKeyFilters(dst, q.MinCapacity, q.Building, q.Type, q.Limit)
	// No range (every room, free_until null) differs from any range.
	if len(q.Ranges) == 0 {
		dst = append(dst, 0)
	} else {
		dst = append(dst, 1)
	}
	for _, r := range rs {
		dst = binary.LittleEndian.AppendUint32(dst, r.lo)
		dst = binary.LittleEndian.AppendUint32(dst, r.hi)
	}
	return dst, len(dst) <= maxCacheKey
}

// soonestKey returns the cache key of a find_soonest_bookings query, or
// false when its answer is not kept (its key would be too long).
func soonestKey(dst []byte, q *SoonestQuery, slot uint32) ([]byte, bool) {
	dst = append(dst, 's')
	dst = appendKeyFilters(dst, q.MinCapacity, q.Building, q.Type, q.Limit)
	dst = binary.LittleEndian.AppendUint32(dst, slot)
	if q.Rooms == nil {
		return append(dst, 0), true
	}
	dst = append(dst, 1)
	dst = binary.AppendUvarint(dst, uint64(len(q.Rooms)))
	for _, name := range q.Rooms {
		dst = appendKeyString(dst, name)
		if len(dst) > maxCacheKey {
			return dst, false
		}
	}
	return dst, true
}
