package sidecar_test

import (
	"fmt"
	"time"

	"occupancy/sidecar"
	"occupancy/snapshot"
)

func ExampleIndex_FindFree() {
	s := &snapshot.Snapshot{Release: "example", Rooms: []snapshot.Room{{Name: "BC01"}, {Name: "CO1"}}}
	day := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	s.Rooms[0].Occupy(day.Add(8*time.Hour+10*time.Minute), day.Add(9*time.Hour+50*time.Minute))
	s.Rooms[1].Occupy(day.Add(11*time.Hour+10*time.Minute), day.Add(12*time.Hour))
	ix := sidecar.NewIndex(s, time.Time{})

	// 09:55–10:30 asks about 09:45–10:30: BC01 is busy until 10:00.
	q := &sidecar.FreeQuery{Ranges: []sidecar.Range{{Start: day.Add(9*time.Hour + 55*time.Minute), End: day.Add(10*time.Hour + 30*time.Minute)}}}
	fmt.Println(string(ix.AppendFree(nil, q)))
	// Output: [{"name":"CO1","type":"","link":null,"coordinates":null,"building":"","capacity":null,"free_until":"2026-11-28T11:00:00.000Z"}]
}

func ExampleIndex_FindSoonest() {
	s := &snapshot.Snapshot{Release: "example", Rooms: []snapshot.Room{{Name: "CO1"}}}
	day := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	s.Rooms[0].Occupy(day.Add(8*time.Hour), day.Add(10*time.Hour))
	s.Rooms[0].Occupy(day.Add(9*time.Hour+10*time.Minute), day.Add(10*time.Hour+50*time.Minute)) // overlaps: merged
	ix := sidecar.NewIndex(s, time.Time{})
	fmt.Println(string(ix.AppendSoonest(nil, &sidecar.SoonestQuery{After: day.Add(9 * time.Hour)})))
	// Output: [{"name":"CO1","soonest_booking":{"start_datetime":"2026-11-28T08:00:00.000Z","end_datetime":"2026-11-28T11:00:00.000Z"}}]
}
