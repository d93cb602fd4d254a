// The web client when the connection drops: it says so, keeps what is
// typed meanwhile and sends it once back, reconnects by itself with the
// same name, and the chat catches up with what was said meanwhile.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { startAula, createRoom } from '../lib/server.mjs';
import { startProxy } from '../lib/proxy.mjs';
import {
  launchBrowser, newPerson, screenshot, waitForMessage, chatLines, waitForPeople,
} from '../lib/browser.mjs';

let aula;
let proxy;
let browser;
const people = [];
const dataDirs = [];

before(async () => {
  aula = await startAula();
  dataDirs.push(aula.dataDir);
  proxy = await startProxy(aula.port);
  browser = await launchBrowser();
});

after(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  await proxy?.close();
  if (aula) {
    const { code, sig } = await aula.stop();
    assert.equal(code, 0, `aula exited with ${code ?? sig}:\n${aula.stderr()}`);
  }
  for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
});

test('connection lost: reconnecting state, then back with the missed chat', async () => {
  const room = await createRoom(aula.url, 'Flaky Wi-Fi');

  // Ala reaches aula through the proxy; Bartek directly.
  const a = await newPerson(browser);
  const b = await newPerson(browser);
  people.push(a, b);
  await a.page.goto(`${proxy.url}/r/${room.id}?name=Ala`);
  await b.page.goto(`${aula.url}/r/${room.id}?name=Bartek`);
  await waitForPeople(a.page, ['Ala', 'Bartek']);
  await waitForPeople(b.page, ['Ala', 'Bartek']);

  const aInput = a.page.getByLabel('Your message');
  await aInput.fill('before');
  await aInput.press('Enter');
  await waitForMessage(b.page, 'before');

  // The network goes away under Ala.
  proxy.refuse(true);
  proxy.dropAll();
  await a.page.getByTestId('connection-status')
    .filter({ hasText: 'Connection lost — reconnecting…' }).waitFor();
  await waitForPeople(b.page, ['Bartek']);

  // Sending now says plainly that there is no connection; the line waits
  // in the page (shown as waiting) instead of being lost.
  await aInput.fill('written while offline');
  await aInput.press('Enter');
  await a.page.getByTestId('chat-error')
    .filter({ hasText: 'You are not connected right now.' }).waitFor();
  await a.page.getByTestId('chat-pending-message').filter({ hasText: 'written while offline' }).waitFor();
  await screenshot(a.page, 'reconnecting');

  const bInput = b.page.getByLabel('Your message');
  await bInput.fill('said while you were away');
  await bInput.press('Enter');
  await waitForMessage(b.page, 'said while you were away');

  // The network comes back: Ala is in again, under the same name, sees
  // what she missed, once, in order, and the waiting line went out by
  // itself (once).
  proxy.refuse(false);
  await a.page.getByTestId('connection-status').filter({ hasText: 'Connected again.' }).waitFor();
  await waitForMessage(a.page, 'said while you were away');
  await waitForMessage(a.page, 'written while offline');
  await waitForMessage(b.page, 'written while offline');
  await waitForPeople(a.page, ['Ala', 'Bartek']);
  await waitForPeople(b.page, ['Ala', 'Bartek']);
  const expected = [
    { name: 'Ala', text: 'before' },
    { name: 'Bartek', text: 'said while you were away' },
    { name: 'Ala', text: 'written while offline' },
  ];
  assert.deepEqual(await chatLines(a.page), expected);
  assert.deepEqual(await chatLines(b.page), expected);
  assert.equal(await a.page.getByTestId('chat-pending-message').count(), 0);
  assert.equal(await a.page.locator('[data-testid="chat-message"].mine').count(), 2,
    'the lines Ala wrote are shown as hers');
  // The "not connected" note went away with the reconnection.
  assert.equal(await a.page.getByTestId('chat-error').textContent(), '');
  // The banner clears itself after a few seconds.
  await a.page.waitForFunction(
    () => document.querySelector('[data-testid="connection-status"]').textContent === '');

  for (const p of [a, b]) {
    assert.deepEqual(p.pageErrors, []);
    assert.deepEqual(p.dialogs, []);
  }
});

test('the same person opens the meeting in a second tab: the first one says so, the others see her once', async () => {
  const room = await createRoom(aula.url, 'Two tabs');
  const a = await newPerson(browser);
  const b = await newPerson(browser);
  people.push(a, b);
  await a.page.goto(`${aula.url}/r/${room.id}?name=Ala`);
  await b.page.goto(`${aula.url}/r/${room.id}?name=Bartek`);
  await waitForPeople(b.page, ['Ala', 'Bartek']);
  const before = await a.page.evaluate(() => document.querySelector('[data-testid="participant"].me')?.dataset.id);
  assert.ok(before, 'Ala has a participant id');

  // A tab opened from hers (as "duplicate tab" does) carries her session
  // and goes back into the meeting as the same participant.
  const [second] = await Promise.all([
    a.context.waitForEvent('page'),
    a.page.evaluate(() => { window.open(window.location.href); }),
  ]);
  await second.getByTestId('chat-input').waitFor();
  await a.page.getByRole('heading', { name: 'This meeting is open in another window' }).waitFor();
  assert.equal(await a.page.getByTestId('ended').getAttribute('data-reason'), 'replaced');
  assert.match(await a.page.getByTestId('ended-text').textContent(), /from another tab or window/);
  assert.equal(await second.evaluate(() => document.querySelector('[data-testid="participant"].me')?.dataset.id), before);
  await waitForPeople(second, ['Ala', 'Bartek']);
  await waitForPeople(b.page, ['Ala', 'Bartek']);

  // The first tab stays out (no reconnecting), and chat goes on from the second.
  const input = second.getByLabel('Your message');
  await input.fill('from the other tab');
  await input.press('Enter');
  await waitForMessage(b.page, 'from the other tab');
  assert.equal(await a.page.getByTestId('ended').isVisible(), true);
  assert.deepEqual(a.pageErrors, []);
  assert.deepEqual(b.pageErrors, []);
});

test('aula restarts: the page comes back by itself and nothing is lost', async () => {
  const room = await createRoom(aula.url, 'Restart');
  const a = await newPerson(browser);
  people.push(a);
  await a.page.goto(`${proxy.url}/r/${room.id}?name=Ala`);
  const input = a.page.getByLabel('Your message');
  await input.fill('said before the restart');
  await input.press('Enter');
  await waitForMessage(a.page, 'said before the restart');

  // Stop aula (gracefully) and start it again on the same data folder;
  // the browser keeps talking to the same address (the proxy).
  const stopped = await aula.stop({ keepData: true });
  const stoppedLog = aula.stderr();
  await a.page.getByTestId('connection-status')
    .filter({ hasText: 'Connection lost — reconnecting…' }).waitFor();
  aula = await startAula({ dataDir: dataDirs[0] });
  proxy.setTarget(aula.port);

  await a.page.getByTestId('connection-status').filter({ hasText: 'Connected again.' }).waitFor();
  await waitForPeople(a.page, ['Ala']);
  assert.deepEqual(await chatLines(a.page), [{ name: 'Ala', text: 'said before the restart' }]);
  await input.fill('said after the restart');
  await input.press('Enter');
  await waitForMessage(a.page, 'said after the restart');
  assert.deepEqual(a.pageErrors, []);

  // Checked last, so that the page's side is tested even when this fails.
  assert.equal(stopped.code, 0,
    `aula did not stop cleanly on SIGTERM with a participant in a room (exit ${stopped.code ?? stopped.sig}):\n` +
    stoppedLog.split('\n').slice(-40).join('\n'));
});
