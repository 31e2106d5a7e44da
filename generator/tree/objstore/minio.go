package objstore

import (
	"bytes"
	"context"
	"errors"
	"io"
	"iter"

	"github.com/minio/minio-go/v7"
)

// MinioStore is the [Store] and [Buckets] of an S3 API, through a
// minio-go client (from [NewClient]).
type MinioStore struct {
	c *minio.Client
}

// NewMinioStore returns the store the client c talks to.
func NewMinioStore(c *minio.Client) *MinioStore { return &MinioStore{c: c} }

var (
	_ Store   = (*MinioStore)(nil)
	_ Buckets = (*MinioStore)(nil)
)

// List lists the keys under prefix recursively (ListObjectsV2).
func (s *MinioStore) List(ctx context.Context, bucket, prefix string) iter.Seq2[ObjectInfo, error] {
	return func(yield func(ObjectInfo, error) bool) {
		// Stopping early ends the listing's goroutine.
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		for o := range s.c.ListObjects(ctx, bucket, minio.ListObjectsOptions{Prefix: prefix, Recursive: true}) {
			if o.Err != nil {
				yield(ObjectInfo{}, o.Err)
				return
			}
			if !yield(ObjectInfo{Key: o.Key, Size: o.Size, ETag: o.ETag}, nil) {
				return
			}
		}
	}
}

// Get opens an object (a GET, sent on the first read).
func (s *MinioStore) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	obj, err := s.c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// Stat reads an object's metadata (a HEAD).
func (s *MinioStore) Stat(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	info, err := s.c.StatObject(ctx, bucket, key, minio.StatObjectOptions{})
	if err != nil {
		return ObjectInfo{}, err
	}
	return ObjectInfo{Key: info.Key, Size: info.Size, ETag: info.ETag, UserMetadata: info.UserMetadata}, nil
}

// Put uploads an object in one PUT, with its Content-MD5.
func (s *MinioStore) Put(ctx context.Context, bucket, key string, data []byte, h Headers, meta map[string]string) error {
	_, err := s.c.PutObject(ctx, bucket, key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType:      h.ContentType,
		ContentEncoding:  h.ContentEncoding,
		CacheControl:     h.CacheControl,
		UserMetadata:     meta,
		SendContentMd5:   true, // the store checks the bytes it received
		DisableMultipart: true, // one part: the ETag stays the MD5 that later runs compare
		// No streaming signature (aws-chunked) over plain http either:
		// the request is signed as over https, its Content-MD5 among
		// the signed headers. Some stores (versitygw 1.8) keep the
		// aws-chunked coding in the object's Content-Encoding, which
		// would then be served to browsers; each chunk's signature
		// would also cost a SHA-256 of the bytes the MD5 already covers.
		DisableContentSha256: true,
	})
	return err
}

// Remove deletes an object.
func (s *MinioStore) Remove(ctx context.Context, bucket, key string) error {
	return s.c.RemoveObject(ctx, bucket, key, minio.RemoveObjectOptions{})
}

// BucketExists reports whether the bucket exists.
func (s *MinioStore) BucketExists(ctx context.Context, bucket string) (bool, error) {
	return s.c.BucketExists(ctx, bucket)
}

// MakeBucket creates the bucket in region.
func (s *MinioStore) MakeBucket(ctx context.Context, bucket, region string) error {
	return s.c.MakeBucket(ctx, bucket, minio.MakeBucketOptions{Region: region})
}

// opError returns the [Error] of a failed request, with the S3 error
// code the store answered.
func opError(op, key string, err error, announced bool) error {
	return &Error{Op: op, Key: key, Code: errCode(err), Err: err, Announced: announced}
}

// errCode returns the S3 error code of err, "" when the store sent none.
func errCode(err error) string {
	var resp minio.ErrorResponse
	if errors.As(err, &resp) {
		return resp.Code
	}
	return ""
}
