package sidecar

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// The fast path of request parsing. Nearly every request is one of a few
// JSON shapes:
//
//	{"selection":[{"start":"…","end":"…"},…],"coordinates":{"latitude":n,"longitude":n}}
//	[{"start":"…","end":"…"},…]
//	{"after_date":"…"}
//
// (keys in any order; coordinates, min_capacity, building, type and
// limit optional, and limit beside after_date). parseFreeFast and parseSoonestFast scan exactly these in
// place, without the generic tree of decodeBody, and accept only valid
// queries. On anything else (escapes or non-ASCII bytes in strings, numbers
// as datetimes, unknown or duplicate keys, null, nesting, form bodies, an
// invalid or out-of-range value, …) they report false and the caller runs
// the generic parser, which stays the reference and the only source of
// error messages. FuzzFastParse checks that whatever the fast path
// accepts, the generic parser accepts as the same query.

// queryBuf is per-request storage for a parsed FreeQuery, pooled in
// scratch, so that the fast path allocates nothing for the common shapes.
type queryBuf struct {
	ranges []Range
	coords [2]float64
	minCap int
}

// fastScanner reads JSON tokens from b; every method reports false on
// anything outside the fast path's subset.
type fastScanner struct {
	b []byte
	i int
}

// ws skips JSON whitespace, the same set encoding/json skips.
func (p *fastScanner) ws() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// eat skips whitespace and then c, if c is next.
func (p *fastScanner) eat(c byte) bool {
	p.ws()
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether only whitespace is left.
func (p *fastScanner) end() bool {
	p.ws()
	return p.i == len(p.b)
}

// str reads a string of printable ASCII without escapes and returns its
// bytes (in place): such a string decodes to exactly these bytes.
func (p *fastScanner) str() ([]byte, bool) {
	if !p.eat('"') {
		return nil, false
	}
	for j := p.i; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			s := p.b[p.i:j]
			p.i = j + 1
			return s, true
		case c < 0x20 || c > 0x7e || c == '\\':
			return nil, false
		}
	}
	return nil, false
}

// num reads a number in JSON's grammar, -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?,
// and converts it as the generic path converts a json.Number.
func (p *fastScanner) num() (float64, bool) {
	p.ws()
	b, j := p.b, p.i
	digits := func() int {
		k := j
		for j < len(b) && '0' <= b[j] && b[j] <= '9' {
			j++
		}
		return j - k
	}
	if j < len(b) && b[j] == '-' {
		j++
	}
	switch {
	case j < len(b) && b[j] == '0':
		j++
	case digits() == 0:
		return 0, false
	}
	if j < len(b) && b[j] == '.' {
		j++
		if digits() == 0 {
			return 0, false
		}
	}
	if j < len(b) && (b[j] == 'e' || b[j] == 'E') {
		j++
		if j < len(b) && (b[j] == '+' || b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return 0, false
		}
	}
	// Short numbers convert on the stack: ParseFloat does not keep its
	// argument (its errors hold a copy).
	f, err := strconv.ParseFloat(string(b[p.i:j]), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	p.i = j
	return f, true
}

// object reads {"key":value,…}, calling field after each key's colon;
// field reads the value. Empty objects are refused (no shape has one).
func (p *fastScanner) object(field func(key []byte) bool) bool {
	if !p.eat('{') {
		return false
	}
	for {
		key, ok := p.str()
		if !ok || !p.eat(':') || !field(key) {
			return false
		}
		if p.eat('}') {
			return true
		}
		if !p.eat(',') {
			return false
		}
	}
}

// once marks bit in seen and reports whether it was clear: a duplicate
// key (which the generic parser resolves as last-wins) leaves the fast path.
func once(seen *uint8, bit uint8) bool {
	if *seen&bit != 0 {
		return false
	}
	*seen |= bit
	return true
}

// selection reads [{"start":"…","end":"…"},…] into q.Ranges with the
// generic path's checks.
func (p *fastScanner) selection(q *FreeQuery, opt ParseOptions) bool {
	if !p.eat('[') {
		return false
	}
	if p.eat(']') {
		return true
	}
	loc, max := opt.loc(), opt.maxRanges()
	for {
		var r Range
		var seen uint8
		ok := p.object(func(key []byte) bool {
			var dst *time.Time
			switch string(key) {
			case "start":
				dst = &r.Start
				if !once(&seen, 1) {
					return false
				}
			case "end":
				dst = &r.End
				if !once(&seen, 2) {
					return false
				}
			default:
				return false
			}
			v, ok := p.str()
			if !ok {
				return false
			}
			t, err := parseDatetime(v, loc)
			if err != nil {
				return false
			}
			*dst = t
			return true
		})
		if !ok || seen != 3 || !r.End.After(r.Start) || r.End.Sub(r.Start) > MaxRangeDuration || len(q.Ranges) == max {
			return false
		}
		q.Ranges = append(q.Ranges, r)
		if p.eat(']') {
			return true
		}
		if !p.eat(',') {
			return false
		}
	}
}

// parseFreeFast parses the common shapes of a find_free_rooms body (see
// above) into a query that uses buf's storage (fresh storage when buf is
// nil). It reports false when the generic parser must decide.
func parseFreeFast(body []byte, opt ParseOptions, buf *queryBuf) (FreeQuery, bool) {
	if buf == nil {
		buf = new(queryBuf)
	}
	q := FreeQuery{Ranges: buf.ranges[:0]}
	p := fastScanner{b: body}
	p.ws()
	if p.i == len(body) {
		return q, false
	}
	ok := false
	switch body[p.i] {
	case '[':
		ok = p.selection(&q, opt)
	case '{':
		var seen uint8
		ok = p.object(func(key []byte) bool {
			switch string(key) {
			case "selection":
				return once(&seen, 1) && p.selection(&q, opt)
			case "coordinates":
				if !once(&seen, 2) {
					return false
				}
				return p.coordinates(&buf.coords) && setCoords(&q, &buf.coords)
			case "min_capacity":
				if !once(&seen, 4) {
					return false
				}
				x, ok := p.num()
				if !ok || x < 0 || x != math.Trunc(x) || x > math.MaxInt32 {
					return false
				}
				buf.minCap = int(x)
				q.MinCapacity = &buf.minCap
				return true
			case "building":
				return once(&seen, 8) && p.filter(&q.Building)
			case "type":
				return once(&seen, 16) && p.filter(&q.Type)
			case "limit":
				return once(&seen, 32) && p.limit(&q.Limit)
			}
			return false
		})
		ok = ok && seen&1 != 0
	}
	buf.ranges = q.Ranges // keep the grown slice for the next request
	return q, ok && p.end()
}

func setCoords(q *FreeQuery, c *[2]float64) bool {
	q.Coordinates = c
	return true
}

// coordinates reads {"latitude":n,"longitude":n} with the generic path's
// range checks.
func (p *fastScanner) coordinates(c *[2]float64) bool {
	var seen uint8
	return p.object(func(key []byte) bool {
		var i int
		var lim float64
		switch string(key) {
		case "latitude":
			i, lim = 0, 90
		case "longitude":
			i, lim = 1, 180
		default:
			return false
		}
		if !once(&seen, 1<<i) {
			return false
		}
		x, ok := p.num()
		if !ok || x < -lim || x > lim {
			return false
		}
		c[i] = x
		return true
	}) && seen == 3
}

// filter reads a string filter, trimmed as the generic path trims it.
func (p *fastScanner) filter(dst *string) bool {
	v, ok := p.str()
	if !ok {
		return false
	}
	*dst = strings.TrimSpace(string(v))
	return true
}

// limit reads a limit: a positive integer.
func (p *fastScanner) limit(dst *int) bool {
	x, ok := p.num()
	if !ok || x < 1 || x != math.Trunc(x) || x > math.MaxInt32 {
		return false
	}
	*dst = int(x)
	return true
}

// parseSoonestFast parses {"after_date":"…"}, with an optional limit; it
// reports false when the generic parser must decide (the rooms list and
// the filters always go to it).
func parseSoonestFast(body []byte, opt ParseOptions) (SoonestQuery, bool) {
	var q SoonestQuery
	p := fastScanner{b: body}
	var seen uint8
	ok := p.object(func(key []byte) bool {
		switch string(key) {
		case "after_date":
			if !once(&seen, 1) {
				return false
			}
			v, ok := p.str()
			if !ok {
				return false
			}
			t, err := parseDatetime(v, opt.loc())
			q.After = t
			return err == nil
		case "limit":
			return once(&seen, 2) && p.limit(&q.Limit)
		}
		return false
	})
	return q, ok && seen&1 != 0 && p.end()
}
