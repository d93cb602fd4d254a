// Accessibility: axe-core (npm) runs inside the real pages and finds no
// serious or critical violation on the home page, the join page, the
// waiting room and the room (as a host with the controls open and as a
// participant, in English and Polish). Also: every control of the room is
// reachable with the keyboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { newPerson, axeAudit, joinRoom, screenshot } from '../lib/browser.mjs';
import { useCall } from '../lib/call.mjs';

const call = useCall();

async function makeRoom(title, options = {}) {
  const res = await fetch(`${call.aula.url}/api/v1/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, ...options }),
  });
  assert.equal(res.status, 201);
  return res.json();
}

function noViolations(violations, where) {
  assert.deepEqual(violations, [], `${where}: serious or critical axe violations:\n${JSON.stringify(violations, null, 2)}`);
}

test('axe: home page (new meeting, the links, the account forms)', async () => {
  const p = await newPerson(call.browser);
  call.people.push(p);
  await p.page.goto(`${call.aula.url}/`);
  await p.page.getByTestId('new-meeting').waitFor();
  noViolations(await axeAudit(p.page), 'home');
  await p.page.getByTestId('show-signup').click();
  noViolations(await axeAudit(p.page), 'home, sign-up form');
  await p.page.getByLabel('Password for the meeting').fill('tajne-haslo');
  await p.page.getByLabel('Waiting room').check();
  await p.page.getByRole('button', { name: 'New meeting' }).click();
  await p.page.getByTestId('meeting-ready').waitFor();
  await p.page.getByTestId('host-link').waitFor();
  noViolations(await axeAudit(p.page), 'home, meeting ready');
  assert.deepEqual(p.pageErrors, []);
});

test('axe: join page, waiting room, and the room', async () => {
  const room = await makeRoom('Axe', { lobby: true });
  // The host, so there is someone to let people in.
  const h = await call.person('Hania', room.id, { url: room.host_url });
  await h.page.getByTestId('host-panel').waitFor();

  const w = await newPerson(call.browser);
  call.people.push(w);
  await w.page.goto(`${call.aula.url}/r/${room.id}`);
  await w.page.getByTestId('name-input').waitFor();
  await w.page.waitForFunction(() => document.querySelector('[data-testid="preview-video"]').readyState >= 2);
  noViolations(await axeAudit(w.page), 'join page');

  await joinRoom(w.page, `${call.aula.url}/r/${room.id}`, 'Wiktor', { waitRoom: false });
  await w.page.getByTestId('lobby').waitFor();
  noViolations(await axeAudit(w.page), 'waiting room');

  // The host's room with someone waiting, then with three people in.
  await h.page.getByTestId('waiting-person').waitFor();
  noViolations(await axeAudit(h.page), 'room (host, someone waiting)');
  await h.page.getByRole('button', { name: 'Let in: Wiktor', exact: true }).click();
  await w.page.getByTestId('chat-input').waitFor();
  const third = await call.person('Tosia', room.id, { instrument: false, join: { waitRoom: false } });
  await third.page.getByTestId('lobby').waitFor();
  await h.page.getByRole('button', { name: 'Let in: Tosia', exact: true }).click();
  await third.page.getByTestId('chat-input').waitFor();
  await h.page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 3);
  await h.page.getByRole('button', { name: 'Options for Wiktor' }).click();
  await w.page.getByRole('button', { name: 'Raise hand' }).click();
  await h.page.getByTestId('hand').waitFor();
  noViolations(await axeAudit(h.page), 'room (host, a menu open, a hand up)');
  await screenshot(h.page, 'room-host');

  noViolations(await axeAudit(w.page), 'room (participant)');
  await w.page.getByRole('button', { name: 'Reactions' }).click();
  await w.page.getByTestId('devices-button').click();
  noViolations(await axeAudit(w.page), 'room (participant, panels open)');
  await w.page.getByTestId('lang-pl').click();
  await w.page.getByLabel('Twoja wiadomość').waitFor();
  noViolations(await axeAudit(w.page), 'room (participant, Polish)');
  for (const p of [h, w, third]) assert.deepEqual(p.pageErrors, []);
});

test('keyboard: Tab reaches every control of the room, with a visible focus', async () => {
  const room = await makeRoom('Keyboard');
  const h = await call.person('Hania', room.id, { url: room.host_url, instrument: false });
  await call.person('Kuba', room.id, { instrument: false });
  await h.page.getByRole('button', { name: 'Options for Kuba' }).waitFor();
  // Every visible button, field and link of the room view.
  const want = await h.page.evaluate(() => [...document.querySelectorAll(
    '#view-room button, #view-room input, #view-room select, #view-room a, .lang-btn')]
    .filter((e) => e.offsetParent !== null && !e.disabled).map((e) => e.id || e.dataset.testid || e.textContent.trim()));
  const seen = new Set();
  await h.page.locator('body').focus();
  for (let i = 0; i < 200 && seen.size < want.length; i++) {
    await h.page.keyboard.press('Tab');
    const info = await h.page.evaluate(() => {
      const e = document.activeElement;
      const style = getComputedStyle(e);
      return {
        key: e.id || e.dataset.testid || e.textContent.trim(),
        ring: style.outlineStyle !== 'none' || style.boxShadow !== 'none',
      };
    });
    if (want.includes(info.key)) {
      assert.ok(info.ring, `${info.key}: no visible focus`);
      seen.add(info.key);
    }
  }
  assert.deepEqual(want.filter((k) => !seen.has(k)), [], 'controls Tab never reached');
});
