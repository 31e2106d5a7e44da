package generator

// Inputs of entities: a hash of everything the JSON and calendar feed of
// one course, room or study plan are rendered from, recorded with the
// files in the manifest (tree.File.Inputs). A build over a published tree
// keeps the files of an entity whose hash is the same without rendering
// them (tree.Writer.Reuse), so that a release changing one course renders
// that course, its rooms and study plans, not the whole tree.
//
// Each hash must cover every value its files are rendered from: a value
// left out would leave a file stale after a release that changes it. The
// functions below follow the rendering functions field by field, and
// cmd/build's TestRebuildMatchesFreshBuild checks, over random changes to
// every field of every sheet, that a rebuild gives the bytes of a first
// build.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"time"

	"occupancy/generator/tree"
	"occupancy/source"
)

// inputsVersion changes whenever what the hashes cover changes.
const inputsVersion = "occupancy entity inputs 1"

// digest is a hash of part of the inputs.
type digest [sha256.Size]byte

// hasher writes the values of one hash, length-prefixed so that no two
// sequences of values write the same bytes.
type hasher struct {
	h   hash.Hash
	buf []byte
}

func newHasher() *hasher { return &hasher{h: sha256.New(), buf: make([]byte, 0, 4096)} }

func (h *hasher) reset() {
	h.h.Reset()
	h.buf = h.buf[:0]
}

func (h *hasher) flush() {
	h.h.Write(h.buf)
	h.buf = h.buf[:0]
}

func (h *hasher) uint(v uint64) {
	h.buf = binary.LittleEndian.AppendUint64(h.buf, v)
	if len(h.buf) >= cap(h.buf)-64 {
		h.flush()
	}
}

func (h *hasher) int(v int64) { h.uint(uint64(v)) }

func (h *hasher) bool(v bool) {
	if v {
		h.uint(1)
	} else {
		h.uint(0)
	}
}

func (h *hasher) str(s string) {
	h.uint(uint64(len(s)))
	if len(h.buf)+len(s) > cap(h.buf) {
		h.flush()
		h.h.Write([]byte(s))
		return
	}
	h.buf = append(h.buf, s...)
}

func (h *hasher) strs(ss []string) {
	h.uint(uint64(len(ss)))
	for _, s := range ss {
		h.str(s)
	}
}

func (h *hasher) time(t time.Time) { h.int(t.Unix()) }

func (h *hasher) optInt(p *int) {
	h.bool(p != nil)
	if p != nil {
		h.int(int64(*p))
	}
}

func (h *hasher) digest(d *digest) {
	h.buf = append(h.buf, d[:]...)
	if len(h.buf) >= cap(h.buf)-64 {
		h.flush()
	}
}

func (h *hasher) sum() digest {
	h.flush()
	var d digest
	h.h.Sum(d[:0])
	return d
}

// inputsOf turns a digest into the inputs a file records.
func inputsOf(d digest) string { return hex.EncodeToString(d[:tree.InputsLen/2]) }

// entityInputs holds what the hashes of entities are made of: the
// values every file depends on, and a digest per origin (weekly session
// or booking) and per course.
type entityInputs struct {
	global  digest
	origins []digest          // per renderer.origins
	courses map[string]digest // per course code: what a study plan shows of it
	h       *hasher
}

// newEntityInputs hashes the values every entity's files depend on: the
// salt (the program that renders), the options, and the calendar feeds'
// shared parts (time zone rules over the release's span, DTSTAMP). It
// returns nil when opt has no salt: no file is then reusable.
func (r *renderer) newEntityInputs(f *feeds) *entityInputs {
	if r.opt.Salt == "" {
		return nil
	}
	h := newHasher()
	h.str(inputsVersion)
	h.str(r.opt.Salt)
	h.bool(r.opt.RFC3339)
	h.bool(r.opt.Location != nil)
	if r.opt.Location != nil {
		h.str(r.opt.Location.String())
	}
	h.str(string(f.tz))
	h.str(f.tzid)
	h.str(f.stamp)
	h.str(string(f.calprops))
	e := &entityInputs{global: h.sum(), h: h}
	e.origins = make([]digest, len(r.origins))
	for k, o := range r.origins {
		h.reset()
		h.str(o.Course)
		if c := r.courses[o.Course]; c != nil {
			h.str(c.Name)
		}
		h.str(o.Label)
		h.str(o.Name)
		h.str(o.Description)
		h.strs(o.Rooms)
		for _, name := range o.Rooms {
			room := r.rooms[name]
			h.bool(room != nil && room.Available)
		}
		h.str(o.Semester)
		e.origins[k] = h.sum()
	}
	e.courses = make(map[string]digest, len(r.rel.Courses))
	for i := range r.rel.Courses {
		c := &r.rel.Courses[i]
		h.reset()
		h.str(c.Code)
		h.str(c.Name)
		h.bool(c.Credits != nil)
		if c.Credits != nil {
			h.uint(math.Float64bits(*c.Credits))
		}
		h.str(c.EduURL)
		h.str(c.Language)
		h.uint(uint64(len(c.Teachers)))
		for _, n := range c.Teachers {
			h.str(n)
			if t := r.teacher[n]; t != nil {
				h.str(t.PeopleURL)
			}
		}
		r.occurrencesInto(h, e, r.byCourse[c.Code])
		e.courses[c.Code] = h.sum()
	}
	return e
}

// occurrencesInto hashes the occurrences idx: their times and origins.
func (r *renderer) occurrencesInto(h *hasher, e *entityInputs, idx []int32) {
	h.uint(uint64(len(idx)))
	for _, i := range idx {
		h.time(r.occ[i].Start)
		h.time(r.occ[i].End)
		h.digest(&e.origins[r.origin[i]])
	}
}

// planInto hashes what a course's files show of a study plan.
func (r *renderer) planInto(h *hasher, p *source.StudyPlan) {
	h.str(p.ID)
	h.str(p.UnitCode)
	h.str(p.UnitName)
	h.str(p.Section)
	h.str(p.Promo)
	h.str(p.Semester)
	if s := r.sems[p.Semester]; s != nil {
		h.str(s.Type)
		h.time(s.Start)
	}
}

// course returns the inputs of a course's files: the course, its
// occurrences, and the study plans that list it, in the order shown.
func (e *entityInputs) course(r *renderer, c *source.Course, plans []*source.StudyPlan) string {
	if e == nil {
		return ""
	}
	h := e.h
	h.reset()
	h.str("course")
	h.digest(&e.global)
	d := e.courses[c.Code]
	h.digest(&d)
	h.uint(uint64(len(plans)))
	for _, p := range plans {
		r.planInto(h, p)
	}
	return inputsOf(h.sum())
}

// changes returns the inputs of an entity's change files: the entity and
// the change sets that concern it, whose contents never change once
// published.
func (e *entityInputs) changes(collection, name string, ec *EntityChanges) string {
	if e == nil {
		return ""
	}
	h := e.h
	h.reset()
	h.str("changes")
	h.digest(&e.global)
	h.str(collection)
	h.str(name)
	h.uint(uint64(len(ec.Releases)))
	for _, r := range ec.Releases {
		h.str(r.ID)
	}
	return inputsOf(h.sum())
}

// plan returns the inputs of a study plan's files: the plan, its
// semester, and its courses with their occurrences.
func (e *entityInputs) plan(r *renderer, p *source.StudyPlan) string {
	if e == nil {
		return ""
	}
	h := e.h
	h.reset()
	h.str("studyplan")
	h.digest(&e.global)
	r.planInto(h, p)
	h.strs(p.Courses)
	for _, code := range p.Courses {
		d := e.courses[code]
		h.digest(&d)
	}
	if s := r.sems[p.Semester]; s != nil {
		h.str(s.Name)
		h.time(s.End)
		h.uint(uint64(len(s.Skip)))
		for _, rg := range s.Skip {
			h.time(rg.From)
			h.time(rg.To)
		}
	}
	return inputsOf(h.sum())
}

// room returns the inputs of a room's files: the room and its
// occurrences.
func (e *entityInputs) room(r *renderer, room *source.Room) string {
	if e == nil {
		return ""
	}
	h := e.h
	h.reset()
	h.str("room")
	h.digest(&e.global)
	h.str(room.Name)
	h.str(room.Type)
	h.optInt(room.Capacity)
	h.str(room.Building)
	h.optInt(room.Level)
	h.bool(room.Coordinates != nil)
	if room.Coordinates != nil {
		h.uint(math.Float64bits(room.Coordinates[0]))
		h.uint(math.Float64bits(room.Coordinates[1]))
	}
	h.str(room.Link)
	h.bool(room.Available)
	r.occurrencesInto(h, e, r.byRoom[room.Name])
	return inputsOf(h.sum())
}
