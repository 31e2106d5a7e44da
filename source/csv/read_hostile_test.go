package csv_test

import (
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"occupancy/source"
	"occupancy/source/csv"
)

// Hostile CSV releases: each either reads correctly or fails with a clear
// error naming the file (and, for cell problems, the sheet, row and
// column), within bounded time and memory.

// releaseWith returns the base release with files replaced or added.
func releaseWith(files map[string][]byte) fstest.MapFS {
	fsys := fstest.MapFS{}
	for name, data := range base {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: data}
	}
	return fsys
}

// measure runs read and reports the bytes it allocated (an upper bound of
// its peak heap) and how long it took.
func measure(read func()) (allocated uint64, took time.Duration) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	read()
	took = time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

// TestMillionRowsCSV: a rooms.csv of a million rows (16 MB, within the
// file size limit) is over a cell limit of a million: reading stops at the
// row that crosses it, with an error naming the file, the row, the flag
// and the option, in bounded time and memory. (The default limit, ten
// million cells, would take a file over the default size limit.)
func TestMillionRowsCSV(t *testing.T) {
	b := []byte("name,type\n")
	for i := range 1_000_000 {
		b = append(b, 'R')
		b = strconv.AppendInt(b, 10_000_000+int64(i), 10) // R1nnnnnnn
		b[len(b)-8] = '0'                                 // R0nnnnnnn
		b = append(b, ",office\n"...)
	}
	fsys := releaseWith(map[string][]byte{"rooms.csv": b})
	// A million cells, or a tenth of it under the race detector.
	opt, limit, row := csv.Options{MaxCells: 1_000_000}, 1_000_000, 499_999
	if raceEnabled {
		opt.MaxCells, limit, row = 100_000, 100_000, 49_999
	}
	var raw *source.Raw
	var err error
	alloc, took := measure(func() { raw, err = csv.ReadFS(fsys, "release", opt) })
	t.Logf("%d MiB file: %v in %v, %d MiB allocated", len(b)>>20, err, took, alloc>>20)
	if raw != nil || !errors.Is(err, source.ErrTooLarge) {
		t.Fatalf("ReadFS = %v, %v; want ErrTooLarge", raw, err)
	}
	// courses.csv, read first, holds 4 cells; the header of rooms.csv 2,
	// each row 2 more: row 499,999 holds the 1,000,002nd cell.
	if want := fmt.Sprintf("read release/rooms.csv: row %d: file is over the size limit (more than %d cells in the release; raise the limit with -max-cells, Options.MaxCells)", row, limit); err.Error() != want {
		t.Errorf("error %q, want %q", err, want)
	}
	if alloc > 200<<20 || took > 60*time.Second {
		t.Errorf("reading took %v and %d MiB", took, alloc>>20)
	}
	// Within the limit, the same rows read, every row on its line.
	small := b[:len("name,type\n")+50_000*len("R00000000,office\n")]
	raw, err = csv.ReadFS(releaseWith(map[string][]byte{"rooms.csv": small}), "release", csv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := raw.Rooms.Rows; len(rows) != 50_000 || rows[49_999].Line != 50_001 || rows[49_999].Name != "R00049999" {
		t.Errorf("50,000 rows read as %d, last %+v", len(rows), rows[len(rows)-1])
	}
}

// TestBlankLinesCSV: a million blank lines cost no cells; lines of empty
// cells count as cells.
func TestBlankLinesCSV(t *testing.T) {
	blank := "name,type\nBC01,office\n" + strings.Repeat("\n", 1_000_000) + "BC02,lab\n"
	raw, err := csv.ReadFS(releaseWith(map[string][]byte{"rooms.csv": []byte(blank)}), "release", csv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if rows := raw.Rooms.Rows; len(rows) != 2 || rows[1].Line != 1_000_003 {
		t.Errorf("rows = %+v", rows)
	}
	commas := "name,type\n" + strings.Repeat(",\n", 60_000)
	_, err = csv.ReadFS(releaseWith(map[string][]byte{"rooms.csv": []byte(commas)}), "release", csv.Options{MaxCells: 100_000})
	if !errors.Is(err, source.ErrTooLarge) || !strings.Contains(err.Error(), "row 49999") {
		t.Errorf("600,000 rows of empty cells: %v", err)
	}
}

// TestHugeCellCSV: a cell of 10 MiB is a problem at its file, sheet, row and
// column, cut to source.MaxCellBytes; rows after it keep their physical line,
// even when the huge cell is a quoted field spanning many lines.
func TestHugeCellCSV(t *testing.T) {
	huge := strings.Repeat("x", 10<<20)
	manyLines := strings.Repeat("é\n", 1<<18) // 768 KiB, 262,144 lines
	input := "date,start,end,rooms,name,description\n" +
		"2025-10-01,18:00,20:00,BC01,Forum," + huge + "\n" +
		"2025-10-02,18:00,20:00,BC01,Forum,\"" + manyLines + "\"\n" +
		"2025-10-03,18:00,20:00,BC01,Forum,short\n"
	var raw *source.Raw
	var err error
	alloc, took := measure(func() {
		raw, err = csv.ReadFS(releaseWith(map[string][]byte{"bookings.csv": []byte(input)}), "release", csv.Options{})
	})
	t.Logf("%v in %v, %d MiB allocated", err, took, alloc>>20)
	var es *source.Errors
	if !errors.As(err, &es) || len(es.List) != 2 {
		t.Fatalf("error = %v; want 2 problems", err)
	}
	for i, want := range []source.ParseError{
		{File: "release/bookings.csv", Sheet: "bookings", Row: 2, Column: "description", Value: strings.Repeat("x", 60) + "…"},
		{File: "release/bookings.csv", Sheet: "bookings", Row: 3, Column: "description", Value: strings.Repeat("é\n", 30) + "…"},
	} {
		got := es.List[i]
		if got.File != want.File || got.Sheet != want.Sheet || got.Row != want.Row || got.Column != want.Column || got.Value != want.Value || !errors.Is(got.Err, source.ErrCellTooLarge) {
			t.Errorf("problem %d = %#v, want %#v", i, got, want)
		}
	}
	if !strings.Contains(es.List[0].Error(), "is too long for one cell: 10485760 bytes, at most 32768") {
		t.Errorf("message %q", es.List[0])
	}
	rows := raw.Bookings.Rows
	if len(rows) != 3 || rows[2].Line != 4+1<<18 || rows[2].Description != "short" ||
		len(rows[0].Description) != source.MaxCellBytes || len(rows[1].Description) > source.MaxCellBytes || !strings.HasPrefix(rows[1].Description, "é\né") {
		t.Errorf("rows around the huge cells: %d rows, last on line %d", len(rows), rows[len(rows)-1].Line)
	}
	if alloc > 200<<20 || took > 60*time.Second {
		t.Errorf("reading took %v and %d MiB", took, alloc>>20)
	}
}

// TestLineEndingsCSV: CRLF and LF mixed in one file, blank lines of either
// kind and quoted fields spanning lines keep every row on its physical
// line, and a problem in a later row is reported there.
func TestLineEndingsCSV(t *testing.T) {
	input := "name,type,capacity,link\r\n" + // 1
		"BC01,office,4,\n" + // 2
		"BC02,lab,,\"first\r\nsecond\nthird\"\r\n" + // 3-5
		"\r\n" + // 6
		"\n" + // 7
		"BC03,lab,x,\"a,\"\"b\"\"\n\"\n" + // 8-9
		"BC04,lab,5,\r\n" // 10
	raw, err := csv.ReadFS(releaseWith(map[string][]byte{"rooms.csv": []byte(input)}), "release", csv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []source.RoomRow{
		{Line: 2, Name: "BC01", Type: "office", Capacity: "4"},
		{Line: 3, Name: "BC02", Type: "lab", Link: "first\nsecond\nthird"}, // encoding/csv reads \r\n in a quoted field as \n
		{Line: 8, Name: "BC03", Type: "lab", Capacity: "x", Link: "a,\"b\""},
		{Line: 10, Name: "BC04", Type: "lab", Capacity: "5"},
	}
	if got := raw.Rooms.Rows; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("rows = %+v\nwant %+v", got, want)
	}
	_, err = source.Check(raw)
	var es *source.Errors
	if !errors.As(err, &es) || len(es.List) != 1 {
		t.Fatalf("Check: %v", err)
	}
	if p := es.List[0]; p.Row != 8 || p.Column != "capacity" || !errors.Is(p, source.ErrBadInteger) {
		t.Errorf("problem %v, want capacity at row 8", p)
	}
	// A syntax error after a field spanning lines names the physical line.
	bad := "name,type,link\n\"BC\n01\",office,\"x\ny\"\nBC02,la\"b,\n"
	_, err = csv.ReadFS(releaseWith(map[string][]byte{"rooms.csv": []byte(bad)}), "release", csv.Options{})
	if !errors.As(err, &es) || len(es.List) != 1 || es.List[0].Row != 5 || !errors.Is(es.List[0], csv.ErrSyntax) {
		t.Errorf("bare quote after multi-line fields: %v", err)
	}
}

// TestWrongDelimiterCSV: a file separated by ';', tabs or '|' has one
// unknown column; the missing required columns are reported, and a
// problem at the header's row says which delimiter it looks like.
func TestWrongDelimiterCSV(t *testing.T) {
	for _, tt := range []struct {
		Name, Input, Want string
	}{
		{"Semicolon", "name;type;capacity\nBC01;office;4\n", `release/rooms.csv: rooms row 1: "name;type;capacity" is not separated by commas: it looks ';'-separated; use commas (or one column per cell)`},
		{"Tab", "\ufeffName\tType\nBC01\toffice\n", `release/rooms.csv: rooms row 1: "Name\ttype" is not separated by commas: it looks tab-separated; use commas (or one column per cell)`},
		{"Pipe", "\n\nname|type\nBC01|office\n", `release/rooms.csv: rooms row 3: "name|type" is not separated by commas: it looks '|'-separated; use commas (or one column per cell)`},
		// A header mixing commas and semicolons: name is found, not type.
		{"Mixed", "name,type;capacity\nBC01,office;4\n", `release/rooms.csv: rooms row 1: "name,type;capacity" is not separated by commas: it looks ';'-separated; use commas (or one column per cell)`},
		// Missing columns, but no other delimiter finds them: no hint.
		{"NoDelimiter", "nom;genre\nBC01;office\n", ""},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			input := tt.Input
			if tt.Name == "Tab" {
				input = strings.Replace(input, "Type", "type", 1)
			}
			_, err := csv.ReadFS(releaseWith(map[string][]byte{"rooms.csv": []byte(input)}), "release", csv.Options{})
			if tt.Want == "" {
				if errors.Is(err, source.ErrDelimiter) {
					t.Errorf("hint given for a comma-separated header: %v", err)
				}
				return
			}
			var es *source.Errors
			if !errors.As(err, &es) {
				t.Fatalf("error = %v", err)
			}
			var missing, hint int
			for _, p := range es.List {
				switch {
				case errors.Is(p, source.ErrMissingColumn):
					missing++
				case errors.Is(p, source.ErrDelimiter):
					hint++
					if p.Error() != tt.Want {
						t.Errorf("hint %q\nwant %q", p, tt.Want)
					}
				}
			}
			if missing == 0 || hint != 1 {
				t.Errorf("got %d missing columns and %d hints:\n%v", missing, hint, err)
			}
		})
	}
	// A header whose columns are all found gives no hint, whatever its
	// cells hold.
	_, err := csv.ReadFS(releaseWith(map[string][]byte{"rooms.csv": []byte("name,type,link\nBC01,office,a;b\n")}), "release", csv.Options{})
	if err != nil {
		t.Errorf("valid file: %v", err)
	}
}

// TestDuplicateHeadersCSV: two spellings of one column are a problem at the
// header row, naming the second.
func TestDuplicateHeadersCSV(t *testing.T) {
	input := "\n \nname,type,Start Date,end_date,START_DATE\nfall,fall,2025-09-08,2025-12-19,2025-09-09\n"
	_, err := csv.ReadFS(releaseWith(map[string][]byte{"semesters.csv": []byte(input)}), "release", csv.Options{})
	var es *source.Errors
	if !errors.As(err, &es) || len(es.List) == 0 {
		t.Fatalf("error = %v", err)
	}
	found := false
	for _, p := range es.List {
		if errors.Is(p, source.ErrDuplicateCol) {
			found = true
			if p.Row != 3 || p.Column != "START_DATE" || p.File != "release/semesters.csv" {
				t.Errorf("problem %v", p)
			}
		}
	}
	if !found {
		t.Errorf("no duplicate column in %v", err)
	}
}
