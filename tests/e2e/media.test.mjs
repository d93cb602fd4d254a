// Audio and video end to end: three people in real Chromium (fake camera
// and microphone) join one room; each receives the others' audio and video
// through aula; a camera turned off stops its frames at the others; a person
// who leaves disappears from the others' pages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../lib/server.mjs';
import { screenshot, waitForMessage } from '../lib/browser.mjs';
import { useCall, launchCallBrowser, participantId, rtpStats, inboundRtp, poll } from '../lib/call.mjs';

const call = useCall();
const person = call.person;

// Inbound streams as { audio: {owner: packetsReceived}, video: {owner: framesDecoded} }.
async function inbound(page) {
  const out = { audio: {}, video: {}, ssrcs: { audio: new Set(), video: new Set() } };
  for (const s of await inboundRtp(page)) {
    if (s.kind === 'video' && s.framesDecoded > 0) {
      out.video[s.owner] = s.framesDecoded;
      out.ssrcs.video.add(s.ssrc);
    }
    if (s.kind === 'audio' && s.packetsReceived > 0) {
      out.audio[s.owner] = s.packetsReceived;
      out.ssrcs.audio.add(s.ssrc);
    }
  }
  return { audio: out.audio, video: out.video, nAudio: out.ssrcs.audio.size, nVideo: out.ssrcs.video.size };
}

test('three people see and hear each other; camera off; leaving', async () => {
  const room = await createRoom(call.aula.url, 'Media');
  const a = await person('Ala', room.id);
  const b = await person('Bartek', room.id);
  const c = await person('Celina', room.id);
  const all = [a, b, c];
  for (const p of all) p.id = await participantId(p.page);

  // Within 10 s every page decodes video and receives audio from both others.
  for (const p of all) {
    const others = all.filter((o) => o !== p).map((o) => o.id);
    await poll(async () => {
      const s = await inbound(p.page);
      const ok = s.nVideo >= 2 && s.nAudio >= 2 &&
        others.every((id) => s.video[id] > 0 && s.audio[id] > 0);
      return { ok, ...s };
    }, { what: `${p.name} receives audio and video from both others` });
  }
  // Every page shows a tile per person.
  for (const p of all) {
    await p.page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 3);
  }
  await screenshot(a.page, 'media-three');

  // Ala turns her camera off: at Bartek and Celina her frames stop growing,
  // Celina's keep growing at Bartek, and a camera-off flag shows.
  await a.page.getByTestId('camera-button').click();
  assert.equal(await a.page.getByTestId('camera-button').getAttribute('aria-pressed'), 'false');
  for (const p of [b, c]) {
    let prev = -1;
    let stableSince = 0;
    await poll(async () => {
      const s = await inbound(p.page);
      const now = s.video[a.id] || 0;
      if (now !== prev) {
        prev = now;
        stableSince = Date.now();
      }
      return { ok: Date.now() - stableSince >= 1500, frames: now };
    }, { interval: 300, what: `${p.name} stops decoding Ala's video` });
    await p.page.locator(`[data-participant="${a.id}"] [data-testid="tile-cam-off"]`).waitFor();
  }
  const before1 = (await inbound(b.page)).video[c.id];
  await poll(async () => {
    const now = (await inbound(b.page)).video[c.id];
    return { ok: now > before1 + 10, now, before1 };
  }, { what: 'Celina\'s video keeps playing at Bartek' });

  // Celina leaves: her tile disappears at Ala and Bartek.
  await c.page.getByTestId('leave-button').click();
  await c.page.getByTestId('left').waitFor();
  for (const p of [a, b]) {
    await p.page.waitForFunction((id) => !document.querySelector(`[data-testid="tile"][data-participant="${id}"]`) &&
      document.querySelectorAll('[data-testid="tile"]').length === 2, c.id);
  }
  // Ala and Bartek still get each other's audio.
  const beforeAudio = (await inbound(a.page)).audio[b.id];
  await poll(async () => {
    const now = (await inbound(a.page)).audio[b.id];
    return { ok: now > beforeAudio + 10, now, beforeAudio };
  }, { what: 'Bartek\'s audio still reaches Ala' });

  // Dawid joins: Ala's offer recycles Celina's old sections for him.
  const d = await person('Dawid', room.id);
  d.id = await participantId(d.page);
  await receivesFrom(a, [b.id, d.id]);
  await receivesFrom(d, [b.id], { audioOnly: [a.id] });

  // Everyone but Ala leaves: her receive transport closes (every section
  // rejected); Ewa then comes and Ala receives her over a new transport.
  for (const p of [b, d]) {
    await p.page.getByTestId('leave-button').click();
    await p.page.getByTestId('left').waitFor();
  }
  await a.page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 1);
  const e = await person('Ewa', room.id);
  e.id = await participantId(e.page);
  await receivesFrom(a, [e.id]);
  await receivesFrom(e, [], { audioOnly: [a.id] });

  for (const p of [...all, d, e]) {
    assert.deepEqual(p.pageErrors, [], `${p.name}: uncaught errors in the page`);
    assert.deepEqual(p.dialogs, [], `${p.name}: dialogs`);
    assert.deepEqual(p.mediaWarnings, [], `${p.name}: media warnings`);
  }
});

// Waits until p decodes growing video and receives growing audio from each
// of ids (audio only from audioOnly: their camera is off).
async function receivesFrom(p, ids, { audioOnly = [] } = {}) {
  const first = await inbound(p.page);
  await poll(async () => {
    const s = await inbound(p.page);
    const grew = (kind, id) => (s[kind][id] || 0) > (first[kind][id] || 0);
    const ok = ids.every((id) => grew('video', id) && grew('audio', id)) &&
      audioOnly.every((id) => grew('audio', id));
    return { ok, ...s };
  }, { what: `${p.name} receives from ${[...ids, ...audioOnly]}` });
}

test('camera and microphone refused: a clear message, the room still works', async () => {
  // Without the fake permission UI, headless Chromium refuses getUserMedia.
  const strict = await launchCallBrowser({ fakeUi: false });
  try {
    const room = await createRoom(call.aula.url, 'Refused');
    const a = await person('Ala', room.id);
    a.id = await participantId(a.page);
    const context = await strict.newContext({ locale: 'en-GB' });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(`${call.aula.url}/r/${room.id}?name=Olek`);
    await page.getByTestId('media-status').filter({ hasText: 'You did not allow the camera and microphone' }).waitFor();
    assert.equal(await page.getByTestId('camera-button').isHidden(), true);
    // Olek still receives Ala, and both see two tiles.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 2);
    await a.page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 2);
    await page.waitForFunction(async (id) => {
      const v = document.querySelector(`[data-testid="tile"][data-participant="${id}"] video`);
      return !!v && v.srcObject && v.srcObject.getVideoTracks().length > 0 && v.readyState >= 2;
    }, a.id);
    // Chat works.
    await page.getByLabel('Your message').fill('bez kamery');
    await page.getByLabel('Your message').press('Enter');
    await waitForMessage(a.page, 'bez kamery');
    assert.deepEqual(errors, []);
    await context.close();
  } finally {
    await strict.close();
  }
});

// Widths of the inbound video per owner, and what the publisher sends per rid.
async function videoWidths(page) {
  const out = { inbound: {}, outbound: {} };
  for (const s of await rtpStats(page)) {
    if (s.type === 'inbound-rtp' && s.kind === 'video' && s.frameWidth) {
      out.inbound[s.owner] = s.frameWidth;
    }
    if (s.type === 'outbound-rtp' && s.kind === 'video' && s.rid) {
      out.outbound[s.rid] = { width: s.frameWidth || 0, active: s.active, limit: s.qualityLimitationReason };
    }
  }
  return out;
}

test('simulcast: a viewer moves up from the lowest layer', async () => {
  const room = await createRoom(call.aula.url, 'Simulcast');
  const a = await person('Ala', room.id);
  const b = await person('Bartek', room.id);
  a.id = await participantId(a.page);
  b.id = await participantId(b.page);
  await receivesFrom(b, [a.id]);
  // Ala's camera goes out in rid layers; Bartek starts on the lowest one.
  const sent = await poll(async () => {
    const w = await videoWidths(a.page);
    return { ok: (w.outbound.l?.width || 0) > 0, ...w };
  }, { what: 'Ala sends the lowest simulcast layer' });
  const lowest = sent.outbound.l.width;
  // Clean receiver reports move Bartek up one layer about every 2 s, as
  // far as Ala's encoder sends a bigger layer.
  await poll(async () => {
    const w = await videoWidths(b.page);
    const sender = await videoWidths(a.page);
    return { ok: (w.inbound[a.id] || 0) > lowest, lowest, got: w.inbound[a.id], sender: sender.outbound };
  }, { timeout: 20000, interval: 500, what: 'Bartek gets a layer wider than the lowest' });
  for (const p of [a, b]) {
    assert.deepEqual(p.pageErrors, [], `${p.name}: uncaught errors in the page`);
    assert.deepEqual(p.mediaWarnings, [], `${p.name}: media warnings`);
  }
  for (const p of [a, b]) await p.page.getByTestId('leave-button').click();
});
