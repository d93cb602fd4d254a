// Shared state of the meeting page and a tiny event hub, so the page's
// modules (join, lobby, chat, people, layout, hands, reactions, controls)
// need not import each other.
import { idFromPath } from './util.js';
import { RpcError } from './rpc.js';

export const $ = (id) => document.getElementById(id);

export const state = {
  roomId: idFromPath(window.location.pathname, 'r'),
  title: '',
  phase: 'loading', // loading | notfound | error | join | lobby | room | left | ended
  name: '',
  me: null, // { id, name, role } of this connection
  myIds: new Set(), // every participant id this tab has had in this room
  people: new Map(), // id -> participant { id, name, role }, in joining order
  room: { locked: false, lobby: false, has_password: false },
  hands: [], // [{ id, name, since }] in raise order
  waiting: new Map(), // id -> { id, name } waiting in the lobby (hosts see it)
  conn: null, // the Connection (connection.js)
  rpc: null, // the joined RpcClient, or null
  leaving: false,
  // Media
  local: null, // camera + microphone stream, or null
  localProblem: null, // null | 'denied' | 'nodevice' | 'failed'
  devices: { audio: '', video: '' }, // chosen device ids ('' = default)
  media: null, // the MediaSession of the current connection
  mediaStatusKey: null, // the i18n key the media status line shows, or null
  streams: new Map(), // stream id -> remote MediaStream
  mediaStates: new Map(), // participant id -> { audio, video, screen, screenStream }
  screen: null, // this tab's screen share track, or null
  screenStream: null,
  screenBusy: false,
  micOn: true,
  camOn: true,
  hostMuted: { audio: null, video: null }, // null, or { allowUnmute }
  speakerId: null,
};

export function isHostRole(role) {
  return role === 'host' || role === 'cohost';
}

export function amHost() {
  return !!state.me && isHostRole(state.me.role);
}

// A call on the joined connection; rejects with RpcError.CLOSED when there
// is none.
export function call(method, params) {
  const rpc = state.rpc;
  if (!rpc || !rpc.isOpen) return Promise.reject(new RpcError(RpcError.CLOSED, 'not connected'));
  return rpc.call(method, params);
}

const hub = new Map();

// on('people', fn): fn runs on every emit('people', data).
export function on(name, fn) {
  if (!hub.has(name)) hub.set(name, new Set());
  hub.get(name).add(fn);
  return () => hub.get(name).delete(fn);
}

export function emit(name, data) {
  for (const fn of hub.get(name) || []) {
    try {
      fn(data);
    } catch (e) {
      console.error(`page: ${name} handler failed`, e);
    }
  }
}

// Polite screen reader announcements.
export function announce(text) {
  const box = $('announcer');
  const p = document.createElement('p');
  p.textContent = text;
  box.append(p);
  while (box.childElementCount > 3) box.firstElementChild.remove();
}
