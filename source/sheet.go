package source

// This file holds what both readers share once they have turned their
// format into text records: a [Sheet] per sheet of [Sheets], decoded into
// the rows of a [Raw] by [Assemble] (records → rows), and the way back,
// [Encode], for the writers. Cell and header problems are found here, so a
// release gives the same Raw, and the same problems, in either format.
//
// gocsv decodes the rows, without touching its globals (no SetCSVReader,
// no SetHeaderNormalizer): the records are handed to it from memory with
// their header already checked and spelled as the row types' tags.

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
)

// Sheet is one sheet of a release as text, the common ground of the CSV and
// XLSX formats: the readers fill one per sheet of [Sheets] and pass
// them to [Assemble]; [Encode] fills them for the writers.
type Sheet struct {
	Name    string     // the sheet name as in Sheets: "rooms"
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
	Problems []*ParseError
}

// Assemble decodes sheets, one per sheet of [Sheets] in any order,
// into a new Raw with [Table.Decode]. release names the folder or workbook and is
// the File of the [ErrMissingSheet] problem reported for each
// required sheet not found; a missing optional sheet is an empty table.
// warnings (such as unknown sheets) come first in Raw.Warnings.
//
// Every problem is collected in a *[Errors], in sheet and row order,
// which is returned as the error. The Raw is returned even then, holding
// whatever could be read.
func Assemble(release string, sheets []Sheet, warnings []string) (*Raw, error) {
	raw := &Raw{Warnings: slices.Clone(warnings)}
	var errs Errors
	for _, spec := range Sheets {
		i := slices.IndexFunc(sheets, func(s Sheet) bool { return s.Name == spec.Name })
		s := Sheet{Name: spec.Name, File: release}
		if i >= 0 {
			s = sheets[i]
		}
		problems := slices.Clone(s.Problems)
		if !s.Found && spec.Required {
			problems = append(problems, &ParseError{File: release, Sheet: spec.Name, Err: ErrMissingSheet})
		}
		p, w := spec.table(raw).decode(&s)
		problems = append(problems, p...)
		raw.Warnings = append(raw.Warnings, w...)
		slices.SortStableFunc(problems, func(a, b *ParseError) int { return a.Row - b.Row })
		for _, p := range problems {
			errs.Add(p)
		}
	}
	return raw, errs.Err()
}

// decode fills t from s, a sheet read by a reader.
func (t *Table[R]) decode(s *Sheet) ([]*ParseError, []string) {
	*t = Table[R]{File: s.File, Sheet: s.Name, Serials: s.Serials, Header: map[string]int{}}
	if !s.Found {
		return nil, nil
	}
	if len(s.Records) == 0 && len(s.Problems) > 0 {
		t.Found = true
		return nil, nil
	}
	return t.Decode(s.Records, s.Lines)
}

// Decode fills t from the records of one sheet (records → rows): t.Sheet
// names the sheet (one of [Sheets]) and t.File the file it came from. Cells are trimmed of
// surrounding white space and blank records (every cell empty) are skipped.
// The first remaining record is the header, checked with
// [CheckHeader]; every other one becomes a row of t.Rows, decoded by
// gocsv through the row type's tags and with its Line set from
// lines (lines[i] is the 1-based physical row of records[i]; i+1 when lines
// is short). Decode sets t.Found and t.Header and returns the problems of the
// header and the warnings for unknown columns. It does not modify records.
func (t *Table[R]) Decode(records [][]string, lines []int) (problems []*ParseError, warnings []string) {
	spec := Spec(t.Sheet)
	if spec == nil {
		panic("source: Decode of unknown sheet " + strconv.Quote(t.Sheet))
	}
	lineField := lineField[R]()
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
	index, headerProblems, warns := CheckHeader(t.File, spec, header)
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

	// gocsv sees only the accepted columns, under the names of the row
	// type's tags: unknown and duplicate columns get a name that matches
	// no field.
	keys := make([]string, len(header))
	for k, col := range index {
		keys[col-1] = spec.column(k).Name
	}
	body[0] = keys
	var rows []R
	if err := gocsv.UnmarshalCSV(&gocsvReader{records: body}, &rows); err != nil {
		p := &ParseError{File: t.File, Sheet: spec.Name, Err: fmt.Errorf("cannot be decoded: %w", err)}
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

// ErrCellTooLarge is the [ParseError.Err] of a cell longer than
// [MaxCellBytes]; Value holds the start of the cell.
var ErrCellTooLarge = errors.New("is too long for one cell")

// checkCells reports the cells of one record longer than MaxCellBytes, and
// cuts them to the limit (on a UTF-8 boundary).
func checkCells(file, sheet string, header, cells []string, line int) []*ParseError {
	var out []*ParseError
	for j, c := range cells {
		if len(c) <= MaxCellBytes {
			continue
		}
		column := ""
		if j < len(header) && len(header[j]) <= MaxCellBytes {
			column = header[j]
		}
		if column == "" {
			column = ColumnName(j + 1)
		}
		out = append(out, &ParseError{
			File: file, Sheet: sheet, Row: line, Column: column, Value: Excerpt([]byte(c)),
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

// ErrDelimiter is the [ParseError.Err] of a header row whose cells
// hold several column names separated by another character than a comma:
// a file saved with ';' or tabs, as spreadsheets do in some locales.
var ErrDelimiter = errors.New("is not separated by commas")

// delimiterHint returns a problem naming the delimiter the header seems to
// use when some required column is missing and splitting the header cells
// on ';', a tab or '|' finds more known columns than it has; nil otherwise.
func delimiterHint(file string, spec *SheetSpec, header []string, index map[string]int, line int) *ParseError {
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
				if k := NormalizeHeader(part); known[k] {
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
	return &ParseError{
		File: file, Sheet: spec.Name, Row: line, Value: Excerpt([]byte(strings.Join(header, ","))),
		Err: fmt.Errorf("%w: it looks %s-separated; use commas (or one column per cell)", ErrDelimiter, name),
	}
}

// lineField returns the index of the int field Line of R.
func lineField[R any]() int {
	rt := reflect.TypeFor[R]()
	if rt.Kind() == reflect.Struct {
		if f, ok := rt.FieldByName("Line"); ok && len(f.Index) == 1 && f.Type.Kind() == reflect.Int {
			return f.Index[0]
		}
	}
	panic("source: a row type needs an int field Line, not " + rt.String())
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

// gocsvReader hands records already read to gocsv; it implements
// gocsv.CSVReader.
type gocsvReader struct{ records [][]string }

// Read returns the next record, or io.EOF.
func (r *gocsvReader) Read() ([]string, error) {
	if len(r.records) == 0 {
		return nil, io.EOF
	}
	rec := r.records[0]
	r.records = r.records[1:]
	return rec, nil
}

// ReadAll returns the remaining records.
func (r *gocsvReader) ReadAll() ([][]string, error) {
	rest := r.records
	r.records = nil
	return rest, nil
}

// Encode returns the sheets of raw as text records, one per sheet of
// [Sheets] and in that order, every sheet included: each holds a header
// of the documented column names ("start_date"), in specification order,
// then one record per row. Only Name, Found (as the table's) and Records
// are set.
func Encode(raw *Raw) []Sheet {
	sheets := make([]Sheet, len(Sheets))
	for i := range Sheets {
		spec := &Sheets[i]
		t := spec.table(raw)
		sheets[i] = Sheet{Name: spec.Name, Found: t.found(), Records: t.encode(spec)}
	}
	return sheets
}

func (t *Table[R]) encode(spec *SheetSpec) [][]string {
	header := make([]string, len(spec.Columns))
	for i, c := range spec.Columns {
		header[i] = c.Name
	}
	records := make([][]string, 0, 1+len(t.Rows))
	records = append(records, header)
	for i := range t.Rows {
		v := reflect.ValueOf(&t.Rows[i]).Elem()
		rec := make([]string, len(spec.Columns))
		for j, c := range spec.Columns {
			rec[j] = v.Field(c.field).String()
		}
		records = append(records, rec)
	}
	return records
}
