// Package sourcetest holds test helpers shared by the readers' tests
// (source/csv and source/xlsx): comparing reported problems and reaching a
// sheet's rows by name.
package sourcetest

import (
	"errors"
	"reflect"
	"testing"

	"occupancy/source"
)

// CheckErrors checks that err is a *source.Errors holding want, in order
// (file, sheet, row, column, value and sentinel), or nil when want is
// empty.
func CheckErrors(tb testing.TB, err error, want []*source.ParseError) {
	tb.Helper()
	if len(want) == 0 {
		if err != nil {
			tb.Errorf("error = %v, want none", err)
		}
		return
	}
	var es *source.Errors
	if !errors.As(err, &es) {
		tb.Fatalf("error = %v (%T), want a *source.Errors", err, err)
	}
	if len(es.List) != len(want) {
		tb.Errorf("got %d problems, want %d:\n%v", len(es.List), len(want), err)
	}
	for i := range min(len(es.List), len(want)) {
		g, w := es.List[i], want[i]
		if g.File != w.File || g.Sheet != w.Sheet || g.Row != w.Row || g.Column != w.Column || g.Value != w.Value || !errors.Is(g.Err, w.Err) {
			tb.Errorf("problem %d = %#v\n\t(%v)\nwant %#v\n\t(%v)", i, *g, g, *w, w)
		}
	}
}

// RowsOf returns the rows of the sheet named, as a slice of its row type.
func RowsOf(raw *source.Raw, sheet string) any {
	switch sheet {
	case "semesters":
		return raw.Semesters.Rows
	case "rooms":
		return raw.Rooms.Rows
	case "teachers":
		return raw.Teachers.Rows
	case "courses":
		return raw.Courses.Rows
	case "studyplans":
		return raw.StudyPlans.Rows
	case "sessions":
		return raw.Sessions.Rows
	case "bookings":
		return raw.Bookings.Rows
	}
	panic("no sheet " + sheet)
}

// CheckLines checks that the rows of every table of raw have increasing
// physical lines after the header row.
func CheckLines(tb testing.TB, raw *source.Raw) {
	tb.Helper()
	v := reflect.ValueOf(raw).Elem()
	for i := range v.NumField() {
		if v.Field(i).Kind() != reflect.Struct {
			continue
		}
		rows := v.Field(i).FieldByName("Rows")
		last := 1
		for j := range rows.Len() {
			line := int(rows.Index(j).FieldByName("Line").Int())
			if line <= last {
				tb.Fatalf("%s row %d has line %d after %d", v.Type().Field(i).Name, j, line, last)
			}
			last = line
		}
	}
}
