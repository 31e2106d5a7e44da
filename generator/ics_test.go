package generator_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"occupancy/generator/tree"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	ics "github.com/arran4/golang-ical"

	"occupancy/generator"
	"occupancy/source"
	"occupancy/source/sample"
)

var feedKinds = map[string]string{
	tree.KindRoomFeed:      "rooms",
	tree.KindCourseFeed:    "courses",
	tree.KindStudyPlanFeed: "studyplans",
}

func mustZone(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

func mustRender(tb testing.TB, rel *source.Release, opt generator.Options) map[string]tree.File {
	tb.Helper()
	files, err := generator.Render(rel, opt)
	if err != nil {
		tb.Fatal(err)
	}
	out := make(map[string]tree.File, len(files))
	for _, f := range files {
		out[f.Path] = f
	}
	return out
}

// feedsOf returns the feeds among files, by path.
func feedsOf(files map[string]tree.File) map[string]tree.File {
	out := map[string]tree.File{}
	for p, f := range files {
		if _, ok := feedKinds[f.Kind]; ok {
			out[p] = f
		}
	}
	return out
}

// checkLines checks a feed's physical form (RFC 5545 §3.1): every line
// ends with CRLF, has at most 75 octets, holds whole UTF-8 characters, and
// no CR or LF stands alone.
func checkLines(tb testing.TB, name string, data []byte) (folded int) {
	tb.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		tb.Errorf("%s does not end with CRLF", name)
	}
	rest := bytes.TrimSuffix(data, []byte("\r\n"))
	for i := 0; len(rest) > 0 || i == 0; i++ {
		l, after, _ := bytes.Cut(rest, []byte("\r\n"))
		rest = after
		switch {
		case len(l) > 75:
			tb.Errorf("%s line %d has %d octets: %q", name, i+1, len(l), l)
		case len(l) == 0:
			tb.Errorf("%s line %d is empty", name, i+1)
		case bytes.ContainsAny(l, "\r\n"):
			tb.Errorf("%s line %d holds a bare CR or LF: %q", name, i+1, l)
		case !utf8.Valid(l):
			tb.Errorf("%s line %d is cut inside a UTF-8 character: %q", name, i+1, l)
		case l[0] == ' ' && i == 0:
			tb.Errorf("%s starts with a continuation line", name)
		case l[0] == ' ':
			folded++
		}
	}
	return folded
}

func parseFeed(tb testing.TB, name string, data []byte) *ics.Calendar {
	tb.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("%s does not parse: %v\n%s", name, err, data)
	}
	props := map[string]string{}
	for _, p := range cal.CalendarProperties {
		props[p.IANAToken] = p.Value
	}
	if props["VERSION"] != "2.0" || props["PRODID"] == "" {
		tb.Errorf("%s: VERSION %q, PRODID %q", name, props["VERSION"], props["PRODID"])
	}
	return cal
}

func prop(c *ics.ComponentBase, name string) string {
	if p := c.GetProperty(ics.ComponentProperty(name)); p != nil {
		return p.Value
	}
	return ""
}

// schedule is an entry of any JSON schedule list.
type schedule struct {
	Start       string `json:"start_datetime"`
	End         string `json:"end_datetime"`
	Label       string `json:"label"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Course      *struct {
		Code, Name string
	} `json:"course"`
	Rooms []struct{ Name string } `json:"rooms"`
}

type detail struct {
	Name      string     `json:"name"`
	Code      string     `json:"code"`
	Schedules []schedule `json:"schedules"`
}

var uidRe = regexp.MustCompile(`^[0-9a-f]{32}@occupancy\.invalid$`)

// TestFeedsMatchJSON parses every feed of the fixture back with an
// iCalendar library and checks it against the JSON of the same entity:
// one event per schedule entry, in order, with its local start and end,
// summary, rooms, label and a unique UID; times carry the campus TZID
// and resolve to the right instants.
func TestFeedsMatchJSON(t *testing.T) {
	zurich := mustZone(t, "Europe/Zurich")
	for _, opt := range []generator.Options{{}, {RFC3339: true, Location: zurich}} {
		t.Run(optionsName(opt), func(t *testing.T) {
			files := mustRender(t, fixture(t), opt)
			feeds := feedsOf(files)
			want := []string{
				"api/courses/CS-305.ics", "api/courses/HUM-200.ics", "api/courses/MATH-101.ics",
				"api/rooms/BC01.ics", "api/rooms/CO1.ics", "api/rooms/GC_A1_416.ics",
				"api/studyplans/6b090e389c963b7fee731dbe.ics", "api/studyplans/" + sourceID("IN-BA6", "Semestre de printemps 2027") + ".ics",
			}
			if got := slices.Sorted(maps.Keys(feeds)); !slices.Equal(got, want) {
				t.Fatalf("feeds %v, want %v (OLD1 is unavailable: no feed)", got, want)
			}
			for p, f := range feeds {
				checkLines(t, p, f.Data)
				cal := parseFeed(t, p, f.Data)
				if tz := cal.Timezones(); len(tz) != 1 || prop(&tz[0].ComponentBase, "TZID") != "Europe/Zurich" {
					t.Errorf("%s: want one VTIMEZONE Europe/Zurich", p)
				}
				var d detail
				jsonPath := strings.TrimSuffix(p, tree.FeedExt) + "/index.json"
				if err := json.Unmarshal(files[jsonPath].Data, &d); err != nil {
					t.Fatalf("%s: %v", jsonPath, err)
				}
				events := cal.Events()
				if len(events) != len(d.Schedules) {
					t.Errorf("%s has %d events, %s %d schedules", p, len(events), jsonPath, len(d.Schedules))
					continue
				}
				uids := map[string]bool{}
				for i, ev := range events {
					s := d.Schedules[i]
					uid := ev.Id()
					if !uidRe.MatchString(uid) || uids[uid] {
						t.Errorf("%s event %d: UID %q malformed or repeated", p, i, uid)
					}
					uids[uid] = true
					if prop(&ev.ComponentBase, "DTSTAMP") != "20260907T000000Z" {
						t.Errorf("%s event %d: DTSTAMP %q, want the release's first day", p, i, prop(&ev.ComponentBase, "DTSTAMP"))
					}
					for _, which := range []string{"DTSTART", "DTEND"} {
						dt := ev.GetProperty(ics.ComponentProperty(which))
						if dt == nil || len(dt.ICalParameters["TZID"]) != 1 || dt.ICalParameters["TZID"][0] != "Europe/Zurich" {
							t.Errorf("%s event %d: %s without TZID=Europe/Zurich", p, i, which)
						}
					}
					start, err1 := ev.GetStartAt()
					end, err2 := ev.GetEndAt()
					if err := errors.Join(err1, err2); err != nil {
						t.Fatalf("%s event %d: %v", p, i, err)
					}
					if got, want := wallClock(start, zurich), fakeUTC(t, opt, s.Start, zurich); !got.Equal(want) {
						t.Errorf("%s event %d starts at %s local, want %s", p, i, got, want)
					}
					if got, want := wallClock(end, zurich), fakeUTC(t, opt, s.End, zurich); !got.Equal(want) {
						t.Errorf("%s event %d ends at %s local, want %s", p, i, got, want)
					}
					summary, code := s.Name, ""
					if s.Course != nil {
						summary, code = s.Course.Code+" "+s.Course.Name, s.Course.Code
					} else if d.Code != "" { // a course's own schedule
						summary, code = d.Code+" ", d.Code
					}
					if got := prop(&ev.ComponentBase, "SUMMARY"); !strings.HasPrefix(got, summary) || code != "" && !strings.HasPrefix(got, code+" ") {
						t.Errorf("%s event %d: SUMMARY %q, want %q", p, i, got, summary)
					}
					desc := s.Label
					if s.Description != "" {
						desc += "\n" + s.Description
					}
					if got := prop(&ev.ComponentBase, "DESCRIPTION"); got != desc {
						t.Errorf("%s event %d: DESCRIPTION %q, want %q", p, i, got, desc)
					}
					if got := prop(&ev.ComponentBase, "CATEGORIES"); got != s.Label {
						t.Errorf("%s event %d: CATEGORIES %q, want %q", p, i, got, s.Label)
					}
					loc := prop(&ev.ComponentBase, "LOCATION")
					if strings.Contains(loc, "OLD1") {
						t.Errorf("%s event %d names the unavailable room: %q", p, i, loc)
					}
					if strings.HasPrefix(p, "api/rooms/") && !slices.Contains(strings.Split(loc, ", "), d.Name) {
						t.Errorf("%s event %d: LOCATION %q lacks the room", p, i, loc)
					}
					if s.Rooms != nil {
						var names []string
						for _, r := range s.Rooms {
							names = append(names, r.Name)
						}
						if want := strings.Join(names, ", "); loc != want {
							t.Errorf("%s event %d: LOCATION %q, want %q", p, i, loc, want)
						}
					}
				}
			}
		})
	}
}

// wallClock returns t's wall-clock time in loc, written as UTC.
func wallClock(t time.Time, loc *time.Location) time.Time {
	t = t.In(loc)
	return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, time.UTC)
}

// fakeUTC parses a JSON datetime into campus wall-clock time written as
// UTC.
func fakeUTC(tb testing.TB, opt generator.Options, s string, loc *time.Location) time.Time {
	tb.Helper()
	layout := "2006-01-02T15:04:05.000Z"
	if opt.RFC3339 {
		layout = time.RFC3339
	}
	v, err := time.Parse(layout, s)
	if err != nil {
		tb.Fatal(err)
	}
	if opt.RFC3339 {
		return wallClock(v, loc)
	}
	return v
}

func date(s string) source.Date {
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return d
}

// dstRelease has a Monday 08:15 lecture every week of a semester that
// spans the end of summer time (2026-10-25) and of the next spring's
// start (2027-03-28).
func dstRelease() *source.Release {
	return &source.Release{
		Semesters: []source.Semester{{Name: "Year 2026-2027", Type: source.Year, Start: date("2026-10-12"), End: date("2027-04-09")}},
		Rooms:     []source.Room{{Name: "CO1", Type: "AUDITOIRE", Available: true}},
		Courses:   []source.Course{{Code: "CS-101", Name: "Intro"}},
		Sessions: []source.Session{{
			Course: "CS-101", Label: "cours", Weekday: time.Monday, Start: 8*60 + 15, End: 10 * 60,
			Rooms: []string{"CO1"}, Semester: "Year 2026-2027",
		}},
	}
}

// TestFeedAcrossDST: a Monday 08:15 lecture stays 08:15 local on both
// sides of the change to winter time on 2026-10-25 (06:15 UTC, then
// 07:15 UTC) and back to summer time on 2027-03-28, both as the library
// resolves the TZID and as the feed's own VTIMEZONE says.
func TestFeedAcrossDST(t *testing.T) {
	zurich := mustZone(t, "Europe/Zurich")
	files := mustRender(t, dstRelease(), generator.Options{Location: zurich})
	for _, p := range []string{"api/rooms/CO1.ics", "api/courses/CS-101.ics"} {
		data := files[p].Data
		cal := parseFeed(t, p, data)
		zone := observances(t, cal)
		utc := map[string]string{}
		for _, ev := range cal.Events() {
			start, err := ev.GetStartAt()
			if err != nil {
				t.Fatal(err)
			}
			local := prop(&ev.ComponentBase, "DTSTART")
			if !strings.HasSuffix(local, "T081500") {
				t.Errorf("%s: DTSTART %s is not 08:15 local", p, local)
			}
			byZone := zone.resolve(t, local)
			if !byZone.Equal(start) {
				t.Errorf("%s: %s is %s by the VTIMEZONE, %s by Go's zone data", p, local, byZone.UTC(), start.UTC())
			}
			utc[local[:8]] = start.UTC().Format("15:04")
		}
		for day, want := range map[string]string{
			"20261019": "06:15", "20261026": "07:15", // winter time from 2026-10-25
			"20270322": "07:15", "20270329": "06:15", // summer time from 2027-03-28
		} {
			if utc[day] != want {
				t.Errorf("%s: the lecture of %s is at %s UTC, want %s", p, day, utc[day], want)
			}
		}
	}
}

// zoneRules is a VTIMEZONE as parsed: its observances' onsets (UTC) and
// offsets.
type zoneRules struct {
	onsets  []time.Time
	offsets []int // seconds east of UTC, from each onset on
	dst     []bool
}

func observances(tb testing.TB, cal *ics.Calendar) *zoneRules {
	tb.Helper()
	tzs := cal.Timezones()
	if len(tzs) != 1 {
		tb.Fatalf("%d VTIMEZONEs, want 1", len(tzs))
	}
	z := &zoneRules{}
	for _, c := range tzs[0].Components {
		var base *ics.ComponentBase
		var dst bool
		switch c := c.(type) {
		case *ics.Standard:
			base = &c.ComponentBase
		case *ics.Daylight:
			base, dst = &c.ComponentBase, true
		default:
			tb.Fatalf("unexpected %T in VTIMEZONE", c)
		}
		from, to := parseOffset(tb, prop(base, "TZOFFSETFROM")), parseOffset(tb, prop(base, "TZOFFSETTO"))
		onset, err := time.Parse("20060102T150405", prop(base, "DTSTART"))
		if err != nil || base.GetProperty(ics.ComponentPropertyRrule) != nil || prop(base, "TZNAME") == "" {
			tb.Fatalf("observance %v: DTSTART %v, or it has an RRULE, or no TZNAME", base.Properties, err)
		}
		onset = onset.Add(-time.Duration(from) * time.Second) // DTSTART is local time before the onset
		if n := len(z.onsets); n > 0 && (!onset.After(z.onsets[n-1]) || from != z.offsets[n-1]) {
			tb.Fatalf("observance at %s: out of order, or TZOFFSETFROM %d is not the previous TZOFFSETTO %d", onset, from, z.offsets[n-1])
		}
		z.onsets = append(z.onsets, onset)
		z.offsets = append(z.offsets, to)
		z.dst = append(z.dst, dst)
	}
	return z
}

func parseOffset(tb testing.TB, s string) int {
	tb.Helper()
	var h, m int
	if len(s) != 5 || (s[0] != '+' && s[0] != '-') {
		tb.Fatalf("bad UTC offset %q", s)
	}
	fmt.Sscanf(s[1:], "%02d%02d", &h, &m)
	off := h*3600 + m*60
	if s[0] == '-' {
		off = -off
	}
	return off
}

// at returns the observance in effect at instant u, or -1 before the
// first.
func (z *zoneRules) at(u time.Time) int {
	i := -1
	for j, o := range z.onsets {
		if !o.After(u) {
			i = j
		}
	}
	return i
}

// resolve converts a local date-time of the zone to an instant.
func (z *zoneRules) resolve(tb testing.TB, local string) time.Time {
	tb.Helper()
	l, err := time.Parse("20060102T150405", local)
	if err != nil {
		tb.Fatal(err)
	}
	for _, off := range z.offsets {
		u := l.Add(-time.Duration(off) * time.Second)
		if i := z.at(u); i >= 0 && z.offsets[i] == off {
			return u
		}
	}
	tb.Fatalf("%s is not covered by the VTIMEZONE", local)
	return time.Time{}
}

// TestFeedVTimezone checks the VTIMEZONE that the feeds carry against
// Go's time zone data, hour by hour over every year the release spans,
// for zones north and south of the equator, without summer time, with a
// half-hour offset, and UTC.
func TestFeedVTimezone(t *testing.T) {
	for _, name := range []string{"Europe/Zurich", "America/New_York", "Australia/Sydney", "Asia/Kolkata", "Australia/Adelaide", "UTC"} {
		t.Run(name, func(t *testing.T) {
			loc := mustZone(t, name)
			files := mustRender(t, dstRelease(), generator.Options{Location: loc})
			data := files["api/rooms/CO1.ics"].Data
			cal := parseFeed(t, name, data)
			z := observances(t, cal)
			if got := prop(&cal.Timezones()[0].ComponentBase, "TZID"); got != name {
				t.Errorf("%s: TZID %q", name, got)
			}
			if !bytes.Contains(data, []byte("DTSTART;TZID="+name+":20261012T081500\r\n")) {
				t.Errorf("%s: the first lecture is not at 08:15 local with the TZID", name)
			}
			from := time.Date(2026, 1, 1, 0, 0, 0, 0, loc)
			to := time.Date(2028, 1, 1, 0, 0, 0, 0, loc)
			for u := from; u.Before(to); u = u.Add(time.Hour) {
				i := z.at(u)
				_, off := u.Zone()
				if i < 0 || z.offsets[i] != off || z.dst[i] != u.IsDST() {
					t.Fatalf("%s at %s: VTIMEZONE observance %d, Go says offset %d dst %v", name, u.UTC(), i, off, u.IsDST())
				}
			}
		})
	}
}

// uidsByStart maps each event's DTSTART (and summary) to its UID.
func uidsByStart(tb testing.TB, name string, data []byte) map[string]string {
	tb.Helper()
	out := map[string]string{}
	for _, ev := range parseFeed(tb, name, data).Events() {
		key := prop(&ev.ComponentBase, "DTSTART") + " " + prop(&ev.ComponentBase, "SUMMARY") + " " + prop(&ev.ComponentBase, "CATEGORIES")
		if _, dup := out[key]; dup {
			tb.Fatalf("%s: two events %s", name, key)
		}
		out[key] = ev.Id()
	}
	return out
}

// TestFeedUIDs: UIDs are the same from one render to the next and from
// one release to the next when an event's course and start stay (its
// rooms, name or end may change); they differ between the occurrences of
// a feed, also when two share course and start, and between the feeds
// that list one occurrence.
func TestFeedUIDs(t *testing.T) {
	a := mustRender(t, fixture(t), generator.Options{})
	b := mustRender(t, fixture(t), generator.Options{})
	for p, f := range feedsOf(a) {
		if !bytes.Equal(f.Data, b[p].Data) {
			t.Errorf("%s differs between two renders", p)
		}
	}

	// The next release: CS-305's lecture moves out of BC01 and ends later,
	// the course is renamed, and a booking is added.
	raw := fixtureRaw()
	raw.Sessions.Rows[0].Rooms = "CO1"
	raw.Sessions.Rows[0].End = "10:30"
	raw.Courses.Rows[0].Name = "Software engineering (new)"
	raw.Bookings.Rows = append(raw.Bookings.Rows, source.BookingRow{Line: 9, Date: "2026-09-30", Start: "08:00", End: "09:00", Rooms: "CO1", Name: "Visit"})
	rel, err := check(raw)
	if err != nil {
		t.Fatal(err)
	}
	next := mustRender(t, rel, generator.Options{})
	before := uidsByStart(t, "before", a["api/courses/CS-305.ics"].Data)
	after := uidsByStart(t, "after", next["api/courses/CS-305.ics"].Data)
	for k, uid := range before {
		k2 := strings.Replace(k, "Software engineering", "Software engineering (new)", 1)
		if after[k2] != uid {
			t.Errorf("the UID of %s changed from %s to %s", k, uid, after[k2])
		}
	}
	if len(after) != len(before) {
		t.Errorf("%d events after, %d before", len(after), len(before))
	}

	// One occurrence has a different UID in each feed that lists it.
	all := map[string]string{}
	for p, f := range feedsOf(a) {
		for k, uid := range uidsByStart(t, p, f.Data) {
			if prev, dup := all[uid]; dup {
				t.Errorf("UID %s is in %s and %s", uid, prev, p+" "+k)
			}
			all[uid] = p + " " + k
		}
	}

	// Two sessions of one course at one time (a lecture and an exercise
	// group), and the same session twice: every event has its own UID.
	rel = dstRelease()
	s := rel.Sessions[0]
	ex := s
	ex.Label = "exercice"
	rel.Sessions = append(rel.Sessions, ex, s)
	files := mustRender(t, rel, generator.Options{})
	cal := parseFeed(t, "CS-101", files["api/courses/CS-101.ics"].Data)
	seen := map[string]bool{}
	for _, ev := range cal.Events() {
		if seen[ev.Id()] {
			t.Errorf("UID %s repeated", ev.Id())
		}
		seen[ev.Id()] = true
	}
	if n := len(dstRelease().Sessions[0].Dates(&rel.Semesters[0])) * 3; len(seen) != n {
		t.Errorf("%d distinct UIDs, want %d", len(seen), n)
	}
}

// TestFeedEscaping: commas, semicolons, backslashes, line breaks, control
// characters and non-ASCII text in names are escaped as RFC 5545 TEXT, and
// long lines are folded at 75 octets without cutting a character; the
// library reads the same text back.
func TestFeedEscaping(t *testing.T) {
	rel := dstRelease()
	room := "Salle 1, aile B; étage 2 \\ 名前"
	courseName := "Algèbre, linéaire; \"avancée\"\r\nII \\ notes\x07 — équations différentielles ordinaires et aux dérivées partielles ✓"
	rel.Rooms = append(rel.Rooms, source.Room{Name: room, Type: "lab", Available: true})
	rel.Courses[0].Name = courseName
	rel.Sessions[0].Rooms = []string{"CO1", room}
	rel.Sessions[0].Label = "cours, théorie; 1"
	rel.Bookings = []source.Booking{{
		Date: date("2026-10-14"), Start: 18 * 60, End: 20 * 60, Rooms: []string{room},
		Label: "event", Name: "Forum: «Zürich», Genève; Lausanne\nsoirée", Description: strings.Repeat("Ünïcödé ", 20),
	}}
	files := mustRender(t, rel, generator.Options{})
	p := tree.FeedPath("rooms", room)
	if p != "api/rooms/"+room+".ics" {
		t.Errorf("FeedPath = %q", p)
	}
	data := files[p].Data
	if folded := checkLines(t, p, data); folded == 0 {
		t.Errorf("%s: no line was folded", p)
	}
	for _, want := range []string{`Salle 1\, aile B\; étage 2 \\ 名前`, `linéaire\; "avancée"\nII \\ notes `, `cours\, théorie\; 1`} {
		if !bytes.Contains(bytes.ReplaceAll(data, []byte("\r\n "), nil), []byte(want)) {
			t.Errorf("%s lacks %q", p, want)
		}
	}
	cal := parseFeed(t, p, data)
	events := cal.Events()
	if len(events) == 0 {
		t.Fatal("no events")
	}
	cleanName := strings.ReplaceAll(strings.ReplaceAll(courseName, "\r\n", "\n"), "\x07", " ")
	var sawCourse, sawEvent bool
	for _, ev := range events {
		switch summary := prop(&ev.ComponentBase, "SUMMARY"); {
		case strings.HasPrefix(summary, "CS-101 "):
			sawCourse = true
			if summary != "CS-101 "+cleanName {
				t.Errorf("SUMMARY read back %q, want %q", summary, "CS-101 "+cleanName)
			}
			if got := prop(&ev.ComponentBase, "LOCATION"); got != "CO1, "+room {
				t.Errorf("LOCATION read back %q", got)
			}
			if got := prop(&ev.ComponentBase, "CATEGORIES"); got != "cours, théorie; 1" {
				t.Errorf("CATEGORIES read back %q", got)
			}
		default:
			sawEvent = true
			if want := rel.Bookings[0].Name; summary != want {
				t.Errorf("SUMMARY read back %q, want %q", summary, want)
			}
			if got, want := prop(&ev.ComponentBase, "DESCRIPTION"), "event\n"+rel.Bookings[0].Description; got != want {
				t.Errorf("DESCRIPTION read back %q, want %q", got, want)
			}
		}
	}
	if !sawCourse || !sawEvent {
		t.Errorf("course events %v, event %v", sawCourse, sawEvent)
	}
	// The feed's name is escaped too.
	for _, cp := range cal.CalendarProperties {
		if cp.IANAToken == "X-WR-CALNAME" && cp.Value != room {
			t.Errorf("X-WR-CALNAME read back %q", cp.Value)
		}
	}
}

// TestFeedNames: a feed sits beside its entity's folder, so room "X.ics"
// would take the path of room X's feed and answer at a feed's URL: an
// available room or a course whose name ends in ".ics", in any case, is
// refused, every one named.
func TestFeedNames(t *testing.T) {
	// A name ending in ".ics" would take a feed's URL: the release is
	// refused with a positioned error. Inner ".ics" is a plain name.
	raw := fixtureRaw()
	raw.Rooms.Rows = append(raw.Rooms.Rows, source.RoomRow{Line: 100, Name: "Lab.ICS", Type: "lab"})
	if _, err := check(raw); !errors.Is(err, source.ErrBadName) || !strings.Contains(err.Error(), "rooms row 100, column name") {
		t.Fatalf("a room named Lab.ICS: %v", err)
	}
	raw = fixtureRaw()
	for i, n := range []string{"a.ics.b", "ics", ".icsx"} {
		raw.Rooms.Rows = append(raw.Rooms.Rows, source.RoomRow{Line: 100 + i, Name: n, Type: "lab"})
	}
	rel, err := check(raw)
	if err != nil {
		t.Fatal(err)
	}
	files, err := generator.Render(rel, generator.Options{})
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]bool{}
	for _, f := range files {
		paths[f.Path] = true
	}
	for _, n := range []string{"a.ics.b", "ics", ".icsx"} {
		if !paths["api/rooms/"+n+".ics"] || !paths["api/rooms/"+n+"/index.json"] {
			t.Errorf("room %q: feed or detail missing", n)
		}
	}
}

// TestSampleFeeds renders the embedded sample and checks every feed's
// physical form and event count against its JSON.
func TestSampleFeeds(t *testing.T) {
	if testing.Short() {
		t.Skip("renders the sample")
	}
	rel, err := sample.Release()
	if err != nil {
		t.Fatal(err)
	}
	files := mustRender(t, rel, generator.Options{})
	feeds := feedsOf(files)
	n, size := 0, 0
	for p, f := range feeds {
		checkLines(t, p, f.Data)
		// Every schedule entry, and nothing else in a detail, has a
		// start_datetime.
		schedules := bytes.Count(files[strings.TrimSuffix(p, tree.FeedExt)+"/index.json"].Data, []byte(`"start_datetime":`))
		if got := bytes.Count(f.Data, []byte("BEGIN:VEVENT\r\n")); got != schedules {
			t.Errorf("%s: %d events, %d schedules", p, got, schedules)
		}
		n += schedules
		size += len(f.Data)
	}
	available := 0
	for _, r := range rel.Rooms {
		if r.Available {
			available++
		}
	}
	if want := available + len(rel.Courses) + len(rel.StudyPlans); len(feeds) != want {
		t.Errorf("%d feeds, want %d", len(feeds), want)
	}
	t.Logf("%d feeds, %d events, %d bytes", len(feeds), n, size)
}

// duplicatedSessions is dstRelease with its one weekly session repeated n
// times, identical, as a careless export or a hostile release has it.
func duplicatedSessions(tb testing.TB, n int) *source.Release {
	tb.Helper()
	rel := dstRelease()
	s := rel.Sessions[0]
	rel.Sessions = rel.Sessions[:0]
	for range n {
		rel.Sessions = append(rel.Sessions, s)
	}
	return rel
}

// TestFeedManyDuplicates: a weekly session repeated 300 times gives, at
// each start, 300 events numbered #1 to #300 in order, every UID distinct,
// in the course's feed and the room's alike (the numbering is linear in
// the events of one start; BenchmarkFeedDuplicates shows its growth).
func TestFeedManyDuplicates(t *testing.T) {
	const n = 300
	rel := duplicatedSessions(t, n)
	files := mustRender(t, rel, generator.Options{})
	weeks := len(rel.Sessions[0].Dates(&rel.Semesters[0]))
	for _, p := range []string{"api/courses/CS-101.ics", "api/rooms/CO1.ics"} {
		t.Run(p, func(t *testing.T) {
			cal := parseFeed(t, p, files[p].Data)
			seen := map[string]bool{}
			for _, ev := range cal.Events() {
				if seen[ev.Id()] {
					t.Fatalf("UID %s repeated", ev.Id())
				}
				seen[ev.Id()] = true
			}
			if len(seen) != n*weeks {
				t.Errorf("%d distinct UIDs, want %d", len(seen), n*weeks)
			}
		})
	}
	// The same release again gives the same UIDs: numbering follows the
	// occurrences' order, not a map's.
	again := mustRender(t, duplicatedSessions(t, n), generator.Options{})
	if !bytes.Equal(files["api/courses/CS-101.ics"].Data, again["api/courses/CS-101.ics"].Data) {
		t.Error("two renders of the same release differ")
	}
}
