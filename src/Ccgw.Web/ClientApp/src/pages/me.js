// /me's invitations, live (issue 18): polls GET /me/api/invitations (which also tells the centre the customer is on
// the page), shows an agent's new invitation with Accept and Decline (plain CSRF-protected forms, as the server
// rendered ones), and opens the chat when an agent accepted the customer's own invitation. Without script the
// section still works: the server renders the invitations that were pending when the page loaded.
const POLL_MS = 5000;

function setup(live) {
  const list = document.getElementById('invitation-list');
  const none = document.getElementById('invitation-none');
  const csrf = document.querySelector('input[name="__csrf"]');
  // Invitations whose chat this tab opened already: a later visit to /me does not open it again.
  const KEY = 'ccgw-opened-invitations';
  const opened = new Set([...JSON.parse(sessionStorage.getItem(KEY) ?? '[]'), new URLSearchParams(location.search).get('invitation')].filter(Boolean));
  sessionStorage.setItem(KEY, JSON.stringify([...opened]));

  function item(invitation) {
    const li = document.createElement('li');
    li.dataset.invitation = invitation.invitationId;
    const p = document.createElement('p');
    p.textContent = `${invitation.agentName} invites you to chat.`;
    li.append(p);
    for (const [verb, label] of [['accept', 'Accept'], ['decline', 'Decline']]) {
      const form = document.createElement('form');
      form.className = 'inline';
      form.method = 'post';
      form.action = `/me/invitations/${encodeURIComponent(invitation.invitationId)}/${verb}`;
      if (csrf) form.append(csrf.cloneNode());
      const button = document.createElement('button');
      button.type = 'submit';
      if (verb === 'decline') button.className = 'secondary';
      button.textContent = `${label} `;
      const hidden = document.createElement('span');
      hidden.className = 'visually-hidden';
      hidden.textContent = `the invitation of ${invitation.agentName}`;
      button.append(hidden);
      form.append(button);
      li.append(form);
    }
    return li;
  }

  async function poll() {
    try {
      const response = await fetch(live.dataset.poll, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } });
      if (!response.ok || response.redirected) return;
      const { pending, acceptedByAgent } = await response.json();
      const ids = new Set(pending.map(i => i.invitationId));
      for (const li of [...list.children]) if (!ids.has(li.dataset.invitation)) li.remove();
      for (const invitation of pending) {
        if (!list.querySelector(`li[data-invitation="${CSS.escape(invitation.invitationId)}"]`)) list.append(item(invitation));
      }
      none.hidden = pending.length > 0;
      const accepted = acceptedByAgent.find(id => !opened.has(id));
      if (accepted) {
        opened.add(accepted);
        sessionStorage.setItem(KEY, JSON.stringify([...opened]));
        location.assign(`/me?invitation=${encodeURIComponent(accepted)}#live-chat`);
      }
    } catch {
      // The next poll tries again: a missed one only delays the news.
    }
  }

  setInterval(poll, POLL_MS);
  poll();
}

const live = document.getElementById('invitation-live');
if (live) setup(live);
