// The page for people: free rooms now or at a chosen time (the sidecar's
// search), the rooms, courses and study plans of the release (the build's
// JSON files), and what the last releases changed (the build's change
// feed, api/changes/ and each entity's changes.json). Routes live in the
// URL's hash (#/rooms/CO1), so a static host only serves "/". Every time
// is shown in the campus time zone of app/config.json, whatever the
// device's zone (see time.js).
//
// Address parameters: ?api=<https://host> sends the API's requests there
// instead of the page's own origin (or set "apiBase" in app/config.json);
// now=2026-11-30T10:00 (in the hash, #/free?now=…, or the query) shows the
// page as at that campus time.

import { h, safeURL, fold } from './dom.js';
import * as T from './time.js';
import { weekGrid } from './week.js';

const main = document.getElementById('main-content');
const clockEl = document.getElementById('now');
const zoneEl = document.getElementById('zone');
const APP = 'Free rooms';
const MAX_LIST = 50;
// Nearest first, the search asks for this many rooms: a phone's
// screenful, whatever the campus (the sidecar's limit field).
const NEAREST = 30;

let cfg = null;
let clock = null;
let apiBase = '';
let nowOverride = null; // wall value set by now=, or null for the real clock
let renderSeq = 0;
let rendered = false;
const cache = new Map();

// Search state, kept while the person moves between pages.
const filters = { building: '', type: '', capacity: '' };
let coords = null; // {latitude, longitude} once the person allowed geolocation
const freeState = { duration: '60', until: '' };
const pickState = { date: '', ranges: [{ start: '10:00', end: '12:00' }] };

/** ApiError is an error answer of the API, with its message. */
class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

function api(path) {
  return apiBase ? `${apiBase}/${path}` : path;
}

function enc(s) {
  return encodeURIComponent(s);
}

async function fetchJSON(url, init) {
  let res;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new ApiError(`The server could not be reached (${e.message}).`, 0);
  }
  const text = await res.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!res.ok) {
    const msg = body && typeof body.message === 'string' ? body.message : `${res.status} ${res.statusText}`.trim();
    throw new ApiError(msg, res.status);
  }
  if (body === null) throw new ApiError(`The server's answer is not JSON (${url}).`, res.status);
  return body;
}

// get fetches one of the API's JSON files once per page load.
function get(path) {
  if (!cache.has(path)) {
    const p = fetchJSON(api(path));
    p.catch(() => cache.delete(path));
    cache.set(path, p);
  }
  return cache.get(path);
}

function now() {
  return nowOverride ?? T.floorMinute(clock.now());
}

function updateClock() {
  const n = now();
  document.documentElement.dataset.now = T.isoLocal(n);
  clockEl.textContent = `${T.dayLabel(n)} ${T.hhmm(n)}${nowOverride === null ? '' : ' (set by the address)'}`;
  clockEl.setAttribute('datetime', T.isoLocal(n));
}

let notice = '';

function setNow(s) {
  if (!s) {
    nowOverride = null;
    return;
  }
  let w = T.parseLocal(s);
  if (Number.isNaN(w)) w = clock.parse(s);
  if (Number.isNaN(w)) {
    notice = `Ignored now=${s}: expected a campus time such as 2026-11-30T10:00.`;
    return;
  }
  nowOverride = T.floorMinute(w);
}

// showRelease names the release at the page's foot by the first 12
// digits of its id, as the build's report, the sidecar's log and its
// /readyz do; the whole id is the title.
function showRelease(id) {
  if (typeof id !== 'string' || !/^[0-9a-f]{12,64}$/.test(id)) return;
  const el = document.getElementById('release');
  el.textContent = id.slice(0, 12);
  el.title = id;
  document.getElementById('release-line').hidden = false;
}

function fatal(message) {
  main.replaceChildren(h('h1', { tabindex: '-1' }, 'The page could not start'), errorBox(message));
  main.removeAttribute('aria-busy');
  document.documentElement.dataset.ready = 'error';
}

function errorBox(message) {
  return h('p', { class: 'error', role: 'alert' }, message);
}

async function boot() {
  const params = new URLSearchParams(location.search);
  try {
    cfg = await fetchJSON('app/config.json');
  } catch (e) {
    fatal(`Could not read the page's configuration (app/config.json): ${e.message}`);
    return;
  }
  const base = params.get('api') ?? cfg.apiBase ?? '';
  if (base && !safeURL(base)) {
    fatal(`The API base "${base}" is not an http(s) URL.`);
    return;
  }
  apiBase = base.replace(/\/+$/, '');
  try {
    clock = T.makeClock(cfg.timeZone || 'Europe/Zurich', Boolean(cfg.rfc3339));
  } catch (e) {
    fatal(`Unknown campus time zone "${cfg.timeZone}" (${e.message}).`);
    return;
  }
  zoneEl.textContent = clock.zone;
  document.documentElement.dataset.zone = clock.zone;
  document.getElementById('api-docs').setAttribute('href', api('api/docs'));
  showRelease(cfg.release);
  setNow(params.get('now'));
  addEventListener('hashchange', () => route());
  setInterval(updateClock, 15000);
  await route();
}

// ---- routing ----

function parseHash() {
  const raw = location.hash.startsWith('#/') ? location.hash.slice(2) : '';
  const q = raw.indexOf('?');
  const query = new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '');
  const path = (q >= 0 ? raw.slice(0, q) : raw).split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { path, query };
}

const views = {
  free: (ctx) => freeView(ctx),
  pick: (ctx) => pickView(ctx),
  rooms: (ctx, arg) => (arg === undefined ? roomsView(ctx) : roomView(ctx, arg)),
  courses: (ctx, arg) => (arg === undefined ? coursesView(ctx) : courseView(ctx, arg)),
  studyplans: (ctx, arg) => (arg === undefined ? plansView(ctx) : planView(ctx, arg)),
  changes: (ctx, arg) => (arg === undefined ? changesView(ctx) : changeSetView(ctx, arg)),
};

async function route() {
  // In-page anchors (the skip link) are not routes.
  if (location.hash && !location.hash.startsWith('#/') && rendered) return;
  const { path, query } = parseHash();
  if (query.has('now')) setNow(query.get('now'));
  updateClock();
  const seq = ++renderSeq;
  const name = path[0] || 'free';
  const ctx = { query, stale: () => seq !== renderSeq };
  for (const a of document.querySelectorAll('[data-nav]')) {
    if (a.dataset.nav === name) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  main.setAttribute('aria-busy', 'true');
  main.replaceChildren(h('p', { class: 'loading' }, 'Loading…'));
  document.documentElement.dataset.ready = 'loading';
  try {
    const view = views[name];
    if (!view || path.length > 2) notFound();
    else await view(ctx, path[1]);
  } catch (e) {
    if (ctx.stale()) return;
    main.replaceChildren(h('h1', { tabindex: '-1' }, e.status === 404 ? 'Not found' : 'Something went wrong'), errorBox(e.message));
  }
  if (ctx.stale()) return;
  if (notice) {
    main.prepend(h('p', { class: 'notice', role: 'status' }, notice));
    notice = '';
  }
  main.removeAttribute('aria-busy');
  const h1 = main.querySelector('h1');
  document.title = h1 ? `${h1.textContent} · ${APP}` : APP;
  if (rendered && h1) h1.focus();
  rendered = true;
  document.documentElement.dataset.ready = 'true';
}

// show replaces the page's content with nodes; null, undefined and false
// are left out (replaceChildren would write them as text).
function show(...nodes) {
  main.replaceChildren(...nodes.filter((n) => n !== null && n !== undefined && n !== false));
}

function heading(text, attrs) {
  return h('h1', { tabindex: '-1', ...attrs }, text);
}

function notFound() {
  show(heading('Page not found'), h('p', {}, 'There is nothing at this address. ', h('a', { href: '#/free' }, 'Find a free room'), '.'));
}

// ---- free rooms ----

const durations = [
  ['30', '30 min'],
  ['60', '1 hour'],
  ['120', '2 hours'],
  ['until', 'Until'],
];

async function freeView(ctx) {
  let start = now();
  const startEl = h('time', { id: 'free-from', datetime: T.isoLocal(start) }, `${T.dayLabel(start)} ${T.hhmm(start)}`);
  const results = resultsBlock();
  const untilInput = h('input', { type: 'time', id: 'free-until', value: freeState.until, step: 900, 'aria-label': 'Free until (campus time)' });
  const radios = durations.map(([value, text]) => {
    const input = h('input', { type: 'radio', name: 'duration', value, id: `dur-${value}`, checked: freeState.duration === value });
    return h('span', { class: 'choice' }, input, h('label', { for: `dur-${value}` }, text));
  });
  const form = h('form', { class: 'search-form', 'aria-label': 'Free rooms search' },
    h('fieldset', { class: 'duration' }, h('legend', {}, 'Free for'), h('div', { class: 'choices' }, radios, untilInput)),
    filterFields(),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Search'),
      geoButton(() => run())));
  const run = () => {
    start = now(); // a page left open searches from the moment of the search
    updateClock();
    startEl.textContent = `${T.dayLabel(start)} ${T.hhmm(start)}`;
    startEl.setAttribute('datetime', T.isoLocal(start));
    const fd = new FormData(form);
    freeState.duration = String(fd.get('duration') || '60');
    freeState.until = untilInput.value;
    let end;
    if (freeState.duration === 'until') {
      const t = T.parseTime(untilInput.value);
      if (Number.isNaN(t)) return results.fail('Choose the time until which the room must be free.');
      end = T.dayStart(start) + t;
      if (end === T.floorMinute(start)) return results.fail(`Choose a time after ${T.hhmm(start)}, or before it for tomorrow.`);
      if (end < start) end += T.DAY; // 01:00 chosen at 22:00: tomorrow's
    } else {
      end = clock.later(start, Number(freeState.duration) * T.MINUTE); // true time across a DST change
    }
    return results.search([[start, end]], ctx);
  };
  untilInput.addEventListener('input', () => {
    form.querySelector('#dur-until').checked = true;
  });
  untilInput.addEventListener('change', () => run());
  form.addEventListener('change', (e) => {
    if (e.target !== untilInput) run();
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run();
  });
  show(heading('Free rooms now'),
    h('p', { class: 'lead' }, 'Rooms free from ', startEl, ` (campus time, ${clock.zone}).`),
    form, results.status, results.list);
  await fillFilters(form, ctx);
  if (!ctx.stale()) await run();
}

async function pickView(ctx) {
  const n = now();
  if (!pickState.date) pickState.date = T.isoDate(n);
  const results = resultsBlock();
  const date = h('input', { type: 'date', id: 'pick-date', name: 'date', value: pickState.date, required: true });
  const rangesBox = h('ol', { class: 'ranges' });
  const drawRanges = () => {
    rangesBox.replaceChildren(...pickState.ranges.map((r, i) => {
      const s = h('input', { type: 'time', id: `range-${i}-start`, value: r.start, required: true, step: 900 });
      const e = h('input', { type: 'time', id: `range-${i}-end`, value: r.end, required: true, step: 900 });
      s.addEventListener('input', () => { r.start = s.value; });
      e.addEventListener('input', () => { r.end = e.value; });
      return h('li', { class: 'range' },
        h('span', { class: 'field' }, h('label', { for: s.id }, `From${pickState.ranges.length > 1 ? ` (range ${i + 1})` : ''}`), s),
        h('span', { class: 'field' }, h('label', { for: e.id }, `To${pickState.ranges.length > 1 ? ` (range ${i + 1})` : ''}`), e),
        pickState.ranges.length > 1
          ? h('button', {
            type: 'button', class: 'link-button', 'aria-label': `Remove range ${i + 1}`,
            onclick: () => { pickState.ranges.splice(i, 1); drawRanges(); rangesBox.querySelector('input')?.focus(); },
          }, 'Remove')
          : null);
    }));
  };
  drawRanges();
  const form = h('form', { class: 'search-form', 'aria-label': 'Free rooms at a chosen time' },
    h('div', { class: 'field' }, h('label', { for: date.id }, 'Day'), date),
    h('fieldset', {}, h('legend', {}, 'Time ranges (campus time)'), rangesBox,
      h('button', {
        type: 'button', id: 'add-range', class: 'link-button', onclick: () => {
          const last = pickState.ranges[pickState.ranges.length - 1];
          pickState.ranges.push({ start: last ? last.end : '14:00', end: '' });
          drawRanges();
          rangesBox.querySelector(`#range-${pickState.ranges.length - 1}-start`)?.focus();
        },
      }, 'Add a range')),
    filterFields(),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Find free rooms'), geoButton(() => run(false))));
  const run = (explicit) => {
    pickState.date = date.value;
    const day = T.parseDate(date.value);
    if (Number.isNaN(day)) return results.fail('Choose a day.');
    const sel = [];
    for (const [i, r] of pickState.ranges.entries()) {
      const s = T.parseTime(r.start);
      const e = T.parseTime(r.end);
      const which = pickState.ranges.length > 1 ? `Range ${i + 1}` : 'The range';
      if (Number.isNaN(s) || Number.isNaN(e)) return results.fail(`${which}: give a start and an end time.`);
      if (e <= s) return results.fail(`${which}: the end must be after the start.`);
      sel.push([day + s, day + e]);
    }
    if (!explicit && !results.list.dataset.query) return undefined; // nothing searched yet
    return results.search(sel, ctx);
  };
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    run(true);
  });
  show(heading('Pick a time'),
    h('p', { class: 'lead' }, `Rooms free during every range you give, on one day. Times are campus time (${clock.zone}).`),
    form, results.status, results.list);
  await fillFilters(form, ctx);
}

// filterFields returns the building, type and capacity filters; their
// choices are filled in by fillFilters.
function filterFields() {
  const building = h('select', { id: 'f-building', name: 'building' }, h('option', { value: '' }, 'Any building'));
  const type = h('select', { id: 'f-type', name: 'type' }, h('option', { value: '' }, 'Any type'));
  const cap = h('input', { type: 'number', id: 'f-capacity', name: 'capacity', min: 0, step: 1, inputmode: 'numeric', value: filters.capacity, placeholder: 'any' });
  building.addEventListener('change', () => { filters.building = building.value; });
  type.addEventListener('change', () => { filters.type = type.value; });
  cap.addEventListener('input', () => { filters.capacity = cap.value; });
  return h('fieldset', { class: 'filters' }, h('legend', {}, 'Filters'),
    h('div', { class: 'field' }, h('label', { for: building.id }, 'Building'), building),
    h('div', { class: 'field' }, h('label', { for: type.id }, 'Room type'), type),
    h('div', { class: 'field' }, h('label', { for: cap.id }, 'Seats at least'), cap),
    h('p', { class: 'field-note', id: 'filters-note', hidden: true }));
}

async function fillFilters(form, ctx) {
  let rooms;
  try {
    rooms = await get('api/rooms');
  } catch (e) {
    const note = form.querySelector('#filters-note');
    note.hidden = false;
    note.textContent = `Building and type choices are unavailable: ${e.message}`;
    return;
  }
  if (ctx.stale()) return;
  const fill = (sel, values, current) => {
    for (const v of [...new Set(values)].filter(Boolean).sort()) sel.append(h('option', { value: v, selected: v === current }, v));
  };
  fill(form.querySelector('#f-building'), rooms.map((r) => r.building), filters.building);
  fill(form.querySelector('#f-type'), rooms.map((r) => r.type), filters.type);
}

function geoButton(rerun) {
  const note = h('span', { class: 'geo-note', role: 'status' });
  const btn = h('button', { type: 'button', 'aria-pressed': coords ? 'true' : 'false' }, 'Nearest first');
  btn.addEventListener('click', () => {
    if (coords) {
      coords = null;
      btn.setAttribute('aria-pressed', 'false');
      note.textContent = 'Sorted by name.';
      rerun();
      return;
    }
    if (!navigator.geolocation) {
      note.textContent = 'This browser cannot tell your location; rooms are sorted by name.';
      return;
    }
    note.textContent = 'Asking for your location…';
    navigator.geolocation.getCurrentPosition((pos) => {
      coords = { latitude: pos.coords.latitude, longitude: pos.coords.longitude };
      btn.setAttribute('aria-pressed', 'true');
      note.textContent = 'Nearest rooms first.';
      rerun();
    }, (err) => {
      note.textContent = `Your location is not available (${err.message || 'permission denied'}); rooms are sorted by name.`;
    }, { timeout: 10000, maximumAge: 60000 });
  });
  return h('span', { class: 'geo' }, btn, ' ', note);
}

// resultsBlock returns the status line and the list of a free rooms
// search, and the function that runs one.
function resultsBlock() {
  const status = h('p', { class: 'status', id: 'results-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'results', id: 'results', 'aria-labelledby': 'results-status' });
  let seq = 0;
  let every = false; // nearest first, the person asked for every free room
  let last = null; // the last search's arguments, for "Show every free room"
  const fail = (message) => {
    seq++;
    list.replaceChildren();
    list.removeAttribute('aria-busy');
    list.dataset.state = 'error';
    status.replaceChildren(h('span', { class: 'error', role: 'alert' }, message));
  };
  const search = async (selection, ctx, showEvery = false) => {
    const mine = ++seq;
    every = showEvery;
    last = [selection, ctx];
    const body = { selection: selection.map(([s, e]) => ({ start: T.isoLocal(s), end: T.isoLocal(e) })) };
    if (coords) body.coordinates = coords;
    if (coords && !every) body.limit = NEAREST;
    if (filters.building) body.building = filters.building;
    if (filters.type) body.type = filters.type;
    if (filters.capacity !== '') {
      const c = Number(filters.capacity);
      if (!Number.isInteger(c) || c < 0) return fail('Seats: give a whole number, 0 or more.');
      body.min_capacity = c;
    }
    list.dataset.query = JSON.stringify(body);
    list.dataset.state = 'loading';
    list.setAttribute('aria-busy', 'true');
    status.textContent = 'Searching…';
    let rooms;
    try {
      rooms = await fetchJSON(api('api/rooms/find_free_rooms'), {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      });
    } catch (e) {
      if (mine === seq && !ctx.stale()) fail(`The search failed: ${e.message}`);
      return;
    }
    if (mine !== seq || ctx.stale()) return;
    if (!Array.isArray(rooms)) return fail('The search failed: unexpected answer.');
    const from = selection[0][0];
    const to = Math.max(...selection.map((r) => r[1]));
    list.replaceChildren(...rooms.map((r) => freeRoomItem(r, to)));
    list.removeAttribute('aria-busy');
    list.dataset.state = 'done';
    const when = selection.length === 1
      ? `from ${T.dayLabel(from)} ${T.hhmm(from)} to ${T.untilLabel(to, from)}`
      : `during all ${selection.length} ranges of ${T.dayLabel(from)}`;
    status.textContent = rooms.length
      ? `${rooms.length} room${rooms.length === 1 ? '' : 's'} free ${when}${coords ? ', nearest first' : ''}.`
      : `No room is free ${when} with these filters.`;
    if (body.limit && rooms.length === body.limit) {
      status.textContent = `The ${rooms.length} nearest rooms free ${when}. `;
      const more = h('button', { type: 'button', class: 'link-button', id: 'show-every' }, 'Show every free room');
      more.addEventListener('click', () => search(...last, true));
      status.append(more);
    }
  };
  return { status, list, search, fail };
}

function freeRoomItem(r, to) {
  const until = r.free_until ? clock.parse(r.free_until) : NaN;
  const untilText = r.free_until === null
    ? 'free, no later booking'
    : Number.isNaN(until) ? `free until ${r.free_until}` : `free until ${T.untilLabel(until, to)}`;
  const meta = [r.type, r.building && `building ${r.building}`, r.level !== undefined && `level ${r.level}`,
    r.capacity != null && `${r.capacity} seats`, typeof r.distance === 'number' && distance(r.distance)].filter(Boolean);
  return h('li', { class: 'free-room', 'data-name': r.name, 'data-free-until': r.free_until ?? '' },
    h('a', { href: `#/rooms/${enc(r.name)}`, class: 'room-name' }, r.name),
    h('span', { class: 'free-until' }, untilText),
    h('span', { class: 'meta' }, meta.join(' · ')));
}

function distance(m) {
  return m < 1000 ? `${Math.round(m)} m away` : `${(m / 1000).toFixed(1)} km away`;
}

// ---- lists with a search box ----

async function listView(ctx, { title, path, intro, key, rank, item, route, label }) {
  const input = h('input', { type: 'search', id: 'list-search', value: ctx.query.get('q') || '', autocomplete: 'off', spellcheck: 'false' });
  const status = h('p', { class: 'status', id: 'list-status', role: 'status', 'aria-live': 'polite' });
  const list = h('ul', { class: 'entity-list', id: 'list', 'aria-labelledby': 'list-status' });
  show(heading(title), h('p', { class: 'lead' }, intro),
    h('form', { class: 'list-search', role: 'search', onsubmit: (e) => e.preventDefault() },
      h('label', { for: input.id }, label), input),
    status, list);
  const all = await get(path);
  if (ctx.stale()) return;
  const keys = all.map(key);
  const draw = () => {
    const q = fold(input.value.trim());
    let found = all.map((x, i) => [x, i]).filter(([, i]) => !q || keys[i].includes(q));
    if (q) found.sort((a, b) => rank(b[0], q) - rank(a[0], q) || a[1] - b[1]);
    found = found.map(([x]) => x);
    list.replaceChildren(...found.slice(0, MAX_LIST).map(item));
    status.textContent = found.length === 0
      ? `Nothing matches “${input.value.trim()}”.`
      : found.length > MAX_LIST
        ? `Showing ${MAX_LIST} of ${found.length}${q ? ' matches' : ''}; type to narrow the list.`
        : `${found.length} ${found.length === 1 ? 'match' : 'matches'}.`;
  };
  input.addEventListener('input', () => {
    const q = input.value.trim();
    history.replaceState(null, '', `#/${route}${q ? `?q=${enc(q)}` : ''}`);
    draw();
  });
  draw();
}

function roomsView(ctx) {
  return listView(ctx, {
    title: 'Rooms', path: 'api/rooms', route: 'rooms', label: 'Search by name, building or type',
    intro: 'Every room with its week of bookings.',
    key: (r) => fold(`${r.name} ${r.building} ${r.type}`),
    rank: (r, q) => (fold(r.name).startsWith(q) ? 2 : 0) + (fold(r.building) === q ? 1 : 0),
    item: (r) => h('li', {},
      h('a', { href: `#/rooms/${enc(r.name)}`, class: 'entity-name' }, r.name),
      h('span', { class: 'meta' }, [r.type, r.building && `building ${r.building}`, r.level !== undefined && `level ${r.level}`,
        r.capacity != null && `${r.capacity} seats`].filter(Boolean).join(' · '))),
  });
}

function coursesView(ctx) {
  return listView(ctx, {
    title: 'Courses', path: 'api/courses', route: 'courses', label: 'Search by code or name',
    intro: 'Every course of the release with its timetable.',
    key: (c) => fold(`${c.code} ${c.name}`),
    rank: (c, q) => (fold(c.code) === q ? 4 : fold(c.code).startsWith(q) ? 2 : 0),
    item: (c) => h('li', {},
      h('a', { href: `#/courses/${enc(c.code)}`, class: 'entity-name' }, h('span', { class: 'code' }, c.code), ' ', c.name),
      h('span', { class: 'meta' }, [c.credits != null && `${c.credits} credits`, c.semesterType].filter(Boolean).join(' · '))),
  });
}

function plansView(ctx) {
  return listView(ctx, {
    title: 'Study plans', path: 'api/studyplans', route: 'studyplans', label: 'Search by unit, section or semester',
    intro: 'Every study plan of the release: its courses and their timetable.',
    key: (p) => fold(`${p.unit.code} ${p.unit.name} ${p.unit.section ?? ''} ${p.unit.promo ?? ''} ${p.semester.name}`),
    rank: (p, q) => (fold(p.unit.code) === q ? 4 : fold(p.unit.code).startsWith(q) ? 2 : 0),
    item: (p) => h('li', {},
      h('a', { href: `#/studyplans/${enc(p._id)}`, class: 'entity-name' }, p.unit.name),
      h('span', { class: 'meta' }, [p.unit.code, p.semester.name].join(' · '))),
  });
}

// ---- pages with a week ----

// weekOf returns the Monday of the week= parameter, or of now.
function weekOf(ctx) {
  const d = T.parseDate(ctx.query.get('week'));
  return T.weekStart(Number.isNaN(d) ? now() : d);
}

function weekNav(base, monday, items) {
  const link = (w, text, rel) => h('a', { href: `${base}?week=${T.isoDate(w)}`, class: 'week-link', rel }, text);
  const nav = h('nav', { class: 'week-nav', 'aria-label': 'Weeks' },
    link(monday - 7 * T.DAY, '← Previous week', 'prev'),
    link(T.weekStart(now()), 'This week'),
    link(monday + 7 * T.DAY, 'Next week →', 'next'));
  const inWeek = items.some((it) => it.start < monday + 7 * T.DAY && it.end > monday);
  let hint = null;
  if (!inWeek && items.length) {
    const before = items.filter((it) => it.end <= monday).at(-1);
    const after = items.find((it) => it.start >= monday + 7 * T.DAY);
    hint = h('p', { class: 'week-hint' }, 'Nothing this week.',
      before ? [' ', link(T.weekStart(before.start), `Earlier: week of ${T.dayLabel(T.weekStart(before.start))}`)] : null,
      after ? [' ', link(T.weekStart(after.start), `Later: week of ${T.dayLabel(T.weekStart(after.start))}`)] : null);
  }
  return [h('h2', { id: 'week-title', 'data-week': T.isoDate(monday) }, `Week of ${T.longDayLabel(monday)}`), nav, hint];
}

function roomLinks(rooms) {
  if (!rooms || rooms.length === 0) return h('span', { class: 'no-room' }, 'no room');
  const out = [];
  rooms.forEach((r, i) => {
    if (i) out.push(', ');
    out.push(h('a', { href: `#/rooms/${enc(r.name)}` }, r.name));
  });
  return h('span', {}, ...out);
}

function timed(list, make) {
  const out = [];
  for (const s of list) {
    const start = clock.parse(s.start_datetime);
    const end = clock.parse(s.end_datetime);
    if (Number.isNaN(start) || Number.isNaN(end)) continue;
    out.push({ start, end, rawStart: s.start_datetime, rawEnd: s.end_datetime, ...make(s) });
  }
  return out.sort((a, b) => a.start - b.start || a.end - b.end);
}

function facts(pairs) {
  return h('dl', { class: 'facts' }, ...pairs.filter(([, v]) => v !== null && v !== undefined && v !== '')
    .map(([k, v]) => h('div', {}, h('dt', {}, k), h('dd', {}, v))));
}

function feedLink(path) {
  return h('a', { href: api(path), class: 'feed', type: 'text/calendar' }, 'Calendar feed (.ics)');
}

// feedLinks lists an entity's calendar feed and, beside it, the Atom feed
// of its changes (a tree built before the change feed has none: the link
// then leads to a 404, and the page works as before).
function feedLinks(collection, name) {
  return [
    feedLink(`api/${collection}/${enc(name)}.ics`),
    atomLink(`api/${collection}/${enc(name)}/changes.atom`, 'Changes feed (Atom)'),
  ];
}

// roomState says whether the room is free or occupied at n, and until when.
function roomState(items, n) {
  let busyUntil = null;
  for (const it of items) {
    if (busyUntil === null) {
      if (it.start <= n && it.end > n) busyUntil = it.end;
    } else if (it.start <= busyUntil) {
      busyUntil = Math.max(busyUntil, it.end);
    }
  }
  if (busyUntil !== null) return { state: 'occupied', text: `Occupied until ${T.untilLabel(busyUntil, n)}`, until: busyUntil };
  const next = items.find((it) => it.start > n);
  if (next) return { state: 'free', text: `Free until ${T.untilLabel(next.start, n)}`, until: next.start };
  return { state: 'free', text: 'Free: no later booking', until: null };
}

async function roomView(ctx, name) {
  show(heading(name));
  const changes = changesOf('rooms', name);
  let room;
  try {
    room = await get(`api/rooms/${enc(name)}`);
  } catch (e) {
    return gone(ctx, e, name, 'rooms', changes);
  }
  const ec = await changes;
  if (ctx.stale()) return;
  const monday = weekOf(ctx);
  const items = timed(room.schedules || [], (s) => (s.course
    ? { kind: 'course', title: h('a', { href: `#/courses/${enc(s.course.code)}` }, s.course.code), subtitle: s.course.name, label: s.label }
    : { kind: 'event', title: s.name, subtitle: s.description, label: s.label }));
  const n = now();
  const st = roomState(items, n);
  const [lat, lon] = Array.isArray(room.coordinates) ? room.coordinates : [];
  const links = [
    lat !== undefined ? h('a', { href: `https://www.openstreetmap.org/?mlat=${lat}&mlon=${lon}#map=19/${lat}/${lon}`, rel: 'noopener' }, 'Map') : null,
    safeURL(room.link) ? h('a', { href: room.link, rel: 'noopener' }, 'Campus plan') : null,
    ...feedLinks('rooms', room.name),
  ].filter(Boolean);
  const base = `#/rooms/${enc(room.name)}`;
  show(heading(room.name, { 'data-room': room.name }),
    h('p', { class: `room-state state-${st.state}`, 'data-state': st.state, 'data-until': st.until === null ? '' : T.isoLocal(st.until) },
      st.text, h('span', { class: 'state-when' }, ` (at ${T.dayLabel(n)} ${T.hhmm(n)})`)),
    changesBlock(ec),
    facts([['Type', room.type], ['Building', room.building], ['Level', room.level], ['Capacity', room.capacity == null ? 'unknown' : `${room.capacity} seats`]]),
    h('ul', { class: 'links' }, ...links.map((a) => h('li', {}, a))),
    h('section', { class: 'week-section', 'aria-labelledby': 'week-title' }, ...weekNav(base, monday, items), weekGrid(monday, items, n), legend()));
}

function legend() {
  return h('p', { class: 'legend' }, h('span', { class: 'tag tag-course' }, 'Course'), ' course sessions (with their kind: cours, exercice, …); ',
    h('span', { class: 'tag tag-event' }, 'Event'), ' other bookings.');
}

async function courseView(ctx, code) {
  show(heading(code));
  const changes = changesOf('courses', code);
  let c;
  try {
    c = await get(`api/courses/${enc(code)}`);
  } catch (e) {
    return gone(ctx, e, code, 'courses', changes);
  }
  const ec = await changes;
  if (ctx.stale()) return;
  const monday = weekOf(ctx);
  const items = timed(c.schedules || [], (s) => ({ kind: 'course', title: roomLinks(s.rooms), label: s.label }));
  const teachers = (c.teachers || []).map((t, i) => [i ? ', ' : null, safeURL(t.people_url) ? h('a', { href: t.people_url, rel: 'noopener' }, t.name) : t.name]);
  const plans = (c.studyplans || []).map((p) => h('li', {}, h('a', { href: `#/studyplans/${enc(p._id)}` }, p.unit.name), ` · ${p.semester.name}`));
  show(heading(`${c.code} ${c.name}`, { 'data-course': c.code }),
    changesBlock(ec),
    facts([['Credits', c.credits], ['Language', c.language], ['Teachers', teachers.length ? h('span', {}, teachers) : null],
      ['Course page', safeURL(c.edu_url) ? h('a', { href: c.edu_url, rel: 'noopener' }, 'Course book') : null]]),
    h('ul', { class: 'links' }, feedLinks('courses', c.code).map((a) => h('li', {}, a))),
    h('section', { class: 'week-section', 'aria-labelledby': 'week-title' }, ...weekNav(`#/courses/${enc(c.code)}`, monday, items), weekGrid(monday, items, now())),
    plans.length ? h('section', { 'aria-labelledby': 'plans-title' }, h('h2', { id: 'plans-title' }, 'Study plans'), h('ul', { class: 'entity-list' }, plans)) : null);
}

async function planView(ctx, id) {
  show(heading('Study plan'));
  const changes = changesOf('studyplans', id);
  let p;
  try {
    p = await get(`api/studyplans/${enc(id)}`);
  } catch (e) {
    return gone(ctx, e, id, 'studyplans', changes);
  }
  const ec = await changes;
  if (ctx.stale()) return;
  const monday = weekOf(ctx);
  const items = timed(p.schedules || [], (s) => ({
    kind: 'course', title: h('a', { href: `#/courses/${enc(s.course.code)}` }, s.course.code),
    subtitle: s.course.name, label: s.label, rooms: roomLinks(s.rooms),
  }));
  const semStart = clock.parse(p.semester.start_date);
  const semEnd = clock.parse(p.semester.end_date);
  const courses = (p.courses || []).map((c) => h('li', {},
    h('a', { href: `#/courses/${enc(c.code)}`, class: 'entity-name' }, h('span', { class: 'code' }, c.code), ' ', c.name),
    h('span', { class: 'meta' }, [c.credits != null && `${c.credits} credits`, c.language].filter(Boolean).join(' · '))));
  show(heading(p.unit.name, { 'data-studyplan': p._id }),
    changesBlock(ec),
    facts([['Unit', p.unit.code], ['Section', p.unit.section], ['Promotion', p.unit.promo], ['Semester', p.semester.name],
      ['Dates', Number.isNaN(semStart) ? null : `${T.longDayLabel(semStart)} to ${T.longDayLabel(semEnd)}`]]),
    h('ul', { class: 'links' }, feedLinks('studyplans', p._id).map((a) => h('li', {}, a))),
    h('section', { class: 'week-section', 'aria-labelledby': 'week-title' }, ...weekNav(`#/studyplans/${enc(p._id)}`, monday, items), weekGrid(monday, items, now()), legend()),
    h('section', { 'aria-labelledby': 'courses-title' }, h('h2', { id: 'courses-title' }, 'Courses'), h('ul', { class: 'entity-list' }, courses)));
}

// ---- changes ----

// The change feed: what each of the last releases changed, as the build
// compared it with the release it replaced (api/changes/index.json lists
// them newest first, api/changes/<id>.json holds one release's changes,
// api/<collection>/<name>/changes.json those that concern one room,
// course or study plan). A tree built before the feed has none of these
// files: its entity pages show no change and its changes page says so.

// The items a change is about, in the feed's order of sheets.
const changeTypes = [
  ['semester', 'Semesters'],
  ['room', 'Rooms'],
  ['teacher', 'Teachers'],
  ['course', 'Courses'],
  ['studyplan', 'Study plans'],
  ['session', 'Weekly sessions'],
  ['booking', 'Bookings'],
];
const changeKinds = ['added', 'removed', 'changed', 'moved'];
// A new semester changes thousands of sessions: each type's list shows
// this many, and the rest on demand.
const GROUP_MAX = 100;
// The rooms, courses or study plans a change concerns, linked: a
// semester's change concerns every plan of it.
const CONCERNS_MAX = 8;
// The block of an entity's page lists this many changes, the rest
// (up to the hundred its changes.json lists) behind "Show …".
const BLOCK_MAX = 10;

const setIdRE = /^[0-9a-f]{12}$/;

/** short names a release by the first 12 digits of its id, as the foot does. */
function short(release) {
  return typeof release === 'string' ? release.slice(0, 12) : '';
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** countsText says "1 added, 2 moved" of a release's counts. */
function countsText(counts) {
  const c = counts && typeof counts === 'object' ? counts : {};
  const parts = changeKinds.filter((k) => Number(c[k]) > 0).map((k) => `${Number(c[k])} ${k}`);
  return parts.length ? parts.join(', ') : 'no change';
}

/** published writes when a release was published (a UTC instant) in campus time. */
function published(date) {
  const ms = typeof date === 'string' ? Date.parse(date) : NaN;
  if (Number.isNaN(ms)) return h('span', {}, 'at an unknown date');
  const w = clock.wallOf(ms);
  return h('time', { datetime: date }, `${T.longDayLabel(w)} at ${T.hhmm(w)}`);
}

function atomLink(path, text) {
  return h('a', { href: api(path), class: 'feed', type: 'application/atom+xml' }, text);
}

/** setLink links a release's change page, when its id is one the build writes. */
function setLink(id, ...children) {
  return setIdRE.test(id) ? h('a', { href: `#/changes/${id}` }, ...children) : h('span', {}, ...children);
}

/**
 * releasesOf returns the releases of a changes.json (an entity's) that
 * can be shown, newest first; [] when there is none or no file.
 */
function releasesOf(ec) {
  const rels = ec && Array.isArray(ec.releases) ? ec.releases : [];
  return rels.filter((r) => r && typeof r === 'object' && Array.isArray(r.changes));
}

/**
 * changesOf fetches an entity's changes.json; it resolves to null when the
 * tree has none (built before the change feed) or it cannot be read, so
 * that the entity's page shows without it.
 */
async function changesOf(collection, name) {
  try {
    return await get(`api/${collection}/${enc(name)}/changes.json`);
  } catch {
    return null;
  }
}

/**
 * changesBlock says what the releases kept changed of an entity: when the
 * newest release that changed it is the one the page shows, a block
 * "Changed in this release" with its changes; when it is an older one, a
 * line with its date; nothing when no release kept changed it.
 */
function changesBlock(ec) {
  const rels = releasesOf(ec);
  if (!rels.length) return null;
  const r = rels[0];
  const more = Number(r.more) > 0 ? Number(r.more) : 0;
  const n = r.changes.length + more;
  if (!cfg.release || r.release !== cfg.release) {
    return h('p', { class: 'changes-recent', id: 'changes-recent', 'data-id': r.id },
      'Recent changes: ', setLink(r.id, published(r.date)), ` (${plural(n, 'change')}, release ${short(r.release)}).`);
  }
  return h('section', { class: 'changed', id: 'changed', 'aria-labelledby': 'changed-title', 'data-id': r.id },
    h('h2', { id: 'changed-title' }, 'Changed in this release'),
    changeLines(r.changes),
    h('p', { class: 'changed-foot' },
      more ? h('span', { class: 'changed-more' }, `… and ${more} more. `) : null,
      'Published ', published(r.date), '. ',
      setLink(r.id, 'Every change of this release'), '.'));
}

/**
 * gone shows the 404 of a room, course or study plan, and the changes that
 * concern it when the feed keeps some: one a release removed keeps its
 * changes.json, and its Atom feed's links lead here.
 */
async function gone(ctx, err, name, collection, changes) {
  if (err.status !== 404) throw err;
  const rels = releasesOf(await changes);
  if (ctx.stale()) return;
  if (!rels.length) throw err;
  const r = rels[0];
  show(heading(name),
    errorBox(`${err.message}: it is not in the release this page shows.`),
    h('section', { class: 'changed', id: 'changed', 'aria-labelledby': 'changed-title', 'data-id': r.id },
      h('h2', { id: 'changed-title' }, 'Its last changes'),
      changeLines(r.changes),
      h('p', { class: 'changed-foot' }, 'Published ', published(r.date), ` (release ${short(r.release)}). `,
        setLink(r.id, 'Every change of that release'), '.')),
    h('ul', { class: 'links' }, h('li', {}, atomLink(`api/${collection}/${enc(name)}/changes.atom`, 'Changes feed (Atom)'))));
}

/** changeLines lists changes' texts, those after the first BLOCK_MAX folded. */
function changeLines(changes) {
  const line = (ch) => h('li', changeAttrs(ch), changeText(ch));
  const rest = changes.slice(BLOCK_MAX);
  return [
    h('ul', { class: 'change-list' }, changes.slice(0, BLOCK_MAX).map(line)),
    rest.length ? h('details', { class: 'changed-rest' }, h('summary', {}, `Show ${plural(rest.length, 'other change')}`),
      h('ul', { class: 'change-list' }, rest.map(line))) : null,
  ];
}

function changeAttrs(ch) {
  const kind = changeKinds.includes(ch.change) ? ch.change : 'other';
  return { class: `change change-${kind}`, 'data-type': String(ch.type ?? ''), 'data-change': kind };
}

function changeText(ch) {
  return h('span', { class: 'change-text' }, String(ch.text ?? ''));
}

/** nameList returns the strings of a change's list of names. */
function nameList(v) {
  return Array.isArray(v) ? v.filter((s) => typeof s === 'string' && s !== '') : [];
}

/**
 * concerns links the rooms, courses and study plans a change concerns
 * (plans by their unit code when plans, the list of study plans, is
 * known).
 */
function concerns(ch, plans) {
  const parts = [];
  for (const [key, label, route] of [['rooms', 'Rooms', 'rooms'], ['courses', 'Courses', 'courses'], ['studyplans', 'Study plans', 'studyplans']]) {
    const names = nameList(ch[key]);
    if (!names.length) continue;
    const links = [];
    names.slice(0, CONCERNS_MAX).forEach((name, i) => {
      if (i) links.push(', ');
      const p = key === 'studyplans' ? plans?.get(name) : null;
      links.push(h('a', { href: `#/${route}/${enc(name)}`, title: p ? `${p.unit.name}, ${p.semester.name}` : null }, p ? p.unit.code : name));
    });
    if (names.length > CONCERNS_MAX) links.push(` and ${names.length - CONCERNS_MAX} more`);
    parts.push(h('span', { class: 'concern' }, `${label}: `, ...links));
  }
  return parts.length ? h('p', { class: 'change-concerns' }, ...parts) : null;
}

/**
 * changeGroups returns a section per type of item changed (rooms,
 * sessions…), in the feed's order, each with its heading (tag hl) and its
 * changes, each with links to what it concerns.
 */
function changeGroups(changes, hl, plans) {
  const groups = new Map();
  for (const ch of changes) {
    if (!ch || typeof ch !== 'object') continue;
    const type = String(ch.type ?? '');
    if (!groups.has(type)) groups.set(type, []);
    groups.get(type).push(ch);
  }
  const order = (t) => {
    const i = changeTypes.findIndex(([k]) => k === t);
    return i < 0 ? changeTypes.length : i;
  };
  return [...groups].sort((a, b) => order(a[0]) - order(b[0])).map(([type, list], gi) => {
    const title = changeTypes.find(([k]) => k === type)?.[1] ?? (type || 'Other');
    const id = `group-${gi}`;
    const ul = h('ul', { class: 'change-list change-set-list' });
    const draw = (all) => ul.replaceChildren(...(all ? list : list.slice(0, GROUP_MAX))
      .map((ch) => h('li', changeAttrs(ch), changeText(ch), concerns(ch, plans))));
    draw(false);
    let more = null;
    if (list.length > GROUP_MAX) {
      more = h('button', { type: 'button', class: 'link-button' }, `Show all ${list.length}`);
      more.addEventListener('click', () => {
        draw(true);
        more.remove();
        // The focus goes to the first change the button revealed.
        const next = ul.children[GROUP_MAX];
        next.setAttribute('tabindex', '-1');
        next.focus();
      });
    }
    return h('section', { class: 'change-group', 'aria-labelledby': id, 'data-type': type },
      h(hl, { id }, `${title} (${list.length})`), ul, more);
  });
}

/**
 * planNames returns the study plans by id, to name them by their unit, or
 * null when the list cannot be read (plans are then named by their id).
 */
async function planNames(changes) {
  if (!changes.some((ch) => nameList(ch?.studyplans).length)) return null;
  try {
    const all = await get('api/studyplans');
    return new Map(all.filter((p) => p && p.unit && p.semester).map((p) => [p._id, p]));
  } catch {
    return null;
  }
}

/** fetchSet reads one release's changes, with a message for a set the feed no longer keeps. */
async function fetchSet(id) {
  try {
    const set = await get(`api/changes/${id}.json`);
    if (!set || typeof set !== 'object') throw new ApiError(`The changes of ${id} are not readable.`, 0);
    if (!Array.isArray(set.changes)) set.changes = [];
    return set;
  } catch (e) {
    if (e.status === 404) throw new ApiError(`No changes at this address: the feed keeps the last releases' changes only (${id}).`, 404);
    throw e;
  }
}

function releaseFacts(set) {
  return [
    'Published ', published(set.date),
    typeof set.previous === 'string' && set.previous ? ` in place of release ${short(set.previous)}` : '',
    `: ${countsText(set.counts)}.`,
    set.release === cfg.release ? ' This is the release the page shows.' : '',
  ];
}

function partialNote(set) {
  return set.partial
    ? h('p', { class: 'notice' }, 'The release it replaced was published by a build that did not record it: only the names of rooms, courses and study plans were compared.')
    : null;
}

async function changesView(ctx) {
  show(heading('Changes'));
  let log = null;
  try {
    log = await get('api/changes/index.json');
  } catch (e) {
    if (e.status !== 404) throw e; // a tree built before the change feed has none
  }
  if (ctx.stale()) return;
  const releases = (log && Array.isArray(log.releases) ? log.releases : [])
    .filter((r) => r && typeof r === 'object' && setIdRE.test(r.id));
  const intro = h('p', { class: 'lead' }, 'What each new release of the timetable changed, compared with the release it replaced, newest first. Times are campus time.');
  const feed = h('ul', { class: 'links' }, h('li', {}, atomLink('api/changes/index.atom', 'Atom feed of the changes')));
  if (!releases.length) {
    show(heading('Changes'), intro,
      h('p', { class: 'status', id: 'changes-none' }, 'No change published yet: a release lists its changes here when it replaces another.'),
      log ? feed : null);
    return;
  }
  const newest = releases[0];
  let latest;
  try {
    const set = await fetchSet(newest.id);
    const plans = await planNames(set.changes);
    latest = [
      h('p', {}, ...releaseFacts(set)),
      partialNote(set),
      ...changeGroups(set.changes, 'h3', plans),
    ];
  } catch (e) {
    latest = [errorBox(`The changes of the latest release could not be read: ${e.message}`)];
  }
  if (ctx.stale()) return;
  show(heading('Changes'), intro, feed,
    h('section', { 'aria-labelledby': 'releases-title' },
      h('h2', { id: 'releases-title' }, 'Releases'),
      h('ol', { class: 'release-list', id: 'releases' }, releases.map((r) => h('li', { 'data-id': r.id, 'data-release': String(r.release ?? '') },
        setLink(r.id, published(r.date)),
        h('span', { class: 'meta' }, [`release ${short(r.release)}`, r.release === cfg.release && 'shown on this page',
          countsText(r.counts), r.partial && 'names only'].filter(Boolean).join(' · ')))))),
    h('section', { class: 'change-set', id: 'change-set', 'aria-labelledby': 'latest-title', 'data-id': newest.id },
      h('h2', { id: 'latest-title' }, `Latest changes: release ${short(newest.release)}`), ...latest));
}

async function changeSetView(ctx, id) {
  show(heading('Changes'));
  if (!setIdRE.test(id)) throw new ApiError(`No changes at this address: ${id} is not a release's change set.`, 404);
  const set = await fetchSet(id);
  const plans = await planNames(set.changes);
  if (ctx.stale()) return;
  show(heading(`Changes of release ${short(set.release)}`, { 'data-set': id }),
    h('p', { class: 'lead' }, ...releaseFacts(set)),
    h('ul', { class: 'links' },
      h('li', {}, h('a', { href: '#/changes' }, 'Every release kept')),
      h('li', {}, atomLink('api/changes/index.atom', 'Atom feed of the changes'))),
    partialNote(set),
    set.changes.length ? null : h('p', {}, 'No change listed.'),
    h('div', { class: 'change-set', id: 'change-set', 'data-id': id }, ...changeGroups(set.changes, 'h2', plans)));
}

boot().catch((e) => fatal(e.message));
