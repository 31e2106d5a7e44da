// A tiny element builder: text is always set as text, never parsed as
// HTML, so data from the API cannot inject markup.

/**
 * h creates an element. attrs: attribute values (null, undefined and
 * false leave the attribute out; true sets it empty), and on<event>
 * functions as listeners. children: nodes, strings, numbers, arrays of
 * them; null and false are skipped.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

/** safeURL returns url when it is an http(s) URL, else null. */
export function safeURL(url) {
  return typeof url === 'string' && /^https?:\/\//i.test(url) ? url : null;
}

/** fold lowercases s and drops its accents, for searching. */
export function fold(s) {
  return String(s).normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
}
