package sidecar

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"syscall"
	"time"
)

// An origin is where a [Store] gets the snapshot's bytes: a file
// ([fileOrigin]) or an http(s) URL ([urlOrigin]). The store keeps the
// logic common to both (parse, swap, failures, metrics, readiness); an
// origin only knows how to tell whether something new is there and how to
// read it. Calls are serialized by the store's mutex.
type origin interface {
	// fetch returns the snapshot's bytes, or nil and no error when nothing
	// changed since the last fetch (nothing to load, nothing to count).
	// force asks for the bytes even if they seem unchanged (SIGHUP).
	fetch(ctx context.Context, force bool) (*fetched, error)
	// location describes the origin for logs: the file's path, or the URL
	// without userinfo or query string.
	location() string
	// logKey is the log attribute naming the location ("path" or "url").
	logKey() string
	// remote reports whether polls are network requests: repeated
	// failures then back off, and are logged once per distinct failure.
	remote() bool
}

// fetched is a snapshot as an origin read it, not yet parsed.
type fetched struct {
	data    []byte
	modTime time.Time // the file's modification time or the Last-Modified header; zero if unknown
	// sum is the SHA-256 of data when the origin wants identical bodies
	// recognized (a URL polled without a working ETag); zero for files,
	// which are always reloaded when they changed or on request.
	sum  [sha256.Size]byte
	etag string // for logs
}

// fileOrigin reads a snapshot file. A change is a new size, modification
// time or file identity (the build publishes by rename).
type fileOrigin struct {
	path     string
	maxBytes int64 // the largest snapshot read (FetchOptions.MaxBytes)
	log      *slog.Logger
	last     fileStat // of the last attempt; zero when the file was missing
}

func (f *fileOrigin) location() string { return f.path }
func (f *fileOrigin) logKey() string   { return "path" }
func (f *fileOrigin) remote() bool     { return false }

// fetch reads the file when forced or when it changed since the last
// attempt. A failed attempt is not retried until the file changes again; a
// file that disappears is logged once and not counted.
func (f *fileOrigin) fetch(_ context.Context, force bool) (*fetched, error) {
	fs, err := stat(f.path)
	if force {
		if err != nil {
			return nil, err
		}
		f.last = fs
		return f.read(fs)
	}
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && f.last.info == nil {
			return nil, nil // still missing; already reported
		}
		if f.last.info != nil {
			f.log.Warn("snapshot file unreadable; keeping the current index", "path", f.path, "err", err)
			f.last = fileStat{}
		}
		return nil, nil
	}
	if fs.same(f.last) {
		return nil, nil
	}
	f.last = fs
	return f.read(fs)
}

func (f *fileOrigin) read(fs fileStat) (*fetched, error) {
	data, err := readRegular(f.path, f.maxBytes)
	if err != nil {
		return nil, err
	}
	return &fetched{data: data, modTime: fs.modTime}, nil
}

// readRegular reads the file name when it is a regular file of at most
// max bytes. It never blocks on what is not a regular file: a FIFO is
// opened without waiting for a writer, and neither it nor a device (a
// link to /dev/zero) is read.
func readRegular(name string, max int64) ([]byte, error) {
	fh, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	fi, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, &fetchError{reason: "snapshot file is not a regular file", err: fmt.Errorf("%s is not a regular file (%s): not read", name, fi.Mode().Type())}
	}
	if fi.Size() > max {
		return nil, tooLarge(name, max)
	}
	// The size may change while it is read: read at most max+1 bytes.
	data, err := io.ReadAll(io.LimitReader(fh, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, tooLarge(name, max)
	}
	return data, nil
}

func tooLarge(name string, max int64) error {
	return &fetchError{reason: fmt.Sprintf("snapshot file larger than %d bytes", max), err: fmt.Errorf("%s is larger than %d bytes (-max-snapshot): not read", name, max)}
}

type fileStat struct {
	size    int64
	modTime time.Time
	info    os.FileInfo
}

func (a fileStat) same(b fileStat) bool {
	return a.info != nil && b.info != nil && a.size == b.size && a.modTime.Equal(b.modTime) && os.SameFile(a.info, b.info)
}

func stat(path string) (fileStat, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStat{}, err
	}
	return fileStat{size: fi.Size(), modTime: fi.ModTime(), info: fi}, nil
}
