package source_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"occupancy/source"
)

func TestDecode(t *testing.T) {
	// Records as the xlsx reader gives them: rows 1 and 3 were empty, so
	// lines are not consecutive.
	tab := source.Table[source.SessionRow]{File: "t.xlsx", Sheet: "sessions"}
	records := [][]string{
		{"Course", "Label", "Weekday", "Start", "End", "Note"},
		{"CS-101", " cours ", "Monday", "45000.375", "0.4375"},
		{"", " "},
		{"CS-102", "exercice", "Tue", "10:15", "12:00", "x", "y"},
	}
	problems, warnings := tab.Decode(records, []int{2, 4, 5, 9})
	if len(problems) != 0 {
		t.Errorf("problems = %v", problems)
	}
	if want := []string{`t.xlsx: sessions row 2: unknown column "Note" ignored`}; !cmp.Equal(warnings, want) {
		t.Errorf("warnings = %q, want %q", warnings, want)
	}
	want := []source.SessionRow{
		{Line: 4, Course: "CS-101", Label: "cours", Weekday: "Monday", Start: "45000.375", End: "0.4375"},
		{Line: 9, Course: "CS-102", Label: "exercice", Weekday: "Tue", Start: "10:15", End: "12:00"},
	}
	if diff := cmp.Diff(want, tab.Rows); diff != "" {
		t.Errorf("rows mismatch (-want +got):\n%s", diff)
	}
	if !tab.Found || tab.Header["weekday"] != 3 {
		t.Errorf("Found = %v, Header = %v", tab.Found, tab.Header)
	}
	if records[1][1] != " cours " {
		t.Errorf("Decode modified its records")
	}
}
