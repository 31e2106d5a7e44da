package source_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"occupancy/source"
)

// TestCheckEmptySheets: a sessions sheet with only its header, while the
// courses sheet lists courses that no booking names, is a problem at the
// header of the sessions sheet, as is a rooms sheet without rows; an
// absent sessions sheet, or bookings of courses, are not.
func TestCheckEmptySheets(t *testing.T) {
	const emptySessions = `t.xlsx: sessions row 1: has no rows below its header, while the courses sheet lists 2 courses: ` +
		`an empty timetable is refused; check the file's line endings, or whether it was cut short`
	header := func(spec string) map[string]int {
		h := map[string]int{}
		for i, c := range source.Spec(spec).Columns {
			h[c.Key()] = i + 1
		}
		return h
	}
	tests := []struct {
		name   string
		break_ func(r *source.Raw)
		want   []string // every problem, in order; none when empty
	}{
		{"header-only sessions, bookings of no course", func(r *source.Raw) {
			r.Sessions.Rows, r.Sessions.Header = nil, header("sessions")
			r.Bookings.Rows = r.Bookings.Rows[1:]
		}, []string{emptySessions}},
		{"header-only sessions, no bookings", func(r *source.Raw) {
			r.Sessions.Rows, r.Sessions.Header = nil, header("sessions")
			r.Bookings = source.Table[source.BookingRow]{File: "t.xlsx", Sheet: "bookings"}
		}, []string{emptySessions}},
		{"unreadable sessions, one course", func(r *source.Raw) {
			r.Sessions.Rows = nil // and no header, as when the file is not text
			r.Bookings.Rows = r.Bookings.Rows[1:]
			r.Courses.Rows = r.Courses.Rows[:1]
			r.StudyPlans.Rows = nil
		}, []string{`t.xlsx: sessions row 1: has no rows, while the courses sheet lists 1 course: ` +
			`an empty timetable is refused; check the file's line endings, or whether it was cut short`}},
		{"header-only sessions, a booking names a course", func(r *source.Raw) {
			r.Sessions.Rows, r.Sessions.Header = nil, header("sessions")
		}, nil},
		{"no sessions sheet", func(r *source.Raw) {
			r.Sessions = source.Table[source.SessionRow]{File: "t.xlsx", Sheet: "sessions"}
			r.Bookings.Rows = r.Bookings.Rows[1:]
		}, nil},
		{"header-only sessions, no courses", func(r *source.Raw) {
			r.Sessions.Rows, r.Sessions.Header = nil, header("sessions")
			r.Bookings.Rows = r.Bookings.Rows[1:]
			r.StudyPlans.Rows = nil
			r.Courses.Rows = nil
		}, nil},
		{"header-only rooms", func(r *source.Raw) {
			r.Rooms.Rows, r.Rooms.Header = nil, header("rooms")
			r.Sessions.Rows = r.Sessions.Rows[1:]
			r.Bookings.Rows = nil
		}, []string{
			`t.xlsx: rooms row 1: has no rows below its header: a release needs at least one room, or there is nothing to publish`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := validRaw()
			tt.break_(raw)
			rel, err := source.Check(raw)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				return
			}
			if err == nil || rel != nil {
				t.Fatalf("Check = %v, %v; want problems", rel, err)
			}
			if got := strings.Split(err.Error(), "\n"); !cmp.Equal(got, tt.want) {
				t.Errorf("problems (-want +got):\n%s", cmp.Diff(tt.want, got))
			}
			if !errors.Is(err, source.ErrEmptySheet) {
				t.Errorf("errors.Is(err, ErrEmptySheet) = false")
			}
			var es *source.Errors
			if errors.As(err, &es) && es.List[0].Row != 1 {
				t.Errorf("problem at row %d, want 1 (the header)", es.List[0].Row)
			}
		})
	}
}
