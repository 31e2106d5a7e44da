package source

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Limits bounds what a release may publish, measured in dated occurrences:
// a weekly session counts once per date it happens on (its semester's
// weeks, less skip dates and weeks outside its weeks column), a dated
// booking once. A few rows can ask for a great deal: in issue 12, a 44 KB
// release of 500 weekly sessions of one course, which 100 study plans
// list, made a build use 1.4 GB of memory and write 1.2 GB. The counts
// are made on the checked release, before anything is rendered, in time
// linear in its rows (and bounded by MaxListings).
//
// The zero value of a field means its default in [DefaultLimits].
type Limits struct {
	// MaxCourseOccurrences bounds the dated occurrences of one course,
	// which its page and calendar feed list (cmd/build's
	// -max-course-occurrences).
	MaxCourseOccurrences int
	// MaxRoomOccurrences bounds the dated occurrences in one room, which
	// its page and calendar feed list (-max-room-occurrences).
	MaxRoomOccurrences int
	// MaxPlanSchedules bounds the dated occurrences one study plan lists:
	// those of its courses in its semester (-max-plan-schedules).
	MaxPlanSchedules int
	// MaxListings bounds the occurrences listed by every course, room and
	// study plan together, which bounds the size of the whole output
	// (-max-listings).
	MaxListings int
}

// DefaultLimits are the limits [Check] applies, and those a zero field of
// [Limits] stands for. They are well above what real releases need: the
// sample at scale 100 (a hundred campuses) has at most 110 occurrences of
// a course, 870 in a room and 460 in a study plan, and lists 9.6 million
// occurrences in all (scale 30: 110, 831, 421 and 2.9 million).
var DefaultLimits = Limits{
	MaxCourseOccurrences: 5000,
	MaxRoomOccurrences:   20_000,
	MaxPlanSchedules:     10_000,
	MaxListings:          50_000_000,
}

func (l Limits) withDefaults() Limits {
	if l.MaxCourseOccurrences <= 0 {
		l.MaxCourseOccurrences = DefaultLimits.MaxCourseOccurrences
	}
	if l.MaxRoomOccurrences <= 0 {
		l.MaxRoomOccurrences = DefaultLimits.MaxRoomOccurrences
	}
	if l.MaxPlanSchedules <= 0 {
		l.MaxPlanSchedules = DefaultLimits.MaxPlanSchedules
	}
	if l.MaxListings <= 0 {
		l.MaxListings = DefaultLimits.MaxListings
	}
	return l
}

// ErrTooMany is the [ParseError.Err] of a row that takes a count of
// [Limits] over its limit. It comes wrapped with what was counted, the
// count, the limit and the flag of cmd/build that raises it.
var ErrTooMany = errors.New("is over a limit")

// Tally is what a release lists, measured as [Limits] bounds it.
type Tally struct {
	CourseOccurrences int // the most dated occurrences of one course
	RoomOccurrences   int // the most dated occurrences in one room
	PlanSchedules     int // the most dated occurrences one study plan lists
	Listings          int // occurrences listed by all courses, rooms and study plans
}

// Tally counts what the release lists: how close it is to each of
// [Limits].
func (r *Release) Tally() Tally {
	inf := math.MaxInt
	c := newCounter(r, Limits{inf, inf, inf, inf}, nil)
	c.count("", "")
	t := Tally{Listings: c.listings}
	for _, n := range c.course {
		t.CourseOccurrences = max(t.CourseOccurrences, n)
	}
	for _, n := range c.room {
		t.RoomOccurrences = max(t.RoomOccurrences, n)
	}
	for _, n := range c.plan {
		t.PlanSchedules = max(t.PlanSchedules, n)
	}
	return t
}

// counter counts the occurrences of a release row by row, sessions then
// bookings, and reports each row that takes a count over its limit: once
// per course, room and study plan, and once for the listings, after which
// it stops.
type counter struct {
	rel      *Release
	lim      Limits
	es       *Errors // nil: count only
	sems     map[string]*semesterDays
	course   map[string]int
	room     map[string]int
	plan     []int               // by index in rel.StudyPlans
	weekly   map[[2]string][]int // course, semester → plans listing its weekly sessions
	dated    map[string][]planGroup
	listings int
	// The courses, rooms and plans (by index) whose problem is reported.
	overCourse, overRoom map[string]bool
	overPlan             []bool
}

// planGroup is the study plans of one semester that list a course.
type planGroup struct {
	sem   *Semester
	plans []int
}

func newCounter(rel *Release, lim Limits, es *Errors) *counter {
	c := &counter{
		rel: rel, lim: lim, es: es,
		sems:       map[string]*semesterDays{},
		course:     map[string]int{},
		room:       map[string]int{},
		plan:       make([]int, len(rel.StudyPlans)),
		weekly:     map[[2]string][]int{},
		dated:      map[string][]planGroup{},
		overCourse: map[string]bool{},
		overRoom:   map[string]bool{},
		overPlan:   make([]bool, len(rel.StudyPlans)),
	}
	semesters := map[string]*Semester{}
	for i := range rel.Semesters {
		s := &rel.Semesters[i]
		semesters[s.Name] = s
		c.sems[s.Name] = newSemesterDays(s)
	}
	for i := range rel.StudyPlans {
		p := &rel.StudyPlans[i]
		sem := semesters[p.Semester]
		if sem == nil {
			continue // Check never lets this happen
		}
		for _, code := range p.Courses {
			key := [2]string{code, p.Semester}
			c.weekly[key] = append(c.weekly[key], i)
			groups := c.dated[code]
			j := slices.IndexFunc(groups, func(g planGroup) bool { return g.sem == sem })
			if j < 0 {
				groups, j = append(groups, planGroup{sem: sem}), len(groups)
			}
			groups[j].plans = append(groups[j].plans, i)
			c.dated[code] = groups
		}
	}
	return c
}

// count counts every session, then every booking; sessionsFile and
// bookingsFile position the problems.
func (c *counter) count(sessionsFile, bookingsFile string) {
	for i := range c.rel.Sessions {
		s := &c.rel.Sessions[i]
		days := c.sems[s.Semester]
		if days == nil {
			continue // Check never lets this happen
		}
		n := days.count(s)
		if n == 0 {
			continue
		}
		at := rowAt{file: sessionsFile, sheet: "sessions", row: s.Row}
		if !c.add(at, s.Course, s.Rooms, c.weekly[[2]string{s.Course, s.Semester}], n) {
			return
		}
	}
	for i := range c.rel.Bookings {
		b := &c.rel.Bookings[i]
		var plans []int
		for _, g := range c.dated[b.Course] {
			if !b.Date.Before(g.sem.Start) && !b.Date.After(g.sem.End) {
				plans = append(plans, g.plans...)
			}
		}
		at := rowAt{file: bookingsFile, sheet: "bookings", row: b.Row}
		if !c.add(at, b.Course, b.Rooms, plans, 1) {
			return
		}
	}
}

// rowAt is the row being counted.
type rowAt struct {
	file, sheet string
	row         int
}

// add counts n occurrences of course (empty for an event) in rooms, listed
// by plans, and reports false once the listings are over their limit.
func (c *counter) add(at rowAt, course string, rooms []string, plans []int, n int) bool {
	listed := len(rooms) + len(plans)
	if course != "" {
		listed++
		c.course[course] += n
		if m := c.course[course]; m > c.lim.MaxCourseOccurrences && c.first(c.overCourse, course) {
			c.report(at, "course", course, fmt.Errorf(
				"%w: with this row, the course has %d dated occurrences, more than the %d allowed for one course; "+
					"raise the limit with -max-course-occurrences (Limits.MaxCourseOccurrences)", ErrTooMany, m, c.lim.MaxCourseOccurrences))
		}
	}
	for _, room := range rooms {
		c.room[room] += n
		if m := c.room[room]; m > c.lim.MaxRoomOccurrences && c.first(c.overRoom, room) {
			c.report(at, "rooms", room, fmt.Errorf(
				"%w: with this row, the room has %d dated occurrences, more than the %d allowed for one room; "+
					"raise the limit with -max-room-occurrences (Limits.MaxRoomOccurrences)", ErrTooMany, m, c.lim.MaxRoomOccurrences))
		}
	}
	for _, i := range plans {
		c.plan[i] += n
		if m := c.plan[i]; m > c.lim.MaxPlanSchedules && c.es != nil && !c.overPlan[i] {
			c.overPlan[i] = true
			p := &c.rel.StudyPlans[i]
			c.report(at, "course", course, fmt.Errorf(
				"%w: with this row, study plan %s (%s) lists %d dated occurrences, more than the %d allowed for one study plan; "+
					"raise the limit with -max-plan-schedules (Limits.MaxPlanSchedules)", ErrTooMany, p.UnitCode, p.Semester, m, c.lim.MaxPlanSchedules))
		}
	}
	if listed > (math.MaxInt-c.listings)/n {
		c.listings = math.MaxInt
	} else {
		c.listings += n * listed
	}
	if c.listings > c.lim.MaxListings {
		value, column := course, "course"
		if course == "" && len(rooms) > 0 {
			value, column = rooms[0], "rooms"
		}
		c.report(at, column, value, fmt.Errorf(
			"%w: with this row, the courses, rooms and study plans of the release list more than %d dated occurrences in all; "+
				"raise the limit with -max-listings (Limits.MaxListings)", ErrTooMany, c.lim.MaxListings))
		return false
	}
	return true
}

// first reports whether a problem about name is to be reported: the
// first time its count passes the limit, and only when problems are
// collected.
func (c *counter) first(reported map[string]bool, name string) bool {
	if c.es == nil || reported[name] {
		return false
	}
	reported[name] = true
	return true
}

// report adds a problem at the row counted.
func (c *counter) report(at rowAt, column, value string, err error) {
	if c.es != nil {
		c.es.Add(&ParseError{File: at.file, Sheet: at.sheet, Row: at.row, Column: column, Value: value, Err: err})
	}
}

// semesterDays counts the dates of weekly sessions in a semester without
// listing them: the same dates as [Session.Dates].
type semesterDays struct {
	start   Date
	days    int    // from the start to the end date, both included
	skipped []bool // by day from the start
	monday  int    // days from the Monday of week 1 to the start
}

func newSemesterDays(s *Semester) *semesterDays {
	days := int(s.End.Sub(s.Start)/(24*time.Hour)) + 1
	if days < 1 {
		days = 0
	}
	sd := &semesterDays{start: s.Start, days: days, monday: (int(s.Start.Weekday()) + 6) % 7}
	// Skip ranges marked as +1 at their first day and -1 after their
	// last, then summed: linear in the ranges and the days.
	mark := make([]int, days+1)
	for _, r := range s.Skip {
		from := max(0, int(r.From.Sub(s.Start)/(24*time.Hour)))
		to := min(days-1, int(r.To.Sub(s.Start)/(24*time.Hour)))
		if from > to {
			continue
		}
		mark[from]++
		mark[to+1]--
	}
	sd.skipped = make([]bool, days)
	open := 0
	for d := range days {
		open += mark[d]
		sd.skipped[d] = open > 0
	}
	return sd
}

// weeks returns the set of weeks of the semester s happens in, as a bit
// set (bit w for week w): every week when s.Weeks is empty.
func (sd *semesterDays) weeks(s *Session) [2]uint64 {
	var set [2]uint64
	last := min((sd.days-1+sd.monday)/7+1, 127) // a semester has at most 59 weeks
	for _, r := range s.Weeks {
		for w := max(r.From, 1); w <= min(r.To, last); w++ {
			set[w/64] |= 1 << (w % 64)
		}
	}
	if len(s.Weeks) == 0 {
		for w := 1; w <= last; w++ {
			set[w/64] |= 1 << (w % 64)
		}
	}
	return set
}

// count returns len(s.Dates(semester)).
func (sd *semesterDays) count(s *Session) int {
	weeks := sd.weeks(s)
	n := 0
	for d := (int(s.Weekday) - int(sd.start.Weekday()) + 7) % 7; d < sd.days; d += 7 {
		if w := (d+sd.monday)/7 + 1; !sd.skipped[d] && weeks[w/64]&(1<<(w%64)) != 0 {
			n++
		}
	}
	return n
}
