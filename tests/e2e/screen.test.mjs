// Screen sharing end to end: Ala shares her screen (headless Chromium's
// getDisplayMedia with --use-fake-ui-for-media-stream picks a fake screen);
// Bartek and Celina decode it as a third video track of hers and see it on
// the stage with her name; her camera keeps playing without a hiccup (aula
// keeps the camera's producer across the renegotiation); stopping the share
// removes it everywhere.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../lib/server.mjs';
import { screenshot } from '../lib/browser.mjs';
import { useCall, participantId, inboundRtp, poll } from '../lib/call.mjs';

const call = useCall();

async function person(name, roomId) {
  const p = await call.person(name, roomId);
  p.id = await participantId(p.page);
  return p;
}

// Inbound video by msid stream id: { frames: {stream: framesDecoded}, ssrcs: {stream: ssrc} }.
async function inbound(page) {
  const frames = {};
  const ssrcs = {};
  let n = 0;
  for (const s of await inboundRtp(page)) {
    if (s.kind !== 'video' || !(s.framesDecoded > 0)) continue;
    frames[s.owner] = s.framesDecoded;
    ssrcs[s.owner] = s.ssrc;
    n++;
  }
  return { frames, ssrcs, n };
}

test('a screen share takes the stage at the others and goes away again', async () => {
  const room = await createRoom(call.aula.url, 'Screen');
  const a = await person('Ala', room.id);
  const b = await person('Bartek', room.id);
  const c = await person('Celina', room.id);
  const viewers = [b, c];

  // Everyone decodes everyone's camera first.
  for (const p of [a, b, c]) {
    const others = [a, b, c].filter((o) => o !== p).map((o) => o.id);
    await poll(async () => {
      const s = await inbound(p.page);
      return { ok: others.every((id) => s.frames[id] > 0), ...s };
    }, { what: `${p.name} decodes both cameras` });
  }
  const camSsrc = {};
  for (const p of viewers) camSsrc[p.name] = (await inbound(p.page)).ssrcs[a.id];

  // Ala shares her screen with the big, labelled button.
  const btn = a.page.getByTestId('screen-button');
  assert.equal((await btn.textContent()).trim(), 'Share screen');
  await btn.click();
  await a.page.waitForFunction(() => document.querySelector('[data-testid="screen-button"]').getAttribute('aria-pressed') === 'true');
  assert.equal((await btn.textContent()).trim(), 'Stop sharing');

  // Within 10 s the others decode a third video SSRC: Ala's screen, in its
  // own stream; the stage shows it with her name; her camera SSRC is the
  // same one as before (the camera producer was kept).
  const screenStream = `${a.id}-screen`;
  for (const p of viewers) {
    const s = await poll(async () => {
      const s = await inbound(p.page);
      return { ok: s.n >= 3 && s.frames[screenStream] > 0, ...s };
    }, { timeout: 10000, what: `${p.name} decodes Ala's screen` });
    assert.notEqual(s.ssrcs[screenStream], s.ssrcs[a.id]);
    assert.equal(s.ssrcs[a.id], camSsrc[p.name], `${p.name}: Ala's camera kept its consumer`);
    const tile = p.page.locator(`[data-testid="screen-tile"][data-participant="${a.id}"]`);
    await tile.waitFor();
    assert.equal(await tile.getByTestId('screen-name').textContent(), 'Ala is sharing the screen');
    await p.page.waitForFunction((id) => {
      const v = document.querySelector(`[data-testid="screen-tile"][data-participant="${id}"] video`);
      return v && v.readyState >= 2 && v.videoWidth > 0;
    }, a.id);
  }
  await screenshot(b.page, 'screen-stage');

  // Ala stops sharing: the stage goes away at the others, her camera keeps
  // decoding there.
  await btn.click();
  await a.page.waitForFunction(() => document.querySelector('[data-testid="screen-button"]').getAttribute('aria-pressed') === 'false');
  for (const p of viewers) {
    await p.page.locator('[data-testid="screen-tile"]').waitFor({ state: 'detached' });
    assert.equal(await p.page.getByTestId('stage').isHidden(), true);
    const first = await inbound(p.page);
    await poll(async () => {
      const s = await inbound(p.page);
      return { ok: s.frames[a.id] > first.frames[a.id] + 10 && s.ssrcs[a.id] === camSsrc[p.name], ...s };
    }, { what: `${p.name} still decodes Ala's camera` });
  }

  // Sharing again works, and the browser's own "stop" (the track ends)
  // stops it too.
  await btn.click();
  for (const p of viewers) await p.page.locator(`[data-testid="screen-tile"][data-participant="${a.id}"]`).waitFor();
  await a.page.evaluate(() => {
    const v = document.querySelector('[data-testid="screen-tile"] video');
    const track = v.srcObject.getVideoTracks()[0];
    track.stop();
    track.dispatchEvent(new Event('ended')); // what the browser does when the person stops it
  });
  for (const p of viewers) await p.page.locator('[data-testid="screen-tile"]').waitFor({ state: 'detached' });
  await a.page.waitForFunction(() => document.querySelector('[data-testid="screen-button"]').getAttribute('aria-pressed') === 'false');

  for (const p of [a, b, c]) {
    assert.deepEqual(p.pageErrors, [], `${p.name}: uncaught errors in the page`);
    assert.deepEqual(p.mediaWarnings, [], `${p.name}: media warnings`);
  }
});
