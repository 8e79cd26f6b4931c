// The supervisor console (/supervisor): the wallboard per queue (ccgw/queues/+/stats, ccgw/center/status), agents
// with state and time in state (ccgw/agents/+/presence) with force not-ready and sign-out (agent commands), the live
// order of waiting interactions with re-prioritise (supervisor command "reprioritise" through the core), the
// call-back lists with re-prioritise, reschedule and cancel, and alerts when a queue crosses a configured threshold.
import '../styles/consoles.css';
import { $, el, localTime, duration, stateBadge, showLink, showError, label } from '../lib/dom.js';
import { staffLink } from '../lib/staff-link.js';
import { renderCallbacks } from '../lib/callbacks.js';

const me = $('app').dataset.staff;
let session = { queues: [], alerts: { serviceLevelBelow: null, longestWaitSeconds: 60 } };
let linkState = 'connecting';
let gatewayOnline = true;
const stats = new Map();
const agents = new Map();
const callbackLists = new Map();
const recentAgentCommands = new Map(); // agent → time we last commanded it, to show its refusals here
let live = [];

function send(topic, body) {
  if (!link.publish(topic, body)) showError(`Not sent (${body.action}): the console is offline; try again once it is back.`);
}
const supervise = body => send(`ccgw/supervisors/${me}/commands`, body);
function commandAgent(agent, body) {
  recentAgentCommands.set(agent, Date.now());
  send(`ccgw/agents/${agent}/commands`, body);
}

function updateLink() {
  showLink(linkState === 'online' && !gatewayOnline ? 'gatewayOffline' : linkState);
}

// ---- wallboard and alerts -----------------------------------------------------------------------------------------

function queueInfo(id) {
  return session.queues.find(q => q.id === id) ?? { id, name: id, serviceLevelTarget: 0.8, serviceLevelSeconds: 20 };
}

function renderWallboard() {
  const ids = [...new Set([...session.queues.map(q => q.id), ...stats.keys()])];
  const alerts = [];
  $('wallboard').tBodies[0].replaceChildren(...ids.map(id => {
    const q = queueInfo(id);
    const s = stats.get(id);
    const limit = session.alerts.serviceLevelBelow ?? q.serviceLevelTarget;
    const slLow = s && s.serviceLevel !== null && s.serviceLevel !== undefined && s.serviceLevel < limit;
    const waitLong = s && s.longestWaitSeconds >= session.alerts.longestWaitSeconds;
    if (slLow) alerts.push(`${q.name}: service level ${pct(s.serviceLevel)} is below ${pct(limit)}`);
    if (waitLong) alerts.push(`${q.name}: longest wait ${duration(s.longestWaitSeconds)} reached the limit of ${duration(session.alerts.longestWaitSeconds)}`);
    return el('tr', { 'data-queue': id, class: slLow || waitLong ? 'alerting' : '' },
      el('th', { scope: 'row', text: q.name }),
      el('td', { class: 'waiting', text: s?.waiting ?? '–' }),
      el('td', { class: waitLong ? 'bad' : '', text: s ? duration(s.longestWaitSeconds) + (waitLong ? ' (over limit)' : '') : '–' }),
      el('td', { text: s ? (s.ewtSeconds === null ? 'no agent' : duration(s.ewtSeconds)) : '–' }),
      el('td', { class: slLow ? 'bad' : 'good', text: s?.serviceLevel === null || s?.serviceLevel === undefined
        ? `– (target ${pct(q.serviceLevelTarget)} in ${q.serviceLevelSeconds} s)`
        : `${pct(s.serviceLevel)} (target ${pct(q.serviceLevelTarget)} in ${q.serviceLevelSeconds} s)${slLow ? ' – below' : ' – ok'}` }),
      el('td', { text: s?.answered ?? '–' }),
      el('td', { text: s?.abandoned ?? '–' }),
      el('td', { text: s ? `${s.agentsReady} / ${s.agentsBusy}` : '–' }));
  }));
  $('alerts').replaceChildren(...alerts.map(a => el('p', { class: 'alert', text: `Alert – ${a}` })));
}

const pct = x => `${Math.round(x * 100)}%`;

// ---- agents -------------------------------------------------------------------------------------------------------

function renderAgents() {
  $('agents').tBodies[0].replaceChildren(...[...agents.values()].sort((a, b) => a.agentId.localeCompare(b.agentId)).map(a =>
    el('tr', { 'data-agent': a.agentId },
      el('th', { scope: 'row', text: a.agentId }),
      el('td', {}, stateBadge(a.state, a.reason)),
      el('td', { class: 'in-state', 'data-since': a.since, text: duration((Date.now() - new Date(a.since).getTime()) / 1000) }),
      el('td', { text: `voice ${a.channels?.voice?.load ?? 0}/${a.channels?.voice?.capacity ?? 0}, chat ${a.channels?.im?.load ?? 0}/${a.channels?.im?.capacity ?? 0}` }),
      el('td', { class: 'row-actions' },
        el('button', { type: 'button', class: 'force-not-ready', text: 'Force not ready', 'aria-label': `Force not ready: ${a.agentId}`,
          disabled: a.state === 'notReady' || a.state === 'offline',
          onclick: () => commandAgent(a.agentId, { action: 'notReady', reason: 'supervisor' }) }),
        el('button', { type: 'button', class: 'sign-out-agent', text: 'Sign out', 'aria-label': `Sign out: ${a.agentId}`,
          disabled: a.state === 'offline',
          onclick: () => commandAgent(a.agentId, { action: 'logout', reason: 'supervisor' }) })))));
}

function tick() {
  for (const cell of document.querySelectorAll('td.in-state')) cell.textContent = duration((Date.now() - new Date(cell.dataset.since).getTime()) / 1000);
  for (const cell of document.querySelectorAll('td.live-since')) cell.textContent = `${localTime(cell.dataset.since)} (${duration((Date.now() - new Date(cell.dataset.since).getTime()) / 1000)})`;
}

// ---- live interactions --------------------------------------------------------------------------------------------

let refreshing = null;
let again = false;
// Called on every change MQTT reports; reads the core's live order at most once at a time, once more if asked meanwhile.
function refreshLive() {
  if (refreshing) { again = true; return; }
  refreshing = fetch('/supervisor/api/interactions', { credentials: 'same-origin', cache: 'no-store' })
    .then(r => (r.ok ? r.json() : Promise.reject(new Error(`HTTP ${r.status}`))))
    .then(list => { live = list; renderLive(); })
    .catch(() => {})
    .finally(() => { refreshing = null; if (again) { again = false; refreshLive(); } });
}

function priorityControl(id, current, apply) {
  const input = el('input', { type: 'number', min: -100, max: 100, step: 1, value: current ?? 0, id: `prio-${id}`, class: 'priority-input' });
  return [
    el('label', { for: `prio-${id}`, class: 'visually-hidden', text: `Priority of ${id}` }),
    input,
    el('button', { type: 'button', class: 'set-priority', text: 'Set priority', onclick: () => apply(Number.parseInt(input.value, 10)) }),
  ];
}

function renderLive() {
  const body = $('live').tBodies[0];
  // A priority being typed is kept across the redraw (the list is redrawn whenever anything changes).
  const typing = document.activeElement?.classList.contains('priority-input') ? { id: document.activeElement.id, value: document.activeElement.value } : null;
  body.replaceChildren(...live.map(i => el('tr', { 'data-interaction': i.interactionId, 'data-state': i.state },
    el('td', { text: i.position ?? '' }),
    el('th', { scope: 'row', text: i.interactionId }),
    el('td', { text: i.queue }),
    el('td', { text: label(i.channel) }),
    el('td', { text: i.agentId ? `${label(i.state)} – ${i.agentId}` : label(i.state) }),
    el('td', { class: 'live-since', 'data-since': i.since }),
    el('td', { text: i.priority ?? '' }),
    el('td', { class: 'row-actions' }, i.state === 'queued'
      ? priorityControl(i.interactionId, i.priority, p => supervise({ action: 'reprioritise', interactionId: i.interactionId, priority: p }))
      : ''))));
  if (live.length === 0) body.append(el('tr', {}, el('td', { colspan: 8, class: 'empty', text: 'No live interaction.' })));
  if (typing && $(typing.id)) { $(typing.id).value = typing.value; $(typing.id).focus(); }
  tick();
}

function renderCallbackList() {
  renderCallbacks($('callbacks'), callbackLists, item => {
    const when = el('input', { type: 'datetime-local', id: `when-${item.id}` });
    return [
      ...priorityControl(`cb-${item.id}`, item.priority, p => supervise({ action: 'reprioritiseCallback', callbackId: item.id, priority: p })),
      el('label', { for: `when-${item.id}`, class: 'visually-hidden', text: `New time for ${item.id}` }), when,
      el('button', { type: 'button', text: 'Reschedule', onclick: () => {
        const at = new Date(when.value); // the browser's zone, sent as UTC
        if (Number.isNaN(at.getTime())) { showError('Pick a date and time to reschedule to.'); return; }
        supervise({ action: 'rescheduleCallback', callbackId: item.id, at: at.toISOString() });
      } }),
      el('button', { type: 'button', text: 'Cancel call-back', onclick: () => supervise({ action: 'cancelCallback', callbackId: item.id }) }),
    ];
  });
}

// ---- messages -----------------------------------------------------------------------------------------------------

function onMessage(t, text) {
  if (text.length === 0) return;
  let m;
  try { m = JSON.parse(text); } catch { return; }
  const parts = t.split('/');
  if (t === 'ccgw/center/status') {
    gatewayOnline = m.gateway !== 'offline';
    updateLink();
    $('center').textContent = m.gateway === 'offline' ? 'Gateway offline.'
      : `Centre: ${m.waiting ?? 0} waiting, ${m.agentsReady ?? 0} ready, ${m.agentsBusy ?? 0} busy, ${m.agentsWrapUp ?? 0} in wrap-up, ${m.agentsNotReady ?? 0} not ready, ${m.agentsOffline ?? 0} offline.`;
  } else if (parts[1] === 'queues' && parts[3] === 'stats') {
    stats.set(m.queue, m);
    renderWallboard();
    refreshLive();
  } else if (parts[1] === 'queues' && parts[3] === 'callbacks') {
    callbackLists.set(m.queue, m);
    renderCallbackList();
  } else if (parts[1] === 'agents' && parts[3] === 'presence') {
    agents.set(m.agentId, m);
    renderAgents();
    refreshLive();
  } else if (parts[1] === 'agents' && parts[3] === 'errors') {
    if (Date.now() - (recentAgentCommands.get(parts[2]) ?? 0) < 10_000) showError(`${parts[2]}: ${m.action ?? 'command'} refused (${m.error}): ${m.message}`);
  } else if (parts[1] === 'supervisors' && parts[3] === 'errors') {
    showError(`${m.action ?? 'command'} refused (${m.error}): ${m.message}`);
  } else if (parts[1] === 'interactions') {
    refreshLive();
  }
}

setInterval(tick, 1000);
const link = staffLink({
  subscriptions: ['ccgw/center/#', 'ccgw/queues/#', 'ccgw/agents/+/presence', 'ccgw/agents/+/errors', `ccgw/supervisors/${me}/errors`, 'ccgw/interactions/+/events'],
  onState: s => { linkState = s; updateLink(); if (s === 'online') refreshLive(); },
  onMessage,
});

fetch('/console/api/session', { credentials: 'same-origin' }).then(r => r.json()).then(s => {
  session = s;
  renderWallboard();
}).catch(() => showError('Could not load the console settings; reload the page.'));
