// Layouts: a grid of at most 25 tiles a page with pages beyond, and speaker
// view with the active speaker's tile large. The 25 extra people are
// WebSocket clients (no media); the speaker test uses three browsers with
// fake microphones (the fake microphone beeps, so its audio level is not
// silence).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../lib/server.mjs';
import { RpcClient } from '../lib/rpc.mjs';
import { screenshot } from '../lib/browser.mjs';
import { useCall, participantId } from '../lib/call.mjs';

const call = useCall();

function tileCount(page) {
  return page.locator('[data-testid="tile"]').count();
}

test('grid: 25 tiles a page, the rest on the next page', async () => {
  const room = await createRoom(call.aula.url, 'Big class');
  const bots = [];
  try {
    for (let i = 1; i <= 25; i++) {
      const c = await RpcClient.open(call.aula.wsUrl);
      await c.call('room.join', { room: room.id, name: `Pupil ${String(i).padStart(2, '0')}` });
      bots.push(c);
    }
    const t = await call.person('Teacher', room.id, { instrument: false });
    await t.page.getByTestId('participant-count').filter({ hasText: 'People (26)' }).waitFor();
    await t.page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 25);
    await t.page.getByTestId('page-info').filter({ hasText: 'Page 1 of 2' }).waitFor();
    assert.equal(await t.page.getByTestId('page-prev').isDisabled(), true);
    // Your own tile comes first.
    const me = await participantId(t.page);
    assert.equal(await t.page.locator('[data-testid="tile"]').first().getAttribute('data-participant'), me);
    await screenshot(t.page, 'grid-page-1');

    await t.page.getByRole('button', { name: 'Next page' }).click();
    await t.page.getByTestId('page-info').filter({ hasText: 'Page 2 of 2' }).waitFor();
    assert.equal(await tileCount(t.page), 1);
    assert.equal(await t.page.getByTestId('page-next').isDisabled(), true);
    const last = await t.page.getByTestId('tile-name').first().textContent();
    assert.equal(last, 'Pupil 25');

    // Two leave: everyone fits on one page again and the pager goes away.
    await bots.pop().close();
    await bots.pop().close();
    await t.page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 24);
    await t.page.getByTestId('pager').waitFor({ state: 'hidden' });
    assert.deepEqual(t.pageErrors, []);
  } finally {
    for (const c of bots) await c.close();
  }
});

test('speaker view: the active speaker is large, and the view is remembered', async () => {
  const room = await createRoom(call.aula.url, 'Speaker view');
  const a = await call.person('Ala', room.id, { instrument: false, join: { micOff: true } });
  const b = await call.person('Bartek', room.id, { instrument: false, join: { micOff: true } });
  const c = await call.person('Celina', room.id, { instrument: false });
  const cId = await participantId(c.page);
  await a.page.waitForFunction(() => document.querySelectorAll('[data-testid="tile"]').length === 3);

  await a.page.getByRole('button', { name: 'Speaker view' }).click();
  assert.equal(await a.page.getByTestId('layout-button').getAttribute('aria-pressed'), 'true');
  // Celina is the only one talking: her tile is the large first one.
  await a.page.waitForFunction((id) => {
    const first = document.querySelector('[data-testid="tiles"] [data-testid="tile"]');
    return first && first.dataset.participant === id && first.classList.contains('large') &&
      document.querySelectorAll('[data-testid="tile"].large').length === 1;
  }, cId, { timeout: 15000 });
  await screenshot(a.page, 'speaker-view');

  // Back to the grid: no large tile; the choice is remembered.
  await a.page.getByRole('button', { name: 'Grid view' }).click();
  assert.equal(await a.page.locator('[data-testid="tile"].large').count(), 0);
  await a.page.getByRole('button', { name: 'Speaker view' }).click();
  await a.page.reload();
  await a.page.getByTestId('chat-input').waitFor();
  assert.equal(await a.page.getByTestId('layout-button').getAttribute('aria-pressed'), 'true');
  for (const p of [a, b, c]) assert.deepEqual(p.pageErrors, []);
});
