package sidecar

import (
	"reflect"
	"testing"
	"time"
)

// fastSeeds are bodies for FuzzFastParse: the shapes the fast path takes,
// and near misses it must leave to the generic parser.
var fastSeeds = []string{
	`{"selection":[{"start":"2026-11-26T10:00:00.000Z","end":"2026-11-26T11:00:00.000Z"}],"coordinates":{"latitude":46.5191,"longitude":6.5668}}`,
	` { "coordinates" : { "longitude" : 6.5668 , "latitude" : -46.5e0 } , "selection" : [ { "end" : "2026-11-26T11:00" , "start" : "2026-11-26 10:00+02:00" } ] } `,
	"{\"selection\":[{\"start\":\"2026-11-26T10:00\",\n\"end\":\"2026-11-26T24:00\"}],\r\n\"min_capacity\":40,\"building\":\" bc \",\"type\":\"\"}\t",
	`[{"start":"2026-11-26T10:00","end":"2026-11-26T10:15"},{"start":"2026-01-26T23:00","end":"2026-01-27T01:00:00.5"}]`,
	`[]`,
	`{"selection":[]}`,
	`{"limit":20,"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}],"coordinates":{"latitude":46.5191,"longitude":6.5668}}`,
	`{"after_date":"2026-11-26T10:30:00.000Z"}`,
	`{"after_date":"2026-10-25T02:30:00.123456789-00:30"}`,
	`{"after_date":"2026-11-26T10:30","limit":5}`,
	// Near misses.
	`{"selection":[],"limit":0}`,
	`{"selection":[],"limit":2.5}`,
	`{"selection":[],"limit":"3"}`,
	`{"selection":[],"limit":3,"limit":4}`,
	`{"after_date":"2026-11-26T10:30","limit":-1}`,
	`{"after_date":"2026-11-26T10:30","rooms":["CO1"]}`,
	`{"after_date":"2026-11-26T10:30","building":"CO"}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}],"selection":[]}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00","x":1}]}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}],"extra":null}`,
	`{"selection":[{"start":"2026\u002d11-26T10:00","end":"2026-11-26T11:00"}]}`,
	`{"selection":[{"start":1764316800000,"end":"2026-11-26T11:00"}]}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}],"coordinates":{"latitude":"46.5","longitude":6}}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}],"coordinates":{"latitude":01,"longitude":6}}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}],"coordinates":{"latitude":1.,"longitude":-}}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}],"coordinates":{"latitude":91,"longitude":6}}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}],"min_capacity":1.5}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}],"min_capacity":1e400}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}],"building":"BÇ"}`,
	`{"selection":[{"start":"2026-11-26T11:00","end":"2026-11-26T10:00"}]}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2028-11-26T10:00"}]}`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"}]}x`,
	`{"selection":[{"start":"2026-11-26T10:00","end":"2026-11-26T11:00"},]}`,
	`{"selection":{},"coordinates":"x"}`,
	`{"after_date":"2026-11-26T10:30","after_date":"x"}`,
	`{"after_date":""}`,
	`{}`,
	`selection[0][start]=2026-11-28T10:05&selection[0][end]=2026-11-28T11:00`,
	"\ufeff{\"after_date\":\"2026-11-26T10:30\"}",
}

// FuzzFastParse is the differential test of the fast path: for any body,
// when parseFreeFast or parseSoonestFast accepts it, the generic parser
// must accept it too and produce the same query.
func FuzzFastParse(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	zurich, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		f.Fatal(err)
	}
	opt := ParseOptions{Location: zurich, MaxRanges: 3}
	f.Fuzz(func(t *testing.T, body []byte) {
		var buf queryBuf
		if fast, ok := parseFreeFast(body, opt, &buf); ok {
			generic, err := parseFreeGeneric([]byte("application/json"), body, opt)
			if err != nil {
				t.Fatalf("fast path accepted %q; generic parser: %v", body, err)
			}
			if len(fast.Ranges) == 0 && len(generic.Ranges) == 0 {
				fast.Ranges, generic.Ranges = nil, nil
			}
			if !reflect.DeepEqual(fast, generic) {
				t.Fatalf("body %q: fast path %+v, generic %+v", body, fast, generic)
			}
		}
		if fast, ok := parseSoonestFast(body, opt); ok {
			generic, err := parseSoonestGeneric([]byte("application/json"), body, opt)
			if err != nil {
				t.Fatalf("fast path accepted %q; generic parser: %v", body, err)
			}
			if !reflect.DeepEqual(fast, generic) {
				t.Fatalf("body %q: fast path %+v, generic %+v", body, fast, generic)
			}
		}
	})
}

// TestFastParseTakesCommonShapes checks that the fast path does take the
// shapes it is for (otherwise FuzzFastParse would pass vacuously).
func TestFastParseTakesCommonShapes(t *testing.T) {
	for _, s := range fastSeeds[:7] {
		if _, ok := parseFreeFast([]byte(s), ParseOptions{}, nil); !ok {
			t.Errorf("fast path refused %s", s)
		}
	}
	for _, s := range fastSeeds[7:10] {
		if _, ok := parseSoonestFast([]byte(s), ParseOptions{}); !ok {
			t.Errorf("fast path refused %s", s)
		}
	}
	for _, s := range fastSeeds[10:] {
		if _, ok := parseFreeFast([]byte(s), ParseOptions{MaxRanges: 3}, nil); ok {
			t.Errorf("fast path took %s", s)
		}
		if _, ok := parseSoonestFast([]byte(s), ParseOptions{}); ok {
			t.Errorf("fast path took %s", s)
		}
	}
}

// TestRoomNamesBounded: a find_soonest_bookings request lists at most
// MaxRoomNames rooms.
func TestRoomNamesBounded(t *testing.T) {
	body := func(n int) []byte {
		b := []byte(`{"after_date":"2026-11-26T10:30","rooms":[`)
		for i := range n {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `"CO1"`...)
		}
		return append(b, "]}"...)
	}
	q, err := ParseSoonestQuery([]byte("application/json"), body(MaxRoomNames), ParseOptions{})
	if err != nil || len(q.Rooms) != MaxRoomNames {
		t.Errorf("%d names: %d read, %v", MaxRoomNames, len(q.Rooms), err)
	}
	_, err = ParseSoonestQuery([]byte("application/json"), body(MaxRoomNames+1), ParseOptions{})
	if re, ok := err.(*RequestError); !ok || re.Status != 400 || re.Message != "Too many rooms: 5001 (at most 5000)" {
		t.Errorf("%d names: %v", MaxRoomNames+1, err)
	}
}
