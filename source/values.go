package source

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Spreadsheet serial numbers count days from this day (the 1900 date system
// as Excel and LibreOffice write it).
var serialEpoch = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)

// SplitList splits a cell holding a ";"-separated list, trimming items and
// dropping empty ones.
func SplitList(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	parts := strings.Split(s, ";")
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// Dates of a release lie within these years, so that every instant has a
// positive 15-minute slot number that fits in 32 bits.
const (
	MinYear = 1971
	MaxYear = 2199
)

// ParseDate parses YYYY-MM-DD, or a spreadsheet serial day number when
// serials is true. Years must be within MinYear and MaxYear.
func ParseDate(s string, serials bool) (Date, error) {
	d, err := time.Parse("2006-01-02", s)
	if err != nil && serials {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f >= 1 && f < 2958466 && f == math.Trunc(f) {
			d, err = serialEpoch.AddDate(0, 0, int(f)), nil
		}
	}
	if err != nil {
		return Date{}, ErrBadDate
	}
	if d.Year() < MinYear || d.Year() > MaxYear {
		return Date{}, fmt.Errorf("%w: years %d to %d", ErrOutOfRange, MinYear, MaxYear)
	}
	return d, nil
}

// ParseClock parses a time of day written H:MM, HH:MM or HH:MM:00, or a
// spreadsheet serial fraction of a day when serials is true. 24:00 is
// accepted only when end is true, as the end of the day.
func ParseClock(s string, serials, end bool) (Clock, error) {
	if serials {
		if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.Contains(s, ":") {
			// !(f >= 0) also refuses NaN, which converts to no sane int.
			if !(f >= 0) || f > 1 {
				return 0, ErrBadTime
			}
			// Rounding to the minute may give 1440 (0.9999 is 23:59:51):
			// the end of the day, refused as a start as "24:00" is.
			m := math.Round(f * 1440)
			if m == 1440 && !end {
				return 0, ErrBadTime
			}
			return Clock(m), nil
		}
	}
	parts := strings.Split(s, ":")
	if len(parts) != 2 && len(parts) != 3 {
		return 0, ErrBadTime
	}
	if len(parts) == 3 && parts[2] != "00" {
		return 0, ErrBadTime
	}
	if len(parts[0]) < 1 || len(parts[0]) > 2 || len(parts[1]) != 2 {
		return 0, ErrBadTime
	}
	h, err1 := strconv.Atoi(parts[0])
	m, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil || !allDigits(parts[0]) || !allDigits(parts[1]) {
		return 0, ErrBadTime
	}
	switch {
	case m > 59, h > 24, h == 24 && (m != 0 || !end):
		return 0, ErrBadTime
	}
	return Clock(h*60 + m), nil
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// ParseDateRange parses one item of a skip_dates list: a date or an
// inclusive range "YYYY-MM-DD..YYYY-MM-DD".
func ParseDateRange(s string, serials bool) (DateRange, error) {
	from, to, isRange := strings.Cut(s, "..")
	a, err := ParseDate(strings.TrimSpace(from), serials)
	if err != nil {
		return DateRange{}, ErrBadDateRange
	}
	if !isRange {
		return DateRange{a, a}, nil
	}
	b, err := ParseDate(strings.TrimSpace(to), serials)
	if err != nil {
		return DateRange{}, ErrBadDateRange
	}
	if b.Before(a) {
		return DateRange{}, fmt.Errorf("%w: it ends before it starts", ErrBadDateRange)
	}
	return DateRange{a, b}, nil
}

// ParseWeeks parses a list of semester week numbers such as "1-6,8-14"
// (items separated by commas or semicolons).
func ParseWeeks(s string) ([]WeekRange, error) {
	var out []WeekRange
	for _, item := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		a, b, isRange := strings.Cut(item, "-")
		from, err := strconv.Atoi(strings.TrimSpace(a))
		if err != nil || from < 1 {
			return nil, ErrBadWeeks
		}
		to := from
		if isRange {
			if to, err = strconv.Atoi(strings.TrimSpace(b)); err != nil || to < from {
				return nil, ErrBadWeeks
			}
		}
		out = append(out, WeekRange{from, to})
	}
	if len(out) == 0 {
		return nil, ErrBadWeeks
	}
	return out, nil
}

var weekdays = map[string]time.Weekday{}

func init() {
	names := [][]string{
		{"sunday", "sun", "dimanche", "di", "dim", "su"},
		{"monday", "mon", "lundi", "lu", "lun", "mo"},
		{"tuesday", "tue", "tues", "mardi", "ma", "mar", "tu"},
		{"wednesday", "wed", "mercredi", "me", "mer", "we"},
		{"thursday", "thu", "thur", "thurs", "jeudi", "je", "jeu", "th"},
		{"friday", "fri", "vendredi", "ve", "ven", "fr"},
		{"saturday", "sat", "samedi", "sa", "sam"},
	}
	for d, list := range names {
		for _, n := range list {
			weekdays[n] = time.Weekday(d)
		}
	}
}

// ParseWeekday parses an English or French weekday name, full or short,
// in any case, with an optional trailing dot ("Mon.", "lu").
func ParseWeekday(s string) (time.Weekday, error) {
	d, ok := weekdays[strings.TrimSuffix(strings.ToLower(s), ".")]
	if !ok {
		return 0, ErrBadWeekday
	}
	return d, nil
}

// ParseBool parses a yes/no cell.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1", "oui", "vrai", "x":
		return true, nil
	case "false", "no", "n", "0", "non", "faux":
		return false, nil
	}
	return false, ErrBadBool
}

// ParseInt parses a whole number, accepting the "12.0" that spreadsheets
// write for numbers.
func ParseInt(s string) (int, error) {
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1e9 {
		return 0, ErrBadInteger
	}
	return int(f), nil
}

// ParseNumber parses a finite decimal number.
func ParseNumber(s string) (float64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, ErrBadNumber
	}
	return f, nil
}

// MaxNameBytes bounds the length of a name that becomes a folder of the
// published tree (room names, course codes): file systems allow 255 bytes
// in one path element, and a margin is kept for the temporary names of
// tools that sync the tree.
const MaxNameBytes = 200

// CheckSegment reports whether a name can be one URL path segment of the
// published tree: not empty, not "." or "..", valid UTF-8 of at most
// [MaxNameBytes] bytes, no slash, backslash or control character, and not
// the reserved file name "index.json". Its errors wrap [ErrBadName].
// Spaces, accents, '%', '?' and '#' are allowed: clients escape them in
// URLs, and each such name maps to exactly one folder.
func CheckSegment(s string) error {
	if s == "" || s == "." || s == ".." || strings.EqualFold(s, "index.json") {
		return ErrBadName
	}
	if strings.EqualFold(s, "index.json.gz") || strings.EqualFold(s, "index.json.br") {
		// The list's compressed copies sit beside the entities' folders.
		return fmt.Errorf("%w: it is the name of the list's compressed copy", ErrBadName)
	}
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: it is not valid UTF-8 text", ErrBadName)
	}
	if len(s) > MaxNameBytes {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrBadName, len(s), MaxNameBytes)
	}
	if len(s) >= 4 && strings.EqualFold(s[len(s)-4:], ".ics") {
		return fmt.Errorf("%w: a name ending in .ics would be taken for a calendar feed", ErrBadName)
	}
	for _, r := range s {
		if r == '/' || r == '\\' || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return ErrBadName
		}
		if unicode.Is(unicode.Cf, r) {
			// Zero-width characters and text-direction controls make
			// two names that look the same, or one that reads backwards.
			return fmt.Errorf("%w: it holds the invisible formatting character U+%04X", ErrBadName, r)
		}
		if strings.ContainsRune(`<>:"|?*`, r) {
			return fmt.Errorf("%w: %q cannot be in a file name on Windows, where the tree may be copied", ErrBadName, r)
		}
	}
	if !norm.NFC.IsNormalString(s) {
		// "é" as e and a combining accent looks like "é" in one
		// character but is another name, URL and file.
		return fmt.Errorf("%w: it is not in composed Unicode form (NFC): an accented letter is written as a letter and a separate accent", ErrBadName)
	}
	if windowsReserved(s) {
		return fmt.Errorf("%w: Windows reserves this file name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension) or drops its final dot", ErrBadName)
	}
	return nil
}

// windowsReserved reports whether Windows cannot hold a file named s: a
// device name, alone or with an extension, or a name ending in a dot.
func windowsReserved(s string) bool {
	if strings.HasSuffix(s, ".") {
		return true
	}
	base, _, _ := strings.Cut(s, ".")
	base = strings.TrimRight(base, " ")
	switch strings.ToUpper(base) {
	case "CON", "PRN", "AUX", "NUL":
		return true
	}
	if len(base) == 4 {
		prefix := strings.ToUpper(base[:3])
		if (prefix == "COM" || prefix == "LPT") && base[3] >= '0' && base[3] <= '9' {
			return true
		}
	}
	return false
}

// FoldName returns a key that two names share exactly when they are equal
// under Unicode case folding (strings.EqualFold): each rune is replaced by
// the smallest rune of its case-folding orbit. Names with the same key
// would overwrite each other's files on case-insensitive file systems and
// CDNs.
func FoldName(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		low := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			low = min(low, f)
		}
		b.WriteRune(low)
	}
	return b.String()
}

// DefaultBuilding derives a building from a room name as the reference
// does: the characters before the first digit, with '-' and '_' read as
// spaces, trimmed ("GC_A1_416" → "GC A").
func DefaultBuilding(room string) string {
	if i := strings.IndexFunc(room, func(r rune) bool { return r >= '0' && r <= '9' }); i >= 0 {
		room = room[:i]
	}
	room = strings.NewReplacer("-", " ", "_", " ").Replace(room)
	return strings.TrimSpace(room)
}
