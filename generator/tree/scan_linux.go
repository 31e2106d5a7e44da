package tree

import (
	"encoding/binary"
	"io/fs"
	"sync"

	"golang.org/x/sys/unix"
)

// direntBuffers holds the buffers folders are read into.
var direntBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// entries reads the folder's entries with getdents64, keeping the inode
// each entry names (which os.ReadDir drops) so that a file another tree
// shares need not be looked up (see known).
func (d *scanDir) entries() ([]dirEntry, error) {
	bp := direntBuffers.Get().(*[]byte)
	defer direntBuffers.Put(bp)
	buf := *bp
	var entries []dirEntry
	for {
		n, err := unix.Getdents(d.fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, &fs.PathError{Op: "getdents", Path: d.name, Err: err}
		}
		if n <= 0 {
			return entries, nil
		}
		var ok bool
		if entries, ok = parseDirents(buf[:n], entries); !ok {
			return nil, &fs.PathError{Op: "getdents", Path: d.name, Err: unix.EIO}
		}
	}
}

// The layout of struct linux_dirent64: d_ino (8 bytes), d_off (8),
// d_reclen (2), d_type (1), then d_name ending with a NUL.
const (
	direntIno    = 0
	direntReclen = 16
	direntType   = 18
	direntName   = 19
)

// parseDirents appends to entries the entries in buf, without "." and
// "..". It reports false when buf is not a whole list of records.
func parseDirents(buf []byte, entries []dirEntry) ([]dirEntry, bool) {
	for len(buf) > 0 {
		if len(buf) < direntName {
			return entries, false
		}
		reclen := int(binary.NativeEndian.Uint16(buf[direntReclen:]))
		if reclen < direntName || reclen > len(buf) {
			return entries, false
		}
		rec := buf[:reclen]
		buf = buf[reclen:]
		name := rec[direntName:]
		for i, c := range name {
			if c == 0 {
				name = name[:i]
				break
			}
		}
		if len(name) == 0 || string(name) == "." || string(name) == ".." {
			continue
		}
		var kind entryKind
		switch rec[direntType] {
		case unix.DT_REG:
			kind = kindFile
		case unix.DT_DIR:
			kind = kindFolder
		case unix.DT_UNKNOWN:
			kind = kindUnknown
		default:
			kind = kindOther
		}
		entries = append(entries, dirEntry{name: string(name), kind: kind, ino: binary.NativeEndian.Uint64(rec[direntIno:])})
	}
	return entries, true
}
