package tree

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// TestSameFile compares files around the chunk size with data that
// equals them, is longer, shorter or differs in one byte anywhere,
// against a plain comparison of the whole file.
func TestSameFile(t *testing.T) {
	dir := t.TempDir()
	pattern := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + i/251)
		}
		return b
	}
	sizes := []int{0, 1, 100, sameFileChunk - 1, sameFileChunk, sameFileChunk + 1, 2 * sameFileChunk, 3*sameFileChunk + 17}
	var buf []byte
	for _, size := range sizes {
		t.Run("size "+strconv.Itoa(size), func(t *testing.T) {
			onDisk := pattern(size)
			name := filepath.Join(dir, "f")
			if err := os.WriteFile(name, onDisk, 0o644); err != nil {
				t.Fatal(err)
			}
			cases := map[string][]byte{"equal": onDisk}
			if size > 0 {
				cases["shorter"] = onDisk[:size-1]
				for _, at := range []int{0, size / 2, size - 1, min(sameFileChunk, size-1)} {
					other := bytes.Clone(onDisk)
					other[at]++
					cases["byte "+strconv.Itoa(at)+" differs"] = other
				}
			}
			cases["longer"] = append(bytes.Clone(onDisk), 0)
			for what, data := range cases {
				t.Run(what, func(t *testing.T) {
					var same bool
					buf, same = sameFile(name, data, buf)
					if want := bytes.Equal(onDisk, data); same != want {
						t.Errorf("file of %d bytes, data %s: sameFile = %v, want %v", size, what, same, want)
					}
					if cap(buf) > sameFileChunk {
						t.Errorf("file of %d bytes: buffer grew to %d bytes, want at most %d", size, cap(buf), sameFileChunk)
					}
				})
			}
		})
	}
	// Only regular files are compared: a folder or a missing file is
	// never the same, whatever data is.
	for _, name := range []string{dir, filepath.Join(dir, "missing")} {
		if _, same := sameFile(name, nil, nil); same {
			t.Errorf("sameFile(%s, nothing) = true, want false", name)
		}
	}
}
