package csv_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"occupancy/source"
	"occupancy/source/csv"
)

// TestSpecialFilesCSV: a sheet's file that is a named pipe, or a link to
// a device, is refused at once, naming the file and what it is. Before,
// opening the pipe waited for a writer for good, and the build with it
// (SIGTERM and SIGINT included); /dev/zero was read to the size limit.
func TestSpecialFilesCSV(t *testing.T) {
	for _, tc := range []struct {
		name, want string
		put        func(path string) error
	}{
		{"named pipe", "a named pipe", func(p string) error { return syscall.Mkfifo(p, 0o644) }},
		{"link to /dev/zero", "a device", func(p string) error { return os.Symlink("/dev/zero", p) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range base {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			rooms := filepath.Join(dir, "rooms.csv")
			os.Remove(rooms)
			if err := tc.put(rooms); err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			var err error
			done := make(chan struct{})
			go func() {
				defer close(done)
				_, err = csv.ReadDir(dir, csv.Options{})
			}()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("ReadDir still blocked after 10 s")
			}
			if !errors.Is(err, source.ErrNotRegular) || !strings.Contains(err.Error(), "rooms.csv") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("ReadDir: %v, want ErrNotRegular naming rooms.csv as %s", err, tc.want)
			}
		})
	}
}
