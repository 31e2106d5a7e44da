//go:build !race

package sidecar

import (
	"testing"
	"time"

	"occupancy/snapshot/snapshottest"
)

// TestAllocs holds the searches to their allocation budget: none per room.
func TestAllocs(t *testing.T) {
	s, _ := snapshottest.Generate(snapshottest.Options{Rooms: 180, Seed: 1})
	ix := NewIndex(s, time.Time{})
	at := func(v string) time.Time { t, _ := time.Parse(time.RFC3339, v); return t }
	free := &FreeQuery{
		Ranges: []Range{
			{at("2026-11-26T10:00:00Z"), at("2026-11-26T12:00:00Z")},
			{at("2026-11-26T14:00:00Z"), at("2026-11-26T15:00:00Z")},
		},
		Coordinates: &[2]float64{46.52, 6.565},
	}
	soon := &SoonestQuery{After: at("2026-11-26T10:30:00Z")}
	var buf []byte
	// Warm the pool and the buffer.
	buf = ix.AppendFree(buf[:0], free)
	buf = ix.AppendSoonest(buf[:0], soon)
	buf = append(buf[:0], make([]byte, 2*len(buf)+4096)...)
	if n := testing.AllocsPerRun(100, func() { buf = ix.AppendFree(buf[:0], free) }); n > 1 {
		t.Errorf("AppendFree allocates %v times per call, want at most 1", n)
	}
	if n := testing.AllocsPerRun(100, func() { buf = ix.AppendSoonest(buf[:0], soon) }); n > 0 {
		t.Errorf("AppendSoonest allocates %v times per call, want 0", n)
	}
	b := ix.rooms[0].busy
	if n := testing.AllocsPerRun(100, func() { full(b, 1<<21, 1<<22) }); n > 0 {
		t.Errorf("CardinalityInRange allocates %v times per call", n)
	}
}
