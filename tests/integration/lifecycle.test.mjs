// The node's life: durable chat across restarts and crashes, graceful
// SIGTERM, /metrics, and configuration precedence (file < env < flag),
// against the real aula binary.
import { test as nodeTest } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAula, createRoom, aulaBin, testRunnerEnv } from '../lib/server.mjs';
import { RawConn, RawWs, readResponse, openClient, joinAs, pollUntil, waitHealthy, waitNoWebSockets } from '../lib/net.mjs';

// Every test gets a timeout so that a missing answer fails instead of hanging.
const test = (name, opts, fn) => (typeof opts === 'function'
  ? nodeTest(name, { timeout: 60000 }, opts) : nodeTest(name, { timeout: 60000, ...opts }, fn));

const tmp = (prefix) => mkdtempSync(path.join(tmpdir(), prefix));

// A clean stop: once every WebSocket is gone (the SIGTERM test covers
// clients that are still connected), SIGTERM must end aula with 0.
async function stopOk(srv) {
  await waitNoWebSockets(srv.url);
  const st = await srv.stop();
  assert.equal(st.code, 0, `aula exit status ${JSON.stringify(st)}\n${srv.stderr()}`);
}

// ---------- durability ----------

async function sendLines(srv, roomId, n, tag) {
  const sent = [];
  // 10 lines per participant (the rate limit).
  for (let k = 0; sent.length < n; k++) {
    const { client } = await joinAs(srv.wsUrl, roomId, `${tag} ${k}`);
    for (let i = 0; i < 10 && sent.length < n; i++) {
      sent.push(await client.call('chat.send', { text: `${tag} line ${sent.length}` }));
    }
    client.ws.terminate();
  }
  return sent;
}

test('chat lines acknowledged before SIGTERM are there after a restart', async () => {
  const dataDir = tmp('aula-durable-');
  try {
    const first = await startAula({ dataDir });
    const room = await createRoom(first.url, 'Durable');
    const sent = await sendLines(first, room.id, 25, 'term');
    // The exit status is checked at the end, so that durability is
    // reported on its own; the clients are gone before SIGTERM (the
    // shutdown test covers clients that are still connected).
    await waitNoWebSockets(first.url);
    const firstExit = await first.stop();

    const second = await startAula({ dataDir });
    try {
      const got = await (await fetch(`${second.url}/api/v1/rooms/${room.id}`)).json();
      assert.equal(got.title, 'Durable');
      assert.equal(got.created, room.created);
      const { client, join } = await joinAs(second.wsUrl, room.id, 'After restart');
      assert.deepEqual(join.chat, sent);
      assert.equal(join.chat_has_more, false);
      // New lines continue the sequence.
      const next = await client.call('chat.send', { text: 'after restart' });
      assert.ok(next.seq > sent.at(-1).seq, `seq ${next.seq} after ${sent.at(-1).seq}`);
      await client.close();
    } finally {
      await stopOk(second);
    }
    assert.equal(firstExit.code, 0, `the first run's exit status ${JSON.stringify(firstExit)}\n${first.stderr()}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

test('chat lines acknowledged before a crash (SIGKILL) are there after a restart', async () => {
  const dataDir = tmp('aula-crash-');
  try {
    const first = await startAula({ dataDir });
    const room = await createRoom(first.url, 'Crash');
    const { client } = await joinAs(first.wsUrl, room.id, 'Ala');
    const sent = [];
    for (let i = 0; i < 10; i++) sent.push(await client.call('chat.send', { text: `crash line ${i}` }));
    // Kill at once, right after the last acknowledgement.
    first.child.kill('SIGKILL');
    const st = await first.exited;
    assert.equal(st.sig, 'SIGKILL');
    await client.closed;

    const second = await startAula({ dataDir });
    try {
      const { client: c2, join } = await joinAs(second.wsUrl, room.id, 'After crash');
      assert.deepEqual(join.chat, sent);
      await c2.close();
    } finally {
      await stopOk(second);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

// ---------- graceful shutdown ----------

test('SIGTERM with clients connected: they get close code 1001 and aula exits 0', async () => {
  const srv = await startAula();
  await waitHealthy(srv.url);
  const room = await createRoom(srv.url, 'Shutdown');
  const { client: a } = await joinAs(srv.wsUrl, room.id, 'Ala');
  const { client: b } = await joinAs(srv.wsUrl, room.id, 'Ola');
  const lonely = await openClient(srv.wsUrl); // connected, not in a room
  const raw = await RawWs.connect(srv.port);
  await raw.call('room.join', { room: room.id, name: 'Raw' });
  // An idle keep-alive HTTP connection.
  const idle = await RawConn.connect(srv.port);
  idle.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
  assert.equal((await readResponse(idle)).status, 200);

  srv.child.kill('SIGTERM');
  const [ca, cb, cl] = await Promise.all([a.closed, b.closed, lonely.closed]);
  assert.equal(ca.code, 1001);
  assert.equal(cb.code, 1001);
  assert.equal(cl.code, 1001);
  assert.equal((await raw.waitClose(10000)).code, 1001);
  await raw.finishClose(10000).catch(() => {});
  await idle.waitEnded(10000);
  const st = await srv.exited;
  assert.equal(st.code, 0, `exit status ${JSON.stringify(st)}\n${srv.stderr()}`);
  await srv.stop(); // removes the data folder
});

test('SIGTERM with a client that never answers the close frame: aula still exits 0', async () => {
  const srv = await startAula();
  await waitHealthy(srv.url);
  const room = await createRoom(srv.url, 'Unresponsive');
  const raw = await RawWs.connect(srv.port);
  await raw.call('room.join', { room: room.id, name: 'Silent' });
  srv.child.kill('SIGTERM');
  assert.equal((await raw.waitClose(10000)).code, 1001);
  // No close frame back: the server must not wait for it forever.
  await raw.conn.waitEnded(15000);
  const st = await srv.exited;
  assert.equal(st.code, 0, `exit status ${JSON.stringify(st)}\n${srv.stderr()}`);
  await srv.stop();
});

// ---------- metrics ----------

function parseMetrics(text) {
  const types = {};
  const samples = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const t = line.match(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/);
    if (t) { types[t[1]] = t[2]; continue; }
    if (line.startsWith('#')) {
      assert.match(line, /^# (HELP|TYPE) /, `comment line: ${line}`);
      continue;
    }
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? ([^ ]+)(?: -?\d+)?$/);
    assert.ok(m, `not a Prometheus sample line: ${JSON.stringify(line)}`);
    const labels = {};
    if (m[2]) {
      const re = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*(,|$)/gy;
      let lm;
      let pos = 0;
      while (pos < m[2].length && (lm = re.exec(m[2]))) { labels[lm[1]] = lm[2]; pos = re.lastIndex; }
      assert.equal(pos, m[2].length, `bad labels in ${JSON.stringify(line)}`);
    }
    const value = Number(m[3].replace(/^\+Inf$/, 'Infinity').replace(/^-Inf$/, '-Infinity'));
    assert.ok(!Number.isNaN(value) || m[3] === 'NaN', `bad value in ${JSON.stringify(line)}`);
    samples.push({ name: m[1], labels, value });
  }
  return { types, samples };
}

async function metrics(srv) {
  const res = await fetch(`${srv.url}/metrics`);
  assert.equal(res.status, 200);
  const ct = res.headers.get('content-type') || '';
  assert.match(ct, /^text\/plain\b/i);
  assert.match(ct, /version=0\.0\.4/);
  const text = await res.text();
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  return parseMetrics(text);
}

const one = (mx, name, labels = {}) => {
  const s = mx.samples.filter((x) => x.name === name &&
    Object.entries(labels).every(([k, v]) => x.labels[k] === v));
  assert.equal(s.length, 1, `${name}${JSON.stringify(labels)}: ${s.length} samples`);
  return s[0].value;
};

test('/metrics in Prometheus text format with the documented metrics', async () => {
  const srv = await startAula({ args: ['--workers', '2'] });
  try {
    await waitHealthy(srv.url);
    // Some traffic to count.
    for (let i = 0; i < 3; i++) {
      const h = await fetch(`${srv.url}/healthz`);
      await h.arrayBuffer();
      assert.equal(h.status, 200);
    }
    const secretId = `nosuch${Date.now()}`;
    await (await fetch(`${srv.url}/api/v1/rooms/${secretId}`)).arrayBuffer();
    const room = await createRoom(srv.url, 'Metrics');

    const mx = await metrics(srv);
    const documented = {
      aula_http_requests_total: 'counter',
      aula_websockets_open: 'gauge',
      aula_rooms_active: 'gauge',
      aula_rooms_stored: 'gauge',
      aula_participants: 'gauge',
      aula_chat_messages_total: 'counter',
      aula_media_workers: 'gauge',
      aula_media_worker_pong_age_seconds: 'gauge',
      aula_media_udp_dropped_total: 'counter',
      process_cpu_seconds_total: 'counter',
      process_resident_memory_bytes: 'gauge',
      process_start_time_seconds: 'gauge',
    };
    for (const [name, type] of Object.entries(documented)) {
      assert.equal(mx.types[name], type, `# TYPE ${name} ${type}`);
    }
    for (const s of mx.samples) {
      assert.ok(mx.types[s.name], `sample ${s.name} has a # TYPE line`);
    }

    // Requests by route and status; routes are patterns, not raw paths.
    const reqs = mx.samples.filter((s) => s.name === 'aula_http_requests_total');
    for (const s of reqs) {
      assert.ok('route' in s.labels && 'status' in s.labels, `labels ${JSON.stringify(s.labels)}`);
      assert.match(s.labels.status, /^\d{3}$/);
    }
    const health = reqs.filter((s) => s.labels.status === '200' && /healthz/.test(s.labels.route));
    assert.equal(health.length, 1, JSON.stringify(reqs));
    assert.ok(health[0].value >= 3, `healthz 200 counted ${health[0].value}`);
    assert.ok(reqs.some((s) => s.labels.status === '404'), '404 counted');
    assert.ok(reqs.some((s) => s.labels.status === '201'), '201 counted');
    assert.ok(!reqs.some((s) => s.labels.route.includes(secretId)), 'a raw path became a route label');
    assert.ok(!reqs.some((s) => s.labels.route.includes(room.id)), 'a room id became a route label');

    // Media workers answer pings.
    assert.equal(one(mx, 'aula_media_workers'), 2);
    const pongs = mx.samples.filter((s) => s.name === 'aula_media_worker_pong_age_seconds');
    assert.deepEqual(pongs.map((s) => s.labels.worker).sort(), ['0', '1']);
    for (const p of pongs) assert.ok(p.value >= 0 && p.value < 3, `worker ${p.labels.worker} pong age ${p.value} s`);
    for (const s of mx.samples.filter((x) => x.name === 'aula_media_udp_dropped_total')) {
      assert.ok('worker' in s.labels && 'reason' in s.labels, JSON.stringify(s.labels));
    }
    // ... and keep answering: the age stays small on a later scrape.
    const later = await pollUntil(() => metrics(srv), (m) => one(m, 'process_cpu_seconds_total') > 0,
      { what: 'process_cpu_seconds_total > 0', timeoutMs: 10000 });
    for (const p of later.samples.filter((s) => s.name === 'aula_media_worker_pong_age_seconds')) {
      assert.ok(p.value < 3, `worker ${p.labels.worker} pong age ${p.value} s`);
    }

    // Process metrics.
    assert.ok(one(mx, 'process_resident_memory_bytes') > 1e6, 'resident memory in bytes');
    const start = one(mx, 'process_start_time_seconds');
    assert.ok(Math.abs(start - Date.now() / 1000) < 600, `start time ${start} is seconds since the epoch`);
  } finally {
    await stopOk(srv);
  }
});

test('/metrics follows WebSockets, rooms, participants and chat lines', async () => {
  const srv = await startAula();
  try {
    const m0 = await metrics(srv);
    assert.equal(one(m0, 'aula_websockets_open'), 0);
    assert.equal(one(m0, 'aula_rooms_active'), 0);
    assert.equal(one(m0, 'aula_participants'), 0);
    const stored0 = one(m0, 'aula_rooms_stored');
    const chat0 = one(m0, 'aula_chat_messages_total');

    const room = await createRoom(srv.url, 'Gauges');
    const a = await openClient(srv.wsUrl);
    await pollUntil(() => metrics(srv), (m) => one(m, 'aula_websockets_open') === 1, { what: 'aula_websockets_open 1' });
    await a.call('room.join', { room: room.id, name: 'Ala' });
    const { client: b } = await joinAs(srv.wsUrl, room.id, 'Ola');
    await b.call('chat.send', { text: 'counted' });
    const m1 = await metrics(srv);
    assert.equal(one(m1, 'aula_websockets_open'), 2);
    assert.equal(one(m1, 'aula_rooms_active'), 1);
    assert.equal(one(m1, 'aula_rooms_stored'), stored0 + 1);
    assert.equal(one(m1, 'aula_participants'), 2);
    assert.equal(one(m1, 'aula_chat_messages_total'), chat0 + 1);

    await b.close();
    await pollUntil(() => metrics(srv), (m) => one(m, 'aula_websockets_open') === 1 && one(m, 'aula_participants') === 1,
      { what: 'one WebSocket and one participant left' });
    await a.call('room.leave');
    const m2 = await metrics(srv);
    assert.equal(one(m2, 'aula_participants'), 0);
    assert.equal(one(m2, 'aula_rooms_active'), 0, 'a room with nobody in it is not active');
    assert.equal(one(m2, 'aula_websockets_open'), 1, 'leaving a room keeps the WebSocket');
    await a.close();
    await pollUntil(() => metrics(srv), (m) => one(m, 'aula_websockets_open') === 0, { what: 'aula_websockets_open 0' });
  } finally {
    await stopOk(srv);
  }
});

// ---------- configuration ----------

test('config precedence: file < environment < flag (seen in join_url)', async () => {
  const dir = tmp('aula-config-');
  const file = path.join(dir, 'aula.conf');
  writeFileSync(file, '# test config\n\npublic_url = "http://file.example"\nlog_level = warn\n');
  const joinUrlWith = async (opts) => {
    const srv = await startAula(opts);
    try {
      const room = await createRoom(srv.url, 'Config');
      return { url: room.join_url, id: room.id, base: srv.url };
    } finally {
      await stopOk(srv);
    }
  };
  const env = (v) => (v ? { AULA_PUBLIC_URL: v } : {});
  try {
    let r = await joinUrlWith({ args: ['--config', file] });
    assert.equal(r.url, `http://file.example/r/${r.id}`, 'file');

    r = await joinUrlWith({ args: [], env: { AULA_CONFIG: file } });
    assert.equal(r.url, `http://file.example/r/${r.id}`, 'file named by AULA_CONFIG');

    r = await joinUrlWith({ args: ['--config', file], env: env('http://env.example') });
    assert.equal(r.url, `http://env.example/r/${r.id}`, 'environment over file');

    r = await joinUrlWith({ args: ['--config', file, '--public-url', 'http://flag.example'], env: env('http://env.example') });
    assert.equal(r.url, `http://flag.example/r/${r.id}`, 'flag over environment');

    r = await joinUrlWith({ args: ['--config', file, '--public-url=http://flag2.example'], env: env('http://env.example') });
    assert.equal(r.url, `http://flag2.example/r/${r.id}`, '--name=value form');

    r = await joinUrlWith({ args: [] });
    assert.equal(r.url, `${r.base}/r/${r.id}`, 'no public_url: from the Host header');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad setting stops aula at start with a message naming it', async () => {
  const run = (args, env = {}) => new Promise((resolve) => {
    const dir = tmp('aula-badcfg-');
    const child = spawn(aulaBin, ['serve', '--http-port', '0', '--media-port', '0', '--data-dir', dir, ...args], {
      cwd: dir, env: { ...testRunnerEnv(), ...env }, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', () => {});
    const t = setTimeout(() => child.kill('SIGKILL'), 10000);
    child.on('exit', (code) => { clearTimeout(t); rmSync(dir, { recursive: true, force: true }); resolve({ code, err }); });
  });
  let r = await run([], { AULA_NO_SUCH_SETTING: '1' });
  assert.notEqual(r.code, 0);
  assert.match(r.err, /NO_SUCH_SETTING/i, 'unknown AULA_ variables are errors');
  r = await run(['--no-such-flag', 'x']);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /no.such.flag/i);
  r = await run(['--http-max-body', 'lots']);
  assert.notEqual(r.code, 0);
  assert.match(r.err, /http.max.body/i);
});
