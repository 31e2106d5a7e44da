package objstore

import (
	"path"
	"strings"

	"occupancy/generator/tree"
)

// The HTTP headers of the published files. This file is the one place that
// says how each file of a tree is served: the uploader sets them on every
// object, and deploy/nginx.conf and the README document the same values.

// CacheAPI is the Cache-Control of the API's files (JSON, calendar feeds,
// the change feed's JSON and Atom, the OpenAPI page): the same as
// deploy/nginx.conf's.
const CacheAPI = "public, max-age=300"

// CacheRevalidate is the Cache-Control of the files that announce a
// release (manifest.json, occupancy.snapshot) and of the page for people:
// caches must revalidate them so that sidecars, CDN syncs and browsers see
// a new release at once.
const CacheRevalidate = "no-cache"

// ContentTypes maps a file name's extension (lower case, with its dot) to
// its Content-Type. Any other extension is application/octet-stream.
var ContentTypes = map[string]string{
	".json":     "application/json; charset=utf-8",
	".ics":      "text/calendar; charset=utf-8",
	".atom":     "application/atom+xml; charset=utf-8", // the change feed (tree.AtomExt)
	".html":     "text/html; charset=utf-8",
	".js":       "text/javascript; charset=utf-8",
	".css":      "text/css; charset=utf-8",
	".svg":      "image/svg+xml",
	".snapshot": "application/octet-stream",
}

// DefaultContentType is the Content-Type of an extension not in
// [ContentTypes].
const DefaultContentType = "application/octet-stream"

// Headers are the HTTP headers an object is stored and served with.
type Headers struct {
	ContentType     string
	ContentEncoding string // "" for a file that is not a compressed copy
	CacheControl    string
}

// HeadersFor returns the headers of a tree file: a precompressed copy
// (Encoding "gzip" or "br", path "<original>.gz" or ".br") has the
// original's Content-Type and Cache-Control and its own Content-Encoding.
func HeadersFor(e tree.ManifestEntry) Headers {
	p := e.Path
	if e.Encoding != "" {
		p = strings.TrimSuffix(p, tree.EncodingSuffix(e.Encoding))
	}
	return Headers{ContentType: ContentType(p), ContentEncoding: e.Encoding, CacheControl: CacheControl(p)}
}

// ContentType returns the Content-Type of the file at path p (slash
// separated, relative to the tree's root).
func ContentType(p string) string {
	if t, ok := ContentTypes[strings.ToLower(path.Ext(p))]; ok {
		return t
	}
	return DefaultContentType
}

// CacheControl returns the Cache-Control of the file at path p: the files
// that announce a release, and the page for people (index.html and app/,
// so that a browser never mixes an old page with new modules), are
// revalidated; the API's files may be cached for five minutes.
func CacheControl(p string) string {
	switch {
	case p == tree.ManifestName, p == tree.SnapshotName,
		p == tree.WebIndexPath, strings.HasPrefix(p, tree.WebDir+"/"):
		return CacheRevalidate
	}
	return CacheAPI
}
