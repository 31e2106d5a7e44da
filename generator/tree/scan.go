package tree

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
)

// treeScan is what one walk of a tree tells about it against its
// manifest: whether the build owns all of it and whether every listed file
// is in place, with its size.
type treeScan struct {
	foreign []string // the first few entries the manifest does not account for, in path order
	more    int      // how many more
	inPlace bool     // every listed file is a regular file of its listed size
	ino     []uint64 // the inode of each listed file, by index in the manifest; 0 when not found or unknown
}

// known is what a scan may take on trust about files: the inode and size
// of each file of another tree on the same file system (the published
// one), found in place by a scan of its own. A file of the scanned tree
// whose folder entry names that inode is that very file, a hard link,
// and is not looked up again.
type known struct {
	files []ManifestEntry // sorted by path
	ino   []uint64        // by index in files; 0 for unknown
}

// lookup returns the inode and size of the known file p, if any.
func (k *known) lookup(p string) (uint64, int64, bool) {
	if k == nil {
		return 0, 0, false
	}
	i, ok := slices.BinarySearchFunc(k.files, p, func(e ManifestEntry, p string) int { return strings.Compare(e.Path, p) })
	if !ok || k.ino[i] == 0 {
		return 0, 0, false
	}
	return k.ino[i], int64(k.files[i].Size), true
}

// dirEntry is an entry of a folder as a scan reads it.
type dirEntry struct {
	name string
	kind entryKind
	ino  uint64 // its inode as the folder lists it; 0 when unknown
}

// entryKind is what a folder entry is, as far as a scan cares.
type entryKind uint8

const (
	kindOther   entryKind = iota // a symbolic link, device, socket or pipe
	kindFile                     // a regular file
	kindFolder                   // a folder
	kindUnknown                  // not said by the folder: to be looked up
)

// scanWorkers is how many folders a scan reads at once: the walk waits
// on the disk more than on the CPU.
const scanWorkers = 4

// scanTree walks the tree at root once and returns the first few entries
// that its manifest m does not account for, and how many more there are:
// files it does not list, anything that is not a regular file where it
// lists a file (a symbolic link, a folder), and folders that hold none of
// its files. With stat, each listed file is also looked up for its size
// and inode as its folder is read: one walk instead of a walk followed by
// a lookup of every listed file by its whole path. (At 10 times the
// sample, 104,000 files in 26,000 folders, it saves about a tenth: the
// system calls are the same, one lookup per file.)
func scanTree(root string, m *Manifest, stat bool) (*treeScan, error) {
	return scanTreeUnless(root, manifestFiles(m.Files), stat, nil, nil)
}

// listing is what a scan checks a tree against: files sorted by path,
// each with its size.
type listing interface {
	len() int
	path(i int) string
	size(i int) int64
}

// manifestFiles is a manifest's entries as a listing.
type manifestFiles []ManifestEntry

func (f manifestFiles) len() int          { return len(f) }
func (f manifestFiles) path(i int) string { return f[i].Path }
func (f manifestFiles) size(i int) int64  { return int64(f[i].Size) }

// standbyFiles is a standby's files as a listing.
type standbyFiles []standbyFile

func (f standbyFiles) len() int          { return len(f) }
func (f standbyFiles) path(i int) string { return f[i].path }
func (f standbyFiles) size(i int) int64  { return f[i].size }

// errScanStopped is the error of a scan stopped half-way.
var errScanStopped = errors.New("scan stopped")

// scanTreeUnless is scanTree, stopped with errScanStopped once stop (if
// not nil) is set, that takes on trust the files trust knows (nil for
// none) instead of looking them up: at 10 times the sample, a standby
// shares all but a few of its 104,000 files with the published tree.
func scanTreeUnless(root string, files listing, stat bool, stop *atomic.Bool, trust *known) (*treeScan, error) {
	n := files.len()
	s := &scanner{root: root, files: files, stat: stat, stop: stop, trust: trust, sem: make(chan struct{}, scanWorkers-1)}
	if stat {
		s.ino = make([]uint64, n)
	}
	s.dir("", 0, n)
	s.wg.Wait()
	if s.err != nil {
		return nil, s.err
	}
	slices.Sort(s.foreign)
	more := s.more
	if len(s.foreign) > maxForeignListed {
		more += len(s.foreign) - maxForeignListed
		s.foreign = s.foreign[:maxForeignListed]
	}
	return &treeScan{
		foreign: s.foreign,
		more:    more,
		inPlace: stat && !s.bad.Load() && s.found.Load() == int64(n),
		ino:     s.ino,
	}, nil
}

type scanner struct {
	root  string
	files listing       // sorted by path
	stat  bool          // look listed files up for their size and inode
	stop  *atomic.Bool  // set to stop the scan; nil for none
	trust *known        // files taken on trust; nil for none
	ino   []uint64      // each index written by the one goroutine that finds its file
	found atomic.Int64  // listed files found
	bad   atomic.Bool   // a listed file of another size
	sem   chan struct{} // folders read by goroutines other than the caller's
	wg    sync.WaitGroup

	mu      sync.Mutex
	foreign []string // up to twice maxForeignListed, sorted at the end
	more    int
	err     error
}

// search returns the index of the first file in files[lo:hi] whose path
// is not before p.
func (s *scanner) search(lo, hi int, p string) int {
	return lo + sort.Search(hi-lo, func(k int) bool { return s.files.path(lo+k) >= p })
}

func (s *scanner) addForeign(p string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// Twice the listed number, so that those listed are the first in
	// path order among more than the first found.
	if len(s.foreign) < 2*maxForeignListed {
		s.foreign = append(s.foreign, p)
	} else {
		s.more++
	}
}

func (s *scanner) fail(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err == nil {
		s.err = err
	}
}

func (s *scanner) failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err != nil
}

// dir reads the folder rel ("" for the root), whose files the manifest
// lists in files[lo:hi], and goes into its folders, in goroutines of their
// own while fewer than scanWorkers run.
func (s *scanner) dir(rel string, lo, hi int) {
	if s.stop != nil && s.stop.Load() {
		s.fail(errScanStopped)
	}
	if s.failed() {
		return
	}
	d, err := openScanDir(filepath.Join(s.root, filepath.FromSlash(rel)))
	if err != nil {
		s.fail(err)
		return
	}
	defer d.close()
	entries, err := d.entries()
	if err != nil {
		s.fail(err)
		return
	}
	// In name order, as os.ReadDir returns them: on this VM looking the
	// files up in the order of their folder's hash index costs a third
	// more.
	slices.SortFunc(entries, func(a, b dirEntry) int { return strings.Compare(a.name, b.name) })
	for _, e := range entries {
		p := e.name
		if rel != "" {
			p = path.Join(rel, p)
		}
		kind := e.kind
		if kind == kindUnknown {
			_, regular, folder, _, err := d.stat(e.name)
			switch {
			case errors.Is(err, os.ErrNotExist):
				continue // removed meanwhile
			case err != nil:
				s.fail(err)
				return
			case regular:
				kind = kindFile
			case folder:
				kind = kindFolder
			default:
				kind = kindOther
			}
		}
		switch kind {
		case kindFolder:
			// The files under p/ are those from p+"/" to p+"0", as "0"
			// follows "/".
			dlo := s.search(lo, hi, p+"/")
			dhi := s.search(dlo, hi, p+"0")
			if dlo == dhi {
				s.addForeign(p) // a folder that holds none of the listed files
				continue
			}
			select {
			case s.sem <- struct{}{}:
				s.wg.Add(1)
				go func() {
					defer s.wg.Done()
					s.dir(p, dlo, dhi)
					<-s.sem
				}()
			default:
				s.dir(p, dlo, dhi)
			}
		case kindFile:
			if p == ManifestName {
				continue
			}
			i := s.search(lo, hi, p)
			if i == hi || s.files.path(i) != p {
				s.addForeign(p)
				continue
			}
			if !s.stat {
				continue
			}
			if ino, size, ok := s.trust.lookup(p); ok && e.ino == ino && size == s.files.size(i) {
				s.ino[i] = ino
				s.found.Add(1)
				continue
			}
			size, regular, _, ino, err := d.stat(e.name)
			if errors.Is(err, os.ErrNotExist) {
				continue // removed meanwhile: not in place
			}
			if err != nil {
				s.fail(err)
				return
			}
			if !regular || size != s.files.size(i) {
				s.bad.Store(true)
			}
			s.ino[i] = ino
			s.found.Add(1)
		default:
			// A symbolic link, device or socket is never the build's.
			s.addForeign(p)
		}
	}
}

// filesInPlace reports whether every file m lists is a regular file of its
// listed size in the tree at root.
func filesInPlace(root string, m *Manifest) bool {
	s, err := scanTree(root, m, true)
	return err == nil && s.inPlace
}

// dirEntries converts what os.ReadDir returns, without inodes. (Linux reads
// folders with getdents instead, so only other systems call it.)
//
//lint:ignore U1000 used by scan_readdir.go and scan_other.go, built for other systems
func dirEntries(list []fs.DirEntry) []dirEntry {
	entries := make([]dirEntry, len(list))
	for i, e := range list {
		kind := kindOther
		switch {
		case e.IsDir():
			kind = kindFolder
		case e.Type().IsRegular():
			kind = kindFile
		}
		entries[i] = dirEntry{name: e.Name(), kind: kind}
	}
	return entries
}
