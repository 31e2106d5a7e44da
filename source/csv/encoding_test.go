package csv_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf16"

	"github.com/google/go-cmp/cmp"

	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sourcetest"
)

// utf16Bytes encodes s as UTF-16, big-endian or not, after a byte order
// mark when bom is true.
func utf16Bytes(s string, bigEndian, bom bool) []byte {
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xfeff}, units...)
	}
	out := make([]byte, 0, 2*len(units))
	for _, u := range units {
		if bigEndian {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	return out
}

// saveHints are the instructions every encoding problem gives.
var saveHints = []string{`"CSV UTF-8 (Comma delimited) (.csv)"`, `"Unicode (UTF-8)"`}

// TestUTF16: a sheet saved as UTF-16 ("Unicode Text"), with or without a
// byte order mark, gives one problem at row 1 that says so and how to save
// it as UTF-8, showing the first line as it should read; the sheet is not
// read further.
func TestUTF16(t *testing.T) {
	const text = "name,type\r\nBC01,Salle d'étude\r\n"
	for _, tt := range []struct {
		name           string
		bigEndian, bom bool
		endian         string
	}{
		{"LE-BOM", false, true, "little-endian"},
		{"BE-BOM", true, true, "big-endian"},
		{"LE", false, false, "little-endian"},
		{"BE", true, false, "big-endian"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := releaseWith(map[string][]byte{"rooms.csv": utf16Bytes(text, tt.bigEndian, tt.bom)})
			raw, err := csv.ReadFS(fsys, "release", csv.Options{})
			if raw == nil {
				t.Fatalf("ReadFS: nil Raw, error %v", err)
			}
			sourcetest.CheckErrors(t, err, []*source.ParseError{{
				File: "release/rooms.csv", Sheet: "rooms", Row: 1, Value: "name,type", Err: csv.ErrUTF16,
			}})
			if !errors.Is(err, csv.ErrNotUTF8) {
				t.Errorf("errors.Is(%v, ErrNotUTF8) = false", err)
			}
			msg := err.Error()
			for _, want := range append([]string{"UTF-16 (" + tt.endian + ")"}, saveHints...) {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not say %s", msg, want)
				}
			}
			if len(raw.Rooms.Rows) != 0 || len(raw.Warnings) != 0 {
				t.Errorf("rows %v, warnings %q; want none", raw.Rooms.Rows, raw.Warnings)
			}
		})
	}
}

// TestLegacyEncoding: a sheet in Latin-1, Windows-1252 or Mac Roman gives
// one problem at the row and column of its first byte that is not UTF-8,
// showing the cell read as Windows-1252, saying what the file looks like
// and how to save it as UTF-8. The rows are read with U+FFFD for the bad
// bytes.
func TestLegacyEncoding(t *testing.T) {
	for _, tt := range []struct {
		name  string
		input string
		rows  []source.RoomRow
		want  []*source.ParseError
		mac   string // the Mac Roman reading the message shows
	}{{
		name:  "Latin1",
		mac:   `as Mac Roman: "Salle d'Ètude"`,
		input: "name,type\nBC01,office\nSalle d'\xe9tude,lab\nCaf\xe9,bar\n",
		rows: []source.RoomRow{
			{Line: 2, Name: "BC01", Type: "office"},
			{Line: 3, Name: "Salle d'\ufffdtude", Type: "lab"},
			{Line: 4, Name: "Caf\ufffd", Type: "bar"},
		},
		want: []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: 3, Column: "name", Value: "Salle d'étude", Err: csv.ErrNotUTF8}},
	}, {
		name:  "Windows1252SecondColumn",
		mac:   `as Mac Roman: "bureau ñ open Ä"`,
		input: "name,type\nBC01,bureau \x96 open \x80\n",
		rows:  []source.RoomRow{{Line: 2, Name: "BC01", Type: "bureau \ufffd open \ufffd"}},
		want:  []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: 2, Column: "type", Value: "bureau – open €", Err: csv.ErrNotUTF8}},
	}, {
		name:  "MacRoman",
		mac:   `as Mac Roman: "Salle d'étude"`,
		input: "name,type\nSalle d'\x8etude,lab\n",
		rows:  []source.RoomRow{{Line: 2, Name: "Salle d'\ufffdtude", Type: "lab"}},
		want:  []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: 2, Column: "name", Value: "Salle d'Žtude", Err: csv.ErrNotUTF8}},
	}, {
		name:  "MixedWithUTF8",
		mac:   `as Mac Roman: "CafÈ d'été"`,
		input: "name,type\nCaf\xe9 d'été,bar\n",
		rows:  []source.RoomRow{{Line: 2, Name: "Caf\ufffd d'été", Type: "bar"}},
		want:  []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: 2, Column: "name", Value: "Café d'été", Err: csv.ErrNotUTF8}},
	}, {
		name:  "MultiLineCell",
		mac:   `as Mac Roman: "first\nsecond È"`,
		input: "name,type,link\nBC01,office,\"first\nsecond \xe9\"\nBC02,lab,\n",
		rows: []source.RoomRow{
			{Line: 2, Name: "BC01", Type: "office", Link: "first\nsecond \ufffd"},
			{Line: 4, Name: "BC02", Type: "lab"},
		},
		want: []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: 2, Column: "link", Value: "first\nsecond é", Err: csv.ErrNotUTF8}},
	}, {
		name:  "Header",
		mac:   `as Mac Roman: "CatÈgorie"`,
		input: "name,type,Cat\xe9gorie\nBC01,office,x\n",
		rows:  []source.RoomRow{{Line: 2, Name: "BC01", Type: "office"}},
		want:  []*source.ParseError{{File: "release/rooms.csv", Sheet: "rooms", Row: 1, Column: "Catégorie", Value: "Catégorie", Err: csv.ErrNotUTF8}},
	}, {
		// The first bad byte is on a line that is not valid CSV: the
		// problem names the row only and shows the line.
		name:  "InSyntaxError",
		mac:   `as Mac Roman: "BC\"01,cafÈ"`,
		input: "name,type\nBC\"01,caf\xe9\nBC02,lab\xe9\n",
		rows:  []source.RoomRow{{Line: 3, Name: "BC02", Type: "lab\ufffd"}},
		want: []*source.ParseError{
			{File: "release/rooms.csv", Sheet: "rooms", Row: 2, Value: `BC"01,café`, Err: csv.ErrNotUTF8},
			{File: "release/rooms.csv", Sheet: "rooms", Row: 2, Value: "BC\"01,caf\ufffd", Err: csv.ErrSyntax},
		},
	}} {
		t.Run(tt.name, func(t *testing.T) {
			raw, err := csv.ReadFS(releaseWith(map[string][]byte{"rooms.csv": []byte(tt.input)}), "release", csv.Options{})
			if raw == nil {
				t.Fatalf("ReadFS: nil Raw, error %v", err)
			}
			if diff := cmp.Diff(tt.rows, raw.Rooms.Rows); diff != "" {
				t.Errorf("rows mismatch (-want +got):\n%s", diff)
			}
			sourcetest.CheckErrors(t, err, tt.want)
			if err == nil {
				return
			}
			msg := err.Error()
			for _, want := range append([]string{"Latin-1/Windows-1252 or Mac Roman", tt.mac}, saveHints...) {
				if !strings.Contains(msg, want) {
					t.Errorf("message %q does not say %s", msg, want)
				}
			}
		})
	}
}

// TestNotUTF8Message shows whole problems about a Latin-1 file and a
// UTF-16 one.
func TestNotUTF8Message(t *testing.T) {
	fsys := fstest.MapFS{}
	for name, data := range base {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	fsys["rooms.csv"] = &fstest.MapFile{Data: []byte("name,type\nSalle d'\xe9tude,lab\n")}
	_, err := csv.ReadFS(fsys, "release", csv.Options{})
	want := `release/rooms.csv: rooms row 2, column name: "Salle d'étude" (read as Windows-1252; as Mac Roman: "Salle d'Ètude") ` +
		`is not UTF-8 text (byte 0xE9): the file looks like Latin-1/Windows-1252 or Mac Roman text; save it as UTF-8 (in Excel: File › Save As › "CSV UTF-8 (Comma delimited) (.csv)"; ` +
		`in LibreOffice: File › Save As › Text CSV, character set "Unicode (UTF-8)")`
	if err == nil || err.Error() != want {
		t.Errorf("error =\n%v\nwant\n%s", err, want)
	}
	fsys["rooms.csv"] = &fstest.MapFile{Data: utf16Bytes("name,type\r\nBC01,office\r\n", false, true)}
	_, err = csv.ReadFS(fsys, "release", csv.Options{})
	want = `release/rooms.csv: rooms row 1: "name,type" is UTF-16 (little-endian) text, not UTF-8: ` +
		`save it as UTF-8 (in Excel: File › Save As › "CSV UTF-8 (Comma delimited) (.csv)"; ` +
		`in LibreOffice: File › Save As › Text CSV, character set "Unicode (UTF-8)")`
	if err == nil || err.Error() != want {
		t.Errorf("error =\n%v\nwant\n%s", err, want)
	}
}
