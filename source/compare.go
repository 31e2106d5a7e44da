package source

import (
	"bytes"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Changes is what differs between a release and the one it replaces, sheet
// by sheet, as [Compare] finds it.
type Changes struct {
	// First is true when there was no release to compare with: everything
	// is added.
	First bool
	// Old and New are the releases compared (Old empty when First): the
	// indices of [KindChanges] point into their lists.
	Old, New *Release
	// Kinds holds one entry per sheet, in sheet order: semesters, rooms,
	// teachers, courses, studyplans, sessions, bookings.
	Kinds []KindChanges
}

// KindChanges is what differs in one sheet. Its lists are sorted, so that
// the same two releases always give the same changes: by name or code,
// sessions by course, label, semester, weekday and time, bookings by date
// and time.
type KindChanges struct {
	Kind string // sheet name: "rooms", "sessions", …
	// Before and After count the items of the old and new release; for
	// rooms, only the available ones, the rooms that are published.
	Before, After int
	// Added and Removed name the items of one release only: a room by its
	// name, a course by its code, a study plan by unit code, semester and
	// id, a session or booking by every value that makes it.
	Added, Removed []string
	// Changed names an item of both releases whose details differ, with
	// the fields that changed: "CO1: capacity 120 → 150".
	Changed []string
	// Moved lists the sessions or bookings (only) that are in both
	// releases at another time, place or week.
	Moved []Move
	// AddedAt and RemovedAt are the indices of the items Added and
	// Removed name, in the same order, in the new and the old release's
	// list of the sheet.
	AddedAt, RemovedAt []int
	// ChangedAt holds what Changed says as indices and fields, in the
	// same order.
	ChangedAt []Detail
}

// Detail is an item of both releases whose fields differ.
type Detail struct {
	Old, New int           // indices in the old and new release's lists
	Fields   []FieldChange // the fields that differ, in column order
}

// FieldChange is one field of an item that differs between two releases.
// A list field (a course's teachers, a study plan's courses) names the
// values Added and Removed, or neither when only their order differs.
type FieldChange struct {
	Field          string // column name: "capacity"
	From, To       string // the values before and after, "unknown" for none; a list's joined by ";"
	Added, Removed []string
	quote, list    bool // how String describes it
}

// Move is a weekly session or a booking of the old release that the new
// one has elsewhere: in other rooms, at another time, date or weeks.
type Move struct {
	// What is the session or booking as it was: "CS-101 cours Monday
	// 08:15–10:00 (Semestre d'automne 2026-2027)".
	What string
	// From and To are the values that differ, before and after: "CO1" and
	// "CO2", or "Monday 08:15–10:00" and "Tuesday 10:15–12:00"; several are
	// separated by ", ".
	From, To string
	// Old and New are the indices of the session (or booking) in the old
	// and new release's Sessions (or Bookings).
	Old, New int
}

// Compare finds what changes from release old to release new, as their
// published trees would show it. old may be nil, for a first build:
// everything is added.
//
// Semesters, teachers, courses and study plans are matched by name, name,
// code and id; rooms by name too, but only available rooms are published,
// so a room that becomes unavailable is removed (and noted "hidden").
//
// A weekly session is known by all its values but Row: course, label,
// semester, weekday, start, end, rooms (as a set) and weeks (as the set of
// weeks). Sessions are matched as a multiset, identical ones in number.
// Among the rest, an old and a new session of the same course, label and
// semester are paired as a move, preferring one that keeps the weekday and
// times (a room change), then one that keeps the rooms (a time change),
// then any in sheet order; what is left is added or removed. Bookings are
// matched the same way, and paired as moves within the same course and
// label (or, for an event, the same name), preferring the same date.
//
// It runs in time about linear in the size of the releases.
func Compare(old, new *Release) *Changes {
	c := &Changes{First: old == nil}
	if old == nil {
		old = &Release{}
	}
	if new == nil {
		new = &Release{}
	}
	c.Old, c.New = old, new
	c.Kinds = []KindChanges{
		compareSheet("semesters", old.Semesters, new.Semesters, nil, compareSemesters),
		compareSheet("rooms", old.Rooms, new.Rooms, func(r *Room) bool { return r.Available }, compareRooms),
		compareSheet("teachers", old.Teachers, new.Teachers, nil, compareTeachers),
		compareSheet("courses", old.Courses, new.Courses, nil, compareCourses),
		compareSheet("studyplans", old.StudyPlans, new.StudyPlans, nil, compareStudyPlans),
		compareSheet("sessions", old.Sessions, new.Sessions, nil, compareSessions),
		compareSheet("bookings", old.Bookings, new.Bookings, nil, compareBookings),
	}
	return c
}

// compareSheet compares one sheet with compare, unless old and new are
// the same list in memory, which is unchanged whatever it holds: then it
// only counts its items (those keep accepts, if keep is not nil).
func compareSheet[T any](kind string, old, new []T, keep func(*T) bool, compare func(old, new []T) KindChanges) KindChanges {
	if len(old) != len(new) || len(old) > 0 && &old[0] != &new[0] {
		return compare(old, new)
	}
	n := len(new)
	if keep != nil {
		n = 0
		for i := range new {
			if keep(&new[i]) {
				n++
			}
		}
	}
	return KindChanges{Kind: kind, Before: n, After: n}
}

// CompareRecord returns what Compare(old, new) returns, old being the
// release recorded in oldRecord, and newRecord new's record from
// [MarshalRelease]. A sheet whose list has the same bytes in both records
// holds the same items: only the other sheets of oldRecord are decoded,
// which at a rebuild that changes one sheet is a fraction of the work
// and of the memory. A record laid out otherwise than MarshalRelease
// writes is decoded in full. Its errors are those of [UnmarshalRelease].
func CompareRecord(oldRecord []byte, new *Release, newRecord []byte) (*Changes, error) {
	old, err := unmarshalChanged(oldRecord, new, newRecord)
	if err != nil {
		return nil, err
	}
	return Compare(old, new), nil
}

// unmarshalChanged decodes oldRecord, taking the sheets whose bytes are
// the same as in newRecord from new instead.
func unmarshalChanged(oldRecord []byte, new *Release, newRecord []byte) (*Release, error) {
	was, ok := recordLayout(oldRecord)
	is, ok2 := recordLayout(newRecord)
	if !ok || !ok2 {
		return UnmarshalRelease(oldRecord)
	}
	same := func(k int) bool {
		return bytes.Equal(oldRecord[was[k][0]:was[k][1]], newRecord[is[k][0]:is[k][1]])
	}
	// The old record with each list it shares with the new one emptied.
	part := make([]byte, 0, len(oldRecord))
	part = append(part, oldRecord[:was[0][0]]...)
	for k := range recordSheets {
		if k > 0 {
			part = append(part, oldRecord[was[k-1][1]:was[k][0]]...) // ,"name":
		}
		if same(k) {
			part = append(part, "[]"...)
		} else {
			part = append(part, oldRecord[was[k][0]:was[k][1]]...)
		}
	}
	part = append(part, '}')
	old, err := UnmarshalRelease(part)
	if err != nil {
		// Positions in the record as it is on disk.
		return UnmarshalRelease(oldRecord)
	}
	for k, sheet := range recordSheets {
		if same(k) {
			sheet.take(old, new)
		}
	}
	return old, nil
}

// Kind returns the changes of the sheet named ("rooms"), or nil.
func (c *Changes) Kind(name string) *KindChanges {
	for i := range c.Kinds {
		if c.Kinds[i].Kind == name {
			return &c.Kinds[i]
		}
	}
	return nil
}

// Unchanged reports whether nothing was added, removed, changed or moved.
func (c *Changes) Unchanged() bool {
	for i := range c.Kinds {
		if c.Kinds[i].changed() {
			return false
		}
	}
	return true
}

func (k *KindChanges) changed() bool {
	return len(k.Added)+len(k.Removed)+len(k.Changed)+len(k.Moved) > 0
}

// Loss is a sheet that a build would empty or cut down, as reported by
// [Changes.Losses].
type Loss struct {
	Kind    string // sheet name: "sessions"
	Before  int    // items before, counted as in [KindChanges]
	Removed int    // items removed (not moved)
	After   int    // items after
}

// String formats the loss as "sessions: 1,290 of 1,300 removed (99%)", or
// "sessions: emptied (1,300 before, none after)".
func (l Loss) String() string {
	if l.After == 0 && l.Before > 0 {
		return fmt.Sprintf("%s: emptied (%s before, none after)", l.Kind, groupDigits(l.Before))
	}
	share := "100%"
	switch {
	case l.Before <= 0:
		share = "of none"
	case l.Removed < l.Before:
		p := l.Removed * 100 / l.Before // rounded down: 99.9% is not all
		share = strconv.Itoa(p) + "%"
		if p == 0 {
			share = "under 1%"
		}
	}
	return fmt.Sprintf("%s: %s of %s removed (%s)", l.Kind, groupDigits(l.Removed), groupDigits(l.Before), share)
}

// Losses lists the sheets that would lose much, for a build to stop and
// ask before it publishes: every sheet that had items and would have none,
// and the rooms, courses, study plans and weekly sessions of which more
// than maxShare (a fraction, 0.5 for half) of those before are removed,
// when that is at least minCount items. Moved sessions are not removed.
// The list is in sheet order, nil when nothing is lost.
func (c *Changes) Losses(maxShare float64, minCount int) []Loss {
	var out []Loss
	for _, k := range c.Kinds {
		l := Loss{Kind: k.Kind, Before: k.Before, Removed: len(k.Removed), After: k.After}
		switch {
		case k.Before > 0 && k.After == 0:
		case k.Kind == "rooms" || k.Kind == "courses" || k.Kind == "studyplans" || k.Kind == "sessions":
			if l.Removed == 0 || l.Removed < minCount || !(float64(l.Removed) > maxShare*float64(l.Before)) {
				continue
			}
		default:
			continue
		}
		out = append(out, l)
	}
	return out
}

// Summary describes the changes for an operator in a few lines: one per
// sheet with any change, each followed by up to examples lines of each of
// its lists, indented, the rest counted:
//
//	sessions   1300 → 1302: +4 added, -2 removed, 5 moved
//	    added: CS-101 cours Monday 08:15–10:00 in CO1 (Semestre …)
//	    …
//	    moved: CS-101 cours Monday 08:15–10:00 (Semestre …): CO1 → CO2
//	    … and 12 more
//
// When nothing changed it says that the release is the same as the
// published one. The last line has no line break.
func (c *Changes) Summary(examples int) string {
	var b strings.Builder
	if c.First {
		b.WriteString("no published release to compare with: everything is new\n")
	} else if c.Unchanged() {
		return "no change: the release is the same as the published one"
	}
	for i := range c.Kinds {
		k := &c.Kinds[i]
		if !k.changed() {
			continue
		}
		var parts []string
		for _, p := range []struct {
			n      int
			format string
		}{{len(k.Added), "+%d added"}, {len(k.Removed), "-%d removed"}, {len(k.Changed), "%d changed"}, {len(k.Moved), "%d moved"}} {
			if p.n > 0 {
				parts = append(parts, fmt.Sprintf(p.format, p.n))
			}
		}
		fmt.Fprintf(&b, "%-10s %d → %d: %s\n", k.Kind, k.Before, k.After, strings.Join(parts, ", "))
		if examples <= 0 {
			continue
		}
		moved := make([]string, len(k.Moved))
		for j, m := range k.Moved {
			moved[j] = m.What + ": " + m.From + " → " + m.To
		}
		for _, list := range []struct {
			verb  string
			items []string
		}{{"added", k.Added}, {"removed", k.Removed}, {"changed", k.Changed}, {"moved", moved}} {
			for j, item := range list.items {
				if j == examples {
					fmt.Fprintf(&b, "    … and %d more\n", len(list.items)-examples)
					break
				}
				fmt.Fprintf(&b, "    %s: %s\n", list.verb, oneLine.Replace(item))
			}
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// oneLine keeps a name that holds a line break on its line of a summary.
var oneLine = strings.NewReplacer("\r\n", "⏎", "\n", "⏎", "\r", "⏎")

// groupDigits formats n with thousands separators: 1,300.
func groupDigits(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// keyed compares a sheet whose items are known by a key (name, code, id).
type keyed[T any] struct {
	kind string
	keep func(*T) bool // which items count; nil for all
	key  func(*T) string
	name func(*T) string      // how an item is named in the lists
	diff func(o, n *T) fields // the fields that differ
}

// compare pairs the items of old and new with the same key, the first
// with the first if a key repeats (a release from Check has none), and
// returns the indices of the unpaired ones.
func (s keyed[T]) compare(old, new []T) (k KindChanges, added, removed []int) {
	k.Kind = s.kind
	byKey := make(map[string][]int, len(old))
	for i := range old {
		if s.keep == nil || s.keep(&old[i]) {
			key := s.key(&old[i])
			byKey[key] = append(byKey[key], i)
			k.Before++
		}
	}
	paired := make([]bool, len(old))
	var changed []Detail
	for j := range new {
		n := &new[j]
		if s.keep != nil && !s.keep(n) {
			continue
		}
		k.After++
		key := s.key(n)
		q := byKey[key]
		if len(q) == 0 {
			added = append(added, j)
			continue
		}
		byKey[key] = q[1:]
		paired[q[0]] = true
		if d := s.diff(&old[q[0]], n); len(d) > 0 {
			changed = append(changed, Detail{Old: q[0], New: j, Fields: d})
		}
	}
	for i := range old {
		if !paired[i] && (s.keep == nil || s.keep(&old[i])) {
			removed = append(removed, i)
		}
	}
	text := func(d Detail) string {
		parts := make([]string, len(d.Fields))
		for i, f := range d.Fields {
			parts[i] = f.String()
		}
		return s.name(&new[d.New]) + ": " + strings.Join(parts, "; ")
	}
	slices.SortFunc(changed, func(a, b Detail) int { return strings.Compare(text(a), text(b)) })
	for _, d := range changed {
		k.Changed = append(k.Changed, text(d))
	}
	k.ChangedAt = changed
	return k, added, removed
}

// names returns the names of the items at indices idx, sorted, and the
// indices in the same order.
func names[T any](items []T, idx []int, name func(*T) string) ([]string, []int) {
	if len(idx) == 0 {
		return nil, nil
	}
	type named struct {
		name string
		at   int
	}
	list := make([]named, len(idx))
	for i, j := range idx {
		list[i] = named{name(&items[j]), j}
	}
	slices.SortStableFunc(list, func(a, b named) int { return strings.Compare(a.name, b.name) })
	out, at := make([]string, len(list)), make([]int, len(list))
	for i, n := range list {
		out[i], at[i] = n.name, n.at
	}
	return out, at
}

// fields collects the differences of an item's fields.
type fields []FieldChange

// text notes a text field, quoted when described.
func (f *fields) text(name, a, b string) {
	if a != b {
		*f = append(*f, FieldChange{Field: name, From: a, To: b, quote: true})
	}
}

// plain notes a field whose values need no quotes: numbers, dates.
func (f *fields) plain(name, a, b string) {
	if a != b {
		*f = append(*f, FieldChange{Field: name, From: a, To: b})
	}
}

// list notes a list field.
func (f *fields) list(name string, a, b []string) {
	if slices.Equal(a, b) {
		return
	}
	plus, minus := listDiff(a, b)
	*f = append(*f, FieldChange{Field: name, From: strings.Join(a, ";"), To: strings.Join(b, ";"),
		Added: plus, Removed: minus, list: true})
}

// String describes the change: `name "a" → "b"` for text, "capacity 120 →
// 150", or for a list "teachers +x, +y, -z" ("reordered" when only the
// order differs).
func (f FieldChange) String() string {
	switch {
	case f.list && len(f.Added)+len(f.Removed) == 0:
		return f.Field + " reordered"
	case f.list:
		parts := make([]string, 0, len(f.Added)+len(f.Removed))
		for _, s := range f.Added {
			parts = append(parts, "+"+s)
		}
		for _, s := range f.Removed {
			parts = append(parts, "-"+s)
		}
		return f.Field + " " + strings.Join(parts, ", ")
	case f.quote:
		return fmt.Sprintf("%s %q → %q", f.Field, f.From, f.To)
	}
	return f.Field + " " + f.From + " → " + f.To
}

// listDiff returns the values of list b that list a lacks and those of a
// that b lacks, counting repeats, each in its list's order.
func listDiff(a, b []string) (plus, minus []string) {
	count := make(map[string]int, len(a))
	for _, s := range a {
		count[s]++
	}
	for _, s := range b {
		if count[s] > 0 {
			count[s]--
		} else {
			plus = append(plus, s)
		}
	}
	for _, s := range a {
		if count[s] > 0 {
			count[s]--
			minus = append(minus, s)
		}
	}
	return plus, minus
}

func optInt(p *int) string {
	if p == nil {
		return "unknown"
	}
	return strconv.Itoa(*p)
}

func optFloat(p *float64) string {
	if p == nil {
		return "unknown"
	}
	return strconv.FormatFloat(*p, 'g', -1, 64)
}

func optCoordinates(p *[2]float64) string {
	if p == nil {
		return "unknown"
	}
	return strconv.FormatFloat(p[0], 'g', -1, 64) + ", " + strconv.FormatFloat(p[1], 'g', -1, 64)
}

func day(d Date) string { return d.Format("2006-01-02") }

func skipDates(list []DateRange) string {
	if len(list) == 0 {
		return "none"
	}
	parts := make([]string, len(list))
	for i, r := range list {
		parts[i] = day(r.From)
		if !r.To.Equal(r.From) {
			parts[i] += ".." + day(r.To)
		}
	}
	return strings.Join(parts, ", ")
}

func compareSemesters(old, new []Semester) KindChanges {
	s := keyed[Semester]{
		kind: "semesters",
		key:  func(x *Semester) string { return x.Name },
		name: func(x *Semester) string { return x.Name },
		diff: func(o, n *Semester) fields {
			var f fields
			f.text("type", o.Type, n.Type)
			f.plain("start_date", day(o.Start), day(n.Start))
			f.plain("end_date", day(o.End), day(n.End))
			f.plain("skip_dates", skipDates(o.Skip), skipDates(n.Skip))
			return f
		},
	}
	k, added, removed := s.compare(old, new)
	k.Added, k.AddedAt = names(new, added, s.name)
	k.Removed, k.RemovedAt = names(old, removed, s.name)
	return k
}

func compareRooms(old, new []Room) KindChanges {
	s := keyed[Room]{
		kind: "rooms",
		keep: func(x *Room) bool { return x.Available },
		key:  func(x *Room) string { return x.Name },
		name: func(x *Room) string { return x.Name },
		diff: func(o, n *Room) fields {
			var f fields
			f.text("type", o.Type, n.Type)
			f.plain("capacity", optInt(o.Capacity), optInt(n.Capacity))
			f.text("building", o.Building, n.Building)
			f.plain("level", optInt(o.Level), optInt(n.Level))
			f.plain("coordinates", optCoordinates(o.Coordinates), optCoordinates(n.Coordinates))
			f.text("link", o.Link, n.Link)
			return f
		},
	}
	k, added, removed := s.compare(old, new)
	hiddenIn := func(rooms []Room) map[string]bool {
		m := map[string]bool{}
		for i := range rooms {
			if !rooms[i].Available {
				m[rooms[i].Name] = true
			}
		}
		return m
	}
	wasHidden, nowHidden := hiddenIn(old), hiddenIn(new)
	k.Added, k.AddedAt = names(new, added, func(x *Room) string {
		if wasHidden[x.Name] {
			return x.Name + " (no longer hidden)"
		}
		return x.Name
	})
	k.Removed, k.RemovedAt = names(old, removed, func(x *Room) string {
		if nowHidden[x.Name] {
			return x.Name + " (hidden)"
		}
		return x.Name
	})
	return k
}

func compareTeachers(old, new []Teacher) KindChanges {
	s := keyed[Teacher]{
		kind: "teachers",
		key:  func(x *Teacher) string { return x.Name },
		name: func(x *Teacher) string { return x.Name },
		diff: func(o, n *Teacher) fields {
			var f fields
			f.text("people_url", o.PeopleURL, n.PeopleURL)
			return f
		},
	}
	k, added, removed := s.compare(old, new)
	k.Added, k.AddedAt = names(new, added, s.name)
	k.Removed, k.RemovedAt = names(old, removed, s.name)
	return k
}

func compareCourses(old, new []Course) KindChanges {
	s := keyed[Course]{
		kind: "courses",
		key:  func(x *Course) string { return x.Code },
		name: func(x *Course) string { return x.Code },
		diff: func(o, n *Course) fields {
			var f fields
			f.text("name", o.Name, n.Name)
			f.plain("credits", optFloat(o.Credits), optFloat(n.Credits))
			f.text("language", o.Language, n.Language)
			f.text("edu_url", o.EduURL, n.EduURL)
			f.list("teachers", o.Teachers, n.Teachers)
			return f
		},
	}
	k, added, removed := s.compare(old, new)
	k.Added, k.AddedAt = names(new, added, s.name)
	k.Removed, k.RemovedAt = names(old, removed, s.name)
	return k
}

func compareStudyPlans(old, new []StudyPlan) KindChanges {
	s := keyed[StudyPlan]{
		kind: "studyplans",
		key:  func(x *StudyPlan) string { return x.ID },
		name: func(x *StudyPlan) string { return x.UnitCode + " " + x.Semester + " (id " + x.ID + ")" },
		diff: func(o, n *StudyPlan) fields {
			var f fields
			f.text("unit_code", o.UnitCode, n.UnitCode)
			f.text("unit_name", o.UnitName, n.UnitName)
			f.text("section", o.Section, n.Section)
			f.text("promo", o.Promo, n.Promo)
			f.text("semester", o.Semester, n.Semester)
			f.list("courses", o.Courses, n.Courses)
			return f
		},
	}
	k, added, removed := s.compare(old, new)
	k.Added, k.AddedAt = names(new, added, s.name)
	k.Removed, k.RemovedAt = names(old, removed, s.name)
	return k
}

// facets are the parts of a session or booking that pairing looks at,
// once identical items are matched.
type facets struct {
	group string         // only items of one group pair as moves
	tiers [nTiers]string // pairing preferences, the first tier first
}

const nTiers = 4

// pairing is the outcome of [pair]: indices of the unmatched items and of
// the pairs of moved ones, each sorted by identity.
type pairing struct {
	added, removed []int
	moves          [][2]int // old index, new index
}

// pair matches old and new items, given their identity keys, as multisets
// of identities, then pairs the rest as moves within groups: first those
// with equal keys of tier 0, then of tier 1, …, then the rest of each group
// in order. An empty tier key is no preference. facetsOf is called once
// for each item left unmatched, of the old release or the new.
func pair(oldKeys, newKeys []string, facetsOf func(old bool, i int) facets) pairing {
	byKey := make(map[string][]int, len(oldKeys))
	for i, k := range oldKeys {
		byKey[k] = append(byKey[k], i)
	}
	usedOld := make([]bool, len(oldKeys))
	var restNew []int
	for j, k := range newKeys {
		q := byKey[k]
		if len(q) == 0 {
			restNew = append(restNew, j)
			continue
		}
		byKey[k] = q[1:]
		usedOld[q[0]] = true
	}
	type group struct{ old, new []int }
	groups := map[string]*group{}
	var order []string
	oldFacets, newFacets := map[int]*facets{}, map[int]*facets{}
	add := func(old bool, i int) {
		f := facetsOf(old, i)
		g := groups[f.group]
		if g == nil {
			g = &group{}
			groups[f.group] = g
			order = append(order, f.group)
		}
		if old {
			oldFacets[i] = &f
			g.old = append(g.old, i)
		} else {
			newFacets[i] = &f
			g.new = append(g.new, i)
		}
	}
	for i, used := range usedOld {
		if !used {
			add(true, i)
		}
	}
	for _, j := range restNew {
		add(false, j)
	}
	var p pairing
	for _, name := range order {
		g := groups[name]
		for t := 0; t < nTiers && len(g.old) > 0 && len(g.new) > 0; t++ {
			queue := make(map[string][]int, len(g.old))
			for _, i := range g.old {
				if k := oldFacets[i].tiers[t]; k != "" {
					queue[k] = append(queue[k], i)
				}
			}
			paired := false
			keepNew := g.new[:0:0]
			for _, j := range g.new {
				k := newFacets[j].tiers[t]
				q := queue[k]
				if k == "" || len(q) == 0 {
					keepNew = append(keepNew, j)
					continue
				}
				queue[k] = q[1:]
				usedOld[q[0]], paired = true, true
				p.moves = append(p.moves, [2]int{q[0], j})
			}
			if paired {
				g.old = slices.DeleteFunc(g.old, func(i int) bool { return usedOld[i] })
			}
			g.new = keepNew
		}
		n := min(len(g.old), len(g.new))
		for x := range n {
			p.moves = append(p.moves, [2]int{g.old[x], g.new[x]})
		}
		p.removed = append(p.removed, g.old[n:]...)
		p.added = append(p.added, g.new[n:]...)
	}
	byIdentity := func(keys []string) func(a, b int) int {
		return func(a, b int) int {
			if c := strings.Compare(keys[a], keys[b]); c != 0 {
				return c
			}
			return a - b
		}
	}
	slices.SortFunc(p.added, byIdentity(newKeys))
	slices.SortFunc(p.removed, byIdentity(oldKeys))
	slices.SortFunc(p.moves, func(a, b [2]int) int {
		if c := byIdentity(oldKeys)(a[0], b[0]); c != 0 {
			return c
		}
		return byIdentity(newKeys)(a[1], b[1])
	})
	return p
}

// keyBuilder spells identity keys: fields separated by a NUL byte, numbers
// fixed-width so that keys sort in time order.
type keyBuilder struct {
	b      []byte
	fields int
}

func (k *keyBuilder) reset() { k.b, k.fields = k.b[:0], 0 }

// field starts a field.
func (k *keyBuilder) field() {
	if k.fields > 0 {
		k.b = append(k.b, 0)
	}
	k.fields++
}

func (k *keyBuilder) text(s string) *keyBuilder {
	k.field()
	k.b = append(k.b, s...)
	return k
}

// number appends n with at least width digits; a negative number (which
// no release from Check has) sorts first.
func (k *keyBuilder) number(n, width int) {
	if n < 0 {
		k.b = append(k.b, '-')
		n = -n
	}
	for w := 10; width > 1; width-- {
		if n < w {
			k.b = append(k.b, '0')
		}
		w *= 10
	}
	k.b = strconv.AppendInt(k.b, int64(n), 10)
}

// clocks appends a start and an end as one field.
func (k *keyBuilder) clocks(start, end Clock) *keyBuilder {
	k.field()
	k.number(int(start), 4)
	k.b = append(k.b, '-')
	k.number(int(end), 4)
	return k
}

// when appends a weekday (Monday first) and clocks as one field.
func (k *keyBuilder) when(wd time.Weekday, start, end Clock) *keyBuilder {
	k.field()
	k.number((int(wd)+6)%7, 1)
	k.b = append(k.b, ' ')
	k.number(int(start), 4)
	k.b = append(k.b, '-')
	k.number(int(end), 4)
	return k
}

// day appends a date as YYYY-MM-DD.
func (k *keyBuilder) day(d Date) *keyBuilder {
	k.field()
	y, m, dd := d.Date()
	k.number(y, 4)
	k.b = append(k.b, '-')
	k.number(int(m), 2)
	k.b = append(k.b, '-')
	k.number(dd, 2)
	return k
}

// rooms appends the rooms as a set: sorted, without repeats, separated by
// a control character that names cannot hold.
func (k *keyBuilder) rooms(rooms []string) *keyBuilder {
	k.field()
	var small [8]string
	sorted := small[:0]
	if len(rooms) > len(small) {
		sorted = make([]string, 0, len(rooms))
	}
	sorted = append(sorted, rooms...)
	slices.Sort(sorted)
	for i, r := range slices.Compact(sorted) {
		if i > 0 {
			k.b = append(k.b, 0x1f)
		}
		k.b = append(k.b, r...)
	}
	return k
}

func (k *keyBuilder) String() string { return string(k.b) }

// sameRooms reports whether a and b hold the same rooms.
func sameRooms(a, b []string) bool {
	var ka, kb keyBuilder
	return bytes.Equal(ka.rooms(a).b, kb.rooms(b).b)
}

// roomSet returns the rooms sorted, without repeats, joined by "+", or
// "no room".
func roomSet(rooms []string) string {
	switch len(rooms) {
	case 0:
		return "no room"
	case 1:
		return rooms[0]
	}
	s := slices.Clone(rooms)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), "+")
}

// weekSet returns the weeks as a sorted list of merged ranges, "1-2,4",
// or "every week". A list holding a range that ends before it starts is
// kept as it is.
func weekSet(weeks []WeekRange) string {
	if len(weeks) == 0 {
		return "every week"
	}
	ws := slices.Clone(weeks)
	valid := true
	for _, w := range ws {
		valid = valid && w.From <= w.To
	}
	if valid {
		slices.SortFunc(ws, func(a, b WeekRange) int { return a.From - b.From })
		merged := ws[:1]
		for _, w := range ws[1:] {
			last := &merged[len(merged)-1]
			if w.From <= last.To || w.From-1 == last.To {
				last.To = max(last.To, w.To)
			} else {
				merged = append(merged, w)
			}
		}
		ws = merged
	}
	var b strings.Builder
	for i, w := range ws {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(w.From))
		if w.To != w.From {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(w.To))
		}
	}
	return b.String()
}

// clockSpan formats a start and end: "08:15–10:00".
func clockSpan(start, end Clock) string { return start.String() + "–" + end.String() }

func compareSessions(old, new []Session) KindChanges {
	var kb keyBuilder
	keys := func(list []Session) []string {
		out := make([]string, len(list))
		for i := range list {
			s := &list[i]
			kb.reset()
			out[i] = kb.text(s.Course).text(s.Label).text(s.Semester).when(s.Weekday, s.Start, s.End).
				rooms(s.Rooms).text(weekSet(s.Weeks)).String()
		}
		return out
	}
	p := pair(keys(old), keys(new), func(isOld bool, i int) facets {
		list := new
		if isOld {
			list = old
		}
		s := &list[i]
		kb.reset()
		group := kb.text(s.Course).text(s.Label).text(s.Semester).String()
		kb.reset()
		when := kb.when(s.Weekday, s.Start, s.End).String()
		kb.reset()
		rooms := kb.rooms(s.Rooms).String()
		return facets{group: group, tiers: [nTiers]string{when + "\x00" + rooms, when, rooms}}
	})
	headline := func(s *Session) string {
		return s.Course + " " + s.Label + " " + s.Weekday.String() + " " + clockSpan(s.Start, s.End)
	}
	describe := func(s *Session) string {
		d := headline(s)
		if len(s.Rooms) > 0 {
			d += " in " + roomSet(s.Rooms)
		} else {
			d += ", no room"
		}
		if len(s.Weeks) > 0 {
			d += ", weeks " + weekSet(s.Weeks)
		}
		return d + " (" + s.Semester + ")"
	}
	k := KindChanges{Kind: "sessions", Before: len(old), After: len(new)}
	for _, i := range p.removed {
		k.Removed = append(k.Removed, describe(&old[i]))
	}
	for _, j := range p.added {
		k.Added = append(k.Added, describe(&new[j]))
	}
	k.AddedAt, k.RemovedAt = p.added, p.removed
	for _, m := range p.moves {
		o, n := &old[m[0]], &new[m[1]]
		var from, to []string
		if o.Weekday != n.Weekday || o.Start != n.Start || o.End != n.End {
			from = append(from, o.Weekday.String()+" "+clockSpan(o.Start, o.End))
			to = append(to, n.Weekday.String()+" "+clockSpan(n.Start, n.End))
		}
		if !sameRooms(o.Rooms, n.Rooms) {
			from, to = append(from, roomSet(o.Rooms)), append(to, roomSet(n.Rooms))
		}
		if a, b := weekSet(o.Weeks), weekSet(n.Weeks); a != b {
			from, to = append(from, weekWord(a)), append(to, weekWord(b))
		}
		k.Moved = append(k.Moved, Move{
			What: headline(o) + " (" + o.Semester + ")",
			From: strings.Join(from, ", "), To: strings.Join(to, ", "),
			Old: m[0], New: m[1],
		})
	}
	return k
}

func weekWord(set string) string {
	if set == "every week" {
		return set
	}
	return "weeks " + set
}

func compareBookings(old, new []Booking) KindChanges {
	var kb keyBuilder
	keys := func(list []Booking) []string {
		out := make([]string, len(list))
		for i := range list {
			b := &list[i]
			kb.reset()
			out[i] = kb.day(b.Date).clocks(b.Start, b.End).text(b.Course).text(b.Label).text(b.Name).
				text(b.Description).rooms(b.Rooms).String()
		}
		return out
	}
	p := pair(keys(old), keys(new), func(isOld bool, i int) facets {
		list := new
		if isOld {
			list = old
		}
		b := &list[i]
		kb.reset()
		if b.Course != "" {
			kb.text("course").text(b.Course).text(b.Label)
		} else {
			kb.text("event").text(b.Name)
		}
		group := kb.String()
		kb.reset()
		date := kb.day(b.Date).String()
		kb.reset()
		times := kb.clocks(b.Start, b.End).String()
		kb.reset()
		rooms := kb.rooms(b.Rooms).String()
		return facets{group: group, tiers: [nTiers]string{
			date + "\x00" + times + "\x00" + rooms, date + "\x00" + times, date, times + "\x00" + rooms,
		}}
	})
	headline := func(b *Booking) string {
		var s string
		if b.Course != "" {
			s = b.Course + " " + b.Label
		} else {
			s = b.Name
			if b.Label != "event" {
				s += " (" + b.Label + ")"
			}
			if b.Description != "" {
				s += " " + strconv.Quote(b.Description)
			}
		}
		return s + " " + day(b.Date) + " " + clockSpan(b.Start, b.End)
	}
	describe := func(b *Booking) string {
		d := headline(b) + " in " + roomSet(b.Rooms)
		if b.Course != "" && (b.Name != "" || b.Description != "") {
			d += " (" + strconv.Quote(b.Name) + ", " + strconv.Quote(b.Description) + ")"
		}
		return d
	}
	k := KindChanges{Kind: "bookings", Before: len(old), After: len(new)}
	for _, i := range p.removed {
		k.Removed = append(k.Removed, describe(&old[i]))
	}
	for _, j := range p.added {
		k.Added = append(k.Added, describe(&new[j]))
	}
	k.AddedAt, k.RemovedAt = p.added, p.removed
	for _, m := range p.moves {
		o, n := &old[m[0]], &new[m[1]]
		var from, to []string
		if a, b := day(o.Date), day(n.Date); a != b {
			from, to = append(from, a), append(to, b)
		}
		if o.Start != n.Start || o.End != n.End {
			from, to = append(from, clockSpan(o.Start, o.End)), append(to, clockSpan(n.Start, n.End))
		}
		if !sameRooms(o.Rooms, n.Rooms) {
			from, to = append(from, roomSet(o.Rooms)), append(to, roomSet(n.Rooms))
		}
		if o.Label != n.Label {
			from, to = append(from, "label "+strconv.Quote(o.Label)), append(to, "label "+strconv.Quote(n.Label))
		}
		if o.Description != n.Description {
			from, to = append(from, strconv.Quote(o.Description)), append(to, strconv.Quote(n.Description))
		}
		k.Moved = append(k.Moved, Move{
			What: headline(o),
			From: strings.Join(from, ", "), To: strings.Join(to, ", "),
			Old: m[0], New: m[1],
		})
	}
	return k
}
