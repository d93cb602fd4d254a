// Host controls, for hosts and co-hosts (the server checks the role of every
// call): a menu per participant (mute microphone or camera, with or without
// letting them turn it back on; make co-host; lower hand; remove) and the
// meeting's own controls (lock, waiting room with admit / decline, end for
// everyone).
import { t, tr } from './i18n.js';
import { RpcError } from './rpc.js';
import { $, state, call, amHost, on, emit, announce } from './state.js';
import { h } from './util.js';
import { stageMenuItem } from './webinar.js'; // EVWEB

const el = {
  panel: $('host-panel'),
  lock: $('lock-toggle'),
  lobby: $('lobby-toggle'),
  end: $('end-meeting'),
  endConfirm: $('end-confirm'),
  endYes: $('end-yes'),
  endNo: $('end-no'),
  status: $('host-status'),
  waitingHeading: $('waiting-heading'),
  waiting: $('waiting'),
  flags: $('room-flags'),
};

let openMenu = null; // participant id whose menu is open

function say(target, key, params, isError = false) {
  target.classList.toggle('error', isError);
  tr(target, key, params);
}

// Runs a host call and reports a refusal in words.
async function act(statusEl, method, params, okKey, okParams) {
  try {
    await call(method, params);
    if (okKey) say(statusEl, okKey, okParams);
    return true;
  } catch (e) {
    console.warn(`host: ${method} failed:`, e);
    if (e instanceof RpcError && e.message && typeof e.code === 'number') {
      say(statusEl, 'hostActionFailedWhy', { msg: e.message }, true);
    } else {
      say(statusEl, 'hostActionFailed', {}, true);
    }
    return false;
  }
}

// ------------------------------------------------------------ per person

function menuButton(p, key, onClick, testid, extra = {}) {
  const b = h('button', { type: 'button', class: 'btn menu-item', 'data-testid': testid, ...extra });
  tr(b, key, { name: p.name });
  b.addEventListener('click', onClick);
  return b;
}

// The "Options for NAME" disclosure and its panel, for the people list.
// The same elements are kept across renders (focus stays put); update()
// refreshes what they show.
export function hostMenu(p) {
  const panelId = `menu-${p.id}`;
  const toggle = h('button', {
    type: 'button', class: 'btn btn-small menu-toggle', 'aria-expanded': 'false',
    'aria-controls': panelId, 'data-testid': 'person-menu',
  });
  const label = h('span', { 'aria-hidden': 'true' }, '⋯');
  const text = h('span');
  toggle.append(label, ' ', text);
  const panel = h('div', { id: panelId, class: 'person-menu', role: 'group', 'data-testid': 'person-menu-panel', hidden: true });
  const allowId = `allow-${p.id}`;
  const allow = h('input', { type: 'checkbox', id: allowId, 'data-testid': 'allow-unmute' });
  allow.checked = true;
  const allowLabel = h('label', { for: allowId });
  tr(allowLabel, 'allowUnmute');
  const status = h('p', { class: 'status', role: 'status', 'data-testid': 'person-menu-status' });
  const mute = (kind) => act(status, 'host.mute', { participant: p.id, kind, allow_unmute: allow.checked },
    kind === 'audio' ? 'mutedMicOf' : 'mutedCamOf', { name: p.name });
  const micBtn = menuButton(p, 'muteMic', () => mute('audio'), 'mute-mic');
  const camBtn = menuButton(p, 'muteCam', () => mute('video'), 'mute-cam');
  const roleBtn = menuButton(p, 'makeCohost', () => {
    const role = state.people.get(p.id)?.role === 'cohost' ? 'participant' : 'cohost';
    act(status, 'host.setRole', { participant: p.id, role }, role === 'cohost' ? 'madeCohost' : 'unmadeCohost', { name: p.name });
  }, 'make-cohost');
  const handBtn = menuButton(p, 'lowerHandOf', () => act(status, 'hand.lower', { participant: p.id }), 'lower-hand');
  const removeBtn = menuButton(p, 'removePerson', () => {
    confirm.hidden = false;
    yes.focus();
  }, 'remove-person', { class: 'btn menu-item btn-danger-quiet' });
  const confirm = h('div', { class: 'confirm', hidden: true });
  const yes = menuButton(p, 'removeYes', async () => {
    if (await act(status, 'host.remove', { participant: p.id }, 'removedPerson', { name: p.name })) close();
  }, 'remove-yes', { class: 'btn btn-danger' });
  const no = menuButton(p, 'cancel', () => {
    confirm.hidden = true;
    removeBtn.focus();
  }, 'remove-no');
  confirm.append(yes, no);
  const extras = [stageMenuItem(p, status)]; // EVWEB: a webinar's stage
  panel.append(h('div', { class: 'check' }, allow, allowLabel), micBtn, camBtn, roleBtn, handBtn, ...extras.map((x) => x.node), removeBtn, confirm, status);

  function close() {
    if (openMenu === p.id) openMenu = null;
    toggle.setAttribute('aria-expanded', 'false');
    panel.hidden = true;
    confirm.hidden = true;
  }
  toggle.addEventListener('click', () => {
    const open = panel.hidden;
    if (openMenu && openMenu !== p.id) emit('close-menus');
    openMenu = open ? p.id : null;
    toggle.setAttribute('aria-expanded', String(open));
    panel.hidden = !open;
    if (!open) confirm.hidden = true;
    else tr(status, null);
  });
  panel.addEventListener('keydown', (ev) => {
    if (ev.key === 'Escape') {
      close();
      toggle.focus();
    }
  });
  const off = on('close-menus', close);

  function update(person) {
    tr(text, 'optionsFor', { name: person.name });
    toggle.setAttribute('aria-label', t('optionsFor', { name: person.name }));
    roleBtn.hidden = state.me?.role !== 'host' || person.role === 'host';
    tr(roleBtn, person.role === 'cohost' ? 'removeCohost' : 'makeCohost', { name: person.name });
    handBtn.hidden = !state.hands.some((x) => x.id === person.id);
    const st = state.mediaStates.get(person.id);
    micBtn.disabled = !!st && !st.audio;
    camBtn.disabled = !!st && !st.video;
    for (const x of extras) x.update(person); // EVWEB
  }
  return { toggle, panel, update, destroy: off };
}

// ------------------------------------------------------------ the room

function renderRoomFlags() {
  const parts = [];
  if (state.room.locked) parts.push(t('flagLocked'));
  if (state.room.lobby) parts.push(t('flagLobby'));
  el.flags.textContent = parts.join(' · ');
  el.flags.hidden = !parts.length;
}

export function renderHostPanel() {
  const host = amHost() && state.phase === 'room';
  el.panel.hidden = !host;
  renderRoomFlags();
  if (!host) return;
  el.lock.setAttribute('aria-pressed', String(!!state.room.locked));
  el.lobby.setAttribute('aria-pressed', String(!!state.room.lobby));
  tr(el.lock.lastElementChild, state.room.locked ? 'unlockRoom' : 'lockRoom');
  tr(el.lobby.lastElementChild, state.room.lobby ? 'waitingRoomOn' : 'waitingRoomOff');
  el.end.hidden = false;
  renderWaiting();
}

function renderWaiting() {
  const list = [...state.waiting.values()];
  el.waitingHeading.hidden = list.length === 0;
  tr(el.waitingHeading, 'waitingHeading', { n: list.length });
  el.waiting.replaceChildren(...list.map((p) => {
    const admit = h('button', { type: 'button', class: 'btn btn-primary btn-small', 'data-testid': 'admit' });
    tr(admit, 'admit');
    admit.setAttribute('aria-label', t('admitName', { name: p.name }));
    admit.addEventListener('click', () => act(el.status, 'lobby.admit', { participant: p.id }, 'admitted', { name: p.name }));
    const decline = h('button', { type: 'button', class: 'btn btn-small', 'data-testid': 'decline' });
    tr(decline, 'decline');
    decline.setAttribute('aria-label', t('declineName', { name: p.name }));
    decline.addEventListener('click', () => act(el.status, 'lobby.decline', { participant: p.id }, 'declined', { name: p.name }));
    return h('li', { 'data-testid': 'waiting-person', dataset: { id: p.id } },
      h('span', { class: 'person-name', 'data-testid': 'waiting-name' }, p.name), admit, decline);
  }));
}

function setWaiting(list) {
  state.waiting = new Map((list || []).map((p) => [p.id, p]));
  renderHostPanel();
}

export function initControls() {
  el.lock.addEventListener('click', () => {
    const locked = !state.room.locked;
    act(el.status, 'room.lock', { locked }, locked ? 'lockedNow' : 'unlockedNow');
  });
  el.lobby.addEventListener('click', () => {
    const lobby = !state.room.lobby;
    act(el.status, 'room.setLobby', { lobby }, lobby ? 'lobbyOnNow' : 'lobbyOffNow');
  });
  el.end.addEventListener('click', () => {
    el.endConfirm.hidden = false;
    el.endYes.focus();
  });
  el.endNo.addEventListener('click', () => {
    el.endConfirm.hidden = true;
    el.end.focus();
  });
  el.endYes.addEventListener('click', async () => {
    if (await act(el.status, 'room.end', {})) el.endConfirm.hidden = true;
  });
  on('me', renderHostPanel);
  on('room', renderHostPanel);
}

// Notifications for hosts (and room.locked / room.lobby for everyone).
export const controlHandlers = {
  'lobby.waiting': (p) => {
    if (!p || !p.participant) return;
    state.waiting.set(p.participant.id, p.participant);
    renderHostPanel();
    announce(t('announceWaiting', { name: p.participant.name }));
  },
  'lobby.list': (p) => setWaiting(p && p.waiting),
  'lobby.left': (p) => {
    if (p && p.participant) state.waiting.delete(p.participant.id);
    renderHostPanel();
  },
  'room.locked': (p) => {
    state.room.locked = !!(p && p.locked);
    renderHostPanel();
  },
  'room.lobby': (p) => {
    state.room.lobby = !!(p && p.lobby);
    renderHostPanel();
  },
};

export function loadControls(result) {
  setWaiting(result.lobby || []);
}
