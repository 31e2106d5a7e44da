// Package snapshot defines the sidecar's input file: the available rooms of a
// timetable release, each with its metadata and a roaring bitmap of its
// occupied 15-minute slots. The build writes it (see [Snapshot.MarshalBinary]);
// the sidecar reads it (see [Parse] and [ReadFile]) and never reads
// spreadsheets.
//
// # Time scale
//
// Times are "fake UTC": campus (Europe/Zurich) wall-clock time labelled as UTC,
// the convention of the reference API. Slot n is the 15-minute interval
// [n*900, n*900+900) in Unix seconds of that scale ([Slot], [SlotCeil]).
// Roaring's container boundaries fall every 65,536 slots (for example at
// 2026-01-27T00:00Z); nothing in this package depends on them.
//
// # File format (version 1)
//
// All integers are little-endian. A file is
//
//	magic     8 bytes   "OCCSNAP\x00"
//	version   uint16    1
//	reserved  uint16    0
//	bodyLen   uint64    length of body in bytes
//	body      bodyLen bytes
//	checksum  32 bytes  SHA-256 of everything before it (magic … body)
//
// and the body is
//
//	release   string
//	nRooms    uvarint
//	nRooms × room, sorted by name, names unique
//
// where a string is a uvarint byte length followed by UTF-8 bytes, and a room is
//
//	name, type, building, link   string ×4 (link "" = unknown)
//	flags     byte: bit 0 capacity present, bit 1 level present,
//	          bit 2 coordinates present; other bits zero
//	capacity  varint (zig-zag), only if bit 0
//	level     varint (zig-zag), only if bit 1
//	lat, lon  float64 bits as uint64 ×2, only if bit 2
//	busyLen   uvarint
//	busy      busyLen bytes: the bitmap in roaring's portable serialization
//	          (https://github.com/RoaringBitmap/RoaringFormatSpec) without
//	          run containers (cookie 12346): only array and bitmap
//	          containers, so equal sets give equal bytes and
//	          [roaring.Bitmap.Validate] runs in linear time (it is
//	          quadratic on run containers)
//
// [Parse] rejects anything else: wrong magic, an unknown version, a length or
// checksum mismatch, truncated or trailing bytes, invalid UTF-8, unsorted or
// duplicate names, non-finite or out-of-range coordinates, and bitmaps that do
// not deserialize exactly or fail [roaring.Bitmap.Validate].
package snapshot

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/RoaringBitmap/roaring/v2"
)

// SlotSeconds is the length of a slot in seconds (15 minutes).
const SlotSeconds = 900

// Version is the format version written by [Snapshot.MarshalBinary] and the
// only one [Parse] accepts.
const Version = 1

// Magic is the first 8 bytes of every snapshot file.
const Magic = "OCCSNAP\x00"

const (
	headerLen   = len(Magic) + 2 + 2 + 8
	checksumLen = sha256.Size

	flagCapacity    = 1 << 0
	flagLevel       = 1 << 1
	flagCoordinates = 1 << 2
	flagsKnown      = flagCapacity | flagLevel | flagCoordinates

	// minRoomLen is the fewest body bytes a room can take (four empty
	// strings, flags, an empty bitmap's length); it bounds nRooms.
	minRoomLen = 4 + 1 + 1

	// cookieNoRunContainer starts a portable bitmap that holds only array
	// and bitmap containers.
	cookieNoRunContainer = 12346
)

// maxSlot is the largest slot number; times beyond it are clamped.
const maxSlot = math.MaxUint32

// Slot returns the slot containing t: floor(t.Unix()/900), clamped to the
// uint32 range (times before 1970 give 0). t is wall-clock time labelled as
// UTC; its location is ignored.
func Slot(t time.Time) uint32 {
	s := t.Unix()
	if s < 0 {
		return 0
	}
	return clamp(s / SlotSeconds)
}

// SlotCeil returns the first slot starting at or after t:
// ceil(t/900) with sub-second precision, clamped like [Slot].
func SlotCeil(t time.Time) uint32 {
	s := t.Unix()
	if s < 0 {
		return 0
	}
	if t.Nanosecond() > 0 {
		s++
	}
	return clamp((s + SlotSeconds - 1) / SlotSeconds)
}

func clamp(n int64) uint32 {
	if n > maxSlot {
		return maxSlot
	}
	return uint32(n)
}

// SlotTime returns the start of slot n as a UTC time.
func SlotTime(n uint32) time.Time {
	return time.Unix(int64(n)*SlotSeconds, 0).UTC()
}

// Room is an available room with its occupied slots. Unknown optional
// values are nil or empty.
type Room struct {
	Name, Type, Building, Link string      // Link "" = unknown
	Capacity, Level            *int        // nil = unknown
	Coordinates                *[2]float64 // [lat, lon], nil = unknown
	Busy                       *roaring.Bitmap
}

// Occupy marks the slots of a booking [start, end) as busy, rounding outward
// to whole slots: [Slot(start), SlotCeil(end)). A booking whose end is not
// after its start occupies nothing. Busy is allocated when nil.
func (r *Room) Occupy(start, end time.Time) {
	if !end.After(start) {
		return
	}
	lo, hi := Slot(start), SlotCeil(end)
	if hi <= lo {
		return
	}
	if r.Busy == nil {
		r.Busy = roaring.New()
	}
	r.Busy.AddRange(uint64(lo), uint64(hi))
}

// Snapshot is what the sidecar serves: the rooms of one release.
type Snapshot struct {
	Release string // identifies the release (the build passes a content hash)
	Rooms   []Room // available rooms only, sorted by name
}

// Sentinel errors wrapped by [Parse]; test them with errors.Is.
var (
	ErrMagic    = errors.New("not a snapshot file (bad magic)")
	ErrVersion  = errors.New("unsupported snapshot version")
	ErrChecksum = errors.New("checksum mismatch")
	ErrCorrupt  = errors.New("corrupt snapshot")
)

// MarshalBinary encodes s in the format described in the package comment.
// Equal snapshots give equal bytes. It fails when the rooms are not sorted by
// name or have duplicate names, when a string is not valid UTF-8, or when a
// coordinate is not finite or out of range; it does not modify s.
func (s *Snapshot) MarshalBinary() ([]byte, error) {
	if !utf8.ValidString(s.Release) {
		return nil, errors.New("snapshot: release is not valid UTF-8")
	}
	body := make([]byte, 0, 64+len(s.Rooms)*256)
	body = appendString(body, s.Release)
	body = binary.AppendUvarint(body, uint64(len(s.Rooms)))
	for i := range s.Rooms {
		r := &s.Rooms[i]
		if i > 0 && s.Rooms[i-1].Name >= r.Name {
			return nil, fmt.Errorf("snapshot: rooms not sorted by unique name at %q after %q", r.Name, s.Rooms[i-1].Name)
		}
		for _, f := range [...]string{r.Name, r.Type, r.Building, r.Link} {
			if !utf8.ValidString(f) {
				return nil, fmt.Errorf("snapshot: room %q: field %q is not valid UTF-8", r.Name, f)
			}
			body = appendString(body, f)
		}
		var flags byte
		if r.Capacity != nil {
			flags |= flagCapacity
		}
		if r.Level != nil {
			flags |= flagLevel
		}
		if r.Coordinates != nil {
			if err := checkCoordinates(*r.Coordinates); err != nil {
				return nil, fmt.Errorf("snapshot: room %q: %w", r.Name, err)
			}
			flags |= flagCoordinates
		}
		body = append(body, flags)
		if r.Capacity != nil {
			body = binary.AppendVarint(body, int64(*r.Capacity))
		}
		if r.Level != nil {
			body = binary.AppendVarint(body, int64(*r.Level))
		}
		if r.Coordinates != nil {
			body = binary.LittleEndian.AppendUint64(body, math.Float64bits(r.Coordinates[0]))
			body = binary.LittleEndian.AppendUint64(body, math.Float64bits(r.Coordinates[1]))
		}
		bm, err := canonicalBytes(r.Busy)
		if err != nil {
			return nil, fmt.Errorf("snapshot: room %q: serialize bitmap: %w", r.Name, err)
		}
		body = binary.AppendUvarint(body, uint64(len(bm)))
		body = append(body, bm...)
	}

	out := make([]byte, 0, headerLen+len(body)+checksumLen)
	out = append(out, Magic...)
	out = binary.LittleEndian.AppendUint16(out, Version)
	out = binary.LittleEndian.AppendUint16(out, 0)
	out = binary.LittleEndian.AppendUint64(out, uint64(len(body)))
	out = append(out, body...)
	sum := sha256.Sum256(out)
	return append(out, sum[:]...), nil
}

// canonicalBytes serializes the set held by b (nil = empty) in a form that
// depends only on the set: array and bitmap containers, no run containers.
func canonicalBytes(b *roaring.Bitmap) ([]byte, error) {
	c := roaring.New()
	if b != nil {
		c.AddMany(b.ToArray())
	}
	return c.ToBytes()
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func checkCoordinates(c [2]float64) error {
	lat, lon := c[0], c[1]
	if math.IsNaN(lat) || math.IsNaN(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180 {
		return fmt.Errorf("coordinates [%v, %v] out of range", lat, lon)
	}
	return nil
}

// Parse decodes and checks a snapshot written by [Snapshot.MarshalBinary].
// It never panics; every error wraps [ErrMagic], [ErrVersion], [ErrChecksum]
// or [ErrCorrupt]. The result does not reference data, and its bitmaps are
// safe for concurrent reads.
func Parse(data []byte) (*Snapshot, error) {
	if len(data) < len(Magic) || string(data[:len(Magic)]) != Magic {
		return nil, fmt.Errorf("snapshot: %w", ErrMagic)
	}
	if len(data) < headerLen {
		return nil, fmt.Errorf("snapshot: %w: header truncated (%d bytes)", ErrCorrupt, len(data))
	}
	if v := binary.LittleEndian.Uint16(data[8:]); v != Version {
		return nil, fmt.Errorf("snapshot: %w %d (want %d)", ErrVersion, v, Version)
	}
	if r := binary.LittleEndian.Uint16(data[10:]); r != 0 {
		return nil, fmt.Errorf("snapshot: %w: reserved header field is %d", ErrCorrupt, r)
	}
	bodyLen := binary.LittleEndian.Uint64(data[12:])
	if want := uint64(len(data) - headerLen - checksumLen); len(data) < headerLen+checksumLen || bodyLen != want {
		return nil, fmt.Errorf("snapshot: %w: body length %d does not match file size %d", ErrCorrupt, bodyLen, len(data))
	}
	end := headerLen + int(bodyLen)
	sum := sha256.Sum256(data[:end])
	if !bytes.Equal(sum[:], data[end:]) {
		return nil, fmt.Errorf("snapshot: %w", ErrChecksum)
	}

	d := decoder{buf: data[headerLen:end]}
	s := &Snapshot{Release: d.string("release")}
	n := d.uvarint("room count")
	if d.err == nil && n > uint64(len(d.buf))/minRoomLen {
		d.fail("room count %d exceeds what the body can hold", n)
	}
	if d.err == nil {
		s.Rooms = make([]Room, 0, n)
	}
	for i := uint64(0); i < n && d.err == nil; i++ {
		r := d.room()
		if d.err != nil {
			return nil, fmt.Errorf("snapshot: room %d: %w", i, d.err)
		}
		if i > 0 && s.Rooms[i-1].Name >= r.Name {
			return nil, fmt.Errorf("snapshot: room %d: %w: name %q not after %q", i, ErrCorrupt, r.Name, s.Rooms[i-1].Name)
		}
		s.Rooms = append(s.Rooms, r)
	}
	if d.err != nil {
		return nil, fmt.Errorf("snapshot: %w", d.err)
	}
	if len(d.buf) != 0 {
		return nil, fmt.Errorf("snapshot: %w: %d trailing bytes in body", ErrCorrupt, len(d.buf))
	}
	return s, nil
}

// ReadFile reads and parses the snapshot file at path.
func ReadFile(path string) (*Snapshot, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Parse(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// decoder reads the body; after the first error every read is a no-op
// returning a zero value, and err holds that error.
type decoder struct {
	buf []byte
	err error
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrCorrupt}, args...)...)
	}
}

func (d *decoder) uvarint(what string) uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.buf)
	if n <= 0 {
		d.fail("bad %s", what)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) varint(what string) int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.buf)
	if n <= 0 {
		d.fail("bad %s", what)
		return 0
	}
	d.buf = d.buf[n:]
	return v
}

func (d *decoder) bytes(n uint64, what string) []byte {
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.buf)) {
		d.fail("%s truncated (%d bytes, %d left)", what, n, len(d.buf))
		return nil
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b
}

func (d *decoder) string(what string) string {
	b := d.bytes(d.uvarint(what+" length"), what)
	if d.err == nil && !utf8.Valid(b) {
		d.fail("%s is not valid UTF-8", what)
	}
	return strings.Clone(string(b))
}

func (d *decoder) uint64(what string) uint64 {
	b := d.bytes(8, what)
	if d.err != nil {
		return 0
	}
	return binary.LittleEndian.Uint64(b)
}

func (d *decoder) int(what string) *int {
	v := d.varint(what)
	if d.err == nil && (v < math.MinInt32 || v > math.MaxInt32) {
		d.fail("%s %d out of range", what, v)
	}
	i := int(v)
	return &i
}

func (d *decoder) room() Room {
	var r Room
	r.Name = d.string("name")
	if d.err == nil && r.Name == "" {
		d.fail("empty name")
	}
	r.Type = d.string("type")
	r.Building = d.string("building")
	r.Link = d.string("link")
	var flags byte
	if b := d.bytes(1, "flags"); d.err == nil {
		flags = b[0]
		if flags&^flagsKnown != 0 {
			d.fail("unknown flags %#x", flags)
		}
	}
	if flags&flagCapacity != 0 {
		r.Capacity = d.int("capacity")
	}
	if flags&flagLevel != 0 {
		r.Level = d.int("level")
	}
	if flags&flagCoordinates != 0 {
		c := [2]float64{math.Float64frombits(d.uint64("latitude")), math.Float64frombits(d.uint64("longitude"))}
		if d.err == nil {
			if err := checkCoordinates(c); err != nil {
				d.fail("%v", err)
			}
		}
		r.Coordinates = &c
	}
	raw := d.bytes(d.uvarint("bitmap length"), "bitmap")
	if d.err != nil {
		return r
	}
	if len(raw) < 4 || binary.LittleEndian.Uint32(raw) != cookieNoRunContainer {
		d.fail("room %q: bitmap is not in the portable format without run containers", r.Name)
		return r
	}
	r.Busy = roaring.New()
	// ReadFrom on a bytes.Reader copies the containers, so the bitmap does
	// not alias data and needs no copy-on-write.
	br := bytes.NewReader(raw)
	if _, err := r.Busy.ReadFrom(br); err != nil {
		d.fail("room %q: bitmap: %v", r.Name, err)
		return r
	}
	if br.Len() != 0 {
		d.fail("room %q: bitmap: %d unread bytes", r.Name, br.Len())
		return r
	}
	if err := r.Busy.Validate(); err != nil {
		d.fail("room %q: bitmap: %v", r.Name, err)
	}
	return r
}
