// The webinar bench: N simulated attendees (default 500) on one webinar,
// over real WebSockets to a real aula, measuring how long a chat line takes
// to reach every attendee, and what the server spends on it.
//
//   node bench/webinar/bench.mjs [--aula PATH] [--attendees 500] [--lines 100]
//                                [--interval 100] [--server-cpu N] [--json]
//
// What it does, in order:
//   1. starts aula (a fresh data folder, a free port), signs a host up and
//      schedules an open webinar that starts in five minutes;
//   2. the host joins; the attendees get their tokens from
//      POST /api/v1/events/{id}/join and join over the WebSocket, 50 at a
//      time (the join phase is timed);
//   3. every attendee votes in an open poll, one in ten asks a question;
//   4. the measured phase: `lines` chat lines, one every `interval` ms,
//      every tenth from the host, the others each from another attendee. For each line the
//      time from sending it to the moment the LAST of the other attendees
//      received it is its fan-out time; p50/p99/max are over the lines.
//      The server's CPU (utime + stime from /proc/PID/stat over the wall
//      time of the phase) and its resident memory (VmRSS, VmHWM) are read
//      around the phase.
// All clients live in this one Node process, so its own event loop is part
// of the measured time: the numbers are an upper bound for the server.
// run.sh pins the server and this process to different cores.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import WebSocket from '../../tests/node_modules/ws/wrapper.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');

function arg(name, dflt) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
}
const AULA = arg('aula', path.join(repo, 'build-webinar-rel', 'aula'));
const N = Number(arg('attendees', 500));
const LINES = Number(arg('lines', 100));
const INTERVAL = Number(arg('interval', 100));
const JSON_OUT = process.argv.includes('--json');
const PIN = arg('server-cpu', ''); // e.g. 0: run aula under taskset -c 0
const log = (...a) => { if (!JSON_OUT) console.error(...a); };

// ---- the server ----------------------------------------------------------

async function startAula() {
  const dir = mkdtempSync(path.join(arg('data-parent', tmpdir()), 'aula-bench-webinar-'));
  const cmd = PIN ? 'taskset' : AULA;
  const pre = PIN ? ['-c', PIN, AULA] : [];
  const child = spawn(cmd, [...pre, 'serve', '--http-port', '0', '--media-port', '0', '--data-dir', dir,
    '--log-level', 'warn', '--workers', '1', '--qa-per-minute', '3'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/(https?:\/\/[0-9.]+:\d+)\//);
      if (m) resolve(m[1]);
    });
    child.on('exit', (c) => reject(new Error(`aula exited (${c}) before it was ready`)));
  });
  return { child, url, dir };
}

const CLK_TCK = 100; // Linux USER_HZ
function cpuTicks(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]); // utime, stime (fields 14, 15)
}
function memKb(pid, key) {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`^${key}:\\s+(\\d+)`, 'm'));
  return m ? Number(m[1]) : 0;
}

// ---- REST ------------------------------------------------------------------

async function rest(base, method, p, body, headers = {}) {
  const res = await fetch(`${base}${p}`, {
    method, headers: { 'content-type': 'application/json', ...headers }, body: body && JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (res.status >= 300) throw new Error(`${method} ${p}: ${res.status} ${JSON.stringify(json)}`);
  return { json, cookie: res.headers.get('set-cookie') };
}

async function webinar(base) {
  const su = await rest(base, 'POST', '/api/v1/auth/signup',
    { email: 'bench@school.example', name: 'Bench Host', password: 'correct horse battery' });
  const h = { cookie: su.cookie.split(';')[0], 'x-csrf-token': su.json.csrf };
  const starts = new Date(Date.now() + 5 * 60000).toISOString().slice(0, 16);
  const ev = await rest(base, 'POST', '/api/v1/events', {
    title: 'Bench webinar', starts, time_zone: 'UTC', duration_min: 60, type: 'webinar', access: 'open',
  }, h);
  return ev.json;
}

// ---- WebSocket clients -------------------------------------------------------

// A JSON-RPC client that looks at notifications cheaply: chat lines are
// recognised by a marker in the text without parsing the JSON.
class Client {
  constructor(ws, onLine) {
    this.ws = ws;
    this.next = 1;
    this.pending = new Map();
    ws.on('message', (data) => {
      // Buffer searches: no string is made for the 500 copies of a line.
      const at = data.indexOf('"text":"L#');
      if (at >= 0 && data.indexOf('"chat.message"') >= 0) {
        onLine(Number(data.toString('latin1', at + 10, data.indexOf('#', at + 10))));
        return;
      }
      if (data.indexOf('"id":') < 0) return;
      const m = JSON.parse(data.toString());
      const p = this.pending.get(m.id);
      if (p) { this.pending.delete(m.id); p(m); }
    });
  }

  static open(url, onLine) {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(new Client(ws, onLine)));
      ws.once('error', reject);
    });
  }

  call(method, params) {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
      this.ws.send(JSON.stringify({ jsonrpc: '2.0', id, method, params }));
    });
  }
}

const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];

async function main() {
  const aula = await startAula();
  const pid = aula.child.pid;
  const wsUrl = aula.url.replace(/^http/, 'ws') + '/ws';
  try {
    const ev = await webinar(aula.url);
    // Per line: when it was sent, and how many attendees still wait for it.
    const sentAt = new Map();
    const waiting = new Map();
    const fanout = [];
    const first = []; // to the first attendee: the store write and the server's queue
    const onLine = (k) => {
      const left = waiting.get(k) - 1;
      const now = performance.now();
      if (left === waiting.get(k + 0.5) - 1) first.push(now - sentAt.get(k));
      waiting.set(k, left);
      if (left === 0) fanout.push(now - sentAt.get(k));
    };

    const hostTok = await rest(aula.url, 'POST', `/api/v1/events/${ev.id}/join`, { host_key: ev.host_key, name: 'Host' });
    const host = await Client.open(wsUrl, () => {});
    await host.call('room.join', { token: hostTok.json.token });

    const t0 = performance.now();
    const rss0 = memKb(pid, 'VmRSS');
    const attendees = [];
    for (let i = 0; i < N; i += 50) {
      const batch = [];
      for (let j = i; j < Math.min(N, i + 50); j++) {
        batch.push((async () => {
          const t = await rest(aula.url, 'POST', `/api/v1/events/${ev.id}/join`, { name: `Attendee ${j}` });
          const c = await Client.open(wsUrl, onLine);
          const res = await c.call('room.join', { token: t.json.token });
          if (res.me.role !== 'attendee') throw new Error(`joined as ${res.me.role}`);
          return c;
        })());
      }
      attendees.push(...(await Promise.all(batch)));
    }
    const joinMs = performance.now() - t0;
    log(`joined ${N} attendees in ${joinMs.toFixed(0)} ms`);

    // Interaction: a poll everyone votes in, a question from one in ten.
    const { poll } = await host.call('poll.create', { question: 'Which day?', choices: ['Mon', 'Tue', 'Wed'] });
    await host.call('poll.open', { poll: poll.id });
    const t1 = performance.now();
    await Promise.all(attendees.map((c, i) => c.call('poll.vote', { poll: poll.id, choices: [i % 3] })));
    const voteMs = performance.now() - t1;
    await Promise.all(attendees.filter((_, i) => i % 10 === 0).map((c, i) => c.call('qa.ask', { text: `Question ${i}?` })));
    const list = await host.call('poll.list', {});
    const voters = list.polls[0].results.voters;
    if (voters !== N) throw new Error(`poll has ${voters} voters, expected ${N}`);
    log(`${N} votes in ${voteMs.toFixed(0)} ms`);

    // The measured phase.
    const cpu0 = cpuTicks(pid);
    const w0 = performance.now();
    for (let k = 0; k < LINES; k++) {
      const fromHost = k % 10 === 0; // the host may send 10 lines at once, then 1/s
      const sender = fromHost ? host : attendees[(k * 7) % N];
      waiting.set(k, fromHost ? N : N - 1); // the sender gets a result, not a notification
      waiting.set(k + 0.5, waiting.get(k));
      sentAt.set(k, performance.now());
      sender.call('chat.send', { text: `L#${k}# hello from the bench` }).catch((e) => log(e.message));
      await new Promise((r) => setTimeout(r, INTERVAL));
    }
    const deadline = performance.now() + 10000;
    while (fanout.length < LINES && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const wallS = (performance.now() - w0) / 1000;
    const cpuPct = ((cpuTicks(pid) - cpu0) / CLK_TCK / wallS) * 100;
    const rss = memKb(pid, 'VmRSS');
    const hwm = memKb(pid, 'VmHWM');
    if (fanout.length < LINES) throw new Error(`only ${fanout.length} of ${LINES} lines reached everyone`);

    fanout.sort((a, b) => a - b);
    first.sort((a, b) => a - b);
    const row = {
      attendees: N, lines: LINES, interval_ms: INTERVAL,
      join_ms: Math.round(joinMs), votes_ms: Math.round(voteMs),
      p50_ms: +pct(fanout, 50).toFixed(1), p99_ms: +pct(fanout, 99).toFixed(1), max_ms: +fanout[fanout.length - 1].toFixed(1),
      cpu_pct: +cpuPct.toFixed(1), rss_mb: +(rss / 1024).toFixed(1), rss_before_joins_mb: +(rss0 / 1024).toFixed(1),
      peak_rss_mb: +(hwm / 1024).toFixed(1),
      first_p50_ms: +pct(first, 50).toFixed(1), first_p99_ms: +pct(first, 99).toFixed(1),
      load_avg_1m: +os.loadavg()[0].toFixed(1),
    };
    if (JSON_OUT) {
      console.log(JSON.stringify(row));
    } else {
      console.log('| attendees | chat lines | p50 fan-out | p99 fan-out | max | server CPU | server RSS (before joins) | joins | 500 votes |');
      console.log('|---|---|---|---|---|---|---|---|---|');
      console.log(`| ${N} | ${LINES} (1 per ${INTERVAL} ms) | ${row.p50_ms} ms | ${row.p99_ms} ms | ${row.max_ms} ms | ${row.cpu_pct} % of a core | ${row.rss_mb} MB (${row.rss_before_joins_mb} MB) | ${row.join_ms} ms | ${row.votes_ms} ms |`);
      console.log(`first attendee reached: p50 ${row.first_p50_ms} ms, p99 ${row.first_p99_ms} ms; load average ${row.load_avg_1m}`);
      console.log(row.p99_ms < 200 ? 'target met: p99 < 200 ms' : 'TARGET MISSED: p99 >= 200 ms');
    }
    for (const c of [host, ...attendees]) c.ws.terminate();
  } finally {
    aula.child.kill('SIGTERM');
    await new Promise((r) => aula.child.on('exit', r));
    rmSync(aula.dir, { recursive: true, force: true });
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
