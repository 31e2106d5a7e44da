package source

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
)

// What the readers of both formats (source/csv, source/xlsx) share besides
// the sheets: their limits and the errors they report alike.

// DefaultMaxCells is the cell limit of a release when a reader's
// Options.MaxCells is zero: ten million cells. A large university's
// timetable (the sample at scale 1) has about 61,000 cells, thirty campuses
// 1.84 million and a hundred 6.1 million, so the default admits a hundred
// campuses with room to spare. Each cell read costs about 100 to 200 bytes
// of memory until the release is checked: at the limit, one to two GiB.
// cmd/build's -max-cells flag sets it.
const DefaultMaxCells = 10_000_000

// ErrTooLarge reports an input over a size limit of a reader's Options: a
// file's size, a release's cells, a workbook's parts.
var ErrTooLarge = errors.New("file is over the size limit")

// ErrNotRegular reports an input that is not a regular file, such as a
// named pipe or a device: it is not read, since opening a pipe waits for
// a writer and reading a device may never end.
var ErrNotRegular = errors.New("not a regular file")

// CheckRegular returns nil when mode is a regular file's, and otherwise an
// error wrapping [ErrNotRegular] that names the file (display) and its
// kind: "read in/rooms.csv: not a regular file (a named pipe): …".
func CheckRegular(display string, mode fs.FileMode) error {
	if mode.IsRegular() {
		return nil
	}
	return fmt.Errorf("read %s: %w (%s): a release is read from regular files only", display, ErrNotRegular, describeMode(mode))
}

// describeMode names the kind of file of a mode that is not regular.
func describeMode(m fs.FileMode) string {
	switch t := m.Type(); {
	case t&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case t&fs.ModeDevice != 0:
		return "a device"
	case t&fs.ModeSocket != 0:
		return "a socket"
	case t&fs.ModeDir != 0:
		return "a folder"
	default:
		return "of mode " + t.String()
	}
}

// Excerpt returns text as valid UTF-8 of at most 60 characters, for the
// Value of a [ParseError] that shows a line or a long cell.
func Excerpt(text []byte) string {
	if len(text) > 240 {
		text = text[:240]
	}
	s := strings.ToValidUTF8(string(text), "\ufffd")
	if r := []rune(s); len(r) > 60 {
		s = string(r[:60]) + "…"
	}
	return s
}

// ColumnName returns the spreadsheet name of the 1-based column n: A, …,
// Z, AA, ….
func ColumnName(n int) string {
	var b []byte
	for ; n > 0; n = (n - 1) / 26 {
		b = append([]byte{byte('A' + (n-1)%26)}, b...)
	}
	return string(b)
}
