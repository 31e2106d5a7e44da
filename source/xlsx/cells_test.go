package xlsx_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"occupancy/source"
	"occupancy/source/xlsx"
)

// TestTypedCells: a workbook whose dates and times are real spreadsheet
// dates and times (numbers with a date or time format, as Excel saves them
// when a person types 2026-09-07 or 08:15) checks to the same release as
// one holding them as text.
func TestTypedCells(t *testing.T) {
	build := func(typed bool) *source.Release {
		t.Helper()
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetName("Sheet1", "semesters")
		dateStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 14}) // m/d/yy
		timeStyle, _ := f.NewStyle(&excelize.Style{NumFmt: 20}) // h:mm
		put := func(sheet, cell string, text string, v any, style int) {
			if typed && v != nil {
				f.SetCellValue(sheet, cell, v)
				f.SetCellStyle(sheet, cell, cell, style)
				return
			}
			f.SetCellValue(sheet, cell, text)
		}
		day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
		f.SetSheetRow("semesters", "A1", &[]any{"name", "type", "start_date", "end_date"})
		f.SetSheetRow("semesters", "A2", &[]any{"Fall", "fall"})
		put("semesters", "C2", "2026-09-07", day(2026, 9, 7), dateStyle)
		put("semesters", "D2", "2026-12-18", day(2026, 12, 18), dateStyle)
		f.NewSheet("rooms")
		f.SetSheetRow("rooms", "A1", &[]any{"name", "type", "capacity"})
		f.SetSheetRow("rooms", "A2", &[]any{"CO1", "AUDITOIRE", 250})
		f.NewSheet("courses")
		f.SetSheetRow("courses", "A1", &[]any{"code", "name", "credits"})
		f.SetSheetRow("courses", "A2", &[]any{"CS-305", "SE", 4})
		f.NewSheet("sessions")
		f.SetSheetRow("sessions", "A1", &[]any{"course", "label", "weekday", "start", "end", "rooms"})
		f.SetSheetRow("sessions", "A2", &[]any{"CS-305", "cours", "Monday"})
		put("sessions", "D2", "08:15", (8*60+15)/1440.0, timeStyle)
		put("sessions", "E2", "10:00", 10/24.0, timeStyle)
		f.SetCellValue("sessions", "F2", "CO1")
		f.NewSheet("bookings")
		f.SetSheetRow("bookings", "A1", &[]any{"date", "start", "end", "rooms", "name"})
		put("bookings", "A2", "2026-10-05", day(2026, 10, 5), dateStyle)
		put("bookings", "B2", "18:00", 0.75, timeStyle)
		put("bookings", "C2", "24:00", 1.0, timeStyle)
		f.SetCellValue("bookings", "D2", "CO1")
		f.SetCellValue("bookings", "E2", "Forum")
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		raw, err := xlsx.Read(&buf, "typed.xlsx", xlsx.Options{})
		if err != nil {
			t.Fatal(err)
		}
		rel, err := source.Check(raw)
		if err != nil {
			t.Fatalf("typed=%v: %v", typed, err)
		}
		return rel
	}
	text, typed := build(false), build(true)
	a, b := text.Occurrences(), typed.Occurrences()
	if len(a) != len(b) || len(a) == 0 {
		t.Fatalf("%d occurrences from text, %d from typed cells", len(a), len(b))
	}
	for i := range a {
		if !a[i].Start.Equal(b[i].Start) || !a[i].End.Equal(b[i].End) {
			t.Errorf("occurrence %d: text %v–%v, typed %v–%v", i, a[i].Start, a[i].End, b[i].Start, b[i].End)
		}
	}
	if !text.Semesters[0].Start.Equal(typed.Semesters[0].Start) || *typed.Rooms[0].Capacity != 250 || *typed.Courses[0].Credits != 4 {
		t.Errorf("typed cells read differently: %+v %+v", typed.Semesters[0], typed.Rooms[0])
	}
}
