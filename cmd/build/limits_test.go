package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"occupancy/source/csv"
	"occupancy/source/xlsx"
)

// TestMaxCellsFlag: -max-cells sets the cell limit of the release, and a
// release over it is refused with a message naming the flag, not only the
// reader's option (issue 12: no flag could raise the limit).
func TestMaxCellsFlag(t *testing.T) {
	for _, tt := range []struct {
		Name    string
		Args    []string
		Want    []string // in the error
		WantErr error
	}{
		{Name: "OverTheLimit", Args: []string{"-max-cells", "1000"},
			Want: []string{"row ", "more than 1000 cells", "-max-cells"}, WantErr: csv.ErrTooLarge},
		{Name: "Zero", Args: []string{"-max-cells", "0"}, Want: []string{"invalid -max-cells 0"}},
		{Name: "Negative", Args: []string{"-max-cells", "-5"}, Want: []string{"invalid -max-cells -5"}},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "public")
			_, stderr, err := buildQuick(t, append(tt.Args, "-out", out)...)
			if err == nil {
				t.Fatalf("build %v succeeded; want a refusal", tt.Args)
			}
			for _, want := range tt.Want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q\n%s", err, want, stderr)
				}
			}
			if tt.WantErr != nil && !errors.Is(err, tt.WantErr) {
				t.Errorf("error %v is not %v", err, tt.WantErr)
			}
		})
	}
}

// TestXLSXLimitFlags: -max-xml-part and -max-shared-text set the budgets
// of an .xlsx release checked before excelize reads it; a workbook over
// one is refused with a message naming the flag.
func TestXLSXLimitFlags(t *testing.T) {
	var buf bytes.Buffer
	if err := xlsx.Write(&buf, sampleRaw(t)); err != nil {
		t.Fatal(err)
	}
	book := filepath.Join(t.TempDir(), "sample.xlsx")
	if err := os.WriteFile(book, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		Name string
		Args []string
		Want string // in the error
	}{
		{Name: "PartOverLimit", Args: []string{"-max-xml-part", "64KiB"}, Want: "raise the limit with -max-xml-part"},
		{Name: "TextOverBudget", Args: []string{"-max-shared-text", "100KB"}, Want: "raise the limit with -max-shared-text"},
		{Name: "ZeroPart", Args: []string{"-max-xml-part", "0"}, Want: "invalid -max-xml-part 0"},
		{Name: "BadText", Args: []string{"-max-shared-text", "lots"}, Want: `invalid value "lots" for flag -max-shared-text`},
	} {
		t.Run(tt.Name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "public")
			_, stderr, err := buildQuick(t, append(tt.Args, "-in", book, "-out", out)...)
			if err == nil || !strings.Contains(err.Error(), tt.Want) {
				t.Fatalf("build %v: error %v, want %q\n%s", tt.Args, err, tt.Want, stderr)
			}
			if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a refused build left %s: %v", out, err)
			}
		})
	}
}
