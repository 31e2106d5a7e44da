// Package generator turns a checked timetable release into the static tree
// of the Occupancy FLEP API: one JSON file per GET URL, a manifest of every
// file with its hash, and the sidecar's snapshot. It writes the tree beside
// the previous one and swaps it in at the end (see [Publish]).
package generator

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"occupancy/generator/tree"
	"slices"
	"strings"
	"time"

	"occupancy/source"
)

// Options tunes the rendering. The zero value writes the reference's
// datetimes (campus wall-clock time with a Z).
type Options struct {
	// RFC3339 writes true offsets (2026-10-05T08:00:00+02:00) instead of
	// campus wall-clock time labelled UTC.
	RFC3339 bool
	// Location is the campus time zone, used with RFC3339; nil means UTC.
	Location *time.Location
	// Record is the release's record, source.MarshalRelease of the
	// release rendered, when the caller has made it already; nil makes
	// RenderTo make it. It is written as is.
	Record []byte
	// Salt identifies what the files depend on besides the release and
	// the other options: the program that renders them, and whatever the
	// caller does with them (compressed copies). Each course, room and
	// study plan's files record a hash of their inputs, salted with it,
	// so that a sink may keep the published files of an entity whose
	// inputs are the same instead of having them rendered again
	// ([Sink.Reuse]). "" records no inputs and reuses nothing.
	Salt string

	// The change feed. Changes is the comparison of the release with the
	// one it replaces, whose id is Previous (nil: nothing to add to the
	// feed); PartialChanges says that it compared names only. History
	// holds the change sets of the tree replaced, newest first (see
	// [ParseChangeLog]). KeepChanges is how many sets the feed keeps,
	// this release's included, 0 for no feed at all; Date is when the
	// release is published.
	Changes        *source.Changes
	PartialChanges bool
	Previous       string
	History        []*ChangeSet
	KeepChanges    int
	Date           time.Time
	// MaxKeptChanges bounds the changes the feed keeps, all its releases
	// together; 0 means DefaultMaxKeptChanges.
	MaxKeptChanges int
}

type renderer struct {
	opt    Options
	rel    *source.Release
	occ    []source.Occurrence
	feeds  *feeds        // the calendar feeds' renderer
	inputs *entityInputs // nil when no file records its inputs
	// Per occurrence, computed once: its formatted start and end, as
	// indexes into times (see datetimes), and the index of its origin in
	// origins (shared by the occurrences of a weekly session), whose
	// available rooms are in originRooms.
	times       []string
	timeAt      []int32
	origin      []int32
	origins     []*source.Origin
	originRooms [][]RoomRef
	byCourse    map[string][]int32 // course code → indexes into occ, in order
	byRoom      map[string][]int32 // room name → indexes into occ, in order, once per listing of the room
	rooms       map[string]*source.Room
	courses     map[string]*source.Course
	teacher     map[string]*source.Teacher
	sems        map[string]*source.Semester
}

// Sink receives the files of a tree as they are rendered; a
// [tree.Writer] is one.
type Sink interface {
	// Put takes one file; the sink may keep f.Data until it is done with it.
	Put(f tree.File) error
	// Release returns the release id of the files put so far
	// (see [tree.ReleaseID]).
	Release() (string, error)
	// Reuse takes the files paths as already published, without their
	// bytes, when it holds them rendered from the inputs hash inputs
	// ([tree.File.Inputs]), and reports whether it did: the renderer
	// then leaves them out.
	Reuse(inputs string, paths ...string) (bool, error)
}

// RenderTo renders every file of the tree of rel and hands each to sink as
// soon as it is rendered, so that the tree is never held in memory: the
// record of the release, the JSON of every GET URL, the calendar feeds,
// the API's description, the sidecar's snapshot (whose release id is a
// hash of the API's files, see [tree.ReleaseID]) and the page for
// people. It is deterministic:
// the same release gives the same files in the same order.
func RenderTo(rel *source.Release, opt Options, sink Sink) error {
	// The record first: a worker takes it off the caller's hands before
	// the render holds the rest. It is not in the release id
	// (sheet order is not data).
	record := opt.Record
	if record == nil {
		var err error
		if record, err = source.MarshalRelease(rel); err != nil {
			return fmt.Errorf("record the release: %w", err)
		}
	}
	if err := sink.Put(tree.File{Path: tree.RecordName, Kind: tree.KindRelease, Data: record}); err != nil {
		return err
	}
	opt.Record = nil // the renderer keeps opt
	r := newRenderer(rel, opt)
	var err error
	if r.feeds, err = r.newFeeds(); err != nil {
		return err
	}
	r.inputs = r.newEntityInputs(r.feeds)
	e := &emitter{sink: sink}
	for _, part := range []func(*emitter) error{r.courseFiles, r.planFiles, r.roomFiles} {
		if err := part(e); err != nil {
			return err
		}
	}
	docs, err := apiDocFiles(opt) // api/openapi.json and its page, api/docs/index.html
	if err != nil {
		return err
	}
	for _, f := range docs {
		if err := sink.Put(f); err != nil {
			return err
		}
	}
	id, err := sink.Release()
	if err != nil {
		return err
	}
	if err := r.changeFiles(e, id); err != nil { // not in the release id
		return err
	}
	data, err := Snapshot(rel, r.occ, id).MarshalBinary()
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	if err := sink.Put(tree.File{Path: tree.SnapshotName, Kind: tree.KindSnapshot, Data: data}); err != nil {
		return err
	}
	web, err := WebFiles(opt, id) // index.html, app/: not in the release id, which config.json carries
	if err != nil {
		return err
	}
	for _, f := range web {
		if err := sink.Put(f); err != nil {
			return err
		}
	}
	return nil
}

// Render returns every file of the tree of rel (see [RenderTo]), in path
// order. It holds the whole tree: for tests and small releases.
func Render(rel *source.Release, opt Options) ([]tree.File, error) {
	var m memorySink
	if err := RenderTo(rel, opt, &m); err != nil {
		return nil, err
	}
	m.sort()
	return m.files, nil
}

// memorySink keeps the files put, for [Render].
type memorySink struct{ files []tree.File }

func (m *memorySink) Put(f tree.File) error {
	m.files = append(m.files, f)
	return nil
}

func (m *memorySink) sort() {
	slices.SortFunc(m.files, func(a, b tree.File) int { return strings.Compare(a.Path, b.Path) })
}

// Reuse takes nothing: a memory sink holds no published files.
func (m *memorySink) Reuse(string, ...string) (bool, error) { return false, nil }

func (m *memorySink) Release() (string, error) {
	m.sort()
	return tree.ReleaseID(tree.NewManifest(m.files).Files), nil
}

func newRenderer(rel *source.Release, opt Options) *renderer {
	r := &renderer{
		opt:     opt,
		rel:     rel,
		occ:     rel.Occurrences(),
		rooms:   map[string]*source.Room{},
		courses: map[string]*source.Course{},
		teacher: map[string]*source.Teacher{},
		sems:    map[string]*source.Semester{},
	}
	for i := range rel.Rooms {
		r.rooms[rel.Rooms[i].Name] = &rel.Rooms[i]
	}
	r.datetimes()
	r.origin = make([]int32, len(r.occ))
	index := map[*source.Origin]int32{}
	// Indexes are int32, half the memory of int: at 30 times the sample
	// these lists hold 1.5 million indexes.
	r.byCourse = map[string][]int32{}
	r.byRoom = map[string][]int32{}
	for i, o := range r.occ {
		k, ok := index[o.Origin]
		if !ok {
			k = int32(len(r.origins))
			index[o.Origin] = k
			r.origins = append(r.origins, o.Origin)
			r.originRooms = append(r.originRooms, r.roomRefs(o.Rooms))
		}
		r.origin[i] = k
		if o.Course != "" {
			r.byCourse[o.Course] = append(r.byCourse[o.Course], int32(i))
		}
		for _, name := range o.Rooms {
			r.byRoom[name] = append(r.byRoom[name], int32(i))
		}
	}
	for i := range rel.Courses {
		r.courses[rel.Courses[i].Code] = &rel.Courses[i]
	}
	for i := range rel.Teachers {
		r.teacher[rel.Teachers[i].Name] = &rel.Teachers[i]
	}
	for i := range rel.Semesters {
		r.sems[rel.Semesters[i].Name] = &rel.Semesters[i]
	}
	return r
}

// emitter hands an entity's files to the sink, or has it reuse them.
type emitter struct{ sink Sink }

// reuse reports whether the sink took the files paths rendered from
// inputs as published; "" inputs are never reused.
func (e *emitter) reuse(inputs string, paths ...string) (bool, error) {
	if inputs == "" {
		return false, nil
	}
	return e.sink.Reuse(inputs, paths...)
}

// json puts the JSON of the GET URL url, rendered from inputs.
func (e *emitter) json(url, kind string, v any, inputs string) error {
	data, err := encode(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", url, err)
	}
	return e.sink.Put(tree.File{Path: tree.URLPath(url), Kind: kind, Data: data, Inputs: inputs})
}

// encode writes v as compact JSON without HTML escaping, as Express does.
func encode(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Datetime formats a campus wall-clock time (held as UTC) the way the API
// writes it.
func (o Options) Datetime(t time.Time) string {
	if !o.RFC3339 {
		return t.Format("2006-01-02T15:04:05.000Z")
	}
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	local := time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
	return local.Format(time.RFC3339)
}

func (r *renderer) dt(t time.Time) string { return r.opt.Datetime(t) }

// datetimes formats every occurrence's start and end once. Occurrences
// share a few thousand distinct times (a day's slots, over a semester's
// days), each formatted once: a tenth of formatting every one.
func (r *renderer) datetimes() {
	index := map[time.Time]int32{}
	r.timeAt = make([]int32, 2*len(r.occ))
	for i := range r.occ {
		for j, t := range [2]time.Time{r.occ[i].Start, r.occ[i].End} {
			k, ok := index[t]
			if !ok {
				k = int32(len(r.times))
				index[t] = k
				r.times = append(r.times, r.dt(t))
			}
			r.timeAt[2*i+j] = k
		}
	}
}

// roomsOf returns the available rooms of occurrence i.
func (r *renderer) roomsOf(i int32) []RoomRef { return r.originRooms[r.origin[i]] }

// start returns the formatted start of occurrence i.
func (r *renderer) start(i int32) string { return r.times[r.timeAt[2*i]] }

// end returns the formatted end of occurrence i.
func (r *renderer) end(i int32) string { return r.times[r.timeAt[2*i+1]] }

// roomRefs lists the available rooms among names.
func (r *renderer) roomRefs(names []string) []RoomRef {
	out := make([]RoomRef, 0, len(names))
	for _, n := range names {
		if room := r.rooms[n]; room != nil && room.Available {
			out = append(out, RoomRef{Name: n})
		}
	}
	return out
}

func (r *renderer) teachersOf(c *source.Course) []TeacherOut {
	out := make([]TeacherOut, 0, len(c.Teachers))
	for _, n := range c.Teachers {
		out = append(out, TeacherOut{Name: n, PeopleURL: r.teacher[n].PeopleURL})
	}
	return out
}

func unitOf(p *source.StudyPlan) Unit {
	return Unit{Name: p.UnitName, Section: p.Section, Code: p.UnitCode, Promo: p.Promo}
}

func (r *renderer) planItem(p *source.StudyPlan) StudyPlanItem {
	return StudyPlanItem{ID: p.ID, Unit: unitOf(p), Semester: SemesterRef{Name: p.Semester, Type: r.sems[p.Semester].Type}}
}

// sortedPlans returns the study plans ordered by unit code, semester start
// and id.
func (r *renderer) sortedPlans() []*source.StudyPlan {
	plans := make([]*source.StudyPlan, len(r.rel.StudyPlans))
	for i := range r.rel.StudyPlans {
		plans[i] = &r.rel.StudyPlans[i]
	}
	slices.SortFunc(plans, func(a, b *source.StudyPlan) int {
		return cmp.Or(strings.Compare(a.UnitCode, b.UnitCode),
			r.sems[a.Semester].Start.Compare(r.sems[b.Semester].Start),
			strings.Compare(a.Semester, b.Semester),
			strings.Compare(a.ID, b.ID))
	})
	return plans
}

// SemesterType is "fall" or "spring" when every semester in types is of
// that one type, else "year" (also when there is none).
func SemesterType(types []string) string {
	if len(types) == 0 {
		return source.Year
	}
	for _, t := range types[1:] {
		if t != types[0] {
			return source.Year
		}
	}
	if types[0] == source.Fall || types[0] == source.Spring {
		return types[0]
	}
	return source.Year
}

func (r *renderer) courseFiles(e *emitter) error {
	plans := r.sortedPlans()
	plansOf := map[string][]*source.StudyPlan{}
	for _, p := range plans {
		for _, code := range p.Courses {
			plansOf[code] = append(plansOf[code], p)
		}
	}
	sessionSems := map[string][]string{}
	for _, s := range r.rel.Sessions {
		sessionSems[s.Course] = append(sessionSems[s.Course], r.sems[s.Semester].Type)
	}
	courses := make([]*source.Course, len(r.rel.Courses))
	for i := range r.rel.Courses {
		courses[i] = &r.rel.Courses[i]
	}
	slices.SortFunc(courses, func(a, b *source.Course) int { return strings.Compare(a.Code, b.Code) })
	list := make([]CourseItem, 0, len(courses))
	for _, c := range courses {
		var types []string
		if ps := plansOf[c.Code]; len(ps) > 0 {
			for _, p := range ps {
				types = append(types, r.sems[p.Semester].Type)
			}
		} else {
			types = sessionSems[c.Code]
		}
		list = append(list, CourseItem{Code: c.Code, Name: c.Name, Credits: c.Credits, SemesterType: SemesterType(types)})
		byStart := slices.Clone(plansOf[c.Code])
		slices.SortStableFunc(byStart, func(a, b *source.StudyPlan) int {
			return r.sems[a.Semester].Start.Compare(r.sems[b.Semester].Start)
		})
		url, feed := "/api/courses/"+c.Code, tree.FeedPath("courses", c.Code)
		in := r.inputs.course(r, c, byStart)
		if ok, err := e.reuse(in, tree.URLPath(url), feed); err != nil || ok {
			if err != nil {
				return err
			}
			continue
		}
		detail := CourseDetail{
			Code: c.Code, Name: c.Name, Credits: c.Credits, EduURL: c.EduURL, Language: c.Language,
			Teachers:   r.teachersOf(c),
			Schedules:  make([]CourseSchedule, 0, len(r.byCourse[c.Code])),
			StudyPlans: []StudyPlanItem{},
		}
		for _, i := range r.byCourse[c.Code] {
			detail.Schedules = append(detail.Schedules, CourseSchedule{
				Start: r.start(i), End: r.end(i), Label: r.occ[i].Label, Rooms: r.roomsOf(i),
			})
		}
		for _, p := range byStart {
			detail.StudyPlans = append(detail.StudyPlans, r.planItem(p))
		}
		if err := e.json(url, tree.KindCourse, detail, in); err != nil {
			return err
		}
		if err := e.sink.Put(tree.File{
			Path: feed, Kind: tree.KindCourseFeed, Inputs: in,
			Data: r.feeds.feed("course\x00"+c.Code, c.Code+" "+c.Name, r.byCourse[c.Code]),
		}); err != nil {
			return err
		}
	}
	return e.json("/api/courses", tree.KindCourses, list, "")
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (r *renderer) planFiles(e *emitter) error {
	plans := r.sortedPlans()
	list := make([]StudyPlanItem, 0, len(plans))
	for _, p := range plans {
		list = append(list, r.planItem(p))
		url, feed := "/api/studyplans/"+p.ID, tree.FeedPath("studyplans", p.ID)
		inputs := r.inputs.plan(r, p)
		if ok, err := e.reuse(inputs, tree.URLPath(url), feed); err != nil || ok {
			if err != nil {
				return err
			}
			continue
		}
		sem := r.sems[p.Semester]
		in := map[string]bool{}
		for _, code := range p.Courses {
			in[code] = true
		}
		detail := StudyPlanDetail{
			ID:   p.ID,
			Unit: unitOf(p),
			Semester: SemesterDetail{
				Name: sem.Name, Type: sem.Type, SkipDates: r.skipDates(sem),
				StartDate: r.dt(sem.Start), EndDate: r.dt(sem.End),
			},
			Schedules: []PlanSchedule{},
			Courses:   make([]PlanCourse, 0, len(p.Courses)),
		}
		var idx []int32
		for code := range in {
			idx = append(idx, r.byCourse[code]...)
		}
		slices.Sort(idx) // occ is sorted, so index order is schedule order
		semester := source.DateRange{From: sem.Start, To: sem.End}
		for _, i := range idx {
			o := &r.occ[i]
			// Weekly sessions of this plan's semester, and dated sessions
			// within its dates.
			if o.Semester != "" && o.Semester != sem.Name || o.Semester == "" && !semester.Contains(day(o.Start)) {
				continue
			}
			c := r.courses[o.Course]
			detail.Schedules = append(detail.Schedules, PlanSchedule{
				Course: CourseRef{Code: c.Code, Name: c.Name},
				Start:  r.start(i), End: r.end(i), Label: o.Label, Rooms: r.roomsOf(i),
			})
		}
		codes := slices.Sorted(func(yield func(string) bool) {
			for code := range in {
				if !yield(code) {
					return
				}
			}
		})
		for _, code := range codes {
			c := r.courses[code]
			detail.Courses = append(detail.Courses, PlanCourse{
				Code: c.Code, Name: c.Name, Credits: c.Credits, EduURL: c.EduURL, Language: c.Language,
				Teachers: r.teachersOf(c),
			})
		}
		if err := e.json(url, tree.KindStudyPlan, detail, inputs); err != nil {
			return err
		}
		if err := e.sink.Put(tree.File{
			Path: feed, Kind: tree.KindStudyPlanFeed, Inputs: inputs,
			Data: r.feeds.feed("studyplan\x00"+p.ID, p.UnitCode+" "+p.UnitName+" ("+p.Semester+")", r.planOccurrences(p)),
		}); err != nil {
			return err
		}
	}
	return e.json("/api/studyplans", tree.KindStudyPlans, list, "")
}

func day(t time.Time) source.Date {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// skipDates lists every skipped day of a semester, ranges expanded.
func (r *renderer) skipDates(sem *source.Semester) []string {
	seen := map[source.Date]bool{}
	var days []source.Date
	for _, rg := range sem.Skip {
		for d := rg.From; !d.After(rg.To); d = d.AddDate(0, 0, 1) {
			if !seen[d] {
				seen[d] = true
				days = append(days, d)
			}
		}
	}
	slices.SortFunc(days, func(a, b source.Date) int { return a.Compare(b) })
	out := make([]string, len(days))
	for i, d := range days {
		out[i] = r.dt(d)
	}
	return out
}

// RoomItemOf returns a room's fields as the lists show them.
func RoomItemOf(room *source.Room) RoomItem {
	it := RoomItem{
		Name: room.Name, Type: room.Type, Coordinates: room.Coordinates,
		Building: room.Building, Capacity: room.Capacity, Level: room.Level,
	}
	if room.Link != "" {
		link := room.Link
		it.Link = &link
	}
	return it
}

func (r *renderer) roomFiles(e *emitter) error {
	rooms := make([]*source.Room, 0, len(r.rel.Rooms))
	for i := range r.rel.Rooms {
		if r.rel.Rooms[i].Available {
			rooms = append(rooms, &r.rel.Rooms[i])
		}
	}
	slices.SortFunc(rooms, func(a, b *source.Room) int { return strings.Compare(a.Name, b.Name) })
	refs := make(map[string]*CourseRef, len(r.courses))
	for code, c := range r.courses {
		refs[code] = &CourseRef{Code: c.Code, Name: c.Name}
	}
	list := make([]RoomItem, 0, len(rooms))
	var schedules []RoomSchedule
	for _, room := range rooms {
		it := RoomItemOf(room)
		list = append(list, it)
		url, feed := "/api/rooms/"+room.Name, tree.FeedPath("rooms", room.Name)
		in := r.inputs.room(r, room)
		if ok, err := e.reuse(in, tree.URLPath(url), feed); err != nil || ok {
			if err != nil {
				return err
			}
			continue
		}
		schedules = schedules[:0]
		for _, i := range r.byRoom[room.Name] {
			o := &r.occ[i]
			s := RoomSchedule{Start: r.start(i), End: r.end(i), Label: o.Label}
			if o.Course != "" {
				s.Course = refs[o.Course]
			} else {
				s.Name, s.Description = o.Name, o.Description
			}
			schedules = append(schedules, s)
		}
		detail := RoomDetail{RoomItem: it, Schedules: orEmpty(schedules)}
		if err := e.json(url, tree.KindRoom, detail, in); err != nil {
			return err
		}
		if err := e.sink.Put(tree.File{
			Path: feed, Kind: tree.KindRoomFeed, Inputs: in,
			Data: r.feeds.feed("room\x00"+room.Name, room.Name, slices.Compact(slices.Clone(r.byRoom[room.Name]))),
		}); err != nil {
			return err
		}
	}
	return e.json("/api/rooms", tree.KindRooms, list, "")
}
