package snapshot_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/google/go-cmp/cmp"

	"occupancy/snapshot"
)

func ptr[T any](v T) *T { return &v }

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestSlot(t *testing.T) {
	tests := []struct {
		in             string
		slot, slotCeil uint32
	}{
		{"1970-01-01T00:00:00Z", 0, 0},
		{"1970-01-01T00:00:00.5Z", 0, 1},
		{"1970-01-01T00:14:59Z", 0, 1},
		{"1970-01-01T00:15:00Z", 1, 1},
		{"1969-12-31T23:00:00Z", 0, 0},
		// A container boundary: slot 30*65536 starts at 2026-01-27T00:00Z.
		{"2026-01-27T00:00:00Z", 1966080, 1966080},
		{"2026-01-26T23:59:59Z", 1966079, 1966080},
		{"2026-11-28T08:10:00Z", 1995392, 1995393},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if got := snapshot.Slot(at(tt.in)); got != tt.slot {
				t.Errorf("Slot(%s) = %d, want %d", tt.in, got, tt.slot)
			}
			if got := snapshot.SlotCeil(at(tt.in)); got != tt.slotCeil {
				t.Errorf("SlotCeil(%s) = %d, want %d", tt.in, got, tt.slotCeil)
			}
		})
	}
	if got, want := snapshot.Slot(at("2026-01-27T00:00:00Z"))%65536, uint32(0); got != want {
		t.Errorf("2026-01-27T00:00Z is not a container boundary: slot %% 65536 = %d", got)
	}
	if got, want := snapshot.SlotTime(1966080), at("2026-01-27T00:00:00Z"); !got.Equal(want) {
		t.Errorf("SlotTime = %v, want %v", got, want)
	}
}

func TestOccupy(t *testing.T) {
	var r snapshot.Room
	r.Occupy(at("2026-11-28T08:10:00Z"), at("2026-11-28T09:50:00Z")) // 08:00–10:00
	r.Occupy(at("2026-11-28T12:00:00Z"), at("2026-11-28T12:00:00Z")) // empty
	r.Occupy(at("2026-11-28T13:00:00Z"), at("2026-11-28T12:00:00Z")) // reversed
	r.Occupy(at("2026-01-26T23:30:00Z"), at("2026-01-27T00:30:00Z")) // across a container boundary
	got := r.Busy.ToArray()
	var want []uint32
	for s := snapshot.Slot(at("2026-01-26T23:30:00Z")); s < snapshot.Slot(at("2026-01-27T00:30:00Z")); s++ {
		want = append(want, s)
	}
	for s := snapshot.Slot(at("2026-11-28T08:00:00Z")); s < snapshot.Slot(at("2026-11-28T10:00:00Z")); s++ {
		want = append(want, s)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("busy slots (-want +got):\n%s", diff)
	}
}

// Sample returns a small snapshot with every kind of field.
func sample() *snapshot.Snapshot {
	s := &snapshot.Snapshot{
		Release: "sha256:0123",
		Rooms: []snapshot.Room{
			{Name: "BC01", Type: "SALLE DE COURS", Building: "BC", Link: "https://plan.example/?room=BC01",
				Capacity: ptr(40), Level: ptr(0), Coordinates: &[2]float64{46.51857, 6.56182}},
			{Name: "CO1", Type: "AUDITOIRE", Building: "CO", Capacity: ptr(300), Level: ptr(-1),
				Coordinates: &[2]float64{0, 0}},
			{Name: "XYZ1", Type: "unknown", Building: "XYZ"},
		},
	}
	s.Rooms[0].Occupy(at("2026-11-28T08:10:00Z"), at("2026-11-28T09:50:00Z"))
	s.Rooms[0].Occupy(at("2026-01-26T22:00:00Z"), at("2026-01-27T02:00:00Z"))
	s.Rooms[1].Occupy(at("2026-11-28T08:00:00Z"), at("2026-11-28T10:00:00Z"))
	for d := 0; d < 300; d++ { // many runs: an array or bitmap container
		s.Rooms[1].Occupy(at("2026-02-01T08:00:00Z").Add(time.Duration(d)*24*time.Hour), at("2026-02-01T08:15:00Z").Add(time.Duration(d)*24*time.Hour))
	}
	return s
}

func bitmapComparer() cmp.Option {
	return cmp.Comparer(func(a, b *roaring.Bitmap) bool {
		if a == nil {
			a = roaring.New()
		}
		if b == nil {
			b = roaring.New()
		}
		return a.Equals(b)
	})
}

func TestRoundTrip(t *testing.T) {
	want := sample()
	data, err := want.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	got, err := snapshot.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got, bitmapComparer()); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}

	// Equal sets give equal bytes, however the bitmap was built.
	other := sample()
	b := roaring.New()
	for _, v := range other.Rooms[0].Busy.ToArray() {
		b.Add(v)
	}
	other.Rooms[0].Busy = b
	data2, err := other.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, data2) {
		t.Error("equal snapshots gave different bytes")
	}
	// Marshalling the parsed snapshot gives the same bytes again.
	data3, err := got.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(data, data3) {
		t.Error("re-marshalled snapshot differs")
	}
}

func TestReadFile(t *testing.T) {
	data, err := sample().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "occupancy.snapshot")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := snapshot.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(s.Rooms), 3; got != want {
		t.Errorf("rooms = %d, want %d", got, want)
	}
	if _, err := snapshot.ReadFile(filepath.Join(t.TempDir(), "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: err = %v, want ErrNotExist", err)
	}
}

func TestMarshalErrors(t *testing.T) {
	tests := []struct {
		name string
		s    snapshot.Snapshot
	}{
		{"unsorted", snapshot.Snapshot{Rooms: []snapshot.Room{{Name: "B"}, {Name: "A"}}}},
		{"duplicate", snapshot.Snapshot{Rooms: []snapshot.Room{{Name: "A"}, {Name: "A"}}}},
		{"bad utf8", snapshot.Snapshot{Rooms: []snapshot.Room{{Name: "A\xff"}}}},
		{"bad latitude", snapshot.Snapshot{Rooms: []snapshot.Room{{Name: "A", Coordinates: &[2]float64{91, 0}}}}},
		{"NaN", snapshot.Snapshot{Rooms: []snapshot.Room{{Name: "A", Coordinates: &[2]float64{math.NaN(), 0}}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tt.s.MarshalBinary(); err == nil {
				t.Errorf("%s: MarshalBinary succeeded, want error", tt.name)
			}
		})
	}
}

// reseal recomputes the body length and checksum of a snapshot whose body
// was edited, so that Parse reaches the body checks.
func reseal(body []byte) []byte {
	out := []byte(snapshot.Magic)
	out = binary.LittleEndian.AppendUint16(out, snapshot.Version)
	out = binary.LittleEndian.AppendUint16(out, 0)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(body)))
	out = append(out, body...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...)
}

func TestParseErrors(t *testing.T) {
	good, err := sample().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	body := good[20 : len(good)-32]
	edit := func(f func(b []byte) []byte) []byte {
		return f(bytes.Clone(good))
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, snapshot.ErrMagic},
		{"magic", edit(func(b []byte) []byte { b[0] = 'X'; return b }), snapshot.ErrMagic},
		{"version", edit(func(b []byte) []byte { b[8] = 2; return b }), snapshot.ErrVersion},
		{"truncated header", good[:12], snapshot.ErrCorrupt},
		{"truncated", good[:len(good)-1], snapshot.ErrCorrupt},
		{"trailing", append(bytes.Clone(good), 0), snapshot.ErrCorrupt},
		{"checksum", edit(func(b []byte) []byte { b[len(b)-1] ^= 1; return b }), snapshot.ErrChecksum},
		{"body bit flip", edit(func(b []byte) []byte { b[30] ^= 1; return b }), snapshot.ErrChecksum},
		{"body trailing", reseal(append(bytes.Clone(body), 0)), snapshot.ErrCorrupt},
		{"body truncated", reseal(body[:len(body)-3]), snapshot.ErrCorrupt},
		{"huge room count", reseal([]byte{0, 0xff, 0xff, 0xff, 0xff, 0x0f}), snapshot.ErrCorrupt},
		{"unsorted", func() []byte {
			s := &snapshot.Snapshot{Rooms: []snapshot.Room{{Name: "A"}}}
			one, _ := s.MarshalBinary()
			b := one[20 : len(one)-32]
			// Duplicate the single room: "A" twice is not strictly sorted.
			room := b[2:]
			nb := append([]byte{0, 2}, room...)
			return reseal(append(nb, room...))
		}(), snapshot.ErrCorrupt},
		{"bad bitmap", func() []byte {
			s := &snapshot.Snapshot{Rooms: []snapshot.Room{{Name: "A"}}}
			one, _ := s.MarshalBinary()
			b := bytes.Clone(one[20 : len(one)-32])
			b[len(b)-8] ^= 0xff // the bitmap cookie
			return reseal(b)
		}(), snapshot.ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := snapshot.Parse(tt.data)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Parse: err = %v, want %v", err, tt.want)
			}
			if s != nil {
				t.Errorf("Parse returned a snapshot with error %v", err)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	good, err := sample().MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[20 : len(good)-32])
	empty, _ := (&snapshot.Snapshot{}).MarshalBinary()
	f.Add(empty)
	f.Add([]byte(snapshot.Magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Most mutations fail the checksum; also try the data as a body.
		for _, in := range [][]byte{data, reseal(data)} {
			s, err := snapshot.Parse(in)
			if err != nil {
				if s != nil {
					t.Fatal("snapshot with error")
				}
				continue
			}
			out, err := s.MarshalBinary()
			if err != nil {
				t.Fatalf("parsed snapshot does not marshal: %v", err)
			}
			s2, err := snapshot.Parse(out)
			if err != nil {
				t.Fatalf("re-marshalled snapshot does not parse: %v", err)
			}
			if diff := cmp.Diff(s, s2, bitmapComparer()); diff != "" {
				t.Fatalf("round trip differs:\n%s", diff)
			}
			for _, r := range s.Rooms {
				r.Busy.GetCardinality()
				r.Busy.NextValue(0)
				r.Busy.Contains(1 << 20)
			}
		}
	})
}

func BenchmarkParse(b *testing.B) {
	s := &snapshot.Snapshot{Release: "bench"}
	for i := 0; i < 180; i++ {
		r := snapshot.Room{Name: string(rune('A'+i/26)) + string(rune('A'+i%26)) + "1", Type: "SALLE", Building: "X"}
		for d := 0; d < 210; d++ {
			day := at("2026-09-07T08:00:00Z").Add(time.Duration(d) * 24 * time.Hour)
			r.Occupy(day.Add(time.Duration(i%5)*time.Hour), day.Add(time.Duration(i%5+2)*time.Hour))
		}
		s.Rooms = append(s.Rooms, r)
	}
	data, err := s.MarshalBinary()
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := snapshot.Parse(data); err != nil {
			b.Fatal(err)
		}
	}
}
