package main

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"occupancy/source/csv"
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
