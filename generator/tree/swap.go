package tree

import (
	"errors"
	"io/fs"
	"os"
)

// swapByRenames moves dst aside and src in its place, then the old tree to
// src, so that src holds the previous tree afterwards as with an exchange.
func swapByRenames(src, dst string) error {
	old := src + ".old"
	if err := os.Rename(dst, old); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return os.Rename(src, dst)
		}
		return err
	}
	if err := os.Rename(src, dst); err != nil {
		os.Rename(old, dst)
		return err
	}
	return os.Rename(old, src)
}

// renameIfAbsent renames src to dst unless something is at dst: the
// portable, not atomic, form of renameNoReplace.
func renameIfAbsent(src, dst string) error {
	if _, err := os.Lstat(dst); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			err = fs.ErrExist
		}
		return &os.LinkError{Op: "rename", Old: src, New: dst, Err: err}
	}
	return os.Rename(src, dst)
}
