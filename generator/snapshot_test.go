package generator_test

import (
	"occupancy/generator/tree"
	"testing"
	"time"

	"occupancy/generator"
	"occupancy/snapshot"
)

func TestSnapshotOfFixture(t *testing.T) {
	files, err := generator.Render(fixture(t), generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for _, f := range files {
		if f.Path == tree.SnapshotName {
			data = f.Data
		}
	}
	snap, err := snapshot.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, r := range snap.Rooms {
		names = append(names, r.Name)
	}
	if got, want := names, []string{"BC01", "CO1", "GC_A1_416"}; len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Fatalf("rooms = %v, want %v (OLD1 is unavailable)", got, want)
	}
	wall := func(s string) time.Time { v, _ := time.Parse("2006-01-02T15:04", s); return v }
	co1 := snap.Rooms[1]
	if co1.Capacity == nil || *co1.Capacity != 250 || co1.Level == nil || *co1.Level != 0 || co1.Coordinates == nil {
		t.Errorf("CO1 metadata lost: %+v", co1)
	}
	// CO1: CS-305 08:15-10:00 on 2026-09-07 occupies the slots from 08:15
	// up to 10:00; 10:00 itself is free.
	for _, tt := range []struct {
		at   string
		busy bool
	}{
		{"2026-09-07T08:00", false}, {"2026-09-07T08:15", true}, {"2026-09-07T09:45", true}, {"2026-09-07T10:00", false},
		{"2026-09-21T08:15", false}, // skip date
		{"2026-09-29T10:45", true},  // exam 08:00-11:00
		{"2026-10-05T19:45", true},  // event in two rooms
	} {
		t.Run(tt.at, func(t *testing.T) {
			if got := co1.Busy.Contains(snapshot.Slot(wall(tt.at))); got != tt.busy {
				t.Errorf("CO1 busy at %s = %v, want %v", tt.at, got, tt.busy)
			}
		})
	}
	if got, want := co1.Busy.GetCardinality(), uint64(3*7+7+12+8); got != want {
		t.Errorf("CO1 has %d busy slots, want %d", got, want)
	}
	if snap.Release == "" {
		t.Error("snapshot has no release id")
	}
}
