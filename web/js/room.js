// The meeting page (/r/{id}): the join form, then the room (video tiles,
// people and chat), with reconnection when the connection drops.
//
// Everything a person typed (names, messages, room titles) goes into the
// page with textContent only.
import { initI18n, onLangChange, t, tr, formatTime, formatFullTime } from './i18n.js';
import { RpcClient, RpcError, Codes, wsUrl } from './rpc.js';
import { getLocalMedia, MediaSession, stopStream } from './media.js';
import { drawTiles, setActiveSpeaker, unblockSound } from './tiles.js';
import { drawStage } from './stage.js';
import { h, copyText, storageGet, storageSet, codePoints, ROOM_ID_RE } from './util.js';

const NAME_KEY = 'aula.name'; // localStorage: the name typed last time
const joinedKey = (room) => `aula.joined.${room}`; // sessionStorage: this tab is in the room as…
const myIdsKey = (room) => `aula.me.${room}`; // sessionStorage: participant ids this tab had
const HISTORY_PAGE = 50;
const MAX_TEXT = 2000;
const MAX_NAME = 64;
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]+/g;

const $ = (id) => document.getElementById(id);
const el = {
  conn: $('conn-status'),
  views: {
    loading: $('view-loading'),
    notfound: $('view-notfound'),
    error: $('view-error'),
    join: $('view-join'),
    room: $('view-room'),
    left: $('view-left'),
  },
  retryLoad: $('retry-load'),
  joinTitle: $('join-title'),
  joinPeople: $('join-people'),
  joinForm: $('join-form'),
  name: $('name'),
  nameError: $('name-error'),
  joinBtn: $('join-button'),
  roomTitle: $('room-title'),
  copyInvite: $('copy-invite'),
  inviteStatus: $('invite-status'),
  leave: $('leave'),
  micToggle: $('mic-toggle'),
  camToggle: $('cam-toggle'),
  screenToggle: $('screen-toggle'),
  screenLabel: $('screen-label'),
  stage: $('stage'),
  stageList: $('stage-list'),
  mediaStatus: $('media-status'),
  tiles: $('tiles'),
  peopleHeading: $('people-heading'),
  people: $('people'),
  loadEarlier: $('load-earlier'),
  loadEarlierLabel: $('load-earlier-label'),
  chatEmpty: $('chat-empty'),
  log: $('chat-log'),
  chatForm: $('chat-form'),
  chatInput: $('chat-input'),
  chatError: $('chat-error'),
  send: $('send'),
  joinAgain: $('join-again'),
  leftTitle: $('left-title'),
  announcer: $('announcer'),
};

const state = {
  roomId: roomIdFromPath(window.location.pathname),
  title: '',
  phase: 'loading', // loading | notfound | error | join | room | left
  name: '',
  me: null, // this connection's participant
  myIds: new Set(), // every participant id this tab has had in this room
  people: new Map(), // id -> participant, in joining order
  messages: new Map(), // seq -> chat message
  hasMore: false,
  rpc: null, // the joined connection, or null
  joining: false,
  leaving: false,
  reconnecting: false,
  reconnectAttempt: 0,
  reconnectTimer: 0,
  connTimer: 0,
  inviteTimer: 0,
  sending: false,
  loadingEarlier: false,
  unread: 0, // lines from others while the tab was hidden
  // Media
  local: null, // this tab's camera + microphone stream, or null
  localAsked: false, // getUserMedia was asked (once per join)
  media: null, // the MediaSession of the current connection
  streams: new Map(), // participant id -> remote MediaStream
  mediaStates: new Map(), // participant id -> { audio, video, screen, screenStream }
  screen: null, // this tab's screen share track, or null
  screenBusy: false, // starting or stopping a share
  micOn: true,
  camOn: true,
};

function roomIdFromPath(pathname) {
  const m = pathname.match(/^\/r\/([^/]+)\/?$/);
  if (!m) return null;
  try {
    const id = decodeURIComponent(m[1]);
    return ROOM_ID_RE.test(id) ? id : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------- views

function showView(name) {
  state.phase = name;
  for (const [k, v] of Object.entries(el.views)) v.hidden = k !== name;
  document.body.dataset.view = name;
}

function focusHeading(view) {
  const heading = view.querySelector('h1');
  if (heading) heading.focus();
}

function setTitle(title) {
  state.title = title || '';
  el.joinTitle.textContent = state.title;
  el.roomTitle.textContent = state.title;
  el.leftTitle.textContent = state.title;
  updateDocTitle();
}

// "(3) Maths 4B — aula" while the tab is in the background and 3 new lines
// came in.
function updateDocTitle() {
  const base = state.title ? `${state.title} — aula` : 'aula';
  document.title = state.unread > 0 ? `(${state.unread}) ${base}` : base;
}

document.addEventListener('visibilitychange', () => {
  if (!document.hidden && state.unread) {
    state.unread = 0;
    updateDocTitle();
  }
});

// An error text (translated key) plus, optionally, the server's own words.
function showError(target, key, serverMessage) {
  if (!key) {
    target.replaceChildren();
    return;
  }
  const main = h('span');
  tr(main, key);
  target.replaceChildren(main);
  if (serverMessage) {
    const detail = h('span', { class: 'error-detail' });
    tr(detail, 'serverSaid', { msg: serverMessage });
    target.append(' ', detail);
  }
}

function setConnStatus(key) {
  clearTimeout(state.connTimer);
  tr(el.conn, key);
  el.conn.classList.toggle('ok', key === 'reconnected');
  if (key === 'reconnected') state.connTimer = setTimeout(() => tr(el.conn, null), 5000);
}

function announce(text) {
  el.announcer.append(h('p', { text }));
  while (el.announcer.childElementCount > 3) el.announcer.firstElementChild.remove();
}

// ---------------------------------------------------------------- start

async function start() {
  showView('loading');
  if (!state.roomId) {
    showNotFound();
    return;
  }
  let info;
  try {
    const res = await fetch(`/api/v1/rooms/${encodeURIComponent(state.roomId)}`, {
      headers: { Accept: 'application/json' },
    });
    if (res.status === 404 || res.status === 400) {
      showNotFound();
      return;
    }
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    info = await res.json();
  } catch (e) {
    console.warn('loading the room failed:', e);
    showView('error');
    focusHeading(el.views.error);
    return;
  }
  setTitle(info.title);
  state.myIds = new Set(readJson(sessionStorage, myIdsKey(state.roomId), []));

  const fromUrl = cleanName(new URLSearchParams(window.location.search).get('name') || '');
  const fromSession = cleanName(storageGet(sessionStorage, joinedKey(state.roomId)) || '');
  const auto = fromUrl || fromSession;

  showJoinForm(info.participants, auto || storageGet(localStorage, NAME_KEY) || '');
  if (auto) {
    join(auto, { remember: false });
  } else {
    el.name.focus();
  }
}

function showNotFound() {
  storageSet(sessionStorage, joinedKey(state.roomId), null);
  setConnStatus(null);
  showView('notfound');
  document.title = `${t('notFoundHeading')} — aula`;
  focusHeading(el.views.notfound);
}

function showJoinForm(count, name) {
  if (typeof count === 'number') tr(el.joinPeople, 'peopleNow', { n: count });
  else tr(el.joinPeople, null);
  el.name.value = name;
  setJoinBusy(false);
  showView('join');
}

function setJoinBusy(on) {
  el.joinBtn.setAttribute('aria-busy', String(on));
  el.joinBtn.disabled = on;
  const label = el.joinBtn.querySelector('[data-i18n]');
  label.dataset.i18n = on ? 'joining' : 'join';
  label.textContent = t(label.dataset.i18n);
}

function cleanName(s) {
  return String(s).replace(CONTROL_CHARS, ' ').trim();
}

function readJson(store, key, fallback) {
  try {
    return JSON.parse(storageGet(store, key)) ?? fallback;
  } catch {
    return fallback;
  }
}

// ---------------------------------------------------------------- joining

// Opens a connection and joins; resolves with { rpc, result }.
async function connectAndJoin(name) {
  const rpc = new RpcClient(wsUrl());
  await rpc.connect();
  rpc.on('participant.joined', (p) => state.rpc === rpc && onParticipantJoined(p.participant));
  rpc.on('participant.left', (p) => state.rpc === rpc && onParticipantLeft(p.participant));
  rpc.on('chat.message', (m) => state.rpc === rpc && onChatMessage(m));
  rpc.on('room.active_speaker', (p) => state.rpc === rpc && setActiveSpeaker(el.tiles, p.participant?.id));
  rpc.onClose(() => onConnectionClosed(rpc));
  try {
    const result = await rpc.call('room.join', { room: state.roomId, name });
    return { rpc, result };
  } catch (e) {
    rpc.close();
    throw e;
  }
}

async function join(name, { remember }) {
  if (state.joining) return;
  showError(el.nameError, null);
  el.name.removeAttribute('aria-invalid');
  state.joining = true;
  state.leaving = false;
  setJoinBusy(true);
  try {
    const { rpc, result } = await connectAndJoin(name);
    if (remember) storageSet(localStorage, NAME_KEY, name);
    enterRoom(rpc, result, { reconnect: false });
    // On a phone the page stays at the top (title, people); on a wide
    // screen everything is in view anyway.
    el.chatInput.focus({ preventScroll: true });
  } catch (e) {
    setJoinBusy(false);
    onJoinFailed(e);
  } finally {
    state.joining = false;
  }
}

function onJoinFailed(e) {
  if (e instanceof RpcError && e.code === Codes.ROOM_NOT_FOUND) {
    showNotFound();
    return;
  }
  if (state.phase !== 'join') showView('join');
  if (!(e instanceof RpcError)) {
    console.error(e);
    showError(el.nameError, 'joinFailed');
  } else if (e.code === Codes.INVALID_PARAMS) {
    showError(el.nameError, 'nameInvalid');
    el.name.setAttribute('aria-invalid', 'true');
  } else if ([RpcError.CONNECT, RpcError.CLOSED, RpcError.TIMEOUT].includes(e.code)) {
    showError(el.nameError, 'joinOffline');
  } else {
    showError(el.nameError, 'joinFailed', e.message);
  }
  el.name.focus();
}

function enterRoom(rpc, result, { reconnect }) {
  state.rpc = rpc;
  state.me = result.participant;
  state.name = result.participant.name;
  state.myIds.add(state.me.id);
  storageSet(sessionStorage, myIdsKey(state.roomId), JSON.stringify([...state.myIds].slice(-50)));
  storageSet(sessionStorage, joinedKey(state.roomId), state.name);
  if (result.room && result.room.title) setTitle(result.room.title);

  // Do not leave ?name= in the address bar: a link copied from there
  // would make everyone join under this name.
  if (window.location.search) {
    window.history.replaceState(null, '', window.location.pathname + window.location.hash);
  }

  state.people = new Map();
  for (const p of result.participants || []) state.people.set(p.id, p);
  if (!state.people.has(state.me.id)) state.people.set(state.me.id, state.me);

  const chat = result.chat || [];
  if (reconnect) {
    mergeChat(chat, !!result.chat_has_more);
  } else {
    state.messages = new Map(chat.map((m) => [m.seq, m]));
    state.hasMore = !!result.chat_has_more;
  }

  if (state.phase !== 'room') following = true;
  showView('room');
  renderPeople();
  renderChat();
  startMedia(rpc);
  if (following) scrollToBottom();
}

// After a reconnect: keep what we had (including pages loaded earlier) if
// the newest lines overlap it, else start again from the newest lines.
function mergeChat(chat, hasMore) {
  const overlaps = chat.some((m) => state.messages.has(m.seq));
  const oldestHad = state.messages.size ? Math.min(...state.messages.keys()) : Infinity;
  if (!overlaps) {
    state.messages = new Map();
    state.hasMore = hasMore;
  } else if (chat.length && chat[0].seq < oldestHad) {
    state.hasMore = hasMore;
  }
  for (const m of chat) state.messages.set(m.seq, m);
}

// ---------------------------------------------------------------- connection

function onConnectionClosed(rpc) {
  if (state.rpc !== rpc) return;
  connectionLost();
}

function connectionLost() {
  const old = state.rpc;
  state.rpc = null;
  if (old) old.close();
  closeMedia({ keepLocal: true });
  if (state.leaving || state.phase !== 'room') return;
  setConnStatus('reconnecting');
  el.send.setAttribute('aria-disabled', 'true');
  scheduleReconnect();
}

function scheduleReconnect() {
  clearTimeout(state.reconnectTimer);
  const attempt = state.reconnectAttempt++;
  // 0.3 s, then about 1, 2, 4, 8 s and at most 15 s, with jitter so that
  // a room full of people does not come back in the same millisecond.
  const cap = Math.min(15000, 1000 * 2 ** Math.max(0, attempt - 1));
  const delay = attempt === 0 ? 300 : cap / 2 + Math.random() * (cap / 2);
  state.reconnectTimer = setTimeout(reconnect, delay);
}

async function reconnect() {
  if (state.phase !== 'room' || state.leaving || state.rpc || state.reconnecting) return;
  state.reconnecting = true;
  try {
    const { rpc, result } = await connectAndJoin(state.name);
    if (state.leaving || state.phase !== 'room') {
      rpc.close();
      return;
    }
    state.reconnectAttempt = 0;
    enterRoom(rpc, result, { reconnect: true });
    el.send.removeAttribute('aria-disabled');
    setConnStatus('reconnected');
    if (isConnectionError(el.chatError)) showError(el.chatError, null);
  } catch (e) {
    if (e instanceof RpcError && e.code === Codes.ROOM_NOT_FOUND) {
      showNotFound();
      return;
    }
    scheduleReconnect();
  } finally {
    state.reconnecting = false;
  }
}

function isConnectionError(target) {
  const span = target.firstElementChild;
  return !!span && span.dataset.i18nDyn === 'notConnected';
}

window.addEventListener('online', () => {
  if (state.phase === 'room' && !state.rpc && !state.leaving) {
    clearTimeout(state.reconnectTimer);
    state.reconnectAttempt = 0;
    reconnect();
  }
});

async function leave() {
  state.leaving = true;
  clearTimeout(state.reconnectTimer);
  const rpc = state.rpc;
  state.rpc = null;
  if (rpc && rpc.isOpen) {
    try {
      await Promise.race([rpc.call('room.leave'), new Promise((r) => setTimeout(r, 3000))]);
    } catch {
      /* leaving anyway */
    }
  }
  if (rpc) rpc.close(1000);
  closeMedia({ keepLocal: false });
  storageSet(sessionStorage, joinedKey(state.roomId), null);
  setConnStatus(null);
  el.send.removeAttribute('aria-disabled');
  showError(el.chatError, null);
  showView('left');
  focusHeading(el.views.left);
}

// ---------------------------------------------------------------- people

function avatarColor(id) {
  let hash = 0;
  for (const c of String(id)) hash = (hash * 31 + c.codePointAt(0)) >>> 0;
  return `hsl(${hash % 360} 55% 28%)`; // white letters stay readable on every hue
}

function personEl(p) {
  const mine = state.me && p.id === state.me.id;
  const initial = (Array.from(p.name.trim())[0] || '?').toLocaleUpperCase();
  const name = h('span', { class: 'person-name', 'data-testid': 'participant-name' }, p.name);
  if (mine) {
    const you = h('span', { class: 'you-tag' });
    tr(you, 'you');
    name.append(' ', you);
  }
  const avatar = h('span', { class: 'avatar', 'aria-hidden': 'true' }, initial);
  avatar.style.backgroundColor = avatarColor(p.id);
  return h('li', { dataset: { id: p.id }, 'data-testid': 'participant', class: mine ? 'me' : null },
    avatar, name);
}

function renderPeople() {
  // After a reconnect the server may still list this tab's previous
  // participant for a few seconds (until it notices the old connection is
  // gone); that is not another person, so it is not shown.
  const list = [...state.people.values()]
    .filter((p) => p.id === state.me?.id || !state.myIds.has(p.id));
  list.sort((a, b) => (b.id === state.me?.id) - (a.id === state.me?.id)); // me first, others in joining order
  el.people.replaceChildren(...list.map(personEl));
  tr(el.peopleHeading, 'peopleHeading', { n: list.length });
  renderTiles(list);
  renderStage(list);
}

// Screen shares take the stage: everyone's who shares (mine too).
function renderStage(list) {
  const shares = [];
  for (const p of list) {
    const mine = p.id === state.me?.id;
    let stream = null;
    if (mine) {
      stream = state.screen ? (state.screenStream ||= new MediaStream([state.screen])) : null;
    } else {
      const st = state.mediaStates.get(p.id);
      stream = st && st.screen ? state.streams.get(st.screenStream) || null : null;
    }
    if (stream) shares.push({ id: p.id, name: p.name, stream, mine });
  }
  drawStage(el.stage, el.stageList, shares);
}

function onParticipantJoined(p) {
  if (!p || !p.id || state.people.has(p.id)) return;
  state.people.set(p.id, p);
  renderPeople();
  announce(t('announceJoined', { name: p.name }));
}

function onParticipantLeft(p) {
  if (!p || !state.people.has(p.id)) return;
  state.people.delete(p.id);
  state.streams.delete(p.id);
  state.mediaStates.delete(p.id);
  renderPeople();
  if (!state.myIds.has(p.id)) announce(t('announceLeft', { name: p.name }));
}

// ---------------------------------------------------------------- media

// Asks for the camera and microphone once per join, then publishes and
// receives over this connection. Without devices the room works as before.
async function startMedia(rpc) {
  if (!state.localAsked) {
    state.localAsked = true;
    const { stream, problem } = await getLocalMedia();
    if (state.rpc !== rpc || state.leaving) {
      stopStream(stream);
      state.localAsked = false;
      return;
    }
    state.local = stream;
    const keys = { denied: 'mediaDenied', nodevice: 'mediaNoDevice', failed: 'mediaStartFailed' };
    setMediaStatus(problem ? keys[problem] : null);
    for (const t of stream ? stream.getTracks() : []) {
      t.enabled = t.kind === 'audio' ? state.micOn : state.camOn;
    }
  }
  if (state.rpc !== rpc) return;
  closeMedia({ keepLocal: true });
  const media = new MediaSession(rpc, state.local, {
    onStream: (id, stream) => {
      if (state.media !== media) return;
      state.streams.set(id, stream);
      renderPeople();
    },
    onState: (st) => {
      if (state.media !== media || !st || !st.participant) return;
      const before = state.mediaStates.get(st.participant);
      state.mediaStates.set(st.participant, {
        audio: !!st.audio,
        video: !!st.video,
        screen: !!st.screen,
        screenStream: st.screen ? st.screen_stream : null,
      });
      const who = state.people.get(st.participant);
      if (st.screen && !(before && before.screen) && who && !state.myIds.has(who.id)) {
        announce(t('announceScreen', { name: who.name }));
      }
      renderPeople();
    },
    onFailed: () => state.media === media && setMediaStatus('mediaConnFailed'),
  });
  state.media = media;
  updateMediaButtons();
  renderPeople();
  try {
    await media.start();
    if (state.local && !state.camOn) await media.setCamera(false);
  } catch (e) {
    if (state.media !== media) return;
    console.warn('media: could not start:', e);
    setMediaStatus('mediaConnFailed', e instanceof RpcError ? e.message : null);
  }
}

function closeMedia({ keepLocal }) {
  if (state.media) state.media.close();
  state.media = null;
  endScreen();
  state.streams.clear();
  state.mediaStates.clear();
  if (!keepLocal) {
    stopStream(state.local);
    state.local = null;
    state.localAsked = false;
    setMediaStatus(null);
    el.tiles.replaceChildren();
  }
  updateMediaButtons();
}

function setMediaStatus(key, detail) {
  el.mediaStatus.classList.toggle('error', !!key);
  if (!key) tr(el.mediaStatus, null);
  else showError(el.mediaStatus, key, detail);
}

function hasTrack(kind) {
  return !!state.local && state.local.getTracks().some((t) => t.kind === kind);
}

function updateMediaButtons() {
  const pairs = [[el.micToggle, 'audio', state.micOn], [el.camToggle, 'video', state.camOn]];
  for (const [btn, kind, on] of pairs) {
    btn.hidden = !hasTrack(kind);
    btn.setAttribute('aria-pressed', String(on));
    btn.classList.toggle('off', !on);
  }
  el.screenToggle.hidden = !state.media || !canShareScreen();
  el.screenToggle.setAttribute('aria-pressed', String(!!state.screen));
  el.screenToggle.disabled = state.screenBusy;
  el.screenLabel.dataset.i18n = state.screen ? 'stopSharing' : 'shareScreen';
  el.screenLabel.textContent = t(el.screenLabel.dataset.i18n);
}

function canShareScreen() {
  return !!(window.__aulaTestScreenTrack ||
    (navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia));
}

// A screen as one video track; tests may hand one in (a canvas stream).
async function getScreenTrack() {
  if (window.__aulaTestScreenTrack) return window.__aulaTestScreenTrack();
  const s = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
  return s.getVideoTracks()[0];
}

async function toggleScreen() {
  if (state.screenBusy || !state.media) return;
  state.screenBusy = true;
  updateMediaButtons();
  const media = state.media;
  try {
    if (state.screen) {
      endScreen();
      await media.stopScreen();
    } else {
      let track;
      try {
        track = await getScreenTrack();
      } catch (e) {
        // The person chose nothing: not an error worth a message.
        if (!(e && e.name === 'NotAllowedError')) setMediaStatus('screenFailed');
        return;
      }
      if (!track || state.media !== media) {
        if (track) track.stop();
        return;
      }
      state.screen = track;
      state.screenStream = null;
      // The browser's own "Stop sharing" bar ends the track.
      track.addEventListener('ended', () => {
        if (state.screen !== track) return;
        endScreen();
        updateMediaButtons();
        renderPeople();
        if (state.media === media) media.stopScreen().catch((e) => console.warn('media: stop sharing failed:', e));
      });
      renderPeople();
      await media.startScreen(track);
    }
  } catch (e) {
    if (state.media === media) {
      console.warn('media: screen sharing failed:', e);
      setMediaStatus('screenFailed', e instanceof RpcError ? e.message : null);
    }
  } finally {
    state.screenBusy = false;
    updateMediaButtons();
    renderPeople();
  }
}

// Forgets (and stops) this tab's screen track.
function endScreen() {
  const track = state.screen;
  state.screen = null;
  state.screenStream = null;
  if (track) track.stop();
}

async function toggleMic() {
  state.micOn = !state.micOn;
  updateMediaButtons();
  if (state.media) await state.media.setMic(state.micOn);
  else if (state.local) for (const t of state.local.getAudioTracks()) t.enabled = state.micOn;
  renderPeople();
}

async function toggleCamera() {
  state.camOn = !state.camOn;
  updateMediaButtons();
  if (state.media) await state.media.setCamera(state.camOn);
  else if (state.local) for (const t of state.local.getVideoTracks()) t.enabled = state.camOn;
  renderPeople();
}

function renderTiles(list) {
  drawTiles(el.tiles, list, {
    meId: state.me?.id,
    local: state.local,
    localState: { audio: hasTrack('audio') && state.micOn, video: hasTrack('video') && state.camOn },
    streams: state.streams,
    states: state.mediaStates,
    onSoundBlocked: () => {
      setMediaStatus(null);
      tr(el.mediaStatus, 'clickForSound');
      document.addEventListener('click', () => {
        if (el.mediaStatus.dataset.i18nDyn === 'clickForSound') tr(el.mediaStatus, null);
        unblockSound(el.tiles, state.me?.id);
      }, { once: true });
    },
  });
}

// ---------------------------------------------------------------- chat

function isMine(msg) {
  return !!msg.from && state.myIds.has(msg.from.id);
}

function timeEl(ts) {
  const d = new Date(ts);
  return h('time', {
    class: 'msg-time',
    datetime: Number.isFinite(d.getTime()) ? d.toISOString() : null,
    title: formatFullTime(ts),
    dataset: { ts: String(ts) },
    'data-testid': 'msg-time',
  }, formatTime(ts));
}

function messageEl(msg) {
  const mine = isMine(msg);
  const name = h('span', { class: 'msg-name', 'data-testid': 'msg-name' }, msg.from?.name ?? '');
  if (mine) {
    const you = h('span', { class: 'you-tag' });
    tr(you, 'you');
    name.append(' ', you);
  }
  return h('li', { class: mine ? 'msg mine' : 'msg', dataset: { seq: String(msg.seq) }, 'data-testid': 'chat-message' },
    h('div', { class: 'msg-head' }, name, timeEl(msg.ts)),
    h('p', { class: 'msg-text', 'data-testid': 'msg-text' }, String(msg.text ?? '')));
}

function renderChat() {
  const list = [...state.messages.values()].sort((a, b) => a.seq - b.seq);
  el.log.replaceChildren(...list.map(messageEl));
  updateChatChrome();
}

function updateChatChrome() {
  el.chatEmpty.hidden = state.messages.size > 0;
  el.loadEarlier.hidden = !state.hasMore;
}

// Puts one message into the log at its place by seq; false if it is
// already there.
function insertMessage(msg) {
  if (!msg || typeof msg.seq !== 'number' || state.messages.has(msg.seq)) return false;
  state.messages.set(msg.seq, msg);
  const node = messageEl(msg);
  let after = el.log.lastElementChild;
  while (after && Number(after.dataset.seq) > msg.seq) after = after.previousElementSibling;
  if (after) after.after(node);
  else el.log.prepend(node);
  return true;
}

function nearBottom() {
  return el.log.scrollHeight - el.log.scrollTop - el.log.clientHeight < 120;
}

// Whether the reader is following the newest lines. While they are, the log
// stays scrolled to the bottom, also when it changes size (an error note
// appears, the phone keyboard opens, the window is resized).
let following = true;
el.log.addEventListener('scroll', () => {
  following = nearBottom();
});
if (typeof ResizeObserver === 'function') {
  new ResizeObserver(() => {
    if (following) scrollToBottom();
  }).observe(el.log);
}

function scrollToBottom() {
  el.log.scrollTop = el.log.scrollHeight;
}

function onChatMessage(msg) {
  if (!insertMessage(msg)) return;
  updateChatChrome();
  if (following) scrollToBottom();
  if (!isMine(msg)) {
    announce(t('announceMessage', { name: msg.from?.name ?? '', text: msg.text }));
    if (document.hidden) {
      state.unread++;
      updateDocTitle();
    }
  }
}

function chatErrorFor(e) {
  if (!(e instanceof RpcError)) return ['sendFailed'];
  switch (e.code) {
    case Codes.RATE_LIMITED:
      return ['rateLimited'];
    case Codes.STORAGE_FAILED:
      return ['storageFailed'];
    case Codes.INVALID_PARAMS:
      if (/long|length|2000/i.test(e.message)) return ['msgTooLong'];
      if (/empty|blank/i.test(e.message)) return ['msgEmpty'];
      return ['msgInvalid', e.message];
    case Codes.NOT_JOINED:
    case RpcError.CLOSED:
    case RpcError.TIMEOUT:
      return ['notConnected'];
    default:
      return ['sendFailed', e.message];
  }
}

async function sendMessage() {
  if (state.sending) return;
  const raw = el.chatInput.value;
  const text = raw.replace(CONTROL_CHARS, ' ').trim();
  if (!text) {
    showError(el.chatError, 'msgEmpty');
    el.chatInput.focus();
    return;
  }
  if (codePoints(text) > MAX_TEXT) {
    showError(el.chatError, 'msgTooLong');
    el.chatInput.focus();
    return;
  }
  const rpc = state.rpc;
  if (!rpc || !rpc.isOpen) {
    showError(el.chatError, 'notConnected');
    return;
  }
  state.sending = true;
  el.send.setAttribute('aria-busy', 'true');
  try {
    const msg = await rpc.call('chat.send', { text });
    insertMessage(msg);
    updateChatChrome();
    scrollToBottom();
    if (el.chatInput.value === raw) el.chatInput.value = '';
    showError(el.chatError, null);
    if (document.activeElement === el.send) el.chatInput.focus();
  } catch (e) {
    const [key, detail] = chatErrorFor(e);
    showError(el.chatError, key, detail);
    if (e instanceof RpcError && e.code === Codes.NOT_JOINED) connectionLost();
    if (e instanceof RpcError && e.code === RpcError.TIMEOUT && state.rpc === rpc) connectionLost();
  } finally {
    state.sending = false;
    el.send.removeAttribute('aria-busy');
  }
}

async function loadEarlier() {
  if (state.loadingEarlier) return;
  const rpc = state.rpc;
  if (!rpc || !rpc.isOpen) {
    showError(el.chatError, 'notConnected');
    return;
  }
  const before = state.messages.size ? Math.min(...state.messages.keys()) : undefined;
  state.loadingEarlier = true;
  el.loadEarlier.setAttribute('aria-busy', 'true');
  el.loadEarlierLabel.dataset.i18n = 'loadingEarlier';
  el.loadEarlierLabel.textContent = t('loadingEarlier');
  try {
    const params = { limit: HISTORY_PAGE };
    if (before !== undefined) params.before = before;
    const res = await rpc.call('chat.history', params);
    const prevHeight = el.log.scrollHeight;
    const prevTop = el.log.scrollTop;
    let first = null;
    for (const m of res.messages || []) {
      if (insertMessage(m) && !first) first = m.seq;
    }
    state.hasMore = !!res.has_more;
    updateChatChrome();
    // Keep the lines the reader was looking at in the same place.
    el.log.scrollTop = prevTop + (el.log.scrollHeight - prevHeight);
    if (el.loadEarlier.hidden && first !== null) {
      // The button is gone; put keyboard focus on the oldest line instead.
      const node = el.log.querySelector(`[data-seq="${first}"]`);
      if (node) {
        node.tabIndex = -1;
        node.focus();
      }
    }
  } catch (e) {
    const [key, detail] = e instanceof RpcError && [RpcError.CLOSED, RpcError.TIMEOUT].includes(e.code)
      ? ['notConnected'] : ['earlierFailed', e.message];
    showError(el.chatError, key, detail);
  } finally {
    state.loadingEarlier = false;
    el.loadEarlier.removeAttribute('aria-busy');
    el.loadEarlierLabel.dataset.i18n = 'showEarlier';
    el.loadEarlierLabel.textContent = t('showEarlier');
  }
}

async function copyInvite() {
  const url = new URL(`/r/${encodeURIComponent(state.roomId)}`, window.location.origin).href;
  const ok = await copyText(url);
  clearTimeout(state.inviteTimer);
  el.inviteStatus.classList.toggle('error', !ok);
  if (ok) {
    tr(el.inviteStatus, 'inviteCopied');
  } else {
    // Show the link itself so it can be copied by hand.
    tr(el.inviteStatus, 'copyFailed');
    el.inviteStatus.append(' ', h('span', { class: 'invite-url' }, url));
  }
  state.inviteTimer = setTimeout(() => tr(el.inviteStatus, null), ok ? 5000 : 30000);
}

// ---------------------------------------------------------------- events

el.joinForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const name = cleanName(el.name.value);
  if (!name) {
    showError(el.nameError, 'nameEmpty');
    el.name.setAttribute('aria-invalid', 'true');
    el.name.focus();
    return;
  }
  if (codePoints(name) > MAX_NAME) {
    showError(el.nameError, 'nameInvalid');
    el.name.setAttribute('aria-invalid', 'true');
    el.name.focus();
    return;
  }
  join(name, { remember: true });
});

el.name.addEventListener('input', () => {
  if (el.name.hasAttribute('aria-invalid')) {
    el.name.removeAttribute('aria-invalid');
    showError(el.nameError, null);
  }
});

el.chatForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  sendMessage();
});

el.chatInput.addEventListener('input', () => {
  // An "empty" or "too long" note goes away once the text is fixed.
  const span = el.chatError.firstElementChild;
  const key = span && span.dataset.i18nDyn;
  if ((key === 'msgEmpty' && el.chatInput.value.trim()) ||
      (key === 'msgTooLong' && codePoints(el.chatInput.value.trim()) <= MAX_TEXT)) {
    showError(el.chatError, null);
  }
});

el.loadEarlier.addEventListener('click', loadEarlier);
el.leave.addEventListener('click', leave);
el.micToggle.addEventListener('click', toggleMic);
el.camToggle.addEventListener('click', toggleCamera);
el.screenToggle.addEventListener('click', toggleScreen);
el.copyInvite.addEventListener('click', copyInvite);
el.retryLoad.addEventListener('click', start);
el.joinAgain.addEventListener('click', () => {
  showJoinForm(undefined, state.name);
  join(state.name, { remember: false });
});

onLangChange(() => {
  for (const node of el.log.querySelectorAll('time[data-ts]')) {
    const ts = Number(node.dataset.ts);
    node.textContent = formatTime(ts);
    node.title = formatFullTime(ts);
  }
  if (state.phase === 'notfound') document.title = `${t('notFoundHeading')} — aula`;
  if (state.phase === 'room') renderPeople();
});

initI18n();
start();
