// The chat window of the help page (and, with a customer identity, of /me): finds <section id="chat"> rendered by
// Ccgw.Web/Chat/WebChatSection and drives it with WebChat. Everything shown is text (no colour-only signals).
import { WebChat } from '../lib/web-chat.js';

function setup(section) {
  const $ = id => document.getElementById(id);
  const log = $('chat-log'), status = $('chat-status'), typing = $('chat-typing'), input = $('chat-input');
  const topic = $('chat-topic');
  let chat = null;
  let agentName = 'Support';

  function line(kind, who, text, id) {
    const li = document.createElement('li');
    li.className = kind;
    if (id) li.dataset.id = id;
    if (who) {
      const w = document.createElement('span');
      w.className = 'who';
      w.textContent = `${who}: `;
      li.append(w);
    }
    const t = document.createElement('span');
    t.className = 'text';
    t.textContent = text;
    li.append(t);
    log.append(li);
    log.scrollTop = log.scrollHeight;
    return li;
  }

  function pendingMark(li) {
    const p = document.createElement('span');
    p.className = 'pending';
    p.textContent = ' (not sent yet)';
    li.append(p);
  }

  function onEvent(kind, d) {
    switch (kind) {
      case 'status':
        status.textContent = d.text;
        section.dataset.online = d.online ? 'true' : 'false';
        break;
      case 'message':
        if (d.from === 'me') {
          const li = line('me', 'You', d.text, d.id);
          if (d.pending) pendingMark(li);
        } else if (d.from === 'them') {
          line('them', agentName, d.text);
          typing.textContent = '';
        } else {
          line('notice', null, d.text);
        }
        break;
      case 'sent': {
        const li = log.querySelector(`li[data-id="${CSS.escape(d.id)}"] .pending`);
        if (li) li.remove();
        break;
      }
      case 'typing':
        typing.textContent = d.state === 'composing' ? `${agentName} is typing…`
          : d.state === 'paused' ? `${agentName} stopped typing.` : '';
        break;
      case 'lost':
        line('notice', null, 'The connection came back, but the chat could not be resumed. Write again to start a new chat.');
        break;
      case 'ended':
        typing.textContent = '';
        line('notice', null, d.byVisitor ? 'You ended the chat.' : 'The chat has ended.');
        status.textContent = 'Chat ended';
        section.dataset.ended = 'true';
        input.disabled = true;
        $('chat-send').disabled = true;
        $('chat-end').disabled = true;
        $('chat-start').disabled = false;
        break;
      default:
        break;
    }
  }

  $('chat-start').addEventListener('click', () => {
    const address = topic.value;
    agentName = topic.selectedOptions[0]?.textContent ?? 'Support';
    log.replaceChildren();
    section.dataset.ended = 'false';
    input.disabled = false;
    $('chat-send').disabled = false;
    $('chat-end').disabled = false;
    $('chat-start').disabled = true;
    $('chat-window').hidden = false;
    const identity = section.dataset.identity !== 'customer' ? { kind: 'guest' }
      : section.dataset.credentialUrl ? { kind: 'customer', user: section.dataset.user, credential: () => fetchCredential(section.dataset.credentialUrl) }
        : { kind: 'customer', user: section.dataset.user, password: window.ccgwChatCredential?.() };
    chat = new WebChat({ domain: section.dataset.domain, identity, address, onEvent });
    chat.start().catch(e => onEvent('status', { text: `Could not connect: ${e?.message ?? e}`, online: false }));
    input.focus();
  });

  $('chat-form').addEventListener('submit', e => {
    e.preventDefault();
    const text = input.value;
    input.value = '';
    chat?.say(text);
    input.focus();
  });
  input.addEventListener('input', () => chat?.typing());
  input.addEventListener('keydown', e => {
    // Enter sends, Shift+Enter is a new line, as chat windows do.
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      $('chat-form').requestSubmit();
    }
  });
  $('chat-end').addEventListener('click', () => chat?.end());
  section.hidden = false;
  // /me after an accepted invitation: the chat opens at once, to the inviting (or invited) agent's topic.
  if (section.dataset.autostart) {
    const option = [...topic.options].find(o => o.value === section.dataset.autostart);
    if (option) topic.value = option.value;
    $('chat-start').click();
  }
}

// /me: a one-time password from the customer's cookie session (same origin, no-store), fetched for each login.
async function fetchCredential(url) {
  const response = await fetch(url, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
  if (!response.ok) throw new Error(response.status === 401 ? 'you are signed out: sign in again to chat' : `no chat credential (${response.status})`);
  return response.json();
}

const section = document.getElementById('chat');
if (section) setup(section);
