package tree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"testing/iotest"
	"time"
)

// streamed reads data with streamManifest into a whole manifest.
func streamed(data []byte) (*Manifest, error) {
	var files []ManifestEntry
	m, err := streamManifest(bytes.NewReader(data), func(e *streamEntry) {
		files = append(files, ManifestEntry{Path: e.Path, Kind: e.Kind, SHA256: string(e.SHA256), Size: e.Size, Encoding: e.Encoding, Inputs: string(e.Inputs)})
	})
	if err != nil {
		return nil, err
	}
	m.Files = files
	return m, nil
}

// streamSeeds are manifests as WriteTo writes them: every combination of
// the optional fields, in the head and in entries.
func streamSeeds(t testing.TB) [][]byte {
	files := []File{
		{Path: "api/courses/CS-101.ics", Kind: KindCourseFeed, Data: []byte("BEGIN"), Inputs: strings.Repeat("0f", 16)},
		{Path: "api/courses/CS-101/index.json", Kind: KindCourse, Data: []byte(`{"code":"CS-101"}`), Inputs: strings.Repeat("ab", 16)},
		{Path: "api/courses/CS-101/index.json.br", Kind: KindCourse, Data: []byte("br"), Encoding: "br"},
		{Path: "api/courses/CS-101/index.json.gz", Kind: KindCourse, Data: []byte("gz"), Encoding: "gzip"},
		{Path: "index.html", Kind: KindWeb, Data: nil},
		{Path: "z/odd kind", Kind: "kind with spaces", Data: []byte("x")},
	}
	var out [][]byte
	for _, inputs := range []string{"", strings.Repeat("0123456789abcdef", 4)} {
		for n := 1; n <= len(files); n++ {
			m := NewManifest(files[:n])
			for i := range m.Files {
				m.Files[i].Inputs = files[i].Inputs
			}
			m.Inputs = inputs
			var b bytes.Buffer
			if _, err := m.WriteTo(&b); err != nil {
				t.Fatal(err)
			}
			out = append(out, b.Bytes())
		}
	}
	return out
}

// TestStreamManifest: what WriteTo writes is streamed, and read as
// ParseManifest reads it; anything else is left to ParseManifest.
func TestStreamManifest(t *testing.T) {
	for i, data := range streamSeeds(t) {
		got, err := streamed(data)
		if err != nil {
			t.Fatalf("seed %d not streamed (%v):\n%s", i, err, data)
		}
		want, err := ParseManifest(data)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("seed %d: streamed %+v, parsed %+v", i, got, want)
		}
	}
	good := string(streamSeeds(t)[5])
	for _, tc := range []struct{ name, data string }{
		{"empty", ""},
		{"compact", `{"version":3,"release":"x","files":[]}`},
		{"no files", strings.Replace(good, good[strings.Index(good, `"files": [`):], "\"files\": []\n}\n", 1)},
		{"older version", strings.Replace(good, `"version": 4`, `"version": 3`, 1)},
		{"version 04", strings.Replace(good, `"version": 4`, `"version": 04`, 1)},
		{"escaped path", strings.Replace(good, `"path": "index.html"`, `"path": "index\u002ehtml"`, 1)},
		{"path out of order", strings.Replace(good, `"path": "index.html"`, `"path": "a.html"`, 1)},
		{"path with ..", strings.Replace(good, `"path": "index.html"`, `"path": "../index.html"`, 1)},
		{"upper-case hash", strings.Replace(good, `"sha256": "e3b0`, `"sha256": "E3b0`, 1)},
		{"wrong release id", wrongRelease(good)},
		{"negative size", strings.Replace(good, `"size": 5`, `"size": -5`, 1)},
		{"size 1e2", strings.Replace(good, `"size": 5`, `"size": 1e2`, 1)},
		{"unknown encoding", strings.Replace(good, `"encoding": "br"`, `"encoding": "zstd"`, 1)},
		{"unknown field", strings.Replace(good, `"kind": "web",`, `"kind": "web", "x": 1,`, 1)},
		{"data after it", good + "{}"},
		{"space after it", good + " "},
		{"no final newline", strings.TrimSuffix(good, "\n")},
		{"CRLF", strings.ReplaceAll(good, "\n", "\r\n")},
		{"long line", strings.Replace(good, `"kind": "web"`, `"kind": "`+strings.Repeat("w", maxManifestLine)+`"`, 1)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.data == good {
				t.Fatal("the case changes nothing")
			}
			if m, err := streamed([]byte(tc.data)); !errors.Is(err, errNotStreamed) {
				t.Errorf("streamManifest = %+v, %v; want errNotStreamed", m, err)
			}
		})
	}
}

// TestReadManifestFile: a manifest streamed and one left to ParseManifest
// give the same result; one that is not the build's is a
// *badManifestError with ParseManifest's reason.
func TestReadManifestFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, ManifestName)
	good := streamSeeds(t)[4]
	want, err := ParseManifest(good)
	if err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, good); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name     string
		data     []byte
		streamed bool
	}{{"one entry a line", good, true}, {"compact", compact.Bytes(), false}} {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.WriteFile(name, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := loadManifest(name)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("loadManifest = %+v, %v; want %+v", got, err, want)
			}
			n, reset := 0, 0
			_, wasStreamed, err := readManifestFile(name, func(*streamEntry) { n++ }, func() { reset++ })
			if err != nil || wasStreamed != tc.streamed || tc.streamed && (n != len(want.Files) || reset != 0) || !tc.streamed && reset != 1 {
				t.Errorf("readManifestFile: streamed %v, %d entries, %d resets, %v", wasStreamed, n, reset, err)
			}
		})
	}
	os.WriteFile(name, []byte(`{"version":9}`), 0o644)
	var bad *badManifestError
	if _, err := loadManifest(name); !errors.As(err, &bad) || !strings.Contains(err.Error(), "version 9") {
		t.Errorf("loadManifest of another version: %v", err)
	}
	if _, err := loadManifest(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("loadManifest of a missing file: %v", err)
	}
}

// FuzzStreamManifest: whatever streamManifest accepts, ParseManifest
// accepts and reads the same; what WriteTo writes, it accepts.
func FuzzStreamManifest(f *testing.F) {
	for _, s := range streamSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := streamed(data)
		if err != nil {
			if !errors.Is(err, errNotStreamed) {
				t.Fatalf("an error other than errNotStreamed from memory: %v", err)
			}
			return
		}
		want, err := ParseManifest(data)
		if err != nil {
			t.Fatalf("streamed, but ParseManifest refuses it: %v", err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("streamed %+v, parsed %+v", got, want)
		}
	})
}

// wrongRelease changes the first digit of the manifest's release id.
func wrongRelease(m string) string {
	at := strings.Index(m, `"release": "`) + len(`"release": "`)
	c := byte('0')
	if m[at] == '0' {
		c = '1'
	}
	return m[:at] + string(c) + m[at+1:]
}

// TestStreamManifestLarge streams a manifest many times the reader's
// buffer, read in pieces of every size, so that lines cross the buffer's
// refills: each entry must come out as ParseManifest reads it.
func TestStreamManifestLarge(t *testing.T) {
	var files []File
	for i := range 3000 {
		p := fmt.Sprintf("api/rooms/R%05d/index.json", i)
		files = append(files, File{Path: p, Kind: KindRoom, Data: []byte(p), Inputs: fmt.Sprintf("%032x", i)})
		files = append(files, File{Path: p + ".gz", Kind: KindRoom, Data: []byte(p + "gz"), Encoding: "gzip"})
	}
	m := NewManifest(files)
	for i := range m.Files {
		m.Files[i].Inputs = files[i].Inputs
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if b.Len() < 10*maxManifestLine {
		t.Fatalf("manifest of %d bytes: not larger than the buffer", b.Len())
	}
	want, err := ParseManifest(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	for name, r := range map[string]func() io.Reader{
		"whole":       func() io.Reader { return bytes.NewReader(b.Bytes()) },
		"byte a time": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(b.Bytes())) },
		"halves":      func() io.Reader { return iotest.HalfReader(bytes.NewReader(b.Bytes())) },
	} {
		t.Run(name, func(t *testing.T) {
			var got []ManifestEntry
			head, err := streamManifest(r(), func(e *streamEntry) {
				got = append(got, ManifestEntry{Path: e.Path, Kind: e.Kind, SHA256: string(e.SHA256), Size: e.Size, Encoding: e.Encoding, Inputs: string(e.Inputs)})
			})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			head.Files = got
			if !reflect.DeepEqual(head, want) {
				t.Errorf("%s: streamed manifest differs from the parsed one", name)
			}
		})
	}
}

// TestReadManifestFileNotRegular: a named pipe or a folder where the
// manifest should be is not the build's manifest, said at once. Before,
// opening the pipe waited for a writer for good.
func TestReadManifestFileNotRegular(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	for _, tc := range []struct{ what, name string }{{"named pipe", pipe}, {"folder", dir}} {
		t.Run(tc.what, func(t *testing.T) {
			name := tc.name
			var err error
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, err = loadManifest(name)
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("loadManifest(%s) still blocked after 10 s", name)
			}
			var bad *badManifestError
			if !errors.As(err, &bad) || !strings.Contains(err.Error(), "not a regular file") {
				t.Errorf("loadManifest(%s): %v, want a badManifestError saying it is not a regular file", name, err)
			}
		})
	}
}
