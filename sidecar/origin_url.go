package sidecar

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults of [FetchOptions].
const (
	DefaultFetchTimeout     = 30 * time.Second
	DefaultMaxSnapshotBytes = 256 << 20
	// maxPollBackoff caps the delay between polls of a failing URL (see
	// [Store.Watch]); it is also at most ten poll intervals.
	maxPollBackoff = 30 * time.Second
)

// FetchOptions configures how a [Store] fetches a snapshot from an http(s)
// URL. The zero value means the defaults.
type FetchOptions struct {
	// Header is added to every request, for example a token
	// (Authorization: Bearer …). Its values are never logged.
	Header http.Header
	// Timeout bounds one whole fetch: connection, response and body.
	Timeout time.Duration
	// MaxBytes is the largest snapshot accepted, from a URL or a file
	// (0 means DefaultMaxSnapshotBytes); a larger body is refused by its
	// Content-Length, else while it is read; a larger file by its size,
	// else while it is read.
	MaxBytes int64
}

// IsSnapshotURL reports whether a snapshot location is an http:// or
// https:// URL rather than a file path.
func IsSnapshotURL(location string) bool {
	l := strings.ToLower(location)
	return strings.HasPrefix(l, "http://") || strings.HasPrefix(l, "https://")
}

// RedactURL returns an http(s) URL without its userinfo, query string and
// fragment, fit for logs; other locations are returned as they are.
func RedactURL(location string) string {
	if !IsSnapshotURL(location) {
		return location
	}
	u, err := url.Parse(location)
	if err != nil {
		return "(invalid URL)"
	}
	return redactURL(u)
}

func redactURL(u *url.URL) string {
	r := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	return r.String()
}

// fetchError is a failed fetch: err for the log (URL redacted), reason for
// clients (no URL at all).
type fetchError struct {
	reason string
	err    error
}

func (e *fetchError) Error() string { return e.err.Error() }
func (e *fetchError) Unwrap() error { return e.err }

// urlOrigin polls a snapshot over HTTP(S) with conditional GETs: the last
// body's ETag in If-None-Match (else its Last-Modified in
// If-Modified-Since), so that an unchanged snapshot costs a 304.
type urlOrigin struct {
	url      *url.URL // with credentials: never logged
	public   string   // redacted, for logs
	header   http.Header
	timeout  time.Duration
	maxBytes int64
	client   *http.Client
	secrets  []string // scrubbed from error messages, as belt and braces

	// Validators of the last 200 body, valid or not: a body refused once
	// is not fetched again until it changes, as with files.
	etag, lastModified string

	// Outcomes of fetches, for /metrics.
	modified, notModified, failed atomic.Uint64
}

func newURLOrigin(raw string, opt FetchOptions) (*urlOrigin, error) {
	u, err := url.Parse(raw)
	if err != nil { // the parse error would quote the URL, credentials included
		return nil, errors.New("invalid snapshot URL: not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("invalid snapshot URL: scheme %q, want http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("invalid snapshot URL: no host")
	}
	u.Fragment, u.RawFragment = "", ""
	if opt.Timeout <= 0 {
		opt.Timeout = DefaultFetchTimeout
	}
	if opt.MaxBytes <= 0 {
		opt.MaxBytes = DefaultMaxSnapshotBytes
	}
	s := &urlOrigin{
		url:      u,
		public:   redactURL(u),
		header:   opt.Header.Clone(),
		timeout:  opt.Timeout,
		maxBytes: opt.MaxBytes,
	}
	if u.User != nil {
		s.secrets = append(s.secrets, u.User.String())
		if p, ok := u.User.Password(); ok {
			s.secrets = append(s.secrets, p, url.QueryEscape(p))
		}
	}
	if u.RawQuery != "" {
		s.secrets = append(s.secrets, u.RawQuery)
	}
	for _, vs := range s.header {
		s.secrets = append(s.secrets, vs...)
	}
	dial := min(10*time.Second, opt.Timeout)
	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            (&net.Dialer{Timeout: dial, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:      true,
		TLSHandshakeTimeout:    dial,
		ResponseHeaderTimeout:  opt.Timeout,
		MaxIdleConns:           2,
		MaxIdleConnsPerHost:    2,
		IdleConnTimeout:        90 * time.Second,
		MaxResponseHeaderBytes: 1 << 20,
	}
	s.client = &http.Client{Transport: tr, CheckRedirect: s.checkRedirect}
	return s, nil
}

func (s *urlOrigin) location() string { return s.public }
func (s *urlOrigin) logKey() string   { return "url" }
func (s *urlOrigin) remote() bool     { return true }

// checkRedirect follows at most 5 redirects, never from https to http, and
// does not send the configured headers to another host.
func (s *urlOrigin) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 5 {
		return errors.New("stopped after 5 redirects")
	}
	if via[0].URL.Scheme == "https" && req.URL.Scheme != "https" {
		return errors.New("redirect from https to http refused")
	}
	if req.URL.Host != via[0].URL.Host {
		for name := range s.header {
			req.Header.Del(name)
		}
	}
	return nil
}

// fetch GETs the snapshot: conditionally unless forced. A 304 answer is
// "nothing changed" (nil, nil); a 200 body within the size limit is
// returned for parsing; anything else is an error.
func (s *urlOrigin) fetch(ctx context.Context, force bool) (*fetched, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.url.String(), nil)
	if err != nil {
		s.failed.Add(1)
		return nil, &fetchError{reason: "invalid snapshot URL", err: fmt.Errorf("GET %s: invalid request", s.public)}
	}
	for name, vs := range s.header {
		req.Header[name] = append([]string(nil), vs...)
	}
	conditional := false
	if !force {
		switch {
		case s.etag != "":
			req.Header.Set("If-None-Match", s.etag)
			conditional = true
		case s.lastModified != "":
			req.Header.Set("If-Modified-Since", s.lastModified)
			conditional = true
		}
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.failed.Add(1)
		return nil, s.failure("snapshot URL unreachable: ", "GET", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && conditional {
		drain(resp.Body)
		s.notModified.Add(1)
		return nil, nil
	}
	if resp.StatusCode != http.StatusOK {
		drain(resp.Body)
		s.failed.Add(1)
		status := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
		return nil, &fetchError{
			reason: "snapshot URL answered " + status,
			err:    fmt.Errorf("GET %s: HTTP %s", s.public, status),
		}
	}
	data, err := s.readBody(resp)
	if err != nil {
		s.failed.Add(1)
		return nil, err
	}
	s.modified.Add(1)
	s.etag, s.lastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	f := &fetched{data: data, sum: sha256.Sum256(data), etag: s.etag}
	if t, err := http.ParseTime(s.lastModified); err == nil {
		f.modTime = t
	}
	return f, nil
}

// readBody reads a 200 body of at most maxBytes, checking Content-Length
// first and then the bytes actually read.
func (s *urlOrigin) readBody(resp *http.Response) ([]byte, error) {
	tooLarge := func(n string) error {
		return &fetchError{
			reason: fmt.Sprintf("snapshot URL: body larger than the %d-byte limit", s.maxBytes),
			err:    fmt.Errorf("GET %s: body of %s bytes is larger than the %d-byte limit", s.public, n, s.maxBytes),
		}
	}
	if resp.ContentLength > s.maxBytes {
		return nil, tooLarge(fmt.Sprint(resp.ContentLength))
	}
	var b bytes.Buffer
	if resp.ContentLength > 0 {
		b.Grow(int(resp.ContentLength))
	}
	n, err := b.ReadFrom(io.LimitReader(resp.Body, s.maxBytes+1))
	if err != nil {
		return nil, s.failure("snapshot URL: reading the body: ", "GET "+s.public+": reading the body", err)
	}
	if n > s.maxBytes {
		return nil, tooLarge("more than " + fmt.Sprint(s.maxBytes))
	}
	if resp.ContentLength >= 0 && n != resp.ContentLength { // the transport reports this itself; belt and braces
		return nil, &fetchError{
			reason: "snapshot URL: body cut short",
			err:    fmt.Errorf("GET %s: body of %d bytes, Content-Length %d", s.public, n, resp.ContentLength),
		}
	}
	return b.Bytes(), nil
}

// failure describes a network error: its kind for clients, the error
// without the URL's credentials or query string for the log.
func (s *urlOrigin) failure(prefix, op string, err error) error {
	kind := errorKind(err)
	if ue, ok := errors.AsType[*url.Error](err); ok {
		err = ue.Err // its message holds the URL, query string included
	}
	msg := err.Error()
	for _, secret := range s.secrets {
		if len(secret) >= 3 {
			msg = strings.ReplaceAll(msg, secret, "[redacted]")
		}
	}
	if op == "GET" {
		op += " " + s.public
	}
	return &fetchError{reason: prefix + kind, err: fmt.Errorf("%s: %w", op, scrubbed{msg, err})}
}

// scrubbed is an error whose message had secrets removed.
type scrubbed struct {
	msg string
	err error
}

func (e scrubbed) Error() string { return e.msg }
func (e scrubbed) Unwrap() error { return e.err }

// errorKind names a network error in a few words, without addresses.
func errorKind(err error) string {
	var netErr net.Error
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timed out"
	case errors.As(err, &netErr) && netErr.Timeout():
		return "timed out"
	case errors.Is(err, context.Canceled):
		return "cancelled"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET):
		return "connection reset"
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return "connection closed early"
	}
	if _, ok := errors.AsType[*net.DNSError](err); ok {
		return "host not found"
	}
	if _, ok := errors.AsType[*tls.CertificateVerificationError](err); ok {
		return "TLS certificate not trusted"
	}
	if _, ok := errors.AsType[x509.HostnameError](err); ok {
		return "TLS certificate not trusted"
	}
	if _, ok := errors.AsType[tls.RecordHeaderError](err); ok {
		return "TLS handshake failed"
	}
	if ue, ok := errors.AsType[*url.Error](err); ok && strings.Contains(ue.Err.Error(), "redirect") {
		return "redirect refused"
	}
	return "request failed"
}

// drain reads a little of a body we do not want, so that the connection
// can be reused.
func drain(r io.Reader) { _, _ = io.Copy(io.Discard, io.LimitReader(r, 64<<10)) }

// badOrigin is an invalid snapshot URL given to [NewStore]: every load
// fails saying so.
type badOrigin struct{ err error }

func (b badOrigin) fetch(context.Context, bool) (*fetched, error) {
	return nil, &fetchError{reason: "invalid snapshot URL", err: b.err}
}
func (badOrigin) location() string { return "(invalid snapshot URL)" }
func (badOrigin) logKey() string   { return "url" }
func (badOrigin) remote() bool     { return true }
