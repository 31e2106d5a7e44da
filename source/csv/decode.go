// Package csv reads and writes a timetable release held as a folder of CSV
// files, one <sheet>.csv per sheet of [source.Sheets], and holds the code
// that both formats share to turn text records into a [source.Raw]:
// [Decode], [Assemble] and [Encode]. The xlsx package reads workbooks
// through the same code, so a release gives the same Raw in either format.
//
// It is the only importer of github.com/gocarina/gocsv. gocsv is used
// without touching its globals (no SetCSVReader, no SetHeaderNormalizer):
// the records are read with encoding/csv first, for physical line numbers
// and syntax errors, and then handed to gocsv from memory with their header
// already normalized.
package csv

import (
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gocarina/gocsv"

	"occupancy/source"
)

// Sheet is one sheet of a release as text, the common ground of the CSV and
// XLSX formats: the readers fill one per sheet of [source.Sheets] and pass
// them to [Assemble]; [Encode] fills them for the writers.
type Sheet struct {
	Name    string     // the sheet name as in source.Sheets: "rooms"
	File    string     // becomes Table.File: "release/rooms.csv", "timetable.xlsx"
	Found   bool       // false when the release has no such sheet
	Serials bool       // becomes Table.Serials: cells may hold spreadsheet serial numbers
	Records [][]string // the rows in order; the first non-blank one is the header
	// Lines holds the 1-based physical row of each record; when it is
	// shorter than Records, record i is taken to be on row i+1.
	Lines []int
	// Problems found while reading the sheet, such as bad quoting or a
	// second sheet of the same name; Assemble reports them with the rest.
	// A sheet with problems and no records is not decoded, its header
	// being unreadable.
	Problems []*source.ParseError
}

// Assemble decodes sheets, one per sheet of [source.Sheets] in any order,
// into a new Raw with [Decode]. release names the folder or workbook and is
// the File of the [source.ErrMissingSheet] problem reported for each
// required sheet not found; a missing optional sheet is an empty table.
// warnings (such as unknown sheets) come first in Raw.Warnings.
//
// Every problem is collected in a *[source.Errors], in sheet and row order,
// which is returned as the error. The Raw is returned even then, holding
// whatever could be read.
func Assemble(release string, sheets []Sheet, warnings []string) (*source.Raw, error) {
	raw := &source.Raw{Warnings: slices.Clone(warnings)}
	var errs source.Errors
	for _, spec := range source.Sheets {
		i := slices.IndexFunc(sheets, func(s Sheet) bool { return s.Name == spec.Name })
		s := Sheet{Name: spec.Name, File: release}
		if i >= 0 {
			s = sheets[i]
		}
		problems := slices.Clone(s.Problems)
		if !s.Found && spec.Required {
			problems = append(problems, &source.ParseError{File: release, Sheet: spec.Name, Err: source.ErrMissingSheet})
		}
		p, w := decodeSheet(raw, &s)
		problems = append(problems, p...)
		raw.Warnings = append(raw.Warnings, w...)
		slices.SortStableFunc(problems, func(a, b *source.ParseError) int { return a.Row - b.Row })
		for _, p := range problems {
			errs.Add(p)
		}
	}
	return raw, errs.Err()
}

// decodeSheet decodes s into the table of raw it names.
func decodeSheet(raw *source.Raw, s *Sheet) ([]*source.ParseError, []string) {
	switch s.Name {
	case "semesters":
		return decodeInto(&raw.Semesters, s)
	case "rooms":
		return decodeInto(&raw.Rooms, s)
	case "teachers":
		return decodeInto(&raw.Teachers, s)
	case "courses":
		return decodeInto(&raw.Courses, s)
	case "studyplans":
		return decodeInto(&raw.StudyPlans, s)
	case "sessions":
		return decodeInto(&raw.Sessions, s)
	case "bookings":
		return decodeInto(&raw.Bookings, s)
	}
	panic("csv: no table for sheet " + strconv.Quote(s.Name))
}

func decodeInto[R any](t *source.Table[R], s *Sheet) ([]*source.ParseError, []string) {
	*t = source.Table[R]{File: s.File, Sheet: s.Name, Serials: s.Serials, Header: map[string]int{}}
	if !s.Found {
		return nil, nil
	}
	if len(s.Records) == 0 && len(s.Problems) > 0 {
		t.Found = true
		return nil, nil
	}
	return Decode(t, s.Records, s.Lines)
}

// Decode fills t from the records of one sheet: t.Sheet names the sheet (one
// of [source.Sheets]) and t.File the file it came from. Cells are trimmed of
// surrounding white space and blank records (every cell empty) are skipped.
// The first remaining record is the header, checked with
// [source.CheckHeader]; every other one becomes a row of t.Rows, decoded by
// gocsv through the normalized column names and with its Line set from
// lines (lines[i] is the 1-based physical row of records[i]; i+1 when lines
// is short). Decode sets t.Found and t.Header and returns the problems of the
// header and the warnings for unknown columns. It does not modify records.
//
// R must be a struct with an int field Line, as the row types of package
// source are.
func Decode[R any](t *source.Table[R], records [][]string, lines []int) (problems []*source.ParseError, warnings []string) {
	spec := source.Spec(t.Sheet)
	if spec == nil {
		panic("csv: Decode of unknown sheet " + strconv.Quote(t.Sheet))
	}
	lineField := lineIndex[R]()
	t.Found = true
	t.Rows = nil

	var header []string
	headerLine := 0
	body := [][]string{nil} // body[0] becomes the normalized header
	var bodyLines []int
	for i, rec := range records {
		cells, blank := trim(rec)
		if blank {
			continue
		}
		line := i + 1
		if i < len(lines) {
			line = lines[i]
		}
		if header == nil {
			header, headerLine = cells, line
			continue
		}
		body = append(body, cells)
		bodyLines = append(bodyLines, line)
	}

	if header != nil {
		problems = append(problems, checkCells(t.File, spec.Name, header, header, headerLine)...)
		for i, cells := range body[1:] {
			problems = append(problems, checkCells(t.File, spec.Name, header, cells, bodyLines[i])...)
		}
	}
	index, headerProblems, warns := source.CheckHeader(t.File, spec, header)
	warnings = warns
	problems = append(problems, headerProblems...)
	if hint := delimiterHint(t.File, spec, header, index, headerLine); hint != nil {
		problems = append(problems, hint)
	}
	t.Header = index
	if headerLine > 1 {
		// CheckHeader takes the header to be row 1; tell where it is.
		for _, p := range problems {
			if p.Row == 1 {
				p.Row = headerLine
			}
		}
		prefix := t.File + ": " + spec.Name + " row 1: "
		at := t.File + ": " + spec.Name + " row " + strconv.Itoa(headerLine) + ": "
		for i, w := range warnings {
			if rest, ok := strings.CutPrefix(w, prefix); ok {
				warnings[i] = at + rest
			}
		}
	}
	if len(bodyLines) == 0 {
		return problems, warnings
	}

	// gocsv sees only the accepted columns, under their normalized names:
	// unknown and duplicate columns get a name that matches no field.
	keys := make([]string, len(header))
	for k, col := range index {
		keys[col-1] = k
	}
	body[0] = keys
	var rows []R
	if err := gocsv.UnmarshalCSV(&recordReader{records: body}, &rows); err != nil {
		p := &source.ParseError{File: t.File, Sheet: spec.Name, Err: fmt.Errorf("cannot be decoded: %w", err)}
		var pe *stdcsv.ParseError
		if errors.As(err, &pe) {
			// gocsv numbers records from 2 (the header being 1) and columns
			// from 1: translate to the physical row and the column name.
			if i := pe.Line - 2; i >= 0 && i < len(bodyLines) {
				p.Row = bodyLines[i]
				if j := pe.Column - 1; j >= 0 && j < len(body[i+1]) {
					p.Value = body[i+1][j]
					if j < len(header) {
						p.Column = header[j]
					}
				}
			}
			p.Err = fmt.Errorf("cannot be decoded: %w", pe.Err)
		}
		return append(problems, p), warnings
	}
	for i := range rows {
		reflect.ValueOf(&rows[i]).Elem().Field(lineField).SetInt(int64(bodyLines[i]))
	}
	t.Rows = rows
	return problems, warnings
}

// MaxCellBytes bounds the text of one cell, in bytes: 32 KiB, Excel's own
// limit of 32,767 characters. A longer cell is a problem
// ([ErrCellTooLarge]) and is cut to the limit, so that one pasted
// document cannot be copied into every JSON file that shows it.
const MaxCellBytes = 32 << 10

// ErrCellTooLarge is the [source.ParseError.Err] of a cell longer than
// [MaxCellBytes]; Value holds the start of the cell.
var ErrCellTooLarge = errors.New("is too long for one cell")

// checkCells reports the cells of one record longer than MaxCellBytes, and
// cuts them to the limit (on a UTF-8 boundary).
func checkCells(file, sheet string, header, cells []string, line int) []*source.ParseError {
	var out []*source.ParseError
	for j, c := range cells {
		if len(c) <= MaxCellBytes {
			continue
		}
		column := ""
		if j < len(header) && len(header[j]) <= MaxCellBytes {
			column = header[j]
		}
		if column == "" {
			column = columnName(j + 1)
		}
		out = append(out, &source.ParseError{
			File: file, Sheet: sheet, Row: line, Column: column, Value: shorten([]byte(c)),
			Err: fmt.Errorf("%w: %d bytes, at most %d", ErrCellTooLarge, len(c), MaxCellBytes),
		})
		cut := MaxCellBytes
		for cut > 0 && !utf8.RuneStart(c[cut]) {
			cut--
		}
		cells[j] = c[:cut]
	}
	return out
}

// columnName returns the spreadsheet name of the 1-based column n: A, …,
// Z, AA, ….
func columnName(n int) string {
	var b []byte
	for ; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}

// ErrDelimiter is the [source.ParseError.Err] of a header row whose cells
// hold several column names separated by another character than a comma:
// a file saved with ';' or tabs, as spreadsheets do in some locales.
var ErrDelimiter = errors.New("is not separated by commas")

// delimiterHint returns a problem naming the delimiter the header seems to
// use when some required column is missing and splitting the header cells
// on ';', a tab or '|' finds more known columns than it has; nil otherwise.
func delimiterHint(file string, spec *source.SheetSpec, header []string, index map[string]int, line int) *source.ParseError {
	missing := false
	for _, c := range spec.Columns {
		if _, ok := index[c.Key()]; c.Required && !ok {
			missing = true
		}
	}
	if !missing {
		return nil
	}
	known := map[string]bool{}
	for _, c := range spec.Columns {
		known[c.Key()] = true
	}
	best, bestN := "", len(index)
	for _, d := range []string{";", "\t", "|"} {
		found := map[string]bool{}
		for _, cell := range header {
			if !strings.Contains(cell, d) {
				continue
			}
			for _, part := range strings.Split(cell, d) {
				if k := source.NormalizeHeader(part); known[k] {
					found[k] = true
				}
			}
		}
		for k := range index {
			found[k] = true
		}
		if n := len(found); n > bestN {
			best, bestN = d, n
		}
	}
	if best == "" {
		return nil
	}
	name := map[string]string{";": "';'", "\t": "tab", "|": "'|'"}[best]
	return &source.ParseError{
		File: file, Sheet: spec.Name, Row: line, Value: shorten([]byte(strings.Join(header, ","))),
		Err: fmt.Errorf("%w: it looks %s-separated; use commas (or one column per cell)", ErrDelimiter, name),
	}
}

// lineIndex returns the index of the int field Line of R.
func lineIndex[R any]() int {
	rt := reflect.TypeFor[R]()
	if rt.Kind() == reflect.Struct {
		if f, ok := rt.FieldByName("Line"); ok && len(f.Index) == 1 && f.Type.Kind() == reflect.Int {
			return f.Index[0]
		}
	}
	panic("csv: Decode needs a struct with an int field Line, not " + rt.String())
}

// trim returns a copy of rec with every cell trimmed of surrounding white
// space, and whether every cell is then empty.
func trim(rec []string) (cells []string, blank bool) {
	cells = make([]string, len(rec))
	blank = true
	for i, c := range rec {
		cells[i] = strings.TrimSpace(c)
		if cells[i] != "" {
			blank = false
		}
	}
	return cells, blank
}

// recordReader hands records already read to gocsv; it implements
// gocsv.CSVReader.
type recordReader struct{ records [][]string }

// Read returns the next record, or io.EOF.
func (r *recordReader) Read() ([]string, error) {
	if len(r.records) == 0 {
		return nil, io.EOF
	}
	rec := r.records[0]
	r.records = r.records[1:]
	return rec, nil
}

// ReadAll returns the remaining records.
func (r *recordReader) ReadAll() ([][]string, error) {
	rest := r.records
	r.records = nil
	return rest, nil
}

// Encode returns the sheets of raw as text records, one per sheet of
// [source.Sheets] and in that order, all marked Found: each holds a header
// of the documented column names ("start_date"), in specification order,
// then one record per row. Only Name, Found and Records are set.
func Encode(raw *source.Raw) []Sheet {
	return []Sheet{
		encode(&raw.Semesters, "semesters"),
		encode(&raw.Rooms, "rooms"),
		encode(&raw.Teachers, "teachers"),
		encode(&raw.Courses, "courses"),
		encode(&raw.StudyPlans, "studyplans"),
		encode(&raw.Sessions, "sessions"),
		encode(&raw.Bookings, "bookings"),
	}
}

func encode[R any](t *source.Table[R], sheet string) Sheet {
	spec := source.Spec(sheet)
	rt := reflect.TypeFor[R]()
	fields := make([]int, len(spec.Columns)) // column → field index, -1 if none
	header := make([]string, len(spec.Columns))
	for i, c := range spec.Columns {
		header[i] = c.Name
		fields[i] = -1
		for j := range rt.NumField() {
			if tag, _, _ := strings.Cut(rt.Field(j).Tag.Get("csv"), ","); tag == c.Key() {
				fields[i] = j
				break
			}
		}
	}
	records := make([][]string, 0, 1+len(t.Rows))
	records = append(records, header)
	for i := range t.Rows {
		v := reflect.ValueOf(&t.Rows[i]).Elem()
		rec := make([]string, len(fields))
		for c, f := range fields {
			if f >= 0 {
				rec[c] = v.Field(f).String()
			}
		}
		records = append(records, rec)
	}
	return Sheet{Name: sheet, Found: true, Records: records}
}
