// aula is restarted (same port, same data folder) under two people in a
// call: both pages show "reconnecting", come back by themselves as the same
// participants (the join token kept in sessionStorage), with the chat
// history intact (no line lost or doubled) and each other's video decoding
// again.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { startAula, repoRoot } from '../lib/server.mjs';
import { waitForMessage, chatLines, waitForPeople, screenshot } from '../lib/browser.mjs';
import { useCall, participantId, waitGrows } from '../lib/call.mjs';

const call = useCall();
const dirs = [];
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test('aula restarts: same participants, chat intact, video decoding again', async () => {
  const res = await fetch(`${call.aula.url}/api/v1/rooms`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Restart' }),
  });
  const room = await res.json();
  const a = await call.person('Ala', room.id);
  const b = await call.person('Bartek', room.id);
  a.id = await participantId(a.page);
  b.id = await participantId(b.page);
  await waitGrows(a.page, 'video', b.id, { by: 10, what: 'Bartek\'s video at Ala before the restart' });
  await waitGrows(b.page, 'video', a.id, { by: 10, what: 'Ala\'s video at Bartek before the restart' });
  await a.page.getByLabel('Your message').fill('before the restart');
  await a.page.getByLabel('Your message').press('Enter');
  await waitForMessage(b.page, 'before the restart');

  const { port, dataDir } = call.aula;
  dirs.push(dataDir);
  const stopped = await call.aula.stop({ keepData: true });
  assert.equal(stopped.code, 0, `aula did not stop cleanly:\n${call.aula.stderr()}`);
  for (const p of [a, b]) {
    await p.page.getByTestId('connection-status').filter({ hasText: 'Connection lost — reconnecting…' }).waitFor();
  }
  // Typed while aula is down: kept, and sent once it is back.
  await b.page.getByLabel('Your message').fill('typed while aula was down');
  await b.page.getByLabel('Your message').press('Enter');
  await b.page.getByTestId('chat-pending-message').waitFor();
  await screenshot(b.page, 'restart-reconnecting');

  call.aula = await startAula({ dataDir, args: ['--web-dir', path.join(repoRoot, 'web'), '--http-port', String(port)] });
  assert.equal(call.aula.port, port);

  for (const p of [a, b]) {
    await p.page.getByTestId('connection-status').filter({ hasText: 'Connected again.' }).waitFor({ timeout: 20000 });
  }
  // The same participants, not new ones.
  assert.equal(await participantId(a.page), a.id, 'Ala came back as the same participant');
  assert.equal(await participantId(b.page), b.id, 'Bartek came back as the same participant');
  await waitForPeople(a.page, ['Ala', 'Bartek']);
  await waitForPeople(b.page, ['Ala', 'Bartek']);
  // Media flows again: each decodes the other's video on the new connection.
  await waitGrows(a.page, 'video', b.id, { by: 10, what: 'Bartek\'s video at Ala after the restart', timeout: 20000 });
  await waitGrows(b.page, 'video', a.id, { by: 10, what: 'Ala\'s video at Bartek after the restart', timeout: 20000 });
  // The chat: nothing lost, nothing twice.
  await waitForMessage(a.page, 'typed while aula was down');
  const expected = [{ name: 'Ala', text: 'before the restart' }, { name: 'Bartek', text: 'typed while aula was down' }];
  assert.deepEqual(await chatLines(a.page), expected);
  assert.deepEqual(await chatLines(b.page), expected);
  await a.page.getByLabel('Your message').fill('after the restart');
  await a.page.getByLabel('Your message').press('Enter');
  await waitForMessage(b.page, 'after the restart');
  for (const p of [a, b]) assert.deepEqual(p.pageErrors, []);
});
