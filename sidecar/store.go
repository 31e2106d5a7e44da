package sidecar

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"occupancy/snapshot"
)

// Store holds the current [Index] and replaces it when the snapshot file
// changes. Readers call [Store.Index] once per request and use that index
// throughout, so a reload never affects a request in flight.
type Store struct {
	path string
	log  *slog.Logger
	// Offsets, when set before the first load, makes every loaded index
	// write datetimes with their true offset (see [Index.WithOffsets]).
	Offsets *time.Location

	cur atomic.Pointer[Index]

	mu       sync.Mutex // serializes reloads
	lastStat fileStat

	reloads  atomic.Uint64               // successful loads
	failures atomic.Uint64               // failed loads
	lastFail atomic.Pointer[loadFailure] // nil after a successful load
}

// loadFailure is why the last load failed: err for the log, reason for
// clients (no file path).
type loadFailure struct {
	err    error
	reason string
}

// LastError returns the error of the last load attempt, or nil when it
// succeeded or none was made. The index in place, if any, is older.
func (st *Store) LastError() error {
	if f := st.lastFail.Load(); f != nil {
		return f.err
	}
	return nil
}

// failureReason is LastError as clients may see it, without the file's
// path; "" when the last load succeeded or none was made.
func (st *Store) failureReason() string {
	if f := st.lastFail.Load(); f != nil {
		return f.reason
	}
	return ""
}

// publicReason describes a load error without revealing paths: the parse
// error of a snapshot as is, or the kind of file system error.
func publicReason(err error, parsed bool) string {
	if parsed {
		return err.Error() // "snapshot: …" from snapshot.Parse, no path
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "snapshot file not found"
	}
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return "snapshot file unreadable: " + pe.Err.Error()
	}
	return "snapshot file unreadable"
}

type fileStat struct {
	size    int64
	modTime time.Time
	info    os.FileInfo
}

func (a fileStat) same(b fileStat) bool {
	return a.info != nil && b.info != nil && a.size == b.size && a.modTime.Equal(b.modTime) && os.SameFile(a.info, b.info)
}

// NewStore returns a store for the snapshot file at path; nothing is loaded
// until [Store.Reload].
func NewStore(path string, log *slog.Logger) *Store {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Store{path: path, log: log}
}

// Index returns the current index, or nil before the first successful load.
func (st *Store) Index() *Index { return st.cur.Load() }

// Reload reads and parses the snapshot file and swaps it in. When the file
// is missing or invalid the current index stays in place, the failure is
// logged and counted, and the error is returned.
func (st *Store) Reload() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	fs, err := stat(st.path)
	if err == nil {
		st.lastStat = fs
	}
	return st.load(fs, err)
}

func (st *Store) load(fs fileStat, err error) error {
	var s *snapshot.Snapshot
	parsed := false
	if err == nil {
		var data []byte
		if data, err = os.ReadFile(st.path); err == nil {
			parsed = true
			s, err = snapshot.Parse(data)
		}
	}
	if err != nil {
		reason := publicReason(err, parsed)
		if parsed {
			err = fmt.Errorf("%s: %w", st.path, err)
		}
		st.lastFail.Store(&loadFailure{err: err, reason: reason})
		st.failures.Add(1)
		attrs := []any{"path", st.path, "err", err}
		if old := st.cur.Load(); old != nil {
			attrs = append(attrs, "kept_release", old.Release())
		}
		st.log.Error("snapshot load failed", attrs...)
		return err
	}
	ix := NewIndex(s, fs.modTime)
	if st.Offsets != nil {
		ix = ix.WithOffsets(st.Offsets)
	}
	old := st.cur.Swap(ix)
	st.lastFail.Store(nil)
	st.reloads.Add(1)
	attrs := []any{"path", st.path, "release", ix.Release(), "rooms", ix.Len()}
	if old != nil {
		attrs = append(attrs, "previous_release", old.Release())
	}
	st.log.Info("snapshot loaded", attrs...)
	return nil
}

// reloadIfChanged reloads when the file's size, modification time or
// identity differ from the last attempt. A failed attempt is not retried
// until the file changes again.
func (st *Store) reloadIfChanged() {
	st.mu.Lock()
	defer st.mu.Unlock()
	fs, err := stat(st.path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) && st.lastStat.info == nil {
			return // still missing; already reported
		}
		if st.lastStat.info != nil {
			st.log.Warn("snapshot file unreadable; keeping the current index", "path", st.path, "err", err)
			st.lastStat = fileStat{}
		}
		return
	}
	if fs.same(st.lastStat) {
		return
	}
	st.lastStat = fs
	_ = st.load(fs, nil)
}

// Watch polls the snapshot file every interval until ctx is done and
// reloads it when it changes.
func (st *Store) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st.reloadIfChanged()
		}
	}
}

func stat(path string) (fileStat, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStat{}, err
	}
	return fileStat{size: fi.Size(), modTime: fi.ModTime(), info: fi}, nil
}
