package tree

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// The standby tree.
//
// A rebuild that changes a few files of a large tree would otherwise link
// every unchanged file into a new folder and remove the replaced tree
// after the swap, two passes over the whole tree whatever the change. So
// the tree that a swap takes out of the output is kept beside it as the
// standby, ".<name>.standby" (".public.standby"): a whole tree of the
// generation it held, with its manifest, whose files that the two
// generations share are hard links to the published ones. The next build
// updates it in place into the new tree and swaps it in; the tree it takes
// out becomes the next standby. A build then touches the files that differ
// between the standby's generation and its own, not the whole tree.
//
// Its life, under the output's lock:
//
//  1. [Output.PrepareStandby] (started by [Output.Begin], or earlier by a
//     caller that has other work to do meanwhile) claims it in the
//     background: renames it to a new tree's name (".public.new-123456")
//     and walks it there once (scanTree). It is adopted when it is a
//     folder whose manifest is the build's (see [ParseManifest]), that
//     holds nothing its manifest does not list and every listed file as
//     a regular file of its listed size. One that holds anything else is
//     put back and left alone; one wholly the build's but damaged (a file
//     missing, or of another size) is removed.
//  2. The writer takes it when it first needs a new tree (newTree), marks
//     it as a tree being written, and brings every file put into line
//     (standby.place, standby.link): a file the standby holds with the new
//     bytes, or that is already the published file, is kept; any other is
//     replaced by a file made under a temporary name in its folder and
//     renamed over it. A file is never opened for writing, as a
//     standby's file may be a hard link shared with the published tree.
//  3. Commit removes the files the new tree does not have, the folders
//     left empty and the old manifest (standby.prune), writes the new
//     manifest, removes the mark, syncs, swaps, and renames the tree it
//     took out to the standby's name (Output.retire).
//
// A writer that does not take it, and Close, stop its check and put it
// back under its name. A build killed from 1 to 3 leaves it under the new
// tree's name, marked or whole: the next build removes it as a leftover
// (removeLeftovers) and writes a whole new tree, only slower. Deleting the
// standby by hand between builds is as safe.
//
// Never deleting what the build did not write. Only a folder whose
// manifest is the build's is ever moved to a new tree's name, and it is
// checked there, where nothing but builds writes, before it is marked or
// changed: one holding anything its manifest does not list is put back,
// untouched (a build killed before that leaves it, unmarked and not
// wholly the build's, under the new tree's name, where removeLeftovers
// leaves it alone with a warning). Within an adopted tree, removal and
// renaming over touch only paths its manifest lists or this build wrote,
// and folders only when empty. The tree that the swap takes out is no
// longer checked before the swap when it is to become the standby:
// nothing of it is deleted, and files someone put into the published
// tree meanwhile stay in the standby, which the next build then leaves
// alone (with a warning). It is checked, as before, when it is to be
// removed because the standby's name is taken, and after the swap when
// the name was taken meanwhile (Output.retire).

// standbySuffix names the standby tree beside the output folder:
// ".public.standby" beside "public".
const standbySuffix = ".standby"

// standbyPath is where the output's standby tree is kept.
func (o *Output) standbyPath() string {
	return filepath.Join(o.parent, "."+o.base+standbySuffix)
}

// standbyState is an output's hold on its standby tree.
type standbyState struct {
	mu       sync.Mutex
	started  bool            // PrepareStandby started since the last publication or put-back
	done     chan struct{}   // closed when the preparation started last has ended
	stop     atomic.Bool     // set to stop a preparation under way (see putStandbyBack)
	tree     *standby        // claimed and adoptable, not yet taken by a writer
	taken    string          // where the standby a writer took was claimed
	reason   string          // why what is at the standby's name was left alone
	warnings []string        // for the next writer's report
	claimed  map[string]bool // new trees' names of standbys claimed, not yet put back, swapped in or removed
	bg       sync.WaitGroup  // removals of damaged standbys
}

// standby is a standby tree claimed for a publication.
type standby struct {
	dir   string        // where it was claimed: a new tree's name beside the output
	files []standbyFile // the generation it holds, as its manifest lists it
	dev   uint64        // the device of dir

	mu    sync.Mutex
	state []uint8 // of each file: untouched, inNew or removed
}

// standbyFile is what the writer needs of a standby's file: a fifth of
// a ManifestEntry's memory, as a build holds the entries of its standby
// and of the published tree throughout.
type standbyFile struct {
	path string
	sum  [sha256.Size]byte
	size int64
	ino  uint64 // its inode, as the scan found it
}

// The states of a standby's file as the writer brings the tree into line.
const (
	untouched uint8 = iota // not (yet) a path of the new tree
	inNew                  // a path of the new tree: kept or replaced
	removed                // removed to make room for a folder of the new tree
)

// PrepareStandby starts claiming and checking the standby tree kept
// beside the output, in the background, for the writer to adopt when it
// first needs a new tree: see the package's standby.go. [Output.Begin]
// calls it; a caller with other work to do before can call it sooner, to
// overlap the walk of the standby with that work. It does nothing for a
// read-only output, or when it was started since the last publication. A
// claimed standby that no writer takes is put back by [Writer.Commit],
// [Writer.Abort] or [Output.Close], which stop a check under way.
func (o *Output) PrepareStandby() {
	if o.readOnly || o.lock == nil {
		return
	}
	s := &o.sb
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return
	}
	s.started = true
	done := make(chan struct{})
	s.done = done
	go func() {
		defer close(done)
		tree, reason := o.claimStandby()
		s.mu.Lock()
		s.tree, s.reason = tree, reason
		s.mu.Unlock()
	}()
}

// wait waits for the preparation started last, if any.
func (s *standbyState) wait() {
	s.mu.Lock()
	done := s.done
	s.mu.Unlock()
	if done != nil {
		<-done
	}
}

// warn records a warning for the report.
func (s *standbyState) warn(w string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.warnings = append(s.warnings, w)
}

// claimStandby moves the standby to a new tree's name and checks it
// there. It returns the standby when it can be adopted, or else why what
// is at its name is left alone ("" when nothing is there, or when it was
// removed).
func (o *Output) claimStandby() (*standby, string) {
	s := &o.sb
	name := o.standbyPath()
	st, err := os.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, ""
	case err != nil:
		return nil, err.Error()
	case !st.IsDir():
		return nil, "it is not a folder"
	}
	// The standby's files as its manifest lists them, compact: the
	// manifest's entries whole would cost five times as much.
	var files []standbyFile
	add := func(e *streamEntry) {
		f := standbyFile{path: e.Path, size: int64(e.Size)}
		hex.Decode(f.sum[:], e.SHA256) // checked as it is read
		files = append(files, f)
	}
	m, streamed, err := readManifestFile(filepath.Join(name, ManifestName), add, func() { files = nil })
	var bad *badManifestError
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, "it holds no " + ManifestName
	case errors.As(err, &bad):
		return nil, "its " + ManifestName + " is not the build's: " + bad.Error()
	case err != nil:
		return nil, err.Error()
	}
	if !streamed {
		for i := range m.Files {
			add(&streamEntry{Path: m.Files[i].Path, SHA256: []byte(m.Files[i].SHA256), Size: m.Files[i].Size})
		}
	}
	m.Files = nil
	if s.stop.Load() {
		return nil, "" // the build ended meanwhile: nothing touched
	}
	// A tree of the build's, by its manifest: move it where nothing but
	// builds write before checking it, so that what is checked is what is
	// adopted.
	claimed, err := o.claimName(name)
	if err != nil {
		return nil, "it could not be moved to a new tree's name: " + err.Error()
	}
	release := func() {
		s.mu.Lock()
		delete(s.claimed, claimed)
		s.mu.Unlock()
	}
	scan, err := scanTreeUnless(claimed, standbyFiles(files), true, &s.stop, o.sharedFiles(claimed))
	if err == nil && len(scan.foreign) == 0 && !scan.inPlace {
		// Wholly the build's, every path listed, but a file is missing
		// or of another size (edited by hand, maybe in the published
		// tree, with which it shares files): removed, while the build
		// goes on, as the build's own trees are.
		s.warn(fmt.Sprintf("%s did not match its %s (a file missing or of another size): removed; this build writes a whole new tree", name, ManifestName))
		s.bg.Add(1)
		go func() {
			defer s.bg.Done()
			defer release()
			removeTree(claimed) // on failure, marked: the next build's leftover
		}()
		return nil, ""
	}
	var reason string
	switch {
	case errors.Is(err, errScanStopped):
		reason = "the build ended before it was checked"
	case err != nil:
		reason = "it could not be checked: " + err.Error()
	case len(scan.foreign) > 0:
		reason = "it holds files its " + ManifestName + " does not list: " + strings.Join(scan.foreign, ", ")
		if scan.more > 0 {
			reason += fmt.Sprintf(" and %d more", scan.more)
		}
	}
	var dir fs.FileInfo
	if reason == "" {
		if dir, err = os.Stat(claimed); err != nil {
			reason = "it could not be checked: " + err.Error()
		}
	}
	if reason != "" {
		if err := renameNoReplace(claimed, name); err != nil {
			s.warn(fmt.Sprintf("%s, moved to %s to be checked, could not be put back (%v): left there", name, claimed, err))
		}
		release()
		return nil, reason
	}
	for i := range files {
		files[i].ino = scan.ino[i]
	}
	return &standby{dir: claimed, files: files, dev: device(dir), state: make([]uint8, len(files))}, ""
}

// sharedFiles returns the published files that the walk of the standby
// at dir may take on trust where it holds hard links to them (see known):
// nil unless the output's walk found them all in place and both trees
// are on one file system, where an inode names one file.
func (o *Output) sharedFiles(dir string) *known {
	if o.found == nil {
		return nil
	}
	live, err := os.Lstat(o.path)
	if err != nil {
		return nil
	}
	st, err := os.Lstat(dir)
	if err != nil || device(st) != device(live) || device(st) == 0 {
		return nil
	}
	return o.found
}

// claimName renames the folder name to a new tree's name, unused, and
// returns it. The name counts as this output's (see busy) from before the
// rename until it is put back or removed.
func (o *Output) claimName(name string) (string, error) {
	s := &o.sb
	for {
		claimed := filepath.Join(o.parent, "."+o.base+newTreeInfix+strconv.FormatUint(rand.Uint64()%1e10, 10))
		s.mu.Lock()
		if s.claimed == nil {
			s.claimed = map[string]bool{}
		}
		s.claimed[claimed] = true
		s.mu.Unlock()
		err := renameNoReplace(name, claimed)
		if err == nil {
			return claimed, nil
		}
		s.mu.Lock()
		delete(s.claimed, claimed)
		s.mu.Unlock()
		if !errors.Is(err, fs.ErrExist) {
			return "", err
		}
	}
}

// takeStandby hands the claimed standby, if any, to a writer that needs a
// new tree, once its check is over.
func (o *Output) takeStandby() *standby {
	s := &o.sb
	s.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tree
	s.tree = nil
	if t != nil {
		s.taken = t.dir
	}
	return t
}

// putStandbyBack stops a check under way, returns a claimed standby that
// no writer took to its name, and lets the next writer look at that name
// again. One that cannot go back (its name taken meanwhile) stays under
// its new tree's name, whole and unmarked: the next build removes it as a
// leftover.
func (o *Output) putStandbyBack() {
	s := &o.sb
	s.stop.Store(true)
	s.wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tree != nil {
		renameNoReplace(s.tree.dir, o.standbyPath())
		delete(s.claimed, s.tree.dir)
		s.tree = nil
	}
	delete(s.claimed, s.taken) // swapped in, or removed by Abort
	s.started, s.done, s.reason, s.taken = false, nil, "", ""
	s.stop.Store(false)
}

// closeStandby puts a claimed standby back and waits for the removal of a
// damaged one, before the lock is let go.
func (o *Output) closeStandby() {
	o.putStandbyBack()
	o.sb.bg.Wait()
}

// standbyWarnings returns, once, what the standby's preparation did that
// the operator should know.
func (o *Output) standbyWarnings() []string {
	s := &o.sb
	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.warnings
	s.warnings = nil
	return w
}

// busy reports whether the new tree's name dir is this output's own
// standby, claimed (being checked, adopted, being removed): not a
// leftover.
func (o *Output) busy(dir string) bool {
	s := &o.sb
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.claimed[dir]
}

// makeTree returns the folder of a new tree, marked as being written:
// the claimed standby when there is one, an empty folder otherwise.
func (o *Output) makeTree() (string, *standby, error) {
	if sb := o.takeStandby(); sb != nil {
		if err := writeMarker(sb.dir); err != nil {
			os.Remove(filepath.Join(sb.dir, markerName)) // half written, maybe
			renameNoReplace(sb.dir, o.standbyPath())
			return "", nil, fmt.Errorf("adopt the standby tree: %w", err)
		}
		return sb.dir, sb, nil
	}
	tmp, err := os.MkdirTemp(o.parent, "."+o.base+newTreeInfix)
	if err != nil {
		return "", nil, fmt.Errorf("create new tree: %w", err)
	}
	if err := writeMarker(tmp); err != nil {
		os.Remove(tmp)
		return "", nil, fmt.Errorf("create new tree: %w", err)
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		removeTree(tmp)
		return "", nil, err
	}
	return tmp, nil, nil
}

// standbyFree reports whether the tree a swap takes out can become the
// standby: nothing is at the standby's name.
func (o *Output) standbyFree() bool {
	_, err := os.Lstat(o.standbyPath())
	return errors.Is(err, fs.ErrNotExist)
}

// retire deals with the tree the swap took out, now at old: it becomes
// the standby when keep (the standby's name was free before the swap), or
// is removed. It returns a warning for the report, "" for none.
func (o *Output) retire(old string, keep bool) (string, error) {
	name := o.standbyPath()
	if keep {
		err := renameNoReplace(old, name)
		if err == nil {
			return "", nil
		}
		// Something took the name since the swap. The old tree was not
		// checked before it, being kept: check it now before removing it.
		if _, cerr := checkOwned(old, old); cerr != nil {
			return fmt.Sprintf("the previous tree could not become the standby %s (%v) and holds files its %s does not list: left at %s", name, err, ManifestName, old), nil
		}
		if rerr := removeTree(old); rerr != nil {
			return "", fmt.Errorf("remove previous tree: %w", rerr)
		}
		return fmt.Sprintf("the previous tree could not become the standby %s (%v): removed", name, err), nil
	}
	// Checked before the swap (see Commit), as the replaced tree always was.
	if err := removeTree(old); err != nil {
		return "", fmt.Errorf("remove previous tree: %w", err)
	}
	o.sb.mu.Lock()
	reason := o.sb.reason
	o.sb.mu.Unlock()
	if reason == "" {
		reason = "it appeared during the build"
	}
	return fmt.Sprintf("%s is not a standby tree of this build (%s): left alone, and the previous tree removed instead of kept there; move it away, or delete it, to make rebuilds faster", name, reason), nil
}

// lookup returns the index of the file p in the standby's files.
func (sb *standby) lookup(p string) (int, bool) {
	return slices.BinarySearchFunc(sb.files, p, func(f standbyFile, p string) int { return strings.Compare(f.path, p) })
}

// take records that the new tree has the standby's file i, and returns
// its state before.
func (sb *standby) take(i int) uint8 {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	was := sb.state[i]
	sb.state[i] = inNew
	return was
}

func (sb *standby) path(p string) string {
	return filepath.Join(sb.dir, filepath.FromSlash(p))
}

// place puts the file e with bytes data into the adopted standby (see
// Writer.place): kept when the standby's file, listed with the same hash,
// holds exactly data; replaced otherwise.
func (sb *standby) place(w *Writer, e ManifestEntry, data, buf []byte) ([]byte, error) {
	sync := !w.opt.NoSync && syncEachFile
	write := func(name string) error { return writeFile(name, data, sync) }
	i, listed := sb.lookup(e.Path)
	if !listed {
		return buf, sb.create(w, e.Path, write)
	}
	was := sb.take(i)
	if was == inNew {
		return buf, fmt.Errorf("%s: placed twice", e.Path)
	}
	if old := sb.files[i]; was == untouched && old.size == int64(e.Size) && hex.EncodeToString(old.sum[:]) == e.SHA256 {
		// Compared, not trusted: the file may be a link shared with a
		// published tree that someone edited in place.
		var same bool
		if buf, same = sameFile(sb.path(e.Path), data, buf); same {
			return buf, nil
		}
	}
	return buf, sb.replace(w, e.Path, write)
}

// link makes the standby's file p the published file p (see Writer.link):
// kept when it is that file already, linked otherwise.
func (sb *standby) link(w *Writer, p string) error {
	live := w.published(p)
	link := func(name string) error { return os.Link(live, name) }
	i, listed := sb.lookup(p)
	if !listed {
		if err := sb.create(w, p, link); err != nil {
			return fmt.Errorf("reuse %s: %w", p, err)
		}
		return nil
	}
	was := sb.take(i)
	if was == inNew {
		return fmt.Errorf("reuse %s: placed twice", p)
	}
	if was == untouched && sb.holds(i, w, p) {
		return nil
	}
	if ino := sb.files[i].ino; was == untouched && ino != 0 {
		if st, err := os.Lstat(live); err == nil && st.Mode().IsRegular() && inode(st) == ino && device(st) == sb.dev {
			return nil
		}
	}
	if err := sb.replace(w, p, link); err != nil {
		return fmt.Errorf("reuse %s: %w", p, err)
	}
	return nil
}

// holds reports whether the standby's file i, of path p, is listed with
// the hash and size the published tree lists for p: the walk that
// adopted the standby found it in place at that size, which is what the
// published tree's own files are trusted on (Output.FilesInPlace). It
// spares a look-up of the published file for each of the tens of
// thousands of files a rebuild keeps.
func (sb *standby) holds(i int, w *Writer, p string) bool {
	live, ok := w.previous(p)
	if !ok || int64(live.Size) != sb.files[i].size || len(live.SHA256) != 2*sha256.Size {
		return false
	}
	var sum [sha256.Size]byte
	if _, err := hex.Decode(sum[:], []byte(live.SHA256)); err != nil {
		return false
	}
	return sum == sb.files[i].sum
}

// create makes the file p, which the standby does not list, with make
// (which must fail when the file exists).
func (sb *standby) create(w *Writer, p string, make func(name string) error) error {
	if err := sb.mkdir(w, path.Dir(p)); err != nil {
		return err
	}
	name := sb.path(p)
	err := make(name)
	if errors.Is(err, fs.ErrExist) && sb.isFolder(p) {
		// A folder of the standby where the new tree has a file.
		if err := sb.clearFolder(p); err != nil {
			return err
		}
		err = make(name)
	}
	return err
}

// replace makes the file p, which the standby lists, anew with make under
// a temporary name in its folder, and renames it over the standby's: the
// standby's file, maybe a link shared with the published tree, is never
// written into.
func (sb *standby) replace(w *Writer, p string, make func(name string) error) error {
	dir := path.Dir(p)
	if err := sb.mkdir(w, dir); err != nil {
		return err
	}
	var tmp string
	for {
		tmp = sb.path(path.Join(dir, ".occupancy-new-"+strconv.FormatUint(rand.Uint64(), 36)))
		err := make(tmp)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) {
			return err
		}
	}
	name := sb.path(p)
	err := os.Rename(tmp, name)
	if err != nil && sb.isFolder(p) {
		// A folder of the standby where the new tree has a file.
		if err = sb.clearFolder(p); err == nil {
			err = os.Rename(tmp, name)
		}
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

func (sb *standby) isFolder(p string) bool {
	st, err := os.Lstat(sb.path(p))
	return err == nil && st.IsDir()
}

// mkdir creates the folder dir of the new tree (see Writer.mkdir). A file
// of the standby where the new tree has a folder is removed first: the
// new tree cannot have that file too (if it has, the file is taken, and
// the error stays).
func (sb *standby) mkdir(w *Writer, dir string) error {
	err := w.mkdir(dir)
	if err == nil {
		return nil
	}
	cleared := false
	for d := dir; d != "."; d = path.Dir(d) {
		if i, ok := sb.lookup(d); ok && sb.removeFile(i) {
			cleared = true
		}
	}
	if !cleared {
		return err
	}
	return w.mkdir(dir)
}

// removeFile removes the standby's file i, unless the new tree has it.
func (sb *standby) removeFile(i int) bool {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	if sb.state[i] != untouched {
		return false
	}
	sb.state[i] = removed
	err := os.Remove(sb.path(sb.files[i].path))
	return err == nil || errors.Is(err, fs.ErrNotExist)
}

// clearFolder removes the standby's folder p, where the new tree has a
// file: the files the standby lists under it, then its folders, which
// must then be empty.
func (sb *standby) clearFolder(p string) error {
	sb.mu.Lock()
	defer sb.mu.Unlock()
	files := sb.files
	lo, _ := slices.BinarySearchFunc(files, p+"/", func(f standbyFile, p string) int { return strings.Compare(f.path, p) })
	hi := lo
	for hi < len(files) && strings.HasPrefix(files[hi].path, p+"/") {
		hi++
	}
	dirs := map[string]bool{}
	for i := lo; i < hi; i++ {
		if sb.state[i] == inNew {
			return fmt.Errorf("%s: a file and a folder of the new tree", p)
		}
		if sb.state[i] == untouched {
			sb.state[i] = removed
			if err := os.Remove(sb.path(files[i].path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		dirs[path.Dir(files[i].path)] = true
	}
	removeEmptyFolders(sb.dir, dirs, p)
	if err := os.Remove(sb.path(p)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// prune removes from the adopted standby what the new tree does not
// have: the files the writer did not put, the folders they leave empty,
// and the old manifest, which the new one replaces. A nil standby has
// nothing to prune.
func (sb *standby) prune() error {
	if sb == nil {
		return nil
	}
	dirs := map[string]bool{}
	for i, f := range sb.files {
		if sb.state[i] != untouched {
			continue
		}
		if err := os.Remove(sb.path(f.path)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if d := path.Dir(f.path); d != "." {
			dirs[d] = true
		}
	}
	removeEmptyFolders(sb.dir, dirs, "")
	// Written by the build that wrote this manifest, never linked
	// anywhere, and the tree is marked: removed, then written anew.
	if err := os.Remove(sb.path(ManifestName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// removeEmptyFolders removes the folders dirs of the tree at root, and
// their parents up to the folder top ("" for the whole tree), that are
// empty, deepest first. A folder that holds anything stays.
func removeEmptyFolders(root string, dirs map[string]bool, top string) {
	for len(dirs) > 0 {
		list := make([]string, 0, len(dirs))
		for d := range dirs {
			list = append(list, d)
		}
		slices.SortFunc(list, func(a, b string) int {
			if n, m := strings.Count(a, "/"), strings.Count(b, "/"); n != m {
				return m - n
			}
			return strings.Compare(a, b)
		})
		next := map[string]bool{}
		for _, d := range list {
			if os.Remove(filepath.Join(root, filepath.FromSlash(d))) == nil {
				if up := path.Dir(d); up != "." && (top == "" || up == top || strings.HasPrefix(up, top+"/")) {
					next[up] = true
				}
			}
		}
		dirs = next
	}
}
