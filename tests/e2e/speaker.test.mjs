// Active speaker: two people in real Chromium with fake devices (the fake
// microphone plays a periodic beep, so the RFC 6464 audio levels are not
// silence). Whoever is the only one with the microphone on becomes the
// active speaker: within 10 s the others' page highlights that tile
// (class "speaking", data-speaking, a "speaking" badge in the caption).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../lib/server.mjs';
import { screenshot } from '../lib/browser.mjs';
import { useCall, participantId } from '../lib/call.mjs';

const call = useCall();

async function person(name, roomId) {
  const p = await call.person(name, roomId, { instrument: false });
  await p.page.getByTestId('mic-button').waitFor();
  p.id = await participantId(p.page);
  assert.ok(p.id, `${name} has a participant id`);
  return p;
}

// Waits until page shows exactly the tile of id as the active speaker.
async function waitForSpeaker(page, id, what) {
  try {
    await page.waitForFunction((speaker) => {
      const on = [...document.querySelectorAll('[data-testid="tile"].speaking')];
      if (on.length !== 1 || on[0].dataset.participant !== speaker) return false;
      const badge = on[0].querySelector('[data-testid="tile-speaking"]');
      return on[0].dataset.speaking === 'true' && badge && badge.textContent.trim() !== '';
    }, id, { timeout: 10000, polling: 200 });
  } catch (e) {
    const seen = await page.evaluate(() => [...document.querySelectorAll('[data-testid="tile"]')]
      .map((t) => `${t.dataset.participant}:${t.className}`));
    throw new Error(`${what}: not within 10 s (tiles: ${seen.join(', ')})`, { cause: e });
  }
}

async function setMic(p, on) {
  const btn = p.page.getByTestId('mic-button');
  if ((await btn.getAttribute('aria-pressed')) !== String(on)) await btn.click();
  await p.page.waitForFunction((want) => document.querySelector('[data-testid="mic-button"]')
    .getAttribute('aria-pressed') === want, String(on));
}

test('the only unmuted person is shown as speaking; it follows who talks', async () => {
  const room = await createRoom(call.aula.url, 'Speaker');
  const a = await person('Ala', room.id);
  const b = await person('Bartek', room.id);
  for (const p of [a, b]) {
    await p.page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 2);
  }

  // Bartek mutes: Ala is the only sound, so both pages highlight Ala.
  await setMic(b, false);
  await waitForSpeaker(b.page, a.id, 'Bartek sees Ala speaking');
  await waitForSpeaker(a.page, a.id, 'Ala sees herself speaking');
  const label = await b.page.locator(`[data-participant="${a.id}"] [data-testid="tile-speaking"]`).textContent();
  assert.match(label, /^(speaking|mówi)$/);
  await screenshot(b.page, 'speaker-ala');

  // Now the other way round: Ala mutes, Bartek talks.
  await setMic(a, false);
  await setMic(b, true);
  await waitForSpeaker(a.page, b.id, 'Ala sees Bartek speaking');
  await waitForSpeaker(b.page, b.id, 'Bartek sees himself speaking');
  assert.equal(await a.page.locator(`[data-participant="${a.id}"] [data-testid="tile-speaking"]`).count(), 0);

  // Everyone muted: the last speaker stays highlighted.
  await setMic(b, false);
  await new Promise((r) => setTimeout(r, 2000));
  await waitForSpeaker(a.page, b.id, 'Bartek stays the speaker in silence');
});
