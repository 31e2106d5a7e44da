package csv_test

import (
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sourcetest"
)

// base holds the required sheets of a small valid release.
var base = map[string]string{
	"semesters.csv": "name,type,start_date,end_date\nfall2025,fall,2025-09-08,2025-12-19\n",
	"rooms.csv":     "name,type\nBC01,office\n",
	"courses.csv":   "code,name\nCS-101,Intro\n",
}

// at is the Row of a wanted problem on the line of the next § in Input.
const at = -1

type readTest struct {
	Name  string
	File  string // the file Input is; "rooms.csv" when empty
	Input string // § marks the start of the line of each wanted problem whose Row is at
	Omit  []string
	Extra map[string]string
	// Want holds the rows of the sheet of File: []source.RoomRow, …
	Want     any
	WantErr  []*source.ParseError // Err is matched with errors.Is
	WantWarn []string
}

var readTests = []readTest{{
	Name:  "Simple",
	Input: "name,type,capacity\nBC01,office,4\nBC02,lab,\n",
	Want:  []source.RoomRow{{Line: 2, Name: "BC01", Type: "office", Capacity: "4"}, {Line: 3, Name: "BC02", Type: "lab"}},
}, {
	Name:  "BOM",
	Input: "\ufeffname,type\nBC01,office\n",
	Want:  []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}},
}, {
	Name:  "BOMQuotedHeader",
	Input: "\ufeff\"name\",\"type\"\nBC01,office\n",
	Want:  []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}},
}, {
	Name:  "CRLF",
	Input: "name,type\r\nBC01,office\r\nBC02,lab\r\n",
	Want:  []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}, {Line: 3, Name: "BC02", Type: "lab"}},
}, {
	Name:  "HeaderSpellings",
	File:  "semesters.csv",
	Input: "Name,TYPE,Start Date,END_DATE, skip dates \nfall2025,fall,2025-09-08,2025-12-19,2025-10-20..2025-10-24\n",
	Want: []source.SemesterRow{{
		Line: 2, Name: "fall2025", Type: "fall", StartDate: "2025-09-08", EndDate: "2025-12-19", SkipDates: "2025-10-20..2025-10-24",
	}},
}, {
	Name:     "UnknownColumn",
	Input:    "name,type,Colour\nBC01,office,red\n",
	Want:     []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}},
	WantWarn: []string{`release/rooms.csv: rooms row 1: unknown column "Colour" ignored`},
}, {
	Name:    "MissingRequiredColumn",
	Input:   "name,capacity\nBC01,4\n",
	Want:    []source.RoomRow{{Line: 2, Name: "BC01", Capacity: "4"}},
	WantErr: []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Column: "type", Err: source.ErrMissingColumn}},
}, {
	Name:    "DuplicateColumn",
	Input:   "§name,type,Name\nBC01,office,BC99\n",
	Want:    []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}},
	WantErr: []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: at, Column: "Name", Value: "Name", Err: source.ErrDuplicateCol}},
}, {
	Name:    "MissingRequiredSheet",
	Omit:    []string{"semesters.csv"},
	Input:   "name,type\nBC01,office\n",
	Want:    []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}},
	WantErr: []*source.ParseError{{File: "release", Sheet: "semesters", Err: source.ErrMissingSheet}},
}, {
	Name:  "MissingOptionalSheet",
	File:  "teachers.csv",
	Omit:  []string{"teachers.csv"},
	Input: "",
	Want:  []source.TeacherRow(nil),
}, {
	Name:  "BlankRowsSkipped",
	Input: "name,type\n\n,,\n  ,\t\nBC01,office\n\n\"\",\" \"\nBC02,lab\n",
	Want:  []source.RoomRow{{Line: 5, Name: "BC01", Type: "office"}, {Line: 8, Name: "BC02", Type: "lab"}},
}, {
	Name:     "HeaderAfterBlankLines",
	Input:    "\n,,\n§name,type,colour\nBC01,office,red\n",
	Want:     []source.RoomRow{{Line: 4, Name: "BC01", Type: "office"}},
	WantWarn: []string{`release/rooms.csv: rooms row 3: unknown column "colour" ignored`},
}, {
	Name:  "MultiLineQuotedField",
	Input: "name,type,link\nBC01,office,\"first\nsecond\n\"\nBC02,lab,x\n",
	Want: []source.RoomRow{
		{Line: 2, Name: "BC01", Type: "office", Link: "first\nsecond"},
		{Line: 5, Name: "BC02", Type: "lab", Link: "x"},
	},
}, {
	Name:    "BareQuote",
	Input:   "name,type\nBC01,office\n§BC02,la\"b\nBC03,lab\n",
	Want:    []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}, {Line: 4, Name: "BC03", Type: "lab"}},
	WantErr: []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: at, Value: `BC02,la"b`, Err: stdcsv.ErrBareQuote}},
}, {
	Name:    "BareQuoteAfterMultiLine",
	Input:   "name,type,link\nBC01,office,\"a\nb\"\n§BC02,\"lab\"x,\n",
	Want:    []source.RoomRow{{Line: 2, Name: "BC01", Type: "office", Link: "a\nb"}},
	WantErr: []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: at, Value: `BC02,"lab"x,`, Err: stdcsv.ErrQuote}},
}, {
	Name:  "EverySyntaxError",
	Input: "name,type,link\n§BC01,\"a\"b,\nBC02,lab,\"x\ny\"\n§BC03,o\"ffice\nBC04,lab\n",
	Want: []source.RoomRow{
		{Line: 3, Name: "BC02", Type: "lab", Link: "x\ny"},
		{Line: 6, Name: "BC04", Type: "lab"},
	},
	WantErr: []*source.ParseError{
		{File: "release/rooms.csv", Sheet: "rooms", Row: at, Value: `BC01,"a"b,`, Err: stdcsv.ErrQuote},
		{File: "release/rooms.csv", Sheet: "rooms", Row: at, Value: `BC03,o"ffice`, Err: stdcsv.ErrBareQuote},
	},
}, {
	Name:    "SyntaxErrorInHeader",
	Input:   "§na\"me,type\nBC01,office\n",
	Want:    []source.RoomRow(nil),
	WantErr: []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: at, Value: `na"me,type`, Err: stdcsv.ErrBareQuote}},
}, {
	Name:    "UnterminatedQuote",
	Input:   "name,type\n§BC01,\"office\nBC02,lab\n",
	Want:    []source.RoomRow(nil),
	WantErr: []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: at, Value: "BC02,lab", Err: csv.ErrSyntax}},
}, {
	Name:    "NotUTF8",
	Input:   "name,type\n§Caf\xe9,office\n",
	Want:    []source.RoomRow{{Line: 2, Name: "Caf\ufffd", Type: "office"}},
	WantErr: []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: at, Column: "name", Value: "Café", Err: csv.ErrNotUTF8}},
}, {
	Name:  "Trimming",
	Input: "  name , type \n  BC01  ,\t office \u00a0\n\" BC02 \",\"lab\n\"\n",
	Want:  []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}, {Line: 3, Name: "BC02", Type: "lab"}},
}, {
	Name:  "RaggedRows",
	Input: "name,type,capacity\nBC01,office\nBC02,lab,3,extra\n",
	Want:  []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}, {Line: 3, Name: "BC02", Type: "lab", Capacity: "3"}},
}, {
	Name:  "HeaderOnly",
	Input: "name,type\n",
	Want:  []source.RoomRow(nil),
}, {
	Name:  "EmptyFile",
	Input: "",
	Want:  []source.RoomRow(nil),
	WantErr: []*source.ParseError{
		{File: "release/rooms.csv", Sheet: "rooms", Column: "name", Err: source.ErrMissingColumn},
		{File: "release/rooms.csv", Sheet: "rooms", Column: "type", Err: source.ErrMissingColumn},
	},
}, {
	Name:  "FileNameCase",
	File:  "Study_Plans.CSV",
	Input: "unit code,unit name,semester\nIN-BA5,Computer Science,fall2025\n",
	Want:  []source.StudyPlanRow{{Line: 2, UnitCode: "IN-BA5", UnitName: "Computer Science", Semester: "fall2025"}},
}, {
	Name:    "DuplicateFile",
	Input:   "name,type\nBC01,office\n",
	Extra:   map[string]string{"Rooms.csv": "name,type\nXX,lab\n"},
	Want:    []source.RoomRow{{Line: 2, Name: "XX", Type: "lab"}}, // Rooms.csv sorts first
	WantErr: []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Value: "rooms.csv", Err: source.ErrDuplicate}},
}, {
	Name:     "UnknownFiles",
	Input:    "name,type\nBC01,office\n",
	Extra:    map[string]string{"notes.txt": "hello", "events.csv": "a,b\n", ".DS_Store": "x"},
	Want:     []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}},
	WantWarn: []string{`release: unknown file "events.csv" ignored`, `release: unknown file "notes.txt" ignored`},
}, {
	Name:  "EveryProblemReported",
	Input: "name,Name\n",
	Omit:  []string{"semesters.csv", "courses.csv"},
	Want:  []source.RoomRow(nil),
	WantErr: []*source.ParseError{
		{File: "release", Sheet: "semesters", Err: source.ErrMissingSheet},
		{File: "release/rooms.csv", Sheet: "rooms", Column: "type", Err: source.ErrMissingColumn},
		{File: "release/rooms.csv", Sheet: "rooms", Row: 1, Column: "Name", Value: "Name", Err: source.ErrDuplicateCol},
		{File: "release", Sheet: "courses", Err: source.ErrMissingSheet},
	},
}}

func TestReadFS(t *testing.T) {
	for _, tt := range readTests {
		t.Run(tt.Name, func(t *testing.T) {
			file := tt.File
			if file == "" {
				file = "rooms.csv"
			}
			input, marks := markers(tt.Input)
			fsys := fstest.MapFS{}
			for name, data := range base {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			for name, data := range tt.Extra {
				fsys[name] = &fstest.MapFile{Data: []byte(data)}
			}
			if strings.EqualFold(file, "rooms.csv") {
				delete(fsys, "rooms.csv")
			}
			fsys[file] = &fstest.MapFile{Data: []byte(input)}
			for _, name := range tt.Omit {
				delete(fsys, name)
			}

			raw, err := csv.ReadFS(fsys, "release", csv.Options{})
			if raw == nil {
				t.Fatalf("ReadFS: nil Raw, error %v", err)
			}
			sheet, _ := strings.CutSuffix(strings.ToLower(strings.ReplaceAll(file, "_", "")), ".csv")
			if diff := cmp.Diff(tt.Want, sourcetest.RowsOf(raw, sheet)); diff != "" {
				t.Errorf("rows mismatch (-want +got):\n%s", diff)
			}
			sourcetest.CheckErrors(t, err, resolve(tt.WantErr, marks))
			if diff := cmp.Diff(tt.WantWarn, raw.Warnings); diff != "" {
				t.Errorf("warnings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// markers removes every § from s and returns the 1-based line of each.
func markers(s string) (string, []int) {
	var lines []int
	for {
		i := strings.Index(s, "§")
		if i < 0 {
			return s, lines
		}
		lines = append(lines, 1+strings.Count(s[:i], "\n"))
		s = s[:i] + s[i+len("§"):]
	}
}

// resolve returns want with each Row at replaced by the next line of marks.
func resolve(want []*source.ParseError, marks []int) []*source.ParseError {
	out := make([]*source.ParseError, len(want))
	for i, w := range want {
		c := *w
		if c.Row == at {
			c.Row, marks = marks[0], marks[1:]
		}
		out[i] = &c
	}
	return out
}

func TestReadFSTables(t *testing.T) {
	fsys := fstest.MapFS{
		"Semesters.csv": {Data: []byte(base["semesters.csv"])},
		"rooms.csv":     {Data: []byte("name,type,colour\nBC01,office,red\n")},
		"courses.csv":   {Data: []byte(base["courses.csv"])},
		"sessions.csv":  {Data: []byte("course,label,weekday,start,end\n")},
	}
	raw, err := csv.ReadFS(fsys, "rel", csv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	type table struct {
		File, Sheet string
		Found       bool
		Header      map[string]int
		Rows        int
	}
	got := []table{
		{raw.Semesters.File, raw.Semesters.Sheet, raw.Semesters.Found, raw.Semesters.Header, len(raw.Semesters.Rows)},
		{raw.Rooms.File, raw.Rooms.Sheet, raw.Rooms.Found, raw.Rooms.Header, len(raw.Rooms.Rows)},
		{raw.Teachers.File, raw.Teachers.Sheet, raw.Teachers.Found, raw.Teachers.Header, len(raw.Teachers.Rows)},
		{raw.Courses.File, raw.Courses.Sheet, raw.Courses.Found, raw.Courses.Header, len(raw.Courses.Rows)},
		{raw.StudyPlans.File, raw.StudyPlans.Sheet, raw.StudyPlans.Found, raw.StudyPlans.Header, len(raw.StudyPlans.Rows)},
		{raw.Sessions.File, raw.Sessions.Sheet, raw.Sessions.Found, raw.Sessions.Header, len(raw.Sessions.Rows)},
		{raw.Bookings.File, raw.Bookings.Sheet, raw.Bookings.Found, raw.Bookings.Header, len(raw.Bookings.Rows)},
	}
	want := []table{
		{"rel/Semesters.csv", "semesters", true, map[string]int{"name": 1, "type": 2, "startdate": 3, "enddate": 4}, 1},
		{"rel/rooms.csv", "rooms", true, map[string]int{"name": 1, "type": 2}, 1},
		{"rel/teachers.csv", "teachers", false, map[string]int{}, 0},
		{"rel/courses.csv", "courses", true, map[string]int{"code": 1, "name": 2}, 1},
		{"rel/studyplans.csv", "studyplans", false, map[string]int{}, 0},
		{"rel/sessions.csv", "sessions", true, map[string]int{"course": 1, "label": 2, "weekday": 3, "start": 4, "end": 5}, 0},
		{"rel/bookings.csv", "bookings", false, map[string]int{}, 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tables mismatch (-want +got):\n%s", diff)
	}
	if raw.Semesters.Serials || raw.Rooms.Serials {
		t.Errorf("Serials set for CSV")
	}
	if !raw.Rooms.Has("Name") || raw.Rooms.Has("colour") {
		t.Errorf("Rooms.Has: got name %v, colour %v; want true, false", raw.Rooms.Has("Name"), raw.Rooms.Has("colour"))
	}
}

func TestProblemMessages(t *testing.T) {
	fsys := fstest.MapFS{
		"semesters.csv": {Data: []byte(base["semesters.csv"])},
		"rooms.csv":     {Data: []byte("name,type\nBC01,\"office\"x\n")},
	}
	_, err := csv.ReadFS(fsys, "release", csv.Options{})
	// Sheets are reported in specification order: rooms before courses.
	want := `release/rooms.csv: rooms row 2: "BC01,\"office\"x" is not valid CSV (byte 13: extraneous or missing " in quoted-field)` +
		"\nrelease: courses: missing required sheet"
	if err == nil || err.Error() != want {
		t.Errorf("error =\n%v\nwant\n%s", err, want)
	}
}

func TestReadDir(t *testing.T) {
	dir := t.TempDir()
	for name, data := range base {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	raw, err := csv.ReadDir(dir, csv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := raw.Rooms.File, dir+"/rooms.csv"; got != want {
		t.Errorf("Rooms.File = %q, want %q", got, want)
	}
	if got, want := raw.Courses.Rows, []source.CourseRow{{Line: 2, Code: "CS-101", Name: "Intro"}}; !cmp.Equal(got, want) {
		t.Errorf("Courses.Rows = %+v, want %+v", got, want)
	}
}

func TestReadDirErrors(t *testing.T) {
	dir := t.TempDir()
	for name, data := range base {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("TooLarge", func(t *testing.T) {
		raw, err := csv.ReadDir(dir, csv.Options{MaxFileSize: 30})
		if !errors.Is(err, source.ErrTooLarge) || raw != nil {
			t.Fatalf("ReadDir = %v, %v; want nil, ErrTooLarge", raw, err)
		}
		if !strings.Contains(err.Error(), "semesters.csv") {
			t.Errorf("error %q does not name the file", err)
		}
	})
	t.Run("NoFolder", func(t *testing.T) {
		missing := filepath.Join(dir, "nope")
		raw, err := csv.ReadDir(missing, csv.Options{})
		if !errors.Is(err, os.ErrNotExist) || raw != nil {
			t.Fatalf("ReadDir = %v, %v; want nil, ErrNotExist", raw, err)
		}
		if !strings.Contains(err.Error(), missing) {
			t.Errorf("error %q does not name the folder", err)
		}
	})
}

func ExampleReadFS() {
	fsys := fstest.MapFS{
		"semesters.csv": {Data: []byte("name,type,start_date,end_date\nfall2025,fall,2025-09-08,2025-12-19\n")},
		"Rooms.csv":     {Data: []byte("\ufeffName,Type,Capacity\nBC01,office,4\n\nBC02,lab,\"2\n")},
	}
	raw, err := csv.ReadFS(fsys, "release", csv.Options{})
	fmt.Println(raw.Rooms.File, raw.Rooms.Rows)
	fmt.Println(err)
	// Output:
	// release/Rooms.csv [{2 BC01 office 4      }]
	// release/Rooms.csv: rooms row 4: "BC02,lab,\"2" is not valid CSV (byte 13: extraneous or missing " in quoted-field)
	// release: courses: missing required sheet
}
