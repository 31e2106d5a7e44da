// Package source holds the domain of a timetable release and its way from
// the spreadsheets to checked data:
//
//   - the sheets as text records ([Sheet]), which the readers in source/csv
//     and source/xlsx fill from their format;
//   - the rows ([Raw], one [Table] per sheet of [Sheets]), decoded from the
//     records by [Assemble];
//   - the checked release ([Release]), from the rows by [Check];
//   - the dated occurrences a release expands to ([Release.Occurrences]),
//     the comparison of two releases ([Compare]) and the release record,
//     the JSON form a build keeps beside each published tree
//     ([MarshalRelease]).
//
// Every problem points at a file, sheet, row and column ([ParseError]).
// Besides the standard library it imports gocsv, to decode rows, and a
// faster encoding/json for the release record.
package source

import (
	"fmt"
	"time"
)

// Semester types.
const (
	Fall   = "fall"
	Spring = "spring"
	Year   = "year"
)

// Date is a calendar day, held as midnight UTC so that dates compare and
// subtract exactly.
type Date = time.Time

// Clock is a wall-clock time of day in minutes since midnight (0…1440).
type Clock int

// String formats c as HH:MM; the end of the day is "24:00".
func (c Clock) String() string {
	return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60)
}

// DateRange is an inclusive range of days; a single day has From == To.
type DateRange struct{ From, To Date }

// Contains reports whether d is within r.
func (r DateRange) Contains(d Date) bool { return !d.Before(r.From) && !d.After(r.To) }

// Semester is a period in which weekly sessions repeat.
type Semester struct {
	Name       string
	Type       string // Fall, Spring or Year
	Start, End Date   // inclusive
	Skip       []DateRange
	Row        int
}

// Skipped reports whether no weekly session happens on d.
func (s *Semester) Skipped(d Date) bool {
	for _, r := range s.Skip {
		if r.Contains(d) {
			return true
		}
	}
	return false
}

// Room is a bookable room. Unknown optional values are nil or empty.
type Room struct {
	Name        string
	Type        string
	Capacity    *int // nil when unknown (an empty cell or 0)
	Building    string
	Level       *int // nil when unknown; 0 is a level
	Coordinates *[2]float64
	Link        string
	Available   bool
}

// Teacher is a person teaching courses.
type Teacher struct {
	Name      string
	PeopleURL string
}

// Course is a course of the release.
type Course struct {
	Code     string
	Name     string
	Credits  *float64
	Language string
	EduURL   string
	Teachers []string // teacher names, in sheet order
}

// StudyPlan is a unit (such as "IN-BA5") in one semester, with its courses.
type StudyPlan struct {
	ID       string // 24 lowercase hex digits
	UnitCode string
	UnitName string
	Section  string
	Promo    string
	Semester string
	Courses  []string // course codes, in sheet order
}

// WeekRange is an inclusive range of semester week numbers.
type WeekRange struct{ From, To int }

// Session is a weekly course session.
type Session struct {
	Course     string
	Label      string
	Weekday    time.Weekday
	Start, End Clock
	Rooms      []string
	Semester   string
	Weeks      []WeekRange // empty means every week
	Row        int
}

// Booking is a dated booking: a course session on one date when Course is
// set, else an event.
type Booking struct {
	Date        Date
	Start, End  Clock
	Rooms       []string
	Course      string
	Label       string
	Name        string
	Description string
	Row         int
}

// Release is a checked timetable release. Its slices keep sheet order.
type Release struct {
	Semesters  []Semester
	Rooms      []Room
	Teachers   []Teacher
	Courses    []Course
	StudyPlans []StudyPlan
	Sessions   []Session
	Bookings   []Booking
}

// Occurrence is one dated use of rooms: a course session (Course set) or an
// event. Start and End are campus wall-clock times written as UTC, the
// convention of the reference API. What it is comes from its Origin,
// shared by the occurrences of one weekly session.
type Occurrence struct {
	Start, End time.Time
	*Origin
}

// Origin is what the occurrences of one weekly session or one booking
// share: all but their dates. A release has hundreds of thousands of
// occurrences and a few thousand sessions, so an occurrence points to its
// origin instead of holding a copy.
type Origin struct {
	Course      string // course code, empty for an event
	Label       string
	Name        string // event name
	Description string
	Rooms       []string
	Semester    string // the weekly session's semester, empty for a dated booking
}
