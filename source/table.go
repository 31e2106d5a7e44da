package source

import (
	"fmt"
	"reflect"
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

// Raw is a release as read, sheet by sheet, before [Check] checks it.
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

// The row types hold one spreadsheet row each, as text, and are the one
// place where the columns of a release are declared: each csv tag is a
// column's documented name, in the order of the specification, and the tag
// sheet:"required" marks the columns a sheet must have. [Sheets] is derived
// from them. Line is the 1-based physical row, the header being row 1.

// SemesterRow is one row of the semesters sheet.
type SemesterRow struct {
	Line      int    `csv:"-"`
	Name      string `csv:"name" sheet:"required"`
	Type      string `csv:"type" sheet:"required"`
	StartDate string `csv:"start_date" sheet:"required"`
	EndDate   string `csv:"end_date" sheet:"required"`
	SkipDates string `csv:"skip_dates"`
}

// RoomRow is one row of the rooms sheet.
type RoomRow struct {
	Line      int    `csv:"-"`
	Name      string `csv:"name" sheet:"required"`
	Type      string `csv:"type" sheet:"required"`
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
	Name      string `csv:"name" sheet:"required"`
	PeopleURL string `csv:"people_url"`
}

// CourseRow is one row of the courses sheet.
type CourseRow struct {
	Line     int    `csv:"-"`
	Code     string `csv:"code" sheet:"required"`
	Name     string `csv:"name" sheet:"required"`
	Credits  string `csv:"credits"`
	Language string `csv:"language"`
	EduURL   string `csv:"edu_url"`
	Teachers string `csv:"teachers"`
}

// StudyPlanRow is one row of the studyplans sheet.
type StudyPlanRow struct {
	Line     int    `csv:"-"`
	UnitCode string `csv:"unit_code" sheet:"required"`
	UnitName string `csv:"unit_name" sheet:"required"`
	Section  string `csv:"section"`
	Promo    string `csv:"promo"`
	Semester string `csv:"semester" sheet:"required"`
	Courses  string `csv:"courses"`
	ID       string `csv:"id"`
}

// SessionRow is one row of the sessions sheet (weekly course sessions).
type SessionRow struct {
	Line     int    `csv:"-"`
	Course   string `csv:"course" sheet:"required"`
	Label    string `csv:"label" sheet:"required"`
	Weekday  string `csv:"weekday" sheet:"required"`
	Start    string `csv:"start" sheet:"required"`
	End      string `csv:"end" sheet:"required"`
	Rooms    string `csv:"rooms"`
	Semester string `csv:"semester"`
	Weeks    string `csv:"weeks"`
}

// BookingRow is one row of the bookings sheet (dated bookings and events).
type BookingRow struct {
	Line        int    `csv:"-"`
	Date        string `csv:"date" sheet:"required"`
	Start       string `csv:"start" sheet:"required"`
	End         string `csv:"end" sheet:"required"`
	Rooms       string `csv:"rooms" sheet:"required"`
	Course      string `csv:"course"`
	Label       string `csv:"label"`
	Name        string `csv:"name"`
	Description string `csv:"description"`
}

// Column describes one column of a sheet.
type Column struct {
	Name     string // as documented: "start_date"
	Required bool
	field    int // the index of the row type's field that holds it
}

// SheetSpec describes one sheet of a release: its name, whether the
// release must have it, and its columns.
type SheetSpec struct {
	Name     string
	Required bool
	Columns  []Column
	table    func(*Raw) sheetTable // the sheet's table in a Raw
}

// Key returns the normalized form of the column name.
func (c Column) Key() string { return NormalizeHeader(c.Name) }

// Sheets is the specification of a release, in the order the sheets are
// read and reported. Each line names a sheet, says whether a release must
// have it and where its table is in a [Raw]; the columns come from the
// tags of the table's row type.
var Sheets = []SheetSpec{
	specOf("semesters", true, func(r *Raw) *Table[SemesterRow] { return &r.Semesters }),
	specOf("rooms", true, func(r *Raw) *Table[RoomRow] { return &r.Rooms }),
	specOf("teachers", false, func(r *Raw) *Table[TeacherRow] { return &r.Teachers }),
	specOf("courses", true, func(r *Raw) *Table[CourseRow] { return &r.Courses }),
	specOf("studyplans", false, func(r *Raw) *Table[StudyPlanRow] { return &r.StudyPlans }),
	specOf("sessions", false, func(r *Raw) *Table[SessionRow] { return &r.Sessions }),
	specOf("bookings", false, func(r *Raw) *Table[BookingRow] { return &r.Bookings }),
}

// specOf returns the specification of the sheet named, whose table table
// returns, with the columns declared by the tags of its row type R. It
// panics when R is not a row type (a struct with an int field Line and
// string fields for the columns): a mistake in this package.
func specOf[R any](name string, required bool, table func(*Raw) *Table[R]) SheetSpec {
	lineField[R]()
	rt := reflect.TypeFor[R]()
	var columns []Column
	for i := range rt.NumField() {
		f := rt.Field(i)
		tag := f.Tag.Get("csv")
		if tag == "-" {
			continue
		}
		if tag == "" || f.Type.Kind() != reflect.String || tag != strings.ToLower(tag) {
			panic("source: field " + f.Name + " of " + rt.String() + " is not a column: it needs a lower-case csv tag and type string")
		}
		columns = append(columns, Column{Name: tag, Required: f.Tag.Get("sheet") == "required", field: i})
	}
	return SheetSpec{Name: name, Required: required, Columns: columns, table: func(r *Raw) sheetTable { return table(r) }}
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

// column returns the column whose normalized name is key, or nil.
func (s *SheetSpec) column(key string) *Column {
	for i := range s.Columns {
		if s.Columns[i].Key() == key {
			return &s.Columns[i]
		}
	}
	return nil
}

// Rows returns the rows of the sheet's table in raw, as a slice of its row
// type ([]RoomRow for "rooms").
func (s *SheetSpec) Rows(raw *Raw) any { return s.table(raw).rows() }

// Len returns the number of rows of raw, in all its sheets.
func (r *Raw) Len() int {
	n := 0
	for i := range Sheets {
		n += Sheets[i].table(r).len()
	}
	return n
}

// sheetTable is the *[Table] of a sheet, whatever its row type: what the
// package does with every sheet alike.
type sheetTable interface {
	decode(s *Sheet) (problems []*ParseError, warnings []string)
	encode(spec *SheetSpec) [][]string
	found() bool
	file() string
	rows() any
	len() int
}

func (t *Table[R]) found() bool  { return t.Found }
func (t *Table[R]) file() string { return t.File }
func (t *Table[R]) rows() any    { return t.Rows }
func (t *Table[R]) len() int     { return len(t.Rows) }

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
