//go:build unix && !linux

package tree

// entries reads the folder's entries, without their inodes.
func (d *scanDir) entries() ([]dirEntry, error) {
	list, err := d.f.ReadDir(-1)
	return dirEntries(list), err
}
