package generator

import (
	"slices"

	"github.com/RoaringBitmap/roaring/v2"
	"strings"

	"occupancy/snapshot"
	"occupancy/source"
)

// Snapshot builds the sidecar's input: every available room, sorted by
// name, with a bitmap of the 15-minute slots its occurrences touch.
// release identifies the release the snapshot belongs to.
func Snapshot(rel *source.Release, occ []source.Occurrence, release string) *snapshot.Snapshot {
	index := map[string]int{}
	var rooms []snapshot.Room
	for i := range rel.Rooms {
		r := &rel.Rooms[i]
		if !r.Available {
			continue
		}
		rooms = append(rooms, snapshot.Room{
			Name: r.Name, Type: r.Type, Building: r.Building, Link: r.Link,
			Capacity: r.Capacity, Level: r.Level, Coordinates: r.Coordinates,
		})
	}
	slices.SortFunc(rooms, func(a, b snapshot.Room) int { return strings.Compare(a.Name, b.Name) })
	for i := range rooms {
		index[rooms[i].Name] = i
	}
	// Collect each room's slots and add them at once: adding ranges one by
	// one to run containers costs a merge each.
	slots := make([][]uint32, len(rooms))
	for _, o := range occ {
		lo, hi := snapshot.Slot(o.Start), snapshot.SlotCeil(o.End)
		for _, name := range o.Rooms {
			if i, ok := index[name]; ok {
				for s := lo; s < hi; s++ {
					slots[i] = append(slots[i], s)
				}
			}
		}
	}
	for i := range rooms {
		rooms[i].Busy = roaring.BitmapOf(slots[i]...)
	}
	return &snapshot.Snapshot{Release: release, Rooms: rooms}
}
