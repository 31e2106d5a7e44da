package sidecar

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"occupancy/snapshot"
)

// Store holds the current [Index] and replaces it when the snapshot
// changes. Readers call [Store.Index] once per request and use that index
// throughout, so a reload never affects a request in flight.
//
// The snapshot is a file, or an http:// or https:// URL (for replicas on
// other machines than the build, such as an object store): see
// [NewStoreWith]. Either way a new snapshot is parsed and checked whole
// before it is swapped in, and an invalid or unreachable one keeps the
// current index, is logged and counted, and is reported by /readyz until a
// first snapshot is loaded.
type Store struct {
	origin origin
	log    *slog.Logger
	// Offsets, when set before the first load, makes every loaded index
	// write datetimes with their true offset (see [Index.WithOffsets]).
	Offsets *time.Location
	// AnswerCache, when positive before the first load, gives every
	// loaded index a cache of that many bytes of whole answers (see
	// [Index.WithAnswerCache]); a new snapshot starts with an empty one.
	AnswerCache int

	cur atomic.Pointer[Index]

	mu sync.Mutex // serializes loads; guards the fields below
	// For URL origins, whose bodies carry a SHA-256 (see [fetched]): the
	// loaded body, and the last refused one with its failure, so that
	// neither is loaded or reported twice.
	loadedSum  [sha256.Size]byte
	failedSum  [sha256.Size]byte
	failedBody *loadFailure
	lastLogged string // key of the last failure logged (URL sources); "" after a success

	reloads  atomic.Uint64               // successful loads
	failures atomic.Uint64               // failed loads
	lastFail atomic.Pointer[loadFailure] // nil after a successful load
	// fetchFailures counts consecutive failed polls of a URL origin (zero
	// for files): [Store.Watch] backs off on it.
	fetchFailures atomic.Int64
}

// loadFailure is why the last load failed: err for the log, reason for
// clients (no file path, no URL).
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
// path or the URL; "" when the last load succeeded or none was made.
func (st *Store) failureReason() string {
	if f := st.lastFail.Load(); f != nil {
		return f.reason
	}
	return ""
}

// publicReason describes an error of an origin without revealing paths or
// URLs: the reason of a fetch error, or the kind of file system error.
func publicReason(err error) string {
	if fe, ok := errors.AsType[*fetchError](err); ok {
		return fe.reason
	}
	if errors.Is(err, fs.ErrNotExist) {
		return "snapshot file not found"
	}
	if pe, ok := errors.AsType[*fs.PathError](err); ok {
		return "snapshot file unreadable: " + pe.Err.Error()
	}
	return "snapshot file unreadable"
}

// NewStore returns a store for the snapshot at location, a file path or an
// http(s) URL fetched with the default [FetchOptions]; nothing is loaded
// until [Store.Reload]. An invalid URL gives a store whose every load fails
// saying so; [NewStoreWith] reports it instead.
func NewStore(location string, log *slog.Logger) *Store {
	st, err := NewStoreWith(location, FetchOptions{}, log)
	if err != nil {
		st = &Store{origin: badOrigin{err}, log: st.log}
	}
	return st
}

// NewStoreWith returns a store for the snapshot at location: a file path,
// or an http:// or https:// URL fetched as opt says (userinfo in the URL is
// sent as basic authentication). It fails on an invalid URL, on another
// scheme (such as s3://) and on headers given for a file. Nothing is loaded
// until [Store.Reload].
func NewStoreWith(location string, opt FetchOptions, log *slog.Logger) (*Store, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	st := &Store{log: log}
	switch {
	case IsSnapshotURL(location):
		u, err := newURLOrigin(location, opt)
		if err != nil {
			return st, err
		}
		st.origin = u
	case strings.Contains(location, "://"):
		scheme, _, _ := strings.Cut(location, "://")
		return st, fmt.Errorf("invalid snapshot URL: scheme %q, want http or https (or a file path)", scheme)
	case len(opt.Header) > 0:
		return st, errors.New("snapshot request headers need an http(s) snapshot URL, not a file")
	default:
		max := opt.MaxBytes
		if max <= 0 {
			max = DefaultMaxSnapshotBytes
		}
		st.origin = &fileOrigin{path: location, maxBytes: max, log: log}
	}
	return st, nil
}

// Location returns where the snapshot is read from, fit for logs: the
// file's path, or the URL without its userinfo and query string.
func (st *Store) Location() string { return st.origin.location() }

// Index returns the current index, or nil before the first successful load.
func (st *Store) Index() *Index { return st.cur.Load() }

// Reload reads and parses the snapshot and swaps it in: for a URL, an
// unconditional GET (a body identical to the loaded one is not reloaded).
// When the snapshot is missing, unreachable or invalid the current index
// stays in place, the failure is logged and counted, and the error is
// returned.
func (st *Store) Reload() error { return st.ReloadContext(context.Background()) }

// ReloadContext is [Store.Reload] with a context that cancels a fetch in
// progress.
func (st *Store) ReloadContext(ctx context.Context) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.update(ctx, true)
}

// reloadIfChanged reloads when the snapshot changed since the last attempt:
// a file's size, modification time or identity; a URL's ETag (or
// Last-Modified, or body). A failed attempt is not retried until the
// snapshot changes again, except a URL that could not be fetched, which is
// retried at every poll (with back-off, see [Store.Watch]).
func (st *Store) reloadIfChanged(ctx context.Context) {
	st.mu.Lock()
	defer st.mu.Unlock()
	_ = st.update(ctx, false)
}

// update fetches the snapshot (always when force) and loads it when it
// changed. Called with st.mu held.
func (st *Store) update(ctx context.Context, force bool) error {
	f, err := st.origin.fetch(ctx, force)
	if err != nil {
		if ctx.Err() != nil {
			return err // shutting down: neither counted nor logged
		}
		return st.fail(err, publicReason(err), publicReason(err))
	}
	remote := st.origin.remote()
	if f == nil { // nothing changed
		if remote {
			st.recovered()
			st.lastFail.Store(st.failedBody) // nil unless the current body was refused
		}
		return nil
	}
	if f.sum != [sha256.Size]byte{} {
		switch {
		case f.sum == st.loadedSum && st.cur.Load() != nil:
			st.recovered()
			st.failedSum, st.failedBody = [sha256.Size]byte{}, nil
			st.lastFail.Store(nil)
			st.log.Debug("snapshot unchanged", st.origin.logKey(), st.origin.location(), "etag", f.etag)
			return nil
		case f.sum == st.failedSum && st.failedBody != nil && !force:
			// The same refused body again (a server without validators):
			// neither counted nor logged again, but polled less often.
			st.fetchFailures.Add(1)
			st.lastFail.Store(st.failedBody)
			return st.failedBody.err
		}
	}
	start := time.Now()
	s, err := snapshot.Parse(f.data)
	if err != nil {
		reason := err.Error() // "snapshot: …" from snapshot.Parse, no path
		err = fmt.Errorf("%s: %w", st.origin.location(), err)
		if f.sum != [sha256.Size]byte{} {
			st.failedSum, st.failedBody = f.sum, &loadFailure{err: err, reason: reason}
		}
		return st.fail(err, reason, fmt.Sprintf("%s %x", reason, f.sum))
	}
	ix := NewIndex(s, f.modTime)
	if st.Offsets != nil {
		ix = ix.WithOffsets(st.Offsets)
	}
	if st.AnswerCache > 0 {
		ix = ix.WithAnswerCache(st.AnswerCache)
	}
	old := st.cur.Swap(ix)
	st.loadedSum, st.failedSum, st.failedBody = f.sum, [sha256.Size]byte{}, nil
	st.lastFail.Store(nil)
	st.reloads.Add(1)
	st.recovered()
	// took: parsing and indexing, what a new release costs before it is
	// served (the fetch is not counted).
	attrs := []any{st.origin.logKey(), st.origin.location(), "release", ix.Release(), "rooms", ix.Len(), "bytes", len(f.data), "took", time.Since(start).Round(time.Microsecond)}
	if f.etag != "" {
		attrs = append(attrs, "etag", f.etag)
	}
	if old != nil {
		attrs = append(attrs, "previous_release", old.Release())
	}
	st.log.Info("snapshot loaded", attrs...)
	return nil
}

// fail records, counts and logs a failed load. A URL origin's failures are
// logged once per distinct failure (key) in a row; repeats go to the debug
// level. Called with st.mu held.
func (st *Store) fail(err error, reason, key string) error {
	st.lastFail.Store(&loadFailure{err: err, reason: reason})
	st.failures.Add(1)
	attrs := []any{st.origin.logKey(), st.origin.location(), "err", err}
	if old := st.cur.Load(); old != nil {
		attrs = append(attrs, "kept_release", old.Release())
	}
	if !st.origin.remote() {
		st.log.Error("snapshot load failed", attrs...)
		return err
	}
	n := st.fetchFailures.Add(1)
	attrs = append(attrs, "consecutive_failures", n)
	if key == st.lastLogged {
		st.log.Debug("snapshot load failed", attrs...)
	} else {
		st.lastLogged = key
		st.log.Error("snapshot load failed", attrs...)
	}
	return err
}

// recovered notes a successful poll of a URL origin: back-off and log
// deduplication start over. Called with st.mu held.
func (st *Store) recovered() {
	if n := st.fetchFailures.Swap(0); n > 0 {
		st.log.Info("snapshot source answering again", st.origin.logKey(), st.origin.location(), "failed_polls", n)
	}
	st.lastLogged = ""
}

// Watch polls the snapshot every interval until ctx is done and reloads it
// when it changes (see [Store.reloadIfChanged]). While polls of a URL keep
// failing, the delay doubles up to 30 s or ten intervals, whichever is
// less (but at least interval), and is back to interval after a success.
func (st *Store) Watch(ctx context.Context, interval time.Duration) {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			st.reloadIfChanged(ctx)
			t.Reset(pollDelay(interval, st.fetchFailures.Load()))
		}
	}
}

// pollDelay is the delay before the next poll after failures consecutive
// failed polls.
func pollDelay(interval time.Duration, failures int64) time.Duration {
	limit := max(interval, min(maxPollBackoff, 10*interval))
	d := interval
	for range failures {
		if d >= limit/2 {
			return limit
		}
		d *= 2
	}
	return d
}
