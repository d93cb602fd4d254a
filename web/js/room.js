// The meeting page (/r/{id}): the join screen, the waiting room, the room,
// and the end screens. This module wires the others together:
//   connection.js  join tokens, reconnection, token refresh
//   join.js        camera preview, devices, microphone level
//   lobby.js       the waiting screen
//   chat.js        the chat (to everyone / to hosts, offline queue)
//   people.js      the people list; controls.js: host controls
//   hands.js, reactions.js, layout.js (grid, speaker view, stage)
//
// Everything a person typed (names, messages, room titles) goes into the
// page with textContent only.
import { initI18n, onLangChange, t, tr } from './i18n.js';
import { RpcError, Codes } from './rpc.js';
import { api } from './api.js';
import { Connection, JoinError } from './connection.js';
import { getTrack, listDevices, MediaSession, stopStream } from './media.js';
import { $, state, emit, on, announce } from './state.js';
import { initJoin, startPreview, previewDone, endPreview, fillSelect, rememberDevices } from './join.js';
import { showLobby, initLobby } from './lobby.js';
import { initChat, loadChat, onChatMessage, focusChat, showError, CONTROL_CHARS } from './chat.js';
import { renderPeople } from './people.js';
import { initControls, controlHandlers, loadControls, renderHostPanel } from './controls.js';
import { initHands, handHandlers, setHands, renderHands } from './hands.js';
import { initReactions, reactionHandlers } from './reactions.js';
import { initLayout, renderLayout, setSpeaker, clearTiles } from './layout.js';
import { copyText, storageGet, storageSet, codePoints, h } from './util.js';
import { initWebinar, webinarHandlers, webinarJoined, mayPublish } from './webinar.js'; // EVWEB

const NAME_KEY = 'aula.name'; // localStorage: the name typed last time
const myIdsKey = (room) => `aula.me.${room}`; // sessionStorage: participant ids this tab had
const MAX_NAME = 64;

const el = {
  conn: $('conn-status'),
  views: {
    loading: $('view-loading'),
    notfound: $('view-notfound'),
    error: $('view-error'),
    join: $('view-join'),
    lobby: $('view-lobby'),
    room: $('view-room'),
    left: $('view-left'),
    ended: $('view-ended'),
  },
  retryLoad: $('retry-load'),
  joinTitle: $('join-title'),
  joinPeople: $('join-people'),
  joinHostNote: $('join-host-note'),
  joinForm: $('join-form'),
  name: $('name'),
  passwordField: $('password-field'),
  password: $('password'),
  nameError: $('name-error'),
  joinBtn: $('join-button'),
  roomTitle: $('room-title'),
  lobbyTitle: $('lobby-title'),
  copyInvite: $('copy-invite'),
  inviteStatus: $('invite-status'),
  leave: $('leave'),
  micToggle: $('mic-toggle'),
  camToggle: $('cam-toggle'),
  screenToggle: $('screen-toggle'),
  screenLabel: $('screen-label'),
  devicesToggle: $('devices-toggle'),
  devicesPanel: $('devices-panel'),
  roomCamSelect: $('room-cam-select'),
  roomMicSelect: $('room-mic-select'),
  devicesStatus: $('devices-status'),
  mediaStatus: $('media-status'),
  hostNotice: $('host-notice'),
  joinAgain: $('join-again'),
  leftTitle: $('left-title'),
  endedHeading: $('ended-heading'),
  endedTitle: $('ended-title'),
  endedText: $('ended-text'),
};

let conn = null;
let connTimer = 0;
let inviteTimer = 0;
let unread = 0;
let hostKey = '';

// ---------------------------------------------------------------- views

function showView(name) {
  state.phase = name;
  for (const [k, v] of Object.entries(el.views)) v.hidden = k !== name;
  document.body.dataset.view = name;
  renderHostPanel();
}

function focusHeading(view) {
  const heading = view.querySelector('h1');
  if (heading) heading.focus();
}

function setTitle(title) {
  state.title = title || '';
  for (const node of [el.joinTitle, el.roomTitle, el.leftTitle, el.lobbyTitle, el.endedTitle]) {
    node.textContent = state.title;
  }
  updateDocTitle();
}

// "(3) Maths 4B — aula" while the tab is in the background and 3 new lines
// came in.
function updateDocTitle() {
  const base = state.title ? `${state.title} — aula` : 'aula';
  document.title = unread > 0 ? `(${unread}) ${base}` : base;
}

function setConnStatus(key) {
  clearTimeout(connTimer);
  tr(el.conn, key);
  el.conn.classList.toggle('ok', key === 'reconnected');
  document.body.classList.toggle('reconnecting', key === 'reconnecting');
  if (key === 'reconnected') connTimer = setTimeout(() => tr(el.conn, null), 5000);
}

function hostNotice(key, params) {
  if (!key) {
    tr(el.hostNotice, null);
    return;
  }
  tr(el.hostNotice, key, params);
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

// ---------------------------------------------------------------- start

// The host key from a host link (/r/{id}#host=KEY): kept for this tab and
// taken out of the address bar, so a link copied from there is a
// participant's link.
function takeHostKey() {
  const m = window.location.hash.match(/[#&]host=([^&]+)/);
  if (!m) return;
  try {
    hostKey = decodeURIComponent(m[1]);
  } catch {
    return;
  }
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
}

async function start() {
  showView('loading');
  if (!state.roomId) {
    showNotFound();
    return;
  }
  if (!conn) conn = newConnection();
  takeHostKey();
  if (hostKey) {
    conn.saved.hostKey = hostKey;
    conn.save();
  }
  hostKey = conn.saved.hostKey || '';
  const res = await api('GET', `/api/v1/rooms/${encodeURIComponent(state.roomId)}`);
  if (res.status === 404 || res.status === 400) {
    showNotFound();
    return;
  }
  if (res.status !== 200 || !res.body) {
    console.warn('loading the room failed:', res.status, res.error);
    showView('error');
    focusHeading(el.views.error);
    return;
  }
  const info = res.body;
  setTitle(info.title);
  state.room = { locked: !!info.locked, lobby: !!info.lobby, has_password: !!info.has_password };
  state.myIds = new Set(readJson(sessionStorage, myIdsKey(state.roomId), []));

  const fromUrl = cleanName(new URLSearchParams(window.location.search).get('name') || '');
  const fromSession = conn.saved.inRoom ? cleanName(conn.saved.name || '') : '';
  const auto = fromUrl || fromSession;

  showJoinForm(info.participants, auto || storageGet(localStorage, NAME_KEY) || '');
  // EVWEB: a webinar's attendee publishes nothing: no camera preview.
  const preview = conn.saved.event?.role === 'attendee' ? Promise.resolve() : startPreview();
  if (auto) {
    await preview;
    join(auto, { remember: false });
  } else {
    el.name.focus();
  }
}

function showNotFound() {
  conn?.forget();
  setConnStatus(null);
  closeMedia({ keepLocal: false });
  showView('notfound');
  document.title = `${t('notFoundHeading')} — aula`;
  focusHeading(el.views.notfound);
}

function showJoinForm(count, name) {
  if (typeof count === 'number') tr(el.joinPeople, 'peopleNow', { n: count });
  else tr(el.joinPeople, null);
  el.joinHostNote.hidden = !hostKey;
  el.passwordField.hidden = !state.room.has_password || !!hostKey;
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

// ---------------------------------------------------------------- joining

function newConnection() {
  return new Connection(state.roomId, {
    handlers: {
      'participant.joined': (p) => onParticipantJoined(p.participant),
      'participant.left': (p) => onParticipantLeft(p.participant),
      'participant.role': onParticipantRole,
      'chat.message': onChatMessage,
      'room.active_speaker': (p) => setSpeaker(p.participant?.id),
      'host.muted': onHostMuted,
      'host.unmute_allowed': onUnmuteAllowed,
      ...controlHandlers,
      ...handHandlers,
      ...reactionHandlers,
      ...webinarHandlers, // EVWEB
    },
    events: {
      joined: (rpc, result, { reconnect }) => enterRoom(rpc, result, { reconnect }),
      waiting: (rpc, result, { reconnect }) => enterLobby(result, { reconnect }),
      lost: connectionLost,
      final: showEnded,
      failed: reconnectFailed,
    },
  });
}

async function join(name, { remember }) {
  if (el.joinBtn.getAttribute('aria-busy') === 'true') return;
  showError(el.nameError, null);
  el.name.removeAttribute('aria-invalid');
  el.password.removeAttribute('aria-invalid');
  state.leaving = false;
  setJoinBusy(true);
  try {
    await previewDone();
    await conn.start({ name, password: el.password.value, hostKey });
    if (remember) storageSet(localStorage, NAME_KEY, name);
  } catch (e) {
    setJoinBusy(false);
    onJoinFailed(e instanceof JoinError ? e : new JoinError('failed', String(e && e.message || e)));
  }
}

function onJoinFailed(e) {
  if (e.kind === 'notfound') {
    showNotFound();
    return;
  }
  if (state.phase !== 'join') showJoinForm(undefined, el.name.value || state.name);
  startPreview();
  const keys = {
    password: 'passwordNeeded',
    wrongPassword: 'passwordWrong',
    locked: 'roomLocked',
    name: 'nameInvalid',
    offline: 'joinOffline',
    token: 'tokenInvalid',
  };
  const key = keys[e.kind] || 'joinFailed';
  showError(el.nameError, key, key === 'joinFailed' || key === 'tokenInvalid' ? e.message : null);
  if (e.kind === 'password' || e.kind === 'wrongPassword') {
    el.passwordField.hidden = false;
    state.room.has_password = true;
    el.password.setAttribute('aria-invalid', 'true');
    el.password.focus();
    return;
  }
  if (e.kind === 'name') el.name.setAttribute('aria-invalid', 'true');
  el.name.focus();
}

function setMe(result) {
  const me = result.me || result.participant;
  const role = me.role || result.role || state.people.get(me.id)?.role || 'participant';
  state.me = { id: me.id, name: me.name, role };
  state.name = me.name;
  state.myIds.add(me.id);
  storageSet(sessionStorage, myIdsKey(state.roomId), JSON.stringify([...state.myIds].slice(-50)));
}

function enterLobby(result, { reconnect }) {
  state.rpc = null;
  conn.saved.inRoom = true;
  conn.save();
  endPreview();
  if (result.room) {
    if (result.room.title) setTitle(result.room.title);
  }
  if (reconnect) setConnStatus('reconnected');
  showLobby(showView);
}

function enterRoom(rpc, result, { reconnect }) {
  state.rpc = rpc;
  setMe(result);
  conn.saved.inRoom = true;
  conn.saved.name = state.name;
  conn.save();
  if (result.room) {
    if (result.room.title) setTitle(result.room.title);
    for (const k of ['locked', 'lobby']) if (k in result.room) state.room[k] = !!result.room[k];
  }
  // Do not leave ?name= in the address bar: a link copied from there
  // would make everyone join under this name.
  if (window.location.search) {
    window.history.replaceState(null, '', window.location.pathname + window.location.hash);
  }
  state.people = new Map();
  for (const p of result.participants || []) state.people.set(p.id, p);
  if (!state.people.has(state.me.id)) state.people.set(state.me.id, state.me);
  else state.people.get(state.me.id).role = state.me.role;
  const mine = state.people.get(state.me.id);
  // After a rejoin: what a host muted stays muted (the server has the last
  // word on unmuting).
  state.hostMuted.audio = mine.audio_muted_by_host ? { allowUnmute: mine.allow_unmute !== false } : null;
  state.hostMuted.video = mine.video_muted_by_host ? { allowUnmute: mine.allow_unmute !== false } : null;
  if (state.hostMuted.audio) state.micOn = false;
  if (state.hostMuted.video) state.camOn = false;
  state.hands = [];
  setHands(result.hands || handsFrom(result.participants));
  loadControls(result);
  webinarJoined(result); // EVWEB: before startMedia (an attendee publishes nothing)

  const first = state.phase !== 'room';
  endPreview();
  showView('room');
  emit('me');
  loadChat(result, { reconnect, first });
  renderAll();
  startMedia(rpc);
  if (reconnect) setConnStatus('reconnected');
  if (first && !reconnect) focusChat();
}

// Participants carry hand: null or their place; as [{id, name}] in order.
function handsFrom(list) {
  return (list || []).filter((p) => Number.isInteger(p.hand))
    .sort((a, b) => a.hand - b.hand).map((p) => ({ id: p.id, name: p.name }));
}

// ---------------------------------------------------------------- connection

function connectionLost() {
  state.rpc = null;
  closeMedia({ keepLocal: true });
  if (state.phase === 'room' || state.phase === 'lobby') setConnStatus('reconnecting');
}

function reconnectFailed(err) {
  setConnStatus(null);
  if (err.kind === 'notfound') {
    showNotFound();
    return;
  }
  closeMedia({ keepLocal: false });
  if (err.kind === 'locked') {
    showEnded('locked');
    return;
  }
  conn.saved.inRoom = false;
  conn.save();
  onJoinFailed(err);
}

const ENDED = {
  removed: ['removedHeading', 'removedText'],
  ended: ['endedHeading', 'endedText'],
  declined: ['declinedHeading', 'declinedText'],
  replaced: ['replacedHeading', 'replacedText'],
  locked: ['lockedHeading', 'lockedText'],
};

function showEnded(reason) {
  state.rpc = null;
  closeMedia({ keepLocal: false });
  setConnStatus(null);
  hostNotice(null);
  const [heading, text] = ENDED[reason] || ENDED.ended;
  tr(el.endedHeading, heading);
  tr(el.endedText, text);
  el.views.ended.dataset.reason = reason;
  showView('ended');
  focusHeading(el.views.ended);
}

window.addEventListener('online', () => conn?.kick());

async function leave() {
  state.leaving = true;
  state.rpc = null;
  await conn.leave();
  conn.saved.inRoom = false;
  conn.save();
  closeMedia({ keepLocal: false });
  setConnStatus(null);
  hostNotice(null);
  showView('left');
  focusHeading(el.views.left);
}

async function stopWaiting() {
  await conn.leave();
  conn.saved.inRoom = false;
  conn.save();
  showJoinForm(undefined, state.name || el.name.value);
  startPreview();
  el.name.focus();
}

// ---------------------------------------------------------------- people

function displayList() {
  // After a reconnect the server may still list this tab's previous
  // participant for a few seconds; that is not another person.
  const list = [...state.people.values()]
    .filter((p) => p.id === state.me?.id || !state.myIds.has(p.id));
  list.sort((a, b) => (b.id === state.me?.id) - (a.id === state.me?.id)); // me first
  return list;
}

function renderAll() {
  if (state.phase !== 'room') return;
  const list = displayList();
  renderPeople(list);
  renderLayout(list);
  renderHands();
  updateMediaButtons();
}

function onParticipantJoined(p) {
  if (!p || !p.id || state.people.has(p.id)) return;
  state.people.set(p.id, p);
  renderAll();
  announce(t('announceJoined', { name: p.name }));
}

function onParticipantLeft(p) {
  if (!p || !state.people.has(p.id)) return;
  state.people.delete(p.id);
  state.streams.delete(p.id);
  state.mediaStates.delete(p.id);
  renderAll();
  if (!state.myIds.has(p.id)) announce(t('announceLeft', { name: p.name }));
}

function onParticipantRole(msg) {
  const p = msg && msg.participant;
  if (!p || !p.id) return;
  const known = state.people.get(p.id);
  if (known) known.role = p.role;
  if (state.me && p.id === state.me.id) {
    const was = state.me.role;
    state.me.role = p.role;
    if (msg.token) conn.setToken(msg.token);
    if (p.role !== was) {
      hostNotice(p.role === 'cohost' ? 'youAreCohost' : p.role === 'host' ? 'youAreHost' : 'youAreParticipant');
    }
    emit('me');
  }
  renderAll();
}

// ---------------------------------------------------------------- host mute

function onHostMuted(p) {
  if (!p || (p.kind !== 'audio' && p.kind !== 'video')) return;
  const allow = !!p.allow_unmute;
  state.hostMuted[p.kind] = { allowUnmute: allow };
  const by = p.by?.name || t('aHost');
  if (p.kind === 'audio') {
    state.micOn = false;
    if (state.media) state.media.setMic(false);
    else for (const x of state.local?.getAudioTracks() || []) x.enabled = false;
    hostNotice(allow ? 'hostMutedMic' : 'hostMutedMicLocked', { name: by });
  } else {
    state.camOn = false;
    if (state.media) state.media.setCamera(false);
    else for (const x of state.local?.getVideoTracks() || []) x.enabled = false;
    hostNotice(allow ? 'hostMutedCam' : 'hostMutedCamLocked', { name: by });
  }
  renderAll();
}

function onUnmuteAllowed(p) {
  if (!p || !state.hostMuted[p.kind]) return;
  state.hostMuted[p.kind] = { allowUnmute: true };
  hostNotice(p.kind === 'audio' ? 'unmuteAllowedMic' : 'unmuteAllowedCam');
  updateMediaButtons();
}

// aula refused to turn kind back on: a host muted it and did not allow it.
function refusedByHost(kind) {
  state.hostMuted[kind] = { allowUnmute: false };
  if (kind === 'audio') state.micOn = false;
  else state.camOn = false;
  hostNotice(kind === 'audio' ? 'stillMutedByHost' : 'stillCamOffByHost');
  renderAll();
}

function lockedByHost(kind) {
  const m = state.hostMuted[kind];
  return !!m && !m.allowUnmute;
}

// ---------------------------------------------------------------- media

// Publishes this tab's camera and microphone (from the join screen) and
// receives the others over this connection. Without devices the room works
// as before.
async function startMedia(rpc) {
  if (state.rpc !== rpc) return;
  const keys = { denied: 'mediaDenied', nodevice: 'mediaNoDevice', busy: 'mediaStartFailed', failed: 'mediaStartFailed' };
  if (!state.media) setMediaStatus(state.localProblem ? keys[state.localProblem] : null);
  closeMedia({ keepLocal: true });
  for (const x of state.local ? state.local.getTracks() : []) {
    x.enabled = x.kind === 'audio' ? state.micOn : state.camOn;
  }
  let started = false; // media.start() resolved
  const media = new MediaSession(rpc, mayPublish() ? state.local : null, { // EVWEB: mayPublish
    onStream: (id, stream) => {
      if (state.media !== media) return;
      state.streams.set(id, stream);
      renderAll();
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
      renderAll();
    },
    onFailed: () => {
      if (state.media !== media) return;
      // The media path is gone (a network change): if it does not recover
      // by itself within a few seconds, start the media again over the
      // same signaling connection.
      setTimeout(() => {
        if (state.media !== media || !media.isFailed() || state.rpc !== rpc) return;
        setMediaStatus('mediaReconnecting');
        startMedia(rpc);
      }, 3000);
    },
    // Back after a restart: the message goes once the new connections are
    // really up, not when signaling is done.
    onConnected: () => {
      if (state.media === media && started && media.isConnected()) mediaRecovered();
    },
  });
  state.media = media;
  renderAll();
  try {
    await media.start();
    if (state.local && !state.camOn) await media.setCamera(false);
    started = true;
    if (state.media === media && media.isConnected()) mediaRecovered();
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
    setMediaStatus(null);
    clearTiles();
  }
  updateMediaButtons();
}

// Clears "connecting it again…" (and only that message).
function mediaRecovered() {
  if (state.mediaStatusKey === 'mediaReconnecting') setMediaStatus(null);
}

function setMediaStatus(key, detail) {
  state.mediaStatusKey = key || null;
  el.mediaStatus.classList.toggle('error', !!key);
  if (!key) tr(el.mediaStatus, null);
  else showError(el.mediaStatus, key, detail);
}

function hasTrack(kind) {
  return !!state.local && state.local.getTracks().some((x) => x.kind === kind);
}

function updateMediaButtons() {
  const pairs = [[el.micToggle, 'audio', state.micOn], [el.camToggle, 'video', state.camOn]];
  for (const [btn, kind, on] of pairs) {
    btn.hidden = !hasTrack(kind);
    btn.setAttribute('aria-pressed', String(on));
    btn.classList.toggle('off', !on);
    // Still clickable: a click explains why it stays off.
    btn.classList.toggle('locked', lockedByHost(kind));
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
        renderAll();
        if (state.media === media) media.stopScreen().catch((e) => console.warn('media: stop sharing failed:', e));
      });
      renderAll();
      await media.startScreen(track);
    }
  } catch (e) {
    if (state.media === media) {
      console.warn('media: screen sharing failed:', e);
      setMediaStatus('screenFailed', e instanceof RpcError ? e.message : null);
    }
  } finally {
    state.screenBusy = false;
    renderAll();
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
  if (!state.micOn && lockedByHost('audio')) {
    hostNotice('stillMutedByHost');
    return;
  }
  state.micOn = !state.micOn;
  updateMediaButtons();
  if (state.media) {
    const err = await state.media.setMic(state.micOn);
    if (err && err.code === Codes.FORBIDDEN && state.micOn) refusedByHost('audio');
    else if (state.micOn) state.hostMuted.audio = null;
  } else if (state.local) {
    for (const x of state.local.getAudioTracks()) x.enabled = state.micOn;
  }
  renderAll();
}

async function toggleCamera() {
  if (!state.camOn && lockedByHost('video')) {
    hostNotice('stillCamOffByHost');
    return;
  }
  state.camOn = !state.camOn;
  updateMediaButtons();
  if (state.media) {
    const err = await state.media.setCamera(state.camOn);
    if (err && err.code === Codes.FORBIDDEN && state.camOn) refusedByHost('video');
    else if (state.camOn) state.hostMuted.video = null;
  } else if (state.local) for (const x of state.local.getVideoTracks()) x.enabled = state.camOn;
  renderAll();
}

// Device switching inside the room: the new track replaces the old one on
// the same sender (no renegotiation).
async function fillRoomDevices() {
  const list = await listDevices();
  const cur = (kind) => state.local?.getTracks().find((x) => x.kind === kind)?.getSettings?.().deviceId || state.devices[kind];
  fillSelect(el.roomCamSelect, list.video, cur('video'), 'noCamera');
  fillSelect(el.roomMicSelect, list.audio, cur('audio'), 'noMicrophone');
}

async function switchDevice(kind, id) {
  tr(el.devicesStatus, null);
  el.devicesStatus.classList.remove('error');
  let track;
  try {
    track = await getTrack(kind, id);
  } catch (e) {
    el.devicesStatus.classList.add('error');
    tr(el.devicesStatus, 'deviceSwitchFailed');
    return;
  }
  track.enabled = kind === 'audio' ? state.micOn : state.camOn;
  const old = state.local?.getTracks().find((x) => x.kind === kind);
  state.devices[kind] = id;
  rememberDevices();
  if (!state.local || !old) {
    // A kind we did not have: publish again with it.
    if (!state.local) state.local = new MediaStream();
    state.local.addTrack(track);
    state.localProblem = null;
    if (state.rpc) startMedia(state.rpc);
  } else if (state.media) {
    await state.media.replaceTrack(kind, track);
    old.stop();
  } else {
    state.local.removeTrack(old);
    state.local.addTrack(track);
    old.stop();
  }
  tr(el.devicesStatus, kind === 'audio' ? 'micSwitched' : 'camSwitched');
  renderAll();
}

function setDevicesOpen(open) {
  el.devicesPanel.hidden = !open;
  el.devicesToggle.setAttribute('aria-expanded', String(open));
  if (open) fillRoomDevices();
}

async function copyInvite() {
  const url = new URL(`/r/${encodeURIComponent(state.roomId)}`, window.location.origin).href;
  const ok = await copyText(url);
  clearTimeout(inviteTimer);
  el.inviteStatus.classList.toggle('error', !ok);
  if (ok) {
    tr(el.inviteStatus, 'inviteCopied');
  } else {
    // Show the link itself so it can be copied by hand.
    tr(el.inviteStatus, 'copyFailed');
    el.inviteStatus.append(' ', h('span', { class: 'invite-url' }, url));
  }
  inviteTimer = setTimeout(() => tr(el.inviteStatus, null), ok ? 5000 : 30000);
}

// ---------------------------------------------------------------- events

el.joinForm.addEventListener('submit', (ev) => {
  ev.preventDefault();
  const name = cleanName(el.name.value);
  if (!name || codePoints(name) > MAX_NAME) {
    showError(el.nameError, name ? 'nameInvalid' : 'nameEmpty');
    el.name.setAttribute('aria-invalid', 'true');
    el.name.focus();
    return;
  }
  if (!el.passwordField.hidden && !el.password.value) {
    showError(el.nameError, 'passwordNeeded');
    el.password.setAttribute('aria-invalid', 'true');
    el.password.focus();
    return;
  }
  join(name, { remember: true });
});

for (const input of [el.name, el.password]) {
  input.addEventListener('input', () => {
    if (input.hasAttribute('aria-invalid')) {
      input.removeAttribute('aria-invalid');
      showError(el.nameError, null);
    }
  });
}

el.leave.addEventListener('click', leave);
el.micToggle.addEventListener('click', toggleMic);
el.camToggle.addEventListener('click', toggleCamera);
el.screenToggle.addEventListener('click', toggleScreen);
el.copyInvite.addEventListener('click', copyInvite);
el.retryLoad.addEventListener('click', start);
el.devicesToggle.addEventListener('click', () => setDevicesOpen(el.devicesPanel.hidden));
el.devicesPanel.addEventListener('keydown', (ev) => {
  if (ev.key === 'Escape') {
    setDevicesOpen(false);
    el.devicesToggle.focus();
  }
});
document.addEventListener('click', (ev) => {
  if (!el.devicesPanel.hidden && !el.devicesToggle.parentElement.contains(ev.target)) setDevicesOpen(false);
});
el.roomCamSelect.addEventListener('change', () => switchDevice('video', el.roomCamSelect.value));
el.roomMicSelect.addEventListener('change', () => switchDevice('audio', el.roomMicSelect.value));
el.joinAgain.addEventListener('click', async () => {
  showJoinForm(undefined, state.name);
  await startPreview();
  join(state.name, { remember: false });
});

on('unread', (n) => {
  unread = n;
  updateDocTitle();
});
on('connection-suspect', () => conn?.drop());
// EVWEB: on or off a webinar's stage; attendees seen or gone.
on('restart-media', () => state.rpc && startMedia(state.rpc));
on('webinar-render', renderAll);

onLangChange(() => {
  if (state.phase === 'notfound') document.title = `${t('notFoundHeading')} — aula`;
  emit('lang');
  renderAll();
  renderHostPanel();
});

initI18n();
initJoin();
initLobby({ onStopWaiting: stopWaiting });
initChat();
initControls();
initHands();
initReactions();
initWebinar(); // EVWEB
initLayout({
  onSoundBlocked: (unblock) => {
    setMediaStatus(null);
    tr(el.mediaStatus, 'clickForSound');
    document.addEventListener('click', () => {
      if (el.mediaStatus.dataset.i18nDyn === 'clickForSound') tr(el.mediaStatus, null);
      unblock();
    }, { once: true });
  },
});
start();
