package source

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"

	gojson "github.com/goccy/go-json"
)

// FuzzRecordDecoders: whatever record (or head of one) the fast decoder
// accepts,
// encoding/json accepts too (with the same checks: no unknown field,
// nothing after the record) and reads the same values from.
func FuzzRecordDecoders(f *testing.F) {
	full, err := MarshalRelease(&Release{
		Semesters: []Semester{{Name: "S", Type: Fall, Start: Date{}, End: Date{}}},
		Rooms:     []Room{{Name: "CO1", Capacity: new(int), Coordinates: &[2]float64{46.5, 6.5}, Available: true}},
		Courses:   []Course{{Code: "CS-101", Name: "Intro", Teachers: []string{"Jane"}}},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(full)
	f.Add([]byte(`{"format":"occupancy-release","version":1,"rooms":[{"name":"A","latitude":-0,"longitude":1e2,"capacity":-3}],"sessions":[null]}`))
	f.Add([]byte(`{"format":"occupancy-release","version":1,"courses":[{"code":"\ud800","teachers":[]}],"bookings":[{"date":"0000-01-01","start":"24:00","end":"00:00","label":"\u00e9"}]}`))
	f.Add([]byte(`{"FORMAT":"occupancy-release","Version":1,"rooms":[{"Name":"x","NAME":"y"}]}`))
	f.Add([]byte(`{"format":"occupancy-release","version":1} {}`))
	f.Add([]byte(`{"format":"occupancy-release","version":1,"floor":2}`))
	f.Add([]byte("{\"format\":\"occupancy-release\",\"version\":1,\"rooms\":[{\"name\":\"\xff\"}]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fastHead, stdHead recordHead
		if gojson.Unmarshal(data, &fastHead) == nil {
			if err := json.Unmarshal(data, &stdHead); err != nil {
				t.Fatalf("the fast decoder accepts a head encoding/json refuses: %v", err)
			}
			if !reflect.DeepEqual(fastHead, stdHead) {
				t.Fatalf("the fast decoder read the head %+v, encoding/json %+v", fastHead, stdHead)
			}
		}
		var fast releaseRecord
		if !decodeRecordFast(data, &fast) {
			return
		}
		var std releaseRecord
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&std); err != nil {
			t.Fatalf("the fast decoder accepts what encoding/json refuses: %v", err)
		}
		if dec.More() {
			t.Fatal("the fast decoder accepts data after the record")
		}
		if !reflect.DeepEqual(fast, std) {
			t.Fatalf("the fast decoder read %+v, encoding/json %+v", fast, std)
		}
	})
}
