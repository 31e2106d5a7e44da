package sidecar

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"

	"github.com/valyala/fasthttp"

	"occupancy/generator/tree"
)

// pageCacheControl has the page for people revalidated on every load, so
// that a rebuilt page is never mixed with a cached older one.
const pageCacheControl = "no-cache"

// maxStaticFile bounds the size of a static file read into memory.
const maxStaticFile = 64 << 20

// staticTree serves the build's JSON files for development: GET /api/rooms
// is <dir>/api/rooms/index.json and GET /api/rooms/CO1 is
// <dir>/api/rooms/CO1/index.json. Files are opened per request through
// os.OpenInRoot, so a rebuilt tree is picked up and no name can escape dir.
type staticTree struct {
	dir          string
	cacheControl string
}

// Content types of the tree's files other than JSON.
const (
	contentCalendar = "text/calendar; charset=utf-8"
	contentAtom     = "application/atom+xml; charset=utf-8"
	contentHTML     = "text/html; charset=utf-8"
	contentJS       = "text/javascript; charset=utf-8"
	contentCSS      = "text/css; charset=utf-8"
)

// webContentType returns the Content-Type of a file of the page for
// people (app/<name>) from its extension, or "" for any other extension:
// such files are not served.
func webContentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html":
		return contentHTML
	case ".js", ".mjs":
		return contentJS
	case ".css":
		return contentCSS
	case ".json":
		return contentJSON
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	}
	return ""
}

// staticApp serves app/<name>, a file of the page for people, with the
// Content-Type of its extension; names that are not one path element and
// unknown extensions are 404.
func (s *Server) staticApp(name string) func(*fasthttp.RequestCtx) {
	return func(ctx *fasthttp.RequestCtx) {
		ct := webContentType(name)
		if !validName(name) || ct == "" {
			s.writeError(ctx, &RequestError{Status: fasthttp.StatusNotFound, Message: "Not found"})
			return
		}
		ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
		s.serveFile(ctx, tree.WebPath(name), ct, "Not found")
	}
}

func (s *Server) staticList(kind string) func(*fasthttp.RequestCtx) {
	return func(ctx *fasthttp.RequestCtx) {
		s.serveFile(ctx, tree.ListPath(kind), contentJSON, "Not found")
	}
}

// staticDoc serves one file of the tree at a fixed path: the OpenAPI
// document and its page.
func (s *Server) staticDoc(rel, contentType string) func(*fasthttp.RequestCtx) {
	return func(ctx *fasthttp.RequestCtx) {
		s.serveFile(ctx, rel, contentType, "Not found")
	}
}

// staticDetail serves <kind>/<name>/index.json, or the calendar feed
// <kind>/<name>.ics beside it when name ends in ".ics".
func (s *Server) staticDetail(kind, name, notFound string) func(*fasthttp.RequestCtx) {
	return func(ctx *fasthttp.RequestCtx) {
		if !validName(name) {
			s.writeError(ctx, &RequestError{Status: fasthttp.StatusNotFound, Message: notFound})
			return
		}
		if base, ok := strings.CutSuffix(name, tree.FeedExt); ok {
			s.serveFile(ctx, tree.FeedPath(kind, base), contentCalendar, notFound)
			return
		}
		s.serveFile(ctx, tree.DetailPath(kind, name), contentJSON, notFound)
	}
}

// staticEntityChanges serves the changes of one entity, the file at
// file(kind, name) (tree.EntityChangesPath or tree.EntityFeedPath); a
// name that cannot be one path element is a 404 with notFound.
func (s *Server) staticEntityChanges(kind, name, notFound string, file func(collection, name string) string, contentType string) func(*fasthttp.RequestCtx) {
	return func(ctx *fasthttp.RequestCtx) {
		if !validName(name) {
			s.writeError(ctx, &RequestError{Status: fasthttp.StatusNotFound, Message: notFound})
			return
		}
		s.serveFile(ctx, file(kind, name), contentType, notFound)
	}
}

// changeIDLen is the length of a release's short id in the change feed's
// paths: 12 hex digits, as tree.ChangeSetPath documents.
const changeIDLen = 12

// isChangeSetFile reports whether seg names one release's changes under
// /api/changes/: its short id in lower-case hex digits, as published (no
// other case is served: the id is a name, and keeps its case), then
// ".json" (in any case, as the path's fixed parts).
func isChangeSetFile(seg string) bool {
	if len(seg) != changeIDLen+len(".json") || !strings.EqualFold(seg[changeIDLen:], ".json") {
		return false
	}
	for i := range changeIDLen {
		if c := seg[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// validName rejects names that cannot be one path element.
func validName(name string) bool {
	return name != "" && name != "." && name != ".." && !strings.ContainsAny(name, "/\\\x00")
}

func (s *Server) serveFile(ctx *fasthttp.RequestCtx, rel, contentType, notFound string) {
	t := s.static
	if t.dir == "" {
		s.writeError(ctx, &RequestError{Status: fasthttp.StatusNotFound, Message: notFound})
		return
	}
	f, err := openInRoot(t.dir, rel)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.log.Warn("static file", "path", rel, "err", err)
		}
		s.writeError(ctx, &RequestError{Status: fasthttp.StatusNotFound, Message: notFound})
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxStaticFile {
		s.writeError(ctx, &RequestError{Status: fasthttp.StatusNotFound, Message: notFound})
		return
	}
	h := &ctx.Response.Header
	// The build's precompressed copy, when the client accepts it, as
	// nginx's brotli_static and gzip_static send it.
	h.Set("Vary", "Accept-Encoding")
	if cf, cfi, enc := precompressed(t.dir, rel, ctx.Request.Header.Peek("Accept-Encoding")); cf != nil {
		defer cf.Close()
		f, fi = cf, cfi
		h.Set("Content-Encoding", enc)
	}
	etag := fmt.Sprintf(`W/"%x-%x"`, fi.Size(), fi.ModTime().UnixNano())
	h.Set("ETag", etag)
	if tree.IsWebPath(rel) {
		h.Set("Cache-Control", pageCacheControl) // as deploy/nginx.conf serves the page
	} else {
		h.Set("Cache-Control", t.cacheControl)
	}
	ctx.SetContentType(contentType)
	if inm := string(ctx.Request.Header.Peek("If-None-Match")); inm != "" && etagMatch(inm, etag) {
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return
	}
	body, err := io.ReadAll(io.LimitReader(f, maxStaticFile))
	if err != nil {
		s.writeError(ctx, fmt.Errorf("read %s: %w", rel, err))
		return
	}
	ctx.SetBody(body)
}

// openInRoot opens the file rel under dir for reading, as os.OpenInRoot
// does, without waiting on what is not a regular file: a FIFO planted in
// the tree would otherwise hold the request, its worker and an OS thread
// until a writer came. The caller checks that it is a regular file.
func openInRoot(dir, rel string) (*os.File, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	defer root.Close()
	return root.OpenFile(rel, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}

// precompressed opens the build's brotli or gzip copy of rel (rel+".br",
// rel+".gz"), preferring brotli, when acceptEncoding accepts its coding
// and the copy is a regular file; else it returns nil.
func precompressed(dir, rel string, acceptEncoding []byte) (*os.File, os.FileInfo, string) {
	if len(acceptEncoding) == 0 {
		return nil, nil, ""
	}
	for _, coding := range [...]string{tree.EncodingBrotli, tree.EncodingGzip} {
		if !accepts(string(acceptEncoding), coding) {
			continue
		}
		f, err := openInRoot(dir, rel+tree.EncodingSuffix(coding))
		if err != nil {
			continue
		}
		if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() && fi.Size() <= maxStaticFile {
			return f, fi, coding
		}
		f.Close()
	}
	return nil, nil, ""
}

// accepts reports whether an Accept-Encoding header accepts coding: it is
// listed (or "*" is) without q=0.
func accepts(header, coding string) bool {
	star := false
	for part := range strings.SplitSeq(header, ",") {
		token, params, _ := strings.Cut(part, ";")
		token = strings.TrimSpace(token)
		refused := false
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				if q, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && q <= 0 {
					refused = true
				}
			}
		}
		switch {
		case strings.EqualFold(token, coding):
			return !refused
		case token == "*":
			star = !refused
		}
	}
	return star
}

// etagMatch implements the weak comparison of If-None-Match.
func etagMatch(header, etag string) bool {
	want := strings.TrimPrefix(etag, "W/")
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == want {
			return true
		}
	}
	return false
}
