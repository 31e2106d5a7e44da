package snapshot_test

import (
	"fmt"
	"time"

	"occupancy/snapshot"
)

func Example() {
	room := snapshot.Room{Name: "CO1", Type: "AUDITOIRE", Building: "CO"}
	// 08:10–09:50 occupies the slots 08:00–10:00.
	room.Occupy(time.Date(2026, 11, 28, 8, 10, 0, 0, time.UTC), time.Date(2026, 11, 28, 9, 50, 0, 0, time.UTC))
	data, err := (&snapshot.Snapshot{Release: "example", Rooms: []snapshot.Room{room}}).MarshalBinary()
	if err != nil {
		panic(err)
	}
	s, err := snapshot.Parse(data)
	if err != nil {
		panic(err)
	}
	busy := s.Rooms[0].Busy
	fmt.Println(s.Release, s.Rooms[0].Name, busy.GetCardinality(), "slots from", snapshot.SlotTime(busy.Minimum()).Format(time.Kitchen))
	// Output: example CO1 8 slots from 8:00AM
}
