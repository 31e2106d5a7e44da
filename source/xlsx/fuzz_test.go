package xlsx_test

import (
	"archive/zip"
	"bytes"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"

	"occupancy/source"
	"occupancy/source/sourcetest"
	"occupancy/source/xlsx"
)

// FuzzReadXLSX reads arbitrary bytes as a workbook. It checks only that
// reading does not panic, that an error is either a *source.Errors of
// complete problems or names the file, and that rows keep increasing
// physical lines.
func FuzzReadXLSX(f *testing.F) {
	var seeds [][]byte
	for _, tt := range readTests {
		seeds = append(seeds, MustWorkbook(f, tt.Sheets...))
	}
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, sourcetest.WriterRaw()); err != nil {
		f.Fatal(err)
	}
	seeds = append(seeds, buf.Bytes())
	for _, s := range seeds {
		f.Add(s)
		// Stored without compression or checksum, so that mutations reach
		// the XML parts rather than stop at the zip layer.
		f.Add(MustStored(f, s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		raw, err := xlsx.Read(bytes.NewReader(data), "fuzz.xlsx", xlsx.Options{})
		var es *source.Errors
		switch {
		case err == nil:
		case errors.As(err, &es):
			if raw == nil || es.Len() == 0 {
				t.Fatalf("Raw %v with error %v", raw, err)
			}
			for _, p := range es.List {
				if p == nil || p.Err == nil || p.File != "fuzz.xlsx" || p.Sheet == "" || p.Row < 0 || p.Error() == "" {
					t.Fatalf("incomplete problem %#v", p)
				}
			}
		default:
			if raw != nil || !strings.HasPrefix(err.Error(), "read fuzz.xlsx: ") {
				t.Fatalf("Raw %v with error %q", raw, err)
			}
			return
		}
		sourcetest.CheckLines(t, raw)
	})
}

func TestStoredWorkbook(t *testing.T) {
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, sourcetest.WriterRaw()); err != nil {
		t.Fatal(err)
	}
	want, err := xlsx.Read(bytes.NewReader(buf.Bytes()), "t.xlsx", xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := xlsx.Read(bytes.NewReader(MustStored(t, buf.Bytes())), "t.xlsx", xlsx.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("stored workbook reads as %+v, want %+v", got, want)
	}
}

// MustStored returns the zip archive data with every entry stored
// uncompressed and with a zero CRC-32, which archive/zip does not check.
func MustStored(tb testing.TB, data []byte) []byte {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			tb.Fatal(err)
		}
		body, err := io.ReadAll(rc)
		if err != nil {
			tb.Fatal(err)
		}
		rc.Close()
		w, err := zw.CreateRaw(&zip.FileHeader{
			Name: f.Name, Method: zip.Store,
			CompressedSize64: uint64(len(body)), UncompressedSize64: uint64(len(body)),
		})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(body); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}
