package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
)

// The release record is a checked [Release] as JSON, which a build stores
// in each published tree so that the next build can compare with it (see
// [Compare]). Its first two fields name the format and its version.
const (
	ReleaseFormat  = "occupancy-release"
	ReleaseVersion = 1
)

// ErrRecordVersion is the error of [UnmarshalRelease] for a record of
// another version of the format than [ReleaseVersion], such as one written
// by a newer build; it comes wrapped with the version found.
var ErrRecordVersion = errors.New("is a version of the release record this build does not read")

// The record's own types spell values as the sheets do: dates YYYY-MM-DD,
// clocks HH:MM, weekdays in lowercase English, skip dates as
// "YYYY-MM-DD..YYYY-MM-DD" and weeks as "1-6". Optional values that are
// unknown or empty are left out. Row numbers are not recorded: they are
// positions in a sheet, not data.

type releaseRecord struct {
	Format     string            `json:"format"`
	Version    int               `json:"version"`
	Semesters  []semesterRecord  `json:"semesters"`
	Rooms      []roomRecord      `json:"rooms"`
	Teachers   []teacherRecord   `json:"teachers"`
	Courses    []courseRecord    `json:"courses"`
	StudyPlans []studyPlanRecord `json:"studyplans"`
	Sessions   []sessionRecord   `json:"sessions"`
	Bookings   []bookingRecord   `json:"bookings"`
}

type semesterRecord struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	StartDate string   `json:"start_date"`
	EndDate   string   `json:"end_date"`
	SkipDates []string `json:"skip_dates,omitempty"`
}

type roomRecord struct {
	Name      string   `json:"name"`
	Type      string   `json:"type"`
	Capacity  *int     `json:"capacity,omitempty"`
	Building  string   `json:"building,omitempty"`
	Level     *int     `json:"level,omitempty"`
	Latitude  *float64 `json:"latitude,omitempty"`
	Longitude *float64 `json:"longitude,omitempty"`
	Link      string   `json:"link,omitempty"`
	Available bool     `json:"available"`
}

type teacherRecord struct {
	Name      string `json:"name"`
	PeopleURL string `json:"people_url,omitempty"`
}

type courseRecord struct {
	Code     string   `json:"code"`
	Name     string   `json:"name"`
	Credits  *float64 `json:"credits,omitempty"`
	Language string   `json:"language,omitempty"`
	EduURL   string   `json:"edu_url,omitempty"`
	Teachers []string `json:"teachers,omitempty"`
}

type studyPlanRecord struct {
	ID       string   `json:"id"`
	UnitCode string   `json:"unit_code"`
	UnitName string   `json:"unit_name"`
	Section  string   `json:"section,omitempty"`
	Promo    string   `json:"promo,omitempty"`
	Semester string   `json:"semester"`
	Courses  []string `json:"courses,omitempty"`
}

type sessionRecord struct {
	Course   string   `json:"course"`
	Label    string   `json:"label"`
	Weekday  string   `json:"weekday"`
	Start    string   `json:"start"`
	End      string   `json:"end"`
	Rooms    []string `json:"rooms,omitempty"`
	Semester string   `json:"semester"`
	Weeks    []string `json:"weeks,omitempty"`
}

type bookingRecord struct {
	Date        string   `json:"date"`
	Start       string   `json:"start"`
	End         string   `json:"end"`
	Rooms       []string `json:"rooms,omitempty"`
	Course      string   `json:"course,omitempty"`
	Label       string   `json:"label"`
	Name        string   `json:"name,omitempty"`
	Description string   `json:"description,omitempty"`
}

// MarshalRelease returns rel as a release record: compact JSON of the form
// {"format":"occupancy-release","version":1,"semesters":[…],"rooms":[…],
// "teachers":[…],"courses":[…],"studyplans":[…],"sessions":[…],
// "bookings":[…]}, every sheet in its order, fields named as the sheets'
// columns. The same release always gives the same bytes. Row fields are
// not recorded. It fails on a value the record cannot hold exactly, which
// a release from [Check] never has: a date that is not midnight UTC, a
// clock outside 00:00…24:00, a weekday outside Sunday…Saturday, a week
// range or skip-date range that ends before it starts, a number that is
// not finite, or text that is not valid UTF-8.
func MarshalRelease(rel *Release) ([]byte, error) {
	var w recordWriter
	e := newRecordEncoder()
	w.record(e, rel)
	if w.err != nil {
		return nil, fmt.Errorf("release record: %w", w.err)
	}
	if e.err != nil {
		return nil, fmt.Errorf("release record: %w", e.err)
	}
	data := e.out.Bytes()
	if cap(data)-len(data) > len(data)/8 {
		// The buffer doubled as it grew: a large release's record is
		// held until it is written, so it is held at its size.
		data = bytes.Clone(data)
	}
	return data, nil
}

// UnmarshalRelease reads a release record written by [MarshalRelease]. It
// is strict: text that is not one JSON object, a format other than
// [ReleaseFormat], a version other than [ReleaseVersion] (an error
// wrapping [ErrRecordVersion]), an unknown field, a value of the wrong
// type or spelling, or anything after the object is an error that says
// what is wrong and where. Empty lists come back nil and Row fields zero,
// so that a release from [Check] with its Row fields zeroed comes back
// deep-equal to itself.
func UnmarshalRelease(data []byte) (*Release, error) {
	var head recordHead
	if gojson.Unmarshal(data, &head) != nil {
		head = recordHead{} // encoding/json says what is wrong
		if err := json.Unmarshal(data, &head); err != nil {
			return nil, fmt.Errorf("release record: %w", describeJSONError(err))
		}
	}
	switch {
	case head.Format == nil:
		return nil, fmt.Errorf("release record: no \"format\" field: not a release record (%q)", ReleaseFormat)
	case *head.Format != ReleaseFormat:
		return nil, fmt.Errorf("release record: format %q is not %q", *head.Format, ReleaseFormat)
	case head.Version == nil:
		return nil, fmt.Errorf("release record: no \"version\" field")
	case *head.Version != ReleaseVersion:
		return nil, fmt.Errorf("release record: version %d %w (it reads version %d)", *head.Version, ErrRecordVersion, ReleaseVersion)
	}
	var rec releaseRecord
	if !decodeRecordFast(data, &rec) {
		// encoding/json says what is wrong, and where.
		rec = releaseRecord{}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&rec); err != nil {
			return nil, fmt.Errorf("release record: %w", describeJSONError(err))
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, errors.New("release record: data after the record")
		}
	}
	var r recordReader
	rel := r.release(&rec)
	if r.err != nil {
		return nil, fmt.Errorf("release record: %w", r.err)
	}
	return rel, nil
}

// recordHead is what a record says of itself.
type recordHead struct {
	Format  *string `json:"format"`
	Version *int    `json:"version"`
}

// decodeRecordFast decodes data into rec with goccy/go-json, several times
// faster than encoding/json on the record of a large release (tens of
// megabytes, read back at every build that changes it), and reports
// whether it could. It must read what encoding/json reads from any record
// it accepts (FuzzRecordDecoders checks it); on any failure the caller
// decodes with encoding/json, whose errors the user sees, so that what is
// accepted and refused stays encoding/json's.
func decodeRecordFast(data []byte, rec *releaseRecord) bool {
	dec := gojson.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(rec); err != nil {
		return false
	}
	rest := data[min(max(dec.InputOffset(), 0), int64(len(data))):]
	return len(bytes.TrimLeft(rest, " \t\r\n")) == 0
}

// describeJSONError rewords the errors of encoding/json for a reader of
// the record: the field and what it should hold.
func describeJSONError(err error) error {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		if te.Field == "" {
			return fmt.Errorf("a JSON %s is not a record: want an object", te.Value)
		}
		want := "a " + te.Type.String()
		switch te.Type.Kind() {
		case reflect.Int:
			want = "a whole number"
		case reflect.Float64:
			want = "a finite number"
		case reflect.String:
			want = "text"
		case reflect.Bool:
			want = "true or false"
		case reflect.Slice:
			want = "a list"
		case reflect.Struct:
			want = "an object"
		}
		return fmt.Errorf("%s: a JSON %s where %s is wanted (offset %d)", te.Field, te.Value, want, te.Offset)
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("not JSON: %v (offset %d)", se, se.Offset)
	}
	if msg, ok := strings.CutPrefix(err.Error(), "json: "); ok {
		return errors.New(msg) // such as `unknown field "floor"`
	}
	return err
}

// Spellings of values in the record.

const recordDateLayout = "2006-01-02"

var weekdayNames = [...]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

func formatRecordDate(d Date) (string, error) {
	s := d.Format(recordDateLayout)
	if back, err := time.Parse(recordDateLayout, s); err != nil || back != d {
		return "", fmt.Errorf("%s is not a day at midnight UTC of years 0000 to 9999", d.Format(time.RFC3339Nano))
	}
	return s, nil
}

func parseRecordDate(s string) (Date, error) {
	d, err := time.Parse(recordDateLayout, s)
	if err != nil || d.Format(recordDateLayout) != s {
		return Date{}, fmt.Errorf("%q %w", s, ErrBadDate)
	}
	return d, nil
}

func formatRecordClock(c Clock) (string, error) {
	if c < 0 || c > 24*60 {
		return "", fmt.Errorf("clock %d is not within 00:00 and 24:00", int(c))
	}
	return c.String(), nil
}

func parseRecordClock(s string) (Clock, error) {
	if len(s) == 5 && s[2] == ':' && allDigits(s[:2]) && allDigits(s[3:]) {
		h, _ := strconv.Atoi(s[:2])
		m, _ := strconv.Atoi(s[3:])
		if m < 60 && h*60+m <= 24*60 {
			return Clock(h*60 + m), nil
		}
	}
	return 0, fmt.Errorf("%q %w", s, ErrBadTime)
}

func formatRecordWeekday(d time.Weekday) (string, error) {
	if d < 0 || int(d) >= len(weekdayNames) {
		return "", fmt.Errorf("weekday %d is not Sunday (0) to Saturday (6)", int(d))
	}
	return weekdayNames[d], nil
}

func parseRecordWeekday(s string) (time.Weekday, error) {
	for d, name := range weekdayNames {
		if s == name {
			return time.Weekday(d), nil
		}
	}
	return 0, fmt.Errorf("%q is not a weekday (sunday…saturday)", s)
}

func formatRecordDateRange(r DateRange) (string, error) {
	from, err := formatRecordDate(r.From)
	if err != nil {
		return "", err
	}
	to, err := formatRecordDate(r.To)
	if err != nil {
		return "", err
	}
	switch {
	case r.To.Before(r.From):
		return "", fmt.Errorf("%s..%s ends before it starts", from, to)
	case from == to:
		return from, nil
	}
	return from + ".." + to, nil
}

func parseRecordDateRange(s string) (DateRange, error) {
	a, b, isRange := strings.Cut(s, "..")
	from, err := parseRecordDate(a)
	if err != nil {
		return DateRange{}, fmt.Errorf("%q %w", s, ErrBadDateRange)
	}
	if !isRange {
		return DateRange{from, from}, nil
	}
	to, err := parseRecordDate(b)
	if err != nil || !to.After(from) {
		return DateRange{}, fmt.Errorf("%q %w", s, ErrBadDateRange)
	}
	return DateRange{from, to}, nil
}

func formatRecordWeeks(w WeekRange) (string, error) {
	switch {
	case w.From < 1 || w.To < w.From:
		return "", fmt.Errorf("weeks %d to %d are not a range of week numbers", w.From, w.To)
	case w.From == w.To:
		return strconv.Itoa(w.From), nil
	}
	return strconv.Itoa(w.From) + "-" + strconv.Itoa(w.To), nil
}

func parseRecordWeeks(s string) (WeekRange, error) {
	a, b, isRange := strings.Cut(s, "-")
	from, err1 := strconv.Atoi(a)
	to, err2 := from, error(nil)
	if isRange {
		to, err2 = strconv.Atoi(b)
	}
	if err1 != nil || err2 != nil || !allDigits(a) || !allDigits(b) || a == "" || a[0] == '0' ||
		from < 1 || to < from || isRange && (b == "" || b[0] == '0' || to == from) {
		return WeekRange{}, fmt.Errorf("%q %w", s, ErrBadWeeks)
	}
	return WeekRange{from, to}, nil
}

// recPos is a place in a record, spelled out only for an error message:
// "sessions[12].weeks[0]".
type recPos struct {
	sheet string
	i     int
	field string
	item  int // index in the field's list, -1 for none
}

func (p recPos) in(field string) recPos { p.field, p.item = field, -1; return p }

func (p recPos) at(field string, j int) recPos { p.field, p.item = field, j; return p }

func (p recPos) String() string {
	s := fmt.Sprintf("%s[%d]", p.sheet, p.i)
	if p.field != "" {
		s += "." + p.field
	}
	if p.item >= 0 {
		s += fmt.Sprintf("[%d]", p.item)
	}
	return s
}

// recordWriter converts a release to its record, keeping the first
// problem found.
type recordWriter struct{ err error }

func (w *recordWriter) fail(where recPos, err error) {
	if w.err == nil {
		w.err = fmt.Errorf("%v: %w", where, err)
	}
}

func (w *recordWriter) text(where recPos, s string) string {
	if !utf8.ValidString(s) {
		w.fail(where, fmt.Errorf("%q is not valid UTF-8 text", s))
	}
	return s
}

func (w *recordWriter) texts(where recPos, list []string) []string {
	if len(list) == 0 {
		return nil
	}
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = w.text(where.at(where.field, i), s)
	}
	return out
}

func (w *recordWriter) date(where recPos, d Date) string {
	s, err := formatRecordDate(d)
	if err != nil {
		w.fail(where, err)
	}
	return s
}

func (w *recordWriter) clock(where recPos, c Clock) string {
	s, err := formatRecordClock(c)
	if err != nil {
		w.fail(where, err)
	}
	return s
}

func (w *recordWriter) weekday(where recPos, d time.Weekday) string {
	s, err := formatRecordWeekday(d)
	if err != nil {
		w.fail(where, err)
	}
	return s
}

// recordEncoder writes a release record sheet by sheet, a row at a time:
// encoding the record at once held it twice, in encoding/json's buffer
// and in the result, and kept a string copy of every row meanwhile.
type recordEncoder struct {
	out bytes.Buffer
	enc *json.Encoder
	err error
}

func newRecordEncoder() *recordEncoder {
	e := &recordEncoder{}
	e.enc = json.NewEncoder(valueWriter{&e.out})
	e.enc.SetEscapeHTML(false)
	return e
}

// valueWriter appends what a json.Encoder writes, a value and a newline,
// without the newline.
type valueWriter struct{ out *bytes.Buffer }

func (v valueWriter) Write(p []byte) (int, error) {
	v.out.Write(bytes.TrimSuffix(p, []byte("\n")))
	return len(p), nil
}

// value writes the JSON of v.
func (e *recordEncoder) value(v any) {
	if e.err == nil {
		e.err = e.enc.Encode(v)
	}
}

// sheet writes ,"name":[…] with each item of a sheet converted by conv.
func sheet[T, R any](e *recordEncoder, name string, items []T, conv func(int, *T) R) {
	e.out.WriteByte(',')
	e.value(name)
	e.out.WriteString(":[")
	for i := range items {
		if i > 0 {
			e.out.WriteByte(',')
		}
		r := conv(i, &items[i])
		e.value(&r)
	}
	e.out.WriteByte(']')
}

// record writes the whole record of rel, in releaseRecord's field order.
func (w *recordWriter) record(e *recordEncoder, rel *Release) {
	e.out.WriteString(`{"format":`)
	e.value(ReleaseFormat)
	e.out.WriteString(`,"version":`)
	e.value(ReleaseVersion)
	sheet(e, "semesters", rel.Semesters, w.semester)
	sheet(e, "rooms", rel.Rooms, w.room)
	sheet(e, "teachers", rel.Teachers, w.teacher)
	sheet(e, "courses", rel.Courses, w.course)
	sheet(e, "studyplans", rel.StudyPlans, w.studyPlan)
	sheet(e, "sessions", rel.Sessions, w.session)
	sheet(e, "bookings", rel.Bookings, w.booking)
	e.out.WriteByte('}')
}

// semester converts row i of the semesters sheet.
func (w *recordWriter) semester(i int, s *Semester) semesterRecord {
	at := recPos{sheet: "semesters", i: i, item: -1}
	r := semesterRecord{
		Name:      w.text(at.in("name"), s.Name),
		Type:      w.text(at.in("type"), s.Type),
		StartDate: w.date(at.in("start_date"), s.Start),
		EndDate:   w.date(at.in("end_date"), s.End),
	}
	for j, dr := range s.Skip {
		v, err := formatRecordDateRange(dr)
		if err != nil {
			w.fail(at.at("skip_dates", j), err)
		}
		r.SkipDates = append(r.SkipDates, v)
	}
	return r
}

// room converts row i of the rooms sheet.
func (w *recordWriter) room(i int, room *Room) roomRecord {
	at := recPos{sheet: "rooms", i: i, item: -1}
	r := roomRecord{
		Name:      w.text(at.in("name"), room.Name),
		Type:      w.text(at.in("type"), room.Type),
		Capacity:  room.Capacity,
		Building:  w.text(at.in("building"), room.Building),
		Level:     room.Level,
		Link:      w.text(at.in("link"), room.Link),
		Available: room.Available,
	}
	if room.Coordinates != nil {
		r.Latitude, r.Longitude = &room.Coordinates[0], &room.Coordinates[1]
	}
	return r
}

// teacher converts row i of the teachers sheet.
func (w *recordWriter) teacher(i int, t *Teacher) teacherRecord {
	at := recPos{sheet: "teachers", i: i, item: -1}
	return teacherRecord{Name: w.text(at.in("name"), t.Name), PeopleURL: w.text(at.in("people_url"), t.PeopleURL)}
}

// course converts row i of the courses sheet.
func (w *recordWriter) course(i int, c *Course) courseRecord {
	at := recPos{sheet: "courses", i: i, item: -1}
	return courseRecord{
		Code:     w.text(at.in("code"), c.Code),
		Name:     w.text(at.in("name"), c.Name),
		Credits:  c.Credits,
		Language: w.text(at.in("language"), c.Language),
		EduURL:   w.text(at.in("edu_url"), c.EduURL),
		Teachers: w.texts(at.in("teachers"), c.Teachers),
	}
}

// studyPlan converts row i of the studyplans sheet.
func (w *recordWriter) studyPlan(i int, p *StudyPlan) studyPlanRecord {
	at := recPos{sheet: "studyplans", i: i, item: -1}
	return studyPlanRecord{
		ID:       w.text(at.in("id"), p.ID),
		UnitCode: w.text(at.in("unit_code"), p.UnitCode),
		UnitName: w.text(at.in("unit_name"), p.UnitName),
		Section:  w.text(at.in("section"), p.Section),
		Promo:    w.text(at.in("promo"), p.Promo),
		Semester: w.text(at.in("semester"), p.Semester),
		Courses:  w.texts(at.in("courses"), p.Courses),
	}
}

// session converts row i of the sessions sheet.
func (w *recordWriter) session(i int, s *Session) sessionRecord {
	at := recPos{sheet: "sessions", i: i, item: -1}
	r := sessionRecord{
		Course:   w.text(at.in("course"), s.Course),
		Label:    w.text(at.in("label"), s.Label),
		Weekday:  w.weekday(at.in("weekday"), s.Weekday),
		Start:    w.clock(at.in("start"), s.Start),
		End:      w.clock(at.in("end"), s.End),
		Rooms:    w.texts(at.in("rooms"), s.Rooms),
		Semester: w.text(at.in("semester"), s.Semester),
	}
	for j, wr := range s.Weeks {
		v, err := formatRecordWeeks(wr)
		if err != nil {
			w.fail(at.at("weeks", j), err)
		}
		r.Weeks = append(r.Weeks, v)
	}
	return r
}

// booking converts row i of the bookings sheet.
func (w *recordWriter) booking(i int, b *Booking) bookingRecord {
	at := recPos{sheet: "bookings", i: i, item: -1}
	return bookingRecord{
		Date:        w.date(at.in("date"), b.Date),
		Start:       w.clock(at.in("start"), b.Start),
		End:         w.clock(at.in("end"), b.End),
		Rooms:       w.texts(at.in("rooms"), b.Rooms),
		Course:      w.text(at.in("course"), b.Course),
		Label:       w.text(at.in("label"), b.Label),
		Name:        w.text(at.in("name"), b.Name),
		Description: w.text(at.in("description"), b.Description),
	}
}

// recordReader converts a record back to a release, keeping the first
// problem found.
type recordReader struct{ err error }

func (r *recordReader) fail(where recPos, err error) {
	if r.err == nil {
		r.err = fmt.Errorf("%v: %w", where, err)
	}
}

func (r *recordReader) date(where recPos, s string) Date {
	d, err := parseRecordDate(s)
	if err != nil {
		r.fail(where, err)
	}
	return d
}

func (r *recordReader) clock(where recPos, s string) Clock {
	c, err := parseRecordClock(s)
	if err != nil {
		r.fail(where, err)
	}
	return c
}

// fromRecords converts each item of a sheet back, giving nil for an empty one.
func fromRecords[R, T any](items []R, conv func(recPos, *R) T, name string) []T {
	if len(items) == 0 {
		return nil
	}
	out := make([]T, len(items))
	for i := range items {
		out[i] = conv(recPos{sheet: name, i: i, item: -1}, &items[i])
	}
	return out
}

// nilIfEmpty gives nil for an empty list, as Check does.
func nilIfEmpty[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

func (r *recordReader) release(rec *releaseRecord) *Release {
	return &Release{
		Semesters: fromRecords(rec.Semesters, func(at recPos, s *semesterRecord) Semester {
			sem := Semester{Name: s.Name, Type: s.Type, Start: r.date(at.in("start_date"), s.StartDate), End: r.date(at.in("end_date"), s.EndDate)}
			for j, v := range s.SkipDates {
				dr, err := parseRecordDateRange(v)
				if err != nil {
					r.fail(at.at("skip_dates", j), err)
				}
				sem.Skip = append(sem.Skip, dr)
			}
			return sem
		}, "semesters"),
		Rooms: fromRecords(rec.Rooms, func(at recPos, x *roomRecord) Room {
			room := Room{Name: x.Name, Type: x.Type, Capacity: x.Capacity, Building: x.Building, Level: x.Level, Link: x.Link, Available: x.Available}
			switch {
			case x.Latitude != nil && x.Longitude != nil:
				room.Coordinates = &[2]float64{*x.Latitude, *x.Longitude}
			case x.Latitude != nil:
				r.fail(at, errors.New("a latitude without a longitude"))
			case x.Longitude != nil:
				r.fail(at, errors.New("a longitude without a latitude"))
			}
			return room
		}, "rooms"),
		Teachers: fromRecords(rec.Teachers, func(_ recPos, t *teacherRecord) Teacher {
			return Teacher{Name: t.Name, PeopleURL: t.PeopleURL}
		}, "teachers"),
		Courses: fromRecords(rec.Courses, func(_ recPos, c *courseRecord) Course {
			return Course{Code: c.Code, Name: c.Name, Credits: c.Credits, Language: c.Language, EduURL: c.EduURL, Teachers: nilIfEmpty(c.Teachers)}
		}, "courses"),
		StudyPlans: fromRecords(rec.StudyPlans, func(_ recPos, p *studyPlanRecord) StudyPlan {
			return StudyPlan{ID: p.ID, UnitCode: p.UnitCode, UnitName: p.UnitName, Section: p.Section, Promo: p.Promo, Semester: p.Semester, Courses: nilIfEmpty(p.Courses)}
		}, "studyplans"),
		Sessions: fromRecords(rec.Sessions, func(at recPos, s *sessionRecord) Session {
			wd, err := parseRecordWeekday(s.Weekday)
			if err != nil {
				r.fail(at.in("weekday"), err)
			}
			sess := Session{
				Course: s.Course, Label: s.Label, Weekday: wd,
				Start: r.clock(at.in("start"), s.Start), End: r.clock(at.in("end"), s.End),
				Rooms: nilIfEmpty(s.Rooms), Semester: s.Semester,
			}
			for j, v := range s.Weeks {
				wr, err := parseRecordWeeks(v)
				if err != nil {
					r.fail(at.at("weeks", j), err)
				}
				sess.Weeks = append(sess.Weeks, wr)
			}
			return sess
		}, "sessions"),
		Bookings: fromRecords(rec.Bookings, func(at recPos, b *bookingRecord) Booking {
			return Booking{
				Date: r.date(at.in("date"), b.Date), Start: r.clock(at.in("start"), b.Start), End: r.clock(at.in("end"), b.End),
				Rooms: nilIfEmpty(b.Rooms), Course: b.Course, Label: b.Label, Name: b.Name, Description: b.Description,
			}
		}, "bookings"),
	}
}

// recordSheets names the lists of a record in the order [MarshalRelease]
// writes them, each with how to take that sheet's items from another
// release.
var recordSheets = [...]struct {
	name string
	take func(to, from *Release)
}{
	{"semesters", func(to, from *Release) { to.Semesters = from.Semesters }},
	{"rooms", func(to, from *Release) { to.Rooms = from.Rooms }},
	{"teachers", func(to, from *Release) { to.Teachers = from.Teachers }},
	{"courses", func(to, from *Release) { to.Courses = from.Courses }},
	{"studyplans", func(to, from *Release) { to.StudyPlans = from.StudyPlans }},
	{"sessions", func(to, from *Release) { to.Sessions = from.Sessions }},
	{"bookings", func(to, from *Release) { to.Bookings = from.Bookings }},
}

// recordLayout returns where each sheet's list lies in data, a record as
// [MarshalRelease] writes it: data[at[i][0]:at[i][1]] is the JSON array of
// sheet recordSheets[i]. It reports false for anything else (another
// format or version, spaces, fields in another order), which only a full
// decode can judge. It checks the layout, not the lists' contents: a list
// that is not valid JSON inside its brackets is found by decoding it.
func recordLayout(data []byte) (at [len(recordSheets)][2]int, ok bool) {
	head := fmt.Sprintf(`{"format":"%s","version":%d`, ReleaseFormat, ReleaseVersion)
	if !bytes.HasPrefix(data, []byte(head)) {
		return at, false
	}
	i := len(head)
	for k, sheet := range recordSheets {
		key := `,"` + sheet.name + `":`
		if !bytes.HasPrefix(data[i:], []byte(key)) {
			return at, false
		}
		i += len(key)
		end := arrayEnd(data, i)
		if end < 0 {
			return at, false
		}
		at[k] = [2]int{i, end}
		i = end
	}
	return at, i == len(data)-1 && data[i] == '}'
}

// arrayEnd returns the offset just after the JSON array that starts at
// data[i], or -1 when none does or it does not end: brackets are counted
// outside strings, whose escapes are skipped.
func arrayEnd(data []byte, i int) int {
	if i >= len(data) || data[i] != '[' {
		return -1
	}
	depth, inString := 0, false
	for ; i < len(data); i++ {
		c := data[i]
		switch {
		case inString:
			switch c {
			case '\\':
				i++
			case '"':
				inString = false
			}
		case c == '"':
			inString = true
		case c == '[' || c == '{':
			depth++
		case c == ']' || c == '}':
			depth--
			if depth == 0 {
				return i + 1
			}
		}
	}
	return -1
}
