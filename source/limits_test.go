package source_test

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"occupancy/source"
	"occupancy/source/sample"
)

// MustIssue12Release returns the release of issue 12, 44 KB as CSV: one
// course given in one room in 500 weekly sessions of a 14-week semester
// (7,000 dated occurrences), listed by 100 study plans. It made a build
// use 1.4 GB of memory and write 1.2 GB.
func MustIssue12Release(tb testing.TB) *source.Raw {
	tb.Helper()
	raw := &source.Raw{
		Semesters: table("semesters", []source.SemesterRow{
			{Name: "Fall 2026", Type: "fall", StartDate: "2026-09-14", EndDate: "2026-12-18"},
		}, func(r *source.SemesterRow, l int) { r.Line = l }),
		Rooms: table("rooms", []source.RoomRow{{Name: "CO1", Type: "AUDITOIRE"}}, func(r *source.RoomRow, l int) { r.Line = l }),
		Courses: table("courses", []source.CourseRow{{Code: "CS-101", Name: "Intro"}},
			func(r *source.CourseRow, l int) { r.Line = l }),
	}
	var plans []source.StudyPlanRow
	for i := range 100 {
		plans = append(plans, source.StudyPlanRow{UnitCode: fmt.Sprintf("U-%03d", i), UnitName: "Unit", Semester: "Fall 2026", Courses: "CS-101"})
	}
	raw.StudyPlans = table("studyplans", plans, func(r *source.StudyPlanRow, l int) { r.Line = l })
	var sessions []source.SessionRow
	for i := range 500 {
		start := 8*60 + i%40*15
		sessions = append(sessions, source.SessionRow{Course: "CS-101", Label: fmt.Sprintf("group %d", i), Weekday: "Monday",
			Start: clock(start), End: clock(start + 15), Rooms: "CO1"})
	}
	raw.Sessions = table("sessions", sessions, func(r *source.SessionRow, l int) { r.Line = l })
	return raw
}

func clock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// TestLimits: a release whose rows would publish more than a limit allows
// is refused at the row that takes the count over it, with what was
// counted, the limit and the flag that raises it; the counts take no
// time or memory to speak of.
func TestLimits(t *testing.T) {
	for _, tt := range []struct {
		Name     string
		Raw      func(tb testing.TB) *source.Raw
		Limits   source.Limits
		Sheet    string
		Row      int    // of the problem
		Value    string // of the problem
		Want     string // in the problem
		Flag     string
		Problems int // how many problems
	}{
		// 14 dated occurrences a session: the 358th session (row 359)
		// takes the course to 5,012.
		{Name: "Issue12Course", Raw: MustIssue12Release, Sheet: "sessions", Row: 359, Value: "CS-101",
			Want: "the course has 5012 dated occurrences, more than the 5000 allowed", Flag: "-max-course-occurrences", Problems: 1},
		{Name: "Room", Raw: MustIssue12Release, Limits: source.Limits{MaxRoomOccurrences: 100}, Sheet: "sessions", Row: 9, Value: "CO1",
			Want: "the room has 112 dated occurrences, more than the 100 allowed", Flag: "-max-room-occurrences", Problems: 2},
		// Each of the 100 plans passes 1,000 at the 72nd session.
		{Name: "Plan", Raw: MustIssue12Release, Limits: source.Limits{MaxPlanSchedules: 1000}, Sheet: "sessions", Row: 73, Value: "CS-101",
			Want: "study plan U-000 (Fall 2026) lists 1008 dated occurrences, more than the 1000 allowed", Flag: "-max-plan-schedules", Problems: 101},
		// A session lists its 14 occurrences 102 times: for its course,
		// its room and 100 plans. The 36th passes 50,000.
		{Name: "Listings", Raw: MustIssue12Release, Limits: source.Limits{MaxListings: 50_000}, Sheet: "sessions", Row: 37, Value: "CS-101",
			Want: "list more than 50000 dated occurrences in all", Flag: "-max-listings", Problems: 1},
		// Dated bookings count too, events in their rooms: 13 weekly
		// occurrences and a booking, then 7 events (rows 4 to 10).
		{Name: "Bookings", Raw: func(tb testing.TB) *source.Raw {
			raw := validRaw()
			for range 30 {
				raw.Bookings.Rows = append(raw.Bookings.Rows, source.BookingRow{Date: "2026-10-06", Start: "18:00", End: "20:00", Rooms: "GC_A1_416", Name: "Talk"})
			}
			raw.Bookings = table("bookings", raw.Bookings.Rows, func(r *source.BookingRow, l int) { r.Line = l })
			return raw
		}, Limits: source.Limits{MaxRoomOccurrences: 20}, Sheet: "bookings", Row: 10, Value: "GC_A1_416",
			Want: "the room has 21 dated occurrences", Flag: "-max-room-occurrences", Problems: 1},
		{Name: "WithinLimits", Raw: func(testing.TB) *source.Raw { return validRaw() }},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			raw := tt.Raw(t)
			var rel *source.Release
			var err error
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			rel, _, err = source.CheckWith(raw, tt.Limits)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			t.Logf("%v, %d KiB allocated", took, (after.TotalAlloc-before.TotalAlloc)>>10)
			if after.TotalAlloc-before.TotalAlloc > 64<<20 {
				t.Errorf("checking allocated %d MiB", (after.TotalAlloc-before.TotalAlloc)>>20)
			}
			if tt.Want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var es *source.Errors
			if rel != nil || !errors.As(err, &es) || !errors.Is(err, source.ErrTooMany) {
				t.Fatalf("CheckWith = %v, %v; want ErrTooMany", rel, err)
			}
			if es.Len() != tt.Problems {
				t.Errorf("%d problems, want %d:\n%v", es.Len(), tt.Problems, err)
			}
			p := es.List[0]
			if p.Sheet != tt.Sheet || p.Row != tt.Row || p.Value != tt.Value || p.File != "t.xlsx" {
				t.Errorf("problem at %s row %d, value %q; want %s row %d, value %q", p.Sheet, p.Row, p.Value, tt.Sheet, tt.Row, tt.Value)
			}
			for _, want := range []string{tt.Want, tt.Flag} {
				if !strings.Contains(p.Error(), want) {
					t.Errorf("problem %q does not say %q", p, want)
				}
			}
		})
	}
}

// TestCheckUsesDefaultLimits: Check, as existing callers use it, applies
// DefaultLimits; a zero Limits means them too.
func TestCheckUsesDefaultLimits(t *testing.T) {
	if _, err := source.Check(MustIssue12Release(t)); !errors.Is(err, source.ErrTooMany) {
		t.Errorf("Check: %v, want ErrTooMany", err)
	}
	if _, _, err := source.CheckWith(MustIssue12Release(t), source.Limits{}); !errors.Is(err, source.ErrTooMany) {
		t.Errorf("CheckWith with zero limits: %v, want ErrTooMany", err)
	}
	if _, _, err := source.CheckWith(MustIssue12Release(t), source.Limits{MaxCourseOccurrences: 7000}); err != nil {
		t.Errorf("CheckWith with room for the course: %v", err)
	}
}

// TestTallyMatchesOccurrences: the counts of Tally are those of the
// occurrences the generator lists: by course, by room, by study plan (its
// courses' weekly sessions of its semester, and their dated bookings within
// its dates), and their sum.
func TestTallyMatchesOccurrences(t *testing.T) {
	for _, tt := range []struct {
		Name string
		Raw  func() *source.Raw
	}{
		{Name: "Valid", Raw: validRaw},
		{Name: "Sample", Raw: func() *source.Raw { return sample.Generate(1) }},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			rel, err := source.Check(tt.Raw())
			if err != nil {
				t.Fatal(err)
			}
			course, room, plan := map[string]int{}, map[string]int{}, map[int]int{}
			listings := 0
			for _, o := range rel.Occurrences() {
				if o.Course != "" {
					course[o.Course]++
					listings++
				}
				for _, r := range o.Rooms {
					room[r]++
					listings++
				}
				for i, p := range rel.StudyPlans {
					sem := rel.SemesterByName(p.Semester)
					in := o.Semester == p.Semester ||
						o.Semester == "" && o.Course != "" && (source.DateRange{From: sem.Start, To: sem.End}).Contains(o.Start.Truncate(24*time.Hour))
					if in && containsString(p.Courses, o.Course) {
						plan[i]++
						listings++
					}
				}
			}
			want := source.Tally{CourseOccurrences: maxOf(course), RoomOccurrences: maxOf(room), PlanSchedules: maxOf(plan), Listings: listings}
			if got := rel.Tally(); got != want {
				t.Errorf("Tally = %+v, want %+v", got, want)
			}
		})
	}
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func maxOf[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n = max(n, v)
	}
	return n
}

// TestDefaultLimitsFitLargeReleases: the sample at 30 campuses needs a
// fraction of each default limit.
func TestDefaultLimitsFitLargeReleases(t *testing.T) {
	if testing.Short() {
		t.Skip("decodes the sample at scale 30")
	}
	rel, err := source.Check(sample.Generate(30))
	if err != nil {
		t.Fatal(err)
	}
	got, lim := rel.Tally(), source.DefaultLimits
	t.Logf("scale 30: %+v", got)
	if got.CourseOccurrences > lim.MaxCourseOccurrences/4 || got.RoomOccurrences > lim.MaxRoomOccurrences/4 ||
		got.PlanSchedules > lim.MaxPlanSchedules/4 || got.Listings > lim.MaxListings/4 {
		t.Errorf("scale 30 needs %+v, more than a quarter of the defaults %+v", got, lim)
	}
}
