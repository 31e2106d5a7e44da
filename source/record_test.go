package source_test

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"occupancy/source"
	"occupancy/source/sample"
)

func recDate(s string) source.Date {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

func recInt(n int) *int { return &n }

func recFloat(f float64) *float64 { return &f }

// withoutRows returns a copy of rel with every Row field zero, as a
// record gives it back.
func withoutRows(rel *source.Release) *source.Release {
	out := *rel
	out.Semesters = append([]source.Semester(nil), rel.Semesters...)
	for i := range out.Semesters {
		out.Semesters[i].Row = 0
	}
	out.Sessions = append([]source.Session(nil), rel.Sessions...)
	for i := range out.Sessions {
		out.Sessions[i].Row = 0
	}
	out.Bookings = append([]source.Booking(nil), rel.Bookings...)
	for i := range out.Bookings {
		out.Bookings[i].Row = 0
	}
	return &out
}

// fullRelease sets every field of every type, optional or not.
func fullRelease() *source.Release {
	return &source.Release{
		Semesters: []source.Semester{{
			Name: "Semestre d'automne 2026-2027", Type: source.Fall,
			Start: recDate("2026-09-07"), End: recDate("2026-12-18"),
			Skip: []source.DateRange{{recDate("2026-10-19"), recDate("2026-10-23")}, {recDate("2026-11-11"), recDate("2026-11-11")}},
			Row:  2,
		}},
		Rooms: []source.Room{{
			Name: "CO1", Type: "AUDITOIRE", Capacity: recInt(210), Building: "CO", Level: recInt(-1),
			Coordinates: &[2]float64{46.51989, -6.565554}, Link: "https://plan.epfl.ch/?room==CO%201&x=<1>", Available: true,
		}},
		Teachers: []source.Teacher{{Name: "Céline Peeters", PeopleURL: "https://people.epfl.ch/celine.peeters"}},
		Courses: []source.Course{{
			Code: "CS-305", Name: "Software \"engineering\"\n", Credits: recFloat(4.5), Language: "English",
			EduURL: "https://edu.epfl.ch/cs-305", Teachers: []string{"Céline Peeters", "Jean Dupont"},
		}},
		StudyPlans: []source.StudyPlan{{
			ID: "6b090e389c963b7fee731dbe", UnitCode: "IN-BA5", UnitName: "Informatique - Bachelor semestre 5",
			Section: "IN", Promo: "BA5", Semester: "Semestre d'automne 2026-2027", Courses: []string{"MATH-101", "CS-305"},
		}},
		Sessions: []source.Session{{
			Course: "CS-305", Label: "cours", Weekday: time.Saturday, Start: 8*60 + 15, End: 24 * 60,
			Rooms: []string{"CO1", "BC01"}, Semester: "Semestre d'automne 2026-2027",
			Weeks: []source.WeekRange{{1, 2}, {4, 4}, {10, 14}}, Row: 7,
		}},
		Bookings: []source.Booking{{
			Date: recDate("2026-10-05"), Start: 7 * 60, End: 20 * 60, Rooms: []string{"BC01", "CO1"},
			Course: "CS-305", Label: "exam", Name: "Réservation ponctuelle", Description: "Forum <EPFL> & co", Row: 3,
		}},
	}
}

// fullRecord is fullRelease's record.
const fullRecord = `{"format":"occupancy-release","version":1,` +
	`"semesters":[{"name":"Semestre d'automne 2026-2027","type":"fall","start_date":"2026-09-07","end_date":"2026-12-18","skip_dates":["2026-10-19..2026-10-23","2026-11-11"]}],` +
	`"rooms":[{"name":"CO1","type":"AUDITOIRE","capacity":210,"building":"CO","level":-1,"latitude":46.51989,"longitude":-6.565554,"link":"https://plan.epfl.ch/?room==CO%201&x=<1>","available":true}],` +
	`"teachers":[{"name":"Céline Peeters","people_url":"https://people.epfl.ch/celine.peeters"}],` +
	`"courses":[{"code":"CS-305","name":"Software \"engineering\"\n","credits":4.5,"language":"English","edu_url":"https://edu.epfl.ch/cs-305","teachers":["Céline Peeters","Jean Dupont"]}],` +
	`"studyplans":[{"id":"6b090e389c963b7fee731dbe","unit_code":"IN-BA5","unit_name":"Informatique - Bachelor semestre 5","section":"IN","promo":"BA5","semester":"Semestre d'automne 2026-2027","courses":["MATH-101","CS-305"]}],` +
	`"sessions":[{"course":"CS-305","label":"cours","weekday":"saturday","start":"08:15","end":"24:00","rooms":["CO1","BC01"],"semester":"Semestre d'automne 2026-2027","weeks":["1-2","4","10-14"]}],` +
	`"bookings":[{"date":"2026-10-05","start":"07:00","end":"20:00","rooms":["BC01","CO1"],"course":"CS-305","label":"exam","name":"Réservation ponctuelle","description":"Forum <EPFL> & co"}]}`

// sparseRelease leaves every optional value unset, with empty lists both
// nil and not.
func sparseRelease() *source.Release {
	return &source.Release{
		Semesters:  []source.Semester{{Name: "S", Type: source.Spring, Start: recDate("2027-02-15"), End: recDate("2027-02-15"), Skip: []source.DateRange{}}},
		Rooms:      []source.Room{{Name: "OLD1", Type: "unknown"}, {Name: "R2", Type: "x", Level: recInt(0), Capacity: nil, Available: true}},
		Teachers:   []source.Teacher{},
		Courses:    []source.Course{{Code: "C", Name: "N", Teachers: []string{}}, {Code: "D", Name: "M", Credits: recFloat(0)}},
		StudyPlans: []source.StudyPlan{{ID: "p", UnitCode: "U", UnitName: "V", Semester: "S", Courses: []string{}}},
		Sessions:   []source.Session{{Course: "C", Label: "l", Weekday: time.Sunday, Start: 0, End: 1, Semester: "S", Rooms: []string{}, Weeks: []source.WeekRange{}}},
		Bookings:   []source.Booking{{Date: recDate("1971-01-01"), Start: 1439, End: 1440, Label: "event", Name: "n", Rooms: nil}},
	}
}

// sparseNormal is sparseRelease as a record gives it back: empty lists nil.
func sparseNormal() *source.Release {
	rel := sparseRelease()
	rel.Semesters[0].Skip = nil
	rel.Teachers = nil
	rel.Courses[0].Teachers = nil
	rel.StudyPlans[0].Courses = nil
	rel.Sessions[0].Rooms, rel.Sessions[0].Weeks = nil, nil
	return rel
}

func roundTrip(t *testing.T, rel *source.Release) ([]byte, *source.Release) {
	t.Helper()
	data, err := source.MarshalRelease(rel)
	if err != nil {
		t.Fatal(err)
	}
	again, err := source.MarshalRelease(rel)
	if err != nil || !bytes.Equal(data, again) {
		t.Fatalf("a second MarshalRelease gives other bytes (%v)", err)
	}
	back, err := source.UnmarshalRelease(data)
	if err != nil {
		t.Fatalf("UnmarshalRelease: %v", err)
	}
	return data, back
}

func checkSame(t *testing.T, got, want *source.Release) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("round trip differs (-want +got):\n%s", cmp.Diff(want, got))
	}
}

func TestReleaseRecordSample(t *testing.T) {
	rel, err := sample.Release()
	if err != nil {
		t.Fatal(err)
	}
	data, back := roundTrip(t, rel)
	checkSame(t, back, withoutRows(rel))
	if !bytes.HasPrefix(data, []byte(`{"format":"occupancy-release","version":1,"semesters":[{`)) {
		t.Errorf("record starts %.80s", data)
	}
	if bytes.Contains(data, []byte(`"row"`)) || bytes.Contains(data, []byte("\n")) {
		t.Error("record holds rows or is not compact")
	}
	t.Logf("sample record: %d bytes", len(data))
	if c := source.Compare(back, rel); !c.Unchanged() {
		t.Errorf("the sample differs from its record:\n%s", c.Summary(3))
	}
}

func TestReleaseRecordFull(t *testing.T) {
	rel := fullRelease()
	checkAllSet(t, reflect.ValueOf(*rel), "Release")
	data, back := roundTrip(t, rel)
	if string(data) != fullRecord {
		t.Errorf("record\n%s\nwant\n%s", data, fullRecord)
	}
	checkSame(t, back, withoutRows(rel))
}

// checkAllSet fails for a zero field (but Row) anywhere in v, so that a
// field added to the domain types is added to fullRelease, and so to the
// round trip.
func checkAllSet(t *testing.T, v reflect.Value, path string) {
	t.Helper()
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			break
		}
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.Name == "Row" {
				continue
			}
			if v.Field(i).IsZero() {
				t.Errorf("%s.%s is not set in fullRelease", path, f.Name)
			}
			checkAllSet(t, v.Field(i), path+"."+f.Name)
		}
	case reflect.Slice:
		for i := range v.Len() {
			checkAllSet(t, v.Index(i), path)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			checkAllSet(t, v.Elem(), path)
		}
	}
}

func TestReleaseRecordSparse(t *testing.T) {
	data, back := roundTrip(t, sparseRelease())
	checkSame(t, back, sparseNormal())
	for _, want := range []string{
		`"semesters":[{"name":"S","type":"spring","start_date":"2027-02-15","end_date":"2027-02-15"}]`,
		`{"name":"OLD1","type":"unknown","available":false},{"name":"R2","type":"x","level":0,"available":true}`,
		`"teachers":[]`,
		`{"code":"C","name":"N"},{"code":"D","name":"M","credits":0}`,
		`{"id":"p","unit_code":"U","unit_name":"V","semester":"S"}`,
		`{"course":"C","label":"l","weekday":"sunday","start":"00:00","end":"00:01","semester":"S"}`,
		`{"date":"1971-01-01","start":"23:59","end":"24:00","label":"event","name":"n"}`,
	} {
		if !bytes.Contains(data, []byte(want)) {
			t.Errorf("record lacks %s:\n%s", want, data)
		}
	}

	var empty source.Release
	data, back = roundTrip(t, &empty)
	if want := `{"format":"occupancy-release","version":1,"semesters":[],"rooms":[],"teachers":[],"courses":[],"studyplans":[],"sessions":[],"bookings":[]}`; string(data) != want {
		t.Errorf("empty release: %s", data)
	}
	checkSame(t, back, &empty)
}

func TestMarshalReleaseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(*source.Release)
		want  string
	}{
		{"time of day", func(r *source.Release) { r.Bookings[0].Date = r.Bookings[0].Date.Add(time.Hour) }, "bookings[0].date"},
		{"zone", func(r *source.Release) {
			r.Semesters[0].Start = time.Date(2026, 9, 7, 0, 0, 0, 0, time.FixedZone("CET", 3600))
		}, "semesters[0].start_date"},
		{"monotonic", func(r *source.Release) { r.Semesters[0].End = time.Now() }, "semesters[0].end_date"},
		{"year", func(r *source.Release) { r.Bookings[0].Date = recDate("2026-01-01").AddDate(8000, 0, 0) }, "bookings[0].date"},
		{"late clock", func(r *source.Release) { r.Sessions[0].End = 24*60 + 1 }, "sessions[0].end"},
		{"negative clock", func(r *source.Release) { r.Bookings[0].Start = -15 }, "bookings[0].start"},
		{"weekday", func(r *source.Release) { r.Sessions[0].Weekday = 7 }, "sessions[0].weekday"},
		{"weeks", func(r *source.Release) { r.Sessions[0].Weeks[1] = source.WeekRange{5, 4} }, "sessions[0].weeks[1]"},
		{"week 0", func(r *source.Release) { r.Sessions[0].Weeks[0] = source.WeekRange{0, 4} }, "sessions[0].weeks[0]"},
		{"skip", func(r *source.Release) { r.Semesters[0].Skip[0].To = recDate("2026-10-18") }, "semesters[0].skip_dates[0]"},
		{"NaN", func(r *source.Release) { r.Courses[0].Credits = recFloat(math.NaN()) }, "NaN"},
		{"infinite", func(r *source.Release) { r.Rooms[0].Coordinates[1] = math.Inf(1) }, "+Inf"},
		{"UTF-8", func(r *source.Release) { r.Sessions[0].Rooms[1] = "BC\xff01" }, "sessions[0].rooms[1]"},
		{"UTF-8 name", func(r *source.Release) { r.Teachers[0].Name = "\xc3" }, "teachers[0].name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel := fullRelease()
			tc.spoil(rel)
			data, err := source.MarshalRelease(rel)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one about %s (record %.60s)", err, tc.want, data)
			}
		})
	}
}

func TestUnmarshalReleaseStrict(t *testing.T) {
	// edit replaces old by new in fullRecord, which must hold it.
	edit := func(old, new string) string {
		if !strings.Contains(fullRecord, old) {
			panic(old)
		}
		return strings.Replace(fullRecord, old, new, 1)
	}
	for _, tc := range []struct {
		name, data, want string
		is               error
	}{
		{"empty", "", "not JSON", nil},
		{"not JSON", "occupancy-release", "not JSON", nil},
		{"array", "[]", "want an object", nil},
		{"null", "null", `no "format"`, nil},
		{"no format", `{"version":1}`, `no "format"`, nil},
		{"other format", edit(`"occupancy-release"`, `"occupancy-manifest"`), `format "occupancy-manifest" is not "occupancy-release"`, nil},
		{"no version", edit(`"version":1,`, ``), `no "version"`, nil},
		{"newer version", edit(`"version":1`, `"version":2`), "version 2", source.ErrRecordVersion},
		{"version 0", edit(`"version":1`, `"version":0`), "version 0", source.ErrRecordVersion},
		{"version text", edit(`"version":1`, `"version":"1"`), "version", nil},
		{"unknown field", edit(`"bookings"`, `"events":[],"bookings"`), `unknown field "events"`, nil},
		{"unknown nested field", edit(`"available":true`, `"available":true,"floor":2`), `unknown field "floor"`, nil},
		{"row", edit(`"weekday"`, `"row":3,"weekday"`), `unknown field "row"`, nil},
		{"trailing object", fullRecord + " {}", "not JSON", nil},
		{"trailing text", fullRecord + "x", "not JSON", nil},
		{"two records", fullRecord + fullRecord, "not JSON", nil},
		{"truncated", fullRecord[:len(fullRecord)-1], "not JSON", nil},
		{"wrong type", edit(`"capacity":210`, `"capacity":"210"`), "capacity", nil},
		{"fraction", edit(`"capacity":210`, `"capacity":210.5`), "capacity", nil},
		{"list for text", edit(`"name":"CO1"`, `"name":["CO1"]`), "name", nil},
		{"date", edit(`"2026-09-07"`, `"2026-9-7"`), `semesters[0].start_date: "2026-9-7" is not a date`, source.ErrBadDate},
		{"date time", edit(`"2026-10-05"`, `"2026-10-05T00:00:00Z"`), "bookings[0].date", source.ErrBadDate},
		{"no date", edit(`"start_date":"2026-09-07",`, ``), "semesters[0].start_date", source.ErrBadDate},
		{"short clock", edit(`"start":"08:15"`, `"start":"8:15"`), "sessions[0].start", source.ErrBadTime},
		{"late clock", edit(`"end":"24:00"`, `"end":"24:01"`), "sessions[0].end", source.ErrBadTime},
		{"seconds", edit(`"end":"20:00"`, `"end":"20:00:00"`), "bookings[0].end", source.ErrBadTime},
		{"weekday", edit(`"saturday"`, `"Saturday"`), `sessions[0].weekday: "Saturday" is not a weekday`, nil},
		{"French weekday", edit(`"saturday"`, `"samedi"`), "sessions[0].weekday", nil},
		{"week 0", edit(`"1-2"`, `"0-2"`), "sessions[0].weeks[0]", source.ErrBadWeeks},
		{"weeks backwards", edit(`"10-14"`, `"14-10"`), "sessions[0].weeks[2]", source.ErrBadWeeks},
		{"week twice", edit(`"4"`, `"4-4"`), "sessions[0].weeks[1]", source.ErrBadWeeks},
		{"week zero-padded", edit(`"4"`, `"04"`), "sessions[0].weeks[1]", source.ErrBadWeeks},
		{"weeks list", edit(`["1-2","4","10-14"]`, `["1-2,4"]`), "sessions[0].weeks[0]", source.ErrBadWeeks},
		{"skip backwards", edit(`"2026-10-19..2026-10-23"`, `"2026-10-23..2026-10-19"`), "semesters[0].skip_dates[0]", source.ErrBadDateRange},
		{"skip one day range", edit(`"2026-11-11"`, `"2026-11-11..2026-11-11"`), "semesters[0].skip_dates[1]", source.ErrBadDateRange},
		{"latitude alone", edit(`,"longitude":-6.565554`, ``), "rooms[0]: a latitude without a longitude", nil},
		{"longitude alone", edit(`"latitude":46.51989,`, ``), "rooms[0]: a longitude without a latitude", nil},
		{"huge number", edit(`"credits":4.5`, `"credits":1e400`), "credits", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rel, err := source.UnmarshalRelease([]byte(tc.data))
			if err == nil {
				t.Fatalf("no error; release %+v", rel)
			}
			if rel != nil {
				t.Error("a release with the error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "release record: ") {
				t.Errorf("error %q, want one about %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
		})
	}
	// What the record leaves out or spells in another order is fine.
	for _, ok := range []string{
		`{"format":"occupancy-release","version":1}`,
		`{"version":1,"bookings":[],"format":"occupancy-release"}` + "\n\t ",
		edit(`"teachers":[{"name":"Céline Peeters","people_url":"https://people.epfl.ch/celine.peeters"}]`, `"teachers":null`),
	} {
		if _, err := source.UnmarshalRelease([]byte(ok)); err != nil {
			t.Errorf("%.60s…: %v", ok, err)
		}
	}
}

// FuzzUnmarshalRelease checks that UnmarshalRelease never panics, that a
// release it accepts is recorded again, and read back, to the same value,
// and that Compare takes it, as the next build does.
func FuzzUnmarshalRelease(f *testing.F) {
	f.Add([]byte(fullRecord))
	for _, rel := range []*source.Release{sparseRelease(), {}} {
		data, err := source.MarshalRelease(rel)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"format":"occupancy-release","version":1,"rooms":[{"name":"A","latitude":-0,"longitude":1e2,"capacity":-3}],"sessions":[null]}`))
	f.Add([]byte(`{"format":"occupancy-release","version":1,"courses":[{"code":"\ud800","teachers":[]}],"bookings":[{"date":"0000-01-01","start":"24:00","end":"00:00","label":"\u00e9"}]}`))
	f.Add([]byte(`{"FORMAT":"occupancy-release","Version":1,"semesters":[{"name":"s","start_date":"2026-02-28","end_date":"2026-03-01","skip_dates":["2026-02-28..2026-03-01"]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rel, err := source.UnmarshalRelease(data)
		if err != nil {
			if rel != nil {
				t.Fatal("a release with an error")
			}
			return
		}
		again, err := source.MarshalRelease(rel)
		if err != nil {
			t.Fatalf("an accepted record does not marshal: %v", err)
		}
		back, err := source.UnmarshalRelease(again)
		if err != nil {
			t.Fatalf("a re-marshalled record is refused: %v\n%s", err, again)
		}
		if !reflect.DeepEqual(back, rel) {
			t.Fatalf("round trip differs:\n%s", cmp.Diff(rel, back))
		}
		if third, err := source.MarshalRelease(back); err != nil || !bytes.Equal(third, again) {
			t.Fatalf("records differ:\n%s\n%s", again, third)
		}
		if c := source.Compare(rel, back); !c.Unchanged() {
			t.Fatalf("a release differs from its record:\n%s", c.Summary(3))
		}
		c := source.Compare(rel, fullRelease())
		_, _ = c.Summary(2), c.Losses(0.5, 1)
	})
}
