// Package xlsx reads and writes a timetable release held as one workbook
// (.xlsx) with a sheet per sheet of [source.Sheets]. It is the only importer
// of github.com/xuri/excelize/v2. It turns each sheet into text records;
// [source.Assemble] decodes them into rows, as it does for the csv package,
// so a release gives the same [source.Raw] in either format, apart from
// Table.File and Table.Serials.
package xlsx

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/xuri/excelize/v2"

	"occupancy/source"
)

// Default limits, used when the matching field of [Options] is zero.
const (
	// DefaultMaxFileSize is the default Options.MaxFileSize: 64 MiB.
	DefaultMaxFileSize = 64 << 20
	// DefaultUnzipSizeLimit is the default Options.UnzipSizeLimit: 1 GiB,
	// four times what a workbook of a hundred campuses unzips to (about
	// 243 MB). The parts above DefaultUnzipXMLSizeLimit go to temporary
	// files, so memory is bounded by Options.MaxXMLPart and
	// Options.MaxSharedText, not by this.
	DefaultUnzipSizeLimit = 1 << 30
	// DefaultUnzipXMLSizeLimit is the default Options.UnzipXMLSizeLimit:
	// 16 MiB.
	DefaultUnzipXMLSizeLimit = 16 << 20
)

// Options tunes the reading of a workbook. The zero value is ready to use;
// each zero field means its default.
type Options struct {
	// MaxFileSize bounds the size of the workbook file, in bytes
	// (DefaultMaxFileSize).
	MaxFileSize int64
	// UnzipSizeLimit bounds the unzipped size of the whole workbook, in
	// bytes (DefaultUnzipSizeLimit). It must not be below UnzipXMLSizeLimit.
	UnzipSizeLimit int64
	// UnzipXMLSizeLimit is the unzipped size, in bytes, beyond which a
	// worksheet is unzipped to a temporary file rather than memory
	// (DefaultUnzipXMLSizeLimit, or UnzipSizeLimit if that is smaller).
	UnzipXMLSizeLimit int64
	// MaxCells bounds the number of cells kept from all sheets
	// (source.DefaultMaxCells): a workbook is small on disk even with a value in
	// the last column of every row, which would take a lot of memory.
	MaxCells int
	// MaxXMLPart bounds the unzipped size, in bytes, of each part of the
	// workbook (DefaultMaxXMLPart): excelize holds a part in memory to
	// parse it. The size each part declares is checked before anything
	// is unzipped.
	MaxXMLPart int64
	// MaxSharedText bounds the bytes of shared-string text that the cells
	// of the workbook reference, counted once per referencing cell
	// (DefaultMaxSharedText): excelize gives each cell its own copy, so
	// one long string referenced by every cell takes memory without bound.
	// It is counted, streaming, before excelize reads the workbook.
	MaxSharedText int64
}

func (o Options) withDefaults() Options {
	if o.MaxFileSize <= 0 {
		o.MaxFileSize = DefaultMaxFileSize
	}
	if o.UnzipSizeLimit <= 0 {
		o.UnzipSizeLimit = DefaultUnzipSizeLimit
	}
	if o.UnzipXMLSizeLimit <= 0 {
		o.UnzipXMLSizeLimit = min(DefaultUnzipXMLSizeLimit, o.UnzipSizeLimit)
	}
	if o.MaxCells <= 0 {
		o.MaxCells = source.DefaultMaxCells
	}
	if o.MaxXMLPart <= 0 {
		o.MaxXMLPart = DefaultMaxXMLPart
	}
	if o.MaxSharedText <= 0 {
		o.MaxSharedText = DefaultMaxSharedText
	}
	return o
}

// ReadFile reads the workbook at path with [Read], naming it path.
func ReadFile(path string, opt Options) (*source.Raw, error) {
	// Opened without waiting on a named pipe, and read only when regular
	// (a pipe or a device could hold the build for good).
	f, err := os.OpenFile(filepath.Clean(path), os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		return nil, source.CheckRegular(path, fi.Mode())
	}
	raw, err := Read(f, path, opt)
	if cerr := f.Close(); cerr != nil && err == nil {
		return nil, fmt.Errorf("read %s: %w", path, cerr)
	}
	return raw, err
}

// Read reads a release from the workbook r, named name ("timetable.xlsx")
// in errors and in every Table.File. Its sheets match the sheets of
// [source.Sheets] in any spelling of [source.NormalizeHeader] ("Study
// Plans"); other sheets give a warning. The first non-blank row of a sheet
// is its header. Cells are read as stored (excelize's RawCellValue): dates
// and times may be serial numbers, so every Table.Serials is true.
//
// Content problems (a missing required sheet or column, a duplicate
// column or sheet…) are all collected in a *[source.Errors] returned as the
// error, along with the Raw read so far. A file that is not a readable
// workbook, or is over a limit of opt, gives another error naming it, and a
// nil Raw.
func Read(r io.Reader, name string, opt Options) (*source.Raw, error) {
	opt = opt.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, opt.MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if int64(len(data)) > opt.MaxFileSize {
		return nil, fmt.Errorf("read %s: %w (more than %d bytes, Options.MaxFileSize)", name, source.ErrTooLarge, opt.MaxFileSize)
	}
	if err := checkArchive(data, name, opt); err != nil {
		return nil, err
	}
	sheets, warnings, err := readSheets(data, name, opt)
	if err != nil {
		return nil, err
	}
	return source.Assemble(name, sheets, warnings)
}

// ErrEncrypted reports a password-protected workbook, which the reader
// cannot open: it is stored as an encrypted OLE container, not a zip.
var ErrEncrypted = errors.New("encrypted (password-protected) workbook: save a copy without a password")

// oleMagic starts OLE compound files: encrypted workbooks and the Excel
// 97-2003 .xls format.
var oleMagic = []byte{0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1}

// checkArchive checks the container of a workbook before excelize opens
// it, because excelize reports some problems vaguely and ignores others:
//   - an OLE file is an encrypted workbook (it holds an EncryptedPackage
//     stream) or an old .xls one, each with its own message;
//   - the unzipped sizes the zip declares are bounded by
//     opt.UnzipSizeLimit, part by part and in total, before anything is
//     unzipped (a zip bomb fails here, naming the part);
//   - the unzipped size each part declares is bounded by
//     opt.MaxXMLPart too (see checkParts);
//   - every part is unzipped once, to nothing, so that corrupt compressed
//     data, a wrong CRC-32 or a part longer than it declares (which
//     excelize reads as silently truncated) is an error;
//   - every worksheet part ends with its closing tag, as a worksheet cut
//     short would otherwise read as a sheet with fewer rows;
//   - the shared-string text the cells reference is bounded by
//     opt.MaxSharedText (see checkSharedText).
//
// Memory stays bounded: nothing is kept but each part's last bytes and
// the length of each shared string.
func checkArchive(data []byte, name string, opt Options) error {
	if bytes.HasPrefix(data, oleMagic) {
		if bytes.Contains(data, utf16le("EncryptedPackage")) {
			return fmt.Errorf("read %s: %w", name, ErrEncrypted)
		}
		return fmt.Errorf("read %s: not a readable XLSX workbook: an OLE compound file, such as an Excel 97-2003 .xls workbook (save it as .xlsx)", name)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil // not a zip: excelize says so
	}
	limit := uint64(opt.UnzipSizeLimit)
	var total uint64
	for _, f := range zr.File {
		total += f.UncompressedSize64
		if f.UncompressedSize64 > limit || total > limit || total < f.UncompressedSize64 {
			return fmt.Errorf("read %s: %w (part %s unzips to %d bytes; a workbook may unzip to %d bytes at most; raise the limit with -max-unzip, Options.UnzipSizeLimit)",
				name, source.ErrTooLarge, f.Name, f.UncompressedSize64, limit)
		}
	}
	if err := checkParts(zr, name, opt); err != nil {
		return err
	}
	var ends endTagCounter // over every part but the shared strings
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return fmt.Errorf("read %s: not a readable XLSX workbook: part %s: %w", name, f.Name, err)
		}
		var tail tailWriter
		var w io.Writer = &tail
		if partKey(f.Name) != sharedStringsPart {
			ends.last = 0
			w = io.MultiWriter(&tail, &ends)
		}
		_, err = io.Copy(w, rc)
		if cerr := rc.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("read %s: not a readable XLSX workbook: part %s is corrupt: %w", name, f.Name, err)
		}
		if isWorksheet(f.Name) && !tail.closesWorksheet() {
			return fmt.Errorf("read %s: not a readable XLSX workbook: part %s is cut short (no closing worksheet tag)", name, f.Name)
		}
	}
	return checkSharedText(zr, name, opt, ends.n)
}

func utf16le(s string) []byte {
	out := make([]byte, 0, 2*len(s))
	for _, c := range []byte(s) {
		out = append(out, c, 0)
	}
	return out
}

func isWorksheet(part string) bool {
	part = strings.ToLower(strings.ReplaceAll(part, "\\", "/"))
	return strings.HasPrefix(part, "xl/worksheets/") && strings.HasSuffix(part, ".xml") && !strings.Contains(part[len("xl/worksheets/"):], "/")
}

// tailWriter keeps the last bytes written to it.
type tailWriter struct{ buf []byte }

const tailSize = 64

func (w *tailWriter) Write(p []byte) (int, error) {
	if len(p) >= tailSize {
		w.buf = append(w.buf[:0], p[len(p)-tailSize:]...)
	} else {
		w.buf = append(w.buf, p...)
		if len(w.buf) > tailSize {
			w.buf = append(w.buf[:0], w.buf[len(w.buf)-tailSize:]...)
		}
	}
	return len(p), nil
}

// closesWorksheet reports whether the bytes kept end with the closing tag
// of a worksheet (</worksheet>, or with a namespace prefix </x:worksheet>).
func (w *tailWriter) closesWorksheet() bool {
	t := bytes.TrimRight(w.buf, " \t\r\n")
	i := bytes.LastIndex(t, []byte("</"))
	if i < 0 || !bytes.HasSuffix(t, []byte(">")) {
		return false
	}
	tag := string(t[i+2 : len(t)-1])
	if _, local, ok := strings.Cut(tag, ":"); ok {
		tag = local
	}
	return tag == "worksheet"
}

// readSheets reads every sheet of the workbook data that is a sheet of the
// release.
func readSheets(data []byte, name string, opt Options) (sheets []source.Sheet, warnings []string, err error) {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{
		RawCellValue:      true,
		UnzipSizeLimit:    opt.UnzipSizeLimit,
		UnzipXMLSizeLimit: opt.UnzipXMLSizeLimit,
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return nil, nil, fmt.Errorf("read %s: not a readable XLSX workbook: %w", name, err)
	}
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			sheets, warnings, err = nil, nil, fmt.Errorf("read %s: %w", name, cerr)
		}
	}()

	cells := 0
	titles := map[string]string{} // sheet → title of the sheet read
	for _, title := range f.GetSheetList() {
		sheet := source.NormalizeHeader(title)
		if source.Spec(sheet) == nil {
			warnings = append(warnings, fmt.Sprintf("%s: unknown sheet %q ignored", name, title))
			continue
		}
		if first, dup := titles[sheet]; dup {
			i := indexSheet(sheets, sheet)
			sheets[i].Problems = append(sheets[i].Problems, &source.ParseError{
				File: name, Sheet: sheet, Value: title,
				Err: fmt.Errorf("%w of sheet %q", source.ErrDuplicate, first),
			})
			continue
		}
		titles[sheet] = title
		if visible, err := f.GetSheetVisible(title); err == nil && !visible {
			warnings = append(warnings, fmt.Sprintf("%s: sheet %q is hidden; it is read all the same (delete it to leave it out)", name, title))
		}
		s := source.Sheet{Name: sheet, File: name, Found: true, Serials: true}
		if err := readRows(f, title, &s, &cells, opt.MaxCells); err != nil {
			return nil, nil, fmt.Errorf("read %s: sheet %q: %w", name, title, err)
		}
		sheets = append(sheets, s)
	}
	for _, spec := range source.Sheets {
		if indexSheet(sheets, spec.Name) < 0 {
			sheets = append(sheets, source.Sheet{Name: spec.Name, File: name, Serials: true})
		}
	}
	return sheets, warnings, nil
}

// readRows reads the non-blank rows of the sheet title into s, with their
// physical row numbers, adding the cells kept to *cells.
func readRows(f *excelize.File, title string, s *source.Sheet, cells *int, maxCells int) (err error) {
	rows, err := f.Rows(title)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := rows.Close(); cerr != nil && err == nil {
			err = cerr
		}
	}()
	// Rows.Next returns empty rows too, so counting its calls gives the
	// physical row.
	for row := 1; rows.Next(); row++ {
		rec, err := rows.Columns()
		if err != nil {
			return fmt.Errorf("row %d: %w", row, err)
		}
		if blank(rec) {
			continue
		}
		if *cells += len(rec); *cells > maxCells {
			return fmt.Errorf("row %d: %w (more than %d cells in the workbook; raise the limit with -max-cells, Options.MaxCells)", row, source.ErrTooLarge, maxCells)
		}
		s.Records = append(s.Records, rec)
		s.Lines = append(s.Lines, row)
	}
	return rows.Error()
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func indexSheet(sheets []source.Sheet, name string) int {
	for i := range sheets {
		if sheets[i].Name == name {
			return i
		}
	}
	return -1
}
