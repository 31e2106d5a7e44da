package source

import (
	"fmt"
	"strings"
	"unicode"
)

// Table is one sheet of a release as read from a file, before any value is
// checked: every cell is kept as text. R is one of the *Row types of this
// package, decoded from a header-keyed record by the readers.
type Table[R any] struct {
	File   string         // the file the sheet came from, for error positions
	Sheet  string         // the sheet name: "rooms", …
	Found  bool           // false when the sheet (file) is absent from the release
	Header map[string]int // normalized column name → 1-based column number
	Rows   []R
	// Serials is true when date and time cells may hold spreadsheet serial
	// numbers (days since 1899-12-30, fractions of a day), as XLSX cells do.
	Serials bool
}

// Has reports whether the sheet has the column named (in any spelling).
func (t *Table[R]) Has(column string) bool {
	_, ok := t.Header[NormalizeHeader(column)]
	return ok
}

// Raw is a release as read, sheet by sheet, before [Decode] checks it.
type Raw struct {
	Semesters  Table[SemesterRow]
	Rooms      Table[RoomRow]
	Teachers   Table[TeacherRow]
	Courses    Table[CourseRow]
	StudyPlans Table[StudyPlanRow]
	Sessions   Table[SessionRow]
	Bookings   Table[BookingRow]
	// Warnings holds non-fatal notes from reading, such as unknown columns.
	Warnings []string
}

// The row types hold one spreadsheet row each, as text. Their csv tags are
// the normalized column names (see [NormalizeHeader]); Line is the 1-based
// physical row, the header being row 1.

// SemesterRow is one row of the semesters sheet.
type SemesterRow struct {
	Line      int    `csv:"-"`
	Name      string `csv:"name"`
	Type      string `csv:"type"`
	StartDate string `csv:"startdate"`
	EndDate   string `csv:"enddate"`
	SkipDates string `csv:"skipdates"`
}

// RoomRow is one row of the rooms sheet.
type RoomRow struct {
	Line      int    `csv:"-"`
	Name      string `csv:"name"`
	Type      string `csv:"type"`
	Capacity  string `csv:"capacity"`
	Building  string `csv:"building"`
	Level     string `csv:"level"`
	Latitude  string `csv:"latitude"`
	Longitude string `csv:"longitude"`
	Link      string `csv:"link"`
	Available string `csv:"available"`
}

// TeacherRow is one row of the teachers sheet.
type TeacherRow struct {
	Line      int    `csv:"-"`
	Name      string `csv:"name"`
	PeopleURL string `csv:"peopleurl"`
}

// CourseRow is one row of the courses sheet.
type CourseRow struct {
	Line     int    `csv:"-"`
	Code     string `csv:"code"`
	Name     string `csv:"name"`
	Credits  string `csv:"credits"`
	Language string `csv:"language"`
	EduURL   string `csv:"eduurl"`
	Teachers string `csv:"teachers"`
}

// StudyPlanRow is one row of the studyplans sheet.
type StudyPlanRow struct {
	Line     int    `csv:"-"`
	UnitCode string `csv:"unitcode"`
	UnitName string `csv:"unitname"`
	Section  string `csv:"section"`
	Promo    string `csv:"promo"`
	Semester string `csv:"semester"`
	Courses  string `csv:"courses"`
	ID       string `csv:"id"`
}

// SessionRow is one row of the sessions sheet (weekly course sessions).
type SessionRow struct {
	Line     int    `csv:"-"`
	Course   string `csv:"course"`
	Label    string `csv:"label"`
	Weekday  string `csv:"weekday"`
	Start    string `csv:"start"`
	End      string `csv:"end"`
	Rooms    string `csv:"rooms"`
	Semester string `csv:"semester"`
	Weeks    string `csv:"weeks"`
}

// BookingRow is one row of the bookings sheet (dated bookings and events).
type BookingRow struct {
	Line        int    `csv:"-"`
	Date        string `csv:"date"`
	Start       string `csv:"start"`
	End         string `csv:"end"`
	Rooms       string `csv:"rooms"`
	Course      string `csv:"course"`
	Label       string `csv:"label"`
	Name        string `csv:"name"`
	Description string `csv:"description"`
}

// Column describes one column of a sheet.
type Column struct {
	Name     string // as documented: "start_date"
	Required bool
}

// SheetSpec describes one sheet of a release: its name, whether the
// release must have it, and its columns.
type SheetSpec struct {
	Name     string
	Required bool
	Columns  []Column
}

// Key returns the normalized form of the column name.
func (c Column) Key() string { return NormalizeHeader(c.Name) }

// Sheets is the specification of a release, in the order the sheets are
// read and reported.
var Sheets = []SheetSpec{
	{"semesters", true, []Column{{"name", true}, {"type", true}, {"start_date", true}, {"end_date", true}, {"skip_dates", false}}},
	{"rooms", true, []Column{{"name", true}, {"type", true}, {"capacity", false}, {"building", false}, {"level", false}, {"latitude", false}, {"longitude", false}, {"link", false}, {"available", false}}},
	{"teachers", false, []Column{{"name", true}, {"people_url", false}}},
	{"courses", true, []Column{{"code", true}, {"name", true}, {"credits", false}, {"language", false}, {"edu_url", false}, {"teachers", false}}},
	{"studyplans", false, []Column{{"unit_code", true}, {"unit_name", true}, {"section", false}, {"promo", false}, {"semester", true}, {"courses", false}, {"id", false}}},
	{"sessions", false, []Column{{"course", true}, {"label", true}, {"weekday", true}, {"start", true}, {"end", true}, {"rooms", false}, {"semester", false}, {"weeks", false}}},
	{"bookings", false, []Column{{"date", true}, {"start", true}, {"end", true}, {"rooms", true}, {"course", false}, {"label", false}, {"name", false}, {"description", false}}},
}

// Spec returns the specification of the sheet named, or nil.
func Spec(sheet string) *SheetSpec {
	for i := range Sheets {
		if Sheets[i].Name == sheet {
			return &Sheets[i]
		}
	}
	return nil
}

// NormalizeHeader folds a header cell so that "Start Date", "start_date" and
// "STARTDATE" match: lower case, without spaces, underscores or a BOM.
func NormalizeHeader(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r == '_' || r == '\ufeff' || unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(unicode.ToLower(r))
	}
	return b.String()
}

// CheckHeader compares a sheet's header row with its specification. It
// returns the normalized column → 1-based column number map, the problems
// (missing required columns, duplicated columns) and warnings for unknown
// columns, which are ignored.
func CheckHeader(file string, spec *SheetSpec, header []string) (map[string]int, []*ParseError, []string) {
	known := make(map[string]bool, len(spec.Columns))
	for _, c := range spec.Columns {
		known[c.Key()] = true
	}
	index := make(map[string]int, len(header))
	var errs []*ParseError
	var warns []string
	unknown := 0
	for i, h := range header {
		k := NormalizeHeader(h)
		if k == "" {
			continue
		}
		if !known[k] {
			if unknown++; unknown <= maxUnknownListed {
				warns = append(warns, file+": "+spec.Name+" row 1: unknown column "+quote(h)+" ignored")
			}
			continue
		}
		if _, dup := index[k]; dup {
			errs = append(errs, &ParseError{File: file, Sheet: spec.Name, Row: 1, Column: h, Value: h, Err: ErrDuplicateCol})
			continue
		}
		index[k] = i + 1
	}
	if more := unknown - maxUnknownListed; more > 0 {
		warns = append(warns, fmt.Sprintf("%s: %s row 1: %d more unknown columns ignored (%d in all)", file, spec.Name, more, unknown))
	}
	for _, c := range spec.Columns {
		if _, ok := index[c.Key()]; c.Required && !ok {
			errs = append(errs, &ParseError{File: file, Sheet: spec.Name, Column: c.Name, Err: ErrMissingColumn})
		}
	}
	return index, errs, warns
}

// maxUnknownListed is how many unknown columns of one sheet are warned of
// one by one; the rest are counted in one more warning, so that a sheet of
// 10,000 stray columns gives 11 lines, not 10,000.
const maxUnknownListed = 10

func quote(s string) string { return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"` }
