package source_test

import (
	"errors"
	"math"
	"net/url"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"occupancy/source"
)

// The fuzz targets of this file check one cell parser each: no panic,
// every error wraps the parser's sentinel, and the properties the rest of
// the build relies on (ranges, round trips). `make test` runs their seeds;
// run one for longer with
//
//	go test -run='^$' -fuzz='^FuzzParseClock$' -fuzztime=45s ./source
//
// Inputs that once failed are kept under testdata/fuzz/<target>.

// isAny reports whether err wraps one of targets.
func isAny(err error, targets ...error) bool {
	for _, t := range targets {
		if errors.Is(err, t) {
			return true
		}
	}
	return false
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{
		"2026-09-07", "1971-01-01", "2199-12-31", "1970-12-31", "2200-01-01",
		"2026-02-29", "2028-02-29", "2026-13-01", "2026-9-7", " 2026-09-07",
		"46272", "46272.0", "4.6272e4", "0x1p4", "1", "0", "-1", "2958465", "2958466",
		"NaN", "Inf", "1e308", "46272.5", "", "2026-09-07T00:00:00Z",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, serials bool) {
		d, err := source.ParseDate(s, serials)
		if err != nil {
			if !isAny(err, source.ErrBadDate, source.ErrOutOfRange) {
				t.Fatalf("ParseDate(%q, %v) error %v wraps no sentinel", s, serials, err)
			}
			return
		}
		if y := d.Year(); y < source.MinYear || y > source.MaxYear {
			t.Fatalf("ParseDate(%q) = %v, outside %d–%d", s, d, source.MinYear, source.MaxYear)
		}
		if d.Location() != time.UTC || d.Hour() != 0 || d.Minute() != 0 || d.Second() != 0 || d.Nanosecond() != 0 {
			t.Fatalf("ParseDate(%q) = %v, not midnight UTC", s, d)
		}
		text := d.Format("2006-01-02")
		if back, err := source.ParseDate(text, false); err != nil || !back.Equal(d) {
			t.Fatalf("ParseDate(%q) = %v, but its text %q parses to %v, %v", s, d, text, back, err)
		}
		if !serials && text != s {
			t.Fatalf("ParseDate(%q, false) = %s: accepted a date not written YYYY-MM-DD", s, text)
		}
	})
}

func FuzzParseClock(f *testing.F) {
	for _, s := range []string{
		"08:15", "8:15", "08:15:00", "00:00", "23:59", "24:00", "25:00", "08:60",
		"08:15:30", "8h15", "+8:15", "-1:00", "", ":", "::", "1:2:3:4", "08:5",
		"0.34375", "1", "0", "-0", "0.9999", "0.99999", "1.0", "NaN", "Inf", "-Inf",
		"1e-300", "0x1p-1", "٠٨:١٥", "０８:１５",
	} {
		for _, serials := range []bool{false, true} {
			f.Add(s, serials, false)
			f.Add(s, serials, true)
		}
	}
	f.Fuzz(func(t *testing.T, s string, serials, end bool) {
		c, err := source.ParseClock(s, serials, end)
		if err != nil {
			if !errors.Is(err, source.ErrBadTime) {
				t.Fatalf("ParseClock(%q) error %v does not wrap ErrBadTime", s, err)
			}
			return
		}
		if c < 0 || c > 1440 || (c == 1440 && !end) {
			t.Fatalf("ParseClock(%q, %v, end=%v) = %d minutes, out of range", s, serials, end, int(c))
		}
		// Round trip through HH:MM. Clock.String writes 1440 as "00:00" (a
		// time.Time of the next day), so the end of the day is written by
		// hand here.
		text := c.String()
		if c == 1440 {
			text = "24:00"
		}
		back, err := source.ParseClock(text, false, end)
		if err != nil || back != c {
			t.Fatalf("ParseClock(%q) = %v, but %q parses to %v, %v", s, int(c), text, int(back), err)
		}
	})
}

func FuzzParseDateRange(f *testing.F) {
	for _, s := range []string{
		"2026-10-19..2026-10-23", "2026-10-19", "2026-10-23..2026-10-19", "2026-10-19 .. 2026-10-23",
		"2026-10-19..", "..2026-10-19", "..", "...", "2026-10-19...2026-10-23", "2026-10-19..2026-10-20..2026-10-21",
		"46272..46280", "46280..46272", "1970-01-01..2026-01-01", "2026-10-19..2300-01-01", "",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, serials bool) {
		r, err := source.ParseDateRange(s, serials)
		if err != nil {
			if !errors.Is(err, source.ErrBadDateRange) {
				t.Fatalf("ParseDateRange(%q) error %v does not wrap ErrBadDateRange", s, err)
			}
			return
		}
		if r.To.Before(r.From) {
			t.Fatalf("ParseDateRange(%q) = %v..%v: ends before it starts", s, r.From, r.To)
		}
		if !strings.Contains(s, "..") && !r.From.Equal(r.To) {
			t.Fatalf("ParseDateRange(%q) of one date = %v..%v", s, r.From, r.To)
		}
		for _, d := range []time.Time{r.From, r.To} {
			if y := d.Year(); y < source.MinYear || y > source.MaxYear {
				t.Fatalf("ParseDateRange(%q) holds %v", s, d)
			}
		}
		if !r.Contains(r.From) || !r.Contains(r.To) {
			t.Fatalf("range %v..%v does not contain its ends", r.From, r.To)
		}
		text := r.From.Format("2006-01-02") + ".." + r.To.Format("2006-01-02")
		if back, err := source.ParseDateRange(text, false); err != nil || back != r {
			t.Fatalf("ParseDateRange(%q) = %v, but %q parses to %v, %v", s, r, text, back, err)
		}
	})
}

func FuzzParseWeeks(f *testing.F) {
	for _, s := range []string{
		"1-6,8-14", "1", "1;3;5", " 1 - 6 , 8 ", "0", "-1", "3-1", "1-", "-", ",", ";;", "",
		"1-2-3", "99999999999999999999", "1-9223372036854775807", "+1", "1,,2", "1 2", "１",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		weeks, err := source.ParseWeeks(s)
		if err != nil {
			if !errors.Is(err, source.ErrBadWeeks) || weeks != nil {
				t.Fatalf("ParseWeeks(%q) = %v, %v; want nil and ErrBadWeeks", s, weeks, err)
			}
			return
		}
		if len(weeks) == 0 {
			t.Fatalf("ParseWeeks(%q) = no weeks and no error", s)
		}
		var parts []string
		for _, w := range weeks {
			if w.From < 1 || w.To < w.From {
				t.Fatalf("ParseWeeks(%q) holds %+v", s, w)
			}
			parts = append(parts, strconv.Itoa(w.From)+"-"+strconv.Itoa(w.To))
		}
		text := strings.Join(parts, ",")
		back, err := source.ParseWeeks(text)
		if err != nil || len(back) != len(weeks) {
			t.Fatalf("ParseWeeks(%q) = %v, but %q parses to %v, %v", s, weeks, text, back, err)
		}
		for i := range back {
			if back[i] != weeks[i] {
				t.Fatalf("ParseWeeks(%q) = %v, but %q parses to %v", s, weeks, text, back)
			}
		}
	})
}

func FuzzParseWeekday(f *testing.F) {
	for _, s := range []string{
		"Monday", "mon", "Mon.", "lundi", "Lu", "DIMANCHE", "di.", "Sun..", "tues", "thurs",
		"", ".", "Mo", "frİ", "K", "montag", "lundi ", "ﬁ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := source.ParseWeekday(s)
		if err != nil {
			if !errors.Is(err, source.ErrBadWeekday) {
				t.Fatalf("ParseWeekday(%q) error %v does not wrap ErrBadWeekday", s, err)
			}
			return
		}
		if d < time.Sunday || d > time.Saturday {
			t.Fatalf("ParseWeekday(%q) = %d", s, d)
		}
		for _, name := range []string{d.String(), strings.ToUpper(d.String()), d.String()[:3] + "."} {
			if back, err := source.ParseWeekday(name); err != nil || back != d {
				t.Fatalf("ParseWeekday(%q) = %v, but %q parses to %v, %v", s, d, name, back, err)
			}
		}
	})
}

func FuzzParseBool(f *testing.F) {
	for _, s := range []string{"true", "FALSE", "Yes", "no", "y", "N", "1", "0", "oui", "Non", "vrai", "faux", "x", "X", "", "2", "on", "off", "-1", " true"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := source.ParseBool(s)
		if err != nil {
			if !errors.Is(err, source.ErrBadBool) || b {
				t.Fatalf("ParseBool(%q) = %v, %v; want false and ErrBadBool", s, b, err)
			}
			return
		}
		for _, text := range []string{strconv.FormatBool(b), strings.ToUpper(s)} {
			if back, err := source.ParseBool(text); err != nil || back != b {
				t.Fatalf("ParseBool(%q) = %v, but %q parses to %v, %v", s, b, text, back, err)
			}
		}
	})
}

func FuzzParseInt(f *testing.F) {
	for _, s := range []string{
		"0", "250", "-1", "12.0", "12.5", "1e3", "1e9", "1e10", "-1e9", "9223372036854775807",
		"9223372036854775808", "NaN", "Inf", "-0", "0x1p4", "1_000", " 1", "", "２５０", "250 ",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := source.ParseInt(s)
		if err != nil {
			if !errors.Is(err, source.ErrBadInteger) {
				t.Fatalf("ParseInt(%q) error %v does not wrap ErrBadInteger", s, err)
			}
			return
		}
		if back, err := source.ParseInt(strconv.Itoa(n)); err != nil || back != n {
			t.Fatalf("ParseInt(%q) = %d, but its text parses to %d, %v", s, n, back, err)
		}
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && math.Abs(f-float64(n)) > math.Abs(f)*1e-15 {
			t.Fatalf("ParseInt(%q) = %d, far from %g", s, n, f)
		}
	})
}

func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{
		"46.52", "-6.565", "0", "-0", "1e308", "1e309", "-1e309", "NaN", "nan", "Inf", "+Inf", "infinity",
		"4,5", "0x1p-2", "1_0", "", ".5", "5.", "4.9e-324", "1e-400",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := source.ParseNumber(s)
		if err != nil {
			if !errors.Is(err, source.ErrBadNumber) {
				t.Fatalf("ParseNumber(%q) error %v does not wrap ErrBadNumber", s, err)
			}
			return
		}
		if math.IsNaN(n) || math.IsInf(n, 0) {
			t.Fatalf("ParseNumber(%q) = %v, not finite", s, n)
		}
		text := strconv.FormatFloat(n, 'g', -1, 64)
		if back, err := source.ParseNumber(text); err != nil || back != n {
			t.Fatalf("ParseNumber(%q) = %v, but %q parses to %v, %v", s, n, text, back, err)
		}
	})
}

func FuzzCheckSegment(f *testing.F) {
	for _, s := range []string{
		"CO1", "GC_A1_416", "CS-305", "Salle 1", "Café", "100%", "a?b", "a#b", "a%2Fb", "%2e%2e",
		"..", ".", "...", "a..b", "../x", "a/b", `a\b`, "a\x00b", "a\tb", "\u2028", "\u200b",
		"index.json", "INDEX.JSON", "index.json ", "\xff", "\ufffd", strings.Repeat("x", 200),
		strings.Repeat("x", 201), strings.Repeat("é", 100), strings.Repeat("é", 101), "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		err := source.CheckSegment(s)
		if err != nil {
			if !errors.Is(err, source.ErrBadName) {
				t.Fatalf("CheckSegment(%q) error %v does not wrap ErrBadName", s, err)
			}
			return
		}
		if !utf8.ValidString(s) || len(s) > source.MaxNameBytes || strings.ContainsAny(s, "/\\\x00") {
			t.Fatalf("CheckSegment(%q) accepted it", s)
		}
		// No look-alike: composed form, nothing invisible, nothing Windows
		// refuses.
		if !norm.NFC.IsNormalString(s) || strings.ContainsAny(s, `<>:"|?*`) || strings.HasSuffix(s, ".") {
			t.Fatalf("CheckSegment(%q) accepted a look-alike or a name Windows refuses", s)
		}
		for _, r := range s {
			if unicode.Is(unicode.Cf, r) {
				t.Fatalf("CheckSegment(%q) accepted the invisible U+%04X", s, r)
			}
		}
		// Never the name of a file the build writes beside the entities'
		// folders: the list and its compressed copies.
		for _, taken := range []string{"index.json", "index.json.gz", "index.json.br"} {
			if strings.EqualFold(s, taken) {
				t.Fatalf("CheckSegment(%q) accepted the name of the list's file %s", s, taken)
			}
		}
		// The name is one folder inside the kind's folder, whatever it holds.
		p := path.Join("api/rooms", s, "index.json")
		if path.Dir(path.Dir(p)) != "api/rooms" || path.Base(path.Dir(p)) != s {
			t.Fatalf("CheckSegment(%q) accepted a name that is not one path element: %s", s, p)
		}
		if !filepath.IsLocal(s) || filepath.Base(s) != s {
			t.Fatalf("CheckSegment(%q) accepted a name that is not a local file name", s)
		}
		// A client escapes it into one URL segment that unescapes back.
		esc := url.PathEscape(s)
		if strings.Contains(esc, "/") {
			t.Fatalf("CheckSegment(%q): escaped %q holds a slash", s, esc)
		}
		if back, err := url.PathUnescape(esc); err != nil || back != s {
			t.Fatalf("CheckSegment(%q): escaped %q unescapes to %q, %v", s, esc, back, err)
		}
		// Its fold key is stable and equal under case folding.
		k := source.FoldName(s)
		if !strings.EqualFold(k, s) || source.FoldName(k) != k || source.FoldName(strings.ToUpper(s)) != source.FoldName(strings.ToUpper(k)) {
			t.Fatalf("FoldName(%q) = %q is not a case-folding key", s, k)
		}
	})
}

func FuzzDefaultBuilding(f *testing.F) {
	for _, s := range []string{"GC_A1_416", "CO1", "BC01", "INM-202", "PO_01", "1", "", "  ", "_-_", "ABC", "é1", "٣", "a_b-c 9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b := source.DefaultBuilding(s)
		if b != strings.TrimSpace(b) || strings.ContainsAny(b, "-_0123456789") {
			t.Fatalf("DefaultBuilding(%q) = %q", s, b)
		}
		if again := source.DefaultBuilding(b); again != b {
			t.Fatalf("DefaultBuilding(%q) = %q, but DefaultBuilding(%q) = %q", s, b, b, again)
		}
		if len(b) > len(s) {
			t.Fatalf("DefaultBuilding(%q) = %q, longer than the name", s, b)
		}
	})
}

// FuzzCoordinates puts arbitrary latitude and longitude cells into a valid
// release: Check either publishes both coordinates within range, or reports
// positioned problems of those two columns only.
func FuzzCoordinates(f *testing.F) {
	for _, p := range [][2]string{
		{"46.52", "6.565"}, {"", ""}, {"46.52", ""}, {"", "6.565"}, {"90", "180"}, {"-90", "-180"},
		{"90.0001", "0"}, {"0", "180.5"}, {"NaN", "0"}, {"Inf", "-Inf"}, {"46,52", "6,565"}, {"1e309", "0"}, {"-0", "-0"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, lat, lon string) {
		raw := validRaw()
		raw.Rooms.Rows[0].Latitude = lat
		raw.Rooms.Rows[0].Longitude = lon
		rel, err := source.Check(raw)
		if err != nil {
			var es *source.Errors
			if !errors.As(err, &es) || es.Len() == 0 {
				t.Fatalf("error %v is not a *source.Errors", err)
			}
			for _, p := range es.List {
				if p.Sheet != "rooms" || p.Row != raw.Rooms.Rows[0].Line || (p.Column != "latitude" && p.Column != "longitude") ||
					!isAny(p.Err, source.ErrBadNumber, source.ErrOutOfRange, source.ErrRequired) {
					t.Fatalf("unexpected problem %v", p)
				}
			}
			return
		}
		c := rel.Rooms[0].Coordinates
		switch {
		case lat == "" && lon == "":
			if c != nil {
				t.Fatalf("coordinates %v from empty cells", *c)
			}
		case c == nil:
			t.Fatalf("(%q, %q) accepted without coordinates", lat, lon)
		case math.Abs(c[0]) > 90 || math.Abs(c[1]) > 180 || math.IsNaN(c[0]) || math.IsNaN(c[1]):
			t.Fatalf("(%q, %q) accepted as %v", lat, lon, *c)
		}
	})
}

// FuzzNames puts two arbitrary names into the rooms and courses sheets of a
// valid release: whatever Check accepts is a set of names that each map
// to their own folder, on case-sensitive and case-insensitive file systems
// alike.
func FuzzNames(f *testing.F) {
	for _, p := range [][2]string{
		{"CO1", "co1"}, {"CO1", "CO1"}, {"Salle 1", "Café"}, {"a?b", "a#b"}, {"%", "%25"}, {"..", "x"},
		{"ǅ", "ǆ"}, {"K", "\u212a"}, {"ß", "SS"}, {"σ", "ς"}, {strings.Repeat("x", 201), "y"}, {"a\x00", "\xff"},
	} {
		f.Add(p[0], p[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		raw := validRaw()
		raw.Rooms.Rows[1].Name = a
		raw.Rooms.Rows[2].Name = b
		raw.Courses.Rows[1].Code = a
		raw.Sessions.Rows[0].Rooms = "CO1"
		raw.StudyPlans.Rows[0].Courses = "CS-305"
		raw.Courses.Rows = append(raw.Courses.Rows, source.CourseRow{Line: 4, Code: b, Name: "B"})
		rel, err := source.Check(raw)
		if err != nil {
			var es *source.Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %v is not a *source.Errors", err)
			}
			for _, p := range es.List {
				if p.Row < 2 || p.Sheet == "" || p.Column == "" {
					t.Fatalf("unpositioned problem %v", p)
				}
			}
			return
		}
		folders := map[string]string{}
		check := func(kind, name string) {
			if err := source.CheckSegment(name); err != nil {
				t.Fatalf("%s %q accepted: %v", kind, name, err)
			}
			key := kind + "/" + strings.ToLower(source.FoldName(name))
			if prev, dup := folders[key]; dup {
				t.Fatalf("%s %q and %q share one folder on a case-insensitive file system", kind, prev, name)
			}
			folders[key] = name
		}
		for _, r := range rel.Rooms {
			check("rooms", r.Name)
		}
		for _, c := range rel.Courses {
			check("courses", c.Code)
		}
	})
}
