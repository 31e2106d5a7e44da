package generator

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"html"
	"net/url"
	"slices"
	"strconv"
	"strings"

	atom "github.com/gorilla/feeds"

	"occupancy/generator/tree"
)

// noChangeDate is the updated date of a feed with no entry yet: Atom
// requires one, and a build must be able to repeat its bytes.
const noChangeDate = "1970-01-01T00:00:00Z"

// maxFeedLines bounds the changes an entry of the release feed lists in
// its text; its link leads to all of them.
const maxFeedLines = 50

// changeSets returns the change feed's sets after this release, newest
// first: this release's comparison, when it says something, and the sets
// of the tree replaced, at most opt.KeepChanges in all, and no more older
// ones than fit with the newer in opt.MaxKeptChanges changes. A set of
// the replaced tree with the same id as the new one is dropped.
func (r *renderer) changeSets(release string) []*ChangeSet {
	var sets []*ChangeSet
	if s := NewChangeSet(r.opt.Changes, release, r.opt.Previous, r.opt.Date); s != nil {
		s.Partial = r.opt.PartialChanges
		sets = append(sets, s)
	}
	for _, s := range r.opt.History {
		if len(sets) > 0 && s.ID == sets[0].ID {
			continue
		}
		sets = append(sets, s)
	}
	sets = sets[:min(len(sets), r.opt.KeepChanges)]
	budget := r.opt.MaxKeptChanges
	if budget <= 0 {
		budget = DefaultMaxKeptChanges
	}
	total := 0
	for i, s := range sets {
		if total += len(s.Changes); i > 0 && total > budget {
			return sets[:i]
		}
	}
	return sets
}

// changeFiles puts the change feed of the release whose id is release:
// api/changes/index.json, index.atom and a file per set, and for every
// published room, course and study plan (and every one a kept change
// removed) its changes.json and changes.atom. A KeepChanges of 0 or less
// turns the feed off: it puts nothing.
func (r *renderer) changeFiles(e *emitter, release string) error {
	if r.opt.KeepChanges <= 0 {
		return nil
	}
	sets := r.changeSets(release)
	log := ChangeLog{Keep: r.opt.KeepChanges, Releases: make([]ChangeSummary, len(sets))}
	for i, s := range sets {
		log.Releases[i] = s.ChangeSummary
		if err := e.put(s.Path, tree.KindChangeLog, s); err != nil {
			return err
		}
	}
	if err := e.put(tree.ChangeLogPath, tree.KindChangeLog, log); err != nil {
		return err
	}
	if err := e.sink.Put(tree.File{Path: tree.ChangeFeedPath, Kind: tree.KindChangeLog, Data: releaseFeed(sets)}); err != nil {
		return err
	}
	for _, col := range r.changeEntities(sets) {
		for _, name := range col.names {
			ec := col.changes[name]
			if ec == nil {
				ec = &EntityChanges{Releases: []EntityRelease{}}
			}
			// An entity's files follow from the sets that concern it,
			// which never change once published: the same sets, the same
			// bytes, kept without rendering them.
			jsonPath, feedPath := tree.EntityChangesPath(col.collection, name), tree.EntityFeedPath(col.collection, name)
			in := r.inputs.changes(col.collection, name, ec)
			if ok, err := e.reuse(in, jsonPath, feedPath); err != nil || ok {
				if err != nil {
					return err
				}
				continue
			}
			if err := e.putInputs(jsonPath, tree.KindEntityChanges, ec, in); err != nil {
				return err
			}
			feed := entityFeed(col.collection, col.title, name, ec)
			if err := e.sink.Put(tree.File{Path: feedPath, Kind: tree.KindEntityChanges, Data: feed, Inputs: in}); err != nil {
				return err
			}
		}
	}
	return nil
}

// put puts v's JSON at the tree path p.
func (e *emitter) put(p, kind string, v any) error { return e.putInputs(p, kind, v, "") }

// putInputs puts v's JSON at the tree path p, rendered from inputs.
func (e *emitter) putInputs(p, kind string, v any, inputs string) error {
	data, err := encode(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", p, err)
	}
	return e.sink.Put(tree.File{Path: p, Kind: kind, Data: data, Inputs: inputs})
}

// entityCollection is the changes of one collection's entities.
type entityCollection struct {
	collection, title string
	names             []string // sorted
	changes           map[string]*EntityChanges
}

// changeEntities gathers, for each room, course and study plan that has
// a file, the changes of sets that concern it. Those with a file are the
// published ones and those a kept change removed, unless the release
// hides them (a room not available).
func (r *renderer) changeEntities(sets []*ChangeSet) []*entityCollection {
	hidden := map[string]bool{}
	cols := []*entityCollection{
		{collection: "rooms", title: "room"},
		{collection: "courses", title: "course"},
		{collection: "studyplans", title: "study plan"},
	}
	rooms, courses, plans := cols[0], cols[1], cols[2]
	for i := range r.rel.Rooms {
		if room := &r.rel.Rooms[i]; room.Available {
			rooms.names = append(rooms.names, room.Name)
		} else {
			hidden[room.Name] = true
		}
	}
	for i := range r.rel.Courses {
		courses.names = append(courses.names, r.rel.Courses[i].Code)
	}
	for i := range r.rel.StudyPlans {
		plans.names = append(plans.names, r.rel.StudyPlans[i].ID)
	}
	for _, s := range sets {
		for _, ch := range s.Changes {
			if ch.Change != "removed" || ch.Before == nil {
				continue
			}
			switch ch.Type {
			case "room":
				if !hidden[ch.Before.Name] {
					rooms.names = append(rooms.names, ch.Before.Name)
				}
			case "course":
				courses.names = append(courses.names, ch.Before.Code)
			case "studyplan":
				plans.names = append(plans.names, ch.Before.ID)
			}
		}
	}
	for _, col := range cols {
		col.names = sortedSet(col.names)
		col.changes = make(map[string]*EntityChanges)
	}
	for _, s := range sets {
		for i := range s.Changes {
			ch := &s.Changes[i]
			for _, c := range []struct {
				col   *entityCollection
				names []string
			}{{rooms, ch.Rooms}, {courses, ch.Courses}, {plans, ch.StudyPlans}} {
				for _, name := range c.names {
					if _, ok := slices.BinarySearch(c.col.names, name); !ok {
						continue
					}
					ec := c.col.changes[name]
					if ec == nil {
						ec = &EntityChanges{}
						c.col.changes[name] = ec
					}
					if n := len(ec.Releases); n == 0 || ec.Releases[n-1].ID != s.ID {
						ec.Releases = append(ec.Releases, EntityRelease{ID: s.ID, Release: s.Release, Date: s.Date, Path: s.Path})
					}
					last := &ec.Releases[len(ec.Releases)-1]
					if len(last.Changes) < maxEntityChanges {
						last.Changes = append(last.Changes, *ch)
					} else {
						last.More++
					}
				}
			}
		}
	}
	return cols
}

// releaseFeed is api/changes/index.atom: an entry per set.
func releaseFeed(sets []*ChangeSet) []byte {
	f := newFeed("Timetable changes", "urn:uuid:"+uuidOf("occupancy changes"), "../../#/changes")
	for _, s := range sets {
		var b strings.Builder
		b.WriteString("<ul>")
		for _, sh := range s.Sheets {
			fmt.Fprintf(&b, "<li>%s: %s</li>", html.EscapeString(sh.Sheet), countsText(sh.Counts))
		}
		b.WriteString("</ul><ul>")
		for i, ch := range s.Changes {
			if i == maxFeedLines {
				fmt.Fprintf(&b, "<li>… and %d more</li>", len(s.Changes)-i)
				break
			}
			b.WriteString("<li>" + html.EscapeString(ch.Text) + "</li>")
		}
		b.WriteString("</ul>")
		n := s.Counts.Added + s.Counts.Removed + s.Counts.Changed + s.Counts.Moved
		f.Entries = append(f.Entries, &atom.AtomEntry{
			Title:   "Release " + shortID(s.Release) + ": " + plural(n, "change"),
			Id:      "urn:uuid:" + uuidOf("occupancy change set\x00"+s.ID),
			Updated: s.Date,
			Links:   []atom.AtomLink{{Href: "../../#/changes/" + s.ID, Rel: "alternate", Type: "text/html"}},
			Content: &atom.AtomContent{Type: "html", Content: b.String()},
		})
	}
	return marshalFeed(f)
}

// entityFeed is api/<collection>/<name>/changes.atom: an entry per
// release that changed something of the entity.
func entityFeed(collection, title, name string, ec *EntityChanges) []byte {
	page := "../../../#/" + collection + "/" + url.PathEscape(name)
	f := newFeed("Timetable changes of "+title+" "+name, "urn:uuid:"+uuidOf("occupancy changes\x00"+collection+"\x00"+name), page)
	for _, rel := range ec.Releases {
		var b strings.Builder
		b.WriteString("<ul>")
		for _, ch := range rel.Changes {
			b.WriteString("<li>" + html.EscapeString(ch.Text) + "</li>")
		}
		if rel.More > 0 {
			fmt.Fprintf(&b, "<li>… and %d more</li>", rel.More)
		}
		b.WriteString("</ul>")
		f.Entries = append(f.Entries, &atom.AtomEntry{
			Title:   name + ": " + plural(len(rel.Changes)+rel.More, "change") + " in release " + shortID(rel.Release),
			Id:      "urn:uuid:" + uuidOf("occupancy change\x00"+rel.ID+"\x00"+collection+"\x00"+name),
			Updated: rel.Date,
			Links:   []atom.AtomLink{{Href: page, Rel: "alternate", Type: "text/html"}},
			Content: &atom.AtomContent{Type: "html", Content: b.String()},
		})
	}
	return marshalFeed(f)
}

// newFeed starts an Atom feed whose page for people is at the relative
// URL page.
func newFeed(title, id, page string) *atom.AtomFeed {
	return &atom.AtomFeed{
		Xmlns:  "http://www.w3.org/2005/Atom",
		Title:  title,
		Id:     id,
		Link:   &atom.AtomLink{Href: page, Rel: "alternate", Type: "text/html"},
		Author: &atom.AtomAuthor{AtomPerson: atom.AtomPerson{Name: "occupancy"}},
	}
}

// marshalFeed writes f, updated at its newest entry (entries come newest
// first).
func marshalFeed(f *atom.AtomFeed) []byte {
	f.Updated = noChangeDate
	if len(f.Entries) > 0 {
		f.Updated = f.Entries[0].Updated
	}
	var b bytes.Buffer
	if err := atom.WriteXML(f, &b); err != nil {
		panic("changes: Atom feed: " + err.Error()) // strings and links only: cannot fail
	}
	b.WriteByte('\n')
	return b.Bytes()
}

// uuidOf returns a name-based UUID (version 8, from SHA-256) for an Atom
// id: the same name gives the same id in every build.
func uuidOf(name string) string {
	h := sha256.Sum256([]byte(name))
	h[6] = h[6]&0x0f | 0x80
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// shortID is the first 12 hex digits of a release id, as the page shows it.
func shortID(id string) string { return id[:min(len(id), 12)] }

// countsText says "+2 added, 1 moved".
func countsText(c Counts) string {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{c.Added, "added"}, {c.Removed, "removed"}, {c.Changed, "changed"}, {c.Moved, "moved"}} {
		if p.n > 0 {
			parts = append(parts, strconv.Itoa(p.n)+" "+p.what)
		}
	}
	return strings.Join(parts, ", ")
}

// plural says "1 change", "3 changes".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
