// Package snapshottest generates synthetic snapshots, with the bookings
// they were built from, for tests, benchmarks and load tests.
package snapshottest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"testing"
	"time"

	"occupancy/snapshot"
)

// Booking is a booking of one room, in campus wall-clock time labelled as UTC.
type Booking struct {
	Start, End time.Time
}

// Options describes a synthetic release.
type Options struct {
	Rooms int    // number of rooms
	Seed  uint64 // same seed, same snapshot
	// MinBlocks and MaxBlocks bound the weekly sessions of each room; zero
	// means 20 to 30, the sample's scale.
	MinBlocks, MaxBlocks int
}

// Semesters of the synthetic release: two 15-week semesters.
var Semesters = [2]time.Time{
	time.Date(2026, 9, 14, 0, 0, 0, 0, time.UTC),
	time.Date(2027, 2, 22, 0, 0, 0, 0, time.UTC),
}

// Generate returns a snapshot of opt.Rooms rooms, each busy with weekly
// sessions over two 15-week semesters (EPFL style: on the hour or at a
// quarter past, one to four hours, some back to back or overlapping) plus
// a few events around January 2026, across the roaring container boundary
// of 2026-01-27T00:00Z. bookings[i] are the bookings of s.Rooms[i].
func Generate(opt Options) (s *snapshot.Snapshot, bookings [][]Booking) {
	rng := rand.New(rand.NewPCG(opt.Seed, 0x5eed))
	lo, hi := opt.MinBlocks, opt.MaxBlocks
	if lo <= 0 || hi < lo {
		lo, hi = 20, 30
	}
	s = &snapshot.Snapshot{Release: fmt.Sprintf("synthetic-%d-%d", opt.Rooms, opt.Seed)}
	types := []string{"AUDITOIRE", "SALLE DE COURS", "SALLE INFORMATIQUE", "LABORATOIRE"}
	buildings := []string{"BC", "CE", "CM", "CO", "ELA", "INF", "INM", "MA", "SG", "STCC"}
	for i := range opt.Rooms {
		b := buildings[i%len(buildings)]
		r := snapshot.Room{
			Name:     fmt.Sprintf("%s%d", b, 100+i),
			Type:     types[rng.IntN(len(types))],
			Building: b,
		}
		if rng.IntN(10) > 0 {
			c := 20 + rng.IntN(300)
			r.Capacity = &c
		}
		if rng.IntN(10) > 0 {
			l := rng.IntN(4) - 1
			r.Level = &l
		}
		if rng.IntN(10) > 0 {
			r.Coordinates = &[2]float64{46.515 + rng.Float64()*0.01, 6.558 + rng.Float64()*0.015}
			r.Link = "https://plan.epfl.ch/?room==" + r.Name
		}
		var bs []Booking
		n := lo + rng.IntN(hi-lo+1)
		for range n {
			day := rng.IntN(5)
			start := time.Duration(8+rng.IntN(10))*time.Hour + time.Duration(15*rng.IntN(2))*time.Minute
			dur := time.Duration(1+rng.IntN(4)) * time.Hour
			if rng.IntN(4) == 0 {
				dur -= 15 * time.Minute
			}
			for _, sem := range Semesters {
				for w := range 15 {
					d := sem.AddDate(0, 0, 7*w+day)
					bs = append(bs, Booking{d.Add(start), d.Add(start + dur)})
				}
			}
		}
		for range 3 {
			d := time.Date(2026, 1, 20+rng.IntN(14), 0, 0, 0, 0, time.UTC)
			start := d.Add(time.Duration(rng.IntN(24*4)) * 15 * time.Minute).Add(time.Duration(rng.IntN(15)) * time.Minute)
			bs = append(bs, Booking{start, start.Add(time.Duration(1+rng.IntN(48)) * 15 * time.Minute)})
		}
		for _, bk := range bs {
			r.Occupy(bk.Start, bk.End)
		}
		s.Rooms = append(s.Rooms, r)
		bookings = append(bookings, bs)
	}
	// Names are unique by construction (the index i is in the name); sort
	// rooms and bookings together by name.
	idx := make([]int, len(s.Rooms))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int {
		if s.Rooms[a].Name < s.Rooms[b].Name {
			return -1
		}
		return 1
	})
	rooms := make([]snapshot.Room, len(idx))
	bks := make([][]Booking, len(idx))
	for k, i := range idx {
		rooms[k], bks[k] = s.Rooms[i], bookings[i]
	}
	s.Rooms = rooms
	return s, bks
}

// Bytes returns the encoded snapshot that opt generates, failing tb if it
// cannot be encoded.
func Bytes(tb testing.TB, opt Options) []byte {
	tb.Helper()
	s, _ := Generate(opt)
	data, err := s.MarshalBinary()
	if err != nil {
		tb.Fatal(err)
	}
	return data
}

// Put writes data to path as a build publishes a snapshot: into a
// temporary file beside it, renamed over it. It fails tb on error.
func Put(tb testing.TB, path string, data []byte) {
	tb.Helper()
	if err := os.WriteFile(path+".tmp", data, 0o644); err != nil {
		tb.Fatal(err)
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		tb.Fatal(err)
	}
}
