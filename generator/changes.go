package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"occupancy/generator/tree"
	"occupancy/source"
)

// DefaultKeepChanges is how many releases' changes the change feed keeps
// by default.
const DefaultKeepChanges = 20

// DefaultMaxKeptChanges bounds the changes the feed keeps, all releases
// together: older releases are dropped once the newer ones hold this many
// (the newest is always kept). A release that replaces a semester changes
// thousands of sessions, and each change is listed again for every room,
// course and study plan it concerns: without this bound, 20 of them at 10
// campuses would publish about a gigabyte of history.
const DefaultMaxKeptChanges = 50000

// maxEntityChanges bounds the changes of one release listed in one
// entity's changes.json and feed: a new semester can add every session
// of a room at once, and its page needs a screenful, not the semester.
// The rest is counted in [EntityRelease.More]; the release's own file
// lists them all.
const maxEntityChanges = 100

// ChangeLog is api/changes/index.json: the releases whose changes the
// feed keeps, newest first.
type ChangeLog struct {
	Keep     int             `json:"keep"` // how many releases it keeps at most
	Releases []ChangeSummary `json:"releases"`
}

// ChangeSummary is one release of the change feed, as listed.
type ChangeSummary struct {
	// ID names the change set: 12 hex digits of a hash of the two
	// releases and the date, so that a release published again after
	// another (a rollback) is a set of its own.
	ID       string `json:"id"`
	Release  string `json:"release"`  // the id of the release published
	Previous string `json:"previous"` // the id of the release it replaced
	// Date is when the build published it, in UTC (RFC 3339).
	Date string `json:"date"`
	// Partial is true when the replaced tree was published by a build
	// that did not record its release: only the names of its rooms,
	// courses and study plans were compared.
	Partial bool          `json:"partial,omitempty"`
	Path    string        `json:"path"` // the set's file in the tree: api/changes/<id>.json
	Counts  Counts        `json:"counts"`
	Sheets  []SheetCounts `json:"sheets"` // the sheets with changes, in sheet order
}

// Counts counts changes by what happened.
type Counts struct {
	Added   int `json:"added"`
	Removed int `json:"removed"`
	Changed int `json:"changed"`
	Moved   int `json:"moved"`
}

// SheetCounts counts the changes of one sheet, with its items before and
// after (only the available rooms: the published ones).
type SheetCounts struct {
	Sheet  string `json:"sheet"`
	Before int    `json:"before"`
	After  int    `json:"after"`
	Counts
}

// ChangeSet is api/changes/<id>.json: everything one release changed.
type ChangeSet struct {
	ChangeSummary
	Changes []Change `json:"changes"`
}

// Change is one thing a release changed, in plain words (Text) and in
// fields: what (Type, Change, Before, After, Fields), when (Dates) and
// where (Rooms), with the courses, rooms and study plans it concerns.
type Change struct {
	// Type is the sheet's item: session, booking, room, course,
	// studyplan, semester or teacher.
	Type string `json:"type"`
	// Change is added, removed, changed (a room's, course's, study
	// plan's, semester's or teacher's details) or moved (a session or
	// booking at another time, date, place or weeks).
	Change string `json:"change"`
	Text   string `json:"text"`
	// The courses (codes), rooms (names) and study plans (ids) it
	// concerns: their changes.json and feeds list it.
	Courses    []string `json:"courses,omitempty"`
	Rooms      []string `json:"rooms,omitempty"`
	StudyPlans []string `json:"studyplans,omitempty"`
	// Dates are the days concerned (YYYY-MM-DD, campus dates), for
	// sessions and bookings: those of the item added or removed, of a
	// move both the old and new days (only those that differ when only
	// the weeks changed).
	Dates  []string `json:"dates,omitempty"`
	Before *Item    `json:"before,omitempty"` // the item as it was (not for added)
	After  *Item    `json:"after,omitempty"`  // the item as it is (not for removed)
	Fields []Field  `json:"fields,omitempty"` // for changed: the fields that differ
}

// Item is a session, booking, room, course, study plan, semester or
// teacher as a change shows it. A session has a weekday and, unless it is
// every week, its weeks ("1-4,6"); a booking a date.
type Item struct {
	Name        string   `json:"name,omitempty"` // room, semester, teacher, event
	Code        string   `json:"code,omitempty"` // course
	ID          string   `json:"id,omitempty"`   // study plan
	Course      string   `json:"course,omitempty"`
	Label       string   `json:"label,omitempty"`
	Description string   `json:"description,omitempty"`
	Semester    string   `json:"semester,omitempty"`
	Weekday     string   `json:"weekday,omitempty"`
	Date        string   `json:"date,omitempty"`
	Start       string   `json:"start,omitempty"` // HH:MM
	End         string   `json:"end,omitempty"`
	Rooms       []string `json:"rooms,omitempty"`
	Weeks       string   `json:"weeks,omitempty"`
}

// Field is one field of an item that changed: its values before and
// after, and for a list (a course's teachers, a study plan's courses)
// the values added and removed.
type Field struct {
	Field   string   `json:"field"`
	Before  string   `json:"before"`
	After   string   `json:"after"`
	Added   []string `json:"added,omitempty"`
	Removed []string `json:"removed,omitempty"`
}

// EntityChanges is api/<collection>/<name>/changes.json: the changes of
// the releases kept that concern one room, course or study plan, newest
// release first; a release that changed nothing of it is not listed.
type EntityChanges struct {
	Releases []EntityRelease `json:"releases"`
}

// EntityRelease is what one release changed of an entity.
type EntityRelease struct {
	ID      string   `json:"id"`
	Release string   `json:"release"`
	Date    string   `json:"date"`
	Path    string   `json:"path"`
	Changes []Change `json:"changes"`
	// More counts the changes left out (see maxEntityChanges); the
	// release's file at Path lists them.
	More int `json:"more,omitempty"`
}

// NewChangeSet turns the comparison of the release published before
// (whose id is previous) with the one published now (release) into the
// change feed's entry dated date, or returns nil when there is nothing to
// say: a first release, or no change.
func NewChangeSet(c *source.Changes, release, previous string, date time.Time) *ChangeSet {
	if c == nil || c.First || c.Unchanged() {
		return nil
	}
	d := date.UTC().Format(time.RFC3339)
	sum := sha256.Sum256([]byte(previous + "\x00" + release + "\x00" + d))
	id := hex.EncodeToString(sum[:6])
	s := &ChangeSet{ChangeSummary: ChangeSummary{
		ID: id, Release: release, Previous: previous, Date: d, Path: tree.ChangeSetPath(id),
		Sheets: []SheetCounts{},
	}}
	cb := newChangeBuilder(c)
	for i := range c.Kinds {
		k := &c.Kinds[i]
		n := Counts{len(k.Added), len(k.Removed), len(k.Changed), len(k.Moved)}
		if n == (Counts{}) {
			continue
		}
		s.Sheets = append(s.Sheets, SheetCounts{Sheet: k.Kind, Before: k.Before, After: k.After, Counts: n})
		s.Counts.Added += n.Added
		s.Counts.Removed += n.Removed
		s.Counts.Changed += n.Changed
		s.Counts.Moved += n.Moved
		s.Changes = append(s.Changes, cb.kind(k)...)
	}
	return s
}

// MarkPartial notes that the set was compared by names only.
func (s *ChangeSet) MarkPartial() { s.Partial = true }

// changeBuilder makes the [Change]s of one comparison.
type changeBuilder struct {
	c *source.Changes
	// plansOf lists the study plans holding each course, in the old or
	// the new release; plansIn those of each semester.
	plansOf map[string][]planRef
	plansIn map[string][]string
	taught  map[string][]string       // teacher → courses, old or new
	terms   map[string][2]source.Date // semester → its first and last day, old or new
}

// planRef is a study plan as a course's change looks it up.
type planRef struct{ id, semester string }

func newChangeBuilder(c *source.Changes) *changeBuilder {
	b := &changeBuilder{c: c, plansOf: map[string][]planRef{}, plansIn: map[string][]string{},
		taught: map[string][]string{}, terms: map[string][2]source.Date{}}
	for _, rel := range []*source.Release{c.Old, c.New} {
		for _, sem := range rel.Semesters {
			t, ok := b.terms[sem.Name]
			if !ok || sem.Start.Before(t[0]) {
				t[0] = sem.Start
			}
			if !ok || sem.End.After(t[1]) {
				t[1] = sem.End
			}
			b.terms[sem.Name] = t
		}
		for _, p := range rel.StudyPlans {
			for _, code := range p.Courses {
				b.plansOf[code] = append(b.plansOf[code], planRef{p.ID, p.Semester})
			}
			b.plansIn[p.Semester] = append(b.plansIn[p.Semester], p.ID)
		}
		for _, course := range rel.Courses {
			for _, t := range course.Teachers {
				b.taught[t] = append(b.taught[t], course.Code)
			}
		}
	}
	return b
}

// sheetTypes names a sheet's items.
var sheetTypes = map[string]string{
	"semesters": "semester", "rooms": "room", "teachers": "teacher", "courses": "course",
	"studyplans": "studyplan", "sessions": "session", "bookings": "booking",
}

// kind makes the changes of one sheet: added, removed, changed, moved.
func (b *changeBuilder) kind(k *source.KindChanges) []Change {
	typ := sheetTypes[k.Kind]
	out := make([]Change, 0, len(k.Added)+len(k.Removed)+len(k.Changed)+len(k.Moved))
	for i, text := range k.Added {
		ch := Change{Type: typ, Change: "added", Text: "Added: " + text}
		ch.After = b.item(k.Kind, b.c.New, k.AddedAt[i])
		b.concern(&ch, k.Kind, nil, ch.After)
		out = append(out, ch)
	}
	for i, text := range k.Removed {
		ch := Change{Type: typ, Change: "removed", Text: "Removed: " + text}
		ch.Before = b.item(k.Kind, b.c.Old, k.RemovedAt[i])
		b.concern(&ch, k.Kind, ch.Before, nil)
		out = append(out, ch)
	}
	for i, text := range k.Changed {
		d := k.ChangedAt[i]
		ch := Change{Type: typ, Change: "changed", Text: "Changed: " + text}
		ch.Before, ch.After = b.item(k.Kind, b.c.Old, d.Old), b.item(k.Kind, b.c.New, d.New)
		for _, f := range d.Fields {
			ch.Fields = append(ch.Fields, Field{Field: f.Field, Before: f.From, After: f.To, Added: f.Added, Removed: f.Removed})
			if k.Kind == "studyplans" && f.Field == "courses" {
				ch.Courses = append(ch.Courses, f.Added...)
				ch.Courses = append(ch.Courses, f.Removed...)
			}
		}
		b.concern(&ch, k.Kind, ch.Before, ch.After)
		out = append(out, ch)
	}
	for _, m := range k.Moved {
		ch := Change{Type: typ, Change: "moved", Text: "Moved: " + m.What + ": " + m.From + " → " + m.To}
		ch.Before, ch.After = b.item(k.Kind, b.c.Old, m.Old), b.item(k.Kind, b.c.New, m.New)
		b.concern(&ch, k.Kind, ch.Before, ch.After)
		out = append(out, ch)
	}
	for i := range out {
		ch := &out[i]
		switch k.Kind {
		case "sessions":
			ch.Dates = b.sessionDates(k, ch, i)
		case "bookings":
			ch.Dates = unionDates(dateOf(ch.Before), dateOf(ch.After))
		}
		if len(ch.Dates) > 0 {
			ch.Text += whenText(ch.Dates)
		}
	}
	return out
}

// item returns the index-th item of the sheet kind of rel.
func (b *changeBuilder) item(kind string, rel *source.Release, index int) *Item {
	switch kind {
	case "semesters":
		return &Item{Name: rel.Semesters[index].Name}
	case "rooms":
		return &Item{Name: rel.Rooms[index].Name}
	case "teachers":
		return &Item{Name: rel.Teachers[index].Name}
	case "courses":
		return &Item{Code: rel.Courses[index].Code}
	case "studyplans":
		p := &rel.StudyPlans[index]
		return &Item{ID: p.ID, Code: p.UnitCode, Semester: p.Semester}
	case "sessions":
		s := &rel.Sessions[index]
		it := &Item{Course: s.Course, Label: s.Label, Semester: s.Semester, Weekday: s.Weekday.String(),
			Start: s.Start.String(), End: s.End.String(), Rooms: roomSet(s.Rooms)}
		if len(s.Weeks) > 0 {
			it.Weeks = weekSet(s.Weeks)
		}
		return it
	case "bookings":
		bk := &rel.Bookings[index]
		return &Item{Course: bk.Course, Label: bk.Label, Name: bk.Name, Description: bk.Description,
			Date: bk.Date.Format(time.DateOnly), Start: bk.Start.String(), End: bk.End.String(), Rooms: roomSet(bk.Rooms)}
	}
	panic("changes: unknown sheet " + kind)
}

// concern fills in the courses, rooms and study plans a change of an
// item of sheet kind concerns, given the item before and after.
func (b *changeBuilder) concern(ch *Change, kind string, before, after *Item) {
	var courses, rooms, plans []string
	for _, it := range []*Item{before, after} {
		if it == nil {
			continue
		}
		switch kind {
		case "rooms":
			rooms = append(rooms, it.Name)
		case "courses":
			courses = append(courses, it.Code)
		case "studyplans":
			plans = append(plans, it.ID)
		case "semesters":
			plans = append(plans, b.plansIn[it.Name]...)
		case "teachers":
			courses = append(courses, b.taught[it.Name]...)
		case "sessions", "bookings":
			if it.Course != "" {
				courses = append(courses, it.Course)
			}
			rooms = append(rooms, it.Rooms...)
		}
	}
	// A course's change concerns the plans holding it; a session's,
	// those of its semester; a booking's, those whose semester holds
	// its day.
	for _, it := range []*Item{before, after} {
		if it == nil || kind != "courses" && it.Course == "" {
			continue
		}
		code := it.Code
		if kind != "courses" {
			code = it.Course
		}
		for _, p := range b.plansOf[code] {
			switch kind {
			case "sessions":
				if p.semester != it.Semester {
					continue
				}
			case "bookings":
				t, ok := b.terms[p.semester]
				if !ok || it.Date < t[0].Format(time.DateOnly) || it.Date > t[1].Format(time.DateOnly) {
					continue
				}
			}
			plans = append(plans, p.id)
		}
	}
	ch.Courses = sortedSet(append(ch.Courses, courses...))
	ch.Rooms = sortedSet(rooms)
	ch.StudyPlans = sortedSet(plans)
}

// sessionDates returns the days concerned by the i-th change of the
// sessions k: the days of the session added or removed; of a move, the
// days of both (only the days of one when only the weeks changed).
func (b *changeBuilder) sessionDates(k *source.KindChanges, ch *Change, i int) []string {
	days := func(rel *source.Release, index int) []string {
		s := &rel.Sessions[index]
		sem := rel.SemesterByName(s.Semester)
		if sem == nil {
			return nil
		}
		var out []string
		for _, d := range s.Dates(sem) {
			out = append(out, d.Format(time.DateOnly))
		}
		return out
	}
	nAdded, nRemoved, nChanged := len(k.Added), len(k.Removed), len(k.Changed)
	switch {
	case i < nAdded:
		return days(b.c.New, k.AddedAt[i])
	case i < nAdded+nRemoved:
		return days(b.c.Old, k.RemovedAt[i-nAdded])
	case i < nAdded+nRemoved+nChanged:
		return nil // sessions have no details to change
	}
	m := k.Moved[i-nAdded-nRemoved-nChanged]
	was, is := days(b.c.Old, m.Old), days(b.c.New, m.New)
	if o, n := ch.Before, ch.After; o.Weekday == n.Weekday && o.Start == n.Start && o.End == n.End && slices.Equal(o.Rooms, n.Rooms) {
		return symmetricDifference(was, is)
	}
	return unionDates(was, is)
}

// dateOf returns a booking's date as a list, or nil.
func dateOf(it *Item) []string {
	if it == nil {
		return nil
	}
	return []string{it.Date}
}

// unionDates returns the days of a or b, sorted, each once.
func unionDates(a, b []string) []string { return sortedSet(append(slices.Clone(a), b...)) }

// symmetricDifference returns the days of only one of a and b, sorted.
func symmetricDifference(a, b []string) []string {
	in := map[string]int{}
	for _, d := range a {
		in[d] |= 1
	}
	for _, d := range b {
		in[d] |= 2
	}
	var out []string
	for d, w := range in {
		if w != 3 {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out
}

// whenText says which days a change concerns: " (on 2026-10-05)", " (on
// 2026-10-05 and 2026-10-12)", " (11 days, 2026-10-05 to 2026-12-14)".
func whenText(dates []string) string {
	switch len(dates) {
	case 1:
		return " (on " + dates[0] + ")"
	case 2:
		return " (on " + dates[0] + " and " + dates[1] + ")"
	}
	return " (" + strconv.Itoa(len(dates)) + " days, " + dates[0] + " to " + dates[len(dates)-1] + ")"
}

// sortedSet sorts list and drops repeats; nil stays nil.
func sortedSet(list []string) []string {
	if len(list) == 0 {
		return nil
	}
	slices.Sort(list)
	return slices.Compact(list)
}

// roomSet returns rooms sorted without repeats.
func roomSet(rooms []string) []string { return sortedSet(slices.Clone(rooms)) }

// weekSet writes weeks as sorted merged ranges: "1-4,6".
func weekSet(weeks []source.WeekRange) string {
	ws := slices.Clone(weeks)
	slices.SortFunc(ws, func(a, b source.WeekRange) int { return a.From - b.From })
	var parts []string
	for i := 0; i < len(ws); {
		from, to := ws[i].From, ws[i].To
		for i++; i < len(ws) && ws[i].From <= to+1; i++ {
			to = max(to, ws[i].To)
		}
		if from == to {
			parts = append(parts, strconv.Itoa(from))
		} else {
			parts = append(parts, strconv.Itoa(from)+"-"+strconv.Itoa(to))
		}
	}
	return strings.Join(parts, ",")
}

// ErrChangeLog is the error of a change feed that cannot be read back.
var ErrChangeLog = errors.New("unreadable change feed")

// ParseChangeLog reads api/changes/index.json as a build wrote it.
func ParseChangeLog(data []byte) (*ChangeLog, error) {
	var l ChangeLog
	if err := json.Unmarshal(data, &l); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrChangeLog, tree.ChangeLogPath, err)
	}
	for _, r := range l.Releases {
		if !validSetID(r.ID) || r.Path != tree.ChangeSetPath(r.ID) {
			return nil, fmt.Errorf("%w: %s: release %q: id or path is not one this build writes", ErrChangeLog, tree.ChangeLogPath, r.ID)
		}
	}
	return &l, nil
}

// ParseChangeSet reads api/changes/<id>.json as a build wrote it, and
// checks that it is the set summary lists.
func ParseChangeSet(data []byte, summary ChangeSummary) (*ChangeSet, error) {
	var s ChangeSet
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrChangeLog, summary.Path, err)
	}
	if s.ID != summary.ID || s.Release != summary.Release || s.Date != summary.Date {
		return nil, fmt.Errorf("%w: %s: holds release %q of %s, the list says %q of %s", ErrChangeLog, summary.Path, s.Release, s.Date, summary.Release, summary.Date)
	}
	for _, ch := range s.Changes {
		for _, list := range [][]string{ch.Courses, ch.Rooms, ch.StudyPlans} {
			for _, name := range list {
				if !validName(name) {
					return nil, fmt.Errorf("%w: %s: %q cannot name a file", ErrChangeLog, summary.Path, name)
				}
			}
		}
	}
	return &s, nil
}

// validSetID reports whether id is 12 lower-case hex digits.
func validSetID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for _, c := range id {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// validName reports whether name can be one element of a tree path.
func validName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\\\x00")
}
