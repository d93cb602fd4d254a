// aula restarts (same port, same data folder) under a webinar: the host and
// an attendee come back by themselves as the same people; the attendee
// still sees her answered question and that she voted (and cannot vote
// twice), the host still sees the question and the poll's result, and the
// attendee receives the host's video again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { rmSync } from 'node:fs';
import { startAula, repoRoot } from '../lib/server.mjs';
import { newPerson } from '../lib/browser.mjs';
import { launchCallBrowser, instrument, participantId, waitGrows } from '../lib/call.mjs';

const web = path.join(repoRoot, 'web');
let aula;
let browser;
const people = [];
const dirs = [];

before(async () => {
  aula = await startAula({ args: ['--web-dir', web] });
  browser = await launchCallBrowser();
});

after(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  if (aula) {
    const { code, sig } = await aula.stop();
    assert.equal(code, 0, `aula exited with ${code ?? sig}:\n${aula.stderr()}`);
  }
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function person(name) {
  const p = await newPerson(browser);
  p.name = name;
  people.push(p);
  await p.page.addInitScript(instrument);
  return p;
}

// Through the event page (name asked), into the room.
async function enter(p, url) {
  await p.page.goto(url);
  await p.page.getByTestId('enter-name').fill(p.name);
  await p.page.getByTestId('enter-button').click();
  await p.page.waitForURL(/\/r\/[^/]+$/);
  await p.page.getByTestId('qa-panel').waitFor();
  p.id = await participantId(p.page);
}

test('a webinar survives a restart: same people, the question, the vote, the video', async () => {
  const h = await person('Hania');
  const s = await h.context.request.post(`${aula.url}/api/v1/auth/signup`, {
    data: { email: 'hania@school.example', name: 'Hania', password: 'a long enough password' },
  });
  assert.equal(s.status(), 201, await s.text());
  const { csrf } = await s.json();
  const starts = new Date(Date.now() + 5 * 60e3).toISOString().slice(0, 16);
  const c = await h.context.request.post(`${aula.url}/api/v1/events`, {
    data: { title: 'Restart webinar', starts, time_zone: 'UTC', duration_min: 60, type: 'webinar', access: 'open' },
    headers: { 'X-CSRF-Token': csrf },
  });
  assert.equal(c.status(), 201, await c.text());
  const ev = await c.json();

  await enter(h, `${aula.url}${ev.links.host}`);
  const ola = await person('Ola');
  await enter(ola, `${aula.url}${ev.links.page}`);
  await waitGrows(ola.page, 'video', h.id, { by: 10, what: 'Hania\'s video at Ola' });

  await ola.page.getByTestId('qa-input').fill('Will there be homework?');
  await ola.page.getByTestId('qa-ask').click();
  const hq = h.page.getByTestId('question').filter({ hasText: 'Will there be homework?' });
  await hq.getByTestId('answer-input').fill('No, not this week.');
  await hq.getByTestId('answer-send').click();
  await ola.page.getByTestId('question').filter({ hasText: 'No, not this week.' }).waitFor();
  await h.page.getByTestId('poll-new').click();
  await h.page.getByTestId('poll-question').fill('Was it clear?');
  await h.page.getByTestId('poll-choice').nth(0).fill('Yes');
  await h.page.getByTestId('poll-choice').nth(1).fill('No');
  await h.page.getByTestId('poll-create').click();
  await h.page.getByTestId('poll').getByTestId('poll-open').click();
  await ola.page.getByTestId('poll').getByLabel('Yes').check();
  await ola.page.getByTestId('poll').getByTestId('poll-vote').click();
  await h.page.getByTestId('poll').getByTestId('poll-voters').filter({ hasText: '1 person voted.' }).waitFor();

  // Restart aula under them.
  const { port, dataDir } = aula;
  dirs.push(dataDir);
  const stopped = await aula.stop({ keepData: true });
  aula = null;
  assert.equal(stopped.code, 0, 'aula stopped cleanly');
  for (const p of [h, ola]) {
    await p.page.getByTestId('connection-status').filter({ hasText: 'Connection lost — reconnecting…' }).waitFor();
  }
  aula = await startAula({ dataDir, args: ['--web-dir', web, '--http-port', String(port)] });
  for (const p of [h, ola]) {
    await p.page.getByTestId('connection-status').filter({ hasText: 'Connected again.' }).waitFor({ timeout: 20000 });
  }
  assert.equal(await participantId(ola.page), ola.id, 'Ola came back as the same participant');
  assert.equal(await participantId(h.page), h.id, 'Hania came back as the same participant');

  // What was said and voted is still there, on both pages.
  await ola.page.getByTestId('question').filter({ hasText: 'No, not this week.' }).waitFor();
  await h.page.getByTestId('question').filter({ hasText: 'Will there be homework?' }).waitFor();
  const olaPoll = ola.page.getByTestId('poll').filter({ hasText: 'Was it clear?' });
  await olaPoll.waitFor();
  assert.equal(await olaPoll.getByTestId('poll-vote-form').isHidden(), true, 'no second vote');
  // A reload builds the page from what aula kept: she voted.
  await ola.page.reload();
  await ola.page.getByTestId('qa-panel').waitFor();
  assert.equal(await participantId(ola.page), ola.id, 'after a reload too, the same participant');
  await olaPoll.getByTestId('poll-status').filter({ hasText: 'You have voted.' }).waitFor();
  assert.equal(await olaPoll.getByTestId('poll-vote-form').isHidden(), true, 'no second vote after a reload');
  await ola.page.getByTestId('question').filter({ hasText: 'No, not this week.' }).waitFor();
  await h.page.getByTestId('poll').getByTestId('poll-voters').filter({ hasText: '1 person voted.' }).waitFor();
  // An attendee still publishes nothing; the host's video reaches her again.
  assert.equal(await ola.page.getByTestId('mic-button').isHidden(), true);
  await waitGrows(ola.page, 'video', h.id, { by: 10, what: 'Hania\'s video at Ola after the restart', timeout: 20000 });
  for (const p of [h, ola]) assert.deepEqual(p.pageErrors, [], `${p.name}: uncaught errors in the page`);
});
