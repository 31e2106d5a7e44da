package synth

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"occupancy/source"
)

// WriteCSV writes each sheet raw has to dir/<sheet>.csv, replacing each
// file atomically (a temporary file renamed over it): comma-separated, LF
// line ends, fields quoted only when needed. dir must exist.
func WriteCSV(dir string, raw *source.Raw) error {
	for _, s := range source.Encode(raw) {
		if !s.Found {
			continue
		}
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		if err := w.WriteAll(s.Records); err != nil {
			return fmt.Errorf("encode %s: %w", s.Name, err)
		}
		if err := WriteFile(filepath.Join(dir, s.Name+".csv"), buf.Bytes()); err != nil {
			return err
		}
	}
	return nil
}

// WriteFile writes data to a temporary file beside path, syncs and closes
// it, then renames it to path, so that path never holds a partial file.
func WriteFile(path string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, os.Remove(f.Name()))
		}
	}()
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
