// The agent console (/console): state with reasons, offers with countdowns, the screen pop, call controls, the
// queue's call-backs and the agent's own figures, all over MQTT (ccgw/agents/{me}/#, ccgw/queues/#, ccgw/center/#).
// Commands go to ccgw/agents/{me}/commands and pass the broker's ACL and the gateway's checks like any client's;
// refusals come back on ccgw/agents/{me}/errors and are shown. Chats run over the agent's own XMPP session on /xmpp
// (src/lib/agent-chats.js). Nothing the agent types is lost across a reconnect:
// the page never reloads for one, and the notes are also kept in this browser's storage.
import '../styles/consoles.css';
import { $, el, localTime, duration, stateBadge, renderValue, label, showLink, showError } from '../lib/dom.js';
import { staffLink } from '../lib/staff-link.js';
import { renderCallbacks } from '../lib/callbacks.js';
import { agentChats } from '../lib/agent-chats.js';

const me = $('app').dataset.staff;
const topic = `ccgw/agents/${me}`;
let session = { notReadyReasons: [], wrapUpSeconds: 30, queues: [] };
let presence = null;
let gatewayOnline = true;
let linkState = 'connecting';
const offers = new Map();   // interactionId → offer payload (open offers)
const work = new Map();     // interactionId → offer payload (accepted, in hand)
const callbackLists = new Map();
const queueStats = new Map();
const figuresKey = `ccgw-console-figures-${me}`;
const figures = JSON.parse(sessionStorage.getItem(figuresKey) ?? 'null') ?? { since: new Date().toISOString(), offers: 0, accepted: 0, declined: 0, handled: 0 };

const known = new Set(['type', 'interactionId', 'channel', 'queue', 'waitedSeconds', 'customer', 'url', 'reason', 'expiresAt', 'address', 'product', 'client', 'variables', 'receivedAt']);

function send(body) {
  if (!link.publish(`${topic}/commands`, body)) showError(`Not sent (${body.action}): the console is offline; try again once it is back.`);
}

function updateLink() {
  showLink(linkState === 'online' && !gatewayOnline ? 'gatewayOffline' : linkState);
}

// ---- state --------------------------------------------------------------------------------------------------------

function renderState() {
  const state = presence?.state ?? 'offline';
  $('state').replaceWith(Object.assign(stateBadge(state, presence?.reason), { id: 'state' }));
  $('state-since').textContent = presence?.since ? `since ${localTime(presence.since)}` : '';
  $('wrap-up').hidden = state !== 'wrapUp';
  tick();
  renderWork();
}

function tick() {
  const now = Date.now();
  if (presence?.state === 'wrapUp') {
    const left = (new Date(presence.since).getTime() + session.wrapUpSeconds * 1000 - now) / 1000;
    $('wrap-up-left').textContent = left > 0 ? `${duration(left)} left` : 'time is up';
  }
  for (const [id, offer] of offers) {
    const item = document.querySelector(`[data-offer="${CSS.escape(id)}"]`);
    if (!item) continue;
    const waited = offer.waitedSeconds + (now - offer.receivedAt) / 1000;
    item.querySelector('.waited').textContent = duration(waited);
    const left = offer.expiresAt ? (new Date(offer.expiresAt).getTime() - now) / 1000 : null;
    item.querySelector('.expires').textContent = left === null ? '–' : left > 0 ? `${Math.ceil(left)} s` : 'expiring';
  }
}

// ---- offers and the screen pop ------------------------------------------------------------------------------------

function screenPop(offer) {
  const pop = el('div', { class: 'screen-pop' });
  const c = offer.customer;
  if (c) {
    pop.append(el('h4', { text: c.name ?? c.id ?? 'Customer' }));
    const dl = el('dl', { class: 'customer' });
    const add = (k, v) => { if (v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0)) dl.append(el('dt', { text: k }), el('dd', {}, renderValue(v))); };
    add('Customer id', c.id);
    add('Phones', c.phones);
    add('IM addresses', c.imAddresses);
    add('Products', (c.products ?? []).map(p => `${p.name ?? p.code}${p.since ? ` (since ${p.since})` : ''}`));
    add('Orders', (c.orders ?? []).map(o => `${o.orderId}: ${o.status}${o.productCode ? `, ${o.productCode}` : ''}${o.placedAt ? `, ${new Date(o.placedAt).toLocaleDateString()}` : ''}`));
    add('Preferred contact', c.preferredContact);
    for (const [k, v] of Object.entries(c)) if (!['id', 'name', 'phones', 'imAddresses', 'products', 'orders', 'preferredContact'].includes(k)) add(label(k), v);
    pop.append(dl);
  } else {
    pop.append(el('p', { text: 'Unknown customer.' }));
  }
  const more = el('dl', { class: 'offer-details' });
  if (offer.url && /^https?:\/\//i.test(offer.url)) more.append(el('dt', { text: 'Page' }), el('dd', {}, el('a', { href: offer.url, target: '_blank', rel: 'noopener noreferrer', text: offer.url })));
  if (offer.reason) more.append(el('dt', { text: 'Reason' }), el('dd', { text: offer.reason }));
  if (offer.product) more.append(el('dt', { text: 'Product' }), el('dd', { text: offer.product }));
  if (offer.address) more.append(el('dt', { text: 'Address' }), el('dd', { text: offer.address }));
  if (offer.variables) more.append(el('dt', { text: 'Collected' }), el('dd', {}, renderValue(offer.variables)));
  if (offer.client) more.append(el('dt', { text: 'Client' }), el('dd', {}, renderValue(offer.client)));
  // Whatever else the offer carries (the self-help trail, orders, ...): shown generically under its own name.
  for (const [k, v] of Object.entries(offer)) if (!known.has(k)) more.append(el('dt', { text: label(k) }), el('dd', {}, renderValue(v)));
  if (more.children.length > 0) pop.append(more);
  return pop;
}

function renderOffers() {
  const list = $('offers');
  list.replaceChildren(...[...offers.values()].map(offer => el('li', { class: 'offer', 'data-offer': offer.interactionId },
    el('h3', { text: `${label(offer.channel)} offer – queue ${offer.queue}` }),
    el('p', { class: 'offer-line' },
      el('span', { text: 'Waited ' }), el('span', { class: 'waited' }),
      el('span', { text: ' · answer within ' }), el('span', { class: 'expires', role: 'timer' })),
    screenPop(offer),
    el('div', { class: 'controls' },
      el('button', { type: 'button', class: 'accept', text: 'Accept', onclick: () => send({ action: 'accept', interactionId: offer.interactionId }) }),
      el('button', { type: 'button', class: 'decline', text: 'Decline', onclick: () => send({ action: 'reject', interactionId: offer.interactionId, reason: 'declined' }) })),
  )));
  $('no-offers').hidden = offers.size > 0;
  tick();
}

function renderWork() {
  const held = presence?.interactions ?? [];
  // A colleague handing a call over to me (presence "consults", issue 19): my phone rings for the consult.
  const incoming = (presence?.consults ?? []).find(c => c.to === me);
  $('consult-incoming').hidden = !incoming;
  $('consult-incoming').textContent = incoming ? `Consult from ${incoming.from} – answer your phone to talk; they may hand the caller to you` : '';
  const box = $('work');
  // What the presence says the agent holds, plus accepted offers the presence has not caught up with yet.
  const items = [...new Set([...held, ...work.keys()])].filter(id => !offers.has(id));
  if (items.length === 0) {
    box.replaceChildren(el('p', { class: 'empty', text: 'Nothing in hand.' }));
    $('call-controls').hidden = true;
    return;
  }
  box.replaceChildren(...items.map(id => {
    const offer = work.get(id);
    return el('article', { class: 'work-item', 'data-interaction': id },
      el('h3', { text: offer ? `${label(offer.channel)} – queue ${offer.queue}` : `Interaction ${id}` }),
      offer ? screenPop(offer) : el('p', { text: id }));
  }));
  const current = items[0];
  $('call-controls').hidden = presence?.state === 'wrapUp';
  $('call-controls').dataset.interaction = current;
  // Hold and resume are voice only; the presence's "held" lists the calls on hold (the gateway plays them music).
  const voice = (work.get(current)?.channel ?? 'voice') === 'voice';
  const isHeld = (presence?.held ?? []).includes(current);
  const focused = document.activeElement?.id;
  // A consult I started: the caller hears music, my phone talks to the colleague; Complete or Cancel replace Consult.
  const consulting = (presence?.consults ?? []).find(c => c.interactionId === current && c.from === me);
  $('hold').hidden = !voice || isHeld || !!consulting;
  $('resume').hidden = !voice || !isHeld || !!consulting;
  $('hold-state').hidden = !isHeld || !!consulting;
  for (const id of ['consult-agent', 'consult', 'transfer-agent']) $(id).hidden = !voice || !!consulting;
  document.querySelector('label[for="consult-agent"]').hidden = !voice || !!consulting;
  $('complete-transfer').hidden = !consulting;
  $('cancel-consult').hidden = !consulting;
  $('consult-state').hidden = !consulting;
  $('consult-state').textContent = consulting ? `Consulting ${consulting.to} – the caller hears music` : '';
  // Keyboard users keep their place: the button they pressed is replaced by its twin, which takes the focus.
  if (focused === 'hold' && isHeld) $('resume').focus();
  else if (focused === 'resume' && !isHeld) $('hold').focus();
  else if (focused === 'consult' && consulting) $('complete-transfer').focus();
  else if ((focused === 'complete-transfer' || focused === 'cancel-consult') && !consulting && voice) $('consult').focus();
}

function renderChatCapacity() {
  const im = presence?.channels?.im;
  $('chat-capacity').textContent = im && im.capacity > 0 ? `${im.load} of ${im.capacity} chats` : '';
}

// ---- call-backs and figures ---------------------------------------------------------------------------------------

function renderFigures() {
  sessionStorage.setItem(figuresKey, JSON.stringify(figures));
  const dl = $('figures');
  dl.replaceChildren(
    el('dt', { text: 'Since' }), el('dd', { text: localTime(figures.since) }),
    el('dt', { text: 'Offers' }), el('dd', { text: figures.offers }),
    el('dt', { text: 'Accepted' }), el('dd', { text: figures.accepted }),
    el('dt', { text: 'Declined or missed' }), el('dd', { text: figures.declined }),
    el('dt', { text: 'Handled' }), el('dd', { text: figures.handled }));
  const rows = [...queueStats.values()].map(s => el('tr', {},
    el('th', { scope: 'row', text: s.queue }), el('td', { text: s.waiting }), el('td', { text: duration(s.longestWaitSeconds) }),
    el('td', { text: s.answered ?? '–' })));
  $('queue-figures').replaceChildren(rows.length === 0 ? '' : el('table', {},
    el('caption', { text: 'Queues' }),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col', text: 'Queue' }), el('th', { scope: 'col', text: 'Waiting' }),
      el('th', { scope: 'col', text: 'Longest wait' }), el('th', { scope: 'col', text: 'Answered' }))),
    el('tbody', {}, rows)));
}

// ---- messages -----------------------------------------------------------------------------------------------------

function onMessage(t, text) {
  let m;
  try { m = JSON.parse(text); } catch { return; }
  if (t === `${topic}/presence`) {
    const was = presence?.state;
    // An interaction the previous presence held and this one does not is over (wrap-up ended, transferred away).
    for (const id of [...work.keys()]) if ((presence?.interactions ?? []).includes(id) && !(m.interactions ?? []).includes(id)) work.delete(id);
    presence = m;
    if (was === 'wrapUp' && m.state !== 'wrapUp') { figures.handled += 1; renderFigures(); }
    renderState();
    renderChatCapacity();
  } else if (t === `${topic}/offers`) {
    if (m.type === 'offerClosed') {
      const offer = offers.get(m.interactionId);
      offers.delete(m.interactionId);
      if (offer && m.outcome === 'accepted') { work.set(m.interactionId, offer); figures.accepted += 1; }
      else if (offer) figures.declined += 1;
      renderFigures();
      renderOffers();
      renderWork();
    } else {
      offers.set(m.interactionId, { ...m, receivedAt: Date.now() });
      figures.offers += 1;
      renderFigures();
      renderOffers();
      // The presence may have listed the offered interaction first: it belongs under Offers, not in hand.
      renderWork();
    }
  } else if (t === `${topic}/errors`) {
    showError(`${m.action ?? 'command'} refused (${m.error}): ${m.message}`);
  } else if (t === 'ccgw/center/status') {
    gatewayOnline = m.gateway !== 'offline';
    updateLink();
  } else if (t.endsWith('/callbacks') && t.startsWith('ccgw/queues/')) {
    callbackLists.set(m.queue, m);
    renderCallbacks($('callbacks'), callbackLists, null);
  } else if (t.endsWith('/stats') && t.startsWith('ccgw/queues/')) {
    queueStats.set(m.queue, m);
    renderFigures();
  }
}

// ---- wiring -------------------------------------------------------------------------------------------------------

$('go-ready').addEventListener('click', () => send({ action: 'ready' }));
$('go-not-ready').addEventListener('click', () => send({ action: 'notReady', reason: $('reason').value }));
$('wrap-up-done').addEventListener('click', () => send({ action: 'wrapUpDone' }));
$('hang-up').addEventListener('click', () => send({ action: 'hangup', interactionId: $('call-controls').dataset.interaction }));
$('hold').addEventListener('click', () => send({ action: 'hold', interactionId: $('call-controls').dataset.interaction }));
$('resume').addEventListener('click', () => send({ action: 'resume', interactionId: $('call-controls').dataset.interaction }));
$('transfer').addEventListener('click', () => send({ action: 'transfer', interactionId: $('call-controls').dataset.interaction, target: $('transfer-queue').value }));
// Issue 19: the colleague is named by agent id; an empty field is refused here, anything else by the gateway.
function toAgent(action) {
  const agentId = $('consult-agent').value.trim();
  if (!agentId) { showError('Enter the agent id of the colleague to consult or transfer to.'); $('consult-agent').focus(); return; }
  send({ action, interactionId: $('call-controls').dataset.interaction, target: { agentId } });
}
$('consult').addEventListener('click', () => toAgent('consult'));
$('transfer-agent').addEventListener('click', () => toAgent('transfer'));
$('complete-transfer').addEventListener('click', () => send({ action: 'completeTransfer', interactionId: $('call-controls').dataset.interaction }));
$('cancel-consult').addEventListener('click', () => send({ action: 'cancelConsult', interactionId: $('call-controls').dataset.interaction }));
const notesKey = `ccgw-console-notes-${me}`;
$('notes').value = localStorage.getItem(notesKey) ?? '';
$('notes').addEventListener('input', () => localStorage.setItem(notesKey, $('notes').value));
setInterval(tick, 1000);
renderFigures();

const link = staffLink({
  subscriptions: [`${topic}/#`, 'ccgw/queues/#', 'ccgw/center/#'],
  onState: s => { linkState = s; updateLink(); },
  onMessage,
});

fetch('/console/api/session', { credentials: 'same-origin' }).then(r => r.json()).then(s => {
  session = s;
  $('reason').replaceChildren(...s.notReadyReasons.map(r => el('option', { value: r, text: label(r) })));
  $('transfer-queue').replaceChildren(...s.queues.map(q => el('option', { value: q.id, text: q.name })));
  // The Chats panel: the agent's XMPP desk in the page (src/lib/agent-chats.js), when ccgw runs its XMPP server.
  if (s.xmppDomain) agentChats({ me, domain: s.xmppDomain, container: $('chats'), status: $('chat-link'), onError: showError });
  else $('chat-link').textContent = 'Chats in the page are off: this gateway runs no XMPP server; use your XMPP client.';
}).catch(() => showError('Could not load the console settings; reload the page.'));
