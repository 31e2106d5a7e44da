//go:build browser

package browser

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The moment most tests look at: a Monday of the fall semester, through
// now= (campus wall-clock time).
const (
	testNow  = "2026-11-30T10:00"
	testRoom = "CO1"
	// A zone far from the campus's, with its own DST dates (1 Nov 2026,
	// 14 Mar 2027): the page must not use it.
	deviceZone = "America/New_York"
)

var zurich = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Zurich")
	if err != nil {
		panic(err)
	}
	return loc
}()

// server is a running sidecar serving one build of the sample.
type server struct {
	name string
	url  string
	rfc  bool // the build ran with -rfc3339
}

func servers(t *testing.T) []server {
	s := []server{{"campus-z", strings.TrimSuffix(*baseURL, "/"), false}}
	if *baseRFC != "" {
		s = append(s, server{"rfc3339", strings.TrimSuffix(*baseRFC, "/"), true})
	} else {
		t.Log("no -base-rfc3339: the -rfc3339 build is not tested")
	}
	return s
}

// wall reads an API datetime into its campus wall-clock time, held in
// the fields of a UTC time.
func wall(t *testing.T, s string, rfc bool) time.Time {
	t.Helper()
	if !rfc {
		w, err := time.Parse("2006-01-02T15:04:05.000Z", s)
		if err != nil {
			t.Fatalf("campus datetime %q: %v", s, err)
		}
		return w
	}
	in, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("RFC 3339 datetime %q: %v", s, err)
	}
	in = in.In(zurich)
	return time.Date(in.Year(), in.Month(), in.Day(), in.Hour(), in.Minute(), in.Second(), 0, time.UTC)
}

func mustLocal(t *testing.T, s string) time.Time {
	t.Helper()
	w, err := time.Parse("2006-01-02T15:04", s)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func getJSON[T any](t *testing.T, u string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(getText(t, u)), &v); err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return v
}

// getText returns the body of a 200 answer to GET u.
func getText(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v %.200s", u, res.StatusCode, err, body)
	}
	return string(body)
}

type freeRoom struct {
	Name      string  `json:"name"`
	FreeUntil *string `json:"free_until"`
}

// sidecarFree asks the sidecar itself the query the page sent.
func sidecarFree(t *testing.T, srv server, query string) []freeRoom {
	t.Helper()
	res, err := http.Post(srv.url+"/api/rooms/find_free_rooms", "application/json", strings.NewReader(query))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("POST find_free_rooms %s: %d %s", query, res.StatusCode, body)
	}
	var rooms []freeRoom
	if err := json.Unmarshal(body, &rooms); err != nil {
		t.Fatal(err)
	}
	return rooms
}

// untilText is how the page writes an end after from: 14:00 the same day,
// else Mon 30 Nov 08:15.
func untilText(end, from time.Time) string {
	if end.Format(time.DateOnly) == from.Format(time.DateOnly) {
		return end.Format("15:04")
	}
	return end.Format("Mon 2 Jan 15:04")
}

// setJS sets form fields and clicks inputs as a person would, firing the
// events the page listens to.
const setJS = `
function set(sel, v) {
  const el = document.querySelector(sel);
  el.value = v;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
}
function click(sel) { document.querySelector(sel).click(); }
`

// checkFreeList compares the page's list with the sidecar's answer to the
// query the page sent, and checks the page sent want (ranges of campus
// time).
func checkFreeList(t *testing.T, tb *tab, srv server, want [][2]string) {
	t.Helper()
	tb.wait(`document.getElementById('results').dataset.state === 'done'`)
	query := eval[string](tb, `document.getElementById('results').dataset.query`)
	var sent struct {
		Selection []struct{ Start, End string } `json:"selection"`
	}
	if err := json.Unmarshal([]byte(query), &sent); err != nil {
		t.Fatalf("query %s: %v", query, err)
	}
	var got [][2]string
	for _, r := range sent.Selection {
		got = append(got, [2]string{r.Start, r.End})
	}
	if !slices.Equal(got, want) {
		t.Errorf("the page asked for %v, want %v", got, want)
	}
	type item struct{ Name, FreeUntil, Text, Href string }
	items := eval[[]item](tb, `[...document.querySelectorAll('#results li')].map(li => ({
		Name: li.dataset.name, FreeUntil: li.dataset.freeUntil,
		Text: li.querySelector('.free-until').textContent, Href: li.querySelector('a').getAttribute('href')}))`)
	rooms := sidecarFree(t, srv, query)
	if len(items) != len(rooms) {
		t.Errorf("%s: the page lists %d rooms, the sidecar %d", query, len(items), len(rooms))
	}
	to := mustLocal(t, want[len(want)-1][1])
	for i := range min(len(items), len(rooms)) {
		g, w := items[i], rooms[i]
		wu := ""
		if w.FreeUntil != nil {
			wu = *w.FreeUntil
		}
		if g.Name != w.Name || g.FreeUntil != wu {
			t.Errorf("%s: room %d is %s free until %q on the page, %s free until %q in the sidecar's answer", query, i, g.Name, g.FreeUntil, w.Name, wu)
			continue
		}
		wantText := "free, no later booking"
		if w.FreeUntil != nil {
			wantText = "free until " + untilText(wall(t, wu, srv.rfc), to)
		}
		if g.Text != wantText {
			t.Errorf("%s: %s shows %q, want %q (campus time)", query, g.Name, g.Text, wantText)
		}
		if g.Href != "#/rooms/"+url.PathEscape(g.Name) {
			t.Errorf("%s: link %q", g.Name, g.Href)
		}
	}
	status := eval[string](tb, `document.getElementById('results-status').textContent`)
	if len(rooms) > 0 && !strings.HasPrefix(status, fmt.Sprintf("%d room", len(rooms))) && !strings.HasPrefix(status, fmt.Sprintf("The %d nearest rooms", len(rooms))) {
		t.Errorf("status %q does not give the count %d", status, len(rooms))
	}
}

// TestFreeNowMatchesSidecar: the free-now list, with each duration and
// filter, is the sidecar's answer to the same query, free_until shown in
// campus time while the browser runs in another zone.
func TestFreeNowMatchesSidecar(t *testing.T) {
	for _, srv := range servers(t) {
		t.Run(srv.name, func(t *testing.T) {
			tb := open(t, srv.url, desktop, deviceZone, "#/free?now="+testNow)
			if now := eval[string](tb, `document.documentElement.dataset.now`); now != testNow {
				t.Errorf("data-now = %q, want %q", now, testNow)
			}
			checkFreeList(t, tb, srv, [][2]string{{"2026-11-30T10:00", "2026-11-30T11:00"}})
			if n := eval[int](tb, `document.querySelectorAll('#results li').length`); n == 0 {
				t.Fatal("no free room listed at all: the test proves nothing")
			}

			tb.do(chromedp.Click(chromedp.CSS("#dur-120")))
			checkFreeList(t, tb, srv, [][2]string{{"2026-11-30T10:00", "2026-11-30T12:00"}})

			eval[any](tb, setJS+`set('#f-building', 'CO'); 0`)
			checkFreeList(t, tb, srv, [][2]string{{"2026-11-30T10:00", "2026-11-30T12:00"}})

			eval[any](tb, setJS+`set('#f-building', ''); set('#f-type', 'AUDITOIRE'); set('#f-capacity', '100'); set('#free-until', '16:00'); 0`)
			checkFreeList(t, tb, srv, [][2]string{{"2026-11-30T10:00", "2026-11-30T16:00"}})
			q := eval[string](tb, `document.getElementById('results').dataset.query`)
			if !strings.Contains(q, `"type":"AUDITOIRE"`) || !strings.Contains(q, `"min_capacity":100`) {
				t.Errorf("filters not sent: %s", q)
			}

			tb.do(chromedp.Click(chromedp.CSS("#dur-30")))
			eval[any](tb, setJS+`set('#f-type', ''); set('#f-capacity', ''); 0`)
			checkFreeList(t, tb, srv, [][2]string{{"2026-11-30T10:00", "2026-11-30T10:30"}})
			tb.clean(true)
		})
	}
}

// TestNearestFirst: with the location allowed, the list is the sidecar's
// answer for the same coordinates, nearest first, with distances.
func TestNearestFirst(t *testing.T) {
	srv := servers(t)[0]
	tb := open(t, srv.url, phone, deviceZone, "#/free?now="+testNow)
	lat, lon, acc := 46.5191, 6.5668, 10.0
	tb.do(
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := cdp.Call(ctx, chromedp.FromContext(ctx).Browser, browser.SetPermission, browser.SetPermissionParams{
				Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted, Origin: srv.url,
			})
			return err
		}),
		chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{Latitude: &lat, Longitude: &lon, Accuracy: &acc})
			return err
		}),
	)
	tb.wait(`document.getElementById('results').dataset.state === 'done'`)
	tb.do(chromedp.Click(chromedp.CSS(".geo button")))
	tb.wait(`document.getElementById('results').dataset.query.includes('coordinates') && document.getElementById('results').dataset.state === 'done'`)
	if p := eval[string](tb, `document.querySelector('.geo button').getAttribute('aria-pressed')`); p != "true" {
		t.Errorf("aria-pressed = %q after allowing the location", p)
	}
	query := eval[string](tb, `document.getElementById('results').dataset.query`)
	if !strings.Contains(query, `"coordinates":{"latitude":46.5191,"longitude":6.5668}`) {
		t.Errorf("query %s", query)
	}
	checkFreeList(t, tb, srv, [][2]string{{"2026-11-30T10:00", "2026-11-30T11:00"}})
	if d := eval[string](tb, `document.querySelector('#results li .meta').textContent`); !strings.HasSuffix(d, " m away") {
		t.Errorf("the nearest room's line %q gives no distance", d)
	}
	// A phone's screenful: the 30 nearest, then every free room on demand.
	if !strings.Contains(query, `"limit":30`) {
		t.Errorf("nearest first, the page asked %s, want a limit of 30", query)
	}
	if n := eval[int](tb, `document.querySelectorAll('#results li').length`); n != 30 {
		t.Fatalf("nearest first, the page lists %d rooms, want the 30 nearest", n)
	}
	if st := eval[string](tb, `document.getElementById('results-status').textContent`); !strings.HasPrefix(st, "The 30 nearest rooms free from ") || !strings.HasSuffix(st, "Show every free room") {
		t.Errorf("status %q", st)
	}
	tb.do(chromedp.Click(chromedp.CSS("#show-every")))
	tb.wait(`!document.getElementById('results').dataset.query.includes('limit') && document.getElementById('results').dataset.state === 'done'`)
	checkFreeList(t, tb, srv, [][2]string{{"2026-11-30T10:00", "2026-11-30T11:00"}})
	if n := eval[int](tb, `document.querySelectorAll('#results li').length`); n <= 30 {
		t.Errorf("every free room: %d listed, want more than the 30 nearest", n)
	}
	tb.clean(true)
}

// TestPickTime: a day and two ranges give the sidecar's answer for both.
func TestPickTime(t *testing.T) {
	srv := servers(t)[0]
	tb := open(t, srv.url, phone, deviceZone, "#/pick?now="+testNow)
	tb.do(
		chromedp.SetValue(chromedp.CSS("#pick-date"), "2026-12-01"),
		chromedp.SetValue(chromedp.CSS("#range-0-start"), "09:00"),
		chromedp.SetValue(chromedp.CSS("#range-0-end"), "10:00"),
	)
	eval[any](tb, setJS+`set('#pick-date', '2026-12-01'); set('#range-0-start', '09:00'); set('#range-0-end', '10:00'); 0`)
	tb.do(chromedp.Click(chromedp.CSS("#add-range")))
	eval[any](tb, setJS+`set('#range-1-start', '14:00'); set('#range-1-end', '15:30'); 0`)
	tb.do(chromedp.Click(chromedp.CSS("form.search-form button[type=submit]")))
	checkFreeList(t, tb, srv, [][2]string{{"2026-12-01T09:00", "2026-12-01T10:00"}, {"2026-12-01T14:00", "2026-12-01T15:30"}})

	// A range that ends before it starts is refused on the page.
	eval[any](tb, setJS+`set('#range-1-end', '13:00'); 0`)
	tb.do(chromedp.Click(chromedp.CSS("form.search-form button[type=submit]")))
	msg := eval[string](tb, `document.getElementById('results-status').textContent`)
	if !strings.Contains(msg, "Range 2: the end must be after the start") {
		t.Errorf("invalid range: status %q", msg)
	}
	tb.clean(true)
}

type booking struct {
	Start, End, Kind, Title, StartText, EndText, Day string
}

// TestRoomWeek: the room page's week holds exactly the room's bookings of
// that week from its JSON, each at its campus time, course sessions and
// events told apart, also across both DST changes and with the browser in
// another zone; its state at now= is computed from the same bookings.
func TestRoomWeek(t *testing.T) {
	for _, srv := range servers(t) {
		room := getJSON[struct {
			Name      string `json:"name"`
			Schedules []struct {
				Course *struct {
					Code string `json:"code"`
				} `json:"course"`
				Name  string `json:"name"`
				Start string `json:"start_datetime"`
				End   string `json:"end_datetime"`
			} `json:"schedules"`
		}](t, srv.url+"/api/rooms/"+testRoom)
		// Weeks: an ordinary one, one with an event beside the courses,
		// the week after the October change (Sunday 25 October 2026; its
		// Sunday 1 November, with an event, is New York's change), the
		// week of the March change (Sunday 28 March 2027) and the next.
		for _, week := range []string{"2026-11-30", "2026-12-07", "2026-10-26", "2027-03-22", "2027-03-29"} {
			t.Run(srv.name+"/"+week, func(t *testing.T) {
				monday, _ := time.Parse(time.DateOnly, week)
				sunday := monday.AddDate(0, 0, 7)
				var want []booking
				for _, s := range room.Schedules {
					start, end := wall(t, s.Start, srv.rfc), wall(t, s.End, srv.rfc)
					if !start.Before(sunday) || !end.After(monday) {
						continue
					}
					b := booking{Start: s.Start, End: s.End, Kind: "event", Title: s.Name}
					if s.Course != nil {
						b.Kind, b.Title = "course", s.Course.Code
					}
					if start.Format(time.DateOnly) == end.Add(-time.Nanosecond).Format(time.DateOnly) {
						b.StartText, b.EndText, b.Day = start.Format("15:04"), end.Format("15:04"), start.Format(time.DateOnly)
						if end.Hour() == 0 && end.Minute() == 0 {
							b.EndText = "24:00"
						}
					}
					want = append(want, b)
				}
				if len(want) == 0 {
					t.Fatalf("%s has no booking in the week of %s: the test proves nothing", testRoom, week)
				}
				if week == "2026-12-07" && !slices.ContainsFunc(want, func(b booking) bool { return b.Kind == "event" }) {
					t.Fatalf("%s has no event in the week of %s: the test proves nothing about events", testRoom, week)
				}
				tb := open(t, srv.url, desktop, deviceZone, "#/rooms/"+testRoom+"?week="+week+"&now="+testNow)
				if w := eval[string](tb, `document.getElementById('week-title').dataset.week`); w != week {
					t.Errorf("week shown %q, want %q", w, week)
				}
				got := eval[[]booking](tb, `[...document.querySelectorAll('.booking')].map(b => ({
					Start: b.dataset.start, End: b.dataset.end, Kind: b.dataset.kind,
					Title: b.querySelector('.booking-title').textContent,
					StartText: b.querySelector('.booking-start').textContent, EndText: b.querySelector('.booking-end').textContent,
					Day: b.closest('.day').dataset.date}))`)
				// A booking over several days shows once per day: compare
				// the bookings, and the times of those within one day.
				seen := map[[3]string]bool{}
				var uniq []booking
				for _, g := range got {
					k := [3]string{g.Start, g.End, g.Title}
					if seen[k] {
						continue
					}
					seen[k] = true
					uniq = append(uniq, g)
				}
				key := func(b booking) string { return b.Start + " " + b.End + " " + b.Kind + " " + b.Title }
				gk, wk := make([]string, 0, len(uniq)), make([]string, 0, len(want))
				for _, b := range uniq {
					gk = append(gk, key(b))
				}
				for _, b := range want {
					wk = append(wk, key(b))
				}
				slices.Sort(gk)
				slices.Sort(wk)
				if !slices.Equal(gk, wk) {
					t.Errorf("bookings of %s in the week of %s:\n page: %s\n JSON: %s", testRoom, week, strings.Join(gk, "\n       "), strings.Join(wk, "\n       "))
				}
				byKey := map[string]booking{}
				for _, b := range uniq {
					byKey[key(b)] = b
				}
				for _, w := range want {
					g, ok := byKey[key(w)]
					if !ok || w.Day == "" {
						continue
					}
					if g.StartText != w.StartText || g.EndText != w.EndText || g.Day != w.Day {
						t.Errorf("%s %s (%s–%s) shown %s %s–%s, want %s %s–%s (campus time)", w.Title, w.Start, w.Start, w.End, g.Day, g.StartText, g.EndText, w.Day, w.StartText, w.EndText)
					}
				}
				if week == "2026-11-30" {
					checkRoomState(t, tb, srv, room.Schedules)
					href := eval[string](tb, `document.querySelector('a.feed').href`)
					res, err := http.Get(href)
					if err != nil {
						t.Fatal(err)
					}
					res.Body.Close()
					if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") || !strings.HasSuffix(href, "/api/rooms/"+testRoom+".ics") {
						t.Errorf("feed link %s: %d %s", href, res.StatusCode, res.Header.Get("Content-Type"))
					}
				}
				tb.clean(true)
			})
		}
	}
}

// checkRoomState checks "free until" / "occupied until" at testNow.
func checkRoomState[S any](t *testing.T, tb *tab, srv server, schedules []S) {
	t.Helper()
	raw, _ := json.Marshal(schedules)
	var ss []struct {
		Start string `json:"start_datetime"`
		End   string `json:"end_datetime"`
	}
	json.Unmarshal(raw, &ss)
	now := mustLocal(t, testNow)
	type span struct{ s, e time.Time }
	var spans []span
	for _, s := range ss {
		spans = append(spans, span{wall(t, s.Start, srv.rfc), wall(t, s.End, srv.rfc)})
	}
	slices.SortFunc(spans, func(a, b span) int { return a.s.Compare(b.s) })
	var want string
	var busy *time.Time
	for _, sp := range spans {
		if busy == nil && !sp.s.After(now) && sp.e.After(now) {
			e := sp.e
			busy = &e
		} else if busy != nil && !sp.s.After(*busy) && sp.e.After(*busy) {
			e := sp.e
			busy = &e
		}
	}
	if busy != nil {
		want = "Occupied until " + untilText(*busy, now)
	} else {
		want = "Free: no later booking"
		for _, sp := range spans {
			if sp.s.After(now) {
				want = "Free until " + untilText(sp.s, now)
				break
			}
		}
	}
	got := eval[string](tb, `document.querySelector('.room-state').firstChild.textContent`)
	if got != want {
		t.Errorf("state at %s: %q, want %q", testNow, got, want)
	}
}

// TestCourseSearch: typing a course code in the list's search box finds
// it; following the link opens its page, with its sessions of the week.
func TestCourseSearch(t *testing.T) {
	srv := servers(t)[0]
	room := getJSON[struct {
		Schedules []struct {
			Course *struct {
				Code string `json:"code"`
			} `json:"course"`
			Start string `json:"start_datetime"`
		} `json:"schedules"`
	}](t, srv.url+"/api/rooms/"+testRoom)
	code := ""
	for _, s := range room.Schedules {
		if s.Course != nil && strings.HasPrefix(s.Start, "2026-12-0") {
			code = s.Course.Code
			break
		}
	}
	if code == "" {
		t.Fatal("no course in CO1 in the week of 2026-11-30")
	}
	tb := open(t, srv.url, phone, deviceZone, "#/courses?now="+testNow)
	tb.do(chromedp.Focus(chromedp.CSS("#list-search")), chromedp.SendKeys(chromedp.CSS("#list-search"), code))
	link := fmt.Sprintf(`#list a[href="#/courses/%s"]`, url.PathEscape(code))
	tb.wait(fmt.Sprintf(`document.querySelector(%q) !== null`, link))
	first := eval[string](tb, `document.querySelector('#list a').getAttribute('href')`)
	if first != "#/courses/"+url.PathEscape(code) {
		t.Errorf("first result for %q is %s", code, first)
	}
	tb.do(chromedp.Click(chromedp.CSS(link)))
	tb.wait(fmt.Sprintf(`document.querySelector('h1[data-course]') && document.querySelector('h1[data-course]').dataset.course === %q && document.documentElement.dataset.ready === 'true'`, code))
	if h1 := eval[string](tb, `document.querySelector('h1').textContent`); !strings.HasPrefix(h1, code+" ") {
		t.Errorf("course page title %q", h1)
	}
	if focused := eval[string](tb, `document.activeElement.tagName`); focused != "H1" {
		t.Errorf("after navigation the focus is on %s, want the page's H1", focused)
	}
	course := getJSON[struct {
		Schedules []struct {
			Start string `json:"start_datetime"`
			End   string `json:"end_datetime"`
		} `json:"schedules"`
	}](t, srv.url+"/api/courses/"+url.PathEscape(code))
	var want []string
	for _, s := range course.Schedules {
		if d := s.Start[:10]; d >= "2026-11-30" && d < "2026-12-07" {
			want = append(want, s.Start+" "+s.End)
		}
	}
	got := eval[[]string](tb, `[...new Set([...document.querySelectorAll('.booking')].map(b => b.dataset.start + ' ' + b.dataset.end))]`)
	slices.Sort(want)
	want = slices.Compact(want)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("sessions of %s in the week of 2026-11-30: page %v, JSON %v", code, got, want)
	}
	// Back to the list: the search is kept.
	tb.do(chromedp.NavigateBack())
	tb.wait(`document.getElementById('list-search') && document.documentElement.dataset.ready === 'true'`)
	if q := eval[string](tb, `document.getElementById('list-search').value`); q != code {
		t.Errorf("back on the list, the search is %q, want %q", q, code)
	}
	tb.clean(true)
}

// TestStudyPlanSearch: a study plan is found by its unit code and its page
// lists its courses and its week.
func TestStudyPlanSearch(t *testing.T) {
	srv := servers(t)[0]
	plans := getJSON[[]struct {
		ID   string `json:"_id"`
		Unit struct {
			Code string `json:"code"`
		} `json:"unit"`
		Semester struct {
			Type string `json:"type"`
		} `json:"semester"`
	}](t, srv.url+"/api/studyplans")
	id, unit := "", ""
	for _, p := range plans {
		if p.Semester.Type == "fall" {
			id, unit = p.ID, p.Unit.Code
		}
	}
	tb := open(t, srv.url, desktop, "", "#/studyplans?now="+testNow)
	tb.do(chromedp.SendKeys(chromedp.CSS("#list-search"), unit))
	link := fmt.Sprintf(`#list a[href="#/studyplans/%s"]`, id)
	tb.wait(fmt.Sprintf(`document.querySelector(%q) !== null`, link))
	tb.do(chromedp.Click(chromedp.CSS(link)))
	tb.wait(fmt.Sprintf(`document.querySelector('h1[data-studyplan]') && document.querySelector('h1[data-studyplan]').dataset.studyplan === %q`, id))
	plan := getJSON[struct {
		Courses []struct {
			Code string `json:"code"`
		} `json:"courses"`
	}](t, srv.url+"/api/studyplans/"+id)
	n := eval[int](tb, `document.querySelectorAll('#courses-title + ul li').length`)
	if n != len(plan.Courses) {
		t.Errorf("plan %s lists %d courses, its JSON %d", id, n, len(plan.Courses))
	}
	tb.clean(true)
}

// TestRealNowInCampusTime: without now=, the page's moment is the campus
// time of the real clock, whatever the browser's zone.
func TestRealNowInCampusTime(t *testing.T) {
	for _, zone := range []string{deviceZone, "Asia/Tokyo"} {
		t.Run(zone, func(t *testing.T) {
			tb := open(t, servers(t)[0].url, phone, zone, "#/free")
			got := eval[string](tb, `document.documentElement.dataset.now`)
			n := time.Now().In(zurich)
			ok := false
			for _, d := range []time.Duration{-time.Minute, 0, time.Minute} {
				if got == n.Add(d).Format("2006-01-02T15:04") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("browser in %s: data-now = %q, want campus time %s", zone, got, n.Format("2006-01-02T15:04"))
			}
			if clock := eval[string](tb, `document.getElementById('now').textContent`); !strings.Contains(clock, got[11:]) {
				t.Errorf("header clock %q does not show %s", clock, got[11:])
			}
			tb.wait(`document.getElementById('results').dataset.state === 'done'`)
			tb.clean(true)
		})
	}
}

// TestErrors: the sidecar's error messages and the 404s are shown on the
// page, without a script error.
func TestErrors(t *testing.T) {
	srv := servers(t)[0]
	// An API base where nothing answers but 404 JSON.
	tb := open(t, srv.url, phone, "", "?api="+url.QueryEscape(srv.url+"/nowhere")+"#/free?now="+testNow)
	tb.wait(`document.getElementById('results').dataset.state === 'error'`)
	msg := eval[string](tb, `document.getElementById('results-status').textContent`)
	if msg != "The search failed: Not found" {
		t.Errorf("search against a wrong API base: %q", msg)
	}
	if note := eval[string](tb, `document.getElementById('filters-note').textContent`); !strings.Contains(note, "Not found") {
		t.Errorf("filters note %q", note)
	}
	tb.clean(false)

	tb = open(t, srv.url, phone, "", "#/rooms/NOPE")
	if msg := eval[string](tb, `document.querySelector('[role=alert]').textContent`); msg != "Room not found" {
		t.Errorf("unknown room: %q", msg)
	}
	tb.clean(false)

	// "Until" now itself is refused on the page (earlier means tomorrow).
	tb = open(t, srv.url, phone, "", "#/free?now="+testNow)
	eval[any](tb, setJS+`set('#free-until', '10:00'); 0`)
	tb.wait(`document.getElementById('results').dataset.state === 'error'`)
	if msg := eval[string](tb, `document.getElementById('results-status').textContent`); msg != "Choose a time after 10:00, or before it for tomorrow." {
		t.Errorf("until now: %q", msg)
	}
	tb.clean(true)
}

// TestEveryPage opens every page at phone and desktop sizes: no
// horizontal scroll, every field labelled, no console error; a screenshot
// of each is kept in the artifacts folder.
func TestEveryPage(t *testing.T) {
	srv := servers(t)[0]
	courses := getJSON[[]struct {
		Code string `json:"code"`
	}](t, srv.url+"/api/courses")
	plans := getJSON[[]struct {
		ID string `json:"_id"`
	}](t, srv.url+"/api/studyplans")
	_, older := changeFeed(t, srv)
	pages := []struct{ name, hash string }{
		{"free-now", "#/free"},
		{"pick-a-time", "#/pick"},
		{"rooms", "#/rooms"},
		{"room", "#/rooms/" + testRoom},
		{"room-dst-week", "#/rooms/" + testRoom + "?week=2026-10-26"},
		{"courses", "#/courses"},
		{"course", "#/courses/" + url.PathEscape(courses[len(courses)/2].Code)},
		{"studyplans", "#/studyplans"},
		{"studyplan", "#/studyplans/" + plans[0].ID},
		{"changes", "#/changes"},
		{"change-set", "#/changes/" + older.ID}, // the short one
		{"not-found", "#/nothing/here/at/all"},
	}
	for _, p := range pages {
		for _, sz := range []size{phone, desktop} {
			t.Run(p.name+"/"+sz.name, func(t *testing.T) {
				hash := p.hash
				if strings.Contains(hash, "?") {
					hash += "&now=" + testNow
				} else {
					hash += "?now=" + testNow
				}
				tb := open(t, srv.url, sz, deviceZone, hash)
				if strings.HasPrefix(p.hash, "#/free") {
					tb.wait(`document.getElementById('results').dataset.state === 'done'`)
				}
				tb.noHorizontalScroll(p.name + " at " + sz.name)
				tb.noStrayText(p.name + " at " + sz.name)
				unlabelled := eval[[]string](tb, `[...document.querySelectorAll('input, select, textarea')].filter(e =>
					e.labels.length === 0 && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')).map(e => e.id || e.name || e.outerHTML)`)
				if len(unlabelled) > 0 {
					t.Errorf("fields without a label: %v", unlabelled)
				}
				if eval[int](tb, `document.querySelectorAll('h1').length`) != 1 {
					t.Error("want exactly one h1")
				}
				tb.shot(p.name + "-" + sz.name)
				if p.name == "free-now" && sz == desktop && *updateDocs {
					png, err := chromedp.Run(tb.ctx, chromedp.CaptureScreenshot())
					if err != nil {
						t.Fatal(err)
					}
					docs := filepath.Join("..", "..", "docs")
					if err := os.MkdirAll(docs, 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(filepath.Join(docs, "free-now.png"), png, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				tb.clean(true)
			})
		}
	}
}

// TestFreeUntilAndDST: "until" a time earlier than now means tomorrow's
// (01:00 chosen at 22:00), and "free for" counts true time across both
// DST changes of Europe/Zurich: an hour from 01:30 is 03:30 the night
// clocks go forward, two hours from 01:30 are 02:30 the night they go
// back. Before, "until" could only be today and durations were added to
// the wall-clock time, an hour off on those nights.
func TestFreeUntilAndDST(t *testing.T) {
	srv := servers(t)[0]
	tb := open(t, srv.url, desktop, deviceZone, "#/free?now=2026-11-30T22:00")
	eval[any](tb, setJS+`set('#free-until', '01:00'); 0`)
	checkFreeList(t, tb, srv, [][2]string{{"2026-11-30T22:00", "2026-12-01T01:00"}})
	tb.clean(true)

	tb = open(t, srv.url, desktop, deviceZone, "#/free?now=2027-03-28T01:30")
	checkFreeList(t, tb, srv, [][2]string{{"2027-03-28T01:30", "2027-03-28T03:30"}})
	tb.clean(true)

	tb = open(t, srv.url, desktop, deviceZone, "#/free?now=2026-10-25T01:30")
	tb.do(chromedp.Click(chromedp.CSS("#dur-120")))
	checkFreeList(t, tb, srv, [][2]string{{"2026-10-25T01:30", "2026-10-25T02:30"}})
	tb.clean(true)
}

// TestReleaseShown: the page's foot names the release the sidecar serves,
// by the id its /readyz and /metrics give.
func TestReleaseShown(t *testing.T) {
	for _, srv := range servers(t) {
		ready := getJSON[struct {
			Release string `json:"release"`
		}](t, srv.url+"/readyz")
		metrics := getText(t, srv.url+"/metrics")
		tb := open(t, srv.url, phone, deviceZone, "#/rooms")
		shown := eval[string](tb, `document.getElementById('release-line').hidden ? '' : document.getElementById('release').textContent`)
		full := eval[string](tb, `document.getElementById('release').title`)
		if len(ready.Release) != 64 || shown != ready.Release[:12] || full != ready.Release {
			t.Errorf("%s: the page shows release %q (title %.12s), /readyz %.12s: want one id", srv.name, shown, full, ready.Release)
		}
		if want := `occupancy_snapshot_info{release="` + ready.Release + `"} 1`; !strings.Contains(metrics, want) {
			t.Errorf("%s: /metrics lacks %s", srv.name, want)
		}
		tb.clean(true)
	}
}
