package source

import (
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
	for _, rel := range []*Release{
		{},
		{
			Semesters:  []Semester{{Name: tricky, Type: Fall}},
			Rooms:      []Room{{Name: "CO1", Type: tricky, Capacity: new(int), Coordinates: &[2]float64{46.5, 6.5}, Available: true}},
			Teachers:   []Teacher{{Name: tricky, PeopleURL: "]"}},
			Courses:    []Course{{Code: "CS-101", Name: tricky, Teachers: []string{tricky, "["}}},
			StudyPlans: []StudyPlan{{ID: "p", UnitCode: "}", Courses: []string{"CS-101"}}},
			Sessions:   []Session{{Course: "CS-101", Label: tricky, Start: 480, End: 540, Rooms: []string{"CO1"}, Weeks: []WeekRange{{1, 2}}}},
			Bookings:   []Booking{{Start: 480, End: 540, Label: "event", Name: `"`, Description: tricky}},
		},
	} {
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
