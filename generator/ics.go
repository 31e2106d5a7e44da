package generator

// Calendar feeds: an iCalendar (RFC 5545) file per room, course and study
// plan, beside the JSON of the same entity, so that people can subscribe
// to a timetable in their calendar app.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"occupancy/source"
)

// FeedZone is the campus time zone of the feeds when [Options.Location] is
// nil.
const FeedZone = "Europe/Zurich"

// UIDDomain ends every event UID. It is a reserved name (RFC 2606), so a
// UID can never clash with one of another producer.
const UIDDomain = "occupancy.invalid"

// feeds renders calendar feeds. An occurrence's event is its dates and
// a template (summary, location, description, categories) that the
// occurrences of one origin (a weekly session) share, so that memory
// holds a template per session and booking, not an event per occurrence.
type feeds struct {
	r        *renderer
	tz       []byte   // the VTIMEZONE component
	tzid     string   // its name, as a property parameter value
	stamp    string   // the DTSTAMP line of every event
	tmpl     []string // per origin: the identity of its events, NUL, its lines
	identLen []int32  // per origin: the length of that identity
	in       []byte   // scratch: what a UID hashes
	keys     []string // scratch: the keys of a group of events that start together
	calprops []byte   // VERSION, PRODID, CALSCALE
}

// newFeeds prepares the calendar feeds of every available room, every
// course and every study plan, which their entities' files put (see
// feeds.feed).
func (r *renderer) newFeeds() (*feeds, error) {
	loc := r.opt.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(FeedZone); err != nil {
			return nil, fmt.Errorf("calendar feeds: time zone: %w", err)
		}
	}
	// Room names and course codes ending in ".ics" are refused by
	// source.Check, so no feed can take a detail's URL.
	f := &feeds{r: r, tzid: icalParam(loc.String())}
	from, to := r.span()
	f.tz = vtimezone(loc, from.Year(), to.Year())
	f.stamp = "DTSTAMP:" + r.firstDay().Format("20060102T150405Z") + "\r\n"
	var b bytes.Buffer
	b.WriteString("VERSION:2.0\r\n")
	icalLine(&b, "PRODID:-//occupancy//Occupancy FLEP API calendar feeds//EN")
	b.WriteString("CALSCALE:GREGORIAN\r\n")
	f.calprops = b.Bytes()
	f.prepare()
	return f, nil
}

// planOccurrences returns the indexes of a study plan's occurrences, as
// its JSON lists them: its courses' weekly sessions of its semester, and
// their dated sessions within the semester's dates.
func (r *renderer) planOccurrences(p *source.StudyPlan) []int32 {
	sem := r.sems[p.Semester]
	in := map[string]bool{}
	var idx []int32
	for _, code := range p.Courses {
		if !in[code] {
			in[code] = true
			idx = append(idx, r.byCourse[code]...)
		}
	}
	slices.Sort(idx)
	semester := source.DateRange{From: sem.Start, To: sem.End}
	return slices.DeleteFunc(idx, func(i int32) bool {
		o := &r.occ[i]
		return o.Semester != "" && o.Semester != sem.Name || o.Semester == "" && !semester.Contains(day(o.Start))
	})
}

// span returns the first start and the last end of the release's
// occurrences (its semesters' dates when it has none), which the
// VTIMEZONE must cover.
func (r *renderer) span() (from, to time.Time) {
	for i, o := range r.occ {
		if i == 0 || o.Start.Before(from) {
			from = o.Start
		}
		if i == 0 || o.End.After(to) {
			to = o.End
		}
	}
	if len(r.occ) > 0 {
		return from, to
	}
	for i, s := range r.rel.Semesters {
		if i == 0 || s.Start.Before(from) {
			from = s.Start
		}
		if i == 0 || s.End.After(to) {
			to = s.End
		}
	}
	if len(r.rel.Semesters) == 0 {
		from = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
		to = from
	}
	return from, to
}

// firstDay is the DTSTAMP of every event: the release's first day (its
// earliest semester start or booking date) at midnight UTC. A build is
// deterministic, so no build time may be written; and a feed whose events
// did not change stays byte for byte the same from one release to the
// next, so that a sync by the manifest's hashes uploads only the feeds
// that changed.
func (r *renderer) firstDay() time.Time {
	first := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)
	seen := false
	for _, s := range r.rel.Semesters {
		if !seen || s.Start.Before(first) {
			first, seen = s.Start, true
		}
	}
	for _, b := range r.rel.Bookings {
		if !seen || b.Date.Before(first) {
			first, seen = b.Date, true
		}
	}
	return day(first)
}

// prepare renders the templates of the occurrences' events, one per
// origin (see renderer.origins): an event's lines after its dates, after
// its identity (its course, or its name for an event), which its UID
// derives from.
func (f *feeds) prepare() {
	r := f.r
	f.tmpl = make([]string, len(r.origins))
	f.identLen = make([]int32, len(r.origins))
	var b bytes.Buffer
	var rooms []string
	for k, o := range r.origins {
		b.Reset()
		if o.Course != "" {
			b.WriteString("course\x00" + o.Course)
			c := r.courses[o.Course]
			f.identLen[k] = int32(b.Len())
			b.WriteByte(0)
			icalLine(&b, "SUMMARY:"+icalText(c.Code+" "+c.Name))
		} else {
			b.WriteString("event\x00" + o.Name)
			f.identLen[k] = int32(b.Len())
			b.WriteByte(0)
			icalLine(&b, "SUMMARY:"+icalText(o.Name))
		}
		rooms = rooms[:0]
		for _, ref := range r.originRooms[k] {
			rooms = append(rooms, ref.Name)
		}
		if len(rooms) > 0 {
			icalLine(&b, "LOCATION:"+icalText(strings.Join(rooms, ", ")))
		}
		desc := o.Label
		if o.Description != "" {
			desc += "\n" + o.Description
		}
		if desc != "" {
			icalLine(&b, "DESCRIPTION:"+icalText(desc))
		}
		if o.Label != "" {
			icalLine(&b, "CATEGORIES:"+icalText(o.Label))
		}
		f.tmpl[k] = b.String()
	}
}

// icalTime formats a wall-clock time held as UTC as an iCalendar local
// DATE-TIME, 20260907T081500.
func icalTime(t time.Time) string {
	var buf [15]byte
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	put := func(at, v, width int) {
		for k := at + width - 1; k >= at; k-- {
			buf[k] = byte('0' + v%10)
			v /= 10
		}
	}
	put(0, y, 4)
	put(4, int(mo), 2)
	put(6, d, 2)
	buf[8] = 'T'
	put(9, h, 2)
	put(11, mi, 2)
	put(13, s, 2)
	return string(buf[:])
}

// feed renders the calendar of an entity from the indexes of its
// occurrences, in order.
func (f *feeds) feed(entity, name string, idx []int32) []byte {
	const perEvent = len("BEGIN:VEVENT\r\nUID:") + 32 + len("@"+UIDDomain) + len("\r\nEND:VEVENT\r\n") +
		2*len("DTSTART;TZID=:20260907T081500\r\n")
	size := 64 + len(f.calprops) + 2*(len(name)+len(name)/16+24) + len(f.tz) + (perEvent+len(f.stamp)+2*len(f.tzid))*len(idx)
	for _, i := range idx {
		k := f.r.origin[i]
		size += len(f.tmpl[k]) - int(f.identLen[k]) - 1
	}
	b := bytes.NewBuffer(make([]byte, 0, size))
	b.WriteString("BEGIN:VCALENDAR\r\n")
	b.Write(f.calprops)
	icalLine(b, "NAME:"+icalText(name))
	icalLine(b, "X-WR-CALNAME:"+icalText(name))
	b.Write(f.tz)
	// Occurrences are sorted by start, and a UID's key holds the start:
	// equal keys are among neighbours of one start.
	occ := f.r.occ
	for lo := 0; lo < len(idx); {
		hi := lo + 1
		for hi < len(idx) && occ[idx[hi]].Start.Equal(occ[idx[lo]].Start) {
			hi++
		}
		var keys []string
		if hi-lo > 1 {
			keys = f.groupKeys(idx[lo:hi])
		}
		for j, i := range idx[lo:hi] {
			o := &occ[i]
			start := icalTime(o.Start)
			t := f.tmpl[f.r.origin[i]]
			n := f.identLen[f.r.origin[i]]
			f.in = append(append(f.in[:0], entity...), 0)
			if keys != nil {
				f.in = append(f.in, keys[j]...)
			} else {
				f.in = append(append(append(f.in, t[:n]...), 0), start...)
			}
			f.event(b, f.in, o, start, t[n+1:])
		}
		lo = hi
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.Bytes()
}

// event writes one event, whose UID is a hash of in, that starts at start
// (as icalTime formats o.Start) and whose other lines are lines.
func (f *feeds) event(b *bytes.Buffer, in []byte, o *source.Occurrence, start, lines string) {
	var uid [32]byte
	sum := sha256.Sum256(in)
	hex.Encode(uid[:], sum[:16])
	b.WriteString("BEGIN:VEVENT\r\nUID:")
	b.Write(uid[:])
	b.WriteString("@" + UIDDomain + "\r\n")
	b.WriteString(f.stamp)
	icalLine(b, "DTSTART;TZID="+f.tzid+":"+start)
	icalLine(b, "DTEND;TZID="+f.tzid+":"+icalTime(o.End))
	b.WriteString(lines)
	b.WriteString("END:VEVENT\r\n")
}

// groupKeys returns what the UIDs of a group of events of one feed that
// start at the same time hash, after the feed's entity: the occurrence's
// course (or event name) and its start, so that an event keeps its UID
// from one release to the next, whatever else changes. When two
// occurrences of the group share these, theirs also hold their label,
// end, rooms and description, and a number in order when even those are
// equal. The slice is reused by the next call.
func (f *feeds) groupKeys(idx []int32) []string {
	keys := f.keys[:0]
	count := make(map[string]int, len(idx))
	for _, i := range idx {
		t, n := f.tmpl[f.r.origin[i]], f.identLen[f.r.origin[i]]
		key := t[:n] + "\x00" + icalTime(f.r.occ[i].Start)
		keys = append(keys, key)
		count[key]++
	}
	f.keys = keys
	for j, i := range idx {
		if count[keys[j]] > 1 {
			o := &f.r.occ[i]
			keys[j] = strings.Join([]string{keys[j], o.Label, icalTime(o.End), strings.Join(o.Rooms, ";"), o.Description, o.Semester}, "\x00")
		}
	}
	clear(count)
	for _, key := range keys {
		count[key]++
	}
	nth := map[string]int{}
	for j, key := range keys {
		if count[key] > 1 {
			nth[key]++
			keys[j] = key + "\x00#" + strconv.Itoa(nth[key])
		}
	}
	return keys
}

// vtimezone renders the VTIMEZONE of loc for the years from to to, from
// Go's time zone data: one observance (STANDARD or DAYLIGHT) per offset
// change, each with its onset (DTSTART, in the local time before it), the
// offsets before and after, and its abbreviation. The first observance is
// the one in effect on January 1 of the first year, with the onset Go
// knows for it (1970-01-01 for a zone that never changed).
func vtimezone(loc *time.Location, from, to int) []byte {
	var b bytes.Buffer
	b.WriteString("BEGIN:VTIMEZONE\r\n")
	icalLine(&b, "TZID:"+icalText(loc.String()))
	t := time.Date(from, 1, 1, 0, 0, 0, 0, loc)
	limit := time.Date(to+1, 1, 1, 0, 0, 0, 0, loc)
	for {
		start, end := t.ZoneBounds()
		name, offset := t.Zone()
		onset, before := "19700101T000000", offset
		if !start.IsZero() {
			_, before = start.Add(-time.Second).Zone()
			onset = start.In(time.FixedZone("", before)).Format("20060102T150405")
		}
		kind := "STANDARD"
		if t.IsDST() {
			kind = "DAYLIGHT"
		}
		b.WriteString("BEGIN:" + kind + "\r\n")
		b.WriteString("DTSTART:" + onset + "\r\n")
		b.WriteString("TZOFFSETFROM:" + icalOffset(before) + "\r\n")
		b.WriteString("TZOFFSETTO:" + icalOffset(offset) + "\r\n")
		icalLine(&b, "TZNAME:"+icalText(name))
		b.WriteString("END:" + kind + "\r\n")
		if end.IsZero() || !end.Before(limit) {
			break
		}
		t = end
	}
	b.WriteString("END:VTIMEZONE\r\n")
	return b.Bytes()
}

// icalOffset formats seconds east of UTC as RFC 5545's UTC-OFFSET: +0100,
// -0330, +002944 when seconds are needed.
func icalOffset(sec int) string {
	sign := byte('+')
	if sec < 0 {
		sign, sec = '-', -sec
	}
	s := fmt.Sprintf("%c%02d%02d", sign, sec/3600, sec/60%60)
	if sec%60 != 0 {
		s += fmt.Sprintf("%02d", sec%60)
	}
	return s
}

// icalText escapes a TEXT value (RFC 5545 §3.3.11): backslash,
// semicolon and comma get a backslash, a line break becomes \n, and other
// ASCII control characters, which TEXT cannot hold, become spaces.
func icalText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\\' || c == ';' || c == ',' || c < 0x20 && c != '\t' || c == 0x7f {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' || c == ';' || c == ',':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\r' && i+1 < len(s) && s[i+1] == '\n':
			// CRLF is one line break.
		case c == '\r' || c == '\n':
			b.WriteString(`\n`)
		case c < 0x20 && c != '\t' || c == 0x7f:
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// icalParam writes a property parameter value, quoted when it holds a
// character that a bare one cannot (RFC 5545 §3.1). A DQUOTE, which no
// parameter value can hold, is dropped.
func icalParam(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' || r < 0x20 && r != '\t' || r == 0x7f {
			return -1
		}
		return r
	}, s)
	if strings.ContainsAny(s, ";:,") {
		return `"` + s + `"`
	}
	return s
}

// icalLine writes one content line, folded so that no line is longer
// than 75 octets (RFC 5545 §3.1): a long line continues on the next after
// a CRLF and a space, and is never cut inside a UTF-8 character.
func icalLine(b *bytes.Buffer, s string) {
	limit := 75
	for len(s) > limit {
		n := limit
		for n > 0 && !utf8.RuneStart(s[n]) {
			n--
		}
		b.WriteString(s[:n])
		b.WriteString("\r\n ")
		s = s[n:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
