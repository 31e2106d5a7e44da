package objstore

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"errors"
	"io"
	"iter"
	"maps"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/minio/minio-go/v7"

	"occupancy/generator/tree"
)

// memStore is a [Store] and [Buckets] in memory, as an S3 API behaves for
// the requests Publish makes: quoted MD5 ETags, user metadata read back
// under canonical names, minio.ErrorResponse errors with S3's codes. It
// logs the requests that succeeded, in the order they did, and fails the
// ones its fail hook chooses.
type memStore struct {
	mu      sync.Mutex
	buckets map[string]map[string]memObject
	log     []string // "list <prefix>", "get <key>", "stat <key>", "put <key>", "remove <key>", "make <bucket> <region>"
	// fail, when set, is asked before each request ("list", "get",
	// "stat", "put", "remove", "exists", "make", with the key, prefix or
	// bucket) and fails it with the error it returns. It may be called
	// concurrently.
	fail func(op, key string) error
}

// memObject is one stored object.
type memObject struct {
	data    []byte
	headers Headers
	meta    map[string]string
}

var (
	_ Store   = (*memStore)(nil)
	_ Buckets = (*memStore)(nil)
)

func newMemStore(buckets ...string) *memStore {
	m := &memStore{buckets: map[string]map[string]memObject{}}
	for _, b := range buckets {
		m.buckets[b] = map[string]memObject{}
	}
	return m
}

// s3Error is the error an S3 API answers with code.
func s3Error(code, msg string) error {
	return minio.ErrorResponse{Code: code, Message: msg}
}

// begin checks a request before it runs: the context, the fail hook, the
// bucket. It returns the bucket's objects, to use under m.mu.
func (m *memStore) begin(ctx context.Context, op, bucket, key string) (map[string]memObject, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if m.fail != nil {
		if err := m.fail(op, key); err != nil {
			return nil, err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	objects, ok := m.buckets[bucket]
	if !ok {
		return nil, s3Error("NoSuchBucket", "The specified bucket does not exist")
	}
	return objects, nil
}

// record logs a request that succeeded; m.mu must be held.
func (m *memStore) record(op, key string) { m.log = append(m.log, op+" "+key) }

func (m *memStore) List(ctx context.Context, bucket, prefix string) iter.Seq2[ObjectInfo, error] {
	return func(yield func(ObjectInfo, error) bool) {
		objects, err := m.begin(ctx, "list", bucket, prefix)
		if err != nil {
			yield(ObjectInfo{}, err)
			return
		}
		m.mu.Lock()
		var list []ObjectInfo
		for _, k := range slices.Sorted(maps.Keys(objects)) {
			if strings.HasPrefix(k, prefix) {
				list = append(list, ObjectInfo{Key: k, Size: int64(len(objects[k].data)), ETag: etag(objects[k].data)})
			}
		}
		m.record("list", prefix)
		m.mu.Unlock()
		for _, o := range list {
			if !yield(o, nil) {
				return
			}
		}
	}
}

func (m *memStore) Get(ctx context.Context, bucket, key string) (io.ReadCloser, error) {
	objects, err := m.begin(ctx, "get", bucket, key)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := objects[key]
	if !ok {
		return nil, s3Error("NoSuchKey", "The specified key does not exist.")
	}
	m.record("get", key)
	return io.NopCloser(bytes.NewReader(o.data)), nil
}

func (m *memStore) Stat(ctx context.Context, bucket, key string) (ObjectInfo, error) {
	objects, err := m.begin(ctx, "stat", bucket, key)
	if err != nil {
		return ObjectInfo{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := objects[key]
	if !ok {
		return ObjectInfo{}, s3Error("NoSuchKey", "The specified key does not exist.")
	}
	meta := map[string]string{}
	for k, v := range o.meta {
		meta[http.CanonicalHeaderKey(k)] = v // as HEAD's x-amz-meta-* headers come back
	}
	m.record("stat", key)
	return ObjectInfo{Key: key, Size: int64(len(o.data)), ETag: etag(o.data), UserMetadata: meta}, nil
}

func (m *memStore) Put(ctx context.Context, bucket, key string, data []byte, h Headers, meta map[string]string) error {
	objects, err := m.begin(ctx, "put", bucket, key)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	objects[key] = memObject{data: slices.Clone(data), headers: h, meta: maps.Clone(meta)}
	m.record("put", key)
	return nil
}

func (m *memStore) Remove(ctx context.Context, bucket, key string) error {
	objects, err := m.begin(ctx, "remove", bucket, key)
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(objects, key) // S3 answers a delete of a missing key with success
	m.record("remove", key)
	return nil
}

func (m *memStore) BucketExists(ctx context.Context, bucket string) (bool, error) {
	if _, err := m.begin(ctx, "exists", bucket, bucket); err != nil {
		var resp minio.ErrorResponse
		if errors.As(err, &resp) && resp.Code == "NoSuchBucket" {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

func (m *memStore) MakeBucket(ctx context.Context, bucket, region string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if m.fail != nil {
		if err := m.fail("make", bucket); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.buckets[bucket]; ok {
		return s3Error("BucketAlreadyOwnedByYou", "Your previous request to create the named bucket succeeded and you already own it.")
	}
	m.buckets[bucket] = map[string]memObject{}
	m.record("make", bucket+" "+region)
	return nil
}

func etag(data []byte) string {
	s := md5.Sum(data)
	return `"` + hex.EncodeToString(s[:]) + `"`
}

// seed stores an object as another tool would, or as this one did.
func (m *memStore) seed(bucket, key, data string, meta map[string]string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buckets[bucket][key] = memObject{data: []byte(data), meta: meta}
}

// drop deletes an object behind the publisher's back.
func (m *memStore) drop(bucket, key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.buckets[bucket], key)
}

// object returns a stored object.
func (m *memStore) object(bucket, key string) (memObject, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	o, ok := m.buckets[bucket][key]
	return o, ok
}

// keys returns the keys of the bucket, sorted.
func (m *memStore) keys(bucket string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Sorted(maps.Keys(m.buckets[bucket]))
}

// changes returns the puts and removes logged since the log had n
// entries, in order.
func (m *memStore) changes(n int) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, op := range m.log[n:] {
		if strings.HasPrefix(op, "put ") || strings.HasPrefix(op, "remove ") {
			out = append(out, op)
		}
	}
	return out
}

// logLen returns how many requests the log holds.
func (m *memStore) logLen() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.log)
}

// announced returns the release the target's snapshot announces, "" for
// none.
func (m *memStore) announced(tg Target) string {
	o, ok := m.object(tg.Bucket, tg.Key(tree.SnapshotName))
	if !ok {
		return ""
	}
	return o.meta[MetaRelease]
}

// treeDir publishes files (tree path → content) as tree.Publish does for
// a build, compressed copies included, into a new folder.
func treeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	var fs []tree.File
	for _, p := range slices.Sorted(maps.Keys(files)) {
		kind := "rooms"
		if p == tree.SnapshotName {
			kind = "snapshot"
		}
		fs = append(fs, tree.File{Path: p, Kind: kind, Data: []byte(files[p])})
	}
	dir := filepath.Join(t.TempDir(), "public")
	if _, err := tree.Publish(dir, fs, tree.PublishOptions{NoSync: true}); err != nil {
		t.Fatal(err)
	}
	return dir
}
