package main

import (
	"errors"
	"io"
	"strings"
	"testing"

	"occupancy/generator/tree/objstore"
)

func TestS3Flags(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"-s3", "bucket/x"}, `invalid -s3: "bucket/x" is not an s3://bucket/prefix URL`},
		{[]string{"-s3", "s3://B"}, "invalid -s3"},
		{[]string{"-s3", "s3://bucket//x"}, "empty segment"},
		{[]string{"-s3", "s3://bucket/x", "-s3-endpoint", "ftp://h"}, "invalid -s3-endpoint"},
		{[]string{"-s3", "s3://bucket/x", "-s3-endpoint", "http://k:s@h"}, "not in the URL"},
		{[]string{"-s3", "s3://bucket/x", "-s3-lookup", "virtual"}, `invalid -s3-lookup "virtual"`},
		{[]string{"-s3", "s3://bucket/x", "-s3-workers", "0"}, "invalid -s3-workers 0"},
		{[]string{"-s3", "s3://bucket/x"}, "-s3: missing credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment"},
		{[]string{"-s3-endpoint", "http://127.0.0.1:1"}, "-s3-endpoint given without -s3"},
		{[]string{"-s3-create-bucket", "-s3-dry-run"}, "-s3-create-bucket, -s3-dry-run given without -s3"},
	} {
		t.Run(argsName(tt.args), func(t *testing.T) {
			_, err := parseFlags(tt.args, io.Discard)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("%q: error %v, want %q", tt.args, err, tt.want)
			}
		})
	}

	t.Setenv("AWS_ACCESS_KEY_ID", "key")
	if _, err := parseFlags([]string{"-s3", "s3://bucket/x"}, io.Discard); err == nil || !strings.Contains(err.Error(), "set AWS_SECRET_ACCESS_KEY") || strings.Contains(err.Error(), "set AWS_ACCESS_KEY_ID") {
		t.Errorf("missing secret: %v", err)
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_SESSION_TOKEN", "token")
	cfg, err := parseFlags([]string{"-s3", "s3://bucket/live/", "-s3-endpoint", "http://127.0.0.1:8333", "-s3-region", "eu-1"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := S3Config{
		Target:      objstore.Target{Bucket: "bucket", Prefix: "live"},
		Endpoint:    objstore.Endpoint{Host: "127.0.0.1:8333"},
		Region:      "eu-1",
		Lookup:      "auto",
		Credentials: objstore.Credentials{AccessKey: "key", SecretKey: "secret", SessionToken: "token"},
		Workers:     8,
	}
	if *cfg.S3 != want {
		t.Errorf("config = %+v, want %+v", *cfg.S3, want)
	}
	if cfg, err := parseFlags(nil, io.Discard); err != nil || cfg.S3 != nil {
		t.Errorf("no -s3: %+v, %v", cfg.S3, err)
	}
}

// TestS3ErrorSaysWhatIsLeft: the operator learns the key, the store's
// code and what the bucket serves now.
func TestS3ErrorSaysWhatIsLeft(t *testing.T) {
	tg := objstore.Target{Bucket: "b", Prefix: "live"}
	for _, tt := range []struct {
		name string
		err  error
		want []string
	}{
		{"upload denied", &objstore.Error{Op: "upload", Key: "live/api/rooms/index.json", Code: "AccessDenied", Err: errors.New("Access Denied.")},
			[]string{"s3 s3://b/live: upload live/api/rooms/index.json: AccessDenied: Access Denied.", "AWS_ACCESS_KEY_ID", "still announces its previous release", "run the build again"}},
		{"delete failed after the announcement", &objstore.Error{Op: "delete", Key: "live/api/rooms/X/index.json", Code: "InternalError", Err: errors.New("boom"), Announced: true},
			[]string{"delete live/api/rooms/X/index.json: InternalError: boom", "new release is in place", "stale objects remain"}},
		{"no such bucket", &objstore.Error{Op: "bucket", Key: "b", Code: "NoSuchBucket", Err: errors.New("the bucket does not exist")},
			[]string{"bucket b: NoSuchBucket", "-s3-create-bucket", "nothing was uploaded"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := s3Error(tg, tt.err).Error()
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("%q lacks %q", got, w)
				}
			}
		})
	}
}
