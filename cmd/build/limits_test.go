package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"occupancy/source"
	"occupancy/source/xlsx"
)

// TestMaxCellsFlag: -max-cells sets the cell limit of the release, and a
// release over it is refused with a message naming the flag, not only the
// reader's option (issue 12: no flag could raise the limit).
func TestMaxCellsFlag(t *testing.T) {
	for _, tt := range []struct {
		Name    string
		Args    []string
		Want    []string // in the error
		WantErr error
	}{
		{Name: "OverTheLimit", Args: []string{"-max-cells", "1000"},
			Want: []string{"row ", "more than 1000 cells", "-max-cells"}, WantErr: source.ErrTooLarge},
		{Name: "Zero", Args: []string{"-max-cells", "0"}, Want: []string{"invalid -max-cells 0"}},
		{Name: "Negative", Args: []string{"-max-cells", "-5"}, Want: []string{"invalid -max-cells -5"}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "public")
			_, stderr, err := buildQuick(t, append(tt.Args, "-out", out)...)
			if err == nil {
				t.Fatalf("build %v succeeded; want a refusal", tt.Args)
			}
			for _, want := range tt.Want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q\n%s", err, want, stderr)
				}
			}
			if tt.WantErr != nil && !errors.Is(err, tt.WantErr) {
				t.Errorf("error %v is not %v", err, tt.WantErr)
			}
		})
	}
}

// TestXLSXLimitFlags: -max-xml-part and -max-shared-text set the budgets
// of an .xlsx release checked before excelize reads it; a workbook over
// one is refused with a message naming the flag.
func TestXLSXLimitFlags(t *testing.T) {
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, sampleRaw(t)); err != nil {
		t.Fatal(err)
	}
	book := filepath.Join(t.TempDir(), "sample.xlsx")
	if err := os.WriteFile(book, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		Name string
		Args []string
		Want string // in the error
	}{
		{Name: "PartOverLimit", Args: []string{"-max-xml-part", "64KiB"}, Want: "raise the limit with -max-xml-part"},
		{Name: "TextOverBudget", Args: []string{"-max-shared-text", "100KB"}, Want: "raise the limit with -max-shared-text"},
		{Name: "WorkbookOverLimit", Args: []string{"-max-xml-part", "64KiB", "-max-unzip", "1MiB"}, Want: "raise the limit with -max-unzip"},
		{Name: "UnzipBelowPart", Args: []string{"-max-unzip", "1MiB"}, Want: "invalid -max-unzip 1MiB: want at least -max-xml-part (128MiB)"},
		{Name: "ZeroPart", Args: []string{"-max-xml-part", "0"}, Want: "invalid -max-xml-part 0"},
		{Name: "BadText", Args: []string{"-max-shared-text", "lots"}, Want: `invalid value "lots" for flag -max-shared-text`},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "public")
			_, stderr, err := buildQuick(t, append(tt.Args, "-in", book, "-out", out)...)
			if err == nil || !strings.Contains(err.Error(), tt.Want) {
				t.Fatalf("build %v: error %v, want %q\n%s", tt.Args, err, tt.Want, stderr)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused build left %s: %v", out, err)
			}
		})
	}
}

// writeFiles writes a release folder of the files named, in a new
// temporary folder, and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// issue12Release returns the folder of a release of one course in one
// room: sessions weekly sessions in a 14-week semester, the course listed
// by plans study plans.
func issue12Release(t *testing.T, sessions, plans int) (dir string, size int) {
	t.Helper()
	var sp, ss strings.Builder
	sp.WriteString("unit_code,unit_name,section,promo,semester,courses\n")
	for i := range plans {
		fmt.Fprintf(&sp, "U-%03d,Unit %d - Bachelor semestre 1,U,BA1,Fall 2026,CS-101\n", i, i)
	}
	ss.WriteString("course,label,weekday,start,end,rooms,semester,weeks\n")
	for i := range sessions {
		start := 8*60 + i%40*15
		fmt.Fprintf(&ss, "CS-101,group %d,Monday,%02d:%02d,%02d:%02d,CO1,Fall 2026,\n", i, start/60, start%60, (start+15)/60, (start+15)%60)
	}
	files := map[string]string{
		"semesters.csv":  "name,type,start_date,end_date\nFall 2026,fall,2026-09-14,2026-12-18\n",
		"rooms.csv":      "name,type,capacity\nCO1,AUDITOIRE,210\n",
		"courses.csv":    "code,name\nCS-101,Introduction to programming\n",
		"studyplans.csv": sp.String(),
		"sessions.csv":   ss.String(),
	}
	for _, c := range files {
		size += len(c)
	}
	return writeFiles(t, files), size
}

// TestOutputLimits: the releases of issue 12 that took the build over (a
// 44 KB release of 500 weekly sessions of one course, listed by 100 study
// plans, used 1.4 GB of memory and wrote 1.2 GB; a 2 MB one of 50,000
// sessions ran out of memory) are refused before anything is rendered,
// at the row that passes a limit, naming the flag that raises it, in well
// under a second and 400 MiB. The flags set the limits.
func TestOutputLimits(t *testing.T) {
	issue12, size := issue12Release(t, 500, 100)
	big, bigSize := issue12Release(t, 50_000, 100)
	t.Logf("releases of %d and %d bytes", size, bigSize)
	for _, tt := range []struct {
		Name string
		In   string // "": the embedded sample
		Args []string
		Want []string // in stderr and the error
	}{
		{Name: "Issue12", In: issue12, Want: []string{
			issue12 + `/sessions.csv: sessions row 359, column course: "CS-101" is over a limit: with this row, the course has 5012 dated occurrences, more than the 5000 allowed for one course; raise the limit with -max-course-occurrences`}},
		{Name: "Issue12Big", In: big, Want: []string{
			big + `/sessions.csv: sessions row 359, column course: "CS-101" is over a limit`, "-max-course-occurrences"}},
		// The sample has at most 84 occurrences of a course, 828 in a
		// room, 411 in a study plan, and lists 97,251 in all.
		{Name: "CourseFlag", Args: []string{"-max-course-occurrences", "80"}, Want: []string{"more than the 80 allowed for one course", "-max-course-occurrences"}},
		{Name: "RoomFlag", Args: []string{"-max-room-occurrences", "800"}, Want: []string{"more than the 800 allowed for one room", "-max-room-occurrences"}},
		{Name: "PlanFlag", Args: []string{"-max-plan-schedules", "400"}, Want: []string{"more than the 400 allowed for one study plan", "-max-plan-schedules"}},
		{Name: "ListingsFlag", Args: []string{"-max-listings", "97250"}, Want: []string{"more than 97250 dated occurrences in all", "-max-listings"}},
		{Name: "ZeroCourse", Args: []string{"-max-course-occurrences", "0"}, Want: []string{"invalid -max-course-occurrences 0"}},
		{Name: "NegativeListings", Args: []string{"-max-listings", "-1"}, Want: []string{"invalid -max-listings -1"}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "public")
			args := append(tt.Args, "-out", out)
			if tt.In != "" {
				args = append(args, "-in", tt.In)
			}
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			start := time.Now()
			_, stderr, err := buildQuick(t, args...)
			took := time.Since(start)
			runtime.ReadMemStats(&after)
			alloc := after.TotalAlloc - before.TotalAlloc
			t.Logf("refused in %v, %d MiB allocated: %v", took, alloc>>20, err)
			if err == nil {
				t.Fatalf("build %v succeeded; want a refusal", args)
			}
			for _, want := range tt.Want {
				if !strings.Contains(stderr+err.Error(), want) {
					t.Errorf("output does not say %q:\n%s\n%v", want, stderr, err)
				}
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused build left %s: %v", out, err)
			}
			if tt.In != "" && alloc > 400<<20 {
				t.Errorf("refusing allocated %d MiB", alloc>>20)
			}
		})
	}
}

// TestRepeatedRowsWarned: a session or booking row that repeats an
// earlier one is published, with a warning naming both rows.
func TestRepeatedRowsWarned(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"semesters.csv": "name,type,start_date,end_date\nFall 2026,fall,2026-09-14,2026-12-18\n",
		"rooms.csv":     "name,type\nCO1,AUDITOIRE\nCO2,AUDITOIRE\n",
		"courses.csv":   "code,name\nCS-101,Intro\n",
		"sessions.csv": "course,label,weekday,start,end,rooms\n" +
			"CS-101,cours,Monday,08:15,10:00,CO1;CO2\n" +
			"CS-101,exercices,Monday,10:15,12:00,CO1\n" +
			"CS-101,cours,lundi,8:15,10:00,CO2;CO1\n",
		"bookings.csv": "date,start,end,rooms,name\n" +
			"2026-10-05,18:00,20:00,CO1,Forum\n" +
			"2026-10-05,18:00,20:00,CO1,Forum\n",
	})
	_, stderr, err := buildQuick(t, "-in", dir, "-out", filepath.Join(t.TempDir(), "public"))
	if err != nil {
		t.Fatalf("build: %v\n%s", err, stderr)
	}
	for _, want := range []string{
		"warning: " + dir + `/sessions.csv: sessions row 4 repeats row 2 (CS-101 "cours", Monday 08:15-10:00)`,
		"warning: " + dir + `/bookings.csv: bookings row 3 repeats row 2 (Forum "event", 2026-10-05 18:00-20:00)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, stderr)
		}
	}
}
