//go:build unix

package tree

import (
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// inode returns the inode number of the file fi describes.
func inode(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino)
	}
	return 0
}

// device returns the device number of the file system holding the file fi
// describes.
func device(fi fs.FileInfo) uint64 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Dev)
	}
	return 0
}

// scanDir is a folder open for reading and for looking its entries up.
type scanDir struct {
	f    *os.File
	fd   int
	name string
}

// openScanDir opens the folder name. os.Open would also try to register
// the folder with the poller and set it non-blocking, five more system
// calls for each folder that a tree of 100,000 files has 26,000 of.
func openScanDir(name string) (*scanDir, error) {
	fd, err := unix.Open(name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	for err == unix.EINTR {
		fd, err = unix.Open(name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	return &scanDir{f: os.NewFile(uintptr(fd), name), fd: fd, name: name}, nil
}

func (d *scanDir) close() { d.f.Close() }

// stat looks the entry name up without following a symbolic link,
// relative to the folder: cheaper than a lookup of its whole path.
func (d *scanDir) stat(name string) (size int64, regular, folder bool, ino uint64, err error) {
	var st unix.Stat_t
	err = unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	for err == unix.EINTR {
		err = unix.Fstatat(d.fd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	}
	if err != nil {
		return 0, false, false, 0, &fs.PathError{Op: "fstatat", Path: d.name + "/" + name, Err: err}
	}
	return st.Size, st.Mode&unix.S_IFMT == unix.S_IFREG, st.Mode&unix.S_IFMT == unix.S_IFDIR, uint64(st.Ino), nil
}
