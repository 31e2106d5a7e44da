package synth

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"occupancy/source"
)

// mask is a set of quarter-hours of one day: bit q is 00:00 + 15q minutes.
type mask [2]uint64

// span returns the quarters from start to end, in minutes since midnight.
func span(start, end int) mask {
	var m mask
	for q := start / 15; q < (end+14)/15 && q < 96; q++ {
		m[q/64] |= 1 << (q % 64)
	}
	return m
}

func (m mask) overlaps(o mask) bool { return m[0]&o[0] != 0 || m[1]&o[1] != 0 }

func (m *mask) add(o mask) { m[0] |= o[0]; m[1] |= o[1] }

// clock formats minutes since midnight as HH:MM.
func clock(min int) string {
	return string([]byte{byte('0' + min/600), byte('0' + min/60%10), ':', byte('0' + min%60/10), byte('0' + min%10)})
}

// Weekday spellings the sheets accept, Monday to Friday.
var weekdayNames = [][]string{
	{"Monday", "Tuesday", "Wednesday", "Thursday", "Friday"},
	{"Mon", "Tue", "Wed", "Thu", "Fri"},
	{"lundi", "mardi", "mercredi", "jeudi", "vendredi"},
	{"Lu", "Ma", "Me", "Je", "Ve"},
}

// weekOptions are the week restrictions some sessions have.
// Week 7 of the fall semester and week 8 of the spring one are the recess.
var weekOptions = []string{"1-6,8-14", "1-6,8-14", "1-7", "8-15", "2-14", "1-13", "1,3,5,9,11,13,15"}

// need describes the rooms a session or booking wants.
type need struct {
	types  []string
	minCap int
	count  int // 0 for no room
}

// pool returns the indexes of the available rooms of the types wanted that
// seat minCap, preferring the areas given when pref is true and enough of
// them fit. It relaxes the capacity when too few rooms fit.
func (b *block) pool(n need, areas []string, pref bool) []int {
	var all, near []int
	for minCap := n.minCap; ; minCap = minCap * 2 / 3 {
		all, near = all[:0], near[:0]
		for i, r := range b.rooms {
			if !r.available || r.reserved || !slices.Contains(n.types, r.typ) {
				continue
			}
			if r.capacity < minCap && !(r.capacity == 0 && minCap <= 20) {
				continue
			}
			all = append(all, i)
			if slices.Contains(areas, r.area) {
				near = append(near, i)
			}
		}
		if len(all) >= n.count || minCap == 0 {
			break
		}
	}
	if pref && len(near) >= max(n.count, 2) {
		return near
	}
	return all
}

// draw picks count distinct rooms of the pool.
func (b *block) draw(pool []int, count int) []int {
	if count > len(pool) {
		count = len(pool)
	}
	out := make([]int, 0, count)
	if 2*count > len(pool) {
		for _, i := range b.rng.Perm(len(pool))[:count] {
			out = append(out, pool[i])
		}
	} else {
		for len(out) < count {
			if r := pool[b.rng.IntN(len(pool))]; !slices.Contains(out, r) {
				out = append(out, r)
			}
		}
	}
	slices.Sort(out)
	return out
}

func (b *block) roomList(rooms []int) string {
	names := make([]string, len(rooms))
	for i, r := range rooms {
		names[i] = b.rooms[r].name
	}
	return strings.Join(names, ";")
}

// slot draws the times of a weekly session with the label given, in
// minutes since midnight: mostly EPFL's hours starting at :15.
func (b *block) slot(label string) (int, int) {
	two := []int{495, 495, 495, 615, 615, 615, 795, 795, 915, 915, 1035}
	one := []int{495, 555, 615, 675, 735, 795, 855, 915, 975, 1035}
	x := b.rng.Float64()
	if x < 0.04 {
		// An odd one, still on a quarter-hour.
		start := 8*60 + 15*b.rng.IntN(37)
		return start, start + pick(b, []int{45, 60, 90, 105, 120})
	}
	var start, dur int
	switch label {
	case "cours":
		switch {
		case x < 0.74:
			start, dur = pick(b, two), 105
		case x < 0.93:
			start, dur = pick(b, one), 45
		default:
			start, dur = pick(b, []int{495, 795, 855}), 165
		}
	case "exercice":
		if x < 0.5 {
			start, dur = pick(b, one), 45
		} else {
			start, dur = pick(b, two), 105
		}
	default: // projet
		switch {
		case x < 0.4:
			start, dur = pick(b, two), 105
		case x < 0.7:
			start, dur = pick(b, []int{495, 795, 855}), 165
		default:
			start, dur = pick(b, []int{495, 795}), 225
		}
	}
	return start, start + dur
}

// sessionRow is a weekly session row with the index of its course, so
// that a block's rows can be written course by course.
type sessionRow struct {
	course int
	row    source.SessionRow
}

// Times of the rooms booked back-to-back all day: EPFL's hours, with a
// quarter-hour between sessions, and two-hour blocks that touch.
var (
	epflHours = [][2]int{{495, 600}, {615, 720}, {735, 780}, {795, 900}, {915, 1020}, {1035, 1140}}
	touching  = [][2]int{{480, 600}, {600, 720}, {720, 840}, {840, 960}, {960, 1080}, {1080, 1200}}
)

// makeSessions lays out the weekly sessions of the block, trying to keep
// rooms from being booked twice in the same slot: first a few project
// studios, all day in several rooms; then the sessions of every course
// with weekly sessions; then the sessions that keep three rooms booked
// back-to-back all day, every day.
func (b *block) makeSessions() {
	for s := range b.weekly {
		b.weekly[s] = make([][5]mask, len(b.rooms))
	}
	index := make(map[*course]int, len(b.courses))
	for i, c := range b.courses {
		index[c] = i
	}
	var rows []sessionRow
	add := func(c *course, si, day, start, end int, label string, rooms []int, weeks string) {
		m := span(start, end)
		c.own[si][day].add(m)
		for _, r := range rooms {
			b.weekly[si][r][day].add(m)
		}
		spelling := weekdayNames[0]
		switch x := b.rng.Float64(); {
		case x < 0.15:
			spelling = weekdayNames[1]
		case x < 0.35:
			spelling = weekdayNames[2]
		case x < 0.45:
			spelling = weekdayNames[3]
		}
		rows = append(rows, sessionRow{index[c], source.SessionRow{
			Course: c.code, Label: label, Weekday: spelling[day],
			Start: clock(start), End: clock(end), Rooms: b.roomList(rooms),
			Semester: semesters[si].name, Weeks: weeks,
		}})
	}
	reserved := b.reserveRooms()

	// Project studios: 08:00–18:00 in three to six rooms, two a semester.
	for si := range semesters {
		var studios []*course
		for _, c := range b.courses {
			switch sections[c.section].code {
			case "AR", "GC", "SIE":
				if c.sched == schedWeekly && c.in(si) && c.tier >= 2 && c.tier <= 4 {
					studios = append(studios, c)
				}
			}
		}
		for k := range 2 {
			c := studios[b.rng.IntN(len(studios))]
			n := need{[]string{typeClass, typeLab, typeComp}, 0, 3 + b.rng.IntN(4)}
			pool := b.pool(n, sections[c.section].areas, k == 0)
			m := span(480, 1080)
			day, rooms := 0, []int(nil)
			for range 40 {
				d, rs := b.rng.IntN(5), b.draw(pool, n.count)
				if rooms == nil {
					day, rooms = d, rs
				}
				if !c.own[si][d].overlaps(m) && b.freeWeekly(si, d, m, rs) {
					day, rooms = d, rs
					break
				}
			}
			add(c, si, day, 480, 1080, "projet", rooms, "")
		}
	}

	for _, c := range b.courses {
		if c.sched != schedWeekly {
			continue
		}
		sec := &sections[c.section]
		for si := range semesters {
			if !c.in(si) {
				continue
			}
			for _, label := range b.labels(c) {
				n := b.sessionNeed(c, label)
				pool := b.pool(n, sec.areas, b.chance(0.7))
				chosen := false
				var day, start, end int
				var rooms []int
				for range 40 {
					d := b.rng.IntN(5)
					st, en := b.slot(label)
					m := span(st, en)
					if c.own[si][d].overlaps(m) {
						continue
					}
					rs := b.draw(pool, n.count)
					if !chosen {
						day, start, end, rooms, chosen = d, st, en, rs, true
					}
					if b.freeWeekly(si, d, m, rs) {
						day, start, end, rooms = d, st, en, rs
						break
					}
				}
				if !chosen {
					continue
				}
				// When no free slot was found the first candidate stands:
				// the rooms are then shared, which is legal if unusual.
				weeks := ""
				if b.chance(0.15) || c.tier == doctoral && b.chance(0.6) {
					weeks = pick(b, weekOptions)
				}
				add(c, si, day, start, end, label, rooms, weeks)
			}
		}
	}

	// The reserved rooms: every slot of every weekday, exercises of
	// bachelor courses.
	for si := range semesters {
		var busy []*course
		for _, c := range b.courses {
			if c.sched == schedWeekly && c.in(si) && c.tier <= 3 {
				busy = append(busy, c)
			}
		}
		for _, r := range reserved {
			for day := range 5 {
				for _, t := range r.times {
					m := span(t[0], t[1])
					for range 200 {
						if c := busy[b.rng.IntN(len(busy))]; !c.own[si][day].overlaps(m) {
							add(c, si, day, t[0], t[1], "exercice", []int{r.room}, "")
							break
						}
					}
				}
			}
		}
	}

	slices.SortStableFunc(rows, func(x, y sessionRow) int { return cmp.Compare(x.course, y.course) })
	for _, r := range rows {
		b.w.raw.Sessions.Rows = append(b.w.raw.Sessions.Rows, r.row)
	}
}

// in reports whether c is taught in semester si.
func (c *course) in(si int) bool { return si == 0 && c.fall || si == 1 && c.spring }

// labels draws the kinds of weekly session c has in a semester: always a
// lecture; exercises mostly in the first years; sometimes a project or a
// second lecture.
func (b *block) labels(c *course) []string {
	labels := []string{"cours"}
	if c.tier == doctoral {
		return labels
	}
	if b.chance([]float64{0, 0.45, 0.3, 0.15, 0.1}[c.tier]) {
		labels = append(labels, "exercice")
	}
	if b.chance(0.05) {
		labels = append(labels, "projet")
	}
	if c.tier <= 2 && len(labels) < 3 && b.chance(0.05) {
		labels = append(labels, "cours")
	}
	return labels
}

// reservedRoom is a room booked back-to-back all day, every weekday.
type reservedRoom struct {
	room  int
	times [][2]int
}

// reserveRooms picks the rooms booked back-to-back all day: two classrooms
// on EPFL's hours and a computer room in two-hour blocks that touch. It
// takes them out of every pool.
func (b *block) reserveRooms() []reservedRoom {
	var out []reservedRoom
	for _, want := range []struct {
		typ   string
		times [][2]int
	}{{typeClass, epflHours}, {typeClass, epflHours}, {typeComp, touching}} {
		for {
			i := b.rng.IntN(len(b.rooms))
			if r := b.rooms[i]; r.available && !r.reserved && r.typ == want.typ && r.capacity >= 30 {
				r.reserved = true
				out = append(out, reservedRoom{i, want.times})
				break
			}
		}
	}
	return out
}

// sessionNeed says which rooms a weekly session of c wants.
func (b *block) sessionNeed(c *course, label string) need {
	if b.chance(0.03) {
		return need{} // room to be announced
	}
	switch label {
	case "cours":
		if c.tier == 1 && c.cohort > 250 && b.chance(0.35) {
			// Broadcast to a second auditorium.
			return need{[]string{typeAud}, c.cohort / 2, 2}
		}
		return need{[]string{typeAud, typeClass}, min(c.cohort, 250) * 4 / 5, 1}
	case "exercice":
		k := 1
		if c.tier <= 2 {
			k = min(1+c.cohort/90, 3)
		}
		return need{[]string{typeClass, typeComp}, min(c.cohort/k, 60), k}
	default:
		if b.chance(0.25) {
			return need{}
		}
		return need{[]string{typeComp, typeLab, typeClass}, 0, 1}
	}
}

func (b *block) freeWeekly(sem, d int, m mask, rooms []int) bool {
	for _, r := range rooms {
		if b.weekly[sem][r][d].overlaps(m) {
			return false
		}
	}
	return true
}

// teachingDay returns the semester whose weekly sessions happen on d, or -1.
func teachingDay(d time.Time) int {
	wd := d.Weekday()
	if wd == time.Saturday || wd == time.Sunday {
		return -1
	}
	for i, s := range semesters {
		if d.Before(s.start) || d.After(s.end) {
			continue
		}
		for _, r := range s.skip {
			if !d.Before(r[0]) && !d.After(r[1]) {
				return -1
			}
		}
		return i
	}
	return -1
}

// freeOn reports whether the rooms are free on date d for m, counting both
// dated bookings and weekly sessions (whatever their weeks).
func (b *block) freeOn(d time.Time, m mask, rooms []int) bool {
	used := b.dated[d.Format(time.DateOnly)]
	sem := teachingDay(d)
	for _, r := range rooms {
		if used != nil && used[r].overlaps(m) {
			return false
		}
		if sem >= 0 && b.weekly[sem][r][int(d.Weekday())-1].overlaps(m) {
			return false
		}
	}
	return true
}

// book draws a date, a time and rooms, trying to find them free, records
// them and returns the booking row without its course or event fields.
func (b *block) book(date func() time.Time, times func() (int, int), pool []int, count int) source.BookingRow {
	var d time.Time
	var start, end int
	var rooms []int
	for i := range 25 {
		dd := date()
		st, en := times()
		rs := b.draw(pool, count)
		free := b.freeOn(dd, span(st, en), rs)
		if i == 0 || free {
			d, start, end, rooms = dd, st, en, rs
		}
		if free {
			break
		}
	}
	key := d.Format(time.DateOnly)
	if b.dated[key] == nil {
		b.dated[key] = make([]mask, len(b.rooms))
	}
	m := span(start, end)
	for _, r := range rooms {
		b.dated[key][r].add(m)
	}
	return source.BookingRow{Date: key, Start: clock(start), End: clock(end), Rooms: b.roomList(rooms)}
}

var eventKinds = []struct {
	name         string
	weight       float64
	descriptions []string
}{
	{"Réservation ponctuelle", 0.40, []string{"Séance de groupe", "Cours d'appui", "Répétition", "Réunion de projet",
		"Séance d'information", "Entretiens", "Cours de langues", "Atelier", "Séminaire, suivi d'un apéritif"}},
	{"Réservation académique", 0.35, []string{"Soutenance de thèse", "Séminaire EDIC", "Colloque de mathématiques",
		"Séminaire de physique", "Examen oral", "Conférence invitée", "Journée doctorale", "Workshop Data Science",
		"Séance du conseil de section"}},
	{"Evénements", 0.25, []string{"Journée portes ouvertes", "Forum EPFL", "Assemblée générale AGEPoly", "Hackathon",
		`Conférence "Science et société"`, "Cérémonie de remise des diplômes", "Concours de robotique",
		"Rencontre alumni", "Journée des nouveaux étudiants", "Projection de film", "Tournoi d'échecs",
		"Café scientifique"}},
}

// makeBookings generates the dated bookings of the block: exams in the
// exam sessions, a few mid-terms and make-up lectures, the days of the
// doctoral block courses, about 2,000 events all year round (some all day
// in several rooms, some at odd minutes), and some on the first Monday of
// 2027. They are written sorted by
// date and time.
func (b *block) makeBookings() {
	b.dated = map[string][]mask{}
	var rows []source.BookingRow
	allTypes := []string{typeAud, typeClass, typeComp, typeLab, typeUnknown}
	big := b.pool(need{[]string{typeAud}, 150, 4}, nil, false)
	examSlot := func() (int, int) {
		s := pick(b, [][2]int{{495, 675}, {555, 735}, {855, 1035}, {975, 1155}, {555, 675}, {855, 975}})
		return s[0], s[1]
	}
	window := func(first time.Time) func() time.Time {
		return func() time.Time { return first.AddDate(0, 0, 7*b.rng.IntN(4)+b.rng.IntN(5)) }
	}
	fallExams, springExams := window(day(2027, 1, 18)), window(day(2027, 6, 14))
	examRooms := func(c *course) ([]int, int) {
		switch c.tier {
		case 1:
			return big, 2 + b.rng.IntN(3)
		case 2:
			return b.pool(need{[]string{typeAud, typeClass}, 60, 2}, nil, false), 1 + b.rng.IntN(2)
		}
		return b.pool(need{[]string{typeAud, typeClass}, c.cohort, 1}, sections[c.section].areas, true), 1
	}
	for _, c := range b.courses {
		if c.tier == doctoral {
			if c.sched == schedBlock {
				rows = append(rows, b.blockCourse(c)...)
			}
			continue
		}
		if c.sched != schedNone && b.chance(0.28) {
			date := fallExams
			if !c.fall || c.spring && b.chance(0.5) {
				date = springExams
			}
			pool, k := examRooms(c)
			r := b.book(date, examSlot, pool, k)
			r.Course, r.Label = c.code, "exam"
			rows = append(rows, r)
		}
		if c.tier <= 2 && b.chance(0.06) {
			s := semesters[0]
			if !c.fall {
				s = semesters[1]
			}
			date := func() time.Time {
				for {
					d := s.start.AddDate(0, 0, 7*(6+b.rng.IntN(2))+b.rng.IntN(5))
					if teachingDay(d) >= 0 {
						return d
					}
				}
			}
			pool, k := examRooms(c)
			evening := func() (int, int) { s := pick(b, []int{1035, 1095}); return s, s + 105 }
			r := b.book(date, evening, pool, k)
			r.Course, r.Label = c.code, "exam"
			rows = append(rows, r)
		}
		if b.chance(0.02) {
			s := semesters[0]
			if !c.fall {
				s = semesters[1]
			}
			// A make-up lecture on a Saturday morning.
			date := func() time.Time { return s.start.AddDate(0, 0, 5+7*b.rng.IntN(teachingWeeks-1)) }
			pool := b.pool(need{[]string{typeAud, typeClass}, min(c.cohort, 200), 1}, sections[c.section].areas, true)
			r := b.book(date, func() (int, int) { return 555, 720 }, pool, 1)
			r.Course, r.Label = c.code, "cours"
			rows = append(rows, r)
		}
	}
	anyRoom := b.pool(need{allTypes, 0, 3}, nil, false)
	large := b.pool(need{[]string{typeAud, typeClass}, 80, 3}, nil, false)
	yearDay := func() time.Time { return day(2026, 8, 24).AddDate(0, 0, b.rng.IntN(341)) }
	eventTimes := func(d time.Time) func() (int, int) {
		return func() (int, int) {
			if wd := d.Weekday(); wd == time.Saturday || wd == time.Sunday {
				s := pick(b, [][2]int{{540, 1020}, {480, 1080}, {600, 960}, {780, 1080}})
				return s[0], s[1]
			}
			switch x := b.rng.Float64(); {
			case x < 0.1:
				start := 7*60 + 15*b.rng.IntN(52)
				return start, start + 15*(2+b.rng.IntN(14))
			case x < 0.5:
				s := pick(b, [][2]int{{1035, 1140}, {1095, 1200}, {1080, 1320}, {1020, 1170}})
				return s[0], s[1]
			case x < 0.7:
				s := pick(b, [][2]int{{735, 780}, {720, 825}})
				return s[0], s[1]
			default:
				s := pick(b, [][2]int{{555, 720}, {840, 1050}, {480, 720}, {795, 1020}})
				return s[0], s[1]
			}
		}
	}
	events := 1900 + b.rng.IntN(200)
	for range events {
		x := b.rng.Float64()
		kind := eventKinds[0]
		for _, k := range eventKinds {
			kind = k
			if x < k.weight {
				break
			}
			x -= k.weight
		}
		pool := anyRoom
		if kind.name == "Evénements" {
			pool = large
		}
		k := 1
		if y := b.rng.Float64(); y < 0.05 {
			k = 3
		} else if y < 0.2 {
			k = 2
		}
		d := yearDay()
		times := eventTimes(d)
		switch x := b.rng.Float64(); {
		case x < 0.015:
			// All day in three to six rooms: a forum, a fair, a congress.
			times, pool, k = func() (int, int) { return 480, 1080 }, large, 3+b.rng.IntN(4)
		case x < 0.115:
			// Off the quarter-hour grid, as bookers type them.
			times = b.oddTimes
		}
		r := b.book(func() time.Time { return d }, times, pool, k)
		r.Name = kind.name
		if !b.chance(0.08) {
			r.Description = pick(b, kind.descriptions)
		}
		rows = append(rows, r)
	}
	// The first Monday of 2027 (ISO week 1) and the Monday before it (ISO
	// week 53 of 2026) catch week-numbering mistakes.
	jan4 := func() time.Time { return day(2027, 1, 4) }
	var fallCourse *course
	for _, c := range b.courses {
		if c.fall && c.tier >= 2 && fallCourse == nil {
			fallCourse = c
		}
	}
	r := b.book(jan4, examSlot, big, 1)
	r.Course, r.Label = fallCourse.code, "exam"
	rows = append(rows, r)
	r = b.book(jan4, func() (int, int) { return 795, 1020 }, large, 1)
	r.Name, r.Description = "Réservation ponctuelle", "Cours d'hiver de mathématiques"
	rows = append(rows, r)
	r = b.book(jan4, func() (int, int) { return 1020, 1140 }, large, 2)
	r.Name, r.Description = "Evénements", "Apéritif de nouvel an"
	rows = append(rows, r)
	r = b.book(func() time.Time { return day(2026, 12, 28) }, func() (int, int) { return 540, 720 }, anyRoom, 1)
	r.Name, r.Description = "Réservation académique", "Séminaire doctoral d'hiver"
	rows = append(rows, r)

	slices.SortStableFunc(rows, func(x, y source.BookingRow) int {
		return cmp.Or(cmp.Compare(x.Date, y.Date), cmp.Compare(x.Start, y.Start), cmp.Compare(x.End, y.End),
			cmp.Compare(x.Rooms, y.Rooms), cmp.Compare(x.Course, y.Course), cmp.Compare(x.Name, y.Name))
	})
	b.w.raw.Bookings.Rows = append(b.w.raw.Bookings.Rows, rows...)
}

// oddTimes draws the times of an event booked off the quarter-hour grid,
// such as 09:07–10:53: its start, its end or both are not on the grid.
func (b *block) oddTimes() (int, int) {
	start := 7*60 + b.rng.IntN(12*60)
	end := start + 20 + b.rng.IntN(140)
	if start%15 == 0 && end%15 == 0 {
		end += 1 + b.rng.IntN(14)
	}
	return start, end
}

// blockCourse books the days of a doctoral block course: three to five
// consecutive weekdays of a teaching week of its semester, or of the weeks
// between the semesters, with a morning and often an afternoon in one room.
func (b *block) blockCourse(c *course) []source.BookingRow {
	si := 1
	if c.fall && (!c.spring || b.chance(0.5)) {
		si = 0
	}
	// The weeks after the semester's exams, or one of its teaching weeks.
	monday := semesters[si].start.AddDate(0, 0, 7*b.rng.IntN(teachingWeeks))
	if b.chance(0.3) {
		monday = [2]time.Time{day(2027, 2, 1), day(2027, 7, 5)}[si].AddDate(0, 0, 7*b.rng.IntN(2))
	}
	days := 3 + b.rng.IntN(3)
	first := b.rng.IntN(6 - days)
	afternoon := b.chance(0.5)
	pool := b.pool(need{[]string{typeClass, typeComp}, c.cohort, 1}, sections[c.section].areas, true)
	var rows []source.BookingRow
	for i := range days {
		d := monday.AddDate(0, 0, first+i)
		if skipped(d) {
			continue
		}
		date := func() time.Time { return d }
		r := b.book(date, func() (int, int) { return 555, 720 }, pool, 1)
		r.Course, r.Label = c.code, "cours"
		rows = append(rows, r)
		if afternoon {
			r := b.book(date, func() (int, int) { return 795, 1020 }, pool, 1)
			r.Course, r.Label = c.code, "exercice"
			rows = append(rows, r)
		}
	}
	return rows
}

// skipped reports whether d is a skip date of a semester.
func skipped(d time.Time) bool {
	for _, s := range semesters {
		for _, r := range s.skip {
			if !d.Before(r[0]) && !d.After(r[1]) {
				return true
			}
		}
	}
	return false
}
