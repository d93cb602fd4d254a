// JSON-RPC 2.0 over one WebSocket (see docs/protocol.md).
//
//   const rpc = new RpcClient(wsUrl());
//   await rpc.connect();
//   rpc.on('chat.message', (params) => …);
//   rpc.onClose((info) => …);
//   const result = await rpc.call('room.join', { room, name });
//
// call() resolves with the result or rejects with an RpcError carrying the
// server's code and message. When the socket closes, every pending call
// rejects with code RpcError.CLOSED.

export class RpcError extends Error {
  constructor(code, message, data) {
    super(message);
    this.name = 'RpcError';
    this.code = code;
    this.data = data;
  }
}

// Client-side codes (not sent by the server).
RpcError.CLOSED = 'closed';
RpcError.TIMEOUT = 'timeout';
RpcError.CONNECT = 'connect';

// Server codes from docs/protocol.md.
export const Codes = Object.freeze({
  PARSE: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL: -32603,
  NOT_JOINED: -32001,
  ROOM_NOT_FOUND: -32002,
  ALREADY_JOINED: -32003,
  RATE_LIMITED: -32004,
  STORAGE_FAILED: -32005,
  FORBIDDEN: -32006,
  TOKEN: -32007, // the join token has expired or is not valid
  LOCKED: -32008, // the room is locked
});

// WebSocket close codes after which the page must not reconnect by itself.
export const CloseCodes = Object.freeze({
  REPLACED: 4000, // the same participant connected again (another tab)
  REMOVED: 4001, // a host removed this participant
  ENDED: 4002, // a host ended the meeting
});

export function isFinalClose(code) {
  return code >= 4000 && code <= 4002;
}

// Reconnect delays: 0.3 s, then about 1, 2, 4, 8 s and at most 15 s, with
// jitter so that a room full of people does not come back in the same
// millisecond.
export function backoffDelay(attempt, random = Math.random) {
  if (attempt <= 0) return 300;
  const cap = Math.min(15000, 1000 * 2 ** (attempt - 1));
  return cap / 2 + random() * (cap / 2);
}

// ws:// or wss:// to /ws on the server that served this page.
export function wsUrl(loc = window.location) {
  return `${loc.protocol === 'https:' ? 'wss:' : 'ws:'}//${loc.host}/ws`;
}

export class RpcClient {
  constructor(url, { timeoutMs = 20000, connectTimeoutMs = 10000 } = {}) {
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.connectTimeoutMs = connectTimeoutMs;
    this.ws = null;
    this.nextId = 1;
    this.pending = new Map(); // id -> { resolve, reject, timer, method }
    this.handlers = new Map(); // method -> Set(fn)
    this.closeHandlers = new Set();
    this.closed = false;
  }

  get isOpen() {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  connect() {
    return new Promise((resolve, reject) => {
      let settled = false;
      let ws;
      try {
        ws = new WebSocket(this.url);
      } catch (e) {
        reject(new RpcError(RpcError.CONNECT, String(e && e.message || e)));
        return;
      }
      this.ws = ws;
      const timer = setTimeout(() => {
        if (settled) return;
        settled = true;
        reject(new RpcError(RpcError.CONNECT, 'connection timed out'));
        try { ws.close(); } catch { /* ignore */ }
      }, this.connectTimeoutMs);

      ws.addEventListener('open', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve();
      });
      ws.addEventListener('message', (ev) => this._onMessage(ev.data));
      ws.addEventListener('close', (ev) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          reject(new RpcError(RpcError.CONNECT, `connection failed (${ev.code})`));
        }
        this._onClose(ev);
      });
      // 'error' is always followed by 'close'; nothing to do here.
      ws.addEventListener('error', () => {});
    });
  }

  // Sends a request; resolves with its result, rejects with an RpcError.
  call(method, params) {
    if (!this.isOpen) {
      return Promise.reject(new RpcError(RpcError.CLOSED, 'not connected'));
    }
    const id = this.nextId++;
    const msg = { jsonrpc: '2.0', id, method };
    if (params !== undefined) msg.params = params;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        if (this.pending.delete(id)) {
          reject(new RpcError(RpcError.TIMEOUT, `${method}: no answer in ${this.timeoutMs} ms`));
        }
      }, this.timeoutMs);
      this.pending.set(id, { resolve, reject, timer, method });
      try {
        this.ws.send(JSON.stringify(msg));
      } catch (e) {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new RpcError(RpcError.CLOSED, String(e && e.message || e)));
      }
    });
  }

  // Registers a handler for a server notification; returns an unsubscribe.
  on(method, fn) {
    if (!this.handlers.has(method)) this.handlers.set(method, new Set());
    this.handlers.get(method).add(fn);
    return () => this.handlers.get(method)?.delete(fn);
  }

  // fn({ code, reason, wasClean, requested }) once the socket is gone;
  // requested is true when close() was called on this side.
  onClose(fn) {
    this.closeHandlers.add(fn);
    return () => this.closeHandlers.delete(fn);
  }

  close(code = 1000, reason = '') {
    this.closed = true;
    if (this.ws && this.ws.readyState <= WebSocket.OPEN) {
      try { this.ws.close(code, reason); } catch { /* already closing */ }
    }
  }

  _onMessage(data) {
    let msg;
    try {
      msg = JSON.parse(data);
    } catch {
      console.warn('rpc: a message that is not JSON was ignored');
      return;
    }
    for (const m of Array.isArray(msg) ? msg : [msg]) {
      if (!m || typeof m !== 'object') continue;
      if (m.id !== undefined && m.id !== null && !m.method) {
        this._onResponse(m);
      } else if (typeof m.method === 'string') {
        const set = this.handlers.get(m.method);
        if (!set) continue;
        for (const fn of set) {
          try {
            fn(m.params ?? {});
          } catch (e) {
            console.error(`rpc: handler for ${m.method} failed`, e);
          }
        }
      }
    }
  }

  _onResponse(m) {
    const p = this.pending.get(m.id);
    if (!p) return;
    this.pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error) {
      const code = typeof m.error.code === 'number' ? m.error.code : Codes.INTERNAL;
      p.reject(new RpcError(code, String(m.error.message ?? ''), m.error.data));
    } else {
      p.resolve(m.result);
    }
  }

  _onClose(ev) {
    for (const [, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new RpcError(RpcError.CLOSED, `connection closed (${ev.code})`));
    }
    this.pending.clear();
    const info = { code: ev.code, reason: ev.reason, wasClean: ev.wasClean, requested: this.closed };
    for (const fn of this.closeHandlers) {
      try {
        fn(info);
      } catch (e) {
        console.error('rpc: close handler failed', e);
      }
    }
    this.closeHandlers.clear();
  }
}
