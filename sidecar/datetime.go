package sidecar

import (
	"errors"
	"time"
)

// errDatetime is returned by ParseDatetime for any malformed input.
var errDatetime = errors.New("invalid datetime")

// DatetimeLayout is the layout of every datetime the API writes: campus
// wall-clock time with milliseconds and a literal Z ("fake UTC").
const DatetimeLayout = "2006-01-02T15:04:05.000Z"

// ParseDatetime parses a datetime as clients send it and returns campus
// wall-clock time labelled as UTC. Accepted forms:
//
//	2026-10-05                     (midnight)
//	2026-10-05T08:00
//	2026-10-05T08:00:00
//	2026-10-05T08:00:00.000        (1 to 9 fraction digits)
//
// each optionally followed by a zone: Z (or z) and no zone both mean campus
// wall-clock time already, the reference API's convention; an explicit offset
// (+02:00, +0200, +02, -05:30) denotes a real instant, which is converted to
// campus time in loc. The date-time separator may be T, t or a space; the
// hour may be 24 only for 24:00:00 (midnight of the next day). Surrounding
// spaces are ignored.
func ParseDatetime(s string, loc *time.Location) (time.Time, error) {
	return parseDatetime(s, loc)
}

// parseDatetime is [ParseDatetime] for a string or the bytes of a request
// body, which it reads in place (it allocates nothing).
func parseDatetime[T string | []byte](s T, loc *time.Location) (time.Time, error) {
	p := dtParser[T]{s: trimSpace(s)}
	year := p.digits(4)
	p.expect('-')
	month := p.digits(2)
	p.expect('-')
	day := p.digits(2)
	var hour, minute, sec, nsec int
	if !p.done() {
		if c := p.peek(); c == 'T' || c == 't' || c == ' ' {
			p.i++
			hour = p.digits(2)
			p.expect(':')
			minute = p.digits(2)
			if !p.done() && p.peek() == ':' {
				p.i++
				sec = p.digits(2)
				if !p.done() && p.peek() == '.' {
					p.i++
					nsec = p.fraction()
				}
			}
		} else {
			p.bad = true
		}
	}
	offset, hasOffset := 0, false
	if !p.done() {
		switch c := p.peek(); c {
		case 'Z', 'z':
			p.i++
		case '+', '-':
			p.i++
			oh := p.digits(2)
			om := 0
			if !p.done() {
				if p.peek() == ':' {
					p.i++
				}
				om = p.digits(2)
			}
			if oh > 23 || om > 59 {
				p.bad = true
			}
			offset = (oh*60 + om) * 60
			if c == '-' {
				offset = -offset
			}
			hasOffset = true
		default:
			p.bad = true
		}
	}
	if p.bad || !p.done() || month < 1 || month > 12 || day < 1 || minute > 59 || sec > 59 {
		return time.Time{}, errDatetime
	}
	if hour > 24 || hour == 24 && (minute != 0 || sec != 0 || nsec != 0) {
		return time.Time{}, errDatetime
	}
	if day > daysIn(time.Month(month), year) {
		return time.Time{}, errDatetime
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC)
	if !hasOffset {
		return t, nil
	}
	w := t.Add(-time.Duration(offset) * time.Second).In(loc)
	return time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), w.Nanosecond(), time.UTC), nil
}

func trimSpace[T string | []byte](s T) T {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t' || s[0] == '\n' || s[0] == '\r') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\n' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}

func daysIn(m time.Month, year int) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// dtParser scans fixed-width fields; bad records the first failure.
type dtParser[T string | []byte] struct {
	s   T
	i   int
	bad bool
}

func (p *dtParser[T]) done() bool { return p.i >= len(p.s) }

func (p *dtParser[T]) peek() byte { return p.s[p.i] }

func (p *dtParser[T]) expect(c byte) {
	if p.done() || p.s[p.i] != c {
		p.bad = true
		return
	}
	p.i++
}

func (p *dtParser[T]) digits(n int) int {
	v := 0
	for k := 0; k < n; k++ {
		if p.done() || p.s[p.i] < '0' || p.s[p.i] > '9' {
			p.bad = true
			return 0
		}
		v = v*10 + int(p.s[p.i]-'0')
		p.i++
	}
	return v
}

// fraction reads 1 to 9 digits as nanoseconds.
func (p *dtParser[T]) fraction() int {
	v, n := 0, 0
	for !p.done() && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
		if n == 9 {
			p.bad = true
			return 0
		}
		v = v*10 + int(p.s[p.i]-'0')
		n++
		p.i++
	}
	if n == 0 {
		p.bad = true
		return 0
	}
	for ; n < 9; n++ {
		v *= 10
	}
	return v
}

// appendDatetime appends t in [DatetimeLayout].
func appendDatetime(b []byte, t time.Time) []byte {
	return t.UTC().AppendFormat(b, DatetimeLayout)
}
