package source_test

import (
	"fmt"
	"strings"
	"testing"

	"occupancy/source"
)

// TestCheckHeaderManyUnknownColumns: a sheet of 10,000 stray columns gives
// ten warnings naming columns and one counting the rest, not 10,000 lines.
func TestCheckHeaderManyUnknownColumns(t *testing.T) {
	spec := source.Spec("rooms")
	header := []string{"name", "type"}
	for i := range 10000 {
		header = append(header, fmt.Sprintf("extra%d", i))
	}
	index, errs, warns := source.CheckHeader("rooms.csv", spec, header)
	if len(errs) != 0 || index["name"] != 1 || index["type"] != 2 {
		t.Fatalf("index %v, problems %v", index, errs)
	}
	if len(warns) != 11 {
		t.Fatalf("%d warnings, want 11", len(warns))
	}
	if !strings.Contains(warns[0], `unknown column "extra0" ignored`) || !strings.Contains(warns[9], `"extra9"`) {
		t.Errorf("first warnings: %q, %q", warns[0], warns[9])
	}
	if want := "rooms.csv: rooms row 1: 9990 more unknown columns ignored (10000 in all)"; warns[10] != want {
		t.Errorf("last warning %q, want %q", warns[10], want)
	}
	// Up to ten, each is named and nothing is counted.
	_, _, warns = source.CheckHeader("rooms.csv", spec, append([]string{"name", "type"}, header[2:12]...))
	if len(warns) != 10 || strings.Contains(strings.Join(warns, "\n"), "more unknown") {
		t.Errorf("ten unknown columns: %q", warns)
	}
}

// TestSheetsAsDocumented pins the specification that [source.Sheets]
// derives from the row types' tags: renaming, reordering or making a column
// optional or required changes what every timetable office must write, so
// it must be a deliberate change here too (and in the README's table).
func TestSheetsAsDocumented(t *testing.T) {
	want := []string{
		"semesters (required): name*, type*, start_date*, end_date*, skip_dates",
		"rooms (required): name*, type*, capacity, building, level, latitude, longitude, link, available",
		"teachers: name*, people_url",
		"courses (required): code*, name*, credits, language, edu_url, teachers",
		"studyplans: unit_code*, unit_name*, section, promo, semester*, courses, id",
		"sessions: course*, label*, weekday*, start*, end*, rooms, semester, weeks",
		"bookings: date*, start*, end*, rooms*, course, label, name, description",
	}
	var got []string
	for _, spec := range source.Sheets {
		line := spec.Name
		if spec.Required {
			line += " (required)"
		}
		var cols []string
		for _, c := range spec.Columns {
			if c.Required {
				cols = append(cols, c.Name+"*")
			} else {
				cols = append(cols, c.Name)
			}
		}
		got = append(got, line+": "+strings.Join(cols, ", "))
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("source.Sheets:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
