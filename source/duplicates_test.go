package source_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"occupancy/source"
)

// TestRepeatedRows: a session or booking row that repeats an earlier row
// once checked (the same values, however spelled) is a warning naming
// both rows; beyond ten a sheet, the others are counted.
func TestRepeatedRows(t *testing.T) {
	session := source.SessionRow{Course: "CS-305", Label: "cours", Weekday: "lundi", Start: "08:15", End: "10:00", Rooms: "CO1;GC_A1_416", Semester: "Fall 2026", Weeks: "1-6,8-14"}
	booking := source.BookingRow{Date: "2026-10-05", Start: "18:00", End: "20:00", Rooms: "GC_A1_416", Name: "Evénements", Description: "Forum"}
	for _, tt := range []struct {
		Name     string
		Sessions []source.SessionRow // added after validRaw's
		Bookings []source.BookingRow // added after validRaw's
		Want     []string
	}{
		{Name: "None", Want: nil},
		{Name: "SameSession", Sessions: []source.SessionRow{session},
			Want: []string{`t.xlsx: sessions row 4 repeats row 2 (CS-305 "cours", Monday 08:15-10:00): it is published twice`}},
		{Name: "SpelledOtherwise", Sessions: []source.SessionRow{
			{Course: "CS-305", Label: "cours", Weekday: "Monday", Start: "8:15", End: "10:00", Rooms: "GC_A1_416; CO1", Semester: "Fall 2026", Weeks: "1,2,3-6,8-13,14"},
		}, Want: []string{`t.xlsx: sessions row 4 repeats row 2 (CS-305 "cours", Monday 08:15-10:00): it is published twice`}},
		{Name: "EveryWeek", Sessions: []source.SessionRow{
			{Course: "MATH-101", Label: "exercice", Weekday: "Ma", Start: "13:15", End: "15:00", Semester: "Spring 2027", Weeks: "1-15"},
		}, Want: []string{`t.xlsx: sessions row 4 repeats row 3 (MATH-101 "exercice", Tuesday 13:15-15:00): it is published twice`}},
		{Name: "OtherLabel", Sessions: []source.SessionRow{{Course: "CS-305", Label: "exercice", Weekday: "lundi", Start: "08:15", End: "10:00", Rooms: "CO1;GC_A1_416", Semester: "Fall 2026", Weeks: "1-6,8-14"}}},
		{Name: "OtherWeeks", Sessions: []source.SessionRow{{Course: "CS-305", Label: "cours", Weekday: "lundi", Start: "08:15", End: "10:00", Rooms: "CO1;GC_A1_416", Semester: "Fall 2026", Weeks: "1-6"}}},
		{Name: "SameBooking", Bookings: []source.BookingRow{booking},
			Want: []string{`t.xlsx: bookings row 4 repeats row 3 (Evénements "event", 2026-10-05 18:00-20:00): it is published twice`}},
		{Name: "OtherDescription", Bookings: []source.BookingRow{{Date: "2026-10-05", Start: "18:00", End: "20:00", Rooms: "GC_A1_416", Name: "Evénements", Description: "Forum 2"}}},
		{Name: "Many", Sessions: slices.Repeat([]source.SessionRow{session}, 25), Bookings: slices.Repeat([]source.BookingRow{booking}, 3),
			Want: []string{
				`t.xlsx: sessions row 4 repeats row 2`, `t.xlsx: sessions row 5 repeats row 2`, `t.xlsx: sessions row 6 repeats row 2`,
				`t.xlsx: sessions row 7 repeats row 2`, `t.xlsx: sessions row 8 repeats row 2`, `t.xlsx: sessions row 9 repeats row 2`,
				`t.xlsx: sessions row 10 repeats row 2`, `t.xlsx: sessions row 11 repeats row 2`, `t.xlsx: sessions row 12 repeats row 2`,
				`t.xlsx: sessions row 13 repeats row 2`, `t.xlsx: 15 more sessions rows repeat an earlier row`,
				`t.xlsx: bookings row 4 repeats row 3`, `t.xlsx: bookings row 5 repeats row 3`, `t.xlsx: bookings row 6 repeats row 3`,
			}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			raw := validRaw()
			raw.Sessions = table("sessions", append(raw.Sessions.Rows, tt.Sessions...), func(r *source.SessionRow, l int) { r.Line = l })
			raw.Bookings = table("bookings", append(raw.Bookings.Rows, tt.Bookings...), func(r *source.BookingRow, l int) { r.Line = l })
			rel, warnings, err := source.CheckWith(raw, source.DefaultLimits)
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != len(tt.Want) {
				t.Fatalf("warnings:\n%s\nwant %d:\n%s", strings.Join(warnings, "\n"), len(tt.Want), strings.Join(tt.Want, "\n"))
			}
			for i, w := range warnings {
				if !strings.HasPrefix(w, tt.Want[i]) {
					t.Errorf("warning %d = %q, want %q", i, w, tt.Want[i])
				}
			}
			// A warning only: every row is published.
			if len(rel.Sessions) != len(raw.Sessions.Rows) || len(rel.Bookings) != len(raw.Bookings.Rows) {
				t.Errorf("%d sessions and %d bookings decoded, want %d and %d", len(rel.Sessions), len(rel.Bookings), len(raw.Sessions.Rows), len(raw.Bookings.Rows))
			}
		})
	}
}

// repeatedSessions is a release of n sessions of one course, all the
// same or all different.
func repeatedSessions(n int, same bool) *source.Raw {
	raw := validRaw()
	var rows []source.SessionRow
	for i := range n {
		label := "cours"
		if !same {
			label = fmt.Sprintf("group %d", i)
		}
		rows = append(rows, source.SessionRow{Course: "MATH-101", Label: label, Weekday: "Ma", Start: "13:15", End: "15:00", Semester: "Spring 2027", Weeks: "1"})
	}
	raw.Sessions = table("sessions", rows, func(r *source.SessionRow, l int) { r.Line = l })
	return raw
}

// TestRepeatedRowsMany: 50,000 sessions, all the same or all different,
// give the summarised warnings or none (BenchmarkRepeatedRows shows the
// cost growing linearly with the rows).
func TestRepeatedRowsMany(t *testing.T) {
	for _, tt := range []struct {
		Name  string
		Same  bool
		Warns int
	}{
		{Name: "AllTheSame", Same: true, Warns: source.MaxDuplicateWarnings + 1},
		{Name: "AllDifferent", Same: false, Warns: 0},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			_, warnings, err := source.CheckWith(repeatedSessions(50_000, tt.Same), source.Limits{MaxCourseOccurrences: 100_000})
			if err != nil {
				t.Fatal(err)
			}
			if len(warnings) != tt.Warns {
				t.Errorf("%d warnings, want %d", len(warnings), tt.Warns)
			}
		})
	}
}

// BenchmarkRepeatedRows checks 5,000 to 50,000 identical sessions: the
// time grows tenfold, not a hundredfold.
//
//	go test -run '^$' -bench RepeatedRows ./source
func BenchmarkRepeatedRows(b *testing.B) {
	for _, n := range []int{5_000, 50_000} {
		raw := repeatedSessions(n, true)
		b.Run(fmt.Sprintf("sessions=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := source.CheckWith(raw, source.Limits{MaxCourseOccurrences: 100_000}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
