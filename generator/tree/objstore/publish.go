package objstore

import (
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"occupancy/generator/tree"
)

// Metadata keys set on every uploaded object (x-amz-meta-occupancy-…).
const (
	MetaSHA256  = "occupancy-sha256"  // SHA-256 of the object's bytes
	MetaPath    = "occupancy-path"    // the object's tree path (its key without the prefix)
	MetaRelease = "occupancy-release" // on manifest.json and occupancy.snapshot: the release id
)

// Options tunes [Publish].
type Options struct {
	Workers      int  // parallel uploads and deletes; 0 means 8
	CreateBucket bool // create a missing bucket instead of failing
	DryRun       bool // plan and report, change nothing
	// Step, when set, is told of each phase as it ends ("listed 812
	// objects …"), as the build prints its steps.
	Step func(format string, args ...any)
	// Op, when set, is called after each successful upload ("put") or
	// delete ("delete") with the tree path. Calls may be concurrent.
	Op func(op, path string)

	// before, in tests, runs before each upload or delete and may fail it.
	before func(op, path string) error
}

// Result says what a publication did.
type Result struct {
	Target            Target
	Release, Previous string
	Plan              *Plan
	Uploaded          int   // objects uploaded
	UploadedBytes     int64 // their bytes
	Deleted           int
	Stated            int // objects whose metadata was read to decide
	Warnings          []string
	DryRun            bool
	Elapsed           time.Duration
}

// String prints the result as one line for the operator.
func (r *Result) String() string {
	p := r.Plan
	verb := "uploaded"
	if r.DryRun {
		verb = "would upload"
	}
	rel := fmt.Sprintf("release %.12s", r.Release)
	switch {
	case r.Previous == "":
		rel += " (the bucket had none)"
	case r.Previous != r.Release:
		rel += fmt.Sprintf(" (was %.12s)", r.Previous)
	}
	if p.Empty() {
		return fmt.Sprintf("%s already holds %s: nothing uploaded, %d files unchanged, in %s",
			r.Target, rel, p.Unchanged, r.Elapsed.Round(time.Millisecond))
	}
	up, upBytes, del := r.Uploaded, r.UploadedBytes, r.Deleted
	if r.DryRun {
		up, upBytes, del = p.Uploads(), p.Bytes, len(p.Deletes)
	}
	s := fmt.Sprintf("%s %d files (%s), deleted %d, unchanged %d to %s, %s, in %s",
		verb, up, mib(upBytes), del, p.Unchanged, r.Target, rel, r.Elapsed.Round(time.Millisecond))
	if r.DryRun {
		s = strings.Replace(s, "deleted", "would delete", 1)
	}
	if p.Foreign > 0 {
		s += fmt.Sprintf("; left %d objects it did not write", p.Foreign)
	}
	return s
}

func mib(n int64) string { return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20)) }

// Error is a failed request to the object store.
type Error struct {
	Op   string // "list", "read", "stat", "upload", "delete", "bucket"
	Key  string // the object key; the bucket for Op "bucket"; s3://bucket/prefix/ for Op "list"
	Code string // the S3 error code (AccessDenied, NoSuchBucket, …), "" when none came back
	Err  error
	// Announced is true when the failure came after the new snapshot was
	// uploaded: sidecars follow the new release, only stale keys are left.
	Announced bool
}

// Error returns "<op> <key>: ", the S3 error code when the message does
// not hold it, and the message.
func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s: ", e.Op, e.Key)
	if e.Code != "" && !strings.Contains(e.Err.Error(), e.Code) {
		b.WriteString(e.Code + ": ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the error of the request.
func (e *Error) Unwrap() error { return e.Err }

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// ReadLocal reads the manifest of the tree at dir and the MD5 of each of
// its files, checking each file's size and SHA-256 against the manifest.
func ReadLocal(dir string) (Local, error) {
	data, err := os.ReadFile(filepath.Join(dir, tree.ManifestName))
	if err != nil {
		return Local{}, fmt.Errorf("read the tree's manifest: %w", err)
	}
	m, err := tree.ParseManifest(data)
	if err != nil {
		return Local{}, fmt.Errorf("%s: %w", filepath.Join(dir, tree.ManifestName), err)
	}
	local := Local{Manifest: m, ManifestData: data, MD5: make(map[string]string, len(m.Files)+1)}
	sum := md5.Sum(data)
	local.MD5[tree.ManifestName] = hex.EncodeToString(sum[:])
	for _, e := range m.Files {
		b, err := readEntry(dir, e)
		if err != nil {
			return Local{}, err
		}
		sum := md5.Sum(b)
		local.MD5[e.Path] = hex.EncodeToString(sum[:])
	}
	return local, nil
}

// readEntry reads the file of e and checks it against the manifest.
func readEntry(dir string, e tree.ManifestEntry) ([]byte, error) {
	if !validTreePath(e.Path) {
		return nil, fmt.Errorf("manifest of %s: invalid path %q", dir, e.Path)
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(e.Path)))
	if err != nil {
		return nil, err
	}
	if len(b) != e.Size || sha256Hex(b) != e.SHA256 {
		return nil, fmt.Errorf("%s changed since the build wrote it (size or SHA-256 differs from %s); build again", filepath.Join(dir, filepath.FromSlash(e.Path)), tree.ManifestName)
	}
	return b, nil
}

func validTreePath(p string) bool {
	if p == "" || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") || strings.Contains(p, "\\") {
		return false
	}
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
	}
	return true
}

// ReadRemote lists the objects under the target and reads its manifest.
// A missing manifest is no manifest; an unreadable one is a warning.
func ReadRemote(ctx context.Context, s Store, t Target) (Remote, []string, error) {
	remote := Remote{Objects: map[string]Object{}}
	var warnings []string
	for o, err := range s.List(ctx, t.Bucket, t.listPrefix()) {
		if err != nil {
			return remote, nil, opError("list", t.String()+"/", err, false)
		}
		p, ok := t.path(o.Key)
		if !ok || strings.HasSuffix(p, "/") {
			continue // a folder marker, or (defensively) a key outside the prefix
		}
		remote.Objects[p] = Object{Size: o.Size, ETag: strings.Trim(o.ETag, `"`)}
	}
	if _, ok := remote.Objects[tree.ManifestName]; !ok {
		return remote, warnings, nil
	}
	key := t.Key(tree.ManifestName)
	obj, err := s.Get(ctx, t.Bucket, key)
	var data []byte
	if err == nil {
		data, err = io.ReadAll(io.LimitReader(obj, 256<<20))
		obj.Close()
	}
	if errCode(err) == "NoSuchKey" {
		delete(remote.Objects, tree.ManifestName) // deleted since the listing
		return remote, warnings, nil
	}
	if err != nil {
		return remote, nil, opError("read", key, err, false)
	}
	remote.ManifestData = data
	var m tree.Manifest
	if err := json.Unmarshal(data, &m); err != nil || m.Version < 1 || m.Version > tree.ManifestVersion {
		warnings = append(warnings, fmt.Sprintf("%s is not a manifest this build reads; every file is checked against the listing instead", key))
		return remote, warnings, nil
	}
	remote.Manifest = &m
	return remote, warnings, nil
}

// stat reads the metadata of the objects at paths into remote.
func stat(ctx context.Context, s Store, t Target, remote Remote, paths []string, workers int) error {
	var mu sync.Mutex
	return parallel(ctx, paths, workers, func(ctx context.Context, p string) error {
		info, err := s.Stat(ctx, t.Bucket, t.Key(p))
		if code := errCode(err); code == "NoSuchKey" || code == "NotFound" {
			mu.Lock()
			delete(remote.Objects, p)
			mu.Unlock()
			return nil
		}
		if err != nil {
			return opError("stat", t.Key(p), err, false)
		}
		o := Object{Size: info.Size, ETag: strings.Trim(info.ETag, `"`), Stated: true}
		for k, v := range info.UserMetadata {
			switch strings.ToLower(k) {
			case MetaSHA256:
				o.SHA256 = v
			case MetaPath:
				o.Path = v
			}
		}
		mu.Lock()
		remote.Objects[p] = o
		mu.Unlock()
		return nil
	})
}

// parallel runs f on each item with at most workers at once, and returns
// the first error (the others are cancelled), or the cause of ctx's end
// when it ended before every item ran.
func parallel[T any](ctx context.Context, items []T, workers int, f func(context.Context, T) error) error {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(workers, 1))
	for _, it := range items {
		if gctx.Err() != nil {
			break
		}
		g.Go(func() error { return f(gctx, it) })
	}
	if err := g.Wait(); err != nil {
		return err
	}
	return context.Cause(ctx)
}

// EnsureBucket checks that the target's bucket exists, and creates it
// when create is set.
func EnsureBucket(ctx context.Context, c Buckets, t Target, region string, create bool) error {
	ok, err := c.BucketExists(ctx, t.Bucket)
	if err != nil {
		return opError("bucket", t.Bucket, err, false)
	}
	if ok {
		return nil
	}
	if !create {
		return &Error{Op: "bucket", Key: t.Bucket, Code: "NoSuchBucket", Err: errors.New("the bucket does not exist")}
	}
	if err := c.MakeBucket(ctx, t.Bucket, region); err != nil {
		return opError("create bucket", t.Bucket, err, false)
	}
	return nil
}

// Publish makes the bucket hold the tree at dir (written by
// tree.Publish) under the target's prefix: it uploads the files whose
// bytes the bucket lacks, in parallel, then manifest.json, then
// occupancy.snapshot, then deletes the keys of the previous tree that the
// new one no longer has. When it fails before the snapshot is uploaded the
// bucket still announces its previous release, whose files are all in
// place; running it again completes the work.
func Publish(ctx context.Context, s Store, t Target, dir string, opt Options) (*Result, error) {
	p := newPublication(s, t, dir, opt)
	if err := p.readLocal(); err != nil {
		return nil, err
	}
	remote, err := p.readRemote(ctx)
	if err != nil {
		return nil, err
	}
	plan, err := p.plan(ctx, remote)
	if err != nil {
		return nil, err
	}
	if opt.DryRun || plan.Empty() {
		return p.finish(nil)
	}
	// Each phase starts only when the one before it succeeded.
	if err := p.uploadFiles(ctx, plan.Files); err != nil {
		return p.finish(err)
	}
	if err := p.announce(ctx, plan.Manifest, plan.Snapshot); err != nil {
		return p.finish(err)
	}
	return p.finish(p.deleteStale(ctx, plan.Deletes))
}

// publication is one run of [Publish]: where it goes, what it read, and
// what it has done so far.
type publication struct {
	store  Store
	target Target
	dir    string
	opt    Options // with Workers and Step set
	start  time.Time
	local  Local
	res    *Result

	uploaded, upBytes, deleted atomic.Int64
}

func newPublication(s Store, t Target, dir string, opt Options) *publication {
	if opt.Workers <= 0 {
		opt.Workers = 8
	}
	if opt.Step == nil {
		opt.Step = func(string, ...any) {}
	}
	return &publication{store: s, target: t, dir: dir, opt: opt, start: time.Now(),
		res: &Result{Target: t, DryRun: opt.DryRun}}
}

// readLocal reads the tree at dir, checked against its manifest.
func (p *publication) readLocal() error {
	local, err := ReadLocal(p.dir)
	if err != nil {
		return err
	}
	p.local, p.res.Release = local, local.Manifest.Release
	p.opt.Step("read %s: %d files, release %.12s", p.dir, len(local.Manifest.Files)+1, local.Manifest.Release)
	return nil
}

// readRemote lists the target and reads the bucket's manifest.
func (p *publication) readRemote(ctx context.Context) (Remote, error) {
	remote, warnings, err := ReadRemote(ctx, p.store, p.target)
	if err != nil {
		return Remote{}, err
	}
	p.res.Warnings = warnings
	if remote.Manifest != nil {
		p.res.Previous = remote.Manifest.Release
	}
	return remote, nil
}

// plan reads the metadata of the objects the listing leaves in doubt
// ([NeedStat]), then plans the work ([MakePlan]).
func (p *publication) plan(ctx context.Context, remote Remote) (*Plan, error) {
	need := NeedStat(p.local, remote)
	if err := stat(ctx, p.store, p.target, remote, need, p.opt.Workers); err != nil {
		return nil, err
	}
	plan := MakePlan(p.local, remote)
	p.res.Stated, p.res.Plan = len(need), plan
	stated := ""
	if len(need) > 0 {
		stated = fmt.Sprintf(" (metadata of %d read)", len(need))
	}
	p.opt.Step("listed %d objects under %s%s: %d to upload (%s), %d to delete, %d unchanged",
		len(remote.Objects), p.target, stated, plan.Uploads(), mib(plan.Bytes), len(plan.Deletes), plan.Unchanged)
	return plan, nil
}

// uploadFiles uploads, in parallel, the files the new manifest and
// snapshot will point at. The bucket announces its previous release
// meanwhile: its files are still all in place.
func (p *publication) uploadFiles(ctx context.Context, files []Step) error {
	err := parallel(ctx, files, p.opt.Workers, func(ctx context.Context, s Step) error {
		return p.put(ctx, s, false)
	})
	if err != nil {
		return err
	}
	if len(files) > 0 {
		p.opt.Step("uploaded %d files (%s)", p.uploaded.Load(), mib(p.upBytes.Load()))
	}
	return nil
}

// announce uploads manifest.json then occupancy.snapshot (each nil when
// the bucket holds its bytes), one after the other, once every file is
// in place: when the snapshot is in, sidecars follow the new release.
func (p *publication) announce(ctx context.Context, steps ...*Step) error {
	for _, s := range steps {
		if s == nil {
			continue
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := p.put(ctx, *s, true); err != nil {
			return err
		}
		p.opt.Step("uploaded %s", s.Entry.Path)
	}
	return nil
}

// deleteStale deletes, in parallel, the keys the new tree no longer has.
// The new release is announced by then: a failure here is
// [Error.Announced].
func (p *publication) deleteStale(ctx context.Context, paths []string) error {
	if err := parallel(ctx, paths, p.opt.Workers, p.remove); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			err = &Error{Op: "delete", Key: p.target.String(), Err: err, Announced: true}
		}
		return err
	}
	if len(paths) > 0 {
		p.opt.Step("deleted %d stale objects", p.deleted.Load())
	}
	return nil
}

// put uploads one file of the tree with its headers, and its SHA-256 and
// path as metadata; with release (manifest.json, the snapshot) also the
// release id.
func (p *publication) put(ctx context.Context, s Step, release bool) error {
	key := p.target.Key(s.Entry.Path)
	if p.opt.before != nil {
		if err := p.opt.before("put", s.Entry.Path); err != nil {
			return opError("upload", key, err, false)
		}
	}
	data, err := p.bytes(s.Entry)
	if err != nil {
		return err
	}
	meta := map[string]string{MetaSHA256: s.Entry.SHA256, MetaPath: s.Entry.Path}
	if release {
		meta[MetaRelease] = p.local.Manifest.Release
	}
	if err := p.store.Put(ctx, p.target.Bucket, key, data, s.Headers, meta); err != nil {
		return opError("upload", key, err, false)
	}
	p.uploaded.Add(1)
	p.upBytes.Add(int64(len(data)))
	if p.opt.Op != nil {
		p.opt.Op("put", s.Entry.Path)
	}
	return nil
}

// bytes returns the bytes of a file of the tree: manifest.json's as
// read, any other's read again and checked against the manifest.
func (p *publication) bytes(e tree.ManifestEntry) ([]byte, error) {
	if e.Path == tree.ManifestName {
		return p.local.ManifestData, nil
	}
	return readEntry(p.dir, e)
}

// remove deletes the object of one tree path.
func (p *publication) remove(ctx context.Context, path string) error {
	key := p.target.Key(path)
	if p.opt.before != nil {
		if err := p.opt.before("delete", path); err != nil {
			return opError("delete", key, err, true)
		}
	}
	if err := p.store.Remove(ctx, p.target.Bucket, key); err != nil {
		return opError("delete", key, err, true)
	}
	p.deleted.Add(1)
	if p.opt.Op != nil {
		p.opt.Op("delete", path)
	}
	return nil
}

// finish records what was done and how long it took, and returns the
// result with err.
func (p *publication) finish(err error) (*Result, error) {
	p.res.Uploaded, p.res.UploadedBytes = int(p.uploaded.Load()), p.upBytes.Load()
	p.res.Deleted = int(p.deleted.Load())
	p.res.Elapsed = time.Since(p.start)
	return p.res, err
}
