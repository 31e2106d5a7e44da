// Package csv reads and writes a timetable release held as a folder of CSV
// files, one <sheet>.csv per sheet of [source.Sheets]. It turns each file
// into text records, with their physical lines and the problems of the
// file itself (encoding, quoting, size); [source.Assemble] decodes the
// records into rows, as it does for workbooks.
package csv

import (
	"bytes"
	stdcsv "encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"unicode/utf8"

	"occupancy/source"
)

// DefaultMaxFileSize is the size limit of one CSV file when
// [Options.MaxFileSize] is zero: 64 MiB.
const DefaultMaxFileSize = 64 << 20

// ErrSyntax is the [source.ParseError.Err] of malformed CSV, such as a bare
// quote; it wraps the error of encoding/csv (stdcsv.ErrBareQuote,
// stdcsv.ErrQuote) and Value holds the offending line.
var ErrSyntax = errors.New("is not valid CSV")

// Options tunes the reading of a CSV release. The zero value is ready to
// use.
type Options struct {
	// MaxFileSize bounds the size of each CSV file, in bytes; reading a
	// larger one fails with source.ErrTooLarge. Zero or less means
	// DefaultMaxFileSize.
	MaxFileSize int64
	// MaxCells bounds the number of cells read from all files; reading
	// more fails with source.ErrTooLarge, naming the file, the row and the
	// -max-cells flag of cmd/build that raises it. Zero or less means
	// source.DefaultMaxCells.
	MaxCells int
}

func (o Options) maxCells() int {
	if o.MaxCells <= 0 {
		return source.DefaultMaxCells
	}
	return o.MaxCells
}

func (o Options) maxFileSize() int64 {
	if o.MaxFileSize <= 0 {
		return DefaultMaxFileSize
	}
	return o.MaxFileSize
}

// ReadDir reads the release held in the folder dir: it is
// ReadFS(os.DirFS(dir), dir, opt).
func ReadDir(dir string, opt Options) (*source.Raw, error) {
	return ReadFS(os.DirFS(dir), dir, opt)
}

// ReadFS reads a release from the files <sheet>.csv at the root of fsys,
// one per sheet of [source.Sheets]. File names match sheet names in any
// spelling of [source.NormalizeHeader] ("Rooms.csv", "study_plans.CSV");
// other files give a warning, except those whose name starts with a dot,
// which are ignored.
// name is the display name of the folder: it is the File of a missing
// sheet problem, and each Table.File is path.Join(name, file).
//
// Files are UTF-8 text (a leading byte order mark is dropped) in the
// RFC 4180 format of encoding/csv, spaces before a quoted field allowed,
// with a header row. Lines end with LF, CRLF or, in a file without any LF,
// CR alone (Excel's "CSV (Macintosh)"): the three read alike. A UTF-16
// file is one problem ([ErrUTF16]) at row 1 and is not read further; in
// another file that is not UTF-8, the first bad byte is a problem
// ([ErrNotUTF8]) at its row and column, showing the cell as Windows-1252
// reads it. Cells are trimmed and blank rows skipped, as [source.Table.Decode]
// does; rows keep their physical line, a quoted field spanning lines
// included. Content problems (bad quoting, a missing required sheet or column, a
// duplicate column…) are all collected, across every file, in a
// *[source.Errors] returned as the error, along with the Raw read so far.
// Other errors, such as an unreadable folder or a file over
// [Options.MaxFileSize], stop the reading and return a nil Raw.
func ReadFS(fsys fs.FS, name string, opt Options) (*source.Raw, error) {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	var sheets []source.Sheet
	var warnings []string
	cells := 0
	for _, e := range entries {
		file := e.Name()
		sheet, isSheet := sheetOf(file)
		if !isSheet {
			if !strings.HasPrefix(file, ".") {
				warnings = append(warnings, fmt.Sprintf("%s: unknown file %q ignored", name, file))
			}
			continue
		}
		s := source.Sheet{Name: sheet, File: path.Join(name, file), Found: true}
		if i := indexSheet(sheets, sheet); i >= 0 {
			first := sheets[i]
			first.Problems = append(first.Problems, &source.ParseError{
				File: s.File, Sheet: sheet, Value: file,
				Err: fmt.Errorf("%w of %s", source.ErrDuplicate, path.Base(first.File)),
			})
			sheets[i] = first
			continue
		}
		data, err := readFile(fsys, file, s.File, opt.maxFileSize())
		if err != nil {
			return nil, err
		}
		if err := parse(&s, data, &cells, opt.maxCells()); err != nil {
			return nil, fmt.Errorf("read %s: %w", s.File, err)
		}
		sheets = append(sheets, s)
	}
	for _, spec := range source.Sheets {
		if indexSheet(sheets, spec.Name) < 0 {
			sheets = append(sheets, source.Sheet{Name: spec.Name, File: path.Join(name, spec.Name+".csv")})
		}
	}
	return source.Assemble(name, sheets, warnings)
}

// sheetOf returns the sheet of source.Sheets held by the file named.
func sheetOf(file string) (string, bool) {
	if len(file) < len(".csv") || !strings.EqualFold(file[len(file)-len(".csv"):], ".csv") {
		return "", false
	}
	sheet := source.NormalizeHeader(file[:len(file)-len(".csv")])
	return sheet, source.Spec(sheet) != nil
}

func indexSheet(sheets []source.Sheet, name string) int {
	for i := range sheets {
		if sheets[i].Name == name {
			return i
		}
	}
	return -1
}

// readFile reads the file of fsys named file, displayed as display, failing
// with source.ErrTooLarge beyond limit bytes.
func readFile(fsys fs.FS, file, display string, limit int64) (data []byte, err error) {
	if fi, err := fs.Stat(fsys, file); err == nil {
		if err := source.CheckRegular(display, fi.Mode()); err != nil {
			return nil, err
		}
	}
	f, err := fsys.Open(file)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", display, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			data, err = nil, fmt.Errorf("read %s: %w", display, cerr)
		}
	}()
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() > limit {
		return nil, fmt.Errorf("read %s: %w (%d bytes, more than %d, Options.MaxFileSize)", display, source.ErrTooLarge, fi.Size(), limit)
	}
	data, err = io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", display, err)
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("read %s: %w (more than %d bytes, Options.MaxFileSize)", display, source.ErrTooLarge, limit)
	}
	return data, nil
}

// parse reads the records of data into s, with their physical lines.
// Problems go to s.Problems: a UTF-16 file, which is not read further; the
// first byte that is not UTF-8, at its cell (the rest is read with U+FFFD
// for bad bytes); and each syntax error, after which reading goes on at
// the next line. A syntax error before the first record stops the
// reading, as the header is lost. The cells read are added to *cells;
// beyond maxCells, parse stops with an source.ErrTooLarge error.
func parse(s *source.Sheet, data []byte, cells *int, maxCells int) error {
	if p := utf16Problem(s, data); p != nil {
		s.Problems = append(s.Problems, p)
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\ufeff"))
	data = crToLF(data)
	var text lineFinder
	r := stdcsv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	r.ReuseRecord = false
	bad := badByte{offset: -1}
	if !utf8.Valid(data) { // the fast check first: most files are UTF-8
		bad = badByte{
			offset: firstInvalid(data),
			where: func(j int) int {
				line, col := r.FieldPos(j)
				return text.offset(data, line) + col - 1
			},
			header: func() []string { return firstNonBlank(s.Records) },
		}
	}
	// The encoding problem comes first among the file's problems: it is
	// the cause of any other on its row.
	defer func() {
		if p := bad.finish(s, data); p != nil {
			s.Problems = append([]*source.ParseError{p}, s.Problems...)
		}
	}()
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var pe *stdcsv.ParseError
			if !errors.As(err, &pe) {
				pe = &stdcsv.ParseError{Err: err}
			}
			where := ""
			if pe.Line != pe.StartLine {
				where = fmt.Sprintf("line %d, ", pe.Line)
			}
			s.Problems = append(s.Problems, &source.ParseError{
				File: s.File, Sheet: s.Name, Row: pe.StartLine, Value: text.line(data, pe.Line),
				Err: fmt.Errorf("%w (%sbyte %d: %w)", ErrSyntax, where, pe.Column, pe.Err),
			})
			if len(s.Records) == 0 {
				return nil
			}
			continue
		}
		line, _ := r.FieldPos(0)
		if p := bad.check(s, rec, line); p != nil {
			s.Problems = append([]*source.ParseError{p}, s.Problems...)
		}
		if *cells += len(rec); *cells > maxCells {
			return fmt.Errorf("row %d: %w (more than %d cells in the release; raise the limit with -max-cells, Options.MaxCells)", line, source.ErrTooLarge, maxCells)
		}
		s.Records = append(s.Records, rec)
		s.Lines = append(s.Lines, line)
	}
}

// crToLF returns data with every CR made a LF when data holds CRs and no
// LF: the CR-only line ends of Excel's "CSV (Macintosh)", which
// encoding/csv does not take for line ends, and would read as one huge
// header row. CRs inside quoted cells become LFs too, as a multi-line cell
// holds everywhere else. A file with any LF is left as it is, so that a
// lone CR in a quoted cell of a CRLF or LF file stays in the cell, as
// encoding/csv keeps it. The length does not change: offsets and line
// numbers stay those of the file.
func crToLF(data []byte) []byte {
	if bytes.IndexByte(data, '\n') >= 0 || bytes.IndexByte(data, '\r') < 0 {
		return data
	}
	return bytes.ReplaceAll(data, []byte("\r"), []byte("\n"))
}

// firstNonBlank returns the first record of records with a cell that is
// not white space, the header of a sheet, or nil.
func firstNonBlank(records [][]string) []string {
	for _, rec := range records {
		for _, c := range rec {
			if strings.TrimSpace(c) != "" {
				return rec
			}
		}
	}
	return nil
}

// lineFinder finds lines of a file quickly, for the Values of problems
// and the offsets of fields. It splits lines on LF only: parse reads a
// CR-only file with its CRs made LFs (crToLF), and lineAt drops the CR of
// a CRLF.
type lineFinder struct {
	starts []int // offset of each line; built on first use
}

// build indexes the lines of data once.
func (x *lineFinder) build(data []byte) {
	if x.starts != nil {
		return
	}
	x.starts = append(x.starts, 0)
	for i, b := range data {
		if b == '\n' {
			x.starts = append(x.starts, i+1)
		}
	}
}

// line returns the 1-based line n of data, shortened for a Value.
func (x *lineFinder) line(data []byte, n int) string {
	x.build(data)
	if n < 1 || n > len(x.starts) {
		return ""
	}
	return source.Excerpt(lineAt(data[x.starts[n-1]:], 1))
}

// offset returns the offset in data of the start of the 1-based line n,
// or len(data) past the last line.
func (x *lineFinder) offset(data []byte, n int) int {
	x.build(data)
	if n < 1 || n > len(x.starts) {
		return len(data)
	}
	return x.starts[n-1]
}

// lineAt returns the 1-based line n of data, without its line end.
func lineAt(data []byte, n int) []byte {
	for range n - 1 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			return nil
		}
		data = data[i+1:]
	}
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	return bytes.TrimSuffix(data, []byte("\r"))
}
