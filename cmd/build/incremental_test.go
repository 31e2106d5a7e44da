package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/andybalholm/brotli"

	"occupancy/generator"
	"occupancy/generator/tree"
	"occupancy/source"
	"occupancy/source/sourcetest"
)

// The property test's knobs: go test ./cmd/build -run
// TestRebuildMatchesFreshBuild -rebuild.n 300 -rebuild.seed 7 runs it
// longer, from another seed. The default 20 steps try 17 of the 66 kinds
// of mutation, 100 steps nearly all, 300 every one (the log lists them).
var (
	rebuildSteps = flag.Int("rebuild.n", 20, "TestRebuildMatchesFreshBuild: how many steps (release mutations and option changes), each followed by a rebuild and a fresh build")
	rebuildSeed  = flag.Uint64("rebuild.seed", 1, "TestRebuildMatchesFreshBuild: seed of the random mutations")
)

// TestRebuildMatchesFreshBuild is the safety net of a build that carries
// files over from the tree it replaces: a tree rebuilt over the previous
// one must be byte for byte the tree a build into an empty folder makes.
//
// From a small release holding every kind of relation (rooms shared by
// courses, a course in plans of both semesters, teachers shared by
// courses, weekly and dated sessions, events, skip dates), each step
// changes one field of one row of one sheet (or adds, removes or moves a
// row), chosen at random so that every column of every sheet can be
// reached, and builds the release twice with the same flags: into folder
// A, over the tree of the previous step, and into a new empty folder. The
// two trees must hold the same files with the same bytes, manifest
// included. Every fourth step changes an option (-no-compress, -rfc3339,
// -tz) for both builds, alone or with a mutation.
//
// A mutation the build refuses (its own error: the release has problems)
// is undone and another drawn; most must apply.
func TestRebuildMatchesFreshBuild(t *testing.T) {
	t.Parallel()
	steps := *rebuildSteps
	if testing.Short() {
		steps = min(steps, 6)
	}
	seed := *rebuildSeed
	rng := rand.New(rand.NewPCG(seed, 0x5eed))
	root := t.TempDir()
	in := filepath.Join(root, "release")
	a := filepath.Join(root, "rebuilt", "public")
	m := &mutator{rng: rng, raw: rebuildRelease()}
	bags := newMutationBags(rng)
	opts := rebuildOptions{tz: "Europe/Zurich"}

	var history []string
	var refusals []string
	mutated, optionSteps := 0, 0
	kinds := map[string]int{}
	start := time.Now()
	for step := 0; step <= steps; step++ {
		change := "the initial release"
		b := "" // the fresh build of the step, when a mutation made it
		if step > 0 {
			var parts []string
			mutate := true
			if step%4 == 3 {
				parts = append(parts, opts.change(rng))
				optionSteps++
				mutate = step%8 == 7 // every other option change comes alone
			}
			if mutate {
				done, fresh, refused := m.applyValid(t, bags, in, opts, root, step)
				b, mutated = fresh, mutated+1
				refusals = append(refusals, refused...)
				kinds[done.kind]++
				parts = append(parts, done.String())
			}
			change = strings.Join(parts, "; and ")
		}
		history = append(history, fmt.Sprintf("step %d: %s [%s]", step, change, opts))
		args := slices.Concat(opts.args(), []string{"-allow-shrink", "-in", in})
		if b == "" {
			writeRelease(t, in, m.raw)
			b = filepath.Join(root, "fresh", fmt.Sprint(step), "public")
			if _, stderr, err := build(t, slices.Concat(args, []string{"-out", b})...); err != nil {
				t.Fatalf("step %d, fresh build: %v\n%s\nafter %s", step, err, stderr, strings.Join(lastOf(history, 8), "\n"))
			}
		}
		if _, stderr, err := build(t, slices.Concat(args, []string{"-out", a})...); err != nil {
			t.Fatalf("step %d, rebuild: %v\n%s\nafter %s", step, err, stderr, strings.Join(lastOf(history, 8), "\n"))
		}
		rebuilt := readTree(t, a)
		checkChangeFeed(t, step, rebuilt)
		if diffs := diffEntries(withoutChangeFeed(t, rebuilt), withoutChangeFeed(t, readTree(t, b)), 5); len(diffs) > 0 {
			t.Fatalf("step %d: the tree rebuilt over the previous one differs from a fresh build\n"+
				"change: %s\noptions: %s\n%s\nhistory (last steps):\n  %s\nreplay: go test ./cmd/build -run TestRebuildMatchesFreshBuild -rebuild.seed %d -rebuild.n %d",
				step, change, opts, strings.Join(diffs, "\n"), strings.Join(lastOf(history, 8), "\n  "), seed, steps)
		}
		if err := os.RemoveAll(filepath.Dir(b)); err != nil {
			t.Fatal(err)
		}
	}
	// A mutation the build refuses is drawn again: a generator whose
	// mutations the build mostly refused would test little while passing.
	if mutated == 0 || len(refusals) >= mutated {
		t.Errorf("%d mutations applied and %d refused by the build: most mutations must apply; refused:\n%s", mutated, len(refusals), strings.Join(refusals, "\n"))
	}
	t.Logf("seed %d: %d steps in %s, %d mutations applied, %d refused and drawn again, %d option changes; kinds applied: %s",
		seed, steps, time.Since(start).Round(time.Millisecond), mutated, len(refusals), optionSteps, kindSummary(kinds))
	if testing.Verbose() && len(refusals) > 0 {
		t.Logf("refused:\n%s", strings.Join(refusals, "\n"))
	}
}

// withoutChangeFeed returns tr without the change feed's files, and with
// its manifest listing the others only: the feed of a tree rebuilt over
// another holds the releases before it, which a fresh build cannot.
func withoutChangeFeed(t *testing.T, tr map[string]treeEntry) map[string]treeEntry {
	t.Helper()
	var m struct {
		Version int               `json:"version"`
		Release string            `json:"release"`
		Inputs  string            `json:"inputs"`
		Files   []json.RawMessage `json:"files"`
	}
	if err := json.Unmarshal(tr[tree.ManifestName].data, &m); err != nil {
		t.Fatal(err)
	}
	feed := map[string]bool{}
	m.Files = slices.DeleteFunc(m.Files, func(raw json.RawMessage) bool {
		var e tree.ManifestEntry
		if err := json.Unmarshal(raw, &e); err != nil {
			t.Fatal(err)
		}
		if e.Kind == tree.KindChangeLog || e.Kind == tree.KindEntityChanges {
			feed[e.Path] = true
		}
		return feed[e.Path]
	})
	// A removed course keeps its feed: drop the folders left empty.
	out := make(map[string]treeEntry, len(tr))
	used := map[string]bool{}
	for p, e := range tr {
		if feed[strings.TrimSuffix(strings.TrimSuffix(p, ".gz"), ".br")] || e.mode.IsDir() {
			continue
		}
		out[p] = e
		for d := path.Dir(p); d != "."; d = path.Dir(d) {
			used[d] = true
		}
	}
	for p, e := range tr {
		if e.mode.IsDir() && used[p] {
			out[p] = e
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	out[tree.ManifestName] = treeEntry{mode: tr[tree.ManifestName].mode, data: data}
	return out
}

// checkChangeFeed checks the change feed of a rebuilt tree: it keeps no
// more releases than it says, and every set its list names is in the
// tree and is that set. (Which changes the sets hold, the generator's
// tests check; the chain of releases, TestChangeFeed.)
func checkChangeFeed(t *testing.T, step int, tr map[string]treeEntry) {
	t.Helper()
	log, err := generator.ParseChangeLog(tr[tree.ChangeLogPath].data)
	if err != nil {
		t.Fatalf("step %d: %v", step, err)
	}
	if len(log.Releases) > log.Keep {
		t.Errorf("step %d: %d releases in the feed, more than it keeps (%d)", step, len(log.Releases), log.Keep)
	}
	kept := map[string]bool{}
	for _, s := range log.Releases {
		kept[s.ID] = true
		if _, err := generator.ParseChangeSet(tr[s.Path].data, s); err != nil {
			t.Errorf("step %d: %v", step, err)
		}
	}
	// Each room's, course's and study plan's list (kept from the previous
	// tree when the sets that concern it are the same) names kept sets only.
	for p, e := range tr {
		if !strings.HasPrefix(p, tree.ChangesDir+"/") && path.Base(p) == "changes.json" {
			var ec generator.EntityChanges
			if err := json.Unmarshal(e.data, &ec); err != nil {
				t.Fatalf("step %d: %s: %v", step, p, err)
			}
			for _, r := range ec.Releases {
				if !kept[r.ID] {
					t.Errorf("step %d: %s lists set %s, which the feed no longer keeps", step, p, r.ID)
				}
			}
		}
	}
}

// rebuildRelease is the fixture of the generator's golden files with a
// fifth room shared by courses, a third teacher, a course taught by two
// teachers in plans of both semesters, a third study plan, skip dates in
// both semesters and more bookings: small enough to build in a fraction
// of a second, rich enough that every file depends on several sheets.
func rebuildRelease() *source.Raw {
	raw := sourcetest.FixtureRaw()
	raw.Semesters.Rows[1].SkipDates = "2027-03-29;2027-04-01..2027-04-02"
	raw.Rooms.Rows = append(raw.Rooms.Rows,
		source.RoomRow{Name: "INM202", Type: "SALLE DE COURS", Capacity: "60", Building: "INM", Level: "2", Latitude: "46.51860", Longitude: "6.56330", Available: "yes"})
	raw.Teachers.Rows = append(raw.Teachers.Rows, source.TeacherRow{Name: "Ada Lovelace", PeopleURL: "https://people.epfl.ch/ada.lovelace"})
	raw.Courses.Rows = append(raw.Courses.Rows,
		source.CourseRow{Code: "CS-206", Name: "Parallelism and concurrency", Credits: "4.5", Language: "English", Teachers: "Ada Lovelace;Jane Doe"})
	raw.StudyPlans.Rows[1].Courses = "CS-305;CS-206"
	raw.StudyPlans.Rows = append(raw.StudyPlans.Rows,
		source.StudyPlanRow{UnitCode: "SC-MA1", UnitName: "Systèmes de communication - Master semestre 1", Section: "SC", Promo: "MA1", Semester: "Semestre d'automne 2026-2027", Courses: "CS-206;HUM-200;CS-305"})
	raw.Sessions.Rows = append(raw.Sessions.Rows,
		source.SessionRow{Course: "CS-206", Label: "cours", Weekday: "Wednesday", Start: "09:15", End: "11:00", Rooms: "INM202;CO1", Semester: "Semestre d'automne 2026-2027"},
		source.SessionRow{Course: "CS-206", Label: "exercice", Weekday: "Thu", Start: "13:15", End: "15:00", Rooms: "INM202", Semester: "Semestre de printemps 2027", Weeks: "1-2"})
	raw.Bookings.Rows = append(raw.Bookings.Rows,
		source.BookingRow{Date: "2027-03-30", Start: "14:00", End: "17:00", Rooms: "INM202;BC01", Course: "CS-206", Label: "exam", Description: "Written exam"},
		source.BookingRow{Date: "2026-09-22", Start: "12:15", End: "13:00", Rooms: "INM202", Name: "Réservation académique", Description: "Soutenance de thèse"})
	return raw
}

// rebuildOptions are the flags that change the tree's bytes; both builds
// of a step get them.
type rebuildOptions struct {
	noCompress, rfc3339 bool
	tz                  string
}

var rebuildZones = []string{"Europe/Zurich", "America/New_York", "Asia/Kolkata", "UTC", "Australia/Lord_Howe"}

func (o rebuildOptions) args() []string {
	// A short change feed, so that a default run drops sets from it.
	args := []string{"-tz", o.tz, "-keep-changes", "5"}
	if o.noCompress {
		args = append(args, "-no-compress")
	}
	if o.rfc3339 {
		args = append(args, "-rfc3339")
	}
	return args
}

func (o rebuildOptions) String() string { return strings.Join(o.args(), " ") }

// change changes one option and says which.
func (o *rebuildOptions) change(rng *rand.Rand) string {
	switch rng.IntN(3) {
	case 0:
		o.noCompress = !o.noCompress
		return fmt.Sprintf("option -no-compress=%t", o.noCompress)
	case 1:
		o.rfc3339 = !o.rfc3339
		return fmt.Sprintf("option -rfc3339=%t", o.rfc3339)
	}
	old := o.tz
	for o.tz == old {
		o.tz = rebuildZones[rng.IntN(len(rebuildZones))]
	}
	return fmt.Sprintf("option -tz %s → %s", old, o.tz)
}

// mutation is one kind of change of a release: one column of a sheet
// (column is its name), or a whole row ("+row", "-row", "order").
type mutation struct {
	sheet, column string
	// apply changes m.raw and describes the change, or reports false
	// when the release has nothing it applies to (no row, no other
	// value); it does not check the result.
	apply func(m *mutator) (string, bool)
}

// applied is a mutation done.
type applied struct {
	kind, detail string
}

func (a applied) String() string { return a.kind + ": " + a.detail }

// mutationBags deals the kinds of mutation: the sheets in turn, and within
// a sheet its kinds in a shuffled order, every kind once before any
// again, so that a short run spreads over every sheet and a long one
// reaches every column.
type mutationBags struct {
	rng    *rand.Rand
	sheets []string
	next   int
	kinds  map[string][]mutation
	bag    map[string][]mutation
}

func newMutationBags(rng *rand.Rand) *mutationBags {
	b := &mutationBags{rng: rng, kinds: map[string][]mutation{}, bag: map[string][]mutation{}}
	for _, k := range mutations() {
		if _, ok := b.kinds[k.sheet]; !ok {
			b.sheets = append(b.sheets, k.sheet)
		}
		b.kinds[k.sheet] = append(b.kinds[k.sheet], k)
	}
	rng.Shuffle(len(b.sheets), func(i, j int) { b.sheets[i], b.sheets[j] = b.sheets[j], b.sheets[i] })
	return b
}

// sheet returns the sheet whose turn it is.
func (b *mutationBags) sheet() string {
	s := b.sheets[b.next%len(b.sheets)]
	b.next++
	return s
}

// draw returns the next kind of mutation of sheet.
func (b *mutationBags) draw(sheet string) mutation {
	if len(b.bag[sheet]) == 0 {
		b.bag[sheet] = slices.Clone(b.kinds[sheet])
		b.rng.Shuffle(len(b.bag[sheet]), func(i, j int) { b.bag[sheet][i], b.bag[sheet][j] = b.bag[sheet][j], b.bag[sheet][i] })
	}
	k := b.bag[sheet][0]
	b.bag[sheet] = b.bag[sheet][1:]
	return k
}

// mutator changes a release at random.
type mutator struct {
	rng   *rand.Rand
	raw   *source.Raw
	fresh int // numbers the names of new rows
}

// applyValid applies a mutation of the next sheet that the build
// accepts: each draw is written to in and built, with opts, into a new
// folder under root; one the build refuses as a release with problems is
// undone and the next kind of the same sheet drawn. It returns the
// mutation applied, the fresh tree built of it and the mutations the
// build refused first, with the reasons it gave.
func (m *mutator) applyValid(t *testing.T, bags *mutationBags, in string, opts rebuildOptions, root string, step int) (applied, string, []string) {
	t.Helper()
	sheet := bags.sheet()
	var refusals []string
	for draw := 0; draw < 40; draw++ {
		k := bags.draw(sheet)
		before := cloneRaw(m.raw)
		detail, ok := k.apply(m)
		if !ok {
			continue // nothing to change of that kind: not a refusal
		}
		writeRelease(t, in, m.raw)
		fresh := filepath.Join(root, "fresh", fmt.Sprint(step, "-", draw), "public")
		_, stderr, err := build(t, slices.Concat(opts.args(), []string{"-allow-shrink", "-in", in, "-out", fresh})...)
		if err == nil {
			return applied{k.sheet + "." + k.column, detail}, fresh, refusals
		}
		if !strings.Contains(err.Error(), "nothing was published") || exitCode(err) != exitFailed {
			t.Fatalf("step %d: %s.%s: %s: the build failed, not as a release with problems: %v\n%s", step, k.sheet, k.column, detail, err, stderr)
		}
		refusals = append(refusals, fmt.Sprintf("step %d: %s.%s: %s: %s", step, k.sheet, k.column, detail, strings.TrimSpace(stderr)))
		m.raw = before
		if err := os.RemoveAll(filepath.Dir(fresh)); err != nil {
			t.Fatal(err)
		}
	}
	t.Fatalf("step %d: no mutation of sheet %s that the build accepts in 40 draws; refused:\n%s", step, sheet, strings.Join(refusals, "\n"))
	return applied{}, "", nil
}

// cloneRaw copies the rows of raw, so that a refused mutation can be
// undone.
func cloneRaw(raw *source.Raw) *source.Raw {
	c := *raw
	c.Semesters.Rows = slices.Clone(raw.Semesters.Rows)
	c.Rooms.Rows = slices.Clone(raw.Rooms.Rows)
	c.Teachers.Rows = slices.Clone(raw.Teachers.Rows)
	c.Courses.Rows = slices.Clone(raw.Courses.Rows)
	c.StudyPlans.Rows = slices.Clone(raw.StudyPlans.Rows)
	c.Sessions.Rows = slices.Clone(raw.Sessions.Rows)
	c.Bookings.Rows = slices.Clone(raw.Bookings.Rows)
	return &c
}

// name returns a name no row has had: prefix and a number.
func (m *mutator) name(prefix string) string {
	m.fresh++
	return fmt.Sprintf("%s%d", prefix, m.fresh)
}

func (m *mutator) pick(choices []string) string { return choices[m.rng.IntN(len(choices))] }

// set gives *cell one of choices other than its value, and describes the
// change as where: "old" → "new".
func (m *mutator) set(where string, cell *string, choices []string) (string, bool) {
	var others []string
	for _, c := range choices {
		if c != *cell && !slices.Contains(others, c) {
			others = append(others, c)
		}
	}
	if len(others) == 0 {
		return "", false
	}
	v := m.pick(others)
	desc := fmt.Sprintf("%s %q → %q", where, *cell, v)
	*cell = v
	return desc, true
}

// editCell is the mutation of one column of a sheet: a row at random gets
// another of the choices for it.
func editCell[R any](sheet, column string, rows func(*source.Raw) []R, key func(*R) string, field func(*R) *string, choices func(*mutator, *R) []string) mutation {
	return mutation{sheet, column, func(m *mutator) (string, bool) {
		rs := rows(m.raw)
		if len(rs) == 0 {
			return "", false
		}
		i := m.rng.IntN(len(rs))
		r := &rs[i]
		return m.set(fmt.Sprintf("row %d (%s) %s", i+2, key(r), column), field(r), choices(m, r))
	}}
}

// anyOf are choices that do not depend on the row.
func anyOf[R any](choices ...string) func(*mutator, *R) []string {
	return func(*mutator, *R) []string { return choices }
}

// reorder swaps two rows of a sheet: sheet order is kept by the release
// (courses list their teachers, plans their courses in it).
func reorder[R any](sheet string, rows func(*source.Raw) []R) mutation {
	return mutation{sheet, "order", func(m *mutator) (string, bool) {
		rs := rows(m.raw)
		if len(rs) < 2 {
			return "", false
		}
		i, j := m.rng.IntN(len(rs)), m.rng.IntN(len(rs)-1)
		if j >= i {
			j++
		}
		rs[i], rs[j] = rs[j], rs[i]
		return fmt.Sprintf("rows %d and %d swapped", i+2, j+2), true
	}}
}

// removeRow takes out a row at random, but never a sheet's last one (a
// long run would wear the release down to nothing); then does what the
// sheets naming it need, as an operator would, returning what that was.
func removeRow[R any](sheet string, rows func(*source.Raw) *[]R, key func(*R) string, then func(m *mutator, key string) string) mutation {
	return mutation{sheet, "-row", func(m *mutator) (string, bool) {
		rs := rows(m.raw)
		if len(*rs) < 2 {
			return "", false
		}
		i := m.rng.IntN(len(*rs))
		k := key(&(*rs)[i])
		*rs = slices.Delete(*rs, i, i+1)
		desc := fmt.Sprintf("row %d (%s) removed", i+2, k)
		if then != nil {
			if more := then(m, k); more != "" {
				desc += ", " + more
			}
		}
		return desc, true
	}}
}

// list helpers: cells holding ";"-separated names.

func replaceInList(cell, old, new string) (string, bool) {
	items := source.SplitList(cell)
	changed := false
	for i, it := range items {
		if it == old {
			items[i], changed = new, true
		}
	}
	if new == "" {
		items = slices.DeleteFunc(items, func(s string) bool { return s == "" })
	}
	return strings.Join(items, ";"), changed
}

// renameIn renames old to new (or removes it, new being "") in the list
// cells given, and counts the cells changed.
func renameIn(old, new string, cells ...*string) int {
	n := 0
	for _, c := range cells {
		if v, changed := replaceInList(*c, old, new); changed {
			*c, n = v, n+1
		}
	}
	return n
}

func (m *mutator) renameRoom(old, new string) string {
	var cells []*string
	for i := range m.raw.Sessions.Rows {
		cells = append(cells, &m.raw.Sessions.Rows[i].Rooms)
	}
	for i := range m.raw.Bookings.Rows {
		cells = append(cells, &m.raw.Bookings.Rows[i].Rooms)
	}
	return fmt.Sprintf("%d session and booking rooms cells following", renameIn(old, new, cells...))
}

func (m *mutator) renameTeacher(old, new string) string {
	var cells []*string
	for i := range m.raw.Courses.Rows {
		cells = append(cells, &m.raw.Courses.Rows[i].Teachers)
	}
	return fmt.Sprintf("%d course teachers cells following", renameIn(old, new, cells...))
}

func (m *mutator) renameCourse(old, new string) string {
	var cells []*string
	for i := range m.raw.StudyPlans.Rows {
		cells = append(cells, &m.raw.StudyPlans.Rows[i].Courses)
	}
	n := renameIn(old, new, cells...)
	for i := range m.raw.Sessions.Rows {
		if s := &m.raw.Sessions.Rows[i]; s.Course == old {
			s.Course, n = new, n+1
		}
	}
	for i := range m.raw.Bookings.Rows {
		if b := &m.raw.Bookings.Rows[i]; b.Course == old {
			b.Course, n = new, n+1
		}
	}
	return fmt.Sprintf("%d plan, session and booking cells following", n)
}

func (m *mutator) renameSemester(old, new string) string {
	n := 0
	for i := range m.raw.StudyPlans.Rows {
		if p := &m.raw.StudyPlans.Rows[i]; p.Semester == old {
			p.Semester, n = new, n+1
		}
	}
	for i := range m.raw.Sessions.Rows {
		if s := &m.raw.Sessions.Rows[i]; s.Semester == old {
			s.Semester, n = new, n+1
		}
	}
	return fmt.Sprintf("%d plan and session cells following", n)
}

// renameKey is the mutation of a sheet's key column: the row gets a new name
// and every cell naming it follows, as an operator renaming a room does
// (renaming alone would only make the release refused).
func renameKey[R any](sheet, column string, rows func(*source.Raw) []R, field func(*R) *string, prefix string, follow func(m *mutator, old, new string) string) mutation {
	return mutation{sheet, column, func(m *mutator) (string, bool) {
		rs := rows(m.raw)
		if len(rs) == 0 {
			return "", false
		}
		i := m.rng.IntN(len(rs))
		cell := field(&rs[i])
		old, new := *cell, m.name(prefix)
		*cell = new
		return fmt.Sprintf("row %d %s %q → %q, %s", i+2, column, old, new, follow(m, old, new)), true
	}}
}

// Values the mutations draw from.

func (m *mutator) roomNames() []string {
	var names []string
	for _, r := range m.raw.Rooms.Rows {
		names = append(names, r.Name)
	}
	return names
}

func (m *mutator) courseCodes() []string {
	var codes []string
	for _, c := range m.raw.Courses.Rows {
		codes = append(codes, c.Code)
	}
	return codes
}

func (m *mutator) semesterNames() []string {
	var names []string
	for _, s := range m.raw.Semesters.Rows {
		names = append(names, s.Name)
	}
	return names
}

func (m *mutator) teacherNames() []string {
	var names []string
	for _, t := range m.raw.Teachers.Rows {
		names = append(names, t.Name)
	}
	return names
}

// listCells returns "" (when empty is true), every name and every ordered
// pair of names, as list cells.
func listCells(names []string, empty bool) []string {
	var out []string
	if empty {
		out = append(out, "")
	}
	for i, a := range names {
		out = append(out, a)
		for j, b := range names {
			if i != j {
				out = append(out, a+";"+b)
			}
		}
	}
	return out
}

// clockGrid returns times from lo to hi (minutes, inclusive) on a
// five-minute grid, as HH:MM, with "24:00" for the end of the day.
func clockGrid(lo, hi source.Clock) []string {
	var out []string
	for c := (lo + 4) / 5 * 5; c <= hi; c += 5 {
		out = append(out, c.String())
	}
	return out
}

func clockOf(s string, end bool) source.Clock {
	c, err := source.ParseClock(s, false, end)
	if err != nil {
		return 12 * 60
	}
	return c
}

// startsBefore are start times that keep end after them; endsAfter the
// converse.
func startsBefore(end string) []string { return clockGrid(7*60, clockOf(end, true)-15) }
func endsAfter(start string) []string  { return clockGrid(clockOf(start, false)+15, 24*60) }

const isoDay = "2006-01-02"

func shiftDate(d string, days int) string {
	t, err := time.Parse(isoDay, d)
	if err != nil {
		return d
	}
	return t.AddDate(0, 0, days).Format(isoDay)
}

// daysFrom returns every day from from to to, as YYYY-MM-DD.
func daysFrom(from, to string) []string {
	a, errA := time.Parse(isoDay, from)
	b, errB := time.Parse(isoDay, to)
	if errA != nil || errB != nil {
		return []string{from}
	}
	var out []string
	for d := a; !d.After(b); d = d.AddDate(0, 0, 1) {
		out = append(out, d.Format(isoDay))
	}
	return out
}

// skipChoices are other skip_dates of a semester: one day or a range
// added within it, one item dropped, or none.
func skipChoices(m *mutator, s *source.SemesterRow) []string {
	days := daysFrom(s.StartDate, s.EndDate)
	items := source.SplitList(s.SkipDates)
	d := m.pick(days)
	out := []string{"", strings.Join(append(slices.Clone(items), d), ";"),
		strings.Join(append(slices.Clone(items), d+".."+shiftDate(d, 1+m.rng.IntN(3))), ";")}
	if len(items) > 0 {
		i := m.rng.IntN(len(items))
		out = append(out, strings.Join(slices.Delete(slices.Clone(items), i, i+1), ";"))
	}
	return out
}

// coordinates changes a room's latitude and longitude, which go
// together: one of them moved a little, both set, or both cleared.
func coordinates(m *mutator) (string, bool) {
	rs := m.raw.Rooms.Rows
	if len(rs) == 0 {
		return "", false
	}
	i := m.rng.IntN(len(rs))
	r := &rs[i]
	old := r.Latitude + "," + r.Longitude
	switch {
	case r.Latitude == "" || m.rng.IntN(4) == 0:
		r.Latitude = fmt.Sprintf("%.5f", 46.515+m.rng.Float64()/100)
		r.Longitude = fmt.Sprintf("%.5f", 6.560+m.rng.Float64()/100)
	case m.rng.IntN(3) == 0:
		r.Latitude, r.Longitude = "", ""
	case m.rng.IntN(2) == 0:
		r.Latitude = fmt.Sprintf("%.5f", 46.515+m.rng.Float64()/100)
	default:
		r.Longitude = fmt.Sprintf("%.6f", 6.560+m.rng.Float64()/100)
	}
	return fmt.Sprintf("row %d (%s) latitude,longitude %q → %q", i+2, r.Name, old, r.Latitude+","+r.Longitude), true
}

// planCourses adds a course to a study plan's list, or removes one.
func planCourses(add bool) func(m *mutator) (string, bool) {
	return func(m *mutator) (string, bool) {
		ps := m.raw.StudyPlans.Rows
		if len(ps) == 0 {
			return "", false
		}
		i := m.rng.IntN(len(ps))
		p := &ps[i]
		items := source.SplitList(p.Courses)
		old := p.Courses
		if add {
			var others []string
			for _, c := range m.courseCodes() {
				if !slices.Contains(items, c) {
					others = append(others, c)
				}
			}
			if len(others) == 0 {
				return "", false
			}
			at := m.rng.IntN(len(items) + 1)
			items = slices.Insert(items, at, m.pick(others))
		} else {
			if len(items) == 0 {
				return "", false
			}
			at := m.rng.IntN(len(items))
			items = slices.Delete(items, at, at+1)
		}
		p.Courses = strings.Join(items, ";")
		return fmt.Sprintf("row %d (%s) courses %q → %q", i+2, p.UnitCode, old, p.Courses), true
	}
}

func roomKey(r *source.RoomRow) string         { return r.Name }
func teacherKey(r *source.TeacherRow) string   { return r.Name }
func courseKey(r *source.CourseRow) string     { return r.Code }
func planKey(r *source.StudyPlanRow) string    { return r.UnitCode + " in " + r.Semester }
func semesterKey(r *source.SemesterRow) string { return r.Name }
func sessionKey(r *source.SessionRow) string   { return r.Course + " " + r.Label + " " + r.Weekday }
func bookingKey(r *source.BookingRow) string   { return r.Date + " " + r.Course + r.Name }

func roomRows(raw *source.Raw) []source.RoomRow           { return raw.Rooms.Rows }
func teacherRows(raw *source.Raw) []source.TeacherRow     { return raw.Teachers.Rows }
func courseRows(raw *source.Raw) []source.CourseRow       { return raw.Courses.Rows }
func planRows(raw *source.Raw) []source.StudyPlanRow      { return raw.StudyPlans.Rows }
func semesterRows(raw *source.Raw) []source.SemesterRow   { return raw.Semesters.Rows }
func sessionRows(raw *source.Raw) []source.SessionRow     { return raw.Sessions.Rows }
func bookingRows(raw *source.Raw) []source.BookingRow     { return raw.Bookings.Rows }
func roomTable(raw *source.Raw) *[]source.RoomRow         { return &raw.Rooms.Rows }
func teacherTable(raw *source.Raw) *[]source.TeacherRow   { return &raw.Teachers.Rows }
func courseTable(raw *source.Raw) *[]source.CourseRow     { return &raw.Courses.Rows }
func planTable(raw *source.Raw) *[]source.StudyPlanRow    { return &raw.StudyPlans.Rows }
func semesterTable(raw *source.Raw) *[]source.SemesterRow { return &raw.Semesters.Rows }
func sessionTable(raw *source.Raw) *[]source.SessionRow   { return &raw.Sessions.Rows }
func bookingTable(raw *source.Raw) *[]source.BookingRow   { return &raw.Bookings.Rows }

// mutations lists every kind of change: every column of every sheet, and
// rows added, removed and moved.
func mutations() []mutation {
	type (
		room     = source.RoomRow
		teacher  = source.TeacherRow
		course   = source.CourseRow
		plan     = source.StudyPlanRow
		semester = source.SemesterRow
		session  = source.SessionRow
		booking  = source.BookingRow
	)
	names := []string{"Software engineering", "Analysis II", "Free course <&> \"quoted\"", "Éthique, société & numérique", "Parallelism, again"}
	labels := []string{"cours", "exercice", "projet", "TP", "exam"}
	events := []string{"Réservation ponctuelle", "Conférence \"Data, ethics & you\"", "Soutenance"}
	descriptions := []string{"", "Forum EPFL", "Cours de langues; niveau B2", "À huis clos, 40 places"}
	allDates := func(*mutator, *booking) []string { return daysFrom("2026-09-01", "2027-04-10") }
	return []mutation{
		renameKey("rooms", "name", roomRows, func(r *room) *string { return &r.Name }, "R", (*mutator).renameRoom),
		editCell("rooms", "type", roomRows, roomKey, func(r *room) *string { return &r.Type }, anyOf[room]("AUDITOIRE", "SALLE DE COURS", "LABORATOIRE", "unknown")),
		{"rooms", "coordinates", coordinates},
		editCell("rooms", "building", roomRows, roomKey, func(r *room) *string { return &r.Building }, anyOf[room]("", "CO", "BC", "INM", "Rolex Learning Center")),
		editCell("rooms", "capacity", roomRows, roomKey, func(r *room) *string { return &r.Capacity }, anyOf[room]("", "0", "12", "40", "250", "1200")),
		editCell("rooms", "level", roomRows, roomKey, func(r *room) *string { return &r.Level }, anyOf[room]("", "-1", "0", "2", "12")),
		editCell("rooms", "link", roomRows, roomKey, func(r *room) *string { return &r.Link }, func(_ *mutator, r *room) []string {
			return []string{"", "https://plan.epfl.ch/?room==" + r.Name, "https://plan.epfl.ch/?room=" + r.Name + "&floor=1"}
		}),
		editCell("rooms", "available", roomRows, roomKey, func(r *room) *string { return &r.Available }, anyOf[room]("", "true", "false", "non", "yes")),
		{"rooms", "+row", func(m *mutator) (string, bool) {
			r := room{Name: m.name("NEW"), Type: m.pick([]string{"AUDITOIRE", "SALLE DE COURS"}), Capacity: m.pick([]string{"", "30"}), Level: m.pick([]string{"", "1"})}
			m.raw.Rooms.Rows = append(m.raw.Rooms.Rows, r)
			return fmt.Sprintf("row %d %s added", len(m.raw.Rooms.Rows)+1, rowText(r)), true
		}},
		removeRow("rooms", roomTable, roomKey, func(m *mutator, name string) string {
			desc := m.renameRoom(name, "")
			n := len(m.raw.Bookings.Rows)
			m.raw.Bookings.Rows = slices.DeleteFunc(m.raw.Bookings.Rows, func(b booking) bool { return len(source.SplitList(b.Rooms)) == 0 })
			return fmt.Sprintf("%s, %d bookings in it alone removed", desc, n-len(m.raw.Bookings.Rows))
		}),
		reorder("rooms", roomRows),

		renameKey("teachers", "name", teacherRows, func(r *teacher) *string { return &r.Name }, "Teacher ", (*mutator).renameTeacher),
		editCell("teachers", "people_url", teacherRows, teacherKey, func(r *teacher) *string { return &r.PeopleURL }, func(_ *mutator, r *teacher) []string {
			return []string{"", "https://people.epfl.ch/" + strings.ToLower(strings.ReplaceAll(r.Name, " ", ".")), "https://people.epfl.ch/someone.else"}
		}),
		{"teachers", "+row", func(m *mutator) (string, bool) {
			r := teacher{Name: m.name("New Teacher "), PeopleURL: m.pick([]string{"", "https://people.epfl.ch/new"})}
			m.raw.Teachers.Rows = append(m.raw.Teachers.Rows, r)
			return fmt.Sprintf("row %d %s added", len(m.raw.Teachers.Rows)+1, rowText(r)), true
		}},
		removeRow("teachers", teacherTable, teacherKey, func(m *mutator, name string) string { return m.renameTeacher(name, "") }),
		reorder("teachers", teacherRows),

		renameKey("courses", "code", courseRows, func(r *course) *string { return &r.Code }, "CS-9", (*mutator).renameCourse),
		editCell("courses", "name", courseRows, courseKey, func(r *course) *string { return &r.Name }, anyOf[course](names...)),
		editCell("courses", "credits", courseRows, courseKey, func(r *course) *string { return &r.Credits }, anyOf[course]("", "0", "2", "4.5", "8")),
		editCell("courses", "language", courseRows, courseKey, func(r *course) *string { return &r.Language }, anyOf[course]("", "English", "French", "German")),
		editCell("courses", "edu_url", courseRows, courseKey, func(r *course) *string { return &r.EduURL }, func(_ *mutator, r *course) []string {
			return []string{"", "https://edu.epfl.ch/coursebook/en/" + r.Code, "https://edu.epfl.ch/coursebook/fr/" + r.Code + "?a=1&b=2"}
		}),
		editCell("courses", "teachers", courseRows, courseKey, func(r *course) *string { return &r.Teachers }, func(m *mutator, _ *course) []string {
			return listCells(m.teacherNames(), true)
		}),
		{"courses", "+row", func(m *mutator) (string, bool) {
			r := course{Code: m.name("NEW-"), Name: m.pick(names), Credits: m.pick([]string{"", "3"}), Teachers: m.pick(listCells(m.teacherNames(), true))}
			m.raw.Courses.Rows = append(m.raw.Courses.Rows, r)
			return fmt.Sprintf("row %d %s added", len(m.raw.Courses.Rows)+1, rowText(r)), true
		}},
		removeRow("courses", courseTable, courseKey, func(m *mutator, code string) string {
			sessions, bookings := len(m.raw.Sessions.Rows), len(m.raw.Bookings.Rows)
			m.raw.Sessions.Rows = slices.DeleteFunc(m.raw.Sessions.Rows, func(s session) bool { return s.Course == code })
			m.raw.Bookings.Rows = slices.DeleteFunc(m.raw.Bookings.Rows, func(b booking) bool { return b.Course == code })
			var cells []*string
			for i := range m.raw.StudyPlans.Rows {
				cells = append(cells, &m.raw.StudyPlans.Rows[i].Courses)
			}
			plans := renameIn(code, "", cells...)
			return fmt.Sprintf("with its %d sessions and %d bookings, and from %d plans", sessions-len(m.raw.Sessions.Rows), bookings-len(m.raw.Bookings.Rows), plans)
		}),
		reorder("courses", courseRows),

		renameKey("studyplans", "unit_code", planRows, func(r *plan) *string { return &r.UnitCode }, "UNIT-", func(*mutator, string, string) string { return "its id following unless given" }),
		editCell("studyplans", "unit_name", planRows, planKey, func(r *plan) *string { return &r.UnitName }, anyOf[plan]("Informatique - Bachelor semestre 5", "Data science, \"master\" & co", "Génie civil")),
		editCell("studyplans", "section", planRows, planKey, func(r *plan) *string { return &r.Section }, anyOf[plan]("", "IN", "SC", "MA")),
		editCell("studyplans", "promo", planRows, planKey, func(r *plan) *string { return &r.Promo }, anyOf[plan]("", "BA5", "BA6", "MA1")),
		editCell("studyplans", "semester", planRows, planKey, func(r *plan) *string { return &r.Semester }, func(m *mutator, _ *plan) []string { return m.semesterNames() }),
		{"studyplans", "courses+", planCourses(true)},
		{"studyplans", "courses-", planCourses(false)},
		editCell("studyplans", "id", planRows, planKey, func(r *plan) *string { return &r.ID }, func(m *mutator, _ *plan) []string {
			id := fmt.Sprintf("%016x%08x", m.rng.Uint64(), m.rng.Uint32())
			return []string{"", id, strings.ToUpper(id)}
		}),
		{"studyplans", "+row", func(m *mutator) (string, bool) {
			if len(m.raw.Semesters.Rows) == 0 {
				return "", false
			}
			r := plan{UnitCode: m.name("NEW-MA"), UnitName: "Nouveau plan", Section: m.pick([]string{"", "MA"}),
				Semester: m.pick(m.semesterNames()), Courses: m.pick(listCells(m.courseCodes(), true))}
			m.raw.StudyPlans.Rows = append(m.raw.StudyPlans.Rows, r)
			return fmt.Sprintf("row %d %s added", len(m.raw.StudyPlans.Rows)+1, rowText(r)), true
		}},
		removeRow("studyplans", planTable, planKey, nil),
		reorder("studyplans", planRows),

		renameKey("semesters", "name", semesterRows, func(r *semester) *string { return &r.Name }, "Semestre ", (*mutator).renameSemester),
		editCell("semesters", "type", semesterRows, semesterKey, func(r *semester) *string { return &r.Type }, anyOf[semester]("fall", "spring", "year", "Fall")),
		editCell("semesters", "start_date", semesterRows, semesterKey, func(r *semester) *string { return &r.StartDate }, func(_ *mutator, r *semester) []string {
			return []string{shiftDate(r.StartDate, -14), shiftDate(r.StartDate, -7), shiftDate(r.StartDate, -1), shiftDate(r.StartDate, 1), shiftDate(r.StartDate, 2)}
		}),
		editCell("semesters", "end_date", semesterRows, semesterKey, func(r *semester) *string { return &r.EndDate }, func(_ *mutator, r *semester) []string {
			return []string{shiftDate(r.EndDate, -1), shiftDate(r.EndDate, 1), shiftDate(r.EndDate, 4), shiftDate(r.EndDate, 7), shiftDate(r.EndDate, 14)}
		}),
		editCell("semesters", "skip_dates", semesterRows, semesterKey, func(r *semester) *string { return &r.SkipDates }, skipChoices),
		{"semesters", "+row", func(m *mutator) (string, bool) {
			r := semester{Name: m.name("Semestre d'été "), Type: "year", StartDate: "2027-06-07", EndDate: "2027-06-25", SkipDates: m.pick([]string{"", "2027-06-14"})}
			m.raw.Semesters.Rows = append(m.raw.Semesters.Rows, r)
			return fmt.Sprintf("row %d %s added", len(m.raw.Semesters.Rows)+1, rowText(r)), true
		}},
		removeRow("semesters", semesterTable, semesterKey, func(m *mutator, name string) string {
			plans, sessions := len(m.raw.StudyPlans.Rows), len(m.raw.Sessions.Rows)
			m.raw.StudyPlans.Rows = slices.DeleteFunc(m.raw.StudyPlans.Rows, func(p plan) bool { return p.Semester == name })
			m.raw.Sessions.Rows = slices.DeleteFunc(m.raw.Sessions.Rows, func(s session) bool { return s.Semester == name })
			return fmt.Sprintf("with its %d plans and %d sessions", plans-len(m.raw.StudyPlans.Rows), sessions-len(m.raw.Sessions.Rows))
		}),
		reorder("semesters", semesterRows),

		editCell("sessions", "course", sessionRows, sessionKey, func(r *session) *string { return &r.Course }, func(m *mutator, _ *session) []string { return m.courseCodes() }),
		editCell("sessions", "label", sessionRows, sessionKey, func(r *session) *string { return &r.Label }, anyOf[session](labels...)),
		editCell("sessions", "weekday", sessionRows, sessionKey, func(r *session) *string { return &r.Weekday }, anyOf[session]("Monday", "Tue", "mercredi", "Jeudi", "Fri.", "Sa", "dimanche")),
		editCell("sessions", "start", sessionRows, sessionKey, func(r *session) *string { return &r.Start }, func(_ *mutator, r *session) []string { return startsBefore(r.End) }),
		editCell("sessions", "end", sessionRows, sessionKey, func(r *session) *string { return &r.End }, func(_ *mutator, r *session) []string { return endsAfter(r.Start) }),
		editCell("sessions", "rooms", sessionRows, sessionKey, func(r *session) *string { return &r.Rooms }, func(m *mutator, _ *session) []string { return listCells(m.roomNames(), true) }),
		editCell("sessions", "semester", sessionRows, sessionKey, func(r *session) *string { return &r.Semester }, func(m *mutator, _ *session) []string {
			names := m.semesterNames()
			if len(names) == 1 {
				names = append(names, "") // the only semester, implied
			}
			return names
		}),
		editCell("sessions", "weeks", sessionRows, sessionKey, func(r *session) *string { return &r.Weeks }, anyOf[session]("", "1", "2", "1-2", "1,3", "2-4")),
		{"sessions", "+row", func(m *mutator) (string, bool) {
			if len(m.raw.Courses.Rows) == 0 || len(m.raw.Semesters.Rows) == 0 {
				return "", false
			}
			start := m.pick(clockGrid(7*60, 18*60))
			r := session{Course: m.pick(m.courseCodes()), Label: m.pick(labels), Weekday: m.pick([]string{"Monday", "Wed", "vendredi"}),
				Start: start, End: m.pick(endsAfter(start)), Rooms: m.pick(listCells(m.roomNames(), true)),
				Semester: m.pick(m.semesterNames()), Weeks: m.pick([]string{"", "1"})}
			m.raw.Sessions.Rows = append(m.raw.Sessions.Rows, r)
			return fmt.Sprintf("row %d %s added", len(m.raw.Sessions.Rows)+1, rowText(r)), true
		}},
		removeRow("sessions", sessionTable, sessionKey, nil),
		reorder("sessions", sessionRows),

		editCell("bookings", "date", bookingRows, bookingKey, func(r *booking) *string { return &r.Date }, allDates),
		editCell("bookings", "start", bookingRows, bookingKey, func(r *booking) *string { return &r.Start }, func(_ *mutator, r *booking) []string { return startsBefore(r.End) }),
		editCell("bookings", "end", bookingRows, bookingKey, func(r *booking) *string { return &r.End }, func(_ *mutator, r *booking) []string { return endsAfter(r.Start) }),
		editCell("bookings", "rooms", bookingRows, bookingKey, func(r *booking) *string { return &r.Rooms }, func(m *mutator, _ *booking) []string { return listCells(m.roomNames(), false) }),
		editCell("bookings", "course", bookingRows, bookingKey, func(r *booking) *string { return &r.Course }, func(m *mutator, r *booking) []string {
			codes := m.courseCodes()
			if r.Name != "" {
				codes = append(codes, "") // an event, then
			}
			return codes
		}),
		editCell("bookings", "label", bookingRows, bookingKey, func(r *booking) *string { return &r.Label }, func(_ *mutator, r *booking) []string {
			if r.Course == "" {
				return append([]string{""}, labels...) // an event's label may be left out
			}
			return labels
		}),
		editCell("bookings", "name", bookingRows, bookingKey, func(r *booking) *string { return &r.Name }, func(_ *mutator, r *booking) []string {
			if r.Course != "" {
				return append([]string{""}, events...)
			}
			return events
		}),
		editCell("bookings", "description", bookingRows, bookingKey, func(r *booking) *string { return &r.Description }, anyOf[booking](descriptions...)),
		{"bookings", "+row", func(m *mutator) (string, bool) {
			if len(m.raw.Rooms.Rows) == 0 {
				return "", false
			}
			start := m.pick(clockGrid(7*60, 20*60))
			r := booking{Date: m.pick(allDates(m, nil)), Start: start, End: m.pick(endsAfter(start)), Rooms: m.pick(listCells(m.roomNames(), false)),
				Description: m.pick(descriptions)}
			if m.rng.IntN(2) == 0 && len(m.raw.Courses.Rows) > 0 {
				r.Course, r.Label = m.pick(m.courseCodes()), m.pick(labels)
			} else {
				r.Name = m.pick(events)
			}
			m.raw.Bookings.Rows = append(m.raw.Bookings.Rows, r)
			return fmt.Sprintf("row %d %s added", len(m.raw.Bookings.Rows)+1, rowText(r)), true
		}},
		removeRow("bookings", bookingTable, bookingKey, nil),
		reorder("bookings", bookingRows),
	}
}

func lastOf(s []string, n int) []string { return s[max(0, len(s)-n):] }

func kindSummary(kinds map[string]int) string {
	var out []string
	for k, n := range kinds {
		out = append(out, fmt.Sprintf("%s×%d", k, n))
	}
	slices.Sort(out)
	return strings.Join(out, " ")
}

// treeEntry is one entry of a tree as diffEntries compares it.
type treeEntry struct {
	mode fs.FileMode // type bits only
	data []byte      // a file's bytes, a link's target
}

// readTree reads every entry under root, by slash path.
func readTree(t *testing.T, root string) map[string]treeEntry {
	t.Helper()
	got := map[string]treeEntry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == root {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		e := treeEntry{mode: d.Type()}
		switch {
		case d.Type().IsRegular():
			if e.data, err = os.ReadFile(p); err != nil {
				return err
			}
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			e.data = []byte(target)
		}
		got[filepath.ToSlash(rel)] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// diffEntries compares the trees ta (rebuilt) and tb (fresh), as readTree
// reads them, entry by entry and describes the differences: every path in
// one only, and up to limit files whose bytes differ, with an excerpt of
// each side around the first difference.
func diffEntries(ta, tb map[string]treeEntry, limit int) []string {
	var paths []string
	for p := range ta {
		paths = append(paths, p)
	}
	for p := range tb {
		if _, ok := ta[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var diffs []string
	differing := 0
	for _, p := range paths {
		ea, inA := ta[p]
		eb, inB := tb[p]
		switch {
		case !inB:
			diffs = append(diffs, "  only in the rebuilt tree: "+p)
		case !inA:
			diffs = append(diffs, "  only in the fresh tree: "+p)
		case ea.mode != eb.mode:
			diffs = append(diffs, fmt.Sprintf("  %s: a %v in the rebuilt tree, a %v in the fresh one", p, ea.mode, eb.mode))
		case !bytes.Equal(ea.data, eb.data):
			differing++
			if differing <= limit {
				diffs = append(diffs, "  "+p+": "+excerpt(p, ea.data, eb.data))
			}
		}
	}
	if differing > limit {
		diffs = append(diffs, fmt.Sprintf("  … and %d more files with other bytes", differing-limit))
	}
	return diffs
}

// excerpt shows where two versions of a file part: for text (JSON,
// calendars, pages) the line of the first difference, cut to a window
// around it; for a compressed copy, the same of its decompressed bytes
// when they differ, else their hashes.
func excerpt(p string, rebuilt, fresh []byte) string {
	i := firstDifference(rebuilt, fresh)
	head := fmt.Sprintf("%d bytes rebuilt, %d fresh, first difference at byte %d", len(rebuilt), len(fresh), i)
	if text(rebuilt) && text(fresh) {
		return fmt.Sprintf("%s\n      rebuilt: %s\n      fresh:   %s", head, window(rebuilt, i), window(fresh, i))
	}
	sa, sb := sha256.Sum256(rebuilt), sha256.Sum256(fresh)
	head = fmt.Sprintf("%s (sha256 %s rebuilt, %s fresh)", head, hex.EncodeToString(sa[:6]), hex.EncodeToString(sb[:6]))
	da, errA := decompressed(p, rebuilt)
	db, errB := decompressed(p, fresh)
	switch {
	case errA != nil || errB != nil:
		return fmt.Sprintf("%s; decompressed: %v, %v", head, errA, errB)
	case da == nil:
		return head
	case bytes.Equal(da, db):
		return head + "; the same once decompressed"
	}
	i = firstDifference(da, db)
	return fmt.Sprintf("%s; decompressed, first difference at byte %d\n      rebuilt: %s\n      fresh:   %s", head, i, window(da, i), window(db, i))
}

func firstDifference(a, b []byte) int {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	return i
}

func text(data []byte) bool { return utf8.Valid(data) && bytes.IndexByte(data, 0) < 0 }

// decompressed returns the bytes of a compressed copy (by its path's
// suffix), nil for another file.
func decompressed(p string, data []byte) ([]byte, error) {
	var r io.Reader
	switch {
	case strings.HasSuffix(p, ".gz"):
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		r = zr
	case strings.HasSuffix(p, ".br"):
		r = brotli.NewReader(bytes.NewReader(data))
	default:
		return nil, nil
	}
	return io.ReadAll(r)
}

// window shows the part of data's line at offset i that lies within 70
// bytes of it, line ends and tabs escaped.
func window(data []byte, i int) string {
	i = min(i, len(data))
	from := max(0, i-70)
	if nl := bytes.LastIndexByte(data[:i], '\n'); nl >= from {
		from = nl + 1
	}
	to := min(len(data), i+70)
	if nl := bytes.IndexByte(data[i:to], '\n'); nl >= 0 {
		to = i + nl
	}
	for from > 0 && from < len(data) && !utf8.RuneStart(data[from]) {
		from++
	}
	for to < len(data) && !utf8.RuneStart(data[to]) {
		to++
	}
	s := "«" + strings.NewReplacer("\r", `\r`, "\n", `\n`, "\t", `\t`).Replace(string(data[from:to])) + "»"
	if from > 0 {
		s = "…" + s
	}
	if to < len(data) {
		s += "…"
	}
	return s
}

// rowText shows a row's columns, leaving out its line (the reader's).
func rowText(r any) string {
	return strings.Replace(fmt.Sprintf("%+v", r), "Line:0 ", "", 1)
}
