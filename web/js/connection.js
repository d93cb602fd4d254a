// The meeting page's link to aula: join tokens, one RpcClient at a time,
// reconnection with backoff, and token refresh.
//
// Joining: POST /api/v1/rooms/{id}/join gives a signed join token for this
// room and role; room.join {token} enters the room over the WebSocket (or
// the lobby: {waiting: true}). The token lives in sessionStorage, so a
// reload or a reconnection comes back as the same participant. A server
// without the join route gets the old room.join {room, name}.
//
// When the socket drops, the page reconnects by itself (0.3 s, then about
// 1, 2, 4 … 15 s), except after close codes 4000-4002 (replaced, removed,
// meeting ended) or a refusal that will not change (declined, room gone).
import { RpcClient, RpcError, Codes, wsUrl, isFinalClose, backoffDelay, CloseCodes } from './rpc.js';
import { api } from './api.js';
import { storageGet, storageSet } from './util.js';
import { eventFetchToken } from './event_join.js'; // EVWEB: rooms of events

const sessionKey = (room) => `aula.session.${room}`;

// A join that the page cannot do: kind is one of 'password' (needed),
// 'wrongPassword', 'locked', 'notfound', 'name', 'offline', 'token',
// 'declined', 'failed'; message is the server's sentence, if any.
export class JoinError extends Error {
  constructor(kind, message = '') {
    super(message || kind);
    this.name = 'JoinError';
    this.kind = kind;
  }
}

// The claims of a JWT (not verified: only to learn its lifetime).
export function tokenClaims(token) {
  try {
    const part = String(token).split('.')[1];
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    return JSON.parse(decodeURIComponent(escape(json)));
  } catch {
    return null;
  }
}

function asJoinError(e) {
  if (e instanceof JoinError) return e;
  if (!(e instanceof RpcError)) return new JoinError('failed', String(e && e.message || e));
  switch (e.code) {
    case Codes.ROOM_NOT_FOUND: return new JoinError('notfound', e.message);
    case Codes.LOCKED: return new JoinError('locked', e.message);
    case Codes.TOKEN: return new JoinError('token', e.message);
    case Codes.INVALID_PARAMS: return new JoinError('name', e.message);
    case RpcError.CONNECT: case RpcError.CLOSED: case RpcError.TIMEOUT:
      return new JoinError('offline', e.message);
    default: return new JoinError('failed', e.message);
  }
}

export class Connection {
  // events: {
  //   joined(rpc, result, { reconnect }), waiting(rpc, result),
  //   lost(), final(reason) with reason 'replaced' | 'removed' | 'ended' |
  //   'declined', failed(JoinError) when reconnecting cannot succeed,
  //   token(token) whenever a new one arrives }
  // handlers: { method: fn(params) } for notifications of the current rpc.
  constructor(roomId, { events, handlers }) {
    this.roomId = roomId;
    this.events = events;
    this.handlers = handlers;
    this.rpc = null;
    this.saved = this.load(); // { token, name, hostKey, legacy }
    this.password = '';
    this.attempt = 0;
    this.timer = 0;
    this.refreshTimer = 0;
    this.reconnecting = false;
    this.active = false; // in the room or the lobby (reconnect when lost)
    this.finalReason = null; // set by room.removed / room.ended / lobby.declined
  }

  load() {
    try {
      const v = JSON.parse(storageGet(sessionStorage, sessionKey(this.roomId)));
      return v && typeof v === 'object' ? v : {};
    } catch {
      return {};
    }
  }

  save() {
    storageSet(sessionStorage, sessionKey(this.roomId), JSON.stringify(this.saved));
  }

  forget() {
    this.saved = { hostKey: this.saved.hostKey };
    this.save();
  }

  get token() {
    return this.saved.token || null;
  }

  setToken(token) {
    if (!token) return;
    this.saved.token = token;
    this.save();
    this.events.token?.(token);
    this.scheduleRefresh();
  }

  // Asks the REST API for a join token. Returns false when the server has
  // no join route (an older aula): the page then joins by name.
  async fetchToken({ name, password, hostKey, token }) {
    // EVWEB: the room of an event takes its tokens from the event's join route.
    if (this.saved.event) return eventFetchToken(this, JoinError);
    const body = { name };
    if (password) body.password = password;
    if (hostKey) body.host_key = hostKey;
    if (token) body.token = token;
    const res = await api('POST', `/api/v1/rooms/${encodeURIComponent(this.roomId)}/join`, body);
    if (res.status === 200 && res.body && res.body.token) {
      this.saved.name = res.body.participant?.name || name;
      this.saved.legacy = false;
      this.setToken(res.body.token);
      return true;
    }
    if (res.status === 0) throw new JoinError('offline');
    if (res.status === 401 && res.body && res.body.password_required) {
      throw new JoinError(password ? 'wrongPassword' : 'password', res.error);
    }
    if (res.status === 401) throw new JoinError('token', res.error);
    if (res.status === 423) throw new JoinError('locked', res.error);
    if (res.status === 400) throw new JoinError('name', res.error);
    if (res.status === 404 && /room/i.test(res.error)) throw new JoinError('notfound', res.error);
    if (res.status === 404 || res.status === 405 || res.status === 501) return false;
    throw new JoinError('failed', res.error);
  }

  // The first join from the join screen (or a reload). Resolves once in the
  // room or the lobby; rejects with a JoinError.
  async start({ name, password, hostKey }) {
    this.finalReason = null;
    if (hostKey) this.saved.hostKey = hostKey;
    this.password = password || '';
    this.saved.name = name;
    const reuse = this.token && tokenClaims(this.token)?.name === name ? this.token : undefined;
    const hasRoute = await this.fetchToken({ name, password, hostKey: this.saved.hostKey, token: reuse });
    // An aula without the join route: a token we already hold (from
    // before) still joins; else join by name.
    if (!hasRoute) this.saved.legacy = !this.token;
    this.save();
    await this.open({ reconnect: false });
  }

  // Connects a new RpcClient and joins over it.
  async open({ reconnect }) {
    const rpc = new RpcClient(wsUrl());
    await rpc.connect().catch((e) => { throw asJoinError(e); });
    for (const [method, fn] of Object.entries(this.handlers)) {
      rpc.on(method, (p) => this.rpc === rpc && fn(p));
    }
    rpc.on('lobby.admitted', (p) => this.rpc === rpc && this.admitted(rpc, p));
    rpc.on('lobby.declined', () => { if (this.rpc === rpc) this.finalReason = 'declined'; });
    rpc.on('room.removed', () => { if (this.rpc === rpc) this.finalReason = 'removed'; });
    rpc.on('room.ended', () => { if (this.rpc === rpc) this.finalReason = 'ended'; });
    rpc.onClose((info) => this.closed(rpc, info));
    this.rpc = rpc;
    let result;
    try {
      result = await this.joinOn(rpc);
    } catch (e) {
      if (this.rpc === rpc) this.rpc = null;
      rpc.close();
      throw asJoinError(e);
    }
    this.active = true;
    this.attempt = 0;
    if (result.token) this.setToken(result.token);
    else this.scheduleRefresh();
    if (result.waiting) this.events.waiting(rpc, result, { reconnect });
    else this.events.joined(rpc, result, { reconnect });
  }

  async joinOn(rpc) {
    if (this.saved.legacy || !this.token) {
      return rpc.call('room.join', { room: this.roomId, name: this.saved.name });
    }
    try {
      return await rpc.call('room.join', { token: this.token });
    } catch (e) {
      if (!(e instanceof RpcError) || e.code !== Codes.TOKEN) throw e;
      // Expired: the REST route renews it for the same participant.
      await this.fetchToken({
        name: this.saved.name, password: this.password, hostKey: this.saved.hostKey, token: this.token,
      });
      return rpc.call('room.join', { token: this.token });
    }
  }

  async admitted(rpc, p) {
    if (p && p.token) this.setToken(p.token);
    try {
      const result = await rpc.call('room.join', { token: this.token });
      if (this.rpc !== rpc) return;
      if (result.token) this.setToken(result.token);
      if (result.waiting) this.events.waiting(rpc, result, { reconnect: false });
      else this.events.joined(rpc, result, { reconnect: false });
    } catch (e) {
      if (this.rpc === rpc) rpc.close();
    }
  }

  closed(rpc, info) {
    if (this.rpc !== rpc) return;
    this.rpc = null;
    clearTimeout(this.refreshTimer);
    if (!this.active) return;
    let reason = this.finalReason;
    if (!reason && isFinalClose(info.code)) {
      reason = { [CloseCodes.REPLACED]: 'replaced', [CloseCodes.REMOVED]: 'removed', [CloseCodes.ENDED]: 'ended' }[info.code];
    }
    if (reason) {
      this.active = false;
      if (reason !== 'replaced') this.forget();
      this.events.final(reason);
      return;
    }
    this.events.lost();
    this.schedule();
  }

  // Drops the current connection as if the network had (a call timed out).
  drop() {
    const rpc = this.rpc;
    if (!rpc) return;
    rpc.close(4500, 'dropped');
    this.closed(rpc, { code: 4500 });
  }

  schedule() {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reconnect(), backoffDelay(this.attempt++));
  }

  // Tries again now (the browser says it is online again).
  kick() {
    if (!this.active || this.rpc || this.reconnecting) return;
    clearTimeout(this.timer);
    this.attempt = 0;
    this.reconnect();
  }

  async reconnect() {
    if (!this.active || this.rpc || this.reconnecting) return;
    this.reconnecting = true;
    try {
      await this.open({ reconnect: true });
    } catch (e) {
      const err = asJoinError(e);
      if (['notfound', 'locked', 'declined', 'password', 'wrongPassword'].includes(err.kind) ||
          (err.kind === 'token' && !this.saved.legacy)) {
        this.active = false;
        this.events.failed(err);
      } else {
        this.schedule();
      }
    } finally {
      this.reconnecting = false;
    }
  }

  // token.refresh every third of the token's lifetime.
  scheduleRefresh() {
    clearTimeout(this.refreshTimer);
    const c = this.token && tokenClaims(this.token);
    if (!c || !c.exp || !c.iat) return;
    const ttl = (c.exp - c.iat) * 1000;
    this.refreshTimer = setTimeout(() => this.refresh(), Math.max(5000, ttl / 3));
  }

  async refresh() {
    const rpc = this.rpc;
    if (!rpc || !rpc.isOpen) return;
    try {
      const res = await rpc.call('token.refresh', {});
      if (this.rpc === rpc && res && res.token) this.setToken(res.token);
    } catch (e) {
      console.warn('token refresh failed:', e);
      if (this.rpc === rpc) this.refreshTimer = setTimeout(() => this.refresh(), 10000);
    }
  }

  async leave() {
    this.active = false;
    clearTimeout(this.timer);
    clearTimeout(this.refreshTimer);
    const rpc = this.rpc;
    this.rpc = null;
    if (rpc && rpc.isOpen) {
      try {
        await Promise.race([rpc.call('room.leave'), new Promise((r) => setTimeout(r, 3000))]);
      } catch {
        /* leaving anyway */
      }
    }
    if (rpc) rpc.close(1000);
  }
}
