//go:build browser

package browser

import (
	"encoding/json"
	"testing"
)

// TestShortBlocksShowTitles: in the desktop week, where bookings are
// placed by time, a block of an hour or less shows its time and title,
// and no line cut through by its lower edge. Before, 45-minute blocks
// showed the top half of the course's name.
func TestShortBlocksShowTitles(t *testing.T) {
	srv := servers(t)[0]
	checked := 0
	// INF119 holds 45-minute exercises (AR-102 on Tuesdays 12:15-13:00,
	// AR-115 on Thursdays 10:15-11:00) among longer sessions.
	narrow := size{"narrow desktop", 1024, 768, false} // the narrowest that places by time
	for _, c := range []struct {
		sz   size
		week string
	}{{desktop, "2026-11-30"}, {desktop, "2026-12-07"}, {narrow, "2026-11-30"}, {narrow, "2026-12-07"}} {
		t.Run(c.sz.name+" week of "+c.week, func(t *testing.T) {
			sz, week := c.sz, c.week
			tb := open(t, srv.url, sz, deviceZone, "#/rooms/INF119?week="+week+"&now="+testNow)
			var cut []struct{ Time, Title, Cut string }
			raw := eval[string](tb, `JSON.stringify([...document.querySelectorAll('.day-items .booking')].filter(li => {
			const [h1, m1] = li.querySelector('.booking-start').textContent.split(':').map(Number);
			const [h2, m2] = li.querySelector('.booking-end').textContent.split(':').map(Number);
			return (h2 * 60 + m2) - (h1 * 60 + m1) <= 60;
		}).map(li => {
			window.__short = (window.__short || 0) + 1;
			const box = li.getBoundingClientRect();
			// A line the block's edge cuts through: shown in part.
			const cut = [...li.children].filter(el => {
				const st = getComputedStyle(el), r = el.getBoundingClientRect();
				return st.visibility !== 'hidden' && st.display !== 'none' && r.height > 0 &&
					r.top < box.bottom - 0.5 && r.bottom > box.bottom + 0.5;
			});
			const title = li.querySelector('.booking-title').getBoundingClientRect();
			const titleShown = title.height > 0 && title.bottom <= box.bottom + 0.5;
			return cut.length === 0 && titleShown ? null : {Time: li.querySelector('.booking-time').textContent, Title: li.querySelector('.booking-title').textContent, Cut: cut.map(el => el.className).join(' ')};
		}).filter(Boolean))`)
			if err := json.Unmarshal([]byte(raw), &cut); err != nil {
				t.Fatal(err)
			}
			for _, c := range cut {
				t.Errorf("%s, week of %s: the %s block of %q shows a line in part (%s), or not its title", sz.name, week, c.Time, c.Title, c.Cut)
			}
			checked += eval[int](tb, `window.__short || 0`)
			tb.clean(true)
		})
	}
	if checked == 0 {
		t.Fatal("no block of an hour or less in the weeks looked at: the test proves nothing")
	}
	t.Logf("%d blocks of an hour or less checked", checked)
}
