package sidecar_test

import (
	"errors"
	"testing"

	"occupancy/sidecar"
)

// TestNewConfigErrors checks that New names the Config field it refuses,
// so that a command can name its own flag for it.
func TestNewConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		field string
		edit  func(*sidecar.Config)
	}{
		{"TimeZone", func(c *sidecar.Config) { c.TimeZone = "Mars/Olympus" }},
		{"SnapshotPath", func(c *sidecar.Config) { c.SnapshotPath = "https:///no-host" }},
	} {
		t.Run(tc.field, func(t *testing.T) {
			cfg := sidecar.DefaultConfig()
			cfg.StaticDir = ""
			tc.edit(&cfg)
			_, err := sidecar.New(cfg, nil)
			var ce *sidecar.ConfigError
			if !errors.As(err, &ce) || ce.Field != tc.field || ce.Err == nil {
				t.Errorf("%s: New = %v, want a ConfigError for that field", tc.field, err)
			}
		})
	}
}
