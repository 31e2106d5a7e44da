package generator_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"occupancy/generator/tree"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"occupancy/generator"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden pins every file of the fixture's tree. Run
// `go test ./generator -update` to rewrite them, and review the diff.
func TestGolden(t *testing.T) {
	files, err := generator.Render(fixture(t), generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The page's static files are copies of generator/web (TestWebFiles
	// checks them); only its generated app/config.json is pinned here.
	files = slices.DeleteFunc(files, func(f tree.File) bool {
		return f.Kind == tree.KindWeb && f.Path != tree.WebConfigPath
	})
	checkGolden(t, filepath.Join("testdata", "golden"), files, "go test ./generator -run 'TestGolden$' -update")
	want := []string{
		"api/courses/CS-305.ics", "api/courses/CS-305/index.json", "api/courses/HUM-200.ics", "api/courses/HUM-200/index.json",
		"api/courses/MATH-101.ics", "api/courses/MATH-101/index.json", "api/courses/index.json",
		"api/docs/index.html", "api/openapi.json",
		"api/rooms/BC01.ics", "api/rooms/BC01/index.json", "api/rooms/CO1.ics", "api/rooms/CO1/index.json",
		"api/rooms/GC_A1_416.ics", "api/rooms/GC_A1_416/index.json", "api/rooms/index.json",
		"api/studyplans/6b090e389c963b7fee731dbe.ics", "api/studyplans/6b090e389c963b7fee731dbe/index.json",
		"api/studyplans/" + sourceID("IN-BA6", "Semestre de printemps 2027") + ".ics", "api/studyplans/" + sourceID("IN-BA6", "Semestre de printemps 2027") + "/index.json", "api/studyplans/index.json",
		"app/config.json",
		"occupancy.snapshot", "release.json",
	}
	var got []string
	for _, f := range files {
		got = append(got, f.Path)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("paths:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// checkGolden compares files with the golden files under root: the same
// files, byte for byte, JSON valid; with -update it writes them first.
// rerun is the command that rewrites them.
func checkGolden(t *testing.T, root string, files []tree.File, rerun string) {
	t.Helper()
	if *update {
		os.RemoveAll(root)
		for _, f := range files {
			p := filepath.Join(root, filepath.FromSlash(f.Path))
			os.MkdirAll(filepath.Dir(p), 0o755)
			if err := os.WriteFile(p, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	seen := map[string]bool{}
	for _, f := range files {
		seen[f.Path] = true
		want, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f.Path)))
		if err != nil {
			t.Errorf("%s: no golden file (run %s): %v", f.Path, rerun, err)
			continue
		}
		if !bytes.Equal(f.Data, want) {
			t.Errorf("%s differs from its golden file:\n got: %s\nwant: %s", f.Path, f.Data, want)
		}
		if strings.HasSuffix(f.Path, ".json") && !json.Valid(f.Data) {
			t.Errorf("%s is not valid JSON", f.Path)
		}
	}
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			if !seen[filepath.ToSlash(rel)] {
				t.Errorf("golden file %s is no longer rendered", rel)
			}
		}
		return nil
	})
}

func TestRenderDeterministic(t *testing.T) {
	a, err := generator.Render(fixture(t), generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		b, _ := generator.Render(fixture(t), generator.Options{})
		if len(a) != len(b) {
			t.Fatal("file count differs between renders")
		}
		for j := range a {
			if a[j].Path != b[j].Path || !bytes.Equal(a[j].Data, b[j].Data) {
				t.Fatalf("render %d differs at %s", i, a[j].Path)
			}
		}
	}
}

func TestDatetime(t *testing.T) {
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		t.Fatal(err)
	}
	wall := func(s string) time.Time { v, _ := time.Parse("2006-01-02T15:04", s); return v }
	tests := []struct {
		opt  generator.Options
		in   string
		want string
	}{
		{generator.Options{}, "2026-10-05T08:15", "2026-10-05T08:15:00.000Z"},
		{generator.Options{RFC3339: true, Location: zurich}, "2026-10-05T08:15", "2026-10-05T08:15:00+02:00"},
		{generator.Options{RFC3339: true, Location: zurich}, "2026-10-26T08:15", "2026-10-26T08:15:00+01:00"},
		{generator.Options{RFC3339: true}, "2026-10-26T08:15", "2026-10-26T08:15:00Z"},
	}
	for _, tt := range tests {
		t.Run(optionsName(tt.opt)+" "+tt.in, func(t *testing.T) {
			if got := tt.opt.Datetime(wall(tt.in)); got != tt.want {
				t.Errorf("Datetime(%s, rfc3339=%v) = %s, want %s", tt.in, tt.opt.RFC3339, got, tt.want)
			}
		})
	}
}

func TestRFC3339Option(t *testing.T) {
	zurich, _ := time.LoadLocation("Europe/Zurich")
	files, err := generator.Render(fixture(t), generator.Options{RFC3339: true, Location: zurich})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if f.Path == "api/rooms/CO1/index.json" {
			if !bytes.Contains(f.Data, []byte(`"start_datetime":"2026-09-07T08:15:00+02:00"`)) {
				t.Errorf("CO1 with -rfc3339 lacks the offset form: %s", f.Data)
			}
			if bytes.Contains(f.Data, []byte(".000Z")) {
				t.Errorf("CO1 with -rfc3339 still has fake-UTC datetimes")
			}
			return
		}
	}
	t.Fatal("no CO1 file")
}

func TestSemesterType(t *testing.T) {
	for _, tt := range []struct {
		in   []string
		want string
	}{
		{nil, "year"}, {[]string{"fall"}, "fall"}, {[]string{"spring", "spring"}, "spring"},
		{[]string{"fall", "spring"}, "year"}, {[]string{"year"}, "year"}, {[]string{"fall", "year"}, "year"},
	} {
		t.Run(semesterTypesName(tt.in), func(t *testing.T) {
			if got := generator.SemesterType(tt.in); got != tt.want {
				t.Errorf("SemesterType(%v) = %s, want %s", tt.in, got, tt.want)
			}
		})
	}
}

// semesterTypesName names a row of TestSemesterType by its types.
func semesterTypesName(types []string) string {
	if len(types) == 0 {
		return "none"
	}
	return strings.Join(types, "+")
}
