// Small DOM helpers shared by the consoles. Everything a peer sent is set as text (never as HTML), so a customer's
// name or an offer's extra fields cannot inject markup.

export const $ = id => document.getElementById(id);

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') node.textContent = String(v);
    else if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const child of children.flat()) if (child !== null && child !== undefined) node.append(child);
  return node;
}

/** A local time of day (the browser's zone) for an ISO 8601 time. */
export function localTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

export function localDateTime(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : d.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
}

/** 75 → "1:15"; null → "–". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '–';
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${r}` : `${m}:${r}`;
}

export const stateText = { ready: 'Ready', notReady: 'Not ready', busy: 'Busy', wrapUp: 'Wrap-up', offline: 'Offline' };

/** A badge whose colour class is backed by its text, so the state never depends on colour alone. */
export function stateBadge(state, reason) {
  const text = (stateText[state] ?? state) + (reason && state === 'notReady' ? ` (${reason})` : '');
  return el('span', { class: `badge state-${state}`, text });
}

/** Any JSON value as nested lists, for offer fields the console does not know by name (self-help trail, orders, ...). */
export function renderValue(value) {
  if (value === null || value === undefined) return document.createTextNode('–');
  if (Array.isArray(value)) {
    if (value.length === 0) return document.createTextNode('none');
    return el('ul', { class: 'generic' }, value.map(v => el('li', {}, renderValue(v))));
  }
  if (typeof value === 'object') {
    const dl = el('dl', { class: 'generic' });
    for (const [k, v] of Object.entries(value)) dl.append(el('dt', { text: label(k) }), el('dd', {}, renderValue(v)));
    return dl;
  }
  if (typeof value === 'string' && /^https?:\/\//i.test(value)) return el('a', { href: value, target: '_blank', rel: 'noopener noreferrer', text: value });
  return document.createTextNode(String(value));
}

/** camelCase key → "Camel case" heading. */
export function label(key) {
  const words = String(key).replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The link banner: text says the state; colour only repeats it. */
export function showLink(state) {
  const node = $('link');
  const text = { online: 'Online', connecting: 'Connecting…', offline: 'Offline – reconnecting…', gatewayOffline: 'Gateway offline – waiting for it…' };
  node.textContent = text[state] ?? state;
  node.className = `link link-${state === 'online' ? 'online' : 'offline'}`;
  document.body.classList.toggle('is-offline', state !== 'online');
}

/** Shows an error in the page's alert region (newest first, the last five kept). */
export function showError(text) {
  const box = $('errors');
  box.prepend(el('p', { class: 'error', text: `${new Date().toLocaleTimeString()}: ${text}` }));
  while (box.children.length > 5) box.lastElementChild.remove();
}
