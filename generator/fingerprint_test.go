package generator_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"occupancy/generator"
	"occupancy/source"
	"occupancy/source/sourcetest"
)

// mustFingerprint is generator.Fingerprint of rel, recorded as the build
// records it unless record is given.
func mustFingerprint(tb testing.TB, rel *source.Release, record []byte, opt generator.Options) string {
	tb.Helper()
	if record == nil {
		var err error
		if record, err = source.MarshalRelease(rel); err != nil {
			tb.Fatal(err)
		}
	}
	fp, err := generator.Fingerprint(record, rel, opt)
	if err != nil {
		tb.Fatal(err)
	}
	return fp
}

func mustLocation(tb testing.TB, name string) *time.Location {
	tb.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		tb.Fatal(err)
	}
	return loc
}

// sameRender reports whether rel renders the same files, byte for byte,
// with a and with b.
func sameRender(t *testing.T, rel *source.Release, a, b generator.Options) bool {
	t.Helper()
	fa, err := generator.Render(rel, a)
	if err != nil {
		t.Fatal(err)
	}
	fb, err := generator.Render(rel, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(fa) != len(fb) {
		return false
	}
	for i := range fa {
		if fa[i].Path != fb[i].Path || !bytes.Equal(fa[i].Data, fb[i].Data) {
			return false
		}
	}
	return true
}

// TestFingerprintFollowsTheOptions: two option sets give the same
// fingerprint exactly when they render the same bytes (the promise the
// build's fast path relies on), checked by rendering the fixture both
// ways.
func TestFingerprintFollowsTheOptions(t *testing.T) {
	rel := fixture(t)
	zurich, newYork := mustLocation(t, generator.FeedZone), mustLocation(t, "America/New_York")
	for _, tc := range []struct {
		name string
		a, b generator.Options
		same bool // whether the renders are the same bytes
	}{
		{name: "same options", a: generator.Options{Location: zurich}, b: generator.Options{Location: zurich}, same: true},
		{name: "no zone is the feeds' zone", a: generator.Options{}, b: generator.Options{Location: zurich}, same: true},
		{name: "rfc3339", a: generator.Options{Location: zurich}, b: generator.Options{Location: zurich, RFC3339: true}},
		{name: "time zone", a: generator.Options{Location: zurich}, b: generator.Options{Location: newYork}},
		{name: "time zone, rfc3339", a: generator.Options{Location: zurich, RFC3339: true}, b: generator.Options{Location: newYork, RFC3339: true}},
		{name: "rfc3339 without a zone is in UTC", a: generator.Options{RFC3339: true}, b: generator.Options{Location: zurich, RFC3339: true}},
		{name: "rfc3339 without a zone, feeds not in UTC", a: generator.Options{RFC3339: true}, b: generator.Options{Location: time.UTC, RFC3339: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sameRender(t, rel, tc.a, tc.b); got != tc.same {
				t.Fatalf("the renders are the same: %v, want %v (fix the row)", got, tc.same)
			}
			fa, fb := mustFingerprint(t, rel, nil, tc.a), mustFingerprint(t, rel, nil, tc.b)
			if (fa == fb) != tc.same {
				t.Errorf("fingerprints %.12s and %.12s: equal %v, want %v as the renders", fa, fb, fa == fb, tc.same)
			}
		})
	}
}

// TestFingerprintFollowsTheRelease: the fingerprint is a function of the
// release's record and of the years whose time zone rules the release
// spans; a fresh read of the same release gives the same one.
func TestFingerprintFollowsTheRelease(t *testing.T) {
	opt := generator.Options{Location: mustLocation(t, generator.FeedZone)}
	rel := fixture(t)
	record, err := source.MarshalRelease(rel)
	if err != nil {
		t.Fatal(err)
	}
	base := mustFingerprint(t, rel, record, opt)
	if again := mustFingerprint(t, fixture(t), nil, opt); again != base {
		t.Errorf("the same release read again: %.12s, want %.12s", again, base)
	}
	if len(base) != 64 || strings.Trim(base, "0123456789abcdef") != "" {
		t.Errorf("fingerprint %q is not a lowercase hex SHA-256", base)
	}

	raw := sourcetest.FixtureRaw()
	raw.Rooms.Rows[0].Capacity = "251"
	other, err := source.Check(raw)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		rel    *source.Release
		record []byte
	}{
		{name: "another release", rel: other},
		{name: "one byte more in the record", rel: rel, record: append(bytes.Clone(record), ' ')},
		{name: "a booking in a later year", rel: withBookingIn(rel, 2031), record: record},
		{name: "a booking in an earlier year", rel: withBookingIn(rel, 2019), record: record},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := mustFingerprint(t, tc.rel, tc.record, opt); got == base {
				t.Errorf("fingerprint unchanged: %.12s", got)
			}
		})
	}
}

// withBookingIn returns a copy of rel whose first booking is moved to the
// same day of year.
func withBookingIn(rel *source.Release, year int) *source.Release {
	c := *rel
	c.Bookings = append([]source.Booking(nil), rel.Bookings...)
	d := c.Bookings[0].Date
	c.Bookings[0].Date = time.Date(year, d.Month(), d.Day(), 0, 0, 0, 0, d.Location())
	return &c
}

// TestFingerprintFollowsTheZoneRules: a build whose time zone database
// changes the campus zone's rules in a year the release spans gets a new
// fingerprint; a change in a year it does not span does not matter. The
// change is simulated with Europe/Berlin's rules under Zurich's name: the
// two zones differ in 1980 (Germany had summer time, Switzerland from
// 1981 only) and agree since.
func TestFingerprintFollowsTheZoneRules(t *testing.T) {
	data, err := berlinTZData()
	if err != nil {
		cannotCheck(t, "no time zone data for Europe/Berlin: %v", err)
	}
	zurich := mustLocation(t, generator.FeedZone)
	edited, err := time.LoadLocationFromTZData(generator.FeedZone, data)
	if err != nil {
		t.Fatal(err)
	}
	summer1980 := time.Date(1980, 7, 1, 12, 0, 0, 0, time.UTC)
	if _, z := summer1980.In(zurich).Zone(); z != 3600 {
		cannotCheck(t, "this database gives Zurich offset %d in July 1980, want 3600", z)
	}
	if _, b := summer1980.In(edited).Zone(); b != 7200 {
		cannotCheck(t, "this database gives Berlin offset %d in July 1980, want 7200", b)
	}
	rel := fixture(t)
	record, err := source.MarshalRelease(rel)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		rel  *source.Release
		same bool
	}{
		{name: "release in 2026-2027", rel: rel, same: true},
		{name: "release spanning 1980", rel: withBookingIn(rel, 1980)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := mustFingerprint(t, tc.rel, record, generator.Options{Location: zurich})
			b := mustFingerprint(t, tc.rel, record, generator.Options{Location: edited})
			if (a == b) != tc.same {
				t.Errorf("fingerprints %.12s and %.12s: equal %v, want %v", a, b, a == b, tc.same)
			}
		})
	}
	if !sameRender(t, rel, generator.Options{Location: zurich}, generator.Options{Location: edited}) {
		t.Error("the 2026-2027 release renders differently with the edited rules: the row above is wrong")
	}
}

// berlinTZData returns Europe/Berlin's rules: the system's, else those
// of the Go installation (lib/time/zoneinfo.zip), which every machine
// that runs the tests has.
func berlinTZData() ([]byte, error) {
	if data, err := os.ReadFile("/usr/share/zoneinfo/Europe/Berlin"); err == nil {
		return data, nil
	}
	goroot, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		return nil, fmt.Errorf("no system zoneinfo, and go env GOROOT: %w", err)
	}
	z, err := zip.OpenReader(filepath.Join(strings.TrimSpace(string(goroot)), "lib", "time", "zoneinfo.zip"))
	if err != nil {
		return nil, err
	}
	defer z.Close()
	f, err := z.Open("Europe/Berlin")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// cannotCheck fails a test that cannot check what it is for on this
// machine, or skips it when OCCUPANCY_ALLOW_SKIP is set: a check never
// skips on its own.
func cannotCheck(t *testing.T, format string, args ...any) {
	t.Helper()
	if os.Getenv("OCCUPANCY_ALLOW_SKIP") != "" {
		t.Skipf(format, args...)
	}
	t.Fatalf(format+" (set OCCUPANCY_ALLOW_SKIP=1 to skip this check)", args...)
}
