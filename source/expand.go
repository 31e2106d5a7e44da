package source

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// At returns the wall-clock instant of clock c on day d, written as UTC
// (the reference API's convention).
func At(d Date, c Clock) time.Time { return d.Add(time.Duration(c) * time.Minute) }

// SemesterByName returns the semester named, or nil.
func (r *Release) SemesterByName(name string) *Semester {
	for i := range r.Semesters {
		if r.Semesters[i].Name == name {
			return &r.Semesters[i]
		}
	}
	return nil
}

// Dates returns the days on which the weekly session s happens in semester
// sem: every day of its weekday from the start to the end date, except
// skip dates and weeks outside s.Weeks.
func (s *Session) Dates(sem *Semester) []Date {
	first := sem.Start.AddDate(0, 0, (int(s.Weekday)-int(sem.Start.Weekday())+7)%7)
	var out []Date
	for d := first; !d.After(sem.End); d = d.AddDate(0, 0, 7) {
		if sem.Skipped(d) || !s.inWeeks(sem.Week(d)) {
			continue
		}
		out = append(out, d)
	}
	return out
}

func (s *Session) inWeeks(w int) bool {
	if len(s.Weeks) == 0 {
		return true
	}
	for _, r := range s.Weeks {
		if w >= r.From && w <= r.To {
			return true
		}
	}
	return false
}

// Occurrences expands the weekly sessions and the dated bookings into dated
// occurrences, sorted by start, end, course, name, label and rooms.
func (r *Release) Occurrences() []Occurrence {
	n := len(r.Bookings)
	for i := range r.Sessions {
		if sem := r.SemesterByName(r.Sessions[i].Semester); sem != nil {
			n += len(r.Sessions[i].Dates(sem))
		}
	}
	out := make([]Occurrence, 0, n) // exactly: the slice lives as long as the render
	for i := range r.Sessions {
		s := &r.Sessions[i]
		sem := r.SemesterByName(s.Semester)
		if sem == nil {
			continue // Decode never lets this happen
		}
		origin := &Origin{Course: s.Course, Label: s.Label, Rooms: s.Rooms, Semester: s.Semester}
		for _, d := range s.Dates(sem) {
			out = append(out, Occurrence{Start: At(d, s.Start), End: At(d, s.End), Origin: origin})
		}
	}
	for _, b := range r.Bookings {
		out = append(out, Occurrence{
			Start: At(b.Date, b.Start), End: At(b.Date, b.End),
			Origin: &Origin{Course: b.Course, Label: b.Label, Name: b.Name, Description: b.Description, Rooms: b.Rooms},
		})
	}
	slices.SortFunc(out, CompareOccurrences)
	return out
}

// CompareOccurrences orders occurrences by start, end, course, event name,
// label, rooms, description and semester: a total order, which makes every
// listing deterministic.
func CompareOccurrences(a, b Occurrence) int {
	return cmp.Or(
		a.Start.Compare(b.Start),
		a.End.Compare(b.End),
		strings.Compare(a.Course, b.Course),
		strings.Compare(a.Name, b.Name),
		strings.Compare(a.Label, b.Label),
		slices.Compare(a.Rooms, b.Rooms),
		strings.Compare(a.Description, b.Description),
		strings.Compare(a.Semester, b.Semester),
	)
}
