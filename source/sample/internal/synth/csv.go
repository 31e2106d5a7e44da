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

// records returns the sheet of raw named as CSV records: the header row
// (the documented column names, in specification order), then one record
// per row. It returns nil for a sheet raw does not have.
func records(raw *source.Raw, sheet string) [][]string {
	spec := source.Spec(sheet)
	if spec == nil {
		return nil
	}
	header := make([]string, len(spec.Columns))
	for i, c := range spec.Columns {
		header[i] = c.Name
	}
	out := [][]string{header}
	switch sheet {
	case "semesters":
		if !raw.Semesters.Found {
			return nil
		}
		for _, r := range raw.Semesters.Rows {
			out = append(out, []string{r.Name, r.Type, r.StartDate, r.EndDate, r.SkipDates})
		}
	case "rooms":
		if !raw.Rooms.Found {
			return nil
		}
		for _, r := range raw.Rooms.Rows {
			out = append(out, []string{r.Name, r.Type, r.Capacity, r.Building, r.Level, r.Latitude, r.Longitude, r.Link, r.Available})
		}
	case "teachers":
		if !raw.Teachers.Found {
			return nil
		}
		for _, r := range raw.Teachers.Rows {
			out = append(out, []string{r.Name, r.PeopleURL})
		}
	case "courses":
		if !raw.Courses.Found {
			return nil
		}
		for _, r := range raw.Courses.Rows {
			out = append(out, []string{r.Code, r.Name, r.Credits, r.Language, r.EduURL, r.Teachers})
		}
	case "studyplans":
		if !raw.StudyPlans.Found {
			return nil
		}
		for _, r := range raw.StudyPlans.Rows {
			out = append(out, []string{r.UnitCode, r.UnitName, r.Section, r.Promo, r.Semester, r.Courses, r.ID})
		}
	case "sessions":
		if !raw.Sessions.Found {
			return nil
		}
		for _, r := range raw.Sessions.Rows {
			out = append(out, []string{r.Course, r.Label, r.Weekday, r.Start, r.End, r.Rooms, r.Semester, r.Weeks})
		}
	case "bookings":
		if !raw.Bookings.Found {
			return nil
		}
		for _, r := range raw.Bookings.Rows {
			out = append(out, []string{r.Date, r.Start, r.End, r.Rooms, r.Course, r.Label, r.Name, r.Description})
		}
	}
	for _, rec := range out {
		if len(rec) != len(header) {
			panic(fmt.Sprintf("synth: %s has %d columns in the specification, %d in its record", sheet, len(header), len(rec)))
		}
	}
	return out
}

// encodeCSV returns the sheet named as CSV text, or nil when raw does not
// have it: comma-separated, LF line ends, fields quoted only when needed.
func encodeCSV(raw *source.Raw, sheet string) ([]byte, error) {
	recs := records(raw, sheet)
	if recs == nil {
		return nil, nil
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	if err := w.WriteAll(recs); err != nil {
		return nil, fmt.Errorf("encode %s: %w", sheet, err)
	}
	return buf.Bytes(), nil
}

// WriteCSV writes each sheet raw has to dir/<sheet>.csv, replacing each
// file atomically (a temporary file renamed over it). dir must exist.
func WriteCSV(dir string, raw *source.Raw) error {
	for _, spec := range source.Sheets {
		data, err := encodeCSV(raw, spec.Name)
		if err != nil {
			return err
		}
		if data == nil {
			continue
		}
		if err := WriteFile(filepath.Join(dir, spec.Name+".csv"), data); err != nil {
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
