// The people list: who is here, their role, a raised hand with its place
// in the queue, a microphone that is off, and for hosts an options menu per
// person (controls.js). Rows are kept across renders so focus stays put.
import { t, tr } from './i18n.js';
import { $, state, amHost } from './state.js';
import { h } from './util.js';
import { handOrder } from './hands.js';
import { hostMenu } from './controls.js';

const el = { heading: $('people-heading'), list: $('people') };
const rows = new Map(); // id -> { li, info, menu }

function avatarColor(id) {
  let hash = 0;
  for (const c of String(id)) hash = (hash * 31 + c.codePointAt(0)) >>> 0;
  return `hsl(${hash % 360} 55% 28%)`; // white letters stay readable on every hue
}

function badge(key, testid, cls = 'badge') {
  const b = h('span', { class: cls, 'data-testid': testid });
  tr(b, key);
  return b;
}

function infoEl(p, mine) {
  const name = h('span', { class: 'person-name', 'data-testid': 'participant-name' }, p.name);
  if (mine) {
    const you = h('span', { class: 'you-tag' });
    tr(you, 'you');
    name.append(' ', you);
  }
  const extra = [];
  if (p.role === 'host') extra.push(badge('roleHost', 'role-host'));
  if (p.role === 'cohost') extra.push(badge('roleCohost', 'role-cohost'));
  const order = handOrder(p.id);
  if (order) {
    const hand = h('span', { class: 'badge badge-hand', 'data-testid': 'person-hand', role: 'img' },
      h('span', { 'aria-hidden': 'true' }, `✋ ${order}`));
    hand.setAttribute('aria-label', t('handUpN', { n: order }));
    extra.push(hand);
  }
  const st = mine ? { audio: state.micOn && !!state.local?.getAudioTracks().length } : state.mediaStates.get(p.id);
  if (st && !st.audio) {
    const off = h('span', { class: 'badge badge-off', 'data-testid': 'person-mic-off', role: 'img' },
      h('span', { 'aria-hidden': 'true' }, '🔇'));
    off.setAttribute('aria-label', t('micIsOff'));
    extra.push(off);
  }
  return h('span', { class: 'person-info' }, name, ...extra);
}

// Renders list (people in display order).
export function renderPeople(list) {
  const keep = new Set(list.map((p) => p.id));
  for (const [id, row] of rows) {
    if (!keep.has(id)) {
      row.li.remove();
      row.menu?.destroy();
      rows.delete(id);
    }
  }
  for (const p of list) {
    const mine = p.id === state.me?.id;
    let row = rows.get(p.id);
    if (!row) {
      const initial = (Array.from(p.name.trim())[0] || '?').toLocaleUpperCase();
      const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initial);
      avatar.style.backgroundColor = avatarColor(p.id);
      const li = h('li', { dataset: { id: p.id }, 'data-testid': 'participant' }, avatar, h('span'));
      row = { li, info: li.lastElementChild, menu: null };
      rows.set(p.id, row);
    }
    row.li.classList.toggle('me', mine);
    const info = infoEl(p, mine);
    row.info.replaceWith(info);
    row.info = info;
    const wantMenu = amHost() && !mine;
    if (wantMenu && !row.menu) {
      row.menu = hostMenu(p);
      row.li.append(row.menu.toggle, row.menu.panel);
    } else if (!wantMenu && row.menu) {
      row.menu.toggle.remove();
      row.menu.panel.remove();
      row.menu.destroy();
      row.menu = null;
    }
    row.menu?.update(p);
  }
  // Puts rows in list order, moving only those out of place (a moved node
  // would lose keyboard focus).
  list.forEach((p, i) => {
    const li = rows.get(p.id).li;
    if (el.list.children[i] !== li) el.list.insertBefore(li, el.list.children[i] || null);
  });
  tr(el.heading, 'peopleHeading', { n: list.length });
}
