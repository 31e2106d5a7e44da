package sample_test

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"occupancy/source"
)

// The checks below restate the rules a build applies to a release, so that
// the sample is known valid without depending on the decoder.

var (
	reTime    = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	reCode    = regexp.MustCompile(`^[A-Za-z0-9-]+$`)
	reID      = regexp.MustCompile(`^[0-9a-f]{24}$`)
	reWeeks   = regexp.MustCompile(`^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$`)
	reInteger = regexp.MustCompile(`^-?[0-9]+$`)
)

var (
	roomTypes   = set("AUDITOIRE", "SALLE DE COURS", "SALLE INFORMATIQUE", "LABORATOIRE", "unknown")
	labels      = set("cours", "exercice", "projet")
	eventNames  = set("Evénements", "Réservation académique", "Réservation ponctuelle")
	weekdayForm = weekdays()
)

func set(items ...string) map[string]bool {
	m := make(map[string]bool, len(items))
	for _, s := range items {
		m[s] = true
	}
	return m
}

// weekdays maps every accepted spelling to its weekday.
func weekdays() map[string]time.Weekday {
	m := map[string]time.Weekday{}
	spellings := [][]string{
		{"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"},
		{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"},
		{"dimanche", "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi"},
		{"Di", "Lu", "Ma", "Me", "Je", "Ve", "Sa"},
	}
	for _, list := range spellings {
		for d, s := range list {
			m[s] = time.Weekday(d)
		}
	}
	return m
}

// problems collects what is wrong in a release, as "sheet row N: message".
type problems []string

func (p *problems) add(sheet string, row int, format string, args ...any) {
	*p = append(*p, fmt.Sprintf("%s row %d: %s", sheet, row+2, fmt.Sprintf(format, args...)))
}

// validName reports whether s can be a URL segment: not empty, not "." or
// "..", no '/', '\\', control characters or surrounding spaces.
func validName(s string) bool {
	if s == "" || s == "." || s == ".." || strings.TrimSpace(s) != s {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r == '/' || r == '\\' || unicode.IsControl(r) })
}

func parseDate(s string) (time.Time, bool) {
	d, err := time.Parse(time.DateOnly, s)
	return d, err == nil && d.Format(time.DateOnly) == s
}

// parseClock returns minutes since midnight.
func parseClock(s string) (int, bool) {
	if !reTime.MatchString(s) {
		return 0, false
	}
	h, _ := strconv.Atoi(s[:2])
	m, _ := strconv.Atoi(s[3:])
	return h*60 + m, true
}

// splitList splits a ';'-separated list, reporting empty or repeated items.
func splitList(s string) ([]string, bool) {
	if s == "" {
		return nil, true
	}
	items := strings.Split(s, ";")
	seen := map[string]bool{}
	for _, it := range items {
		if it == "" || strings.TrimSpace(it) != it || seen[it] {
			return items, false
		}
		seen[it] = true
	}
	return items, true
}

// checkTimes checks start and end: HH:MM, on a quarter-hour unless
// anyMinute, end after start.
func checkTimes(p *problems, sheet string, i int, start, end string, anyMinute bool) {
	s, ok1 := parseClock(start)
	e, ok2 := parseClock(end)
	switch {
	case !ok1 || !ok2:
		p.add(sheet, i, "times %q–%q are not HH:MM", start, end)
	case !anyMinute && (s%15 != 0 || e%15 != 0):
		p.add(sheet, i, "times %q–%q are not on a 15-minute step", start, end)
	case e <= s:
		p.add(sheet, i, "end %q is not after start %q", end, start)
	}
}

// validate returns every problem of raw under the release rules.
func validate(raw *source.Raw) problems {
	var p problems

	sems := map[string]source.SemesterRow{}
	for i, r := range raw.Semesters.Rows {
		if !validName(r.Name) || sems[r.Name].Name != "" {
			p.add("semesters", i, "bad or duplicate name %q", r.Name)
		}
		sems[r.Name] = r
		if r.Type != source.Fall && r.Type != source.Spring && r.Type != source.Year {
			p.add("semesters", i, "bad type %q", r.Type)
		}
		start, ok1 := parseDate(r.StartDate)
		end, ok2 := parseDate(r.EndDate)
		if !ok1 || !ok2 || !end.After(start) {
			p.add("semesters", i, "bad dates %q..%q", r.StartDate, r.EndDate)
		}
		for _, sk := range strings.Split(r.SkipDates, ";") {
			from, to, isRange := strings.Cut(sk, "..")
			if !isRange {
				to = from
			}
			f, ok1 := parseDate(from)
			t, ok2 := parseDate(to)
			if !ok1 || !ok2 || t.Before(f) || f.Before(start) || t.After(end) {
				p.add("semesters", i, "skip date %q is not a date range inside the semester", sk)
			}
		}
	}

	rooms := map[string]bool{}
	for i, r := range raw.Rooms.Rows {
		if !validName(r.Name) || strings.Contains(r.Name, " ") || rooms[r.Name] {
			p.add("rooms", i, "bad or duplicate name %q", r.Name)
		}
		rooms[r.Name] = true
		if !roomTypes[r.Type] {
			p.add("rooms", i, "bad type %q", r.Type)
		}
		if r.Capacity != "" {
			if c, err := strconv.Atoi(r.Capacity); err != nil || c < 0 {
				p.add("rooms", i, "bad capacity %q", r.Capacity)
			}
		}
		if r.Level != "" && !reInteger.MatchString(r.Level) {
			p.add("rooms", i, "bad level %q", r.Level)
		}
		if (r.Latitude == "") != (r.Longitude == "") {
			p.add("rooms", i, "half coordinates %q, %q", r.Latitude, r.Longitude)
		}
		if r.Latitude != "" {
			lat, err1 := strconv.ParseFloat(r.Latitude, 64)
			lon, err2 := strconv.ParseFloat(r.Longitude, 64)
			if err1 != nil || err2 != nil || lat < 46.51 || lat > 46.53 || lon < 6.55 || lon > 6.58 {
				p.add("rooms", i, "coordinates %q, %q are not on campus", r.Latitude, r.Longitude)
			}
		}
		if r.Link != "" && !strings.HasPrefix(r.Link, "https://plan.epfl.ch/?room==") {
			p.add("rooms", i, "bad link %q", r.Link)
		}
		if r.Available != "" && r.Available != "true" && r.Available != "false" {
			p.add("rooms", i, "bad available %q", r.Available)
		}
	}

	teachers := map[string]bool{}
	for i, r := range raw.Teachers.Rows {
		if !validName(r.Name) || teachers[r.Name] {
			p.add("teachers", i, "bad or duplicate name %q", r.Name)
		}
		teachers[r.Name] = true
		if r.PeopleURL != "" && !strings.HasPrefix(r.PeopleURL, "https://people.epfl.ch/") {
			p.add("teachers", i, "bad people_url %q", r.PeopleURL)
		}
	}

	courses := map[string]bool{}
	for i, r := range raw.Courses.Rows {
		if !validName(r.Code) || !reCode.MatchString(r.Code) || courses[r.Code] {
			p.add("courses", i, "bad or duplicate code %q", r.Code)
		}
		courses[r.Code] = true
		if r.Name == "" {
			p.add("courses", i, "empty name")
		}
		if r.Credits != "" {
			if c, err := strconv.Atoi(r.Credits); err != nil || c < 2 || c > 8 {
				p.add("courses", i, "bad credits %q", r.Credits)
			}
		}
		if r.Language != "English" && r.Language != "French" {
			p.add("courses", i, "bad language %q", r.Language)
		}
		if r.EduURL != "" && !strings.HasPrefix(r.EduURL, "https://edu.epfl.ch/coursebook/") {
			p.add("courses", i, "bad edu_url %q", r.EduURL)
		}
		names, ok := splitList(r.Teachers)
		if !ok {
			p.add("courses", i, "bad teacher list %q", r.Teachers)
		}
		for _, n := range names {
			if !teachers[n] {
				p.add("courses", i, "unknown teacher %q", n)
			}
		}
	}

	units := map[string]bool{}
	ids := map[string]bool{}
	for i, r := range raw.StudyPlans.Rows {
		if !validName(r.UnitCode) || !reCode.MatchString(r.UnitCode) || r.UnitName == "" {
			p.add("studyplans", i, "bad unit %q %q", r.UnitCode, r.UnitName)
		}
		if _, ok := sems[r.Semester]; !ok {
			p.add("studyplans", i, "unknown semester %q", r.Semester)
		}
		if key := r.UnitCode + "\x00" + r.Semester; units[key] {
			p.add("studyplans", i, "duplicate unit %q in %q", r.UnitCode, r.Semester)
		} else {
			units[key] = true
		}
		codes, ok := splitList(r.Courses)
		if !ok || len(codes) < 5 || len(codes) > 15 {
			p.add("studyplans", i, "course list %q does not have 5 to 15 distinct codes", r.Courses)
		}
		for _, c := range codes {
			if !courses[c] {
				p.add("studyplans", i, "unknown course %q", c)
			}
		}
		if r.ID != "" {
			if !reID.MatchString(r.ID) || ids[r.ID] {
				p.add("studyplans", i, "bad or duplicate id %q", r.ID)
			}
			ids[r.ID] = true
		}
	}

	for i, r := range raw.Sessions.Rows {
		if !courses[r.Course] {
			p.add("sessions", i, "unknown course %q", r.Course)
		}
		if !labels[r.Label] {
			p.add("sessions", i, "bad label %q", r.Label)
		}
		if d, ok := weekdayForm[r.Weekday]; !ok || d == time.Saturday || d == time.Sunday {
			p.add("sessions", i, "bad weekday %q", r.Weekday)
		}
		checkTimes(&p, "sessions", i, r.Start, r.End, false)
		names, ok := splitList(r.Rooms)
		if !ok {
			p.add("sessions", i, "bad room list %q", r.Rooms)
		}
		for _, n := range names {
			if !rooms[n] {
				p.add("sessions", i, "unknown room %q", n)
			}
		}
		if _, ok := sems[r.Semester]; !ok {
			p.add("sessions", i, "unknown semester %q", r.Semester)
		}
		if r.Weeks != "" {
			ok := reWeeks.MatchString(r.Weeks)
			for _, part := range strings.Split(r.Weeks, ",") {
				from, to, isRange := strings.Cut(part, "-")
				if !isRange {
					to = from
				}
				f, _ := strconv.Atoi(from)
				t, _ := strconv.Atoi(to)
				if f < 1 || t < f || t > 15 { // both semesters span 15 weeks
					ok = false
				}
			}
			if !ok {
				p.add("sessions", i, "bad weeks %q", r.Weeks)
			}
		}
	}

	for i, r := range raw.Bookings.Rows {
		if _, ok := parseDate(r.Date); !ok {
			p.add("bookings", i, "bad date %q", r.Date)
		}
		checkTimes(&p, "bookings", i, r.Start, r.End, r.Course == "") // events may be off the grid
		names, ok := splitList(r.Rooms)
		if !ok || len(names) == 0 {
			p.add("bookings", i, "bad room list %q", r.Rooms)
		}
		for _, n := range names {
			if !rooms[n] {
				p.add("bookings", i, "unknown room %q", n)
			}
		}
		switch {
		case r.Course != "" && r.Name == "":
			if !courses[r.Course] || r.Label == "" {
				p.add("bookings", i, "unknown course %q or no label %q", r.Course, r.Label)
			}
		case r.Course == "" && r.Name != "":
			if !eventNames[r.Name] || r.Label != "" {
				p.add("bookings", i, "bad event %q (label %q)", r.Name, r.Label)
			}
		default:
			p.add("bookings", i, "needs a course or a name, not both: %q, %q", r.Course, r.Name)
		}
	}
	return p
}
