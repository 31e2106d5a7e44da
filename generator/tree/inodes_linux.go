package tree

import "syscall"

// freeInodes returns how many more files the file system holding path
// can create, when it says (ok false when it cannot be asked, or keeps
// no count, as some network file systems).
func freeInodes(path string) (free uint64, ok bool) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil || st.Files == 0 {
		return 0, false
	}
	return st.Ffree, true
}
