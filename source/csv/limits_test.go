package csv_test

import (
	"testing"

	"occupancy/source"
	"occupancy/source/csv"
	samplerel "occupancy/source/sample"
)

// TestDefaultCellLimitFitsLargeReleases: the default cell limit is sized
// for releases of many campuses. Thirty campuses (the sample at scale 30,
// 1.84 million cells) read with the default options; issue 12 found them
// refused by a limit of one million cells, with no flag to raise it.
func TestDefaultCellLimitFitsLargeReleases(t *testing.T) {
	if testing.Short() {
		t.Skip("writes and reads a release of 1.84 million cells")
	}
	for _, tt := range []struct {
		Name  string
		Scale int
	}{
		{Name: "Scale30", Scale: 30},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			dir := t.TempDir()
			if err := samplerel.WriteCSV(dir, samplerel.Generate(tt.Scale)); err != nil {
				t.Fatal(err)
			}
			raw, err := csv.ReadDir(dir, csv.Options{})
			if err != nil {
				t.Fatalf("ReadDir with the default options: %v", err)
			}
			if got := cellCount(raw); got > source.DefaultMaxCells/2 {
				t.Errorf("scale %d has %d cells, more than half the default limit %d", tt.Scale, got, source.DefaultMaxCells)
			} else {
				t.Logf("scale %d: %d cells, default limit %d", tt.Scale, got, source.DefaultMaxCells)
			}
		})
	}
}

// cellCount returns how many cells raw holds: rows (the header included)
// times columns, sheet by sheet.
func cellCount(raw *source.Raw) int {
	n := 0
	add := func(rows, cols int) {
		if rows > 0 {
			n += (rows + 1) * cols
		}
	}
	add(len(raw.Semesters.Rows), len(raw.Semesters.Header))
	add(len(raw.Rooms.Rows), len(raw.Rooms.Header))
	add(len(raw.Teachers.Rows), len(raw.Teachers.Header))
	add(len(raw.Courses.Rows), len(raw.Courses.Header))
	add(len(raw.StudyPlans.Rows), len(raw.StudyPlans.Header))
	add(len(raw.Sessions.Rows), len(raw.Sessions.Header))
	add(len(raw.Bookings.Rows), len(raw.Bookings.Header))
	return n
}
