package csv

import (
	"bytes"
	stdcsv "encoding/csv"
	"fmt"
	"os"
	"path/filepath"

	"occupancy/source"
)

// WriteDir writes raw into the folder dir, creating it if needed: one
// <sheet>.csv per sheet of [source.Sheets], every sheet included, each with
// a header of the documented column names ("start_date") in specification
// order, then one record per row. Line fields are not written. The bytes
// depend on raw only: UTF-8 without a byte order mark, "\n" line ends,
// quotes only where needed.
//
// Each file is written to a temporary file and renamed into place, so a
// reader never sees a half-written file.
func WriteDir(dir string, raw *source.Raw) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write %s: %w", dir, err)
	}
	for _, s := range source.Encode(raw) {
		var buf bytes.Buffer
		w := stdcsv.NewWriter(&buf)
		if err := w.WriteAll(s.Records); err != nil {
			return fmt.Errorf("write %s: %w", s.Name, err)
		}
		if err := writeFileAtomic(filepath.Join(dir, s.Name+".csv"), buf.Bytes()); err != nil {
			return err
		}
	}
	return syncDir(dir)
}

// writeFileAtomic writes data to a temporary file next to name, syncs it
// and renames it to name.
func writeFileAtomic(name string, data []byte) (err error) {
	f, err := os.CreateTemp(filepath.Dir(name), filepath.Base(name)+".*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	defer func() {
		if err != nil {
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(data); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		_ = f.Close()
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	if err := os.Rename(f.Name(), name); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}

// syncDir makes the renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	if err := d.Close(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
