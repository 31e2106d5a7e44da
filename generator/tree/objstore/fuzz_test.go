package objstore

import (
	"strings"
	"testing"
)

// FuzzParseURL: -s3 never panics, and an accepted URL names a valid bucket
// and a clean prefix that round-trip through String and build keys with
// no empty, "." or ".." segment.
func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"s3://bucket", "s3://bucket/", "s3://bucket/a/b", "s3://b/a//b", "s3://user@bucket/x",
		"s3://bucket/a/../b", "s3://Bucket", "s3://bu", "s3://bucket/%2e%2e", "s3://bucket/a?b", "s3://bucket/\x00", "http://bucket"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tg, err := ParseURL(s)
		if err != nil {
			return
		}
		if checkBucket(tg.Bucket) != nil {
			t.Fatalf("%q: accepted bucket %q", s, tg.Bucket)
		}
		back, err := ParseURL(tg.String())
		if err != nil || back != tg {
			t.Fatalf("%q: %+v does not round-trip through %q: %+v, %v", s, tg, tg.String(), back, err)
		}
		key := tg.Key("api/rooms/index.json")
		for seg := range strings.SplitSeq(key, "/") {
			if seg == "" || seg == "." || seg == ".." {
				t.Fatalf("%q: key %q has a %q segment", s, key, seg)
			}
		}
		if p, ok := tg.path(key); !ok || p != "api/rooms/index.json" {
			t.Fatalf("%q: key %q maps back to %q, %v", s, key, p, ok)
		}
	})
}

// FuzzParseEndpoint: -s3-endpoint never panics, never keeps credentials,
// and an accepted endpoint has a host.
func FuzzParseEndpoint(f *testing.F) {
	for _, s := range []string{"", "127.0.0.1:8333", "http://127.0.0.1:8333", "https://s3.example.org/", "ftp://x",
		"http://user:pw@host", "http://host/path", "http://host?x=1", "http://[::1]:9000", "://", "http://"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseEndpoint(s)
		if err != nil {
			if strings.Contains(s, "@") && strings.Contains(s, ":pw") && strings.Contains(err.Error(), ":pw") {
				t.Fatalf("%q: the error shows the password: %v", s, err)
			}
			return
		}
		if e.Host == "" || strings.Contains(e.Host, "@") {
			t.Fatalf("%q: accepted host %q", s, e.Host)
		}
	})
}
