// The week's calendar grid: seven day columns on wide screens (bookings
// placed by time, overlapping ones side by side), a list per day on
// phones. One DOM serves both layouts; CSS chooses.

import { h } from './dom.js';
import { DAY, HOUR, dayLabel, hhmm, isoDate } from './time.js';

/**
 * weekGrid returns the grid of the week starting at monday (a wall value).
 * items: [{start, end (wall values), rawStart, rawEnd, kind ('course' or
 * 'event'), title (Node or string), subtitle, label, rooms (Node or null)}].
 * now (a wall value) marks today's column.
 */
export function weekGrid(monday, items, now) {
  const days = [];
  for (let i = 0; i < 7; i++) {
    const from = monday + i * DAY;
    const to = from + DAY;
    const inDay = items
      .filter((it) => it.start < to && it.end > from)
      .map((it) => ({ ...it, from: Math.max(it.start, from) - from, to: Math.min(it.end, to) - from }))
      .sort((a, b) => a.from - b.from || a.to - b.to);
    days.push({ from, items: inDay });
  }
  // Hours shown: 08:00 to 19:00, widened to hold every booking of the week.
  let first = 8;
  let last = 19;
  for (const d of days) {
    for (const it of d.items) {
      first = Math.min(first, Math.floor(it.from / HOUR));
      last = Math.max(last, Math.ceil(it.to / HOUR));
    }
  }
  const hours = h('div', { class: 'week-hours', 'aria-hidden': 'true' },
    h('div', { class: 'week-corner' }),
    h('ol', { class: 'week-axis' }, ...range(first, last).map((hr) => h('li', {}, `${String(hr).padStart(2, '0')}:00`))));
  hours.style.setProperty('--hours', String(last - first));

  const cols = days.map((d, i) => {
    const id = `day-${isoDate(d.from)}`;
    const today = now >= d.from && now < d.from + DAY;
    const list = h('ol', { class: 'day-items' });
    list.style.setProperty('--hours', String(last - first));
    placeLanes(d.items);
    for (const it of d.items) {
      // Under an hour a block has room for two lines (under half an hour,
      // one): the time and the title, the rest on hover or focus.
      const len = (it.to - it.from) / HOUR;
      const fit = len <= 0.5 ? ' booking-short booking-tiny' : len < 1 ? ' booking-short' : '';
      const li = h('li', {
        class: `booking booking-${it.kind}${fit}`,
        'data-start': it.rawStart, 'data-end': it.rawEnd, 'data-kind': it.kind,
      },
      h('span', { class: 'booking-time' },
        h('time', { class: 'booking-start' }, hhmm(d.from + it.from)), '–',
        h('time', { class: 'booking-end' }, it.to === DAY ? '24:00' : hhmm(d.from + it.to))),
      ' ',
      h('span', { class: 'booking-title' }, it.title),
      it.subtitle ? h('span', { class: 'booking-sub' }, it.subtitle) : null,
      h('span', { class: 'booking-meta' },
        h('span', { class: `tag tag-${it.kind}` }, it.kind === 'event' ? 'Event' : it.label || 'Course'),
        it.kind === 'event' && it.label && it.label !== 'event' ? ` ${it.label}` : null,
        it.rooms ? h('span', { class: 'booking-rooms' }, ' ', it.rooms) : null));
      li.style.setProperty('--top', String(it.from / HOUR - first));
      li.style.setProperty('--len', String(Math.max((it.to - it.from) / HOUR, 0.25)));
      li.style.setProperty('--lane', String(it.lane));
      li.style.setProperty('--lanes', String(it.lanes));
      list.append(li);
    }
    return h('section', { class: `day${today ? ' day-today' : ''}${d.items.length ? '' : ' day-empty'}`, 'aria-labelledby': id, 'data-date': isoDate(d.from) },
      h('h3', { id, class: 'day-name' }, dayLabel(d.from), today ? h('span', { class: 'today-tag' }, ' (today)') : null),
      d.items.length ? list : h('p', { class: 'day-none' }, 'No bookings'));
  });
  const wrap = h('div', { class: 'week' }, hours, ...cols);
  wrap.style.setProperty('--hours', String(last - first));
  return wrap;
}

function range(a, b) {
  const out = [];
  for (let i = a; i < b; i++) out.push(i);
  return out;
}

// placeLanes gives each item of a day (sorted by start) a lane, and each
// cluster of overlapping items its number of lanes.
function placeLanes(items) {
  let cluster = [];
  let clusterEnd = -1;
  const close = () => {
    const n = Math.max(1, ...cluster.map((it) => it.lane + 1));
    for (const it of cluster) it.lanes = n;
    cluster = [];
  };
  for (const it of items) {
    if (it.from >= clusterEnd && cluster.length) close();
    const used = new Set(cluster.filter((o) => o.to > it.from).map((o) => o.lane));
    let lane = 0;
    while (used.has(lane)) lane++;
    it.lane = lane;
    cluster.push(it);
    clusterEnd = Math.max(clusterEnd, it.to);
  }
  if (cluster.length) close();
}
