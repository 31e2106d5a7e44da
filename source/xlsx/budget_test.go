package xlsx_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"strconv"
	"strings"
	"testing"

	"occupancy/source"
	"occupancy/source/xlsx"
)

// sharedTextWorkbook returns a workbook whose rooms sheet has a header
// row and then rows rows of two cells, each cell written by cell given
// the index of a shared string of text appended to the workbook's shared
// strings. The sheet is deflated, so that a sheet of many rows stays
// small, as in issue 12's workbook.
func sharedTextWorkbook(tb testing.TB, text string, rows int, cell func(index int) string) []byte {
	tb.Helper()
	good := MustWorkbook(tb, rooms, semesters, courses)
	zr, err := zip.NewReader(bytes.NewReader(good), int64(len(good)))
	if err != nil {
		tb.Fatal(err)
	}
	var sst []byte
	for _, f := range zr.File {
		if f.Name == "xl/sharedStrings.xml" {
			rc, err := f.Open()
			if err != nil {
				tb.Fatal(err)
			}
			sst, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	index := bytes.Count(sst, []byte("<si>"))
	end := bytes.LastIndex(sst, []byte("</sst>"))
	if index == 0 || end < 0 {
		tb.Fatalf("unexpected shared strings %q", sst)
	}
	sst = append(sst[:end:end], []byte("<si><t>"+text+"</t></si></sst>")...)

	var sheet bytes.Buffer
	sheet.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>type</t></is></c></row>`)
	c := cell(index)
	row := "<row>" + c + c + "</row>"
	for range rows {
		sheet.WriteString(row)
	}
	sheet.WriteString(`</sheetData></worksheet>`)
	var deflated bytes.Buffer
	fw, err := flate.NewWriter(&deflated, flate.BestSpeed)
	if err != nil {
		tb.Fatal(err)
	}
	fw.Write(sheet.Bytes())
	if err := fw.Close(); err != nil {
		tb.Fatal(err)
	}
	roomsPart := sheetPart(tb, good, "rooms")
	return rewrite(tb, good, func(name string) (*zip.FileHeader, []byte, bool) {
		switch name {
		case roomsPart:
			return &zip.FileHeader{Name: name, Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(sheet.Bytes()),
				CompressedSize64: uint64(deflated.Len()), UncompressedSize64: uint64(sheet.Len())}, deflated.Bytes(), true
		case "xl/sharedStrings.xml":
			return &zip.FileHeader{Name: name, Method: zip.Store, CRC32: crc32.ChecksumIEEE(sst),
				CompressedSize64: uint64(len(sst)), UncompressedSize64: uint64(len(sst))}, sst, true
		}
		return nil, nil, false
	})
}

// TestSharedTextBudget: cells that reference long shared strings are
// counted before excelize reads the workbook, and a workbook whose cells
// reference more text than Options.MaxSharedText is refused at the row
// that passes it, quickly and in bounded memory. Issue 12's workbook
// (2.6 MB, 800,000 cells referencing one string of 32,000 characters)
// ran out of memory.
func TestSharedTextBudget(t *testing.T) {
	plain := func(i int) string { return fmt.Sprintf(`<c t="s"><v>%d</v></c>`, i) }
	for _, tt := range []struct {
		Name    string
		Text    int                    // length in bytes of the shared string
		Rows    int                    // rows of two cells referencing it
		Cell    func(index int) string // how a cell is written
		Budget  int64                  // Options.MaxSharedText; 0 is the default
		WantRow int                    // the row refused, 0 when the workbook reads
	}{
		// Issue 12's workbook, 800,000 cells referencing one string of
		// 32,000 characters, with the default budget: the 8,389th cell
		// passes 256 MiB, on the 4,195th data row (row 4,196).
		{Name: "Issue12", Text: 32_000, Rows: 400_000, Cell: plain, WantRow: 4196},
		// A thousand bytes in each of two cells a row: the 501st data row
		// (row 502) brings the text past 1,001,000 bytes.
		{Name: "Shrunk", Text: 1000, Rows: 2000, Cell: plain, Budget: 1_001_000, WantRow: 502},
		{Name: "WithinBudget", Text: 1000, Rows: 2000, Cell: plain, Budget: 4_001_000},
		// Namespace prefixes, other attributes, single quotes, and an
		// index in spaces and character references ("&#50;" for "2")
		// count as excelize reads them.
		{Name: "Prefixed", Text: 1000, Rows: 2000, Budget: 1_001_000, WantRow: 502, Cell: func(i int) string {
			return fmt.Sprintf(`<x:c xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" s="0" t='s'><x:v>%d</x:v></x:c>`, i)
		}},
		{Name: "CharacterReferences", Text: 1000, Rows: 2000, Budget: 1_001_000, WantRow: 502, Cell: func(i int) string {
			var refs strings.Builder
			for _, d := range strconv.Itoa(i) {
				fmt.Fprintf(&refs, "&#%d;", d)
			}
			return `<c t="s"><v> ` + refs.String() + " </v></c>"
		}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			data := sharedTextWorkbook(t, strings.Repeat("x", tt.Text), tt.Rows, tt.Cell)
			var raw *source.Raw
			var err error
			alloc, took := measure(t, func() {
				raw, err = xlsx.Read(bytes.NewReader(data), "text.xlsx", xlsx.Options{MaxSharedText: tt.Budget})
			})
			t.Logf("%d KiB workbook: %v in %v, %d MiB allocated", len(data)>>10, err, took, alloc>>20)
			if tt.WantRow == 0 {
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				if got := len(raw.Rooms.Rows); got != tt.Rows {
					t.Errorf("read %d rooms, want %d", got, tt.Rows)
				}
				return
			}
			if raw != nil || !errors.Is(err, source.ErrTooLarge) {
				t.Fatalf("Read = %v, %v; want ErrTooLarge", raw, err)
			}
			for _, want := range []string{"read text.xlsx: ", `sheet "rooms": `, fmt.Sprintf("row %d: ", tt.WantRow), "-max-shared-text", "Options.MaxSharedText"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			t.Logf("refused in %v", took)
			if alloc > 64<<20 {
				t.Errorf("refusing allocated %d MiB", alloc>>20)
			}
		})
	}
}

// TestMaxXMLPart: a part that declares an unzipped size over
// Options.MaxXMLPart is refused from the zip's directory, before anything
// is unzipped, naming the part and the flag. Before issue 12, a worksheet
// of 200 MiB (within the UnzipSizeLimit of the time, 256 MiB) was unzipped and
// read.
func TestMaxXMLPart(t *testing.T) {
	good := MustWorkbook(t, rooms, semesters, courses)
	roomsPart := sheetPart(t, good, "rooms")
	const prefix = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` +
		`<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
		`<row r="1"><c r="A1" t="inlineStr"><is><t>name</t></is></c><c r="B1" t="inlineStr"><is><t>type</t></is></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>BC01</t></is></c><c r="B2" t="inlineStr"><is><t>office</t></is></c></row>`
	const suffix = `</sheetData></worksheet>`
	stream, size := bombStream(t, prefix, suffix, 200) // 200 MiB of XML, mostly spaces
	bomb := rewrite(t, good, func(name string) (*zip.FileHeader, []byte, bool) {
		if name != roomsPart {
			return nil, nil, false
		}
		return &zip.FileHeader{Name: name, Method: zip.Deflate, CompressedSize64: uint64(len(stream)), UncompressedSize64: size}, stream, true
	})
	for _, tt := range []struct {
		Name    string
		Data    []byte
		Opt     xlsx.Options
		WantErr bool
	}{
		{Name: "DefaultLimit", Data: bomb, WantErr: true},
		{Name: "ShrunkLimit", Data: good, Opt: xlsx.Options{MaxXMLPart: 200}, WantErr: true},
		{Name: "Within", Data: good, Opt: xlsx.Options{MaxXMLPart: 1 << 20}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			var raw *source.Raw
			var err error
			alloc, took := measure(t, func() { raw, err = xlsx.Read(bytes.NewReader(tt.Data), "parts.xlsx", tt.Opt) })
			t.Logf("%d KiB workbook: %v in %v, %d MiB allocated", len(tt.Data)>>10, err, took, alloc>>20)
			if !tt.WantErr {
				if err != nil {
					t.Fatalf("Read: %v", err)
				}
				return
			}
			if raw != nil || !errors.Is(err, source.ErrTooLarge) {
				t.Fatalf("Read = %v, %v; want ErrTooLarge", raw, err)
			}
			for _, want := range []string{"read parts.xlsx: ", "part ", "-max-xml-part", "Options.MaxXMLPart"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
			t.Logf("refused in %v", took)
			if alloc > 16<<20 {
				t.Errorf("refusing allocated %d MiB", alloc>>20)
			}
		})
	}
}
