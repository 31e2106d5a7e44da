package generator_test

import (
	"slices"
	"strings"
	"testing"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/source"
)

// entityFiles renders raw with salt and returns, by path, the files that
// record inputs, and every file's bytes.
func entityFiles(t *testing.T, raw *source.Raw, salt string) (inputs, data map[string]string) {
	t.Helper()
	rel, err := source.Check(raw)
	if err != nil {
		t.Fatal(err)
	}
	files, err := generator.Render(rel, generator.Options{Salt: salt})
	if err != nil {
		t.Fatal(err)
	}
	inputs, data = map[string]string{}, map[string]string{}
	for _, f := range files {
		data[f.Path] = string(f.Data)
		if f.Inputs != "" {
			inputs[f.Path] = f.Inputs
		}
	}
	return inputs, data
}

// entity returns the paths of an entity's JSON and feed ("rooms", "CO1").
func entity(kind, name string) []string {
	return []string{tree.URLPath("/api/" + kind + "/" + name), tree.FeedPath(kind, name)}
}

// TestEntityInputs: every course, room and study plan's JSON and feed
// record a hash of their inputs; a change to the release changes the
// inputs of every entity file whose bytes change (else a rebuild would
// keep it stale), and of no other entity than those it concerns.
func TestEntityInputs(t *testing.T) {
	const salt = "test build"
	base, baseData := entityFiles(t, fixtureRaw(), salt)
	for p, in := range base {
		if len(in) != tree.InputsLen || strings.Trim(in, "0123456789abcdef") != "" {
			t.Errorf("%s: inputs %q", p, in)
		}
	}
	// 3 courses, 3 available rooms, 2 plans; a JSON and a feed each.
	if len(base) != 2*(3+3+2) {
		t.Errorf("%d files record inputs, want %d: %v", len(base), 2*(3+3+2), base)
	}
	for _, tc := range []struct {
		name   string
		change func(raw *source.Raw)
		salt   string
		want   []string // the files whose inputs change; nil: only check they cover the bytes
	}{
		{name: "nothing", change: func(*source.Raw) {}, want: []string{}},
		{name: "another salt", change: func(*source.Raw) {}, salt: "another build", want: slices.Sorted(func(yield func(string) bool) {
			for p := range base {
				if !yield(p) {
					return
				}
			}
		})},
		{name: "room capacity", change: func(raw *source.Raw) { raw.Rooms.Rows[1].Capacity = "41" }, want: entity("rooms", "BC01")},
		{name: "room link", change: func(raw *source.Raw) { raw.Rooms.Rows[0].Link = "https://example.invalid/CO1" }, want: entity("rooms", "CO1")},
		{name: "room out of service", change: func(raw *source.Raw) { raw.Rooms.Rows[2].Available = "false" },
			// its course's files list its rooms, and so may its plans
			// (the autumn plan's only by the course it shares); the room
			// has no files left
			want: concat(entity("courses", "CS-305"), entity("studyplans", "6b090e389c963b7fee731dbe"), entity("studyplans", "9002ed1a347eb5ba8d161f40"))},
		{name: "teacher's page", change: func(raw *source.Raw) { raw.Teachers.Rows[0].PeopleURL = "https://people.invalid/jd" },
			want: concat(entity("courses", "CS-305"), entity("studyplans", "6b090e389c963b7fee731dbe"), entity("studyplans", "9002ed1a347eb5ba8d161f40"))},
		{name: "course name", change: func(raw *source.Raw) { raw.Courses.Rows[1].Name = "Analyse I" },
			want: concat(entity("courses", "MATH-101"), entity("rooms", "CO1"), entity("studyplans", "6b090e389c963b7fee731dbe"))},
		{name: "course credits", change: func(raw *source.Raw) { raw.Courses.Rows[2].Credits = "3" }, want: entity("courses", "HUM-200")},
		{name: "session label", change: func(raw *source.Raw) { raw.Sessions.Rows[3].Label = "cours ex cathedra" },
			want: concat(entity("courses", "MATH-101"), entity("rooms", "CO1"), entity("studyplans", "6b090e389c963b7fee731dbe"))},
		{name: "study plan unit", change: func(raw *source.Raw) { raw.StudyPlans.Rows[1].UnitName = "Informatique BA6" },
			want: concat(entity("courses", "CS-305"), entity("studyplans", "9002ed1a347eb5ba8d161f40"))},
		{name: "study plan courses", change: func(raw *source.Raw) { raw.StudyPlans.Rows[1].Courses = "CS-305;HUM-200" },
			want: concat(entity("courses", "HUM-200"), entity("studyplans", "9002ed1a347eb5ba8d161f40"))},
		{name: "semester skip dates", change: func(raw *source.Raw) { raw.Semesters.Rows[0].SkipDates = "2026-09-14" }},
		{name: "semester end", change: func(raw *source.Raw) { raw.Semesters.Rows[1].EndDate = "2027-04-09" }},
		{name: "booking description", change: func(raw *source.Raw) { raw.Bookings.Rows[1].Description = "Forum" },
			want: concat(entity("rooms", "BC01"), entity("rooms", "CO1"))},
		{name: "booking date", change: func(raw *source.Raw) { raw.Bookings.Rows[0].Date = "2026-09-30" }},
		{name: "session weeks", change: func(raw *source.Raw) { raw.Sessions.Rows[0].Weeks = "1-4" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := fixtureRaw()
			tc.change(raw)
			salt := salt
			if tc.salt != "" {
				salt = tc.salt
			}
			got, gotData := entityFiles(t, raw, salt)
			var changed []string
			for p, in := range got {
				if base[p] != in {
					changed = append(changed, p)
				}
				if base[p] == in && baseData[p] != gotData[p] {
					t.Errorf("%s: bytes changed, inputs did not: a rebuild would keep it stale", p)
				}
			}
			slices.Sort(changed)
			if tc.want != nil {
				want := slices.Sorted(slices.Values(tc.want))
				if !slices.Equal(changed, want) && !(len(changed) == 0 && len(want) == 0) {
					t.Errorf("inputs changed for\n%v\nwant\n%v", changed, want)
				}
			}
		})
	}
	t.Run("no salt", func(t *testing.T) {
		if got, _ := entityFiles(t, fixtureRaw(), ""); len(got) != 0 {
			t.Errorf("%d files record inputs without a salt", len(got))
		}
	})
}

func concat(lists ...[]string) []string { return slices.Concat(lists...) }
