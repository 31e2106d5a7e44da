package tree

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// parseManifestStd is ParseManifest with encoding/json: the reference
// its faster decoder must agree with.
func parseManifestStd(data []byte) (*Manifest, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var m Manifest
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	if dec.More() {
		return nil, errors.New("data after its end")
	}
	return checkManifest(&m)
}

// FuzzManifestDecoders: ParseManifest accepts exactly the manifests that
// encoding/json's decoder (with the same checks) accepts, and reads the
// same values from them.
func FuzzManifestDecoders(f *testing.F) {
	files := []File{
		{Path: "api/rooms/CO1/index.json", Kind: KindRoom, Data: []byte(`{"name":"CO1"}`), Inputs: strings.Repeat("ab", 16)},
		{Path: "api/rooms/CO1/index.json.gz", Kind: KindRoom, Data: []byte("gz"), Encoding: "gzip"},
		{Path: "index.html", Kind: KindWeb, Data: []byte("<!doctype html>")},
	}
	m := NewManifest(files)
	m.Inputs = strings.Repeat("0123456789abcdef", 4)
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		f.Fatal(err)
	}
	f.Add(b.Bytes())
	compact, _ := json.Marshal(m)
	f.Add(compact)
	f.Add([]byte(`{"version":3,"release":"","files":[],"extra":1}`))
	f.Add([]byte(`{"VERSION":3,"Release":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","files":null}`))
	f.Add([]byte(`{"version":3.0,"release":"x","files":[]} {}`))
	f.Add([]byte(`{"version":3,"version":2,"release":"","files":[{"path":"a","path":"b","kind":"k","sha256":"","size":1e2}]}`))
	f.Add([]byte("{\"version\":3,\"release\":\"\\u00e9\xff\",\"files\":[]}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseManifest(data)
		want, wantErr := parseManifestStd(data)
		if (err == nil) != (wantErr == nil) {
			t.Fatalf("ParseManifest: %v; encoding/json: %v", err, wantErr)
		}
		if err == nil && !reflect.DeepEqual(got, want) {
			t.Fatalf("ParseManifest read %+v; encoding/json %+v", got, want)
		}
	})
}
