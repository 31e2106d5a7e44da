package tree

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
)

// Reading a manifest as it is written.
//
// The manifest of a large tree is tens of megabytes (66 MB at 30 times the
// sample) and a build reads two: the published tree's and the standby's.
// Read whole and decoded, each cost its bytes and a string for every
// field of every entry at once, at the moment the build held the most.
// A manifest that [Manifest.WriteTo] wrote is laid out line by line in one
// way: streamManifest reads that layout a line at a time, checks what
// [ParseManifest] checks as it goes, and hands each entry over without
// holding the file. Anything else (another version, layout or spelling,
// an escaped string, an entry that fails a check) is errNotStreamed: the
// caller then reads the file whole with ParseManifest, whose verdict and
// error stand. FuzzStreamManifest checks that what it accepts,
// ParseManifest reads the same.

// errNotStreamed is streamManifest's answer for a manifest it leaves to
// ParseManifest.
var errNotStreamed = errors.New("manifest not in the layout WriteTo writes")

// streamEntry is an entry as streamManifest hands it over. Kind and
// Encoding are shared constants where they are known; SHA256 and Inputs
// are the hex text, valid only during the call.
type streamEntry struct {
	Path     string
	Kind     string
	SHA256   []byte
	Size     int
	Encoding string
	Inputs   []byte
}

// maxManifestLine bounds a line of a streamed manifest; a longer one is
// left to ParseManifest.
const maxManifestLine = 16 << 10

// streamManifest reads a manifest in WriteTo's layout from r, calling each
// for every entry in order, and returns its head (Files nil). It returns
// errNotStreamed for anything it leaves to ParseManifest, and the error of
// r otherwise.
func streamManifest(r io.Reader, each func(*streamEntry)) (*Manifest, error) {
	s := &manifestStream{r: bufio.NewReaderSize(r, maxManifestLine), kinds: map[string]string{}}
	return s.read(each)
}

type manifestStream struct {
	r     *bufio.Reader
	err   error // the reader's error, not errNotStreamed
	kinds map[string]string

	sum, inputs []byte // the current entry's, out of the line they were read from
}

// line returns the next line without its newline, valid until the next
// call, or nil at the end, on a read error (kept) or on a line too long.
func (s *manifestStream) line() []byte {
	l, err := s.r.ReadSlice('\n')
	if err != nil {
		if err != io.EOF && err != bufio.ErrBufferFull {
			s.err = err
		}
		return nil
	}
	return l[:len(l)-1]
}

// field reads the line `<indent>"name": <value><comma>` and returns value,
// with the comma it ends with (or not) given by comma.
func (s *manifestStream) field(indent, name string, comma bool) ([]byte, bool) {
	l := s.line()
	prefix := indent + `"` + name + `": `
	if !bytes.HasPrefix(l, []byte(prefix)) {
		return nil, false
	}
	v := l[len(prefix):]
	if comma {
		var ok bool
		if v, ok = bytes.CutSuffix(v, []byte(",")); !ok {
			return nil, false
		}
	}
	return v, true
}

// plainString returns the text of the JSON string v when it holds no
// byte that JSON escapes or that WriteTo would have written escaped.
func plainString(v []byte) ([]byte, bool) {
	if len(v) < 2 || v[0] != '"' || v[len(v)-1] != '"' {
		return nil, false
	}
	v = v[1 : len(v)-1]
	for _, c := range v {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return nil, false
		}
	}
	return v, true
}

// plainInt returns the JSON number v when it is a non-negative integer
// written without sign, fraction, exponent or leading zero.
func plainInt(v []byte) (int, bool) {
	if len(v) == 0 || len(v) > 15 || v[0] == '0' && len(v) > 1 {
		return 0, false
	}
	n, err := strconv.Atoi(string(v))
	return n, err == nil && v[0] != '+' && v[0] != '-'
}

// isHex reports whether v is n lowercase hex digits.
func isHex(v []byte, n int) bool {
	return len(v) == n && len(bytes.Trim(v, "0123456789abcdef")) == 0
}

// interned returns v as a string, one per distinct value.
func (s *manifestStream) interned(v []byte) string {
	if k, ok := s.kinds[string(v)]; ok {
		return k
	}
	k := string(v)
	s.kinds[k] = k
	return k
}

func (s *manifestStream) read(each func(*streamEntry)) (*Manifest, error) {
	fail := func() (*Manifest, error) {
		if s.err != nil {
			return nil, s.err
		}
		return nil, errNotStreamed
	}
	if l := s.line(); string(l) != "{" {
		return fail()
	}
	m := &Manifest{}
	v, ok := s.field(" ", "version", true)
	if !ok {
		return fail()
	}
	if m.Version, ok = plainInt(v); !ok || m.Version != ManifestVersion {
		return fail()
	}
	if v, ok = s.field(" ", "release", true); ok {
		v, ok = plainString(v)
	}
	if !ok || !isHex(v, 2*sha256.Size) {
		return fail()
	}
	m.Release = string(v)
	l := s.line()
	if rest, ok := bytes.CutPrefix(l, []byte(` "inputs": `)); ok {
		v, ok := bytes.CutSuffix(rest, []byte(","))
		if ok {
			v, ok = plainString(v)
		}
		if !ok || !isHex(v, 2*sha256.Size) {
			return fail()
		}
		m.Inputs = string(v)
		l = s.line()
	}
	if string(l) != ` "files": [` {
		return fail() // an empty list among others: left to ParseManifest
	}
	all := sha256.New()
	var e streamEntry
	var prev []byte // the previous path
	for {
		if l := s.line(); string(l) != "  {" {
			return fail()
		}
		// Each value is taken out of the line before the next is read:
		// a line is valid only until then.
		var p string
		if v, ok = s.field("   ", "path", true); ok {
			var path []byte
			if path, ok = plainString(v); ok {
				p = string(path)
			}
		}
		e = streamEntry{Path: p}
		if ok {
			if v, ok = s.field("   ", "kind", true); ok {
				var kind []byte
				if kind, ok = plainString(v); ok {
					e.Kind = s.interned(kind)
				}
			}
		}
		if ok {
			if v, ok = s.field("   ", "sha256", true); ok {
				var sum []byte
				if sum, ok = plainString(v); ok && isHex(sum, 2*sha256.Size) {
					s.sum = append(s.sum[:0], sum...)
					e.SHA256 = s.sum
				}
			}
		}
		if !ok || e.SHA256 == nil {
			return fail()
		}
		if p == "" || p == ManifestName || !fs.ValidPath(p) || strings.Contains(p, "\\") || prev != nil && string(prev) >= p {
			return fail()
		}
		// size, then encoding and inputs when present, each but the last
		// with a comma.
		l := s.line()
		v, ok := bytes.CutPrefix(l, []byte(`   "size": `))
		if !ok {
			return fail()
		}
		v, more := bytes.CutSuffix(v, []byte(","))
		if e.Size, ok = plainInt(v); !ok {
			return fail()
		}
		if more {
			l = s.line()
			if v, ok := bytes.CutPrefix(l, []byte(`   "encoding": `)); ok {
				v, more = bytes.CutSuffix(v, []byte(","))
				if v, ok = plainString(v); !ok || string(v) != "gzip" && string(v) != "br" {
					return fail()
				}
				e.Encoding = s.interned(v)
				if more {
					l = s.line()
				}
			}
			if more {
				v, ok := bytes.CutPrefix(l, []byte(`   "inputs": `))
				if ok {
					v, ok = plainString(v)
				}
				if !ok || e.Encoding != "" || !isHex(v, InputsLen) {
					return fail()
				}
				s.inputs = append(s.inputs[:0], v...)
				e.Inputs = s.inputs
			}
		}
		if inReleaseID(e.Kind, e.Encoding) {
			fmt.Fprintf(all, "%s\x00%s\n", e.Path, e.SHA256)
		}
		// each may keep Path, not the bytes of the line.
		each(&e)
		prev = append(prev[:0], e.Path...)
		switch l := s.line(); string(l) {
		case "  },":
			continue
		case "  }":
		default:
			return fail()
		}
		break
	}
	if string(s.line()) != " ]" || string(s.line()) != "}" {
		return fail()
	}
	if _, err := s.r.ReadByte(); err != io.EOF {
		if err != nil {
			s.err = err
		}
		return fail() // something after the manifest
	}
	if hex.EncodeToString(all.Sum(nil)) != m.Release {
		return fail()
	}
	return m, nil
}

// readManifestFile reads and checks the manifest at name (see
// [ParseManifest]), streamed when it is in WriteTo's layout; each is
// called for every entry in order before the manifest is known to be
// good. It returns the manifest's head and whether its entries were
// streamed; when they were not, the whole manifest is returned, parsed,
// and each was not called for its entries (or was, for some, and they are
// to be dropped: reset is called first). A manifest that is not one the
// build wrote is a *badManifestError.
func readManifestFile(name string, each func(*streamEntry), reset func()) (m *Manifest, streamed bool, err error) {
	// Never wait on a named pipe put where the manifest should be.
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil {
		return nil, false, err
	} else if !st.Mode().IsRegular() {
		return nil, false, &badManifestError{fmt.Errorf("not a regular file (%s)", st.Mode().Type())}
	}
	m, err = streamManifest(f, each)
	if err == nil {
		return m, true, nil
	}
	if !errors.Is(err, errNotStreamed) {
		return nil, false, err
	}
	reset()
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, false, err
	}
	data, err := io.ReadAll(f)
	if err != nil {
		return nil, false, err
	}
	if m, err = ParseManifest(data); err != nil {
		return nil, false, &badManifestError{err}
	}
	return m, false, nil
}

// badManifestError is readManifestFile's error for a manifest that could
// be read but is not one the build wrote: ParseManifest's verdict.
type badManifestError struct{ err error }

func (e *badManifestError) Error() string { return e.err.Error() }
func (e *badManifestError) Unwrap() error { return e.err }

// loadManifest reads and checks the manifest at name into a *Manifest (see
// readManifestFile).
func loadManifest(name string) (*Manifest, error) {
	var files []ManifestEntry
	m, streamed, err := readManifestFile(name, func(e *streamEntry) {
		files = append(files, ManifestEntry{Path: e.Path, Kind: e.Kind, SHA256: string(e.SHA256), Size: e.Size, Encoding: e.Encoding, Inputs: string(e.Inputs)})
	}, func() { files = nil })
	if err != nil {
		return nil, err
	}
	if streamed {
		if cap(files)-len(files) > len(files)/16 {
			// Held for the whole build: not at the capacity it grew to.
			files = slices.Clone(files)
		}
		m.Files = files
	}
	return m, nil
}
