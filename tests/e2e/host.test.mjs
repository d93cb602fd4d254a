// Hosts in control, in real Chromium with fake devices: the host opens the
// host link, the others the participant link. A host mutes a participant
// (their audio stops reaching the others and they cannot unmute), removes
// one (their page says so, their media stops at the others), sees raised
// hands in order, reads hosts-only chat, lets people in from the waiting
// room or declines them, locks the room and ends the meeting. Screenshots
// of the room with three people and of the waiting room go to test-output/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot, waitForPeople, waitForMessage, joinRoom, newPerson } from '../lib/browser.mjs';
import { useCall, participantId, waitGrows, waitStops, received } from '../lib/call.mjs';

const call = useCall();

// A room made the way the home page makes it: { id, host_url, … }.
async function makeRoom(title, options = {}) {
  const res = await fetch(`${call.aula.url}/api/v1/rooms`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title, ...options }),
  });
  assert.equal(res.status, 201, await res.clone().text());
  const room = await res.json();
  assert.ok(room.host_url, 'the room has a host link');
  return room;
}

async function host(name, room) {
  const p = await call.person(name, room.id, { url: room.host_url });
  p.id = await participantId(p.page);
  await p.page.getByTestId('host-panel').waitFor();
  return p;
}

async function guest(name, room, join) {
  const p = await call.person(name, room.id, { join });
  p.id = await participantId(p.page);
  return p;
}

// Opens the options menu of a person on the host's page.
async function menuOf(h, name) {
  const toggle = h.page.getByRole('button', { name: `Options for ${name}` });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  return h.page.locator('[data-testid="participant"]', { has: toggle }).getByTestId('person-menu-panel');
}

function assertClean(...persons) {
  for (const p of persons) assert.deepEqual(p.pageErrors, [], `${p.name}: uncaught errors in the page`);
}

test('a host mutes a participant: the audio stops at the others, and stays off', async () => {
  const room = await makeRoom('Mute');
  const h = await host('Hania', room);
  const a = await guest('Ala', room);
  const b = await guest('Bartek', room);
  await waitForPeople(h.page, ['Hania', 'Ala', 'Bartek']);
  await waitGrows(b.page, 'audio', a.id, { by: 2000, what: 'Ala\'s audio reaches Bartek' });
  await waitGrows(h.page, 'audio', a.id, { by: 2000, what: 'Ala\'s audio reaches Hania' });
  for (const p of [h, a, b]) {
    await p.page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 3);
  }
  // Only the host sees the controls; the participants do not.
  assert.equal(await a.page.getByTestId('host-panel').isHidden(), true);
  assert.equal(await a.page.getByTestId('person-menu').count(), 0);
  await screenshot(h.page, 'room-three');

  // Mute Ala's microphone without letting her turn it back on.
  const menu = await menuOf(h, 'Ala');
  await menu.getByLabel('Let them turn it back on').uncheck();
  await menu.getByRole('button', { name: 'Mute microphone' }).click();
  await menu.getByTestId('person-menu-status').filter({ hasText: 'The microphone of Ala is muted.' }).waitFor();

  // Ala is told, and her microphone button shows off.
  await a.page.getByTestId('host-notice').filter({ hasText: 'Hania muted your microphone. Raise your hand to ask to speak.' }).waitFor();
  assert.equal(await a.page.getByTestId('mic-button').getAttribute('aria-pressed'), 'false');
  // Her audio stops reaching the others; Bartek's still reaches Hania.
  const stoppedAtB = await waitStops(b.page, 'audio', a.id, { what: 'Ala\'s audio at Bartek' });
  await waitStops(h.page, 'audio', a.id, { what: 'Ala\'s audio at Hania' });
  await waitGrows(h.page, 'audio', b.id, { by: 2000, what: 'Bartek\'s audio still reaches Hania' });
  await h.page.locator(`[data-participant="${a.id}"] [data-testid="tile-mic-off"]`).waitFor();

  // Ala tries to unmute: refused, with the reason, and nothing flows.
  await a.page.getByTestId('mic-button').click();
  await a.page.getByTestId('host-notice').filter({ hasText: 'A host muted your microphone.' }).waitFor();
  assert.equal(await a.page.getByTestId('mic-button').getAttribute('aria-pressed'), 'false');
  await waitGrows(b.page, 'audio', h.id, { by: 2000, what: 'Hania\'s audio keeps reaching Bartek' });
  assert.equal((await received(b.page)).audio[a.id], stoppedAtB, 'Ala\'s audio stayed stopped at Bartek');
  assertClean(h, a, b);
});

test('a host removes a participant: their page says so, their media stops at the others', async () => {
  const room = await makeRoom('Remove');
  const h = await host('Hania', room);
  const a = await guest('Ala', room);
  const b = await guest('Bartek', room);
  await waitGrows(a.page, 'video', b.id, { by: 10, what: 'Bartek\'s video reaches Ala' });
  await waitGrows(h.page, 'audio', b.id, { by: 2000, what: 'Bartek\'s audio reaches Hania' });

  const menu = await menuOf(h, 'Bartek');
  await menu.getByRole('button', { name: 'Remove from the meeting' }).click();
  await menu.getByRole('button', { name: 'Yes, remove Bartek' }).click();

  await b.page.getByRole('heading', { name: 'A host removed you from the meeting' }).waitFor();
  await screenshot(b.page, 'removed');
  await waitForPeople(h.page, ['Hania', 'Ala']);
  await waitForPeople(a.page, ['Hania', 'Ala']);
  await a.page.waitForFunction((id) => !document.querySelector(`[data-testid="tile"][data-participant="${id}"]`), b.id);
  await waitStops(a.page, 'video', b.id, { what: 'Bartek\'s video at Ala' });
  await waitStops(h.page, 'audio', b.id, { what: 'Bartek\'s audio at Hania' });
  // Bartek's page does not come back by itself (close code 4001).
  assert.equal(await b.page.getByTestId('connection-status').textContent(), '');
  assert.equal(await b.page.getByTestId('ended').isVisible(), true);
  await waitForPeople(h.page, ['Hania', 'Ala']);
  assertClean(h, a, b);
});

test('raised hands: hosts see the order; hosts-only chat reaches hosts only', async () => {
  const room = await makeRoom('Hands');
  const h = await host('Hania', room);
  const a = await guest('Ala', room);
  const b = await guest('Bartek', room);
  await waitForPeople(h.page, ['Hania', 'Ala', 'Bartek']);

  await a.page.getByRole('button', { name: 'Raise hand' }).click();
  await h.page.getByTestId('hand-name').filter({ hasText: 'Ala' }).waitFor();
  await b.page.getByRole('button', { name: 'Raise hand' }).click();
  await h.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="hand-name"]')]
    .map((e) => e.textContent).join(',') === 'Ala,Bartek');
  assert.equal(await h.page.getByTestId('hands-heading').textContent(), 'Raised hands (2), in order');
  assert.equal(await a.page.getByTestId('hand-button').getAttribute('aria-pressed'), 'true');
  // Everyone sees the hand and its place on the tiles; only hosts get the list.
  await b.page.locator(`[data-participant="${a.id}"] [data-testid="tile-hand"]`).filter({ hasText: '1' }).waitFor();
  await b.page.locator(`[data-participant="${b.id}"] [data-testid="tile-hand"]`).filter({ hasText: '2' }).waitFor();
  assert.equal(await b.page.getByTestId('hand').count(), 0);
  await screenshot(h.page, 'hands');

  // Ala lowers hers: Bartek is first now.
  await a.page.getByRole('button', { name: 'Lower hand' }).click();
  await h.page.waitForFunction(() => [...document.querySelectorAll('[data-testid="hand-name"]')]
    .map((e) => e.textContent).join(',') === 'Bartek');
  // The host lowers Bartek's.
  await h.page.getByRole('button', { name: 'Lower the hand of Bartek' }).click();
  await b.page.getByRole('button', { name: 'Raise hand' }).waitFor();
  await h.page.getByTestId('hands-heading').waitFor({ state: 'hidden' });

  // Chat to hosts only: Hania reads it (marked), Bartek never gets it.
  await a.page.getByLabel('To', { exact: true }).selectOption('hosts');
  await a.page.getByLabel('Your message').fill('I need help, only for the teacher');
  await a.page.getByLabel('Your message').press('Enter');
  await waitForMessage(h.page, 'I need help, only for the teacher');
  await h.page.getByTestId('msg-to-hosts').waitFor();
  await a.page.getByLabel('To', { exact: true }).selectOption('everyone');
  await a.page.getByLabel('Your message').fill('hello all');
  await a.page.getByLabel('Your message').press('Enter');
  await waitForMessage(b.page, 'hello all');
  assert.equal(await b.page.getByText('I need help, only for the teacher').count(), 0);

  // A reaction shows on Ala's tile at the others.
  await a.page.getByRole('button', { name: 'Reactions' }).click();
  await a.page.getByRole('button', { name: 'Applause' }).click();
  await b.page.locator(`[data-participant="${a.id}"] [data-testid="tile-reaction"]`).filter({ hasText: '👏' }).waitFor();
  assertClean(h, a, b);
});

test('waiting room: the host lets one in and declines another', async () => {
  const room = await makeRoom('Lobby', { lobby: true });
  const h = await host('Hania', room);

  const w = await newPerson(call.browser);
  w.name = 'Wanda';
  call.people.push(w);
  await joinRoom(w.page, `${call.aula.url}/r/${room.id}`, 'Wanda', { waitRoom: false });
  await w.page.getByRole('heading', { name: 'Please wait, the host will let you in' }).waitFor();
  await screenshot(w.page, 'lobby');
  await h.page.getByTestId('waiting-name').filter({ hasText: 'Wanda' }).waitFor();
  assert.equal(await h.page.getByTestId('waiting-heading').textContent(), '1 person is waiting to come in');
  await waitForPeople(h.page, ['Hania']);

  await h.page.getByRole('button', { name: 'Let in: Wanda' }).click();
  await w.page.getByTestId('chat-input').waitFor();
  await waitForPeople(w.page, ['Hania', 'Wanda']);
  await waitForPeople(h.page, ['Hania', 'Wanda']);
  await h.page.getByTestId('waiting-person').waitFor({ state: 'detached' });
  const wId = await participantId(w.page);
  await waitGrows(h.page, 'audio', wId, { by: 2000, what: 'Wanda\'s audio reaches Hania once she is in' });

  const z = await newPerson(call.browser);
  z.name = 'Zenon';
  call.people.push(z);
  await joinRoom(z.page, `${call.aula.url}/r/${room.id}`, 'Zenon', { waitRoom: false });
  await z.page.getByTestId('lobby').waitFor();
  await h.page.getByRole('button', { name: 'Decline: Zenon' }).click();
  await z.page.getByRole('heading', { name: 'The host did not let you in' }).waitFor();
  await h.page.getByTestId('waiting-person').waitFor({ state: 'detached' });
  await waitForPeople(h.page, ['Hania', 'Wanda']);
  assert.equal(await z.page.getByTestId('connection-status').textContent(), '');

  // Someone who gives up waiting goes back to the join screen, and leaves
  // the host's list.
  const s = await newPerson(call.browser);
  s.name = 'Stefan';
  call.people.push(s);
  await joinRoom(s.page, `${call.aula.url}/r/${room.id}`, 'Stefan', { waitRoom: false });
  await s.page.getByTestId('lobby').waitFor();
  await h.page.getByTestId('waiting-name').filter({ hasText: 'Stefan' }).waitFor();
  await s.page.getByRole('button', { name: 'Stop waiting' }).click();
  await s.page.getByTestId('join-view').waitFor();
  await h.page.getByTestId('waiting-person').waitFor({ state: 'detached' });
  assertClean(h, w, z, s);
});

test('lock and end: nobody new gets in; ending sends everyone to the end page', async () => {
  const room = await makeRoom('Lock');
  const h = await host('Hania', room);
  const a = await guest('Ala', room);
  await h.page.getByRole('button', { name: 'Lock the meeting' }).click();
  await h.page.getByTestId('host-status').filter({ hasText: 'The meeting is locked' }).waitFor();
  await a.page.getByTestId('room-flags').filter({ hasText: 'Locked' }).waitFor();

  const late = await newPerson(call.browser);
  call.people.push(late);
  await joinRoom(late.page, `${call.aula.url}/r/${room.id}`, 'Spóźniony', { waitRoom: false });
  await late.page.getByTestId('join-error').filter({ hasText: 'The meeting is locked' }).waitFor();

  await h.page.getByRole('button', { name: 'End meeting for everyone' }).click();
  await h.page.getByRole('button', { name: 'Yes, end it' }).click();
  for (const p of [h, a]) await p.page.getByRole('heading', { name: 'The meeting has ended' }).waitFor();
  await screenshot(a.page, 'ended');
  assert.equal(await a.page.getByTestId('connection-status').textContent(), '');
  assertClean(h, a, late);
});

test('a password: asked for, a wrong one refused, the right one lets in; the host needs none', async () => {
  const room = await makeRoom('Password', { password: 'kot-ma-ale-7' });
  const h = await host('Hania', room); // the host link needs no password
  const p = await newPerson(call.browser);
  p.name = 'Piotr';
  call.people.push(p);
  await p.page.goto(`${call.aula.url}/r/${room.id}`);
  await p.page.getByLabel('Meeting password').waitFor();
  await p.page.getByLabel('Your name').fill('Piotr');
  await p.page.getByRole('button', { name: 'Join' }).click();
  await p.page.getByTestId('join-error').filter({ hasText: 'This meeting needs a password.' }).waitFor();
  await p.page.getByLabel('Meeting password').fill('pies');
  await p.page.getByRole('button', { name: 'Join' }).click();
  await p.page.getByTestId('join-error').filter({ hasText: 'This password is not right.' }).waitFor();
  assert.equal(await p.page.getByLabel('Meeting password').getAttribute('aria-invalid'), 'true');
  await p.page.getByLabel('Meeting password').fill('kot-ma-ale-7');
  await p.page.getByRole('button', { name: 'Join' }).click();
  await p.page.getByTestId('chat-input').waitFor();
  await waitForPeople(h.page, ['Hania', 'Piotr']);
  assertClean(h, p);
});
