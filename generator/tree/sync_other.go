//go:build !linux

package tree

import (
	"io/fs"
	"path/filepath"
)

// syncEachFile is true where there is no syncfs(2): each file is synced as
// it is written, and [syncTree] syncs the folders.
const syncEachFile = true

// syncTree syncs every folder under root, so that their entries are durable.
func syncTree(root string) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		return syncDir(path)
	})
}
