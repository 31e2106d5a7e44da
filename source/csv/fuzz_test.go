package csv_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sourcetest"
)

// FuzzReadCSV reads a release whose sheet number sheet%7 of source.Sheets
// holds data, the other required sheets being valid. It checks only that
// reading does not panic, that every error is a *source.Errors of complete
// problems, and that rows keep increasing physical lines.
func FuzzReadCSV(f *testing.F) {
	for _, tt := range readTests {
		f.Add(uint8(1), []byte(tt.Input))
	}
	f.Add(uint8(0), []byte(base["semesters.csv"]))
	f.Add(uint8(5), []byte("course,label,weekday,start,end\nCS-101,cours,Mon,08:15,10:00\n"))
	f.Add(uint8(6), []byte("\ufeffDate,Start,End,Rooms,Description\n2025-10-01,18:00,20:00,BC01,\"a\nb\"\n"))
	// Line ends and encodings: CR-only, UTF-16 with and without a byte
	// order mark, Latin-1 in a cell and on a line that is not valid CSV.
	f.Add(uint8(5), []byte("course,label,weekday,start,end\rCS-101,\"co\rurs\",Mon,08:15,10:00\r\rCS-101,x\"y,Tue,08:15,10:00\r"))
	f.Add(uint8(1), utf16Bytes("name,type\r\nBC01,office\r\n", false, true))
	f.Add(uint8(1), utf16Bytes("name,type\nBC01,office\n", true, false))
	f.Add(uint8(1), []byte("name,type\nSalle d'\xe9tude,lab\nBC\"02,caf\xe9\n"))
	f.Add(uint8(1), []byte("name,type\rBC\"01,caf\x8e\rBC02,lab\xe9\r"))
	f.Fuzz(func(t *testing.T, sheet uint8, data []byte) {
		spec := source.Sheets[int(sheet)%len(source.Sheets)]
		fsys := fstest.MapFS{}
		for name, data := range base {
			fsys[name] = &fstest.MapFile{Data: []byte(data)}
		}
		fsys[spec.Name+".csv"] = &fstest.MapFile{Data: data}
		raw, err := csv.ReadFS(fsys, "release", csv.Options{})
		if raw == nil {
			t.Fatalf("nil Raw, error %v", err)
		}
		if err != nil {
			var es *source.Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %v (%T) is not a *source.Errors", err, err)
			}
			if es.Len() == 0 {
				t.Fatalf("empty *source.Errors returned")
			}
			for _, p := range es.List {
				if p == nil || p.Err == nil || p.File == "" || p.Sheet == "" || p.Row < 0 || p.Error() == "" {
					t.Fatalf("incomplete problem %#v", p)
				}
			}
		}
		sourcetest.CheckLines(t, raw)
	})
}
