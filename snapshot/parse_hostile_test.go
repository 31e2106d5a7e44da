package snapshot_test

import (
	"bytes"
	"errors"
	"testing"

	"occupancy/snapshot"
)

// TestEveryByteFlipRejected flips each byte of a small valid snapshot in
// three ways and checks that Parse rejects every result with the error of
// the part hit: the magic, the version, the reserved field, the body length,
// or (body and checksum) the checksum. Truncation at every length and a
// byte inserted at every position are rejected too.
func TestEveryByteFlipRejected(t *testing.T) {
	good, err := sample().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := snapshot.Parse(good); err != nil {
		t.Fatal(err)
	}
	// Offsets of the header fields (see the package comment).
	want := func(i int) error {
		switch {
		case i < 8:
			return snapshot.ErrMagic
		case i < 10:
			return snapshot.ErrVersion
		case i < 20:
			return snapshot.ErrCorrupt // reserved, body length
		}
		return snapshot.ErrChecksum // body and checksum
	}
	flips := 0
	for i := range good {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(good)
			b[i] ^= mask
			s, err := snapshot.Parse(b)
			flips++
			if s != nil || !errors.Is(err, want(i)) {
				t.Errorf("byte %d ^ %#x: Parse = %v, %v; want %v", i, mask, s != nil, err, want(i))
			}
		}
	}
	for n := range len(good) {
		if s, err := snapshot.Parse(good[:n]); s != nil || err == nil {
			t.Errorf("truncated to %d bytes: accepted", n)
		}
	}
	for i := range len(good) + 1 {
		b := append(append(bytes.Clone(good[:i]), 0x2a), good[i:]...)
		if s, err := snapshot.Parse(b); s != nil || err == nil {
			t.Errorf("a byte inserted at %d: accepted", i)
		}
	}
	t.Logf("%d-byte snapshot: %d flips, %d truncations and %d insertions rejected", len(good), flips, len(good), len(good)+1)
}

// TestEveryBodyByteFlipResealed flips each byte of the body and fixes the
// length and checksum, as a writer with a bug (not a damaged file) would:
// Parse then either rejects it with ErrCorrupt or returns a snapshot that
// marshals and parses again stably; it never panics.
func TestEveryBodyByteFlipResealed(t *testing.T) {
	good, err := sample().MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	body := good[20 : len(good)-32]
	var rejected, accepted, noncanonical int
	for i := range body {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			b := bytes.Clone(body)
			b[i] ^= mask
			data := reseal(b)
			s, err := snapshot.Parse(data)
			if err != nil {
				rejected++
				if s != nil || !errors.Is(err, snapshot.ErrCorrupt) {
					t.Errorf("body byte %d ^ %#x: %v, want ErrCorrupt", i, mask, err)
				}
				continue
			}
			accepted++
			// Accepted: it must be a snapshot like any other. (Flips in a
			// bitmap's offset table are accepted and give back the same
			// set: roaring reads containers in order and ignores the
			// offsets; MarshalBinary writes them right.)
			out, err := s.MarshalBinary()
			if err != nil {
				t.Errorf("body byte %d ^ %#x: accepted but does not marshal: %v", i, mask, err)
				continue
			}
			if !bytes.Equal(out, data) {
				noncanonical++
			}
			s2, err := snapshot.Parse(out)
			if err != nil {
				t.Errorf("body byte %d ^ %#x: accepted, re-marshalled, then refused: %v", i, mask, err)
				continue
			}
			if out2, _ := s2.MarshalBinary(); !bytes.Equal(out2, out) {
				t.Errorf("body byte %d ^ %#x: marshalling is not stable", i, mask)
			}
		}
	}
	t.Logf("%d resealed flips rejected, %d accepted as a different valid snapshot (%d of them written in another encoding of the same sets)", rejected, accepted, noncanonical)
}
