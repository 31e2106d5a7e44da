//go:build !linux

package tree

// swap puts the tree at src in place of dst. Without an atomic exchange,
// there is a moment in which dst does not exist.
func swap(src, dst string) error { return swapByRenames(src, dst) }
