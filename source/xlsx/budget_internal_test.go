package xlsx

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"slices"
	"testing"
)

// zipOf returns the zip holding one part named name with body.
func zipOf(tb testing.TB, name, body string) *zip.File {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.Create(name)
	if err != nil {
		tb.Fatal(err)
	}
	w.Write([]byte(body))
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		tb.Fatal(err)
	}
	return zr.File[0]
}

// TestStringLengths: the length of a shared string is the text excelize
// gives a cell: plain and rich text runs, not phonetic runs. Malformed
// XML, which excelize would refuse too, is an error of this part.
func TestStringLengths(t *testing.T) {
	for _, tt := range []struct {
		Name    string
		SST     string
		Want    []int64
		WantErr bool
	}{
		{Name: "Plain", SST: `<sst><si><t>abc</t></si><si><t/></si><si><t xml:space="preserve"> é </t></si></sst>`, Want: []int64{3, 0, 4}},
		{Name: "RichText", SST: `<sst><si><r><rPr><b/></rPr><t>ab</t></r><r><t>cde</t></r></si></sst>`, Want: []int64{5}},
		{Name: "Phonetic", SST: `<sst><si><t>ab</t><rPh sb="0" eb="1"><t>zzzzzzzz</t></rPh><phoneticPr fontId="1"/></si></sst>`, Want: []int64{2}},
		{Name: "Prefixed", SST: `<x:sst xmlns:x="urn:x"><x:si><x:t>a&amp;b</x:t></x:si></x:sst>`, Want: []int64{3}},
		{Name: "CutShort", SST: `<sst><si><t>abc</t></si><si><t>de`, WantErr: true},
		{Name: "Mismatched", SST: `<sst><si><t>abc</x></si></sst>`, WantErr: true},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			got, err := stringLengths(zipOf(t, "xl/sharedStrings.xml", tt.SST))
			if tt.WantErr {
				var syn *xml.SyntaxError
				if !errors.As(err, &syn) {
					t.Errorf("stringLengths = %v, %v; want an XML syntax error", got, err)
				}
				return
			}
			if err != nil || !slices.Equal(got, tt.Want) {
				t.Errorf("stringLengths = %v, %v; want %v", got, err, tt.Want)
			}
		})
	}
}

// TestScanCells: a cell's value references the string excelize looks up
// for it.
func TestScanCells(t *testing.T) {
	lengths := []int64{1, 10, 100, 1000}
	for _, tt := range []struct {
		Name  string
		Cells string
		Want  int64 // text referenced
	}{
		{Name: "Indexes", Cells: `<c t="s"><v>1</v></c><c t="s"><v>3</v></c>`, Want: 1010},
		{Name: "NotShared", Cells: `<c><v>3</v></c><c t="str"><v>3</v></c><c t="inlineStr"><is><t>3</t></is></c>`, Want: 0},
		{Name: "Empty", Cells: `<c t="s"><v></v></c><c t="s"><v/></c><c t="s"/>`, Want: 0},
		{Name: "WhiteSpace", Cells: `<c t="s"><v> </v></c><c t="s"><v>  2  </v></c>`, Want: 1 + 100},
		{Name: "NotANumber", Cells: `<c t="s"><v>x</v></c>`, Want: 1},
		{Name: "OutOfRange", Cells: `<c t="s"><v>4</v></c><c t="s"><v>-1</v></c><c t="s"><v>99999999999999999999999</v></c>`, Want: 0},
		{Name: "TooLongToTell", Cells: `<c t="s"><v>` + string(bytes.Repeat([]byte("1"), 40)) + `</v></c>`, Want: 1000},
		{Name: "LongWhiteSpace", Cells: `<c t="s"><v>` + string(bytes.Repeat([]byte(" "), 100)) + `2` + string(bytes.Repeat([]byte(" "), 100)) + `</v></c>`, Want: 100},
		{Name: "CDATA", Cells: `<c t="s"><v><![CDATA[3]]></v></c>`, Want: 1000},
		{Name: "AttributeLast", Cells: `<c t="n" t="s"><v>3</v></c>`, Want: 1000},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			sheet := `<worksheet><sheetData><row r="7">` + tt.Cells + `</row></sheetData></worksheet>`
			b := textBudget{lengths: lengths, longest: 1000, left: 1 << 20}
			row, err := b.scan(zipOf(t, "xl/worksheets/sheet1.xml", sheet))
			if err != nil {
				t.Fatalf("scan: row %d, %v", row, err)
			}
			if got := 1<<20 - b.left; got != tt.Want {
				t.Errorf("referenced %d bytes, want %d", got, tt.Want)
			}
			b = textBudget{lengths: lengths, longest: 1000, left: tt.Want - 1}
			if row, err := b.scan(zipOf(t, "xl/worksheets/sheet1.xml", sheet)); tt.Want > 0 && (!errors.Is(err, errOverBudget) || row != 7) {
				t.Errorf("with a budget of %d: row %d, %v; want errOverBudget at row 7", tt.Want-1, row, err)
			}
		})
	}
}
