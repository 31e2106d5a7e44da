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
