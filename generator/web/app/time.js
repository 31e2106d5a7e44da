// Campus time for the page. Every time the page handles is a "wall" value:
// the campus wall-clock time (Europe/Zurich by default) as milliseconds, read
// as if it were UTC. Arithmetic on days and weeks and every display then use
// UTC getters and formatters with timeZone "UTC", so the device's own zone
// never enters; only converting a true instant (the device's clock, or an
// API datetime with an offset) goes through Intl with the campus zone.

export const MINUTE = 60 * 1000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

const datetimeRE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;

/** pad writes n with at least two digits. */
export function pad(n) {
  return String(n).padStart(2, '0');
}

/**
 * makeClock returns the campus clock for zone (an IANA name). rfc3339 tells
 * how to read a datetime ending in Z: false (the API's default) means campus
 * wall-clock time labelled Z; true means a true UTC instant. Datetimes with
 * an offset are always instants; datetimes without Z or offset are campus
 * wall-clock times. It throws a RangeError when the zone is unknown.
 */
export function makeClock(zone, rfc3339) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone, hourCycle: 'h23',
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', second: '2-digit',
  });

  /** wallOf returns the campus wall-clock time of an instant (epoch ms). */
  function wallOf(ms) {
    const p = {};
    for (const { type, value } of parts.formatToParts(new Date(ms))) p[type] = value;
    const hour = Number(p.hour) % 24; // some engines write midnight as 24
    return Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), hour, Number(p.minute), Number(p.second));
  }

  /** parse reads an API datetime into a wall value; NaN when it is not one. */
  function parse(s) {
    const m = typeof s === 'string' ? datetimeRE.exec(s) : null;
    if (!m) return NaN;
    const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] || 0));
    const off = m[7];
    if (!off || (off === 'Z' && !rfc3339)) return wall;
    if (off === 'Z') return wallOf(wall);
    const sign = off[0] === '-' ? -1 : 1;
    const minutes = Number(off.slice(1, 3)) * 60 + Number(off.slice(4, 6));
    return wallOf(wall - sign * minutes * MINUTE);
  }

  /**
   * instantOf returns the instant of a campus wall-clock time: the first of
   * the two when clocks go back and the time happens twice, and for a time
   * skipped when clocks go forward, the instant the offset before the change
   * gives (02:30 is read as 03:30), as Date does.
   */
  function instantOf(wall) {
    const before = wall - (wallOf(wall - DAY) - (wall - DAY));
    const after = wall - (wallOf(wall + DAY) - (wall + DAY));
    const found = [before, after].filter((ms) => wallOf(ms) === wall);
    return found.length ? Math.min(...found) : before;
  }

  /**
   * later returns the wall time ms of true time after wall: an hour after
   * 01:30 is 03:30 on the night clocks go forward, and two hours after it
   * are 02:30 on the night they go back (adding to the wall time was an
   * hour off across both).
   */
  function later(wall, ms) {
    return wallOf(instantOf(wall) + ms);
  }

  return { zone, rfc3339, wallOf, parse, instantOf, later, now: () => wallOf(Date.now()) };
}

/** floorMinute drops seconds and milliseconds. */
export function floorMinute(wall) {
  return Math.floor(wall / MINUTE) * MINUTE;
}

/** dayStart returns midnight of wall's day. */
export function dayStart(wall) {
  return Math.floor(wall / DAY) * DAY;
}

/** weekStart returns midnight of the Monday of wall's week. */
export function weekStart(wall) {
  const d = dayStart(wall);
  return d - ((new Date(d).getUTCDay() + 6) % 7) * DAY;
}

/** isoDate writes a wall value's day: 2026-11-30. */
export function isoDate(wall) {
  const d = new Date(wall);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

/** isoLocal writes a wall value as the sidecar reads campus time: 2026-11-30T10:00. */
export function isoLocal(wall) {
  const d = new Date(wall);
  return `${isoDate(wall)}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** hhmm writes a wall value's time of day: 09:15. */
export function hhmm(wall) {
  const d = new Date(wall);
  return `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** parseDate reads 2026-11-30 into the wall value of its midnight; NaN if invalid. */
export function parseDate(s) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s || '');
  if (!m) return NaN;
  const w = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return isoDate(w) === s ? w : NaN;
}

/** parseTime reads 14:30 into milliseconds after midnight; NaN if invalid. */
export function parseTime(s) {
  const m = /^(\d{2}):(\d{2})$/.exec(s || '');
  if (!m || Number(m[1]) > 24 || Number(m[2]) > 59 || (Number(m[1]) === 24 && m[2] !== '00')) return NaN;
  return Number(m[1]) * HOUR + Number(m[2]) * MINUTE;
}

/** parseLocal reads 2026-11-30T10:00 (campus wall-clock time) into a wall value; NaN if invalid. */
export function parseLocal(s) {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})$/.exec(s || '');
  if (!m) return NaN;
  return parseDate(m[1]) + parseTime(m[2]);
}

const dayFmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' });
const longDayFmt = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });

/** dayLabel writes a wall value's day for people: Mon 30 Nov. */
export function dayLabel(wall) {
  return dayFmt.format(new Date(wall));
}

/** longDayLabel writes a wall value's day in full: Monday 30 November 2026. */
export function longDayLabel(wall) {
  return longDayFmt.format(new Date(wall));
}

/** untilLabel writes an end time relative to from: 14:00 the same day, else Mon 30 Nov 08:15. */
export function untilLabel(wall, from) {
  if (dayStart(wall) === dayStart(from)) return hhmm(wall);
  return `${dayLabel(wall)} ${hhmm(wall)}`;
}
