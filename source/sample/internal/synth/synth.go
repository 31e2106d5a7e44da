// Package synth generates the sample timetable release that package sample
// exposes. It is kept apart from package sample, which embeds the files the
// generator writes, so that the generator builds even when they are missing.
package synth

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"occupancy/source"
)

// seed fixes the random stream of block 0; block n uses stream n.
const seed = 0x6f63637570616e63 // "occupanc"

// Folder is the name of the folder a reader would be given for the sample.
const Folder = "sample"

// semester is one of the two semesters of the release.
type semester struct {
	name, typ  string
	start, end time.Time
	skip       [][2]time.Time // inclusive ranges
}

var semesters = []semester{
	{"Semestre d'automne 2026-2027", source.Fall, day(2026, 9, 7), day(2026, 12, 18),
		[][2]time.Time{{day(2026, 10, 19), day(2026, 10, 23)}, {day(2026, 11, 11), day(2026, 11, 11)}}},
	{"Semestre de printemps 2027", source.Spring, day(2027, 2, 15), day(2027, 5, 28),
		[][2]time.Time{{day(2027, 4, 5), day(2027, 4, 9)}, {day(2027, 5, 13), day(2027, 5, 13)}}},
}

// teachingWeeks is how many weeks each semester has, counted as the
// build counts them: Monday-to-Sunday weeks from the start, the recess
// week included.
const teachingWeeks = 15

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// world is what blocks share: the release being written and the names and
// ids already taken.
type world struct {
	raw      *source.Raw
	teachers map[string]bool // looked up only, never ranged over
	ids      map[string]bool
}

// block is one copy of the sample: its own rooms, teachers, courses, plans
// and timetable, drawn from its own random stream.
type block struct {
	w         *world
	rng       *rand.Rand
	suffix    string // appended to room names, course and unit codes
	rooms     []*room
	roomRows  []source.RoomRow
	teachers  []*teacher
	bySection [][]*teacher
	courses   []*course
	weekly    [2][][5]mask      // semester → room → weekday → quarters used
	dated     map[string][]mask // date → room → quarters used
}

// Generate builds the sample release at the given scale (at least 1): the
// two semesters of academic year 2026-2027, and scale blocks of about 200
// rooms, 650 teachers, 2,000 courses, 400 study plans, 1,850 weekly
// sessions and 3,700 dated bookings (2,000 of them events). Block 0 is the
// same at every scale; the names and codes of block n ≥ 1 end in
// "-<n+1>". Each call returns a new Raw.
func Generate(scale int) *source.Raw {
	w := &world{raw: newRaw(), teachers: map[string]bool{}, ids: map[string]bool{}}
	for _, s := range semesters {
		var skips []string
		for _, r := range s.skip {
			t := r[0].Format(time.DateOnly)
			if !r[1].Equal(r[0]) {
				t += ".." + r[1].Format(time.DateOnly)
			}
			skips = append(skips, t)
		}
		w.raw.Semesters.Rows = append(w.raw.Semesters.Rows, source.SemesterRow{
			Name: s.name, Type: s.typ, StartDate: s.start.Format(time.DateOnly),
			EndDate: s.end.Format(time.DateOnly), SkipDates: strings.Join(skips, ";"),
		})
	}
	for n := range max(scale, 1) {
		b := &block{w: w, rng: rand.New(rand.NewPCG(seed, uint64(n)))}
		if n > 0 {
			b.suffix = "-" + itoa(n+1)
		}
		b.makeRooms()
		b.makeTeachers()
		b.makeCourses()
		b.makePlans()
		b.makeSessions()
		b.makeBookings()
	}
	return w.raw
}

// newRaw returns a release with every sheet found and its header laid out
// in specification order, as a reader fills it for the folder "sample".
func newRaw() *source.Raw {
	return &source.Raw{
		Semesters:  table[source.SemesterRow]("semesters"),
		Rooms:      table[source.RoomRow]("rooms"),
		Teachers:   table[source.TeacherRow]("teachers"),
		Courses:    table[source.CourseRow]("courses"),
		StudyPlans: table[source.StudyPlanRow]("studyplans"),
		Sessions:   table[source.SessionRow]("sessions"),
		Bookings:   table[source.BookingRow]("bookings"),
	}
}

func table[R any](sheet string) source.Table[R] {
	spec := source.Spec(sheet)
	header := make(map[string]int, len(spec.Columns))
	for i, c := range spec.Columns {
		header[c.Key()] = i + 1
	}
	return source.Table[R]{File: Folder + "/" + sheet + ".csv", Sheet: sheet, Found: true, Header: header}
}

func roomRow(name, typ string) source.RoomRow { return source.RoomRow{Name: name, Type: typ} }

func teacherRow(name, url string) source.TeacherRow {
	return source.TeacherRow{Name: name, PeopleURL: url}
}

func courseRow(code, name, credits, lang, edu, teachers string) source.CourseRow {
	return source.CourseRow{Code: code, Name: name, Credits: credits, Language: lang, EduURL: edu, Teachers: teachers}
}

func studyPlanRow(code, name, section, promo, sem, courses, id string) source.StudyPlanRow {
	return source.StudyPlanRow{UnitCode: code, UnitName: name, Section: section, Promo: promo, Semester: sem, Courses: courses, ID: id}
}

// chance reports true with probability p.
func (b *block) chance(p float64) bool { return b.rng.Float64() < p }

// jitter returns a uniform value in [-d, d).
func (b *block) jitter(d float64) float64 { return (2*b.rng.Float64() - 1) * d }

// pick returns a uniformly drawn element of list.
func pick[T any](b *block, list []T) T { return list[b.rng.IntN(len(list))] }

func itoa(i int) string { return strconv.Itoa(i) }
