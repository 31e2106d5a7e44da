//go:build browser

package browser

import (
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// The change feed as the build writes it (generator/changes.go): the
// releases kept, one release's changes, an entity's changes.
type (
	feedLog struct {
		Releases []struct {
			ID      string `json:"id"`
			Release string `json:"release"`
		} `json:"releases"`
	}
	feedChange struct {
		Type       string   `json:"type"`
		Change     string   `json:"change"`
		Text       string   `json:"text"`
		Courses    []string `json:"courses"`
		Rooms      []string `json:"rooms"`
		StudyPlans []string `json:"studyplans"`
	}
	feedSet struct {
		ID      string       `json:"id"`
		Release string       `json:"release"`
		Changes []feedChange `json:"changes"`
	}
	feedEntity struct {
		Releases []struct {
			ID      string       `json:"id"`
			Release string       `json:"release"`
			Changes []feedChange `json:"changes"`
			More    int          `json:"more"`
		} `json:"releases"`
	}
)

// changeFeed reads the campus tree's change feed: its two newest
// releases' changes, the newest the release the page shows (the tree
// scripts/browser-test.sh builds three times).
func changeFeed(t *testing.T, srv server) (newest, older feedSet) {
	t.Helper()
	log := getJSON[feedLog](t, srv.url+"/api/changes/index.json")
	if len(log.Releases) < 2 {
		t.Fatalf("the change feed of %s lists %d releases, want 2 or more: build the tree three times, as scripts/browser-test.sh does", srv.url, len(log.Releases))
	}
	cfg := getJSON[struct {
		Release string `json:"release"`
	}](t, srv.url+"/app/config.json")
	if log.Releases[0].Release != cfg.Release {
		t.Fatalf("the newest release of the change feed is %.12s, the tree's %.12s", log.Releases[0].Release, cfg.Release)
	}
	newest = getJSON[feedSet](t, srv.url+"/api/changes/"+log.Releases[0].ID+".json")
	older = getJSON[feedSet](t, srv.url+"/api/changes/"+log.Releases[1].ID+".json")
	return newest, older
}

// concerned returns the names of a collection that the changes concern.
func concerned(changes []feedChange, collection string) []string {
	var out []string
	for _, ch := range changes {
		switch collection {
		case "rooms":
			out = append(out, ch.Rooms...)
		case "courses":
			out = append(out, ch.Courses...)
		case "studyplans":
			out = append(out, ch.StudyPlans...)
		}
	}
	return out
}

// removed returns the names of the rooms, courses or study plans the
// changes removed.
func removed(changes []feedChange, typ string) []string {
	var out []string
	for _, ch := range changes {
		if ch.Type == typ && ch.Change == "removed" {
			out = append(out, concerned([]feedChange{ch}, typ+"s")...)
		}
	}
	return out
}

func texts(changes []feedChange) []string {
	out := make([]string, len(changes))
	for i, ch := range changes {
		out[i] = ch.Text
	}
	return out
}

// checkFeedLinks checks an entity page's two feeds: the calendar feed and,
// beside it, the Atom feed of its changes, which the server serves.
func checkFeedLinks(t *testing.T, tb *tab, collection, name string) {
	t.Helper()
	links := eval[[]string](tb, `[...document.querySelectorAll('ul.links a.feed')].map(a => a.type + ' ' + a.href)`)
	base := "/api/" + collection + "/" + url.PathEscape(name)
	if len(links) != 2 || !strings.HasPrefix(links[0], "text/calendar ") || !strings.HasSuffix(links[0], base+".ics") ||
		!strings.HasPrefix(links[1], "application/atom+xml ") || !strings.HasSuffix(links[1], base+"/changes.atom") {
		t.Errorf("%s %s: feed links %q, want its calendar feed then its Atom feed", collection, name, links)
		return
	}
	checkAtom(t, links[1][len("application/atom+xml "):])
}

// checkAtom checks that href serves an Atom feed.
func checkAtom(t *testing.T, href string) {
	t.Helper()
	res, err := http.Get(href)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/atom+xml") || !strings.Contains(string(body), "<feed") {
		t.Errorf("Atom feed %s: %d %s %.80q", href, res.StatusCode, res.Header.Get("Content-Type"), body)
	}
}

// TestChangesOnEntityPages: the pages of a course, a room and a study plan
// the release shown changed open with a block "Changed in this release"
// near their top, listing the changes their changes.json gives (as text:
// the course's new name holds markup) and linking the release's changes;
// a room only an older release changed says so in a line; an unchanged
// course shows neither; a study plan the release removed shows its 404
// with its last changes. Each page links its Atom feed beside its calendar feed.
func TestChangesOnEntityPages(t *testing.T) {
	srv := servers(t)[0]
	newest, older := changeFeed(t, srv)
	first := func(collection string) string {
		t.Helper()
		for _, name := range concerned(newest.Changes, collection) {
			if !slices.Contains(removed(newest.Changes, strings.TrimSuffix(collection, "s")), name) {
				return name
			}
		}
		t.Fatalf("the newest release changes no %s: the test proves nothing", collection)
		return ""
	}
	for _, e := range []struct{ collection, name string }{
		{"courses", first("courses")}, {"rooms", first("rooms")}, {"studyplans", first("studyplans")},
	} {
		t.Run(e.collection+"/"+e.name, func(t *testing.T) {
			ec := getJSON[feedEntity](t, srv.url+"/api/"+e.collection+"/"+url.PathEscape(e.name)+"/changes.json")
			if len(ec.Releases) == 0 || ec.Releases[0].ID != newest.ID {
				t.Fatalf("changes.json of %s does not list the newest release %s", e.name, newest.ID)
			}
			tb := open(t, srv.url, phone, deviceZone, "#/"+e.collection+"/"+url.PathEscape(e.name)+"?now="+testNow)
			if got := eval[string](tb, `document.getElementById('changed-title')?.textContent ?? ''`); got != "Changed in this release" {
				t.Fatalf("no block \"Changed in this release\" (heading %q)", got)
			}
			got := eval[[]string](tb, `[...document.querySelectorAll('#changed li')].map(li => li.textContent)`)
			if want := texts(ec.Releases[0].Changes); !slices.Equal(got, want) {
				t.Errorf("changes listed:\n page: %q\n JSON: %q", got, want)
			}
			if href := eval[string](tb, `document.querySelector('#changed a[href^="#/changes/"]')?.getAttribute('href') ?? ''`); href != "#/changes/"+newest.ID {
				t.Errorf("link to the release's changes %q, want #/changes/%s", href, newest.ID)
			}
			// Clearly visible: within the phone's first screen.
			if top := eval[float64](tb, `document.getElementById('changed').getBoundingClientRect().top`); top > float64(phone.height)*0.6 {
				t.Errorf("the block starts %.0f px down a %d px screen", top, phone.height)
			}
			if eval[bool](tb, `document.getElementById('changes-recent') !== null`) {
				t.Error("both the block and the line of recent changes")
			}
			// The course's new name holds an <img onerror>: shown as text.
			if eval[int](tb, `document.querySelectorAll('img').length`) != 0 {
				t.Error("markup from the data made an element")
			}
			checkFeedLinks(t, tb, e.collection, e.name)
			tb.noStrayText(e.collection + " " + e.name)
			tb.clean(true)
		})
	}
	if course := first("courses"); !strings.Contains(strings.Join(texts(newest.Changes), "\n"), "<img") {
		t.Errorf("no change text holds markup: course %s was not renamed as scripts/browser-test.sh does", course)
	}

	// A room with more changes than its changes.json lists: the first
	// ten shown, the others folded, the rest counted.
	t.Run("more", func(t *testing.T) {
		room, n, more := "", 0, 0
		for _, name := range concerned(newest.Changes, "rooms") {
			ec := getJSON[feedEntity](t, srv.url+"/api/rooms/"+url.PathEscape(name)+"/changes.json")
			if len(ec.Releases) > 0 && ec.Releases[0].More > 0 {
				room, n, more = name, len(ec.Releases[0].Changes), ec.Releases[0].More
				break
			}
		}
		if room == "" || n <= 10 {
			t.Fatal("no room with more changes than its changes.json lists")
		}
		tb := open(t, srv.url, phone, deviceZone, "#/rooms/"+url.PathEscape(room)+"?now="+testNow)
		shown := eval[int](tb, `[...document.querySelectorAll('#changed li')].filter(li => li.checkVisibility()).length`)
		all := eval[int](tb, `document.querySelectorAll('#changed li').length`)
		if shown != 10 || all != n {
			t.Errorf("room %s: %d changes shown and %d listed, want 10 of the %d of its changes.json", room, shown, all, n)
		}
		if s := eval[string](tb, `document.querySelector('#changed summary')?.textContent ?? ''`); s != "Show "+strconv.Itoa(n-10)+" other changes" {
			t.Errorf("room %s: summary %q", room, s)
		}
		if s := eval[string](tb, `document.querySelector('#changed .changed-more')?.textContent ?? ''`); s != "… and "+strconv.Itoa(more)+" more. " {
			t.Errorf("room %s: %q, want the %d changes left out", room, s, more)
		}
		tb.do(chromedp.Click(chromedp.CSS(`#changed summary`)))
		tb.wait(`[...document.querySelectorAll('#changed li')].every(li => li.checkVisibility())`)
		tb.noStrayText("room " + room)
		tb.clean(true)
	})

	t.Run("older", func(t *testing.T) {
		var room string
		for _, name := range concerned(older.Changes, "rooms") {
			if !slices.Contains(concerned(newest.Changes, "rooms"), name) {
				room = name
				break
			}
		}
		if room == "" {
			t.Fatal("no room changed by the older release only")
		}
		tb := open(t, srv.url, desktop, deviceZone, "#/rooms/"+url.PathEscape(room)+"?now="+testNow)
		if eval[bool](tb, `document.getElementById('changed') !== null`) {
			t.Errorf("%s: a block \"Changed in this release\", but only an older release changed it", room)
		}
		line := eval[string](tb, `document.getElementById('changes-recent')?.textContent ?? ''`)
		href := eval[string](tb, `document.querySelector('#changes-recent a')?.getAttribute('href') ?? ''`)
		if !strings.HasPrefix(line, "Recent changes: ") || href != "#/changes/"+older.ID {
			t.Errorf("%s: recent changes %q linking %q, want a line linking #/changes/%s", room, line, href, older.ID)
		}
		checkFeedLinks(t, tb, "rooms", room)
		tb.noStrayText("room " + room)
		tb.clean(true)
	})

	t.Run("unchanged", func(t *testing.T) {
		changed := append(concerned(newest.Changes, "courses"), concerned(older.Changes, "courses")...)
		courses := getJSON[[]struct {
			Code string `json:"code"`
		}](t, srv.url+"/api/courses")
		code := ""
		for _, c := range courses {
			if !slices.Contains(changed, c.Code) {
				code = c.Code
				break
			}
		}
		if ec := getJSON[feedEntity](t, srv.url+"/api/courses/"+url.PathEscape(code)+"/changes.json"); len(ec.Releases) != 0 {
			t.Fatalf("course %s: changes.json lists %d releases, want none", code, len(ec.Releases))
		}
		tb := open(t, srv.url, phone, deviceZone, "#/courses/"+url.PathEscape(code)+"?now="+testNow)
		if eval[bool](tb, `document.getElementById('changed') !== null || document.getElementById('changes-recent') !== null`) {
			t.Errorf("course %s, unchanged, shows changes", code)
		}
		checkFeedLinks(t, tb, "courses", code)
		tb.noStrayText("course " + code)
		tb.clean(true)
	})

	t.Run("removed", func(t *testing.T) {
		plans := removed(newest.Changes, "studyplan")
		if len(plans) == 0 {
			t.Fatal("the newest release removes no study plan")
		}
		ec := getJSON[feedEntity](t, srv.url+"/api/studyplans/"+plans[0]+"/changes.json")
		tb := open(t, srv.url, phone, deviceZone, "#/studyplans/"+plans[0])
		if h1 := eval[string](tb, `document.querySelector('h1').textContent`); h1 != plans[0] {
			t.Errorf("removed study plan: title %q", h1)
		}
		if msg := eval[string](tb, `document.querySelector('[role=alert]').textContent`); !strings.HasPrefix(msg, "Studyplan not found") {
			t.Errorf("removed study plan: message %q", msg)
		}
		got := eval[[]string](tb, `[...document.querySelectorAll('#changed li')].map(li => li.textContent)`)
		if want := texts(ec.Releases[0].Changes); !slices.Equal(got, want) {
			t.Errorf("removed study plan: changes listed %q, want %q", got, want)
		}
		if href := eval[string](tb, `document.querySelector('a.feed[type="application/atom+xml"]')?.href ?? ''`); !strings.HasSuffix(href, "/api/studyplans/"+plans[0]+"/changes.atom") {
			t.Errorf("removed study plan: Atom link %q", href)
		}
		tb.noStrayText("removed study plan")
		tb.clean(false) // the plan's JSON is a 404
	})
}

// changeGroupTitles are the headings of the changes page's groups.
var changeGroupTitles = map[string]string{
	"semester": "Semesters", "room": "Rooms", "teacher": "Teachers", "course": "Courses",
	"studyplan": "Study plans", "session": "Weekly sessions", "booking": "Bookings",
}

// TestChangesPage: #/changes (in the main navigation) lists the releases
// of the change feed, newest first, and the newest release's changes
// grouped by type, each linking what it concerns; its links lead to the
// pages they name; #/changes/<id> shows one release; an unknown one is a
// 404; a tree whose feed is empty says so.
func TestChangesPage(t *testing.T) {
	srv := servers(t)[0]
	newest, older := changeFeed(t, srv)
	log := getJSON[feedLog](t, srv.url+"/api/changes/index.json")

	tb := open(t, srv.url, desktop, deviceZone, "#/free?now="+testNow)
	tb.wait(`document.getElementById('results').dataset.state === 'done'`)
	tb.do(chromedp.Click(chromedp.CSS(`.main-nav a[data-nav="changes"]`)))
	tb.wait(`location.hash === '#/changes' && document.getElementById('change-set') !== null && document.documentElement.dataset.ready === 'true'`)
	if cur := eval[string](tb, `document.querySelector('.main-nav a[data-nav="changes"]').getAttribute('aria-current') ?? ''`); cur != "page" {
		t.Errorf("nav link Changes: aria-current %q", cur)
	}
	if h1 := eval[string](tb, `document.querySelector('h1').textContent`); h1 != "Changes" {
		t.Errorf("title %q", h1)
	}
	var wantIDs []string
	for _, r := range log.Releases {
		wantIDs = append(wantIDs, r.ID)
	}
	if ids := eval[[]string](tb, `[...document.querySelectorAll('#releases li')].map(li => li.dataset.id)`); !slices.Equal(ids, wantIDs) {
		t.Errorf("releases listed %v, want %v", ids, wantIDs)
	}
	if id := eval[string](tb, `document.getElementById('change-set').dataset.id`); id != newest.ID {
		t.Errorf("latest changes of %s, want %s", id, newest.ID)
	}
	// Grouped by type, in the feed's order of sheets (its changes come in
	// that order), each with the links of what it concerns.
	type item struct {
		Type, Text string
		Hrefs      []string
	}
	// Each type's list shows 100 changes, then the others on demand.
	type group struct {
		Type         string
		Shown, Items int
	}
	var wantGroups []group
	for _, ch := range newest.Changes {
		if n := len(wantGroups); n == 0 || wantGroups[n-1].Type != ch.Type {
			wantGroups = append(wantGroups, group{Type: ch.Type})
		}
		g := &wantGroups[len(wantGroups)-1]
		g.Items++
		g.Shown = min(g.Items, 100)
	}
	folded := false
	for _, g := range wantGroups {
		folded = folded || g.Items > g.Shown
	}
	if !folded {
		t.Error("no type has more than 100 changes: the test proves nothing of the button")
	}
	if groups := eval[[]group](tb, `[...document.querySelectorAll('#change-set .change-group')].map(g => ({Type: g.dataset.type, Shown: g.querySelectorAll('li').length, Items: 0}))`); len(groups) != len(wantGroups) {
		t.Errorf("%d groups, want %d", len(groups), len(wantGroups))
	} else {
		for i, g := range groups {
			if g.Type != wantGroups[i].Type || g.Shown != wantGroups[i].Shown {
				t.Errorf("group %d: %s with %d changes shown, want %s with %d", i, g.Type, g.Shown, wantGroups[i].Type, wantGroups[i].Shown)
			}
		}
	}
	eval[any](tb, `document.querySelectorAll('#change-set .change-group > button').forEach(b => b.click()); 0`)
	if tag := eval[string](tb, `document.activeElement.tagName`); tag != "LI" {
		t.Errorf("after \"Show all\", the focus is on %s, want the first change it showed", tag)
	}
	got := eval[[]item](tb, `[...document.querySelectorAll('#change-set li.change')].map(li => ({
		Type: li.closest('.change-group').dataset.type, Text: li.querySelector('.change-text').textContent,
		Hrefs: [...li.querySelectorAll('.change-concerns a')].map(a => a.getAttribute('href'))}))`)
	var want []item
	groups := map[string]int{}
	var order []string
	for _, ch := range newest.Changes {
		var hrefs []string
		for _, c := range []struct {
			route string
			names []string
		}{{"rooms", ch.Rooms}, {"courses", ch.Courses}, {"studyplans", ch.StudyPlans}} {
			for _, n := range c.names[:min(len(c.names), 8)] { // the page links 8 of each
				hrefs = append(hrefs, "#/"+c.route+"/"+url.PathEscape(n))
			}
		}
		want = append(want, item{ch.Type, ch.Text, hrefs})
		if groups[ch.Type] == 0 {
			order = append(order, ch.Type)
		}
		groups[ch.Type]++
	}
	if len(order) < 3 {
		t.Fatalf("the newest release has changes of %d types: want several", len(order))
	}
	if len(got) != len(want) {
		t.Errorf("%d changes listed, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		g, w := got[i], want[i]
		if g.Type != w.Type || g.Text != w.Text || !slices.Equal(g.Hrefs, w.Hrefs) {
			t.Errorf("change %d:\n page %+v\n want %+v", i, g, w)
		}
	}
	var wantHeads []string
	for _, typ := range order {
		wantHeads = append(wantHeads, changeGroupTitles[typ]+" ("+strconv.Itoa(groups[typ])+")")
	}
	if heads := eval[[]string](tb, `[...document.querySelectorAll('#change-set h3')].map(h => h.textContent)`); !slices.Equal(heads, wantHeads) {
		t.Errorf("groups %q, want %q", heads, wantHeads)
	}
	checkAtom(t, eval[string](tb, `document.querySelector('a.feed[type="application/atom+xml"]').href`))
	if href := eval[string](tb, `document.querySelector('a.feed[type="application/atom+xml"]').href`); !strings.HasSuffix(href, "/api/changes/index.atom") {
		t.Errorf("Atom link %s", href)
	}

	// A room a change concerns: its page, with its block.
	room := newest.Changes[slices.IndexFunc(newest.Changes, func(ch feedChange) bool { return ch.Type == "session" && len(ch.Rooms) > 0 })].Rooms[0]
	tb.do(chromedp.Click(chromedp.CSS(`#change-set .change-group[data-type="session"] .change-concerns a[href="#/rooms/` + url.PathEscape(room) + `"]`)))
	tb.wait(`document.querySelector('h1[data-room]')?.dataset.room === ` + jsString(room) + ` && document.documentElement.dataset.ready === 'true'`)
	if !eval[bool](tb, `document.getElementById('changed') !== null`) {
		t.Errorf("room %s, reached from the changes page, shows no block of changes", room)
	}
	// Back, then the older release's page.
	tb.do(chromedp.NavigateBack())
	tb.wait(`document.getElementById('releases') !== null && document.documentElement.dataset.ready === 'true'`)
	tb.do(chromedp.Click(chromedp.CSS(`#releases a[href="#/changes/` + older.ID + `"]`)))
	tb.wait(`document.querySelector('h1[data-set]')?.dataset.set === ` + jsString(older.ID) + ` && document.documentElement.dataset.ready === 'true'`)
	if h1 := eval[string](tb, `document.querySelector('h1').textContent`); h1 != "Changes of release "+older.Release[:12] {
		t.Errorf("older release's page: title %q", h1)
	}
	if got := eval[[]string](tb, `[...document.querySelectorAll('#change-set li.change .change-text')].map(e => e.textContent)`); !slices.Equal(got, texts(older.Changes)) {
		t.Errorf("older release's changes %q, want %q", got, texts(older.Changes))
	}
	if focused := eval[string](tb, `document.activeElement.tagName`); focused != "H1" {
		t.Errorf("after navigation the focus is on %s, want the page's H1", focused)
	}
	if eval[int](tb, `document.querySelectorAll('img').length`) != 0 {
		t.Error("markup from the data made an element")
	}
	tb.noStrayText("older release's changes")
	tb.clean(true)

	for _, id := range []string{"000000000000", "NOT-AN-ID"} {
		tb = open(t, srv.url, phone, deviceZone, "#/changes/"+id)
		if h1 := eval[string](tb, `document.querySelector('h1').textContent`); h1 != "Not found" {
			t.Errorf("#/changes/%s: title %q, want Not found", id, h1)
		}
		if msg := eval[string](tb, `document.querySelector('[role=alert]').textContent`); !strings.HasPrefix(msg, "No changes at this address") {
			t.Errorf("#/changes/%s: message %q", id, msg)
		}
		tb.clean(false) // the set's file is a 404
	}
}

// TestChangesEmpty: a tree built once has an empty change feed: its
// changes page says that no change was published, and its entity pages
// show none.
func TestChangesEmpty(t *testing.T) {
	all := servers(t)
	if len(all) < 2 {
		t.Fatal("-base-rfc3339 is required: its tree, built once, has an empty change feed")
	}
	srv := all[1]
	if log := getJSON[feedLog](t, srv.url+"/api/changes/index.json"); len(log.Releases) != 0 {
		t.Fatalf("%s: the change feed lists %d releases, want none (a tree built once)", srv.url, len(log.Releases))
	}
	tb := open(t, srv.url, phone, deviceZone, "#/changes")
	if msg := eval[string](tb, `document.getElementById('changes-none')?.textContent ?? ''`); !strings.HasPrefix(msg, "No change published yet") {
		t.Errorf("empty feed: %q", msg)
	}
	if n := eval[int](tb, `document.querySelectorAll('#releases li, li.change').length`); n != 0 {
		t.Errorf("empty feed: %d items listed", n)
	}
	tb.noStrayText("empty feed")
	tb.clean(true)
	tb = open(t, srv.url, phone, deviceZone, "#/rooms/"+testRoom+"?now="+testNow)
	if eval[bool](tb, `document.getElementById('changed') !== null || document.getElementById('changes-recent') !== null`) {
		t.Error("a room of a tree built once shows changes")
	}
	checkFeedLinks(t, tb, "rooms", testRoom)
	tb.clean(true)
}
