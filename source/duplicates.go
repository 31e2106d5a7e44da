package source

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// MaxDuplicateWarnings is how many repeated rows of one sheet are named
// one by one in warnings; the others are counted in one more warning.
const MaxDuplicateWarnings = 10

// duplicates finds the rows of one sheet that repeat an earlier row,
// field for field once checked, in linear time: each row is a key of a map.
type duplicates struct {
	file, sheet string
	first       map[string]int // key → row of its first occurrence
	named       []string       // the warnings naming both rows
	more        int            // repeats beyond MaxDuplicateWarnings
}

func newDuplicates(file, sheet string) *duplicates {
	return &duplicates{file: file, sheet: sheet, first: map[string]int{}}
}

// see records the row of key, described by what (for the warning).
func (d *duplicates) see(row int, key, what string) {
	prev, dup := d.first[key]
	if !dup {
		d.first[key] = row
		return
	}
	if len(d.named) == MaxDuplicateWarnings {
		d.more++
		return
	}
	d.named = append(d.named, fmt.Sprintf("%s: %s row %d repeats row %d (%s): it is published twice", d.file, d.sheet, row, prev, what))
}

// warnings returns the warnings about the sheet's repeated rows.
func (d *duplicates) warnings() []string {
	out := d.named
	if d.more > 0 {
		out = append(out, fmt.Sprintf("%s: %d more %s rows repeat an earlier row", d.file, d.more, d.sheet))
	}
	return out
}

// keyWriter builds a map key of fields that cannot run into each other.
type keyWriter struct{ b strings.Builder }

func (k *keyWriter) str(s string) *keyWriter {
	k.b.WriteString(strconv.Itoa(len(s)))
	k.b.WriteByte(':')
	k.b.WriteString(s)
	return k
}

func (k *keyWriter) num(n int) *keyWriter { return k.str(strconv.Itoa(n)) }

// rooms writes a list of rooms in sorted order: "CO1;CO2" and "CO2;CO1"
// book the same rooms.
func (k *keyWriter) rooms(rooms []string) *keyWriter {
	sorted := slices.Clone(rooms)
	slices.Sort(sorted)
	k.num(len(sorted))
	for _, r := range sorted {
		k.str(r)
	}
	return k
}

// weeks writes a set of weeks (see semesterDays.weeks): "1-3" and
// "1,2,3" are the same weeks, and so are an empty weeks column and every
// week of the semester.
func (k *keyWriter) weeks(set [2]uint64) *keyWriter {
	return k.str(strconv.FormatUint(set[0], 16)).str(strconv.FormatUint(set[1], 16))
}

// repeatedRows warns of sessions and bookings that repeat an earlier row
// of their sheet: such a row publishes each of its occurrences twice,
// and is most likely a row pasted twice.
func repeatedRows(rel *Release, sessionsFile, bookingsFile string) []string {
	sems := map[string]*semesterDays{}
	for i := range rel.Semesters {
		sems[rel.Semesters[i].Name] = newSemesterDays(&rel.Semesters[i])
	}
	sessions := newDuplicates(sessionsFile, "sessions")
	for i := range rel.Sessions {
		s := &rel.Sessions[i]
		var weeks [2]uint64
		if sd := sems[s.Semester]; sd != nil {
			weeks = sd.weeks(s)
		}
		var k keyWriter
		k.str(s.Course).str(s.Label).num(int(s.Weekday)).num(int(s.Start)).num(int(s.End)).
			rooms(s.Rooms).str(s.Semester).weeks(weeks)
		sessions.see(s.Row, k.b.String(), fmt.Sprintf("%s %q, %s %s-%s", s.Course, s.Label, s.Weekday, s.Start, s.End))
	}
	bookings := newDuplicates(bookingsFile, "bookings")
	for i := range rel.Bookings {
		b := &rel.Bookings[i]
		var k keyWriter
		k.num(int(b.Date.Unix() / 86400)).num(int(b.Start)).num(int(b.End)).rooms(b.Rooms).
			str(b.Course).str(b.Label).str(b.Name).str(b.Description)
		what := b.Course
		if what == "" {
			what = b.Name
		}
		bookings.see(b.Row, k.b.String(), fmt.Sprintf("%s %q, %s %s-%s", what, b.Label, b.Date.Format("2006-01-02"), b.Start, b.End))
	}
	return append(sessions.warnings(), bookings.warnings()...)
}
