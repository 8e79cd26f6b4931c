// The queues' call-back lists (ccgw/queues/{queue}/callbacks, retained) as tables; with `actions` (the supervisor
// console) each row gets re-prioritise, reschedule and cancel controls.
import { el, localDateTime } from './dom.js';

export function renderCallbacks(box, lists, actions) {
  const tables = [];
  for (const list of [...lists.values()].sort((a, b) => a.queue.localeCompare(b.queue))) {
    if (!list.items || list.items.length === 0) continue;
    const rows = list.items.map(item => el('tr', { 'data-callback': item.id },
      el('td', { text: item.name ?? item.customerId ?? 'Unknown' }),
      el('td', { text: item.topic ?? '–' }),
      el('td', { text: localDateTime(item.scheduledAt) }),
      el('td', { text: item.status }),
      el('td', { text: item.priority }),
      el('td', { text: item.attempts }),
      actions ? el('td', { class: 'row-actions' }, actions(item)) : null));
    tables.push(el('table', { class: 'callbacks' },
      el('caption', { text: `${list.queue}: ${list.pending} pending, ${list.dueNow} due now` }),
      el('thead', {}, el('tr', {}, ['Customer', 'Topic', 'Scheduled', 'Status', 'Priority', 'Attempts', ...(actions ? ['Actions'] : [])]
        .map(h => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows)));
  }
  box.replaceChildren(...(tables.length > 0 ? tables : [el('p', { class: 'empty', text: 'No call-back waiting.' })]));
}
