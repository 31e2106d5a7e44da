package source

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// sheetErrs adds problems about one sheet to a shared [Errors].
type sheetErrs struct {
	es    *Errors
	file  string
	sheet string
}

func (s sheetErrs) add(row int, column, value string, err error) {
	s.es.Add(&ParseError{File: s.file, Sheet: s.sheet, Row: row, Column: column, Value: value, Err: err})
}

func errsFor[R any](es *Errors, t *Table[R], sheet string) sheetErrs {
	return sheetErrs{es: es, file: t.File, sheet: sheet}
}

// unique records that value was seen at row, and reports a duplicate of an
// earlier row.
func (s sheetErrs) unique(seen map[string]int, row int, column, value string) bool {
	if prev, dup := seen[value]; dup {
		s.add(row, column, value, fmt.Errorf("%w of row %d", ErrDuplicate, prev))
		return false
	}
	seen[value] = row
	return true
}

// segment reports a name that cannot be a URL path segment.
func (s sheetErrs) segment(row int, column, value string) bool {
	if err := CheckSegment(value); err != nil {
		s.add(row, column, value, err)
		return false
	}
	return true
}

// ErrCaseDuplicate is the [ParseError.Err] of a name (room name, course
// code) that differs from an earlier row's only by case: both would be
// published to one file on case-insensitive file systems and CDNs. It
// comes wrapped with the earlier name and row, and also matches
// [ErrDuplicate].
var ErrCaseDuplicate = errors.New("differs from an earlier name only by case")

type caseDuplicateError struct {
	first string
	row   int
}

func (e *caseDuplicateError) Error() string {
	return fmt.Sprintf("differs from %q (row %d) only by case", e.first, e.row)
}

func (e *caseDuplicateError) Unwrap() []error { return []error{ErrCaseDuplicate, ErrDuplicate} }

// uniqueFold records that value was seen at row, and reports a value
// equal to an earlier row's except for case (exact duplicates are
// reported by unique).
func (s sheetErrs) uniqueFold(seen map[string]foldSeen, row int, column, value string) bool {
	key := FoldName(value)
	if prev, dup := seen[key]; dup && prev.name != value {
		s.add(row, column, value, &caseDuplicateError{first: prev.name, row: prev.row})
		return false
	} else if !dup {
		seen[key] = foldSeen{value, row}
	}
	return true
}

type foldSeen struct {
	name string
	row  int
}

// required reports a missing value in a required column and returns false.
func (s sheetErrs) required(row int, column, value string) bool {
	if value == "" {
		s.add(row, column, value, ErrRequired)
		return false
	}
	return true
}

// MaxSemesterDays bounds a semester's length: a longer one is a typing
// mistake, and would multiply every weekly session.
const MaxSemesterDays = 400

// Check checks every row of a release read from a file (rows → checked
// release) and returns the release: it is CheckWith(raw, DefaultLimits),
// without the warnings.
func Check(raw *Raw) (*Release, error) {
	rel, _, err := CheckWith(raw, DefaultLimits)
	return rel, err
}

// CheckWith checks every row of a release read from a file, and what the
// release would publish against lim (see [Limits]; a zero field means its
// default), and returns the release. Problems are collected across every
// sheet and returned together as an *[Errors]; the release is nil then. A
// count over its limit is a problem ([ErrTooMany]) at the session or
// booking row that takes it over.
//
// The warnings are about rows that are valid but most likely mistakes:
// sessions or bookings that repeat an earlier row of their sheet field for
// field, each published twice. The first [MaxDuplicateWarnings] of a
// sheet are named with both rows, the others counted.
func CheckWith(raw *Raw, lim Limits) (*Release, []string, error) {
	var es Errors
	for i := range Sheets {
		spec := &Sheets[i]
		if t := spec.table(raw); spec.Required && !t.found() {
			es.Add(&ParseError{File: t.file(), Sheet: spec.Name, Err: ErrMissingSheet})
		}
	}
	rel := &Release{}
	d := checker{rel: rel, es: &es}
	d.semesters(&raw.Semesters)
	emptyRooms(&es, &raw.Rooms)
	d.rooms(&raw.Rooms)
	d.teachers(&raw.Teachers)
	d.courses(&raw.Courses)
	d.studyPlans(&raw.StudyPlans)
	emptySessions(&es, raw)
	d.sessions(&raw.Sessions)
	d.bookings(&raw.Bookings)
	// Counted on the rows that were valid even when others were not, so
	// that one run reports every problem.
	newCounter(rel, lim.withDefaults(), &es).count(raw.Sessions.File, raw.Bookings.File)
	if err := es.Err(); err != nil {
		return nil, nil, err
	}
	return rel, repeatedRows(rel, raw.Sessions.File, raw.Bookings.File), nil
}

// emptyRooms reports a rooms sheet found without rows: the release would
// publish no room, which is never what was meant.
func emptyRooms(es *Errors, t *Table[RoomRow]) {
	if !t.Found || len(t.Rows) > 0 {
		return
	}
	es.Add(&ParseError{File: t.File, Sheet: "rooms", Row: 1,
		Err: fmt.Errorf("%w%s: a release needs at least one room, or there is nothing to publish", ErrEmptySheet, belowHeader(t.Header))})
}

// emptySessions reports a sessions sheet found without rows while the
// courses sheet lists courses that no booking names: such a timetable
// would publish every course with nothing scheduled. It is how a file cut
// short, or one whose line ends were not recognized, reads, so it is
// refused rather than published empty. A release without a sessions sheet,
// or with bookings of courses, is accepted.
func emptySessions(es *Errors, raw *Raw) {
	t := &raw.Sessions
	if !t.Found || len(t.Rows) > 0 || len(raw.Courses.Rows) == 0 {
		return
	}
	for _, b := range raw.Bookings.Rows {
		if b.Course != "" {
			return
		}
	}
	courses := "1 course"
	if n := len(raw.Courses.Rows); n != 1 {
		courses = fmt.Sprintf("%d courses", n)
	}
	es.Add(&ParseError{File: t.File, Sheet: "sessions", Row: 1,
		Err: fmt.Errorf("%w%s, while the courses sheet lists %s: an empty timetable is refused; "+
			"check the file's line endings, or whether it was cut short", ErrEmptySheet, belowHeader(t.Header), courses)})
}

// belowHeader completes ErrEmptySheet for a sheet whose header was read.
// A sheet found without one (an unreadable file) has had its own problem
// reported by the reader.
func belowHeader(header map[string]int) string {
	if len(header) > 0 {
		return " below its header"
	}
	return ""
}

type checker struct {
	rel        *Release
	es         *Errors
	semIdx     map[string]int // name → index in Release, -1 for a broken row
	roomIdx    map[string]int
	teacherIdx map[string]int
	courseIdx  map[string]int
}

func (d *checker) semesters(t *Table[SemesterRow]) {
	e := errsFor(d.es, t, "semesters")
	d.semIdx = map[string]int{}
	first := map[string]int{}
	for _, r := range t.Rows {
		s := Semester{Name: r.Name, Row: r.Line}
		ok := e.required(r.Line, "name", r.Name) && e.unique(first, r.Line, "name", r.Name)
		if e.required(r.Line, "type", r.Type) {
			switch typ := strings.ToLower(r.Type); typ {
			case Fall, Spring, Year:
				s.Type = typ
			default:
				e.add(r.Line, "type", r.Type, fmt.Errorf("%w: fall, spring or year", ErrBadEnum))
				ok = false
			}
		} else {
			ok = false
		}
		var err error
		okDates := e.required(r.Line, "start_date", r.StartDate)
		if okDates {
			if s.Start, err = ParseDate(r.StartDate, t.Serials); err != nil {
				e.add(r.Line, "start_date", r.StartDate, err)
				okDates = false
			}
		}
		if e.required(r.Line, "end_date", r.EndDate) {
			if s.End, err = ParseDate(r.EndDate, t.Serials); err != nil {
				e.add(r.Line, "end_date", r.EndDate, err)
				okDates = false
			} else if okDates && s.End.Before(s.Start) {
				e.add(r.Line, "end_date", r.EndDate, fmt.Errorf("%w (start_date %s)", ErrEndBeforeStart, r.StartDate))
				okDates = false
			} else if okDates && s.End.Sub(s.Start) > MaxSemesterDays*24*time.Hour {
				e.add(r.Line, "end_date", r.EndDate, fmt.Errorf("%w: a semester lasts at most %d days", ErrOutOfRange, MaxSemesterDays))
				okDates = false
			}
		} else {
			okDates = false
		}
		for _, item := range SplitList(r.SkipDates) {
			dr, err := ParseDateRange(item, t.Serials)
			if err != nil {
				e.add(r.Line, "skip_dates", item, err)
				ok = false
				continue
			}
			if okDates && (dr.From.Before(s.Start) || dr.To.After(s.End)) {
				e.add(r.Line, "skip_dates", item, fmt.Errorf("%w (%s..%s)", ErrOutsideSem, r.StartDate, r.EndDate))
				ok = false
				continue
			}
			s.Skip = append(s.Skip, dr)
		}
		if ok && okDates {
			d.semIdx[s.Name] = len(d.rel.Semesters)
			d.rel.Semesters = append(d.rel.Semesters, s)
		} else {
			markBroken(d.semIdx, r.Name)
		}
	}
}

func (d *checker) rooms(t *Table[RoomRow]) {
	e := errsFor(d.es, t, "rooms")
	d.roomIdx = map[string]int{}
	first := map[string]int{}
	folded := map[string]foldSeen{}
	for _, r := range t.Rows {
		room := Room{Name: r.Name, Type: r.Type, Link: r.Link, Available: true}
		ok := e.required(r.Line, "name", r.Name) && e.segment(r.Line, "name", r.Name) &&
			e.unique(first, r.Line, "name", r.Name) && e.uniqueFold(folded, r.Line, "name", r.Name)
		ok = e.required(r.Line, "type", r.Type) && ok
		if r.Capacity != "" {
			n, err := ParseInt(r.Capacity)
			switch {
			case err != nil:
				e.add(r.Line, "capacity", r.Capacity, err)
				ok = false
			case n < 0:
				e.add(r.Line, "capacity", r.Capacity, fmt.Errorf("%w: a capacity cannot be negative", ErrOutOfRange))
				ok = false
			case n > 0: // 0 means unknown, as in the reference data
				room.Capacity = &n
			}
		}
		room.Building = strings.TrimSpace(r.Building)
		if room.Building == "" {
			room.Building = DefaultBuilding(r.Name)
		}
		if r.Level != "" {
			n, err := ParseInt(r.Level)
			if err != nil {
				e.add(r.Line, "level", r.Level, err)
				ok = false
			} else {
				room.Level = &n
			}
		}
		lat, okLat := coordinate(e, r.Line, "latitude", r.Latitude, 90)
		lon, okLon := coordinate(e, r.Line, "longitude", r.Longitude, 180)
		switch {
		case !okLat || !okLon:
			ok = false
		case (r.Latitude == "") != (r.Longitude == ""):
			col := "latitude"
			if r.Longitude == "" {
				col = "longitude"
			}
			e.add(r.Line, col, "", fmt.Errorf("%w: latitude and longitude go together", ErrRequired))
			ok = false
		case r.Latitude != "":
			room.Coordinates = &[2]float64{lat, lon}
		}
		if r.Available != "" {
			b, err := ParseBool(r.Available)
			if err != nil {
				e.add(r.Line, "available", r.Available, err)
				ok = false
			}
			room.Available = b
		}
		if ok {
			d.roomIdx[room.Name] = len(d.rel.Rooms)
			d.rel.Rooms = append(d.rel.Rooms, room)
		} else {
			markBroken(d.roomIdx, r.Name)
		}
	}
}

func coordinate(e sheetErrs, row int, column, value string, limit float64) (float64, bool) {
	if value == "" {
		return 0, true
	}
	f, err := ParseNumber(value)
	if err != nil {
		e.add(row, column, value, err)
		return 0, false
	}
	if f < -limit || f > limit {
		e.add(row, column, value, fmt.Errorf("%w: from %g to %g", ErrOutOfRange, -limit, limit))
		return 0, false
	}
	return f, true
}

func (d *checker) teachers(t *Table[TeacherRow]) {
	e := errsFor(d.es, t, "teachers")
	d.teacherIdx = map[string]int{}
	first := map[string]int{}
	for _, r := range t.Rows {
		if !e.required(r.Line, "name", r.Name) || !e.unique(first, r.Line, "name", r.Name) {
			continue
		}
		d.teacherIdx[r.Name] = len(d.rel.Teachers)
		d.rel.Teachers = append(d.rel.Teachers, Teacher{Name: r.Name, PeopleURL: r.PeopleURL})
	}
}

func (d *checker) courses(t *Table[CourseRow]) {
	e := errsFor(d.es, t, "courses")
	d.courseIdx = map[string]int{}
	first := map[string]int{}
	folded := map[string]foldSeen{}
	for _, r := range t.Rows {
		c := Course{Code: r.Code, Name: r.Name, Language: r.Language, EduURL: r.EduURL}
		ok := e.required(r.Line, "code", r.Code) && e.segment(r.Line, "code", r.Code) &&
			e.unique(first, r.Line, "code", r.Code) && e.uniqueFold(folded, r.Line, "code", r.Code)
		ok = e.required(r.Line, "name", r.Name) && ok
		if r.Credits != "" {
			f, err := ParseNumber(r.Credits)
			switch {
			case err != nil:
				e.add(r.Line, "credits", r.Credits, err)
				ok = false
			case f < 0:
				e.add(r.Line, "credits", r.Credits, fmt.Errorf("%w: credits cannot be negative", ErrOutOfRange))
				ok = false
			default:
				c.Credits = &f
			}
		}
		for _, name := range SplitList(r.Teachers) {
			if _, known := d.teacherIdx[name]; !known {
				e.add(r.Line, "teachers", name, ErrUnknownTeacher)
				ok = false
				continue
			}
			c.Teachers = append(c.Teachers, name)
		}
		if ok {
			d.courseIdx[c.Code] = len(d.rel.Courses)
			d.rel.Courses = append(d.rel.Courses, c)
		} else {
			markBroken(d.courseIdx, r.Code)
		}
	}
}

// StudyPlanID derives the id of a study plan from its unit code and
// semester name, so that it stays the same from one release to the next.
func StudyPlanID(unitCode, semester string) string {
	sum := sha256.Sum256([]byte("occupancy studyplan\x00" + unitCode + "\x00" + semester))
	return hex.EncodeToString(sum[:12])
}

func isHexID(s string) bool {
	if len(s) != 24 {
		return false
	}
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}

func (d *checker) studyPlans(t *Table[StudyPlanRow]) {
	e := errsFor(d.es, t, "studyplans")
	ids := map[string]int{}
	units := map[[2]string]int{}
	for _, r := range t.Rows {
		p := StudyPlan{UnitCode: r.UnitCode, UnitName: r.UnitName, Section: r.Section, Promo: r.Promo, Semester: r.Semester}
		ok := e.required(r.Line, "unit_code", r.UnitCode)
		ok = e.required(r.Line, "unit_name", r.UnitName) && ok
		if e.required(r.Line, "semester", r.Semester) {
			if _, known := d.semIdx[r.Semester]; !known {
				e.add(r.Line, "semester", r.Semester, ErrUnknownSem)
				ok = false
			}
		} else {
			ok = false
		}
		if ok {
			key := [2]string{r.UnitCode, r.Semester}
			if prev, dup := units[key]; dup {
				e.add(r.Line, "unit_code", r.UnitCode, fmt.Errorf("%w of row %d in semester %q", ErrDuplicate, prev, r.Semester))
				ok = false
			} else {
				units[key] = r.Line
			}
		}
		switch {
		case r.ID != "" && !isHexID(r.ID):
			e.add(r.Line, "id", r.ID, ErrBadID)
			ok = false
		case r.ID != "":
			p.ID = strings.ToLower(r.ID)
		default:
			p.ID = StudyPlanID(r.UnitCode, r.Semester)
		}
		ok = ok && e.unique(ids, r.Line, "id", p.ID)
		seen := map[string]bool{}
		for _, code := range SplitList(r.Courses) {
			if _, known := d.courseIdx[code]; !known {
				e.add(r.Line, "courses", code, ErrUnknownCourse)
				ok = false
				continue
			}
			if !seen[code] {
				seen[code] = true
				p.Courses = append(p.Courses, code)
			}
		}
		if ok {
			d.rel.StudyPlans = append(d.rel.StudyPlans, p)
		}
	}
}

// roomList checks a ";"-separated list of room names.
func (d *checker) roomList(e sheetErrs, row int, cell string) ([]string, bool) {
	var out []string
	ok := true
	seen := map[string]bool{}
	for _, name := range SplitList(cell) {
		if _, known := d.roomIdx[name]; !known {
			e.add(row, "rooms", name, ErrUnknownRoom)
			ok = false
			continue
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out, ok
}

// span checks a start and end time pair.
func span(e sheetErrs, row int, start, end string, serials bool) (Clock, Clock, bool) {
	var s, en Clock
	var err error
	ok := e.required(row, "start", start)
	if ok {
		if s, err = ParseClock(start, serials, false); err != nil {
			e.add(row, "start", start, err)
			ok = false
		}
	}
	if !e.required(row, "end", end) {
		return 0, 0, false
	}
	if en, err = ParseClock(end, serials, true); err != nil {
		e.add(row, "end", end, err)
		return 0, 0, false
	}
	if ok && en <= s {
		e.add(row, "end", end, fmt.Errorf("%w (start %s)", ErrEndBeforeStart, start))
		return 0, 0, false
	}
	return s, en, ok
}

func (d *checker) knownCourse(e sheetErrs, row int, code string) bool {
	if _, known := d.courseIdx[code]; !known {
		e.add(row, "course", code, ErrUnknownCourse)
		return false
	}
	return true
}

func (d *checker) sessions(t *Table[SessionRow]) {
	e := errsFor(d.es, t, "sessions")
	for _, r := range t.Rows {
		s := Session{Course: r.Course, Label: r.Label, Row: r.Line}
		ok := e.required(r.Line, "course", r.Course) && d.knownCourse(e, r.Line, r.Course)
		ok = e.required(r.Line, "label", r.Label) && ok
		if e.required(r.Line, "weekday", r.Weekday) {
			wd, err := ParseWeekday(r.Weekday)
			if err != nil {
				e.add(r.Line, "weekday", r.Weekday, err)
				ok = false
			}
			s.Weekday = wd
		} else {
			ok = false
		}
		var okSpan bool
		s.Start, s.End, okSpan = span(e, r.Line, r.Start, r.End, t.Serials)
		ok = okSpan && ok
		var okRooms bool
		s.Rooms, okRooms = d.roomList(e, r.Line, r.Rooms)
		ok = okRooms && ok
		sem := -1
		switch {
		case r.Semester != "":
			i, known := d.semIdx[r.Semester]
			if !known {
				e.add(r.Line, "semester", r.Semester, ErrUnknownSem)
			}
			sem = i
			s.Semester = r.Semester
		case len(d.semIdx) == 1:
			for name, i := range d.semIdx {
				sem, s.Semester = i, name
			}
		case len(d.semIdx) > 1:
			e.add(r.Line, "semester", "", ErrAmbiguousSem)
		}
		if sem < 0 {
			ok = false
		}
		if r.Weeks != "" {
			weeks, err := ParseWeeks(r.Weeks)
			if err != nil {
				e.add(r.Line, "weeks", r.Weeks, err)
				ok = false
			} else if sem >= 0 {
				n := d.rel.Semesters[sem].Weeks()
				for _, w := range weeks {
					if w.To > n {
						e.add(r.Line, "weeks", r.Weeks, fmt.Errorf("%w: %q has %d weeks", ErrOutsideSem, r.Semester, n))
						ok = false
						break
					}
				}
			}
			s.Weeks = weeks
		}
		if ok {
			d.rel.Sessions = append(d.rel.Sessions, s)
		}
	}
}

func (d *checker) bookings(t *Table[BookingRow]) {
	e := errsFor(d.es, t, "bookings")
	for _, r := range t.Rows {
		b := Booking{Course: r.Course, Label: r.Label, Name: r.Name, Description: r.Description, Row: r.Line}
		ok := e.required(r.Line, "date", r.Date)
		if ok {
			var err error
			if b.Date, err = ParseDate(r.Date, t.Serials); err != nil {
				e.add(r.Line, "date", r.Date, err)
				ok = false
			}
		}
		var okSpan bool
		b.Start, b.End, okSpan = span(e, r.Line, r.Start, r.End, t.Serials)
		ok = okSpan && ok
		var okRooms bool
		if e.required(r.Line, "rooms", strings.TrimSpace(strings.ReplaceAll(r.Rooms, ";", ""))) {
			b.Rooms, okRooms = d.roomList(e, r.Line, r.Rooms)
			ok = okRooms && ok
		} else {
			ok = false
		}
		if r.Course != "" {
			ok = d.knownCourse(e, r.Line, r.Course) && ok
			ok = e.required(r.Line, "label", r.Label) && ok
		} else {
			ok = e.required(r.Line, "name", r.Name) && ok
			if b.Label == "" {
				b.Label = "event"
			}
		}
		if ok {
			d.rel.Bookings = append(d.rel.Bookings, b)
		}
	}
}

// Weeks returns how many semester weeks s spans; week 1 is the Monday-based
// week holding the start date.
func (s *Semester) Weeks() int { return s.Week(s.End) }

// Week returns the semester week number of day d (1 for the week of the
// start date, counted in Monday-to-Sunday weeks).
func (s *Semester) Week(d Date) int {
	monday := s.Start.AddDate(0, 0, -((int(s.Start.Weekday()) + 6) % 7))
	return int(d.Sub(monday)/(7*24*time.Hour)) + 1
}

// markBroken records a name whose row has problems, so that references to
// it do not add a cascade of "unknown" errors. A valid row of the same name
// keeps its index.
func markBroken(index map[string]int, name string) {
	if _, ok := index[name]; !ok && name != "" {
		index[name] = -1
	}
}
