package generator

import (
	"embed"
	"fmt"
	"io/fs"
	"occupancy/generator/tree"
	"path"
	"time"
)

// webTree holds the page's static files, written to the tree as they are.
//
//go:embed web
var webTree embed.FS

// WebConfig is app/config.json: what the page needs to know about the
// release it was built with. A deployment may edit the file (or open the
// page with ?api=<base>) to send the API's requests elsewhere.
type WebConfig struct {
	// TimeZone is the IANA name of the campus time zone: the page shows
	// every time in it, whatever the device's zone.
	TimeZone string `json:"timeZone"`
	// RFC3339 is true when datetimes carry their true offset; false when
	// they are campus wall-clock times written with a Z.
	RFC3339 bool `json:"rfc3339"`
	// APIBase is prefixed to the API's paths ("https://example.org" gives
	// https://example.org/api/rooms); "" means the page's own origin
	// (paths relative to the page: api/rooms).
	APIBase string `json:"apiBase"`
	// Release is the release's id ([tree.ReleaseID]): the one the
	// manifest, the snapshot and the sidecar's /readyz carry. The page
	// shows it at its foot, so that what a reader sees can be traced to
	// a release.
	Release string `json:"release"`
}

// WebConfigOf returns the page's configuration for the release of id
// release rendered with opt. The zone is opt.Location's name; without one it is
// [FeedZone], as for the calendar feeds, except that RFC 3339 datetimes
// are then written in UTC and the page is told so.
func WebConfigOf(opt Options, release string) WebConfig {
	zone := FeedZone
	switch {
	case opt.Location != nil:
		zone = opt.Location.String()
	case opt.RFC3339:
		zone = time.UTC.String()
	}
	return WebConfig{TimeZone: zone, RFC3339: opt.RFC3339, Release: release}
}

// WebFiles returns the page for people: index.html, its files under app/,
// and app/config.json made from opt and the release's id. The page reads
// the API's JSON files and calls the sidecar's searches; it needs no
// build step.
func WebFiles(opt Options, release string) ([]tree.File, error) {
	var files []tree.File
	err := fs.WalkDir(webTree, "web", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := webTree.ReadFile(p)
		if err != nil {
			return err
		}
		rel := p[len("web/"):]
		if rel == tree.WebConfigPath {
			return fmt.Errorf("%s is generated; remove it from generator/web", rel)
		}
		if rel != tree.WebIndexPath && path.Dir(rel) != tree.WebDir {
			return fmt.Errorf("%s: the page's files are index.html and app/<file>", rel)
		}
		files = append(files, tree.File{Path: rel, Kind: tree.KindWeb, Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("web files: %w", err)
	}
	cfg, err := encode(WebConfigOf(opt, release))
	if err != nil {
		return nil, fmt.Errorf("encode %s: %w", tree.WebConfigPath, err)
	}
	return append(files, tree.File{Path: tree.WebConfigPath, Kind: tree.KindWeb, Data: cfg}), nil
}
