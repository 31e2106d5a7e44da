package source

import (
	"bytes"
	"encoding/json"
	"testing"
)

// TestRecordLayout checks that every record MarshalRelease writes is laid
// out as recordLayout expects, so that CompareRecord decodes only the
// sheets that differ rather than falling back to a full decode, even with
// text that looks like the record's own brackets and quotes; and that
// each span it finds is that sheet's list.
func TestRecordLayout(t *testing.T) {
	tricky := `x]}"[{\ ,"rooms":[] ` + "\u00e9\t\\"
	for _, tt := range []struct {
		name string
		rel  *Release
	}{
		{"empty", &Release{}},
		{"tricky text", &Release{
			Semesters:  []Semester{{Name: tricky, Type: Fall}},
			Rooms:      []Room{{Name: "CO1", Type: tricky, Capacity: new(int), Coordinates: &[2]float64{46.5, 6.5}, Available: true}},
			Teachers:   []Teacher{{Name: tricky, PeopleURL: "]"}},
			Courses:    []Course{{Code: "CS-101", Name: tricky, Teachers: []string{tricky, "["}}},
			StudyPlans: []StudyPlan{{ID: "p", UnitCode: "}", Courses: []string{"CS-101"}}},
			Sessions:   []Session{{Course: "CS-101", Label: tricky, Start: 480, End: 540, Rooms: []string{"CO1"}, Weeks: []WeekRange{{1, 2}}}},
			Bookings:   []Booking{{Start: 480, End: 540, Label: "event", Name: `"`, Description: tricky}},
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rel := tt.rel
			data, err := MarshalRelease(rel)
			if err != nil {
				t.Fatal(err)
			}
			at, ok := recordLayout(data)
			if !ok {
				t.Fatalf("record not recognised: %s", data)
			}
			var whole map[string]json.RawMessage
			if err := json.Unmarshal(data, &whole); err != nil {
				t.Fatal(err)
			}
			for k, sheet := range recordSheets {
				if got, want := string(data[at[k][0]:at[k][1]]), string(whole[sheet.name]); got != want {
					t.Errorf("%s: span %s, want %s", sheet.name, got, want)
				}
			}
		})
	}
	for _, bad := range []string{
		``,
		`{"format":"occupancy-release","version":1}`,
		`{"format":"occupancy-release","version":1,"semesters":[],"rooms":[],"teachers":[],"courses":[],"studyplans":[],"sessions":[],"bookings":[]} `,
		`{"format":"occupancy-release","version":1,"semesters":[],"rooms":[],"teachers":[],"courses":[],"studyplans":[],"bookings":[],"sessions":[]}`,
		`{"format":"occupancy-release","version":1,"semesters":[],"rooms":[],"teachers":[],"courses":[],"studyplans":[],"sessions":["]"],"bookings":[}`,
		`{"format":"occupancy-release","version":1,"semesters":null,"rooms":[],"teachers":[],"courses":[],"studyplans":[],"sessions":[],"bookings":[]}`,
		`{"format":"occupancy-release","version":2,"semesters":[],"rooms":[],"teachers":[],"courses":[],"studyplans":[],"sessions":[],"bookings":[]}`,
	} {
		if _, ok := recordLayout([]byte(bad)); ok {
			t.Errorf("%q recognised as a record's layout", bad)
		}
	}
}

// TestMarshalReleaseByRow checks MarshalRelease, which encodes a row at a
// time, against encoding the whole record at once, as it once did, on
// text that encoding/json escapes (HTML, line separators, control
// characters) in every sheet, and on an empty release.
func TestMarshalReleaseByRow(t *testing.T) {
	odd := "<a href=\"x\">&amp;</a>\u2028\u2029\x01\x7f\ttab é 日本 \\ ]}"
	rel := &Release{
		Semesters:  []Semester{{Name: odd, Type: odd}, {Name: "S2", Type: Spring}},
		Rooms:      []Room{{Name: odd, Type: odd, Building: odd, Link: odd, Capacity: new(int), Level: new(int), Coordinates: &[2]float64{46.52, -0.000001}}, {Name: "R"}},
		Teachers:   []Teacher{{Name: odd, PeopleURL: odd}},
		Courses:    []Course{{Code: odd, Name: odd, Language: odd, EduURL: odd, Teachers: []string{odd, "b"}, Credits: new(float64)}},
		StudyPlans: []StudyPlan{{ID: odd, UnitCode: odd, UnitName: odd, Section: odd, Promo: odd, Semester: odd, Courses: []string{odd}}},
		Sessions:   []Session{{Course: odd, Label: odd, Start: 480, End: 1440, Rooms: []string{odd}, Semester: odd, Weeks: []WeekRange{{1, 14}}}},
		Bookings:   []Booking{{Start: 0, End: 15, Rooms: []string{odd}, Course: odd, Label: odd, Name: odd, Description: odd}},
	}
	for _, tt := range []struct {
		name string
		rel  *Release
	}{{"odd text", rel}, {"empty", &Release{}}} {
		t.Run(tt.name, func(t *testing.T) {
			rel := tt.rel
			got, err := MarshalRelease(rel)
			if err != nil {
				t.Fatal(err)
			}
			var w recordWriter
			whole := releaseRecord{
				Format: ReleaseFormat, Version: ReleaseVersion,
				Semesters: toRecords(rel.Semesters, w.semester), Rooms: toRecords(rel.Rooms, w.room),
				Teachers: toRecords(rel.Teachers, w.teacher), Courses: toRecords(rel.Courses, w.course),
				StudyPlans: toRecords(rel.StudyPlans, w.studyPlan), Sessions: toRecords(rel.Sessions, w.session),
				Bookings: toRecords(rel.Bookings, w.booking),
			}
			if w.err != nil {
				t.Fatal(w.err)
			}
			var want bytes.Buffer
			enc := json.NewEncoder(&want)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(&whole); err != nil {
				t.Fatal(err)
			}
			if w := bytes.TrimSuffix(want.Bytes(), []byte("\n")); !bytes.Equal(got, w) {
				t.Errorf("record by row\n%s\nwhole\n%s", got, w)
			}
		})
	}
}

// toRecords converts each item of a sheet, always giving a non-nil slice,
// as the record was once made whole.
func toRecords[T, R any](items []T, conv func(int, *T) R) []R {
	out := make([]R, len(items))
	for i := range items {
		out[i] = conv(i, &items[i])
	}
	return out
}
