package main

import (
	"bytes"
	"context"
	stdcsv "encoding/csv"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/source"
	"occupancy/source/csv"
	"occupancy/source/sample"
	"occupancy/source/xlsx"
)

// build runs the command with args and returns its stdout and stderr.
func build(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), append([]string{"-q", "-no-sync"}, args...), &stdout, &stderr)
	return stdout.String(), stderr.String(), err
}

// sampleRoot holds the sample's tree, built once per test binary by
// sampleTree and removed by TestMain.
var sampleRoot string

func TestMain(m *testing.M) {
	code := m.Run()
	if sampleRoot != "" {
		os.RemoveAll(sampleRoot)
	}
	os.Exit(code)
}

// sampleTree builds the embedded sample once per test binary, without
// compressed copies: they triple a build's files and its time under the
// race detector, and TestRebuildFastPath, which builds them, checks them.
var sampleTree = func() func(t *testing.T) string {
	var (
		mu  sync.Mutex // tests in parallel share it
		dir string
	)
	return func(t *testing.T) string {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if dir == "" {
			d, err := os.MkdirTemp("", "occupancy-sample-")
			if err != nil {
				t.Fatal(err)
			}
			sampleRoot = d
			out := filepath.Join(d, "public")
			if _, stderr, err := build(t, "-no-compress", "-out", out); err != nil {
				t.Fatalf("build of the sample: %v\n%s", err, stderr)
			}
			dir = out
		}
		return dir
	}
}()

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s does not have the documented shape: %v", path, err)
	}
}

var (
	datetimeRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$`)
	idRe       = regexp.MustCompile(`^[0-9a-f]{24}$`)
)

// TestSampleShapes validates every GET file of the sample against the
// shapes of the contract: strict field sets, key presence rules, datetime
// format, ids, sort orders and cross references.
func TestSampleShapes(t *testing.T) {
	dir := sampleTree(t)
	api := filepath.Join(dir, "api")

	// Raw key presence, which typed decoding cannot see.
	var rawRooms []map[string]json.RawMessage
	readJSON(t, filepath.Join(api, "rooms", "index.json"), &rawRooms)
	for _, r := range rawRooms {
		for _, k := range []string{"name", "type", "link", "coordinates", "building", "capacity"} {
			if _, ok := r[k]; !ok {
				t.Errorf("room %s lacks key %q", r["name"], k)
			}
		}
		if lv, ok := r["level"]; ok && string(lv) == "null" {
			t.Errorf("room %s has level null; it must be omitted when unknown", r["name"])
		}
		if c := string(r["coordinates"]); c != "null" && !strings.HasPrefix(c, "[") {
			t.Errorf("room %s coordinates %s is neither [lat,lon] nor null", r["name"], c)
		}
	}

	var rooms []generator.RoomItem
	readJSON(t, filepath.Join(api, "rooms", "index.json"), &rooms)
	if len(rooms) < 150 {
		t.Errorf("%d rooms, want at least 150", len(rooms))
	}
	roomNames := map[string]bool{}
	for i, r := range rooms {
		if i > 0 && rooms[i-1].Name >= r.Name {
			t.Errorf("rooms not sorted by name at %s", r.Name)
		}
		roomNames[r.Name] = true
		if r.Capacity != nil && *r.Capacity <= 0 {
			t.Errorf("room %s capacity %d: unknown must be null", r.Name, *r.Capacity)
		}
		var detail generator.RoomDetail
		readJSON(t, filepath.Join(api, "rooms", r.Name, "index.json"), &detail)
		if !equalJSON(t, detail.RoomItem, r) {
			t.Errorf("room %s: detail fields differ from the list", r.Name)
		}
		for j, s := range detail.Schedules {
			checkSpan(t, "room "+r.Name, s.Start, s.End)
			if (s.Course == nil) == (s.Name == "") {
				t.Errorf("room %s schedule %d is neither a course nor an event entry: %+v", r.Name, j, s)
			}
			if j > 0 && detail.Schedules[j-1].Start > s.Start {
				t.Errorf("room %s schedules not sorted at %d", r.Name, j)
			}
		}
	}

	var courses []generator.CourseItem
	readJSON(t, filepath.Join(api, "courses", "index.json"), &courses)
	if len(courses) < 800 {
		t.Errorf("%d courses, want at least 800", len(courses))
	}
	for i, c := range courses {
		if i > 0 && courses[i-1].Code >= c.Code {
			t.Errorf("courses not sorted by code at %s", c.Code)
		}
		switch c.SemesterType {
		case "fall", "spring", "year":
		default:
			t.Errorf("course %s semesterType %q", c.Code, c.SemesterType)
		}
		var detail generator.CourseDetail
		readJSON(t, filepath.Join(api, "courses", c.Code, "index.json"), &detail)
		if detail.Code != c.Code || detail.Name != c.Name || detail.Teachers == nil || detail.Schedules == nil || detail.StudyPlans == nil {
			t.Errorf("course %s detail incomplete: %+v", c.Code, detail)
		}
		for _, s := range detail.Schedules {
			checkSpan(t, "course "+c.Code, s.Start, s.End)
			for _, r := range s.Rooms {
				if !roomNames[r.Name] {
					t.Errorf("course %s schedule names room %q, not an available room", c.Code, r.Name)
				}
			}
		}
		for _, p := range detail.StudyPlans {
			if !idRe.MatchString(p.ID) {
				t.Errorf("course %s names study plan id %q", c.Code, p.ID)
			}
			if _, err := os.Stat(filepath.Join(api, "studyplans", p.ID, "index.json")); err != nil {
				t.Errorf("course %s names study plan %s, which has no page", c.Code, p.ID)
			}
		}
	}

	var plans []generator.StudyPlanItem
	readJSON(t, filepath.Join(api, "studyplans", "index.json"), &plans)
	if len(plans) < 100 {
		t.Errorf("%d study plans, want at least 100", len(plans))
	}
	for _, p := range plans {
		if !idRe.MatchString(p.ID) {
			t.Errorf("study plan id %q is not 24 lowercase hex digits", p.ID)
		}
		var detail generator.StudyPlanDetail
		readJSON(t, filepath.Join(api, "studyplans", p.ID, "index.json"), &detail)
		if detail.ID != p.ID || detail.Unit != p.Unit || detail.Semester.Name != p.Semester.Name || detail.Semester.SkipDates == nil {
			t.Errorf("study plan %s detail disagrees with the list", p.ID)
		}
		for _, d := range detail.Semester.SkipDates {
			if !strings.HasSuffix(d, "T00:00:00.000Z") {
				t.Errorf("skip date %q is not a midnight datetime", d)
			}
		}
		for _, s := range detail.Schedules {
			checkSpan(t, "study plan "+p.ID, s.Start, s.End)
			if s.Start < detail.Semester.StartDate || s.Start > detail.Semester.EndDate[:10]+"T23:59" {
				t.Errorf("study plan %s schedule %s outside its semester", p.ID, s.Start)
			}
		}
		for i, c := range detail.Courses {
			if i > 0 && detail.Courses[i-1].Code >= c.Code || c.Teachers == nil {
				t.Errorf("study plan %s courses not sorted or without teachers at %s", p.ID, c.Code)
			}
		}
	}
}

func checkSpan(t *testing.T, where, start, end string) {
	t.Helper()
	if !datetimeRe.MatchString(start) || !datetimeRe.MatchString(end) || end <= start {
		t.Errorf("%s: bad schedule span %q – %q", where, start, end)
	}
}

func equalJSON(t *testing.T, a, b any) bool {
	t.Helper()
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// sampleRows reads one sheet of the embedded sample with encoding/csv,
// independently of the project's readers, as maps of column → value.
func sampleRows(t *testing.T, sheet string) []map[string]string {
	t.Helper()
	f, err := sample.Files().Open(sheet + ".csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := stdcsv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var out []map[string]string
	for _, rec := range recs[1:] {
		m := map[string]string{}
		for i, h := range recs[0] {
			m[h] = rec[i]
		}
		out = append(out, m)
	}
	return out
}

// TestSampleByHand checks one course, one room and one study plan of the
// sample against their spreadsheet rows.
func TestSampleByHand(t *testing.T) {
	dir := sampleTree(t)
	api := filepath.Join(dir, "api")

	// A course with teachers, from its courses row.
	var row map[string]string
	for _, r := range sampleRows(t, "courses") {
		if strings.Contains(r["teachers"], ";") && r["credits"] != "" && r["edu_url"] != "" {
			row = r
			break
		}
	}
	if row == nil {
		t.Fatal("sample has no course with several teachers")
	}
	var course generator.CourseDetail
	readJSON(t, filepath.Join(api, "courses", row["code"], "index.json"), &course)
	credits, _ := strconv.ParseFloat(row["credits"], 64)
	if course.Name != row["name"] || course.Credits == nil || *course.Credits != credits || course.EduURL != row["edu_url"] || course.Language != row["language"] {
		t.Errorf("course %s = %+v, row %v", row["code"], course, row)
	}
	var teacherNames []string
	for _, tc := range course.Teachers {
		teacherNames = append(teacherNames, tc.Name)
	}
	if strings.Join(teacherNames, ";") != row["teachers"] {
		t.Errorf("course %s teachers %v, row %q", row["code"], teacherNames, row["teachers"])
	}
	// Its weekly sessions: each session row gives one schedule per week.
	nSessions := 0
	for _, s := range sampleRows(t, "sessions") {
		if s["course"] == row["code"] {
			nSessions++
			found := false
			for _, sc := range course.Schedules {
				if strings.HasSuffix(sc.Start[:16], "T"+pad(s["start"])) && strings.HasSuffix(sc.End[:16], "T"+pad(s["end"])) && sc.Label == s["label"] {
					found = true
					break
				}
			}
			if !found {
				t.Errorf("course %s: session %v has no schedule", row["code"], s)
			}
		}
	}
	if nSessions > 0 && len(course.Schedules) < nSessions {
		t.Errorf("course %s has %d schedules for %d weekly sessions", row["code"], len(course.Schedules), nSessions)
	}

	// A room with every field known.
	checked := 0
	for _, r := range sampleRows(t, "rooms") {
		if r["capacity"] == "" || r["level"] == "" || r["latitude"] == "" || r["link"] == "" || r["available"] == "false" {
			continue
		}
		var room generator.RoomDetail
		readJSON(t, filepath.Join(api, "rooms", r["name"], "index.json"), &room)
		lat, _ := strconv.ParseFloat(r["latitude"], 64)
		lon, _ := strconv.ParseFloat(r["longitude"], 64)
		capacity, _ := strconv.Atoi(r["capacity"])
		level, _ := strconv.Atoi(r["level"])
		building := r["building"]
		if building == "" {
			building = source.DefaultBuilding(r["name"])
		}
		if room.Type != r["type"] || room.Capacity == nil || *room.Capacity != capacity || room.Level == nil || *room.Level != level ||
			room.Coordinates == nil || room.Coordinates[0] != lat || room.Coordinates[1] != lon || room.Link == nil || *room.Link != r["link"] || room.Building != building {
			t.Errorf("room %s = %+v, row %v", r["name"], room.RoomItem, r)
		}
		checked++
		break
	}
	// A room marked unavailable has no page and is in no list.
	for _, r := range sampleRows(t, "rooms") {
		if r["available"] == "false" {
			checked++
			if _, err := os.Stat(filepath.Join(api, "rooms", r["name"])); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("unavailable room %s is published", r["name"])
			}
			list, _ := os.ReadFile(filepath.Join(api, "rooms", "index.json"))
			if bytes.Contains(list, []byte(`"name":"`+r["name"]+`"`)) {
				t.Errorf("unavailable room %s is listed", r["name"])
			}
		}
	}

	// A study plan with a derived id, from its row.
	for _, p := range sampleRows(t, "studyplans") {
		if p["id"] != "" || p["promo"] == "" {
			continue
		}
		id := source.StudyPlanID(p["unit_code"], p["semester"])
		var plan generator.StudyPlanDetail
		readJSON(t, filepath.Join(api, "studyplans", id, "index.json"), &plan)
		if plan.Unit.Code != p["unit_code"] || plan.Unit.Name != p["unit_name"] || plan.Unit.Section != p["section"] || plan.Unit.Promo != p["promo"] || plan.Semester.Name != p["semester"] {
			t.Errorf("study plan %s = %+v, row %v", id, plan, p)
		}
		codes := strings.Split(p["courses"], ";")
		if len(plan.Courses) != len(codes) {
			t.Errorf("study plan %s has %d courses, row lists %d", id, len(plan.Courses), len(codes))
		}
		checked++
		break
	}
	if checked != 5 {
		t.Errorf("checked %d rows by hand, want 5 (a full room, 3 unavailable rooms, a plan)", checked)
	}
}

func pad(hhmm string) string {
	if len(hhmm) == 4 {
		return "0" + hhmm
	}
	return hhmm
}

// TestFormatsGiveIdenticalOutput writes the sample as a workbook, builds
// it, and compares the tree with the embedded sample's (CSV files): the
// same files, byte for byte, and the same release id.
func TestFormatsGiveIdenticalOutput(t *testing.T) {
	raw, err := csv.ReadFS(sample.Files(), "sample", csv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, raw); err != nil {
		t.Fatal(err)
	}
	book := filepath.Join(tmp, "timetable.xlsx")
	if err := os.WriteFile(book, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// Without compressed copies, like sampleTree: they follow from the
	// files, and cost most of a build under the race detector.
	outXLSX := filepath.Join(tmp, "from-xlsx")
	if _, stderr, err := build(t, "-no-compress", "-in", book, "-out", outXLSX); err != nil {
		t.Fatalf("xlsx build: %v\n%s", err, stderr)
	}
	fromXLSX, sample := checkPublished(t, outXLSX), checkPublished(t, sampleTree(t))
	if len(originals(sample)) == 0 || fromXLSX.Release != sample.Release || !slices.Equal(originals(fromXLSX), originals(sample)) {
		t.Errorf("the workbook gives release %.12s, the embedded CSV files %.12s, or other files", fromXLSX.Release, sample.Release)
	}
}

// originals returns the files of m that are not compressed copies, by
// path, kind, size and hash.
func originals(m *tree.Manifest) []tree.ManifestEntry {
	var out []tree.ManifestEntry
	for _, e := range m.Files {
		if e.Encoding == "" {
			out = append(out, tree.ManifestEntry{Path: e.Path, Kind: e.Kind, SHA256: e.SHA256, Size: e.Size})
		}
	}
	return out
}

// TestBadReleaseChangesNothing builds a good release, then a broken one
// into the same folder: every problem is printed with its position and
// the previous tree stays as it was.
func TestBadReleaseChangesNothing(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	out := filepath.Join(tmp, "public")
	if _, stderr, err := build(t, "-no-compress", "-in", smallRelease(t, filepath.Join(tmp, "good")), "-out", out); err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	before, _ := os.ReadFile(filepath.Join(out, tree.ManifestName))

	raw := rebuildRelease()
	raw.Sessions.Rows[3].End = "25:00"
	raw.Sessions.Rows[5].Rooms = "NOWHERE1"
	raw.Rooms.Rows[3].Name = raw.Rooms.Rows[2].Name
	bad := filepath.Join(tmp, "bad")
	os.Mkdir(bad, 0o755)
	if err := csv.WriteDir(bad, raw); err != nil {
		t.Fatal(err)
	}
	_, stderr, err := build(t, "-no-compress", "-in", bad, "-out", out)
	if err == nil {
		t.Fatal("a broken release was published")
	}
	for _, want := range []string{
		`bad/rooms.csv: rooms row 5, column name: "` + raw.Rooms.Rows[2].Name + `" is a duplicate of row 4`,
		`bad/sessions.csv: sessions row 5, column end: "25:00" is not a time (HH:MM)`,
		`bad/sessions.csv: sessions row 7, column rooms: "NOWHERE1" is not a room of the rooms sheet`,
	} {
		if !strings.Contains(stderr, filepath.Join(tmp, want)) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(err.Error(), "nothing was published") {
		t.Errorf("error = %v", err)
	}
	after, _ := os.ReadFile(filepath.Join(out, tree.ManifestName))
	if !bytes.Equal(before, after) {
		t.Error("a failed build changed the output")
	}
}

func TestFlags(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-tz", "Mars/Olympus"}, `invalid -tz "Mars/Olympus"`},
		{[]string{"-in", "/does/not/exist"}, "invalid -in"},
		{[]string{"-in", "main.go"}, "want an .xlsx workbook or a folder of CSV files"},
		{[]string{"-out", ""}, "invalid -out"},
		{[]string{"extra"}, `unexpected argument "extra"`},
	} {
		t.Run(argsName(tt.args), func(t *testing.T) {
			_, _, err := build(t, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("build %v: error %v, want %q", tt.args, err, tt.want)
			}
		})
	}
}

// TestReadAndCheckProblemsTogether: a CSV syntax error does not hide the
// value problems of the other rows and sheets.
func TestReadAndCheckProblemsTogether(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"semesters.csv": "name,type,start_date,end_date\nFall,fall,2026-09-07,2026-12-18\n",
		"rooms.csv":     "\ufeffName,Type,Capacity,Colour\nCO1,AUDITOIRE,abc,red\n\"bad\"quote,y,,\n",
		"courses.csv":   "code,name\nCS-305,SE\n",
		"sessions.csv":  "course,label,weekday,start,end,rooms\nCS-305,cours,Lundi,08:15,25:00,CO1\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	_, stderr, err := build(t, "-in", dir, "-out", filepath.Join(t.TempDir(), "public"))
	if err == nil || !strings.Contains(err.Error(), "3 problem(s)") {
		t.Fatalf("error = %v\n%s", err, stderr)
	}
	for _, want := range []string{
		`warning: ` + dir + `/rooms.csv: rooms row 1: unknown column "Colour" ignored`,
		dir + `/rooms.csv: rooms row 2, column capacity: "abc" is not a whole number`,
		dir + `/rooms.csv: rooms row 3: "\"bad\"quote,y,," is not valid CSV`,
		dir + `/sessions.csv: sessions row 2, column end: "25:00" is not a time (HH:MM)`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}

// compressedCopies counts the gzip and brotli copies under dir.
func compressedCopies(dir string) (n int) {
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && (strings.HasSuffix(p, ".gz") || strings.HasSuffix(p, ".br")) {
			n++
		}
		return err
	})
	return n
}

// TestCompressedCopies: a build with -no-compress (sampleTree's) writes no
// compressed copy and lists none. TestRebuildFastPath checks the copies a
// default build writes.
func TestCompressedCopies(t *testing.T) {
	out := sampleTree(t)
	if n := compressedCopies(out); n != 0 {
		t.Errorf("-no-compress wrote %d copies", n)
	}
	m, err := tree.ReadManifest(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range m.Files {
		if e.Encoding != "" {
			t.Fatalf("-no-compress: manifest lists %s (%s)", e.Path, e.Encoding)
		}
	}
}

// argsName names a row of flags in a subtest: the arguments, an empty one
// shown as "".
func argsName(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if a == "" {
			a = `""`
		}
		b.WriteString(a)
	}
	return b.String()
}
