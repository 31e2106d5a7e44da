package xlsx

import (
	"fmt"
	"io"

	"github.com/xuri/excelize/v2"

	"occupancy/source"
)

// Write writes raw to w as a workbook with one sheet per sheet of
// [source.Sheets], in that order and every one included: a header row of
// the documented column names ("start_date") in specification order, then
// one row per row of raw. Every cell is a text cell, even "42" or
// "2025-09-15"; empty values leave the cell empty. Line fields are not
// written. With a given excelize version, the bytes depend on raw only.
func Write(w io.Writer, raw *source.Raw) (err error) {
	f := excelize.NewFile()
	defer func() {
		if cerr := f.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("write workbook: %w", cerr)
		}
	}()
	for i, s := range source.Encode(raw) {
		if i == 0 {
			// Rename the default "Sheet1" rather than add and delete.
			if err := f.SetSheetName(f.GetSheetName(0), s.Name); err != nil {
				return fmt.Errorf("write sheet %s: %w", s.Name, err)
			}
		} else if _, err := f.NewSheet(s.Name); err != nil {
			return fmt.Errorf("write sheet %s: %w", s.Name, err)
		}
		for r, rec := range s.Records {
			for c, v := range rec {
				if v == "" {
					continue
				}
				cell, err := excelize.CoordinatesToCellName(c+1, r+1)
				if err != nil {
					return fmt.Errorf("write sheet %s: %w", s.Name, err)
				}
				if err := f.SetCellStr(s.Name, cell, v); err != nil {
					return fmt.Errorf("write sheet %s cell %s: %w", s.Name, cell, err)
				}
			}
		}
	}
	f.SetActiveSheet(0)
	if err := f.Write(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}
