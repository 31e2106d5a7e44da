package xlsx_test

import (
	"bytes"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sourcetest"
	"occupancy/source/xlsx"
)

func TestWrite(t *testing.T) {
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, sourcetest.WriterRaw()); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := xlsx.Write(&again, sourcetest.WriterRaw()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Errorf("two writes of the same release differ")
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := []string{"semesters", "rooms", "teachers", "courses", "studyplans", "sessions", "bookings"}
	if got := f.GetSheetList(); !slices.Equal(got, want) {
		t.Errorf("sheets = %q, want %q", got, want)
	}
	header, err := f.GetRows("semesters")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := header[0], []string{"name", "type", "start_date", "end_date", "skip_dates"}; !slices.Equal(got, want) {
		t.Errorf("semesters header = %q, want %q", got, want)
	}
	for _, cell := range []string{"C2", "A1"} {
		typ, err := f.GetCellType("rooms", cell)
		if err != nil {
			t.Fatal(err)
		}
		if typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
			t.Errorf("rooms!%s has type %v, want a string", cell, typ)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	want := sourcetest.WriterRaw()
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, want); err != nil {
		t.Fatal(err)
	}
	got, err := xlsx.Read(&buf, "t.xlsx", xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, sourcetest.RowsOnly); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
}

// TestSameAsCSV checks that the two formats give the same Raw for the same
// content, apart from the file names and Serials.
func TestSameAsCSV(t *testing.T) {
	for name, raw := range map[string]*source.Raw{
		"Sample":   sourcetest.WriterRaw(),
		"Empty":    {},
		"Problems": {Rooms: source.Table[source.RoomRow]{Rows: []source.RoomRow{{Name: "BC01"}, {Capacity: "3"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "release")
			if err := csv.WriteDir(dir, raw); err != nil {
				t.Fatal(err)
			}
			fromCSV, errCSV := csv.ReadDir(dir, csv.Options{})
			var buf bytes.Buffer
			if err := xlsx.Write(&buf, raw); err != nil {
				t.Fatal(err)
			}
			fromXLSX, errXLSX := xlsx.Read(&buf, "t.xlsx", xlsx.Options{})
			if diff := cmp.Diff(fromCSV, fromXLSX, ignoreFiles); diff != "" {
				t.Errorf("CSV and XLSX differ (-csv +xlsx):\n%s", diff)
			}
			if (errCSV == nil) != (errXLSX == nil) {
				t.Errorf("errors differ: CSV %v, XLSX %v", errCSV, errXLSX)
			}
		})
	}
}

// ignoreFiles ignores what tells the formats apart.
var ignoreFiles = cmp.FilterPath(func(p cmp.Path) bool {
	if sf, ok := p.Last().(cmp.StructField); ok {
		switch sf.Name() {
		case "File", "Serials":
			return true
		}
	}
	return false
}, cmp.Ignore())
