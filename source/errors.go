package source

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Sentinel errors carried by [ParseError.Err]. Callers and tests branch on
// them with errors.Is; their text completes a sentence that starts with the
// offending value, as in `"25:00" is not a time (HH:MM)`.
var (
	ErrMissingSheet   = errors.New("missing required sheet")
	ErrMissingColumn  = errors.New("missing required column")
	ErrEmptySheet     = errors.New("has no rows")
	ErrDuplicateCol   = errors.New("is a duplicate column")
	ErrRequired       = errors.New("is empty but required")
	ErrBadTime        = errors.New("is not a time (HH:MM)")
	ErrBadDate        = errors.New("is not a date (YYYY-MM-DD)")
	ErrBadDateRange   = errors.New("is not a date or a range of dates (YYYY-MM-DD or YYYY-MM-DD..YYYY-MM-DD)")
	ErrBadNumber      = errors.New("is not a number")
	ErrBadInteger     = errors.New("is not a whole number")
	ErrOutOfRange     = errors.New("is out of range")
	ErrBadBool        = errors.New("is not a yes/no value (true, false, yes, no, 1, 0)")
	ErrBadEnum        = errors.New("is not one of the allowed values")
	ErrBadWeekday     = errors.New("is not a weekday (Monday…Sunday, Mon…Sun, lundi…dimanche, Lu…Di)")
	ErrBadWeeks       = errors.New("is not a list of week numbers (such as 1-6,8-14)")
	ErrBadID          = errors.New("is not an id of 24 hexadecimal digits")
	ErrBadName        = errors.New("cannot be a URL segment (no /, \\, control characters, \".\" or \"..\")")
	ErrDuplicate      = errors.New("is a duplicate")
	ErrUnknownRoom    = errors.New("is not a room of the rooms sheet")
	ErrUnknownCourse  = errors.New("is not a course of the courses sheet")
	ErrUnknownTeacher = errors.New("is not a teacher of the teachers sheet")
	ErrUnknownSem     = errors.New("is not a semester of the semesters sheet")
	ErrEndBeforeStart = errors.New("is not after the start")
	ErrOutsideSem     = errors.New("is outside the semester")
	ErrAmbiguousSem   = errors.New("is empty, but the release has several semesters: name one")
)

// ParseError reports one problem in a timetable release: where it is (file,
// sheet, physical row and column, the header being row 1), the raw value
// found and what was expected. Row is 0 for problems that concern a whole
// sheet or file; Column is empty for problems that concern a whole row or
// sheet.
type ParseError struct {
	File   string // file as given by the user: "timetable.xlsx", "release/rooms.csv"
	Sheet  string // sheet name: "rooms", "sessions", …
	Row    int    // 1-based physical row; the header is row 1
	Column string // column name as the specification spells it: "start_date"
	Value  string // the raw cell text
	Err    error  // a sentinel of this package, possibly wrapped with detail
}

// Error formats the problem as
// `timetable.xlsx: sessions row 17, column end: "25:00" is not a time (HH:MM)`.
func (e *ParseError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteString(": ")
	if e.Sheet != "" {
		b.WriteString(e.Sheet)
	}
	if e.Row > 0 {
		fmt.Fprintf(&b, " row %d", e.Row)
	}
	if e.Column != "" {
		if e.Row > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " column %s", e.Column)
	}
	switch {
	case errors.Is(e.Err, ErrMissingSheet), errors.Is(e.Err, ErrMissingColumn), errors.Is(e.Err, ErrEmptySheet):
		fmt.Fprintf(&b, ": %v", e.Err)
	case e.Row > 0 || e.Value != "":
		fmt.Fprintf(&b, ": %q %v", e.Value, e.Err)
	default:
		fmt.Fprintf(&b, ": %v", e.Err)
	}
	return b.String()
}

// Unwrap returns the underlying sentinel, for errors.Is.
func (e *ParseError) Unwrap() error { return e.Err }

// MaxErrors caps how many problems one [Errors] keeps, so that a release
// broken in every row still gives a readable report.
const MaxErrors = 200

// Errors is every problem found in a release, in file, sheet and row order.
// A build with any of them fails and writes nothing.
type Errors struct {
	List    []*ParseError
	Dropped int // problems found beyond MaxErrors
}

// Add records a problem, counting but not keeping those beyond MaxErrors.
func (es *Errors) Add(e *ParseError) {
	if len(es.List) >= MaxErrors {
		es.Dropped++
		return
	}
	es.List = append(es.List, e)
}

// Len reports how many problems were found, kept or not.
func (es *Errors) Len() int { return len(es.List) + es.Dropped }

// Err returns nil when no problem was found, else es itself.
func (es *Errors) Err() error {
	if es.Len() == 0 {
		return nil
	}
	return es
}

// Error lists the problems one per line.
func (es *Errors) Error() string {
	var b strings.Builder
	for i, e := range es.List {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	if es.Dropped > 0 {
		fmt.Fprintf(&b, "\n… and %d more problems", es.Dropped)
	}
	return b.String()
}

// Unwrap exposes every kept problem to errors.Is and errors.As.
func (es *Errors) Unwrap() []error {
	out := make([]error, len(es.List))
	for i, e := range es.List {
		out[i] = e
	}
	return out
}

// Merge returns the problems of every list in one, ordered by sheet (in
// the order of [Sheets]) and row, without repeating a problem reported by
// two steps (such as a missing sheet seen by a reader and by [Check]).
func Merge(lists ...*Errors) *Errors {
	var out Errors
	seen := map[string]bool{}
	for _, l := range lists {
		if l == nil {
			continue
		}
		out.Dropped += l.Dropped
		for _, e := range l.List {
			if msg := e.Error(); !seen[msg] {
				seen[msg] = true
				out.List = append(out.List, e)
			}
		}
	}
	order := map[string]int{}
	for i, s := range Sheets {
		order[s.Name] = i + 1
	}
	slices.SortStableFunc(out.List, func(a, b *ParseError) int {
		return cmp.Or(cmp.Compare(order[a.Sheet], order[b.Sheet]), cmp.Compare(a.Row, b.Row))
	})
	if len(out.List) > MaxErrors {
		out.Dropped += len(out.List) - MaxErrors
		out.List = out.List[:MaxErrors]
	}
	return &out
}
