// Shared setup for the browser tests of calls (audio, video, screen,
// speaker, attack): aula serving the real web pages, Chromium with fake
// camera and microphone that may connect to loopback, people who join a
// room, and readers of the pages' WebRTC statistics.
import { before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startAula, repoRoot } from './server.mjs';
import { chromiumPath, newPerson, joinRoom } from './browser.mjs';

// Chromium for calls. fakeUi: false leaves out the fake permission UI, so
// headless Chromium refuses getUserMedia.
export function launchCallBrowser({ fakeUi = true } = {}) {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...(fakeUi ? ['--use-fake-ui-for-media-stream'] : []), '--use-fake-device-for-media-stream',
      '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
  });
}

// Page init script: records every RTCPeerConnection the page makes (in
// window.__pcs) and which participant (msid stream id) each received track
// belongs to (window.__owner, by track id).
export function instrument() {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.__owner = {};
  window.RTCPeerConnection = function (...args) {
    const pc = new Native(...args);
    window.__pcs.push(pc);
    pc.addEventListener('track', (ev) => {
      if (ev.streams[0]) window.__owner[ev.track.id] = ev.streams[0].id;
    });
    return pc;
  };
  window.RTCPeerConnection.prototype = Native.prototype;
}

// For a test file: starts aula (with --web-dir web and args, logging at
// info) and the call browser before its tests, and after them closes every
// person's context and the browser and checks that aula exits 0. When a
// test fails, the end of aula's log and what each page reported go to
// stderr, so a failure seen once (on a loaded CI machine, say) can be
// understood. Returns { aula, browser, people, person }; aula and browser
// are set once the before hook ran.
export function useCall({ args = [] } = {}) {
  const call = { aula: null, browser: null, people: [] };
  before(async () => {
    call.aula = await startAula({ args: ['--web-dir', path.join(repoRoot, 'web'), ...args], logLevel: 'info' });
    call.browser = await launchCallBrowser();
  });
  afterEach((t) => {
    if (t.passed || !call.aula) return;
    const lines = call.aula.stderr().trimEnd().split('\n');
    const out = [`--- ${t.name}: the last ${Math.min(lines.length, 80)} lines of aula's log`, ...lines.slice(-80)];
    for (const p of call.people) {
      const said = [...p.pageErrors, ...p.consoleErrors, ...(p.mediaWarnings || [])];
      out.push(`--- ${p.name || 'a page'}: ${said.length ? said.join('\n') : 'no errors or media warnings'}`);
    }
    process.stderr.write(`${out.join('\n')}\n`);
  });
  after(async () => {
    for (const p of call.people) await p.context.close().catch(() => {});
    await call.browser?.close();
    if (call.aula) {
      const { code, sig } = await call.aula.stop();
      assert.equal(code, 0, `aula exited with ${code ?? sig}:\n${call.aula.stderr()}`);
    }
  });
  // A person (see newPerson, options are its context's) named name with a
  // blank page, closed after the file's tests.
  call.page = async (name, options = {}) => {
    const p = await newPerson(call.browser, options);
    call.people.push(p);
    p.name = name;
    return p;
  };
  // A person named name who opened room roomId, joined
  // through the join screen (preview, name, Join) and whose page is ready
  // (chat input shown). opts.url replaces the room link (a host link);
  // opts.join is passed to joinRoom (camOff, password, waitRoom). p.mediaWarnings collects the page's
  // "media:" console lines. With instrument (the default) the page runs
  // instrument() above, so rtpStats can read it.
  call.person = async (name, roomId, { instrument: withInstrument = true, url, join = {} } = {}) => {
    const p = await call.page(name);
    p.mediaWarnings = [];
    p.page.on('console', (m) => {
      if (/^media:/.test(m.text())) p.mediaWarnings.push(m.text());
    });
    if (withInstrument) await p.page.addInitScript(instrument);
    await joinRoom(p.page, url || `${call.aula.url}/r/${roomId}`, name, join);
    return p;
  };
  return call;
}

// The participant id the page shows for its own person.
export function participantId(page) {
  return page.evaluate(() => document.querySelector('[data-testid="participant"].me')?.dataset.id);
}

// The inbound-rtp and outbound-rtp stats of every open RTCPeerConnection of
// an instrumented page, each with owner: the msid stream id of its track
// (or ssrc-<ssrc> when unknown; inbound only).
export function rtpStats(page) {
  return page.evaluate(async () => {
    const out = [];
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed') continue;
      for (const s of (await pc.getStats()).values()) {
        if (s.type === 'inbound-rtp') out.push({ ...s, owner: window.__owner[s.trackIdentifier] || `ssrc-${s.ssrc}` });
        else if (s.type === 'outbound-rtp') out.push({ ...s });
      }
    }
    return out;
  });
}

// The inbound-rtp stats of rtpStats.
export async function inboundRtp(page) {
  return (await rtpStats(page)).filter((s) => s.type === 'inbound-rtp');
}

// Calls fn until it returns { ok: true, … } (and returns that); fails the
// test with what and fn's last result after timeout ms.
export async function poll(fn, { timeout = 10000, interval = 250, what }) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last.ok) return last;
    if (Date.now() > end) assert.fail(`timed out: ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

// What a page receives, per owner (participant id): audio bytesReceived
// and video framesDecoded.
export async function received(page) {
  const out = { audio: {}, video: {} };
  for (const s of await inboundRtp(page)) {
    if (s.kind === 'audio') out.audio[s.owner] = (out.audio[s.owner] || 0) + (s.bytesReceived || 0);
    if (s.kind === 'video') out.video[s.owner] = (out.video[s.owner] || 0) + (s.framesDecoded || 0);
  }
  return out;
}

// Waits until page's kind ('audio' bytes / 'video' frames) from owner grew
// by more than `by` (within timeout).
export async function waitGrows(page, kind, owner, { by = 0, what, timeout = 10000 } = {}) {
  const first = (await received(page))[kind][owner] || 0;
  return poll(async () => {
    const now = (await received(page))[kind][owner] || 0;
    return { ok: now > first + by, first, now };
  }, { what: what || `${kind} from ${owner} grows`, timeout });
}

// Waits until page's kind from owner has not grown for quietMs, then checks
// it stays so for another quietMs (it really stopped, not a pause).
export async function waitStops(page, kind, owner, { quietMs = 1500, what, timeout = 10000 } = {}) {
  let prev = -1;
  let since = 0;
  const res = await poll(async () => {
    const now = (await received(page))[kind][owner] || 0;
    if (now !== prev) {
      prev = now;
      since = Date.now();
    }
    return { ok: Date.now() - since >= quietMs, now };
  }, { interval: 250, what: what || `${kind} from ${owner} stops`, timeout });
  await new Promise((r) => setTimeout(r, quietMs));
  const later = (await received(page))[kind][owner] || 0;
  assert.equal(later, res.now, `${what || kind}: it grew again (${res.now} -> ${later})`);
  return res.now;
}
