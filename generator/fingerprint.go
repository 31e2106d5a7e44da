package generator

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	"occupancy/source"
)

// Fingerprint returns a hash of everything the files of rel rendered with
// opt depend on, besides the code that renders them: the release as its
// record holds it (record is [source.MarshalRelease] of rel), the options,
// and the rules of the campus time zone over the release's years, which
// the system's time zone database may change under a build. Two builds
// of one binary with the same fingerprint render the same bytes.
func Fingerprint(record []byte, rel *source.Release, opt Options) (string, error) {
	loc := opt.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation(FeedZone); err != nil {
			return "", fmt.Errorf("fingerprint: time zone: %w", err)
		}
	}
	from, to := 0, 0
	year := func(t time.Time) {
		if y := t.Year(); from == 0 || y < from {
			from = y
		}
		if y := t.Year(); y > to {
			to = y
		}
	}
	for _, s := range rel.Semesters {
		year(s.Start)
		year(s.End)
	}
	for _, b := range rel.Bookings {
		year(b.Date)
	}
	h := sha256.New()
	sum := sha256.Sum256(record)
	fmt.Fprintf(h, "occupancy render inputs\x00record %x\x00rfc3339 %t\x00zone %s\x00", sum, opt.RFC3339, loc)
	if opt.RFC3339 && opt.Location == nil {
		// Without a Location, RFC 3339 datetimes are written in UTC while
		// the feeds keep FeedZone: not the bytes of Location FeedZone.
		h.Write([]byte("datetimes in UTC\x00"))
	}
	if from > 0 {
		h.Write(vtimezone(loc, from, to))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
