// Package tree is the published tree of the Occupancy FLEP API: where
// each file lives (its layout, shared by the build, the sidecar's static
// server and the upload to object storage), the manifest that lists every
// file with its hash, the precompressed copies, and the atomic publication
// of a tree into an output folder that one build at a time owns and locks.
// What the files hold is the generator's business; the tree only places,
// hashes, compresses and publishes bytes.
//
// Beside an output folder "public", a build keeps its lock
// (".public.lock", while it runs), writes its new trees (".public.new-*",
// swapped in, or left by a killed build and removed by the next one) and
// keeps the standby (".public.standby"): the tree the last swap took out,
// which the next build updates in place into its tree, so that a rebuild
// costs in proportion to what changed (see [Writer]). Any of them can be
// deleted by hand between builds.
package tree

import (
	"path"
	"strings"
)

// File is one file of the tree.
type File struct {
	Path string // slash-separated, relative to the tree's root
	Kind string
	Data []byte
	// Encoding is "gzip" or "br" for a precompressed copy of another file
	// (Path is the original's with ".gz" or ".br" added), "" otherwise.
	Encoding string
	// Inputs is a hash of everything the file was rendered from, "" when
	// unknown: a build whose file of that path would have the same inputs
	// may keep the published one without rendering it (see
	// [Writer.Reuse]). It is recorded in the manifest.
	Inputs string
}

// Kinds of published files, as counted in a [Report].
const (
	KindCourses       = "courses"        // api/courses/index.json
	KindCourse        = "course"         // api/courses/<code>/index.json
	KindStudyPlans    = "studyplans"     // api/studyplans/index.json
	KindStudyPlan     = "studyplan"      // api/studyplans/<id>/index.json
	KindRooms         = "rooms"          // api/rooms/index.json
	KindRoom          = "room"           // api/rooms/<name>/index.json
	KindRoomFeed      = "room.ics"       // api/rooms/<name>.ics
	KindCourseFeed    = "course.ics"     // api/courses/<code>.ics
	KindStudyPlanFeed = "studyplan.ics"  // api/studyplans/<id>.ics
	KindOpenAPI       = "openapi"        // api/openapi.json
	KindAPIDocs       = "apidocs"        // api/docs/index.html
	KindSnapshot      = "snapshot"       // occupancy.snapshot
	KindWeb           = "web"            // index.html and app/<file>: the page for people
	KindRelease       = "release"        // release.json: the checked release, for the next build to compare with
	KindChangeLog     = "changes"        // api/changes/index.json, index.atom and <id>.json: what each release changed
	KindEntityChanges = "changes.entity" // api/<collection>/<name>/changes.json and changes.atom
)

// IndexName is the file that holds a URL's JSON inside its folder:
// GET /api/rooms/CO1 is served from api/rooms/CO1/index.json.
const IndexName = "index.json"

// URLPath returns the tree path of the file served at an API URL path
// such as "/api/rooms/CO1".
func URLPath(url string) string {
	return path.Join(strings.TrimPrefix(url, "/"), IndexName)
}

// ListPath returns the tree path of a collection's list ("rooms",
// "courses" or "studyplans"): api/rooms/index.json.
func ListPath(collection string) string {
	return "api/" + collection + "/" + IndexName
}

// DetailPath returns the tree path of one entity's JSON: DetailPath("rooms",
// "CO1") is api/rooms/CO1/index.json. name must be one path element.
func DetailPath(collection, name string) string {
	return "api/" + collection + "/" + name + "/" + IndexName
}

// FeedExt ends the name of every calendar feed. The feed of room CO1 is
// api/rooms/CO1.ics, served at /api/rooms/CO1.ics, beside the folder
// api/rooms/CO1/ that holds the room's JSON.
const FeedExt = ".ics"

// FeedPath returns the tree path of the feed of an entity of a collection
// ("rooms", "courses" or "studyplans"): FeedPath("rooms", "CO1") is
// "api/rooms/CO1.ics".
func FeedPath(collection, name string) string {
	return "api/" + collection + "/" + name + FeedExt
}

// Paths of the API's description in the published tree. The page is
// served at /api/docs, beside the JSON routes (/api/rooms, /api/courses,
// /api/studyplans) and never one of them.
const (
	OpenAPIPath = "api/openapi.json"
	APIDocsPath = "api/docs/index.html"
)

// Paths of the page for people in the published tree. The page is served
// at / (index.html); its scripts, styles and configuration under /app/.
const (
	WebIndexPath  = "index.html"
	WebDir        = "app"
	WebConfigPath = "app/config.json"
)

// WebPath returns the tree path of a file of the page for people, given
// its name under [WebDir].
func WebPath(name string) string { return WebDir + "/" + name }

// IsWebPath reports whether p is a file of the page for people:
// index.html or a file under app/.
func IsWebPath(p string) bool { return p == WebIndexPath || strings.HasPrefix(p, WebDir+"/") }

// Paths of the change feed: what each of the last releases changed, as
// the build compared it with the release it replaced. ChangeLogPath lists
// the releases kept, newest first; ChangeSetPath holds one release's
// changes; ChangeFeedPath is the same as an Atom feed.
const (
	ChangesDir     = "api/changes"
	ChangeLogPath  = ChangesDir + "/" + IndexName
	ChangeFeedPath = ChangesDir + "/index" + AtomExt
)

// AtomExt ends the name of every Atom feed of changes.
const AtomExt = ".atom"

// ChangeSetPath returns the tree path of the changes of the release whose
// short id (the first 12 hex digits of its id) is id:
// "api/changes/0123456789ab.json".
func ChangeSetPath(id string) string { return ChangesDir + "/" + id + ".json" }

// EntityChangesPath returns the tree path of the changes that concern an
// entity of a collection, over the releases kept:
// EntityChangesPath("rooms", "CO1") is "api/rooms/CO1/changes.json".
func EntityChangesPath(collection, name string) string {
	return "api/" + collection + "/" + name + "/" + entityChangesName
}

// entityChangesName is the file of an entity's changes in its folder.
const entityChangesName = "changes.json"

// EntityFeedPath returns the tree path of the Atom feed of the changes
// that concern an entity: "api/rooms/CO1/changes.atom".
func EntityFeedPath(collection, name string) string {
	return "api/" + collection + "/" + name + "/changes" + AtomExt
}

// SnapshotName is the sidecar's snapshot file at the tree's root.
const SnapshotName = "occupancy.snapshot"

// RecordName is the file at the tree's root that records the release it
// was built from (see source.MarshalRelease). The next build compares
// its release with it before publishing; it is not part of the API.
const RecordName = "release.json"
