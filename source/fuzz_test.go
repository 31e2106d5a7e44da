package source_test

import (
	"errors"
	"testing"

	"occupancy/source"
)

// FuzzCheck puts arbitrary text into the cells of a valid release and
// checks that Check never panics, and either accepts the release or
// reports only ParseErrors that point at a sheet and row.
func FuzzCheck(f *testing.F) {
	f.Add("25:00", "2026-13-01", "Moonday", "1-99", "A/B", "-1", "maybe", "x..y")
	f.Add("24:00", "46272", "Lu", "0", ".", "1e309", "yes", "2026-09-08..2026-09-07")
	f.Add("8:15", "2026-09-07", "Sun", "3-1", "", "NaN", "", "")
	f.Fuzz(func(t *testing.T, clock, date, weekday, weeks, name, number, boolean, skip string) {
		raw := validRaw()
		raw.Sessions.Rows[0].Start = clock
		raw.Sessions.Rows[1].End = clock
		raw.Bookings.Rows[0].Date = date
		raw.Semesters.Rows[0].EndDate = date
		raw.Sessions.Rows[0].Weekday = weekday
		raw.Sessions.Rows[0].Weeks = weeks
		raw.Rooms.Rows[1].Name = name
		raw.Courses.Rows[1].Code = name
		raw.Rooms.Rows[0].Capacity = number
		raw.Rooms.Rows[0].Latitude = number
		raw.Courses.Rows[0].Credits = number
		raw.Rooms.Rows[1].Available = boolean
		raw.Semesters.Rows[0].SkipDates = skip
		raw.StudyPlans.Rows[0].ID = name
		raw.Semesters.Serials = true
		raw.Sessions.Serials = true
		rel, err := source.Check(raw)
		if err == nil {
			if rel == nil {
				t.Fatal("nil release without error")
			}
			rel.Occurrences()
			return
		}
		var es *source.Errors
		if !errors.As(err, &es) || es.Len() == 0 {
			t.Fatalf("error %T is not a non-empty *source.Errors: %v", err, err)
		}
		for _, e := range es.List {
			if e.File == "" || e.Sheet == "" || e.Err == nil {
				t.Fatalf("problem without position or cause: %#v", e)
			}
		}
	})
}
