package source_test

import (
	"errors"
	"testing"
	"time"

	"occupancy/source"
)

func TestParseClock(t *testing.T) {
	tests := []struct {
		in      string
		serials bool
		end     bool
		want    source.Clock
		wantErr bool
	}{
		{in: "08:15", want: 8*60 + 15},
		{in: "8:15", want: 8*60 + 15},
		{in: "08:15:00", want: 8*60 + 15},
		{in: "00:00", want: 0},
		{in: "23:59", want: 23*60 + 59},
		{in: "24:00", end: true, want: 1440},
		{in: "24:00", wantErr: true},
		{in: "25:00", end: true, wantErr: true},
		{in: "08:60", wantErr: true},
		{in: "08:15:30", wantErr: true},
		{in: "8h15", wantErr: true},
		{in: "08:5", wantErr: true},
		{in: "+8:15", wantErr: true},
		{in: "-1:00", wantErr: true},
		{in: "", wantErr: true},
		{in: "0.34375", wantErr: true},
		{in: "0.34375", serials: true, want: 8*60 + 15},
		{in: "1", serials: true, end: true, want: 1440},
		{in: "1", serials: true, wantErr: true},
		{in: "1.5", serials: true, wantErr: true},
	}
	for _, tt := range tests {
		name := tt.in
		if name == "" {
			name = "empty"
		}
		if tt.serials {
			name += " serials"
		}
		if tt.end {
			name += " end"
		}
		if tt.wantErr {
			name += " refused"
		}
		t.Run(name, func(t *testing.T) {
			got, err := source.ParseClock(tt.in, tt.serials, tt.end)
			if (err != nil) != tt.wantErr {
				t.Errorf("ParseClock(%q, %v, %v) error = %v, want error %v", tt.in, tt.serials, tt.end, err, tt.wantErr)
				return
			}
			if err != nil && !errors.Is(err, source.ErrBadTime) {
				t.Errorf("ParseClock(%q) error = %v, want ErrBadTime", tt.in, err)
			}
			if err == nil && got != tt.want {
				t.Errorf("ParseClock(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseDate(t *testing.T) {
	day := func(y int, m time.Month, d int) source.Date { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }
	tests := []struct {
		in      string
		serials bool
		want    source.Date
		wantErr bool
	}{
		{in: "2026-09-07", want: day(2026, 9, 7)},
		{in: "2026-02-29", wantErr: true},
		{in: "2026-9-7", wantErr: true},
		{in: "07.09.2026", wantErr: true},
		{in: "46272", wantErr: true},
		{in: "46272", serials: true, want: day(2026, 9, 7)},
		{in: "46272.5", serials: true, wantErr: true},
		{in: "0", serials: true, wantErr: true},
	}
	for _, tt := range tests {
		name := tt.in
		if tt.serials {
			name += " serials"
		}
		t.Run(name, func(t *testing.T) {
			got, err := source.ParseDate(tt.in, tt.serials)
			if (err != nil) != tt.wantErr || err == nil && !got.Equal(tt.want) {
				t.Errorf("ParseDate(%q, %v) = %v, %v; want %v, error %v", tt.in, tt.serials, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestParseWeeks(t *testing.T) {
	tests := []struct {
		in      string
		want    []source.WeekRange
		wantErr bool
	}{
		{in: "1-6,8-14", want: []source.WeekRange{{1, 6}, {8, 14}}},
		{in: "3", want: []source.WeekRange{{3, 3}}},
		{in: " 1 - 2 ; 5 ", want: []source.WeekRange{{1, 2}, {5, 5}}},
		{in: "0", wantErr: true},
		{in: "6-1", wantErr: true},
		{in: "a-b", wantErr: true},
		{in: ",", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := source.ParseWeeks(tt.in)
			if (err != nil) != tt.wantErr {
				t.Errorf("ParseWeeks(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
				return
			}
			if len(got) != len(tt.want) {
				t.Errorf("ParseWeeks(%q) = %v, want %v", tt.in, got, tt.want)
				return
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("ParseWeeks(%q) = %v, want %v", tt.in, got, tt.want)
				}
			}
		})
	}
}

func TestParseWeekday(t *testing.T) {
	for in, want := range map[string]time.Weekday{
		"Monday": time.Monday, "mon": time.Monday, "Mon.": time.Monday, "lundi": time.Monday, "Lu": time.Monday,
		"Ma": time.Tuesday, "mardi": time.Tuesday, "Me": time.Wednesday, "Je": time.Thursday,
		"Ve": time.Friday, "Sa": time.Saturday, "Di": time.Sunday, "SUNDAY": time.Sunday, "dimanche": time.Sunday,
	} {
		t.Run(in, func(t *testing.T) {
			got, err := source.ParseWeekday(in)
			if err != nil || got != want {
				t.Errorf("ParseWeekday(%q) = %v, %v; want %v", in, got, err, want)
			}
		})
	}
	for _, in := range []string{"", "Mo2", "funday", "1"} {
		if _, err := source.ParseWeekday(in); !errors.Is(err, source.ErrBadWeekday) {
			t.Errorf("ParseWeekday(%q) error = %v, want ErrBadWeekday", in, err)
		}
	}
}

func TestCheckSegment(t *testing.T) {
	for _, ok := range []string{"CO1", "GC_A1_416", "CS-305", "STCC 08328", "é", "CONSTANT", "COM10", "LPT", "Console.1", "a.b"} {
		if err := source.CheckSegment(ok); err != nil {
			t.Errorf("CheckSegment(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", `a\b`, "a\x00b", "a\nb", "index.json", "INDEX.JSON", "index.json.gz", "Index.JSON.br", "\x7f", "CO1.ics", "x.ICS",
		// Look-alikes (issue 13): decomposed accents, invisible characters,
		// text-direction controls, names Windows cannot hold.
		"e\u0301", "\u212a1", "CO\u200b1", "CO1\u200d", "\ufeffCO1", "CO\u202e1", "CO\u20661",
		"CON", "con", "Nul.json", "aux.txt", "COM1", "lpt9", "CO1.", "a:b", "a<b", "a|b", "a?b", "a*b", `a"b`} {
		if err := source.CheckSegment(bad); !errors.Is(err, source.ErrBadName) {
			t.Errorf("CheckSegment(%q) = %v, want ErrBadName", bad, err)
		}
	}
}

func TestDefaultBuilding(t *testing.T) {
	for in, want := range map[string]string{
		"CO1": "CO", "BC01": "BC", "INM202": "INM", "GC_A1_416": "GC A", "PO-01": "PO", "AULA": "AULA", "12": "",
		"STCC 08328": "STCC", "MA_A1_10": "MA A",
	} {
		t.Run(in, func(t *testing.T) {
			if got := source.DefaultBuilding(in); got != want {
				t.Errorf("DefaultBuilding(%q) = %q, want %q", in, got, want)
			}
		})
	}
}

func TestNormalizeHeader(t *testing.T) {
	for in, want := range map[string]string{
		"start_date": "startdate", "Start Date": "startdate", "\ufeffSTART_DATE": "startdate", " people_url ": "peopleurl",
	} {
		t.Run(in, func(t *testing.T) {
			if got := source.NormalizeHeader(in); got != want {
				t.Errorf("NormalizeHeader(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
