package xlsx_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"occupancy/source"
	"occupancy/source/sourcetest"
	"occupancy/source/xlsx"
)

// Hostile workbooks: each either reads correctly or fails with a clear
// error naming the file (and, for cell problems, the sheet, row and
// column), within bounded time and memory.

// maxHeapGrowth bounds the bytes a hostile read may allocate in total.
const maxHeapGrowth = 200 << 20

// measure runs read and reports the bytes it allocated (an upper bound of
// its peak heap) and how long it took.
func measure(tb testing.TB, read func()) (allocated uint64, took time.Duration) {
	tb.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	read()
	took = time.Since(start)
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc, took
}

// bombStream returns a raw deflate stream that inflates to prefix, then
// n MiB of spaces, then suffix, in about n KiB: one compressed MiB of
// spaces is repeated, which is valid because each copy refers only to the
// spaces before it.
func bombStream(tb testing.TB, prefix, suffix string, n int) (stream []byte, size uint64) {
	tb.Helper()
	var buf bytes.Buffer
	fw, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		tb.Fatal(err)
	}
	cut := func() []byte {
		if err := fw.Flush(); err != nil {
			tb.Fatal(err)
		}
		b := bytes.Clone(buf.Bytes())
		buf.Reset()
		return b
	}
	spaces := bytes.Repeat([]byte(" "), 1<<20)
	fw.Write([]byte(prefix))
	fw.Write(spaces[:64<<10]) // a window of spaces for the copies to refer to
	head := cut()
	fw.Write(spaces)
	block := cut()
	fw.Write([]byte(suffix))
	if err := fw.Close(); err != nil {
		tb.Fatal(err)
	}
	stream = append(head, bytes.Repeat(block, n)...)
	stream = append(stream, buf.Bytes()...)
	return stream, uint64(len(prefix)) + 64<<10 + uint64(n)<<20 + uint64(len(suffix))
}

// rewrite returns the workbook data with each part for which replace
// returns ok replaced by a raw (already compressed) entry; the other parts
// are copied as they are.
func rewrite(tb testing.TB, data []byte, replace func(name string) (hdr *zip.FileHeader, raw []byte, ok bool)) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		hdr, body, ok := replace(f.Name)
		if !ok {
			hdr = &f.FileHeader
			r, err := f.OpenRaw()
			if err != nil {
				tb.Fatal(err)
			}
			if body, err = io.ReadAll(r); err != nil {
				tb.Fatal(err)
			}
		}
		w, err := zw.CreateRaw(hdr)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return out.Bytes()
}

// replaceText returns the workbook data with old replaced by new in the
// part named (stored uncompressed).
func replaceText(tb testing.TB, data []byte, part, old, new string) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var body []byte
	for _, f := range zr.File {
		if f.Name == part {
			rc, err := f.Open()
			if err != nil {
				tb.Fatal(err)
			}
			body, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	if !bytes.Contains(body, []byte(old)) {
		tb.Fatalf("part %s does not hold %q", part, old)
	}
	body = bytes.Replace(body, []byte(old), []byte(new), 1)
	return rewrite(tb, data, func(name string) (*zip.FileHeader, []byte, bool) {
		if name != part {
			return nil, nil, false
		}
		return &zip.FileHeader{Name: name, Method: zip.Store, CompressedSize64: uint64(len(body)), UncompressedSize64: uint64(len(body))}, body, true
	})
}

// sheetPart returns the zip part of the worksheet titled title.
func sheetPart(tb testing.TB, data []byte, title string) string {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	read := func(name string) []byte {
		for _, f := range zr.File {
			if f.Name == name {
				rc, _ := f.Open()
				b, _ := io.ReadAll(rc)
				rc.Close()
				return b
			}
		}
		tb.Fatalf("no part %s", name)
		return nil
	}
	var wb struct {
		Sheets []struct {
			Name string `xml:"name,attr"`
			ID   string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
		} `xml:"sheets>sheet"`
	}
	var rels struct {
		Rels []struct {
			ID     string `xml:"Id,attr"`
			Target string `xml:"Target,attr"`
		} `xml:"Relationship"`
	}
	if err := xml.Unmarshal(read("xl/workbook.xml"), &wb); err != nil {
		tb.Fatal(err)
	}
	if err := xml.Unmarshal(read("xl/_rels/workbook.xml.rels"), &rels); err != nil {
		tb.Fatal(err)
	}
	for _, s := range wb.Sheets {
		if s.Name != title {
			continue
		}
		for _, r := range rels.Rels {
			if r.ID == s.ID {
				return "xl/" + strings.TrimPrefix(r.Target, "/xl/")
			}
		}
	}
	tb.Fatalf("no sheet %q", title)
	return ""
}

func TestZipBomb(t *testing.T) {
	good := MustWorkbook(t, rooms, semesters, courses)
	const prefix = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>type</t></is></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>BC01</t></is></c><c r="B2" t="inlineStr"><is><t>`
	const suffix = `</t></is></c></row></sheetData></worksheet>`
	stream, size := bombStream(t, prefix, suffix, 1024) // 1 GiB of XML
	firstSheetPart := sheetPart(t, good, "rooms")
	if len(stream) > 2<<20 {
		t.Fatalf("bomb is %d bytes compressed", len(stream))
	}
	for _, tt := range []struct {
		Name     string
		Declared uint64 // the unzipped size the zip declares
		Copies   int    // how many entries share the stream
		Want     string
		WantErr  error
	}{
		{Name: "Honest", Declared: size, Copies: 1, Want: "part " + firstSheetPart + " unzips to", WantErr: source.ErrTooLarge},
		// The sizes declared are small but the data inflates beyond them:
		// archive/zip stops at the declared size, the check says so.
		{Name: "LyingSmall", Declared: 1 << 10, Copies: 1, Want: "part " + firstSheetPart + " is corrupt"},
		{Name: "LyingBigger", Declared: 8 << 20, Copies: 1, Want: "part " + firstSheetPart + " is corrupt"},
		// Many entries, each within the limits of one part, that overlap
		// in the archive as in non-recursive zip bombs: their sum is over
		// the workbook's limit (1 GiB).
		{Name: "ManyEntries", Declared: 100 << 20, Copies: 11, Want: "a workbook may unzip to", WantErr: source.ErrTooLarge},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			data := rewrite(t, good, func(name string) (*zip.FileHeader, []byte, bool) {
				if name != firstSheetPart {
					return nil, nil, false
				}
				return &zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(len(stream)), UncompressedSize64: tt.Declared}, stream, true
			})
			if tt.Copies > 1 {
				var extra []byte
				data = rewrite(t, data, func(name string) (*zip.FileHeader, []byte, bool) { return nil, nil, false })
				zr, _ := zip.NewReader(bytes.NewReader(data), int64(len(data)))
				var out bytes.Buffer
				zw := zip.NewWriter(&out)
				for _, f := range zr.File {
					r, _ := f.OpenRaw()
					body, _ := io.ReadAll(r)
					w, _ := zw.CreateRaw(&f.FileHeader)
					w.Write(body)
					if f.Name == firstSheetPart {
						extra = body
					}
				}
				for i := 1; i < tt.Copies; i++ {
					w, _ := zw.CreateRaw(&zip.FileHeader{Name: "xl/media/copy" + string(rune('0'+i)) + ".bin", Method: zip.Deflate,
						CompressedSize64: uint64(len(extra)), UncompressedSize64: tt.Declared})
					w.Write(extra)
				}
				zw.Close()
				data = out.Bytes()
			}
			var raw *source.Raw
			var err error
			alloc, took := measure(t, func() { raw, err = xlsx.Read(bytes.NewReader(data), "bomb.xlsx", xlsx.Options{}) })
			t.Logf("%d KiB compressed: %v in %v, %d MiB allocated", len(data)>>10, err, took, alloc>>20)
			if err == nil || raw != nil {
				t.Fatalf("Read = %v, %v; want an error", raw, err)
			}
			if !strings.HasPrefix(err.Error(), "read bomb.xlsx: ") || !strings.Contains(err.Error(), tt.Want) {
				t.Errorf("error %q does not name the file and say %q", err, tt.Want)
			}
			if tt.WantErr != nil && !errors.Is(err, tt.WantErr) {
				t.Errorf("error %v is not %v", err, tt.WantErr)
			}
			if alloc > maxHeapGrowth {
				t.Errorf("reading the bomb allocated %d MiB, more than %d", alloc>>20, maxHeapGrowth>>20)
			}
			if took > 60*time.Second {
				t.Errorf("reading the bomb took %v", took)
			}
		})
	}
}

// TestMillionRows: a sheet of a million rows, small on disk, hits the
// Options.MaxCells limit with an error naming the file, the sheet and the
// row, after reading only the rows within the limit. (The default limit,
// four million cells, is a release of a million rows of four columns; the
// test lowers it to stay quick.)
func TestMillionRows(t *testing.T) {
	const n = 1_000_000
	const prefix = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row><c t="inlineStr"><is><t>name</t></is></c><c t="inlineStr"><is><t>type</t></is></c></row>`
	const row = `<row><c><v>1</v></c><c><v>2</v></c></row>`
	const suffix = `</sheetData></worksheet>`
	// Rows without an r attribute are numbered in order, so every row can
	// be the same text: a thousand rows are compressed once and the block
	// repeated (each copy refers only to the rows before it).
	var comp bytes.Buffer
	fw, _ := flate.NewWriter(&comp, flate.BestSpeed)
	rows1000 := []byte(strings.Repeat(row, 1000))
	fw.Write([]byte(prefix))
	fw.Write(rows1000)
	fw.Flush()
	stream := bytes.Clone(comp.Bytes())
	comp.Reset()
	fw.Write(rows1000)
	fw.Flush()
	block := bytes.Clone(comp.Bytes())
	comp.Reset()
	fw.Write([]byte(suffix))
	fw.Close()
	stream = append(stream, bytes.Repeat(block, n/1000-1)...)
	stream = append(stream, comp.Bytes()...)
	size := uint64(len(prefix) + n*len(row) + len(suffix))
	good := MustWorkbook(t, rooms, semesters, courses)
	firstSheetPart := sheetPart(t, good, "rooms")
	data := rewrite(t, good, func(name string) (*zip.FileHeader, []byte, bool) {
		if name != firstSheetPart {
			return nil, nil, false
		}
		return &zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(len(stream)), UncompressedSize64: size}, stream, true
	})
	t.Logf("%d rows: %d MiB of XML, %d KiB on disk", n, size>>20, len(data)>>10)

	var raw *source.Raw
	var err error
	alloc, took := measure(t, func() {
		raw, err = xlsx.Read(bytes.NewReader(data), "big.xlsx", xlsx.Options{MaxCells: 20_000})
	})
	t.Logf("%v in %v, %d MiB allocated", err, took, alloc>>20)
	if raw != nil || !errors.Is(err, source.ErrTooLarge) {
		t.Fatalf("Read = %v, %v; want ErrTooLarge", raw, err)
	}
	for _, want := range []string{"read big.xlsx: ", `sheet "rooms"`, "row 10001", "Options.MaxCells"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if alloc > maxHeapGrowth || took > 60*time.Second {
		t.Errorf("reading took %v and %d MiB", took, alloc>>20)
	}
}

// TestRowBeyondLimit: a row numbered beyond Excel's last row (1,048,576),
// which excelize refuses, is an error naming the file and the sheet.
func TestRowBeyondLimit(t *testing.T) {
	good := MustWorkbook(t, rooms, semesters, courses)
	data := replaceText(t, good, sheetPart(t, good, "rooms"), `<row r="2"`, `<row r="1048577"`)
	raw, err := xlsx.Read(bytes.NewReader(data), "rows.xlsx", xlsx.Options{})
	if raw != nil || err == nil || !strings.HasPrefix(err.Error(), `read rows.xlsx: sheet "rooms": `) {
		t.Fatalf("Read = %v, %v; want an error naming the file and sheet", raw, err)
	}
}

// TestSparseLastCell: one cell at the last row and column of a sheet costs
// a row of 16,384 cells, counted by MaxCells, and reads in bounded time.
// (Under the race detector, the row is the 200,000th.)
func TestSparseLastCell(t *testing.T) {
	last := 1048576
	if raceEnabled {
		last = 200_000
	}
	far, _ := excelize.CoordinatesToCellName(16384, last)
	sheets := []sheet{semesters, courses, {"rooms", map[string]any{"A1": "name", "B1": "type", "A2": "BC01", "B2": "office", far: "far"}}}
	data := MustWorkbook(t, sheets...)
	var raw *source.Raw
	var err error
	alloc, took := measure(t, func() { raw, err = xlsx.Read(bytes.NewReader(data), "sparse.xlsx", xlsx.Options{}) })
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	if got := raw.Rooms.Rows; len(got) != 2 || got[1].Line != last {
		t.Errorf("rows = %+v", got)
	}
	if alloc > maxHeapGrowth || took > 60*time.Second {
		t.Errorf("reading took %v and %d MiB", took, alloc>>20)
	}
	_, err = xlsx.Read(bytes.NewReader(data), "sparse.xlsx", xlsx.Options{MaxCells: 10_000})
	if !errors.Is(err, source.ErrTooLarge) || !strings.Contains(err.Error(), fmt.Sprintf("row %d:", last)) {
		t.Errorf("with MaxCells 10000: %v; want ErrTooLarge at row %d", err, last)
	}
}

// TestHugeCell: 10 MiB in one cell (1 MiB under the race detector) is a
// problem at its sheet, row and column (the cell is cut to
// source.MaxCellBytes), read in bounded memory.
func TestHugeCell(t *testing.T) {
	size := 10 << 20
	if raceEnabled {
		size = 1 << 20
	}
	good := MustWorkbook(t, semesters, courses, sheet{"rooms", rows(
		[]any{"name", "type", "link"},
		[]any{"BC01", "office", "HUGEPLACEHOLDER"},
		[]any{"BC02", "lab", "https://plan.example/BC02"},
	)})
	data := replaceText(t, good, "xl/sharedStrings.xml", "HUGEPLACEHOLDER", strings.Repeat("x", size))
	var raw *source.Raw
	var err error
	alloc, took := measure(t, func() { raw, err = xlsx.Read(bytes.NewReader(data), "huge.xlsx", xlsx.Options{}) })
	t.Logf("%v in %v, %d MiB allocated", err, took, alloc>>20)
	sourcetest.CheckErrors(t, err, []*source.ParseError{{
		File: "huge.xlsx", Sheet: "rooms", Row: 2, Column: "link", Value: strings.Repeat("x", 60) + "…", Err: source.ErrCellTooLarge,
	}})
	if raw == nil || len(raw.Rooms.Rows) != 2 || len(raw.Rooms.Rows[0].Link) != source.MaxCellBytes || raw.Rooms.Rows[1].Link != "https://plan.example/BC02" {
		t.Errorf("rows not read around the huge cell")
	}
	if alloc > maxHeapGrowth || took > 60*time.Second {
		t.Errorf("reading took %v and %d MiB", took, alloc>>20)
	}
	if err != nil && !strings.Contains(err.Error(), `huge.xlsx: rooms row 2, column link: "xxx`) || !strings.Contains(err.Error(), fmt.Sprintf("%d bytes, at most 32768", size)) {
		t.Errorf("message %q", err)
	}
}

// TestFormulas: the reader never evaluates a formula. A formula cell reads
// as the value the spreadsheet program saved with it; one saved without
// a value (by a program that does not compute) reads as an empty cell, so
// a required column reports it at its position; an error value (#DIV/0!)
// is text that fails its column's check.
func TestFormulas(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "rooms")
	f.SetSheetRow("rooms", "A1", &[]any{"name", "type", "capacity"})
	f.SetSheetRow("rooms", "A2", &[]any{"CO1", "AUDITOIRE", 250})
	f.SetCellFormula("rooms", "C2", "200+50") // keeps the saved 250
	f.SetSheetRow("rooms", "A3", &[]any{"CO2", nil})
	f.SetCellFormula("rooms", "B3", `UPPER("lab")`) // no saved value
	f.SetSheetRow("rooms", "A4", &[]any{"CO3", "lab"})
	f.SetCellFormula("rooms", "C4", "1+1") // no saved value: not 2
	f.SetSheetRow("rooms", "A5", &[]any{"CO4", "lab"})
	f.SetCellFormula("rooms", "C5", "1/0")
	for _, s := range []sheet{semesters, courses} {
		f.NewSheet(s.Title)
		for cell, v := range s.Cells {
			f.SetCellValue(s.Title, cell, v)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	part := sheetPart(t, buf.Bytes(), "rooms")
	// Excel saves an error value in a cell of type "e".
	data := replaceText(t, buf.Bytes(), part, `<c r="C5" t="str"><f>1/0</f></c>`, `<c r="C5" t="e"><f>1/0</f><v>#DIV/0!</v></c>`)
	raw, err := xlsx.Read(bytes.NewReader(data), "formulas.xlsx", xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []source.RoomRow{
		{Line: 2, Name: "CO1", Type: "AUDITOIRE", Capacity: "250"},
		{Line: 3, Name: "CO2"},
		{Line: 4, Name: "CO3", Type: "lab"},
		{Line: 5, Name: "CO4", Type: "lab", Capacity: "#DIV/0!"},
	}
	if got := raw.Rooms.Rows; len(got) != len(want) {
		t.Fatalf("rows = %+v", got)
	} else {
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("row %d = %+v, want %+v", i, got[i], want[i])
			}
		}
	}
	_, err = source.Check(raw)
	sourcetest.CheckErrors(t, err, []*source.ParseError{
		{File: "formulas.xlsx", Sheet: "rooms", Row: 3, Column: "type", Err: source.ErrRequired},
		{File: "formulas.xlsx", Sheet: "rooms", Row: 5, Column: "capacity", Value: "#DIV/0!", Err: source.ErrBadInteger},
	})
}

// TestMergedCells: a merged range holds its value in its top-left cell
// only; the other cells read as empty, so a required column reports the
// rows below at their position.
func TestMergedCells(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "sessions")
	f.SetSheetRow("sessions", "A1", &[]any{"course", "label", "weekday", "start", "end"})
	f.SetSheetRow("sessions", "A2", &[]any{"CS-101", "cours", "Monday", "08:15", "10:00"})
	f.SetSheetRow("sessions", "B3", &[]any{"exercice", "Tuesday", "10:15", "12:00"})
	f.SetSheetRow("sessions", "B4", &[]any{"projet", "Friday", "13:15", "15:00"})
	if err := f.MergeCell("sessions", "A2", "A4"); err != nil { // one course for three rows
		t.Fatal(err)
	}
	for _, s := range []sheet{semesters, rooms, courses} {
		f.NewSheet(s.Title)
		for cell, v := range s.Cells {
			f.SetCellValue(s.Title, cell, v)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	raw, err := xlsx.Read(&buf, "merged.xlsx", xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := raw.Sessions.Rows; len(got) != 3 || got[0].Course != "CS-101" || got[1].Course != "" || got[2].Course != "" {
		t.Fatalf("rows = %+v", got)
	}
	_, err = source.Check(raw)
	sourcetest.CheckErrors(t, err, []*source.ParseError{
		{File: "merged.xlsx", Sheet: "sessions", Row: 3, Column: "course", Err: source.ErrRequired},
		{File: "merged.xlsx", Sheet: "sessions", Row: 4, Column: "course", Err: source.ErrRequired},
	})
}

// TestValuesAsText: numbers and dates typed as text cells read as the
// same values as real numbers and dates; text that is no number is a
// positioned problem.
func TestValuesAsText(t *testing.T) {
	data := MustWorkbook(t, courses,
		sheet{"semesters", rows(
			[]any{"name", "type", "start_date", "end_date"},
			[]any{"fall", "fall", "2025-09-08", "46010"}, // text, and a serial written as text: 2025-12-19
		)},
		sheet{"rooms", rows(
			[]any{"name", "type", "capacity", "level", "latitude", "longitude"},
			[]any{"CO1", "AUDITOIRE", "250", "-1", "46.52", "6.565"},
			[]any{"CO2", "AUDITOIRE", 250, -1, 46.52, 6.565},
			[]any{"CO3", "lab", "250.0", " 2 ", "4.652e1", "6.565"},
			[]any{"CO4", "lab", "2 50", "1st", "46,52", "6.565"},
		)})
	raw, err := xlsx.Read(bytes.NewReader(data), "text.xlsx", xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = source.Check(raw)
	sourcetest.CheckErrors(t, err, []*source.ParseError{
		{File: "text.xlsx", Sheet: "rooms", Row: 5, Column: "capacity", Value: "2 50", Err: source.ErrBadInteger},
		{File: "text.xlsx", Sheet: "rooms", Row: 5, Column: "level", Value: "1st", Err: source.ErrBadInteger},
		{File: "text.xlsx", Sheet: "rooms", Row: 5, Column: "latitude", Value: "46,52", Err: source.ErrBadNumber},
	})
	raw.Rooms.Rows = raw.Rooms.Rows[:3]
	rel, err := source.Check(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rel.Rooms {
		if *r.Capacity != 250 || (r.Name != "CO3" && *r.Level != -1) || r.Coordinates[0] != 46.52 {
			t.Errorf("room %s = capacity %d, level %d, %v", r.Name, *r.Capacity, *r.Level, *r.Coordinates)
		}
	}
	if got := rel.Semesters[0].End.Format("2006-01-02"); got != "2025-12-19" {
		t.Errorf("end_date serial as text = %s", got)
	}
}

// TestHiddenSheets: a hidden (or very hidden) sheet is still read, since
// hidden is not deleted, with a warning naming it.
func TestHiddenSheets(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "notes")
	for _, s := range []sheet{semesters, rooms, courses} {
		f.NewSheet(s.Title)
		for cell, v := range s.Cells {
			f.SetCellValue(s.Title, cell, v)
		}
	}
	if err := f.SetSheetVisible("rooms", false); err != nil {
		t.Fatal(err)
	}
	if err := f.SetSheetVisible("courses", false, true); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	raw, err := xlsx.Read(&buf, "hidden.xlsx", xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(raw.Rooms.Rows) != 1 || len(raw.Courses.Rows) != 1 {
		t.Errorf("hidden sheets not read: %+v %+v", raw.Rooms.Rows, raw.Courses.Rows)
	}
	want := []string{
		`hidden.xlsx: unknown sheet "notes" ignored`,
		`hidden.xlsx: sheet "rooms" is hidden; it is read all the same (delete it to leave it out)`,
		`hidden.xlsx: sheet "courses" is hidden; it is read all the same (delete it to leave it out)`,
	}
	if strings.Join(raw.Warnings, "\n") != strings.Join(want, "\n") {
		t.Errorf("warnings = %q, want %q", raw.Warnings, want)
	}
}

// TestDuplicateHeaders: two spellings of one column are a problem at the
// header's row and the second column.
func TestDuplicateHeaders(t *testing.T) {
	data := MustWorkbook(t, rooms, courses, sheet{"semesters", map[string]any{
		"A3": "name", "B3": "type", "C3": "Start Date", "D3": "end_date", "E3": "START_DATE",
		"A4": "fall", "B4": "fall", "C4": "2025-09-08", "D4": "2025-12-19", "E4": "2025-09-09",
	}})
	_, err := xlsx.Read(bytes.NewReader(data), "dup.xlsx", xlsx.Options{})
	sourcetest.CheckErrors(t, err, []*source.ParseError{
		{File: "dup.xlsx", Sheet: "semesters", Row: 3, Column: "START_DATE", Value: "START_DATE", Err: source.ErrDuplicateCol},
	})
}

// TestEncrypted: a password-protected workbook fails with ErrEncrypted,
// naming the file.
func TestEncrypted(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	f.SetSheetName("Sheet1", "rooms")
	f.SetSheetRow("rooms", "A1", &[]any{"name", "type"})
	var buf bytes.Buffer
	if err := f.Write(&buf, excelize.Options{Password: "secret"}); err != nil {
		t.Fatal(err)
	}
	raw, err := xlsx.Read(&buf, "locked.xlsx", xlsx.Options{})
	if raw != nil || !errors.Is(err, xlsx.ErrEncrypted) || !strings.HasPrefix(err.Error(), "read locked.xlsx: encrypted") {
		t.Fatalf("Read = %v, %v; want ErrEncrypted naming the file", raw, err)
	}
	// Any other OLE file, such as an old .xls workbook, says what it is.
	ole := append([]byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}, make([]byte, 1000)...)
	if _, err := xlsx.Read(bytes.NewReader(ole), "old.xls", xlsx.Options{}); err == nil || errors.Is(err, xlsx.ErrEncrypted) || !strings.Contains(err.Error(), "read old.xls: ") || !strings.Contains(err.Error(), ".xls") {
		t.Errorf("OLE file: %v", err)
	}
}

// TestCorruptWorkbooks: truncated archives, random bytes, flipped bytes in
// compressed data and a worksheet cut short inside a valid archive all fail
// with an error naming the file, never with a partial release.
func TestCorruptWorkbooks(t *testing.T) {
	good := MustWorkbook(t, rooms, semesters, courses)
	rng := rand.New(rand.NewPCG(1, 2))
	cases := map[string][]byte{}
	for _, frac := range []float64{0.1, 0.5, 0.9, 0.999} {
		cases[fmt.Sprintf("Truncated%.1f%%", frac*100)] = good[:int(float64(len(good))*frac)]
	}
	cases["TruncatedLastByte"] = good[:len(good)-1]
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	cases["Random"] = random
	cases["RandomAfterZipMagic"] = append([]byte("PK\x03\x04"), random...)
	// A stored worksheet whose XML is cut short: the zip is valid.
	stored := MustStored(t, good)
	firstSheetPart := sheetPart(t, good, "rooms")
	cases["SheetXMLCutShort"] = replaceText(t, stored, firstSheetPart, "</sheetData></worksheet>", "")
	cases["SheetXMLGarbageTail"] = replaceText(t, stored, firstSheetPart, "</worksheet>", "</worksheet><row>")
	// Bytes flipped inside the compressed data of a deflated worksheet,
	// with the CRC-32 kept: inflating fails or the checksum does not match.
	zr, _ := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	for _, f := range zr.File {
		if f.Name != firstSheetPart {
			continue
		}
		off, err := f.DataOffset()
		if err != nil {
			t.Fatal(err)
		}
		size := int64(f.CompressedSize64)
		for i, at := range []int64{0, size / 2, size - 2} {
			b := bytes.Clone(good)
			b[off+at] ^= 0x55
			cases["FlippedByte"+string(rune('A'+i))] = b
		}
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			raw, err := xlsx.Read(bytes.NewReader(data), "bad.xlsx", xlsx.Options{})
			if err == nil || raw != nil {
				t.Fatalf("Read = %+v, %v; want an error", raw, err)
			}
			if !strings.HasPrefix(err.Error(), "read bad.xlsx: ") {
				t.Errorf("error %q does not name the file", err)
			}
		})
	}
}

// TestBrokenSharedStrings: malformed XML in the shared strings is
// reported against that part, not against the first sheet read. Before,
// excelize failed on it while reading sheet "semesters".
func TestBrokenSharedStrings(t *testing.T) {
	stored := MustStored(t, MustWorkbook(t, rooms, semesters, courses))
	for name, broken := range map[string][2]string{
		"unclosed tag":    {"<si>", "<si"},
		"mismatched text": {"</t>", "</x>"},
	} {
		t.Run(name, func(t *testing.T) {
			data := replaceText(t, stored, "xl/sharedStrings.xml", broken[0], broken[1])
			raw, err := xlsx.Read(bytes.NewReader(data), "bad.xlsx", xlsx.Options{})
			if err == nil || raw != nil {
				t.Fatalf("Read = %+v, %v; want an error", raw, err)
			}
			if msg := err.Error(); !strings.Contains(msg, "xl/sharedStrings.xml") || strings.Contains(msg, "sheet ") {
				t.Errorf("error %q, want one naming xl/sharedStrings.xml and no sheet", msg)
			}
		})
	}
}
