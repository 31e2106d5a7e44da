package csv

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	"occupancy/source"
)

// ErrNotUTF8 is the [source.ParseError.Err] of a CSV file that is not UTF-8
// text. The problem is at the row and column of the first byte that is not
// UTF-8; its Value is that cell read as Windows-1252, so that the operator
// recognizes it, and its text says how to save the file as UTF-8. It comes
// wrapped in such detail; errors.Is matches it.
var ErrNotUTF8 = errors.New(`is not UTF-8 text (save the file as "CSV UTF-8")`)

// ErrUTF16 is the [source.ParseError.Err] of a CSV file saved as UTF-16
// text (Excel's "Unicode Text"), with or without a byte order mark. The
// problem is at row 1, its Value the first line decoded, and nothing else
// of the file is read. It also matches [ErrNotUTF8].
var ErrUTF16 = errors.New("is UTF-16 text, not UTF-8")

// saveAsUTF8 tells how to save a file as UTF-8 in the spreadsheets that
// operators use; it ends the text of every encoding problem.
const saveAsUTF8 = `save it as UTF-8 (in Excel: File › Save As › "CSV UTF-8 (Comma delimited) (.csv)"; ` +
	`in LibreOffice: File › Save As › Text CSV, character set "Unicode (UTF-8)")`

// encodingError is the Err of a problem about a file's encoding: its text
// says what the file looks like and how to save it as UTF-8, and it
// matches the sentinels in is.
type encodingError struct {
	text string // completes a sentence that starts with the Value
	is   []error
}

func (e *encodingError) Error() string   { return e.text + saveAsUTF8 }
func (e *encodingError) Unwrap() []error { return e.is }

// utf16Sniff is how many leading bytes tell a UTF-16 file without a byte
// order mark by its NUL bytes.
const utf16Sniff = 256

// utf16Order reports whether data looks like UTF-16 text, whether it is
// big-endian, and the length of its byte order mark. Without a mark, the
// NUL bytes tell: ASCII text in UTF-16 has a NUL in every other byte, even
// offsets for big-endian, odd for little-endian, and UTF-8 text has none.
func utf16Order(data []byte) (isUTF16, bigEndian bool, bom int) {
	switch {
	case len(data) >= 2 && data[0] == 0xff && data[1] == 0xfe:
		return true, false, 2
	case len(data) >= 2 && data[0] == 0xfe && data[1] == 0xff:
		return true, true, 2
	}
	n := min(len(data), utf16Sniff) &^ 1
	pairs := n / 2
	even, odd := 0, 0
	for i := 0; i < n; i += 2 {
		if data[i] == 0 {
			even++
		}
		if data[i+1] == 0 {
			odd++
		}
	}
	// Most pairs hold a NUL on one side, and hardly any on the other: a
	// character U+xx00 is rare, a file of NULs is not text.
	switch {
	case pairs > 0 && 2*odd >= pairs && 4*even < odd:
		return true, false, 0
	case pairs > 0 && 2*even >= pairs && 4*odd < even:
		return true, true, 0
	}
	return false, false, 0
}

// utf16Problem returns the problem of a file that is UTF-16 text, at row
// 1 with the first line decoded as its Value, or nil for any other file.
func utf16Problem(s *source.Sheet, data []byte) *source.ParseError {
	isUTF16, bigEndian, bom := utf16Order(data)
	if !isUTF16 {
		return nil
	}
	order := "little-endian"
	if bigEndian {
		order = "big-endian"
	}
	return &source.ParseError{
		File: s.File, Sheet: s.Name, Row: 1, Value: utf16FirstLine(data[bom:], bigEndian),
		Err: &encodingError{
			text: fmt.Sprintf("is UTF-16 (%s) text, not UTF-8: ", order),
			is:   []error{ErrUTF16, ErrNotUTF8},
		},
	}
}

// utf16FirstLine decodes the first line of the UTF-16 text data, shortened
// for a Value.
func utf16FirstLine(data []byte, bigEndian bool) string {
	var units []uint16
	for i := 0; i+1 < len(data) && len(units) < 240; i += 2 {
		u := uint16(data[i]) | uint16(data[i+1])<<8
		if bigEndian {
			u = uint16(data[i])<<8 | uint16(data[i+1])
		}
		if u == '\n' || u == '\r' {
			break
		}
		units = append(units, u)
	}
	line := strings.TrimPrefix(string(utf16.Decode(units)), "\ufeff")
	return source.Excerpt([]byte(line))
}

// windows1252 maps the bytes 0x80 to 0x9F of Windows-1252 to their
// characters; Latin-1, which Windows-1252 extends, holds control codes
// there. The five bytes Windows-1252 leaves undefined map to U+FFFD. From
// 0xA0 on, both are the identity.
var windows1252 = [32]rune{
	'€', '\ufffd', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\ufffd', 'Ž', '\ufffd',
	'\ufffd', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\ufffd', 'ž', 'Ÿ',
}

// from1252 returns s with every byte that is not part of UTF-8 read as
// Windows-1252, valid UTF-8 being kept: it shows a cell of a Latin-1 or
// Windows-1252 file as the operator typed it, and one of a file mixing
// both as well as can be.
func from1252(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			r = rune(s[i])
			if r < 0xa0 {
				r = windows1252[r-0x80]
			}
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// macRoman holds the characters of the bytes 0x80 to 0xFF of Mac Roman,
// the encoding of Excel's "CSV (Macintosh)", where é is 0x8E.
var macRoman = []rune("ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü" +
	"†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø" +
	"¿¡¬√ƒ≈∆«»…\u00a0ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ" +
	"‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\uf8ffÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ")

// fromMacRoman returns s with every byte that is not part of UTF-8 read
// as Mac Roman, valid UTF-8 being kept, as from1252 does.
func fromMacRoman(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			r = macRoman[s[i]-0x80]
		}
		b.WriteRune(r)
		i += size
	}
	return b.String()
}

// legacyError returns the Err of a problem about the cell or line text,
// whose byte b is the first of the file that is not UTF-8. The Value
// shows text read as Windows-1252; the message adds the Mac Roman
// reading, so that the operator recognizes one of the two.
func legacyError(text string, b byte) error {
	return &encodingError{
		text: fmt.Sprintf("(read as Windows-1252; as Mac Roman: %q) is not UTF-8 text (byte 0x%02X): "+
			"the file looks like Latin-1/Windows-1252 or Mac Roman text; ", source.Excerpt([]byte(fromMacRoman(text))), b),
		is: []error{ErrNotUTF8},
	}
}

// firstInvalid returns the offset of the first byte of data that is not
// part of valid UTF-8, or len(data).
func firstInvalid(data []byte) int {
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return len(data)
}

// badByte finds the cell holding the first byte of a file that is not
// UTF-8, as records are read, and makes the file's one encoding problem.
type badByte struct {
	offset int             // of the first bad byte in the file; -1 when it is UTF-8
	found  bool            // whether the problem was made
	where  func(j int) int // offset of field j of the current record
	header func() []string // the header read so far, nil before it
}

// check looks for the first bad byte in rec, a record read, and returns
// its problem when rec holds it. Every cell of rec is then made valid UTF-8,
// each run of bad bytes becoming U+FFFD.
func (x *badByte) check(s *source.Sheet, rec []string, line int) *source.ParseError {
	if x.offset < 0 {
		return nil
	}
	var p *source.ParseError
	for j, c := range rec {
		if utf8.ValidString(c) {
			continue
		}
		// The first cell with a bad byte that starts before the file's
		// first bad byte holds it; one starting after it means that the
		// byte was on a line that is not valid CSV, reported by finish.
		if !x.found && x.where(j) <= x.offset {
			x.found = true
			header := x.header()
			if header == nil {
				header = rec
			}
			p = &source.ParseError{
				File: s.File, Sheet: s.Name, Row: line, Column: columnOf(header, j),
				Value: source.Excerpt([]byte(from1252(strings.TrimSpace(c)))),
				Err:   legacyError(strings.TrimSpace(c), c[firstInvalid([]byte(c))]),
			}
		}
		rec[j] = strings.ToValidUTF8(c, "\ufffd")
	}
	return p
}

// finish returns the problem of a first bad byte that no record held, as
// on a line that is not valid CSV, at that line, or nil.
func (x *badByte) finish(s *source.Sheet, data []byte) *source.ParseError {
	if x.offset < 0 || x.found {
		return nil
	}
	x.found = true
	n := 1 + bytes.Count(data[:x.offset], []byte("\n"))
	line := string(lineAt(data, n))
	return &source.ParseError{
		File: s.File, Sheet: s.Name, Row: n,
		Value: source.Excerpt([]byte(from1252(line))), Err: legacyError(line, data[x.offset]),
	}
}

// columnOf names column j (0-based) by its header cell, read as
// Windows-1252 if need be, or by its spreadsheet letter when it has none.
func columnOf(header []string, j int) string {
	if j < len(header) {
		if h := strings.TrimSpace(from1252(header[j])); h != "" {
			return source.Excerpt([]byte(h))
		}
	}
	return source.ColumnName(j + 1)
}
