// Joining an event (docs/api.md, "Events"): POST /api/v1/events/{id}/join
// turns a personal, presenter or host key (or a name, and the password, for
// open and password events) into a join token of the event's room.
//
// The event page hands the room page a ready session: it writes the room
// page's own sessionStorage entry (connection.js: aula.session.{room}) with
// the token, the name, inRoom, and an `event` field holding what joins the
// event again ({ id, cred, role }), then opens /r/{room}. The room page's
// Connection then asks eventFetchToken() (below) for its tokens instead of
// the room's join route, so a reconnection after a long break comes back
// through the event's rules too.
import { api } from './api.js';
import { storageGet, storageSet } from './util.js';

const roomSessionKey = (room) => `aula.session.${room}`;
const eventKey = (id) => `aula.event.${id}`;

// What the event page knows about how this tab enters event `id`:
// { key | presenter_key | host_key, name?, password? }.
export function loadCred(id) {
  try {
    const v = JSON.parse(storageGet(sessionStorage, eventKey(id)));
    return v && typeof v === 'object' ? v : {};
  } catch {
    return {};
  }
}

export function saveCred(id, cred) {
  storageSet(sessionStorage, eventKey(id), JSON.stringify(cred || {}));
}

// Keys from a link's fragment: #k=KEY (registrant), #presenter=KEY,
// #host=KEY. Returns {} when there is none.
export function credFromHash(hash) {
  const out = {};
  for (const part of String(hash || '').replace(/^#/, '').split('&')) {
    const i = part.indexOf('=');
    if (i < 1) continue;
    let v;
    try {
      v = decodeURIComponent(part.slice(i + 1));
    } catch {
      continue;
    }
    if (!v) continue;
    const k = part.slice(0, i);
    if (k === 'k') out.key = v;
    else if (k === 'presenter') out.presenter_key = v;
    else if (k === 'host') out.host_key = v;
  }
  return out;
}

function roomIdOf(body) {
  const r = body && body.room;
  if (typeof r === 'string') return r;
  return r && typeof r.id === 'string' ? r.id : '';
}

// POST /api/v1/events/{id}/join. Resolves with
//   { ok: true, token, role, room, name, body }
//   { ok: false, status, error, body } (409 carries body.status and body.starts)
export async function joinEvent(id, cred) {
  const data = {};
  for (const k of ['key', 'presenter_key', 'host_key', 'password', 'name', 'token']) {
    if (cred[k]) data[k] = cred[k];
  }
  const res = await api('POST', `/api/v1/events/${encodeURIComponent(id)}/join`, data);
  if (res.status === 200 && res.body && res.body.token && roomIdOf(res.body)) {
    return {
      ok: true,
      token: res.body.token,
      role: res.body.role || '',
      room: roomIdOf(res.body),
      name: res.body.participant?.name || cred.name || '',
      body: res.body,
    };
  }
  return { ok: false, status: res.status, error: res.error, body: res.body };
}

// Writes the room page's session for a successful joinEvent() and returns
// the room page's address.
export function handOff(eventId, cred, joined) {
  let saved = {};
  try {
    saved = JSON.parse(storageGet(sessionStorage, roomSessionKey(joined.room))) || {};
  } catch {
    saved = {};
  }
  Object.assign(saved, {
    token: joined.token,
    name: joined.name,
    inRoom: true,
    legacy: false,
    event: { id: eventId, cred, role: joined.role },
  });
  storageSet(sessionStorage, roomSessionKey(joined.room), JSON.stringify(saved));
  return `/r/${encodeURIComponent(joined.room)}`;
}

// The room page's Connection.fetchToken() for an event's room (the hook in
// connection.js). conn is the Connection; JoinError its error class.
// Resolves true once conn holds a fresh token; throws a JoinError.
export async function eventFetchToken(conn, JoinError) {
  const ev = conn.saved.event;
  const cred = { ...(ev.cred || {}) };
  if (!cred.key && !cred.presenter_key && !cred.host_key && conn.saved.name) cred.name = conn.saved.name;
  // The token held keeps the participant id (and a presenter's stage).
  if (conn.token) cred.token = conn.token;
  const r = await joinEvent(ev.id, cred);
  if (r.ok) {
    conn.saved.name = r.name || conn.saved.name;
    conn.saved.legacy = false;
    conn.saved.event = { ...ev, role: r.role };
    conn.setToken(r.token);
    return true;
  }
  if (r.status === 0) throw new JoinError('offline');
  if (r.status === 401 && r.body && r.body.password_required) {
    throw new JoinError(cred.password ? 'wrongPassword' : 'password', r.error);
  }
  if (r.status === 400) throw new JoinError('name', r.error);
  // Not open yet, over, cancelled, or a key that is no longer valid: this
  // will not change by trying again.
  throw new JoinError('token', r.error);
}
