package csv_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"occupancy/source"
	"occupancy/source/csv"
)

// lineEndRelease is a release written with LF line ends: several sheets,
// quoted cells spanning lines, blank rows, an unknown column and two syntax
// errors, one after a multi-line cell, so that every physical row number
// matters.
var lineEndRelease = map[string]string{
	"semesters.csv": "name,type,start_date,end_date\n" +
		"fall2025,fall,2025-09-08,2025-12-19\n",
	"rooms.csv": "name,type,link,colour\n" + // 1
		"BC01,office,\"first\n" + // 2
		"second\",red\n" + // 3
		"\n" + // 4
		"BC02,lab,x,blue\n", // 5
	"courses.csv": "code,name\n" + // 1
		"CS-101,Intro\n" + // 2
		",\n" + // 3
		"CS-102,\"Multi\n" + // 4
		"line\n" + // 5
		"\"\n", // 6
	"sessions.csv": "course,label,weekday,start,end,rooms\n" + // 1
		"CS-101,cours,Mon,08:15,10:00,BC01\n" + // 2
		"\n" + // 3
		"CS-102,ex\"o,Tue,10:15,12:00,BC02\n" + // 4: bare quote
		"CS-102,\"exer\n" + // 5
		"cice\",Tue,13:15,15:00,BC02\n" + // 6
		"CS-101,\"cours\"x,Wed,08:15,10:00,BC01\n" + // 7: quote
		"CS-101,cours,Thu,08:15,10:00,BC01\n", // 8
}

// withLineEnds returns files with every "\n" replaced by end.
func withLineEnds(files map[string]string, end string) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(strings.ReplaceAll(data, "\n", end))}
	}
	return fsys
}

// readAll reads fsys as the release "release" and returns the Raw and the
// problems, one per line.
func readAll(t *testing.T, fsys fstest.MapFS) (*source.Raw, string) {
	t.Helper()
	raw, err := csv.ReadFS(fsys, "release", csv.Options{})
	if raw == nil {
		t.Fatalf("ReadFS: nil Raw, error %v", err)
	}
	if err == nil {
		return raw, ""
	}
	return raw, err.Error()
}

// TestLineEndsReadAlike: the same release saved with LF, CRLF or CR-only
// line ends (Excel's "CSV (Macintosh)") reads to the same Raw: rows, their
// physical lines, warnings and problems.
func TestLineEndsReadAlike(t *testing.T) {
	wantRaw, wantErr := readAll(t, withLineEnds(lineEndRelease, "\n"))
	// The LF reading is the reference: check that it is the expected one.
	if got, want := len(wantRaw.Sessions.Rows), 3; got != want {
		t.Fatalf("LF: %d sessions, want %d", got, want)
	}
	for i, line := range []int{2, 5, 8} {
		if got := wantRaw.Sessions.Rows[i].Line; got != line {
			t.Errorf("LF: session %d on line %d, want %d", i, got, line)
		}
	}
	if got, want := wantRaw.Courses.Rows[1].Name, "Multi\nline"; got != want {
		t.Errorf("LF: course name %q, want %q", got, want)
	}
	const problems = `release/sessions.csv: sessions row 4: "CS-102,ex\"o,Tue,10:15,12:00,BC02" is not valid CSV (byte 10: bare " in non-quoted-field)` + "\n" +
		`release/sessions.csv: sessions row 7: "CS-101,\"cours\"x,Wed,08:15,10:00,BC01" is not valid CSV (byte 14: extraneous or missing " in quoted-field)`
	if wantErr != problems {
		t.Fatalf("LF problems:\n%s\nwant\n%s", wantErr, problems)
	}

	for _, tt := range []struct {
		name, end string
	}{
		{"CRLF", "\r\n"},
		{"CR", "\r"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := readAll(t, withLineEnds(lineEndRelease, tt.end))
			if diff := cmp.Diff(wantRaw, raw); diff != "" {
				t.Errorf("Raw differs from the LF reading (-LF +%s):\n%s", tt.name, diff)
			}
			if err != wantErr {
				t.Errorf("problems:\n%s\nwant, as with LF:\n%s", err, wantErr)
			}
		})
	}
}

// TestLineEndsMixed: a file of CRLF rows keeps a lone CR inside a quoted
// cell as it is, as encoding/csv does: only a file without any LF is read
// as CR-only.
func TestLineEndsMixed(t *testing.T) {
	fsys := withLineEnds(base, "\r\n")
	fsys["rooms.csv"] = &fstest.MapFile{Data: []byte("name,type,link\r\nBC01,office,\"a\rb\"\r\nBC02,lab,\r\n")}
	raw, err := readAll(t, fsys)
	if err != "" {
		t.Fatalf("problems: %s", err)
	}
	want := []source.RoomRow{{Line: 2, Name: "BC01", Type: "office", Link: "a\rb"}, {Line: 3, Name: "BC02", Type: "lab"}}
	if diff := cmp.Diff(want, raw.Rooms.Rows); diff != "" {
		t.Errorf("rows mismatch (-want +got):\n%s", diff)
	}
}

// TestHeaderOnlySessionsCSV: a sessions.csv with only its header, in a
// release whose courses no booking names, is refused by source.Check at
// the file's row 1, as a CR-only file used to read.
func TestHeaderOnlySessionsCSV(t *testing.T) {
	fsys := withLineEnds(base, "\n")
	fsys["sessions.csv"] = &fstest.MapFile{Data: []byte("course,label,weekday,start,end\n")}
	raw, err := readAll(t, fsys)
	if err != "" {
		t.Fatalf("ReadFS: %s", err)
	}
	_, derr := source.Check(raw)
	want := `release/sessions.csv: sessions row 1: has no rows below its header, while the courses sheet lists 1 course: ` +
		`an empty timetable is refused; check the file's line endings, or whether it was cut short`
	if derr == nil || derr.Error() != want || !errors.Is(derr, source.ErrEmptySheet) {
		t.Errorf("Check error =\n%v\nwant\n%s", derr, want)
	}
}
