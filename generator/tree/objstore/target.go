package objstore

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"unicode/utf8"
)

// Target is where a tree goes: a bucket and a key prefix inside it. A file
// at tree path p is stored at key Prefix/p ("" prefix: key p).
type Target struct {
	Bucket string
	Prefix string // no leading or trailing slash; "" for the bucket's root
}

// ParseURL parses s3://bucket or s3://bucket/prefix (a trailing slash is
// allowed). The prefix must be clean: no empty, "." or ".." segment, no
// backslash or control character.
func ParseURL(s string) (Target, error) {
	rest, ok := strings.CutPrefix(s, "s3://")
	if !ok {
		return Target{}, fmt.Errorf("%q is not an s3://bucket/prefix URL", s)
	}
	if strings.ContainsAny(rest, "?#") {
		return Target{}, fmt.Errorf("%q: an s3:// URL has no query or fragment", s)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if strings.Contains(bucket, "@") {
		return Target{}, fmt.Errorf("%q: give credentials in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, not in the URL", s)
	}
	if err := checkBucket(bucket); err != nil {
		return Target{}, fmt.Errorf("%q: %w", s, err)
	}
	prefix = strings.TrimSuffix(prefix, "/")
	if prefix != "" {
		if dec, err := url.PathUnescape(prefix); err != nil || dec != prefix {
			return Target{}, fmt.Errorf("%q: write the prefix without %%-escapes", s)
		}
		for seg := range strings.SplitSeq(prefix, "/") {
			switch {
			case seg == "":
				return Target{}, fmt.Errorf("%q: the prefix has an empty segment (\"//\" or a leading \"/\")", s)
			case seg == "." || seg == "..":
				return Target{}, fmt.Errorf("%q: the prefix has a %q segment", s, seg)
			case !utf8.ValidString(seg) || strings.ContainsFunc(seg, func(r rune) bool { return r < 0x20 || r == 0x7f || r == '\\' }):
				return Target{}, fmt.Errorf("%q: the prefix has a control character or a backslash", s)
			}
		}
	}
	return Target{Bucket: bucket, Prefix: prefix}, nil
}

// checkBucket applies S3's bucket naming rules (3 to 63 lower-case letters,
// digits, dots and hyphens, starting and ending with a letter or digit).
func checkBucket(b string) error {
	if b == "" {
		return errors.New("no bucket name")
	}
	if len(b) < 3 || len(b) > 63 {
		return fmt.Errorf("bucket name %q must be 3 to 63 characters long", b)
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-') {
			return fmt.Errorf("bucket name %q may hold only lower-case letters, digits, dots and hyphens", b)
		}
	}
	if first, last := b[0], b[len(b)-1]; first == '.' || first == '-' || last == '.' || last == '-' || strings.Contains(b, "..") {
		return fmt.Errorf("bucket name %q must start and end with a letter or digit", b)
	}
	return nil
}

// Key returns the object key of the tree path p.
func (t Target) Key(p string) string {
	if t.Prefix == "" {
		return p
	}
	return t.Prefix + "/" + p
}

// path returns the tree path of key, and whether key is under the prefix.
func (t Target) path(key string) (string, bool) {
	if t.Prefix == "" {
		return key, key != ""
	}
	p, ok := strings.CutPrefix(key, t.Prefix+"/")
	return p, ok && p != ""
}

// listPrefix is the prefix that lists exactly the keys under the target.
func (t Target) listPrefix() string {
	if t.Prefix == "" {
		return ""
	}
	return t.Prefix + "/"
}

// String returns the target as an s3:// URL.
func (t Target) String() string {
	if t.Prefix == "" {
		return "s3://" + t.Bucket
	}
	return "s3://" + t.Bucket + "/" + t.Prefix
}
