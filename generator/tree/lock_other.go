//go:build !unix

package tree

import (
	"errors"
	"os"
)

// tryLock fails where flock(2) does not exist: publishing without a lock
// could let two builds destroy each other's trees.
func tryLock(f *os.File, shared bool) (bool, error) {
	return false, errors.New("locking the output folder needs flock(2), which this system lacks; publish from Linux or another Unix")
}
