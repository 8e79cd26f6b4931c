// The agent console's Chats panel: the agent's own XMPP session over WebSocket (/xmpp), the same desk an XMPP client
// gives (docs/xmpp.md, "A conversation"), in the page. Each chat is one conversation address (chat-<hex>@domain) the
// IM gateway writes from: the offer text, then the customer's messages; the agent's first reply accepts the offer
// (accepting in the Offers panel connects too). The customer never sees the agent's address: the gateway relays.
//   - No password in the page: every login (first and after a reconnect) uses a fresh one-time token from the
//     signed-in session (GET /console/api/mqtt-credential), presented with SASL PLAIN; the server accepts it only for
//     the staff member it was issued to, and that session's presence does not change the agent's routing state (the
//     console sets state over MQTT), so a reconnect never makes the agent ready.
//   - Typing notices both ways (XEP-0085); "End chat" sends the chat state gone, which ends the chat as an XMPP
//     desk's does (wrap-up follows in the core).
//   - Nothing typed is lost: drafts are kept per chat in this browser's storage and a reply is only cleared once it
//     was handed to a connected stream; the open chats are kept in the tab's session storage across a reload.
import { client, xml } from '@xmpp/client';
import { el } from './dom.js';

const CHAT_STATES = 'http://jabber.org/protocol/chatstates';
const PAUSE_AFTER_MS = 4000;
const MAX_LINES = 500;

export function agentChats({ me, domain, container, status, onError }) {
  const draftsKey = `ccgw-console-chat-drafts-${me}`;
  const chatsKey = `ccgw-console-chats-${me}`;
  const drafts = JSON.parse(localStorage.getItem(draftsKey) ?? '{}');
  const chats = new Map(JSON.parse(sessionStorage.getItem(chatsKey) ?? '[]').map(c => [c.jid, c]));
  const views = new Map();
  let online = false;
  let counter = 0;

  const save = () => sessionStorage.setItem(chatsKey, JSON.stringify([...chats.values()]));
  const saveDrafts = () => localStorage.setItem(draftsKey, JSON.stringify(drafts));
  const setStatus = text => { status.textContent = `Chat connection: ${text}`; };

  // A fresh token per login: the spent one would be refused, so @xmpp/client's own reconnect asks through here too.
  async function credentials(authenticate, mechanisms) {
    const response = await fetch('/console/api/mqtt-credential', { credentials: 'same-origin', cache: 'no-store' });
    if (!response.ok) throw new Error(`credential: HTTP ${response.status}`);
    const c = await response.json();
    if (!mechanisms.includes('PLAIN')) throw new Error('the server does not offer PLAIN on this link');
    await authenticate({ username: c.username, password: c.password }, 'PLAIN');
  }

  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  const xmpp = client({ service: `${scheme}://${location.host}/xmpp`, domain, resource: `console-${Math.random().toString(16).slice(2, 10)}`, credentials });
  xmpp.on('status', s => {
    if (s === 'online') return;
    if (s === 'disconnect' || s === 'offline' || s === 'connecting') {
      online = false;
      setStatus(s === 'connecting' ? 'connecting…' : 'offline – reconnecting… (what you type is kept)');
      renderAll();
    }
  });
  // Every failed attempt while reconnecting is an error; the status line already says it is being retried.
  xmpp.on('error', () => {});
  xmpp.on('online', async () => {
    online = true;
    setStatus('online');
    // Available presence so the gateway's offers (sent to the bare address) reach this page; it does not set state.
    await xmpp.send(xml('presence'));
    renderAll();
  });
  xmpp.on('stanza', onStanza);

  async function start() {
    try {
      await xmpp.start();
    } catch {
      // The first login failed (daemon down, session ended): try again; later drops are @xmpp/client's reconnect.
      setStatus('offline – reconnecting… (what you type is kept)');
      setTimeout(() => { if (xmpp.status === 'offline') start(); }, 2000);
    }
  }

  function isConversation(jid) {
    const at = jid.indexOf('@');
    return at > 0 && jid.startsWith('chat-') && jid.slice(at + 1).split('/')[0] === domain;
  }

  function onStanza(stanza) {
    const from = stanza.attrs.from ?? '';
    const bare = from.split('/')[0];
    if (!isConversation(bare)) return;
    if (stanza.is('presence')) {
      if (stanza.attrs.type === 'unavailable' && chats.has(bare)) end(bare, 'The chat is closed.');
      return;
    }
    if (!stanza.is('message')) return;
    if (stanza.attrs.type === 'error') {
      const chat = chats.get(bare);
      if (chat) { addLine(chat, 'notice', 'Your last message was not delivered: the chat is over.'); end(bare); }
      return;
    }
    let chat = chats.get(bare);
    const body = stanza.getChildText('body');
    const state = stanza.getChildByAttr('xmlns', CHAT_STATES)?.name;
    if (!chat) {
      if (body === null || body === undefined) return;
      counter = Math.max(counter, ...[...chats.values()].map(c => c.number)) + 1;
      chat = { jid: bare, number: counter, lines: [], ended: false, typing: false };
      chats.set(bare, chat);
    }
    if (body !== null && body !== undefined) addLine(chat, 'them', body);
    if (state) chat.typing = state === 'composing';
    if (state === 'gone') end(bare, 'The chat has ended.');
    save();
    render(chat);
  }

  function addLine(chat, who, text) {
    chat.lines.push({ who, text, at: new Date().toISOString() });
    if (chat.lines.length > MAX_LINES) chat.lines.splice(0, chat.lines.length - MAX_LINES);
  }

  function end(jid, notice) {
    const chat = chats.get(jid);
    if (!chat || chat.ended) return;
    chat.ended = true;
    chat.typing = false;
    if (notice) addLine(chat, 'notice', notice);
    save();
    render(chat);
  }

  async function send(chat) {
    const view = views.get(chat.jid);
    const text = view.reply.value.trim();
    if (text === '' || chat.ended) return;
    if (!online) { onError('Not sent: the chat connection is offline; your reply is kept, send it again once it is back.'); return; }
    clearTimeout(view.pauseTimer);
    view.composing = false;
    await xmpp.send(xml('message', { type: 'chat', to: chat.jid, id: `c${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}` },
      xml('body', {}, text), xml('active', { xmlns: CHAT_STATES })));
    addLine(chat, 'me', text);
    view.reply.value = '';
    delete drafts[chat.jid];
    saveDrafts();
    save();
    render(chat);
  }

  async function chatState(chat, state) {
    if (online && !chat.ended) await xmpp.send(xml('message', { type: 'chat', to: chat.jid }, xml(state, { xmlns: CHAT_STATES })));
  }

  async function endChat(chat) {
    if (!online) { onError('Not sent (end chat): the chat connection is offline; try again once it is back.'); return; }
    await chatState(chat, 'gone');
    end(chat.jid, 'You ended the chat.');
  }

  function close(chat) {
    chats.delete(chat.jid);
    delete drafts[chat.jid];
    saveDrafts();
    save();
    views.get(chat.jid)?.root.remove();
    views.delete(chat.jid);
    renderEmpty();
  }

  function view(chat) {
    if (views.has(chat.jid)) return views.get(chat.jid);
    const id = `chat-${chat.number}`;
    const lines = el('ol', { class: 'chat-lines', 'aria-live': 'polite', 'aria-label': `Messages of chat ${chat.number}` });
    const typing = el('p', { class: 'typing', 'aria-live': 'polite' });
    const reply = el('textarea', { id: `${id}-reply`, rows: 2 });
    reply.value = drafts[chat.jid] ?? '';
    const v = { root: null, lines, typing, reply, state: el('span', { class: 'chat-state' }), composing: false, pauseTimer: null, shown: 0 };
    reply.addEventListener('input', () => {
      drafts[chat.jid] = reply.value;
      saveDrafts();
      if (!v.composing) { v.composing = true; chatState(chat, 'composing'); }
      clearTimeout(v.pauseTimer);
      v.pauseTimer = setTimeout(() => { v.composing = false; chatState(chat, 'paused'); }, PAUSE_AFTER_MS);
    });
    reply.addEventListener('keydown', e => { if (e.key === 'Enter' && !e.shiftKey) { e.preventDefault(); send(chat); } });
    v.sendButton = el('button', { type: 'button', class: 'send', text: 'Send', onclick: () => send(chat) });
    v.endButton = el('button', { type: 'button', class: 'end-chat', text: 'End chat', onclick: () => endChat(chat) });
    v.closeButton = el('button', { type: 'button', class: 'close-chat', text: 'Close', onclick: () => close(chat) });
    v.root = el('article', { class: 'chat', 'data-chat': chat.jid, 'aria-labelledby': `${id}-title` },
      el('h3', { id: `${id}-title` }, `Chat ${chat.number} `, v.state),
      lines, typing,
      el('div', { class: 'chat-reply' }, el('label', { for: reply.id, text: `Reply in chat ${chat.number}` }), reply),
      el('div', { class: 'controls' }, v.sendButton, v.endButton, v.closeButton));
    views.set(chat.jid, v);
    container.append(v.root);
    return v;
  }

  function render(chat) {
    const v = view(chat);
    for (const line of chat.lines.slice(v.shown)) {
      const who = line.who === 'me' ? 'You' : line.who === 'them' ? 'Chat' : 'Note';
      v.lines.append(el('li', { class: `line ${line.who}` }, el('span', { class: 'who', text: `${who}: ` }), el('span', { class: 'text', text: line.text })));
    }
    v.shown = chat.lines.length;
    v.lines.lastElementChild?.scrollIntoView?.({ block: 'nearest' });
    v.typing.textContent = chat.typing ? 'The customer is typing…' : '';
    v.state.textContent = chat.ended ? '(ended)' : '(open)';
    v.sendButton.disabled = chat.ended;
    v.endButton.disabled = chat.ended;
    v.closeButton.hidden = !chat.ended;
    renderEmpty();
  }

  function renderEmpty() {
    const open = [...chats.values()].filter(c => !c.ended).length;
    let empty = container.querySelector('.empty');
    if (chats.size === 0) {
      if (!empty) container.prepend(el('p', { class: 'empty', text: 'No chat open.' }));
    } else {
      empty?.remove();
    }
    container.dataset.open = String(open);
  }

  function renderAll() {
    for (const chat of chats.values()) render(chat);
    renderEmpty();
  }

  container.replaceChildren();
  renderAll();
  setStatus('connecting…');
  start();
  return { get online() { return online; }, get open() { return [...chats.values()].filter(c => !c.ended).length; } };
}
