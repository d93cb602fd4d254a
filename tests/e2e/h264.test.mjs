// H.264 end to end: two people in real Chromium (fake camera and
// microphone) join one room; the publisher's video transceivers are limited
// to H.264 packetization-mode 1 (setCodecPreferences, injected before the
// page runs, so web/js stays unchanged), which makes aula answer H.264
// instead of VP8 and offer H.264 to the viewer. The viewer must decode the
// video and report the inbound codec as video/H264.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { startAula, createRoom, repoRoot } from '../lib/server.mjs';
import { chromiumPath, newPerson, screenshot } from '../lib/browser.mjs';

let aula;
let browser;
const people = [];

before(async () => {
  aula = await startAula({ args: ['--web-dir', path.join(repoRoot, 'web')] });
  browser = await chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      '--allow-loopback-in-peer-connection', '--autoplay-policy=no-user-gesture-required'],
  });
});

after(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  if (aula) {
    const { code, sig } = await aula.stop();
    assert.equal(code, 0, `aula exited with ${code ?? sig}:\n${aula.stderr()}`);
  }
});

// Records every RTCPeerConnection the page makes and which participant
// (msid stream id) each received track belongs to; with h264, every video
// transceiver the page adds prefers H.264 packetization-mode 1 only (and
// its RTX), so the offer carries no VP8.
function instrument(h264) {
  const Native = window.RTCPeerConnection;
  window.__pcs = [];
  window.__owner = {};
  window.__h264 = 0;
  if (h264) {
    const add = Native.prototype.addTransceiver;
    Native.prototype.addTransceiver = function (trackOrKind, init) {
      const tr = add.call(this, trackOrKind, init);
      const kind = typeof trackOrKind === 'string' ? trackOrKind : trackOrKind.kind;
      if (kind === 'video') {
        const codecs = RTCRtpReceiver.getCapabilities('video').codecs.filter((c) =>
          (c.mimeType === 'video/H264' && /packetization-mode=1/.test(c.sdpFmtpLine || '')) ||
          c.mimeType === 'video/rtx');
        tr.setCodecPreferences(codecs);
        window.__h264++;
      }
      return tr;
    };
  }
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

async function person(name, roomId, h264) {
  const p = await newPerson(browser);
  people.push(p);
  p.name = name;
  await p.page.addInitScript(instrument, h264);
  await p.page.goto(`${aula.url}/r/${roomId}?name=${encodeURIComponent(name)}`);
  await p.page.getByTestId('chat-input').waitFor();
  return p;
}

// RTP streams of one direction ('inbound-rtp' or 'outbound-rtp') for video,
// as [{ owner, frames, mimeType, fmtp }].
function videoStreams(page, type) {
  return page.evaluate(async (type) => {
    const out = [];
    for (const pc of window.__pcs) {
      if (pc.connectionState === 'closed') continue;
      const stats = await pc.getStats();
      for (const s of stats.values()) {
        if (s.type !== type || s.kind !== 'video') continue;
        const codec = s.codecId ? stats.get(s.codecId) : null;
        out.push({
          owner: window.__owner[s.trackIdentifier] || `ssrc-${s.ssrc}`,
          frames: (type === 'inbound-rtp' ? s.framesDecoded : s.framesEncoded) || 0,
          mimeType: codec ? codec.mimeType : null,
          fmtp: codec ? codec.sdpFmtpLine : null,
        });
      }
    }
    return out;
  }, type);
}

async function poll(fn, { timeout = 15000, interval = 250, what }) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last.ok) return last;
    if (Date.now() > end) assert.fail(`timed out: ${what}: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, interval));
  }
}

function participantId(p) {
  return p.page.evaluate(() => {
    const mine = document.querySelector('[data-testid="participant"].me');
    return mine && mine.dataset.id;
  });
}

test('a publisher limited to H.264 is decoded as H.264 by the other', async () => {
  const room = await createRoom(aula.url, 'H264');
  const a = await person('Ala', room.id, true);
  const b = await person('Bartek', room.id, false);
  a.id = await participantId(a);

  // Ala's camera goes out as H.264 (the page really took the preference).
  const sent = await poll(async () => {
    const s = await videoStreams(a.page, 'outbound-rtp');
    const ok = s.some((o) => o.frames > 0 && o.mimeType === 'video/H264');
    return { ok, streams: s };
  }, { what: 'Ala encodes H.264' });
  assert.ok(sent.streams.every((o) => o.mimeType !== 'video/VP8'), JSON.stringify(sent));
  assert.ok(await a.page.evaluate(() => window.__h264) >= 1);

  // Bartek decodes Ala's video, and the codec aula offered him is H.264
  // packetization-mode 1.
  const got = await poll(async () => {
    const s = await videoStreams(b.page, 'inbound-rtp');
    const mine = s.filter((o) => o.owner === a.id);
    const ok = mine.some((o) => o.frames > 0 && o.mimeType === 'video/H264');
    return { ok, streams: s };
  }, { what: 'Bartek decodes Ala\'s H.264 video' });
  const v = got.streams.find((o) => o.owner === a.id && o.frames > 0);
  assert.equal(v.mimeType, 'video/H264');
  assert.match(v.fmtp, /packetization-mode=1/);

  // Bartek's own camera (no preference) still reaches Ala as VP8.
  b.id = await participantId(b);
  const back = await poll(async () => {
    const s = await videoStreams(a.page, 'inbound-rtp');
    const ok = s.some((o) => o.owner === b.id && o.frames > 0);
    return { ok, streams: s };
  }, { what: 'Ala decodes Bartek\'s video' });
  assert.equal(back.streams.find((o) => o.owner === b.id && o.frames > 0).mimeType, 'video/VP8');

  await screenshot(b.page, 'h264-two');
  for (const p of [a, b]) {
    assert.deepEqual(p.pageErrors, [], `${p.name}: page errors`);
    assert.deepEqual(p.dialogs, [], `${p.name}: dialogs`);
  }
});
