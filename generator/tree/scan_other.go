//go:build !unix

package tree

import (
	"io/fs"
	"os"
	"path/filepath"
)

// inode returns 0, unknown: a standby's file is then never taken for the
// published one, and is linked again.
func inode(fs.FileInfo) uint64 { return 0 }

// device returns 0, unknown.
func device(fs.FileInfo) uint64 { return 0 }

// scanDir is a folder open for reading.
type scanDir struct{ name string }

func openScanDir(name string) (*scanDir, error) { return &scanDir{name: name}, nil }

func (d *scanDir) entries() ([]dirEntry, error) {
	list, err := os.ReadDir(d.name)
	return dirEntries(list), err
}

func (d *scanDir) close() {}

// stat looks the entry name up without following a symbolic link.
func (d *scanDir) stat(name string) (size int64, regular, folder bool, ino uint64, err error) {
	fi, err := os.Lstat(filepath.Join(d.name, name))
	if err != nil {
		return 0, false, false, 0, err
	}
	return fi.Size(), fi.Mode().IsRegular(), fi.IsDir(), 0, nil
}
