//go:build !linux

package tree

// swap puts the tree at src in place of dst. Without an atomic exchange,
// there is a moment in which dst does not exist.
func swap(src, dst string) error { return swapByRenames(src, dst) }

// renameNoReplace renames src to dst unless something is at dst; without
// an atomic form, something put at dst meanwhile may be replaced.
func renameNoReplace(src, dst string) error { return renameIfAbsent(src, dst) }
