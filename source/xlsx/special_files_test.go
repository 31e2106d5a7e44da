package xlsx_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"occupancy/source"
	"occupancy/source/xlsx"
)

// TestSpecialFilesXLSX: a workbook path that is a named pipe or a device
// is refused at once, naming what it is. Before, opening the pipe waited
// for a writer for good.
func TestSpecialFilesXLSX(t *testing.T) {
	dir := t.TempDir()
	pipe := filepath.Join(dir, "timetable.xlsx")
	if err := syscall.Mkfifo(pipe, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	device := filepath.Join(dir, "zero.xlsx")
	if err := os.Symlink("/dev/zero", device); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{pipe: "a named pipe", device: "a device"} {
		t.Run(want, func(t *testing.T) {
			var err error
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, err = xlsx.ReadFile(path, xlsx.Options{})
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatalf("ReadFile(%s) still blocked after 10 s", path)
			}
			if !errors.Is(err, source.ErrNotRegular) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), want) {
				t.Errorf("ReadFile(%s): %v, want ErrNotRegular saying %s", path, err, want)
			}
		})
	}
}
