package source_test

import (
	"errors"
	"strings"
	"testing"

	"occupancy/source"
)

// TestHostileNames: room names and course codes become folders of the
// published tree. Spaces, accents, '%', '#' and inner dots are allowed
// (clients escape them, and each maps to one folder); names that could
// leave their folder, hide a file, exceed a file name, collide with
// another on a case-insensitive file system, look like another, or that
// Windows cannot hold as a file ('?', ':', CON…) are positioned problems.
func TestHostileNames(t *testing.T) {
	long := strings.Repeat("n", 300)
	for _, tt := range []struct {
		Name    string
		Value   string
		WantErr error  // nil: accepted
		WantMsg string // part of the problem's message
	}{
		{"Space", "Salle 1", nil, ""},
		{"Accents", "Café Łódź", nil, ""},
		{"Percent", "100%", nil, ""},
		{"PercentEncoded", "a%2Fb", nil, ""},
		{"Question", "a?b", source.ErrBadName, "cannot be in a file name on Windows"},
		{"Colon", "a:b", source.ErrBadName, "cannot be in a file name on Windows"},
		{"DeviceName", "nul", source.ErrBadName, "Windows reserves this file name"},
		{"Decomposed", "Cafe\u0301", source.ErrBadName, "not in composed Unicode form"},
		{"ZeroWidth", "CO\u200b1", source.ErrBadName, "invisible formatting character U+200B"},
		{"RightToLeft", "\u202e1OC", source.ErrBadName, "invisible formatting character U+202E"},
		{"Hash", "a#b", nil, ""},
		{"InnerDots", "a..b", nil, ""},
		{"Exactly200", strings.Repeat("é", 100), nil, ""},
		{"DotDot", "..", source.ErrBadName, ""},
		{"Dot", ".", source.ErrBadName, ""},
		{"Slash", "a/b", source.ErrBadName, ""},
		{"Traversal", "../../etc", source.ErrBadName, ""},
		{"Backslash", `a\b`, source.ErrBadName, ""},
		{"NUL", "a\x00b", source.ErrBadName, ""},
		{"Newline", "a\nb", source.ErrBadName, ""},
		{"IndexJSON", "Index.JSON", source.ErrBadName, ""},
		{"Long", long, source.ErrBadName, "300 bytes, at most 200"},
		{"Long201", strings.Repeat("é", 100) + "x", source.ErrBadName, "201 bytes, at most 200"},
		{"NotUTF8", "caf\xe9", source.ErrBadName, "not valid UTF-8"},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			raw := validRaw()
			raw.Rooms.Rows[1].Name = tt.Value
			raw.Sessions.Rows[0].Rooms = "CO1"
			raw.Courses.Rows[1].Code = tt.Value
			raw.StudyPlans.Rows[0].Courses = "CS-305"
			raw.Sessions.Rows[1].Course = tt.Value
			raw.Bookings.Rows[1].Rooms = tt.Value
			rel, err := source.Check(raw)
			if tt.WantErr == nil {
				if err != nil {
					t.Fatalf("Check: %v", err)
				}
				if rel.Rooms[1].Name != tt.Value || rel.Courses[1].Code != tt.Value {
					t.Errorf("names changed: %q, %q", rel.Rooms[1].Name, rel.Courses[1].Code)
				}
				return
			}
			var es *source.Errors
			if !errors.As(err, &es) {
				t.Fatalf("Check: %v", err)
			}
			if len(es.List) != 2 {
				t.Fatalf("Check: %v; want 2 problems", err)
			}
			for i, want := range []struct{ sheet, column string }{{"rooms", "name"}, {"courses", "code"}} {
				p := es.List[i]
				if p.Sheet != want.sheet || p.Row != 3 || p.Column != want.column || p.Value != tt.Value || !errors.Is(p, tt.WantErr) {
					t.Errorf("problem %v, want %s row 3 column %s", p, want.sheet, want.column)
				}
				if !strings.Contains(p.Error(), tt.WantMsg) {
					t.Errorf("message %q does not say %q", p, tt.WantMsg)
				}
			}
		})
	}
}

// TestCaseDuplicates: names that differ only by case (under Unicode case
// folding) are refused at the later row, naming the earlier one.
func TestCaseDuplicates(t *testing.T) {
	for _, tt := range []struct{ First, Second string }{
		{"CO1", "co1"},
		{"Café", "CAFÉ"},
		{"Straße", "STRAẞE"}, // capital sharp s folds to ß (the Kelvin sign, which folds to K, is refused as not NFC)
		{"σ", "Σ"},
	} {
		t.Run(tt.First+" "+tt.Second, func(t *testing.T) {
			raw := validRaw()
			raw.Rooms.Rows[0].Name = tt.First
			raw.Rooms.Rows[1].Name = tt.Second
			raw.Sessions.Rows[0].Rooms = tt.First
			raw.Bookings.Rows = raw.Bookings.Rows[1:]
			raw.Bookings.Rows[0].Rooms = tt.First
			raw.Courses.Rows[0].Code = tt.First
			raw.Courses.Rows[1].Code = tt.Second
			raw.StudyPlans.Rows = nil
			raw.Sessions.Rows[0].Course = tt.First
			raw.Sessions.Rows = raw.Sessions.Rows[:1]
			_, err := source.Check(raw)
			var es *source.Errors
			if !errors.As(err, &es) || len(es.List) != 2 {
				t.Fatalf("%q, %q: Check: %v; want 2 problems", tt.First, tt.Second, err)
			}
			for i, want := range []string{
				`t.xlsx: rooms row 3, column name: "` + tt.Second + `" differs from "` + tt.First + `" (row 2) only by case`,
				`t.xlsx: courses row 3, column code: "` + tt.Second + `" differs from "` + tt.First + `" (row 2) only by case`,
			} {
				p := es.List[i]
				if p.Error() != want || !errors.Is(p, source.ErrCaseDuplicate) || !errors.Is(p, source.ErrDuplicate) {
					t.Errorf("problem %q\nwant %q", p, want)
				}
			}
		})
	}
	// Exact duplicates keep their own message.
	raw := validRaw()
	raw.Rooms.Rows[1].Name = "CO1"
	_, err := source.Check(raw)
	if err == nil || !strings.Contains(err.Error(), `"CO1" is a duplicate of row 2`) || errors.Is(err, source.ErrCaseDuplicate) {
		t.Errorf("exact duplicate: %v", err)
	}
}
