package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"occupancy/source"
	"occupancy/source/sourcetest"
	"occupancy/source/xlsx"
)

// sheet is the content of one worksheet: cells by name ("B3"), as given to
// excelize's SetCellValue, so numbers stay numbers.
type sheet struct {
	Title string
	Cells map[string]any
}

// rows returns the cells of records laid out from row 1, leaving empty
// strings out.
func rows(records ...[]any) map[string]any {
	cells := map[string]any{}
	for r, rec := range records {
		for c, v := range rec {
			if v == "" || v == nil {
				continue
			}
			name, err := excelize.CoordinatesToCellName(c+1, r+1)
			if err != nil {
				panic(err)
			}
			cells[name] = v
		}
	}
	return cells
}

// MustWorkbook returns the bytes of a workbook holding sheets, in order.
// The default "Sheet1" is kept only when named among sheets.
func MustWorkbook(tb testing.TB, sheets ...sheet) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	keep := false
	for _, s := range sheets {
		if s.Title == "Sheet1" {
			keep = true
		} else if _, err := f.NewSheet(s.Title); err != nil {
			tb.Fatalf("NewSheet(%q): %v", s.Title, err)
		}
		for cell, v := range s.Cells {
			if err := f.SetCellValue(s.Title, cell, v); err != nil {
				tb.Fatalf("SetCellValue(%q, %q): %v", s.Title, cell, err)
			}
		}
	}
	if !keep {
		if err := f.DeleteSheet("Sheet1"); err != nil {
			tb.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

var (
	semesters = sheet{"semesters", rows(
		[]any{"name", "type", "start_date", "end_date"},
		[]any{"fall2025", "fall", "2025-09-08", "2025-12-19"},
	)}
	rooms = sheet{"rooms", rows(
		[]any{"name", "type"},
		[]any{"BC01", "office"},
	)}
	courses = sheet{"courses", rows(
		[]any{"code", "name"},
		[]any{"CS-101", "Intro"},
	)}
)

var readTests = []struct {
	Name     string
	Sheets   []sheet
	Sheet    string // the sheet whose rows are Want
	Want     any
	WantErr  []*source.ParseError // Err is matched with errors.Is
	WantWarn []string
}{{
	Name:   "Simple",
	Sheets: []sheet{semesters, rooms, courses},
	Sheet:  "rooms",
	Want:   []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}},
}, {
	Name: "SheetNameSpellings",
	Sheets: []sheet{
		{"Semesters", semesters.Cells}, {"ROOMS", rooms.Cells}, {"Courses ", courses.Cells},
		{"Study Plans", rows([]any{"Unit Code", "UNIT_NAME", "semester"}, []any{"IN-BA5", "Informatique", "fall2025"})},
	},
	Sheet: "studyplans",
	Want:  []source.StudyPlanRow{{Line: 2, UnitCode: "IN-BA5", UnitName: "Informatique", Semester: "fall2025"}},
}, {
	Name: "EmptyRowsKeepPhysicalNumbers",
	Sheets: []sheet{semesters, courses, {"rooms", map[string]any{
		"A3": "Name", "B3": "Type", // rows 1 and 2 empty
		"A4": "BC01", "B4": "office",
		"A5": " ", // blank after trimming
		"A7": "BC02", "B7": "lab",
		"C9":  "  ", // blank
		"B12": "lab",
	}}},
	Sheet: "rooms",
	Want: []source.RoomRow{
		{Line: 4, Name: "BC01", Type: "office"},
		{Line: 7, Name: "BC02", Type: "lab"},
		{Line: 12, Type: "lab"},
	},
}, {
	Name: "NumericCellsAsStored",
	Sheets: []sheet{semesters, courses, rooms,
		{"sessions", rows(
			[]any{"course", "label", "weekday", "start", "end", "weeks"},
			[]any{"CS-101", "cours", "Monday", 0.34375, 0.4166666666666667, 3},
			[]any{"CS-101", "exercice", 1, "10:15", "12:00", 2.5},
		)}},
	Sheet: "sessions",
	Want: []source.SessionRow{
		{Line: 2, Course: "CS-101", Label: "cours", Weekday: "Monday", Start: "0.34375", End: "0.416666666666666", Weeks: "3"}, // excelize stores 15 digits,
		{Line: 3, Course: "CS-101", Label: "exercice", Weekday: "1", Start: "10:15", End: "12:00", Weeks: "2.5"},
	},
}, {
	Name: "Trimming",
	Sheets: []sheet{semesters, courses, {"rooms", rows(
		[]any{" Name ", "TYPE\t", "capacity"},
		[]any{"  BC01 ", "\toffice\n", 40},
	)}},
	Sheet: "rooms",
	Want:  []source.RoomRow{{Line: 2, Name: "BC01", Type: "office", Capacity: "40"}},
}, {
	Name:    "MissingRequiredSheet",
	Sheets:  []sheet{rooms, courses},
	Sheet:   "semesters",
	Want:    []source.SemesterRow(nil),
	WantErr: []*source.ParseError{{File: "timetable.xlsx", Sheet: "semesters", Err: source.ErrMissingSheet}},
}, {
	Name:   "MissingOptionalSheet",
	Sheets: []sheet{semesters, rooms, courses},
	Sheet:  "bookings",
	Want:   []source.BookingRow(nil),
}, {
	Name:     "UnknownSheetsAndColumns",
	Sheets:   []sheet{{"Sheet1", nil}, semesters, {"rooms", rows([]any{"name", "type", "colour"}, []any{"BC01", "office", "red"})}, courses, {"Notes", nil}},
	Sheet:    "rooms",
	Want:     []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}},
	WantWarn: []string{`timetable.xlsx: unknown sheet "Sheet1" ignored`, `timetable.xlsx: unknown sheet "Notes" ignored`, `timetable.xlsx: rooms row 1: unknown column "colour" ignored`},
}, {
	Name:   "MissingColumnAndDuplicates",
	Sheets: []sheet{semesters, {"rooms", rows([]any{"name", "Name"}, []any{"BC01", "BC99"})}, {"Ro oms", rooms.Cells}, courses},
	Sheet:  "rooms",
	Want:   []source.RoomRow{{Line: 2, Name: "BC01"}},
	WantErr: []*source.ParseError{
		{File: "timetable.xlsx", Sheet: "rooms", Value: "Ro oms", Err: source.ErrDuplicate},
		{File: "timetable.xlsx", Sheet: "rooms", Column: "type", Err: source.ErrMissingColumn},
		{File: "timetable.xlsx", Sheet: "rooms", Row: 1, Column: "Name", Value: "Name", Err: source.ErrDuplicateCol},
	},
}, {
	Name:   "EmptySheet",
	Sheets: []sheet{semesters, {"rooms", nil}, courses},
	Sheet:  "rooms",
	Want:   []source.RoomRow(nil),
	WantErr: []*source.ParseError{
		{File: "timetable.xlsx", Sheet: "rooms", Column: "name", Err: source.ErrMissingColumn},
		{File: "timetable.xlsx", Sheet: "rooms", Column: "type", Err: source.ErrMissingColumn},
	},
}}

func TestRead(t *testing.T) {
	for _, tt := range readTests {
		t.Run(tt.Name, func(t *testing.T) {
			data := MustWorkbook(t, tt.Sheets...)
			raw, err := xlsx.Read(bytes.NewReader(data), "timetable.xlsx", xlsx.Options{})
			if raw == nil {
				t.Fatalf("Read: nil Raw, error %v", err)
			}
			if diff := cmp.Diff(tt.Want, sourcetest.RowsOf(raw, tt.Sheet)); diff != "" {
				t.Errorf("rows mismatch (-want +got):\n%s", diff)
			}
			sourcetest.CheckErrors(t, err, tt.WantErr)
			if diff := cmp.Diff(tt.WantWarn, raw.Warnings); diff != "" {
				t.Errorf("warnings mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadTables(t *testing.T) {
	data := MustWorkbook(t, semesters, rooms, courses)
	raw, err := xlsx.Read(bytes.NewReader(data), "t.xlsx", xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if f := raw.Rooms; f.File != "t.xlsx" || f.Sheet != "rooms" || !f.Found || !f.Serials || !cmp.Equal(f.Header, map[string]int{"name": 1, "type": 2}) {
		t.Errorf("Rooms = %+v", f)
	}
	if f := raw.Teachers; f.File != "t.xlsx" || f.Sheet != "teachers" || f.Found || !f.Serials || f.Header == nil || len(f.Header) != 0 {
		t.Errorf("Teachers = %+v", f)
	}
}

func TestReadCorrupt(t *testing.T) {
	good := MustWorkbook(t, semesters, rooms, courses)
	var emptyZip bytes.Buffer
	if err := zip.NewWriter(&emptyZip).Close(); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		Name string
		Data []byte
	}{
		{"Empty", nil},
		{"Text", []byte("name,type\nBC01,office\n")},
		{"Truncated", good[:len(good)/2]},
		{"OLE", append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, make([]byte, 600)...)},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			raw, err := xlsx.Read(bytes.NewReader(tt.Data), "bad.xlsx", xlsx.Options{})
			if err == nil || raw != nil {
				t.Fatalf("Read = %v, %v; want an error", raw, err)
			}
			var es *source.Errors
			if errors.As(err, &es) {
				t.Fatalf("error %v is a *source.Errors", err)
			}
			if !strings.HasPrefix(err.Error(), "read bad.xlsx: ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
	t.Run("ZipWithoutWorkbook", func(t *testing.T) {
		// A zip with no workbook part has no sheet.
		raw, err := xlsx.Read(bytes.NewReader(emptyZip.Bytes()), "bad.xlsx", xlsx.Options{})
		if raw == nil {
			if err == nil || !strings.Contains(err.Error(), "bad.xlsx") {
				t.Fatalf("Read = nil, %v", err)
			}
			return
		}
		if !errors.Is(err, source.ErrMissingSheet) {
			t.Errorf("error = %v, want missing sheets", err)
		}
	})
}

func TestReadLimits(t *testing.T) {
	data := MustWorkbook(t, semesters, rooms, courses)
	for _, tt := range []struct {
		name string
		opt  xlsx.Options
	}{
		{"MaxFileSize", xlsx.Options{MaxFileSize: int64(len(data) - 1)}},
		{"MaxCells", xlsx.Options{MaxCells: 5}},
		{"UnzipSizeLimit", xlsx.Options{UnzipSizeLimit: 1000}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opt := tt.opt
			raw, err := xlsx.Read(bytes.NewReader(data), "t.xlsx", opt)
			if err == nil || raw != nil || !strings.HasPrefix(err.Error(), "read t.xlsx: ") {
				t.Errorf("Read with %+v = %v, %v; want an error naming the file", opt, raw, err)
			}
			if opt.UnzipSizeLimit == 0 && !errors.Is(err, source.ErrTooLarge) {
				t.Errorf("Read with %+v: error %v is not ErrTooLarge", opt, err)
			}
		})
	}
}

func TestReadFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "timetable.xlsx")
	if err := os.WriteFile(path, MustWorkbook(t, semesters, rooms, courses), 0o644); err != nil {
		t.Fatal(err)
	}
	raw, err := xlsx.ReadFile(path, xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if raw.Courses.File != path || len(raw.Courses.Rows) != 1 {
		t.Errorf("Courses = %+v", raw.Courses)
	}
	missing := filepath.Join(t.TempDir(), "nope.xlsx")
	if _, err := xlsx.ReadFile(missing, xlsx.Options{}); !errors.Is(err, os.ErrNotExist) || !strings.Contains(err.Error(), missing) {
		t.Errorf("ReadFile(missing) error = %v", err)
	}
}

func ExampleRead() {
	f := excelize.NewFile()
	_ = f.SetSheetName("Sheet1", "Rooms")
	_ = f.SetSheetRow("Rooms", "A1", &[]any{"Name", "Type", "Capacity"})
	_ = f.SetSheetRow("Rooms", "A3", &[]any{"BC01", "office", 4})
	var buf bytes.Buffer
	_ = f.Write(&buf)

	raw, err := xlsx.Read(&buf, "timetable.xlsx", xlsx.Options{})
	fmt.Printf("%+v\n", raw.Rooms.Rows)
	fmt.Println(err)
	// Output:
	// [{Line:3 Name:BC01 Type:office Capacity:4 Building: Level: Latitude: Longitude: Link: Available:}]
	// timetable.xlsx: semesters: missing required sheet
	// timetable.xlsx: courses: missing required sheet
}
