package csv_test

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sourcetest"
)

// sample is [sourcetest.WriterRaw] with one more booking, after the cell
// that spans two lines: in CSV it is on line 4.
func sample() *source.Raw {
	raw := sourcetest.WriterRaw()
	raw.Bookings.Rows = append(raw.Bookings.Rows, source.BookingRow{
		Line: 4, Date: "2025-10-02", Start: "12:00", End: "13:00", Rooms: "BC01", Course: "CS-101", Label: "exam",
	})
	return raw
}

func TestWriteDir(t *testing.T) {
	dir := t.TempDir()
	if err := csv.WriteDir(dir, sample()); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"bookings.csv", "courses.csv", "rooms.csv", "semesters.csv", "sessions.csv", "studyplans.csv", "teachers.csv"}
	if !slices.Equal(names, want) {
		t.Errorf("files = %q, want %q", names, want)
	}
	for name, want := range map[string]string{
		"rooms.csv": "name,type,capacity,building,level,latitude,longitude,link,available\n" +
			"BC01,office,4,BC,0,46.518,6.561,\"https://example.org/?a=1,2\",yes\n" +
			"CE 1 1,\"say \"\"auditorium\"\"\",0300,,,,,,\n",
		"bookings.csv": "date,start,end,rooms,course,label,name,description\n" +
			"2025-10-01,18:00,20:00,CE 1 1,,,Talk,\"Two lines:\nfirst, then second\"\n" +
			"2025-10-02,12:00,13:00,BC01,CS-101,exam,,\n",
		"semesters.csv": "name,type,start_date,end_date,skip_dates\n" +
			"fall2025,fall,2025-09-08,2025-12-19,\"2025-10-20..2025-10-24, 2025-11-11\"\n" +
			"spring2026,spring,2026-02-16,2026-05-29,\n",
	} {
		got, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s =\n%s\nwant\n%s", name, got, want)
		}
	}

	// Writing again gives the same bytes.
	dir2 := t.TempDir()
	if err := csv.WriteDir(dir2, sample()); err != nil {
		t.Fatal(err)
	}
	for _, name := range want {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(dir2, name))
		if string(a) != string(b) {
			t.Errorf("%s differs between two writes", name)
		}
	}
}

func TestWriteDirEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := csv.WriteDir(dir, &source.Raw{}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "studyplans.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "unit_code,unit_name,section,promo,semester,courses,id\n"; string(got) != want {
		t.Errorf("studyplans.csv = %q, want %q", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "release")
	want := sample()
	if err := csv.WriteDir(dir, want); err != nil {
		t.Fatal(err)
	}
	got, err := csv.ReadDir(dir, csv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, sourcetest.RowsOnly); diff != "" {
		t.Errorf("round trip mismatch (-want +got):\n%s", diff)
	}
	for _, tab := range []struct {
		file  string
		found bool
	}{{got.Semesters.File, got.Semesters.Found}, {got.Bookings.File, got.Bookings.Found}} {
		if !tab.found || filepath.Dir(tab.file) != dir {
			t.Errorf("table %s: Found %v", tab.file, tab.found)
		}
	}
}
