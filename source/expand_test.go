package source_test

import (
	"testing"
	"time"

	"occupancy/source"
)

func TestSessionDates(t *testing.T) {
	rel, err := source.Check(validRaw())
	if err != nil {
		t.Fatal(err)
	}
	// CS-305 cours: Mondays of fall 2026 (2026-09-07 … 2026-12-14), weeks
	// 1-6 and 8-14, skipping 2026-10-19 (week 7, also a skip date).
	got := rel.Sessions[0].Dates(rel.SemesterByName("Fall 2026"))
	var want []string
	for d := time.Date(2026, 9, 7, 0, 0, 0, 0, time.UTC); d.Before(time.Date(2026, 12, 19, 0, 0, 0, 0, time.UTC)); d = d.AddDate(0, 0, 7) {
		if d.Format("2006-01-02") != "2026-10-19" && d.Format("2006-01-02") != "2026-12-14" {
			want = append(want, d.Format("2006-01-02"))
		}
	}
	if len(got) != len(want) {
		t.Fatalf("got %d dates %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		if got[i].Format("2006-01-02") != want[i] {
			t.Errorf("date %d = %s, want %s", i, got[i].Format("2006-01-02"), want[i])
		}
	}
}

func TestSessionDatesWeekOneIsTheStartWeek(t *testing.T) {
	// A semester starting on a Wednesday: its Monday session's first date is
	// in week 2, its Thursday session's first date in week 1.
	sem := &source.Semester{Start: time.Date(2026, 9, 9, 0, 0, 0, 0, time.UTC), End: time.Date(2026, 9, 30, 0, 0, 0, 0, time.UTC)}
	mon := &source.Session{Weekday: time.Monday, Weeks: []source.WeekRange{{1, 2}}}
	thu := &source.Session{Weekday: time.Thursday, Weeks: []source.WeekRange{{1, 1}}}
	if got := mon.Dates(sem); len(got) != 1 || got[0].Day() != 14 {
		t.Errorf("Monday dates in weeks 1-2 = %v, want [2026-09-14]", got)
	}
	if got := thu.Dates(sem); len(got) != 1 || got[0].Day() != 10 {
		t.Errorf("Thursday dates in week 1 = %v, want [2026-09-10]", got)
	}
	if n := sem.Weeks(); n != 4 {
		t.Errorf("Weeks() = %d, want 4", n)
	}
}

func TestOccurrencesWallClockAcrossDST(t *testing.T) {
	// Wall-clock times do not move when Europe/Zurich leaves summer time on
	// 2026-10-25: a 08:15 lecture is 08:15 on both sides.
	rel, err := source.Check(validRaw())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, o := range rel.Occurrences() {
		if o.Course == "CS-305" && o.Label == "cours" {
			n++
			if o.Start.Hour() != 8 || o.Start.Minute() != 15 || o.End.Hour() != 10 || o.Start.Location() != time.UTC {
				t.Errorf("occurrence %v–%v is not 08:15–10:00 wall clock", o.Start, o.End)
			}
		}
	}
	if n != 13 {
		t.Errorf("%d CS-305 lectures, want 13", n)
	}
	occ := rel.Occurrences()
	for i := 1; i < len(occ); i++ {
		if source.CompareOccurrences(occ[i-1], occ[i]) > 0 {
			t.Fatalf("occurrences not sorted at %d", i)
		}
	}
}
