package objstore

import (
	"context"
	"io"
	"iter"
)

// Store is the object storage [Publish] and [ReadRemote] work through:
// the five requests they make, on the objects of a bucket. [MinioStore]
// is the one over S3's API; tests use one in memory.
//
// A failed request's error carries the S3 error code the store answered
// as a minio.ErrorResponse does (its Code: NoSuchKey, AccessDenied, …):
// [Error] reports it, and a missing object is told by the code NoSuchKey
// (or NotFound, from Stat).
type Store interface {
	// List yields every object whose key starts with prefix, in every
	// "folder" below it, then stops; or yields an error and stops.
	List(ctx context.Context, bucket, prefix string) iter.Seq2[ObjectInfo, error]
	// Get opens the bytes of an object. Its errors may come from the
	// reader as well as from Get.
	Get(ctx context.Context, bucket, key string) (io.ReadCloser, error)
	// Stat reads the size, ETag and user metadata of an object.
	Stat(ctx context.Context, bucket, key string) (ObjectInfo, error)
	// Put stores data at key, served with the headers h, with the user
	// metadata meta (x-amz-meta-<name>), replacing any object there.
	Put(ctx context.Context, bucket, key string, data []byte, h Headers, meta map[string]string) error
	// Remove deletes an object.
	Remove(ctx context.Context, bucket, key string) error
}

// Buckets creates buckets: [EnsureBucket] works through it.
type Buckets interface {
	// BucketExists reports whether the bucket exists.
	BucketExists(ctx context.Context, bucket string) (bool, error)
	// MakeBucket creates the bucket, in region ("" for the store's default).
	MakeBucket(ctx context.Context, bucket, region string) error
}

// ObjectInfo is what a [Store] says of an object.
type ObjectInfo struct {
	Key  string // the object's key (set by List)
	Size int64
	ETag string // as the store gives it: possibly in double quotes
	// UserMetadata holds the x-amz-meta-* metadata by name without the
	// prefix, in any case (set by Stat).
	UserMetadata map[string]string
}
