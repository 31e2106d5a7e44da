//go:build unix

package tree

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// tryLock takes an advisory lock (flock(2)) on f without waiting: shared
// when shared is true, exclusive otherwise. It reports false, nil when
// another process holds a conflicting lock. The kernel drops the lock when
// f is closed or its process dies, however it dies, so a killed build
// never leaves a lock behind.
func tryLock(f *os.File, shared bool) (bool, error) {
	how := unix.LOCK_EX
	if shared {
		how = unix.LOCK_SH
	}
	for {
		err := unix.Flock(int(f.Fd()), how|unix.LOCK_NB)
		switch {
		case err == nil:
			return true, nil
		case errors.Is(err, unix.EWOULDBLOCK):
			return false, nil
		case errors.Is(err, unix.EINTR):
			continue
		default:
			return false, err
		}
	}
}
