// The join screen in real Chromium with fake devices: the camera preview
// plays, the microphone level meter moves, the camera and microphone lists
// are filled, "join with my camera off" keeps the camera off at the others
// (audio still flows), devices can be switched inside the room, and the
// join screen follows the language switch. A screenshot of the join page
// goes to test-output/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../lib/server.mjs';
import { newPerson, screenshot, joinRoom } from '../lib/browser.mjs';
import { useCall, launchCallBrowser, participantId, waitGrows, received } from '../lib/call.mjs';

const call = useCall();

test('join screen: preview, microphone level, device lists', async () => {
  const room = await createRoom(call.aula.url, 'Join screen');
  const p = await newPerson(call.browser);
  call.people.push(p);
  await p.page.goto(`${call.aula.url}/r/${room.id}`);
  await p.page.getByLabel('Your name').waitFor();
  // The preview shows the camera: the video element has frames.
  await p.page.waitForFunction(() => {
    const v = document.querySelector('[data-testid="preview-video"]');
    return v.srcObject && v.readyState >= 2 && v.videoWidth > 0;
  });
  // The fake microphone beeps: the level meter moves above silence.
  await p.page.waitForFunction(() => Number(document.querySelector('[data-testid="mic-level"]').dataset.level) > 0.02,
    null, { timeout: 10000 });
  // Both lists name at least one device, and the one in use is chosen.
  for (const id of ['camera-select', 'microphone-select']) {
    const opts = await p.page.getByTestId(id).locator('option').allTextContents();
    assert.ok(opts.length >= 1 && opts.every((o) => o.trim() !== ''), `${id}: ${opts}`);
    assert.equal(await p.page.getByTestId(id).isDisabled(), false);
  }
  assert.equal(await p.page.getByTestId('preview-status').textContent(), '', 'no device problem shown');
  await p.page.getByLabel('Your name').fill('Zuzia');
  await screenshot(p.page, 'join-screen');

  // The join screen follows the language switch.
  await p.page.getByTestId('lang-pl').click();
  await p.page.getByLabel('Twoje imię').waitFor();
  await p.page.getByLabel('Dołącz z wyłączoną kamerą').waitFor();
  await p.page.getByRole('button', { name: 'Dołącz' }).waitFor();
  await screenshot(p.page, 'join-pl');
  await p.page.getByTestId('lang-en').click();
  await p.page.getByLabel('Join with my camera off').waitFor();
  assert.deepEqual(p.pageErrors, []);
});

test('join with the camera off: the others hear but do not see; devices switch in the room', async () => {
  const room = await createRoom(call.aula.url, 'Camera off');
  const a = await call.person('Ala', room.id);
  const b = await call.person('Bartek', room.id, { join: { camOff: true } });
  a.id = await participantId(a.page);
  b.id = await participantId(b.page);
  assert.equal(await b.page.getByTestId('camera-button').getAttribute('aria-pressed'), 'false');
  // Ala hears Bartek (a few kilobytes of his audio arrived, so the media
  // path is up) and sees his camera-off flag, but decodes no video of his.
  await waitGrows(a.page, 'audio', b.id, { by: 4000, what: 'Bartek\'s audio reaches Ala' });
  await a.page.locator(`[data-participant="${b.id}"] [data-testid="tile-cam-off"]`).waitFor();
  assert.equal((await received(a.page)).video[b.id] || 0, 0, 'no video of Bartek decoded at Ala');
  // Bartek turns the camera on: now Ala decodes his video.
  await b.page.getByTestId('camera-button').click();
  await waitGrows(a.page, 'video', b.id, { by: 10, what: 'Bartek\'s video reaches Ala after turning it on' });

  // Ala switches her camera inside the room (the same fake device again:
  // a new track on the same sender); Bartek keeps decoding her video.
  await a.page.getByTestId('devices-button').click();
  const cams = a.page.getByTestId('room-camera-select');
  await cams.locator('option').first().waitFor({ state: 'attached' });
  const trackBefore = await a.page.evaluate(() => window.__pcs.flatMap((pc) => pc.getSenders())
    .find((s) => s.track && s.track.kind === 'video')?.track.id);
  await cams.selectOption({ index: 0 });
  await cams.dispatchEvent('change');
  await a.page.getByTestId('devices-status').filter({ hasText: 'Camera changed.' }).waitFor();
  const trackAfter = await a.page.evaluate(() => window.__pcs.flatMap((pc) => pc.getSenders())
    .find((s) => s.track && s.track.kind === 'video')?.track.id);
  assert.notEqual(trackAfter, trackBefore, 'a new camera track is sent');
  await waitGrows(b.page, 'video', a.id, { by: 10, what: 'Ala\'s video keeps reaching Bartek after the switch' });
  for (const p of [a, b]) assert.deepEqual(p.pageErrors, []);
});

test('refused devices: a friendly message, and joining still works', async () => {
  const room = await createRoom(call.aula.url, 'No devices');
  const strict = await launchCallBrowser({ fakeUi: false });
  try {
    const p = await newPerson(strict);
    await p.page.goto(`${call.aula.url}/r/${room.id}`);
    await p.page.getByTestId('preview-status')
      .filter({ hasText: 'Your browser did not allow the camera and microphone. You can still join' }).waitFor();
    await joinRoom(p.page, `${call.aula.url}/r/${room.id}`, 'Olek');
    await p.page.getByTestId('media-status').filter({ hasText: 'You did not allow the camera and microphone' }).waitFor();
    assert.deepEqual(p.pageErrors, []);
    await p.context.close();
  } finally {
    await strict.close();
  }
});

// A quick click: Join is pressed while the browser is still opening the
// camera and microphone (here getUserMedia takes 1.5 s, as on a slow or
// busy machine). The page waits for them, so the person is seen and heard.
test('joining before the camera is ready still brings the camera and microphone', async () => {
  const room = await createRoom(call.aula.url, 'Quick click');
  const a = await call.person('Ala', room.id);
  const slow = await newPerson(call.browser);
  call.people.push(slow);
  await slow.page.addInitScript(() => {
    const md = navigator.mediaDevices;
    const gum = md.getUserMedia.bind(md);
    md.getUserMedia = (c) => new Promise((resolve) => setTimeout(resolve, 1500)).then(() => gum(c));
  });
  await slow.page.goto(`${call.aula.url}/r/${room.id}`);
  await slow.page.getByTestId('name-input').fill('Szymon');
  await slow.page.getByTestId('join-button').click();
  await slow.page.getByTestId('chat-input').waitFor();
  await slow.page.getByTestId('mic-button').waitFor();
  const id = await participantId(slow.page);
  await waitGrows(a.page, 'video', id, { by: 10, what: 'the quick joiner\'s video reaches Ala' });
  await waitGrows(a.page, 'audio', id, { by: 4000, what: 'the quick joiner\'s audio reaches Ala' });
  assert.deepEqual(slow.pageErrors, []);
});
