package sidecar

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The reference API's 400 messages, kept verbatim because clients may
// display them.
const (
	MsgMissingSelection    = "Missing selection"
	MsgSelectionNotArray   = "Selection must be an array"
	MsgSelectionItems      = "Selection must be an array of objects with start and end properties"
	MsgCoordinatesNoObject = "Coordinates must be an object"
	MsgCoordinatesFields   = "Coordinates must have latitude and longitude properties"
	MsgMissingAfterDate    = "Missing after_date"
	MsgInvalidAfterDate    = "Invalid after_date"
)

// RequestError is a client error: it becomes an HTTP response with Status
// and the JSON body {"message": Message}.
type RequestError struct {
	Status  int
	Message string
}

// Error returns the status and message.
func (e *RequestError) Error() string { return fmt.Sprintf("%d %s", e.Status, e.Message) }

func badRequest(format string, args ...any) *RequestError {
	return &RequestError{Status: 400, Message: fmt.Sprintf(format, args...)}
}

// MaxRangeDuration is the longest range a selection may hold: a range may
// cross midnight, months and years, but not span more than 366 days (a
// longer one is refused with 400, as no room search needs it).
const MaxRangeDuration = 366 * 24 * time.Hour

// Range is a selected time range [Start, End), in campus wall-clock time
// labelled as UTC.
type Range struct {
	Start, End time.Time
}

// FreeQuery is a checked find_free_rooms request.
type FreeQuery struct {
	Ranges      []Range     // may be empty: every room qualifies
	Coordinates *[2]float64 // [latitude, longitude] of the user; nil = sort by name
	MinCapacity *int        // nil = no filter; rooms of unknown capacity fail it
	Building    string      // "" = any; compared case-insensitively
	Type        string      // "" = any; compared case-insensitively
	// Limit is the most rooms the answer lists, the first of its order
	// (nearest first with coordinates, else by name); 0 = every room.
	Limit int
}

// SoonestQuery is a checked find_soonest_bookings request.
type SoonestQuery struct {
	After time.Time // campus wall-clock time labelled as UTC
	// The rooms answered for, in name order: those named by Rooms (nil =
	// every room; names of no room are left out) that pass the filters,
	// as in [FreeQuery], at most Limit of them (0 = no limit).
	Rooms       []string
	MinCapacity *int
	Building    string
	Type        string
	Limit       int
}

// MaxRoomNames is the most names the rooms field of a find_soonest_bookings
// request may list.
const MaxRoomNames = 5000

// ParseOptions controls request parsing. The zero value uses UTC and
// [DefaultMaxRanges].
type ParseOptions struct {
	Location  *time.Location // campus time zone for explicit offsets
	MaxRanges int            // most ranges in a selection
}

func (o ParseOptions) loc() *time.Location {
	if o.Location == nil {
		return time.UTC
	}
	return o.Location
}

func (o ParseOptions) maxRanges() int {
	if o.MaxRanges <= 0 {
		return DefaultMaxRanges
	}
	return o.MaxRanges
}

// decodeBody turns a request body into a generic tree: map[string]any,
// []any, string, json.Number, bool or nil, the same for JSON and
// form-urlencoded bodies. A body is JSON when the content type says so or
// when it starts with '{' or '[' (curl -d sends JSON labelled as a form);
// otherwise it is form-urlencoded. An empty body is an empty object.
func decodeBody(contentType, body []byte) (any, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	ct := strings.ToLower(string(bytes.TrimSpace(bytes.SplitN(contentType, []byte(";"), 2)[0])))
	isJSON := ct == "application/json" || strings.HasSuffix(ct, "+json") ||
		len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[')
	if len(trimmed) == 0 {
		return map[string]any{}, nil
	}
	if !isJSON {
		return decodeForm(body)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, badRequest("Invalid JSON body: unexpected data after the top-level value")
	}
	switch v.(type) {
	case map[string]any, []any:
		return v, nil
	}
	return nil, badRequest("Invalid JSON body: expected an object")
}

func jsonError(err error) *RequestError {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return badRequest("Invalid JSON body: %s at byte %d", se.Error(), se.Offset)
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return badRequest("Invalid JSON body: unexpected end of input")
	}
	return badRequest("Invalid JSON body")
}

// maxFormDepth bounds the bracket nesting of form keys, as the qs library
// does; deeper segments stay part of the last key.
const maxFormDepth = 5

// decodeForm parses an application/x-www-form-urlencoded body with the
// bracket syntax of the qs library: selection[0][start]=…, a[]=…. Maps
// whose keys are all array indices become arrays ordered by index.
// Repeated scalar keys become arrays, as in qs.
func decodeForm(body []byte) (any, error) {
	root := map[string]any{}
	for part := range strings.SplitSeq(string(body), "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return nil, badRequest("Invalid form body: bad escape in key %q", truncate(k))
		}
		val, err := url.QueryUnescape(v)
		if err != nil {
			return nil, badRequest("Invalid form body: bad escape in the value of %q", truncate(key))
		}
		path := splitFormKey(key)
		node := root
		for i, seg := range path {
			last := i == len(path)-1
			if seg == "" { // a[] appends
				seg = strconv.Itoa(len(node))
			}
			if last {
				switch old := node[seg].(type) {
				case nil:
					node[seg] = val
				case string:
					node[seg] = []any{old, val}
				case []any:
					node[seg] = append(old, val)
				default: // a map already: the scalar is dropped, as qs does
				}
				break
			}
			child, ok := node[seg].(map[string]any)
			if !ok {
				child = map[string]any{}
				node[seg] = child
			}
			node = child
		}
	}
	return arrayify(root), nil
}

// splitFormKey splits "a[b][c]" into ["a", "b", "c"]; a key that is not
// well formed is one segment.
func splitFormKey(key string) []string {
	open := strings.IndexByte(key, '[')
	if open <= 0 {
		return []string{key}
	}
	segs := []string{key[:open]}
	rest := key[open:]
	for len(rest) > 0 && rest[0] == '[' && len(segs) <= maxFormDepth {
		end := strings.IndexByte(rest, ']')
		if end < 0 {
			return []string{key}
		}
		segs = append(segs, rest[1:end])
		rest = rest[end+1:]
	}
	if rest != "" {
		segs[len(segs)-1] += rest
	}
	return segs
}

// arrayify converts, bottom-up, maps whose keys are all decimal indices
// into arrays ordered by index (sparse indices are compacted, as in qs).
func arrayify(v any) any {
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	for k, c := range m {
		m[k] = arrayify(c)
	}
	if len(m) == 0 {
		return m
	}
	type kv struct {
		i int
		v any
	}
	items := make([]kv, 0, len(m))
	for k, c := range m {
		i, err := strconv.Atoi(k)
		if err != nil || i < 0 || strconv.Itoa(i) != k {
			return m
		}
		items = append(items, kv{i, c})
	}
	sort.Slice(items, func(a, b int) bool { return items[a].i < items[b].i })
	arr := make([]any, len(items))
	for i, it := range items {
		arr[i] = it.v
	}
	return arr
}

// truthy reports JavaScript truthiness, which the reference's checks use.
func truthy(v any) bool {
	switch v := v.(type) {
	case nil:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		return err != nil || f != 0 && !math.IsNaN(f)
	}
	return true
}

// number reads a JSON number or a numeric string (form values are strings;
// the reference coerces numeric strings too).
func number(v any) (float64, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = string(v)
	case string:
		s = strings.TrimSpace(v)
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// describe renders a client value briefly for an error message.
func describe(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(truncate(v))
	case json.Number:
		return truncate(string(v))
	case bool:
		return strconv.FormatBool(v)
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "an unknown value"
}

func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	return s[:max] + "…"
}

// datetime converts a client datetime: a string (see [ParseDatetime]) or a
// number of milliseconds since 1970 on the same wall-clock scale, as the
// reference's new Date(x) accepts.
func datetime(v any, loc *time.Location) (time.Time, bool) {
	switch v := v.(type) {
	case string:
		t, err := ParseDatetime(v, loc)
		return t, err == nil
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil || math.IsNaN(f) || math.Abs(f) > 8.64e15 {
			return time.Time{}, false
		}
		return time.UnixMilli(int64(f)).UTC(), true
	}
	return time.Time{}, false
}

const datetimeHint = "expected a datetime such as 2026-10-05T08:00 or 2026-10-05T08:00:00.000Z"

// ParseFreeQuery checks a find_free_rooms request body, JSON or
// form-urlencoded (see decodeBody), including the bare array body
// [{"start":…,"end":…}] of the first API version. Errors are
// *[RequestError] with the reference's messages where it has one.
func ParseFreeQuery(contentType, body []byte, opt ParseOptions) (FreeQuery, error) {
	if q, ok := parseFreeFast(body, opt, nil); ok {
		return q, nil
	}
	return parseFreeGeneric(contentType, body, opt)
}

// parseFreeGeneric is ParseFreeQuery through the generic tree: the
// reference for every body, and the only path for unusual ones and errors.
func parseFreeGeneric(contentType, body []byte, opt ParseOptions) (FreeQuery, error) {
	var q FreeQuery
	tree, err := decodeBody(contentType, body)
	if err != nil {
		return q, err
	}
	var sel, coords any
	var obj map[string]any
	switch t := tree.(type) {
	case []any:
		sel = t
	case map[string]any:
		obj = t
		sel, coords = t["selection"], t["coordinates"]
	}
	if !truthy(sel) {
		return q, badRequest(MsgMissingSelection)
	}
	items, ok := sel.([]any)
	if !ok {
		return q, badRequest(MsgSelectionNotArray)
	}
	if max := opt.maxRanges(); len(items) > max {
		return q, badRequest("Too many ranges in selection: %d (at most %d)", len(items), max)
	}
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok || !truthy(m["start"]) || !truthy(m["end"]) {
			return q, badRequest(MsgSelectionItems)
		}
	}
	if truthy(coords) {
		c, err := parseCoordinates(coords)
		if err != nil {
			return q, err
		}
		q.Coordinates = c
	}
	q.Ranges = make([]Range, len(items))
	for i, it := range items {
		m := it.(map[string]any)
		var r Range
		if r.Start, ok = datetime(m["start"], opt.loc()); !ok {
			return q, badRequest("selection[%d].start: invalid datetime %s; %s", i, describe(m["start"]), datetimeHint)
		}
		if r.End, ok = datetime(m["end"], opt.loc()); !ok {
			return q, badRequest("selection[%d].end: invalid datetime %s; %s", i, describe(m["end"]), datetimeHint)
		}
		if !r.End.After(r.Start) {
			return q, badRequest("selection[%d]: end %s must be after start %s", i, describe(m["end"]), describe(m["start"]))
		}
		if r.End.Sub(r.Start) > MaxRangeDuration {
			return q, badRequest("selection[%d]: the range from %s to %s is longer than 366 days", i, describe(m["start"]), describe(m["end"]))
		}
		q.Ranges[i] = r
	}
	if obj != nil {
		if err := parseFilters(obj, &q.MinCapacity, &q.Building, &q.Type); err != nil {
			return q, err
		}
		if q.Limit, err = parseLimit(obj); err != nil {
			return q, err
		}
	}
	return q, nil
}

func parseCoordinates(v any) (*[2]float64, error) {
	var m map[string]any
	switch v := v.(type) {
	case map[string]any:
		m = v
	case []any:
		// typeof [] is "object" in JavaScript: the reference fails on the
		// missing properties instead.
		return nil, badRequest(MsgCoordinatesFields)
	default:
		return nil, badRequest(MsgCoordinatesNoObject)
	}
	var c [2]float64
	for i, f := range [2]struct {
		name     string
		min, max float64
	}{{"latitude", -90, 90}, {"longitude", -180, 180}} {
		raw, present := m[f.name]
		if !present || raw == nil || raw == "" {
			return nil, badRequest(MsgCoordinatesFields)
		}
		x, ok := number(raw)
		if !ok {
			return nil, badRequest("coordinates.%s must be a number, got %s", f.name, describe(raw))
		}
		if x < f.min || x > f.max {
			return nil, badRequest("coordinates.%s must be between %v and %v, got %v", f.name, f.min, f.max, x)
		}
		c[i] = x
	}
	return &c, nil
}

// parseFilters reads the optional room filters min_capacity, building
// and type of a search.
func parseFilters(obj map[string]any, minCapacity **int, building, typ *string) error {
	if raw, ok := obj["min_capacity"]; ok && raw != nil && raw != "" {
		x, ok := number(raw)
		if !ok || x < 0 || x != math.Trunc(x) || x > math.MaxInt32 {
			return badRequest("min_capacity must be a non-negative integer, got %s", describe(raw))
		}
		n := int(x)
		*minCapacity = &n
	}
	for _, f := range [2]struct {
		name string
		dst  *string
	}{{"building", building}, {"type", typ}} {
		raw, ok := obj[f.name]
		if !ok || raw == nil {
			continue
		}
		s, ok := raw.(string)
		if !ok {
			return badRequest("%s must be a string, got %s", f.name, describe(raw))
		}
		*f.dst = strings.TrimSpace(s)
	}
	return nil
}

// parseLimit reads the optional limit of a search: a positive integer
// (0 when absent, null or "").
func parseLimit(obj map[string]any) (int, error) {
	raw, ok := obj["limit"]
	if !ok || raw == nil || raw == "" {
		return 0, nil
	}
	x, ok := number(raw)
	if !ok || x < 1 || x != math.Trunc(x) || x > math.MaxInt32 {
		return 0, badRequest("limit must be a positive integer, got %s", describe(raw))
	}
	return int(x), nil
}

// parseRoomNames reads the optional rooms of a find_soonest_bookings
// request: an array of room names, or one name (as a form's rooms=CO1
// gives). It returns nil when absent or null.
func parseRoomNames(obj map[string]any) ([]string, error) {
	raw, ok := obj["rooms"]
	if !ok || raw == nil {
		return nil, nil
	}
	var items []any
	switch v := raw.(type) {
	case string:
		items = []any{v}
	case []any:
		items = v
	default:
		return nil, badRequest("rooms must be an array of room names, got %s", describe(raw))
	}
	if len(items) > MaxRoomNames {
		return nil, badRequest("Too many rooms: %d (at most %d)", len(items), MaxRoomNames)
	}
	names := make([]string, len(items))
	for i, it := range items {
		s, ok := it.(string)
		if !ok {
			return nil, badRequest("rooms[%d] must be a room name (a string), got %s", i, describe(it))
		}
		names[i] = s
	}
	return names, nil
}

// ParseSoonestQuery checks a find_soonest_bookings request body, JSON or
// form-urlencoded. Errors are *[RequestError].
func ParseSoonestQuery(contentType, body []byte, opt ParseOptions) (SoonestQuery, error) {
	if q, ok := parseSoonestFast(body, opt); ok {
		return q, nil
	}
	return parseSoonestGeneric(contentType, body, opt)
}

// parseSoonestGeneric is ParseSoonestQuery through the generic tree.
func parseSoonestGeneric(contentType, body []byte, opt ParseOptions) (SoonestQuery, error) {
	var q SoonestQuery
	tree, err := decodeBody(contentType, body)
	if err != nil {
		return q, err
	}
	obj, _ := tree.(map[string]any)
	raw := obj["after_date"]
	if !truthy(raw) {
		return q, badRequest(MsgMissingAfterDate)
	}
	t, ok := datetime(raw, opt.loc())
	if !ok {
		return q, badRequest(MsgInvalidAfterDate)
	}
	q.After = t
	if q.Rooms, err = parseRoomNames(obj); err != nil {
		return q, err
	}
	if err := parseFilters(obj, &q.MinCapacity, &q.Building, &q.Type); err != nil {
		return q, err
	}
	if q.Limit, err = parseLimit(obj); err != nil {
		return q, err
	}
	return q, nil
}
