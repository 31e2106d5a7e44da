package objstore

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"occupancy/generator/tree"
)

// TestReadLocalManifestVersions: a tree published by an older build
// (manifest versions 1 to 3) or by this one (version 4, with or without
// inputs) is read and uploaded; a version this build does not know is
// refused. (With only API files, versions 1 to 3's release is the same
// hash as version 4's.)
func TestReadLocalManifestVersions(t *testing.T) {
	inputs := strings.Repeat("ab", 32)
	for _, tc := range []struct {
		name    string
		version int
		inputs  string
		ok      bool
	}{
		{name: "v1", version: 1, ok: true},
		{name: "v2", version: 2, ok: true},
		{name: "v2 with inputs", version: 2, inputs: inputs, ok: true},
		{name: "v3", version: 3, ok: true},
		{name: "v4", version: 4, ok: true},
		{name: "v4 with inputs", version: 4, inputs: inputs, ok: true},
		{name: "v5", version: 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "public")
			files := []tree.File{{Path: "api/rooms/index.json", Kind: "rooms", Data: []byte(`["CO1"]`)}}
			if _, err := tree.Publish(dir, files, tree.PublishOptions{NoSync: true, NoCompress: true, Inputs: inputs}); err != nil {
				t.Fatal(err)
			}
			m, err := tree.ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			m.Version, m.Inputs = tc.version, tc.inputs
			data, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, tree.ManifestName), data, 0o644); err != nil {
				t.Fatal(err)
			}
			l, err := ReadLocal(dir)
			if (err == nil) != tc.ok {
				t.Fatalf("ReadLocal: %v, want success %v", err, tc.ok)
			}
			if err == nil && (l.Manifest.Version != tc.version || l.Manifest.Inputs != tc.inputs || len(l.MD5) != 2 || string(l.ManifestData) != string(data)) {
				t.Errorf("ReadLocal = version %d inputs %q, %d MD5s; want version %d inputs %q, 2 MD5s, the manifest's bytes", l.Manifest.Version, l.Manifest.Inputs, len(l.MD5), tc.version, tc.inputs)
			}
		})
	}
}
