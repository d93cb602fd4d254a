// Join tokens expire (here after 9 s): the page renews its token with
// token.refresh every third of its lifetime (at least every 5 s), so a
// host's controls still work after the first token has expired, and a
// reload rejoins as the same participant.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useCall, participantId } from '../lib/call.mjs';

const call = useCall({ args: ['--join-token-ttl', '9000'] });

// The claims of the page's kept token.
function claims(page, roomId) {
  return page.evaluate((id) => {
    const saved = JSON.parse(sessionStorage.getItem(`aula.session.${id}`));
    return JSON.parse(atob(saved.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  }, roomId);
}

test('the page refreshes its token: host controls work after the first token expired', async () => {
  const res = await fetch(`${call.aula.url}/api/v1/rooms`, {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Tokens' }),
  });
  const room = await res.json();
  const h = await call.person('Hania', room.id, { url: room.host_url, instrument: false });
  const a = await call.person('Ala', room.id, { instrument: false });
  const first = await claims(h.page, room.id);
  assert.equal(first.role, 'host');
  assert.ok(first.exp - first.iat <= 10, `a short token: ${JSON.stringify(first)}`);

  // Wait until the first token has expired (by the clock, not a guess)…
  await h.page.waitForFunction((exp) => Date.now() > exp * 1000 + 500, first.exp, { timeout: 15000 });
  // …the page holds a newer one…
  const now = await claims(h.page, room.id);
  assert.ok(now.exp > first.exp, `the token was refreshed: ${first.exp} -> ${now.exp}`);
  assert.equal(now.sub, first.sub);
  // …and aula still takes the host's orders.
  await h.page.getByRole('button', { name: 'Options for Ala' }).click();
  await h.page.getByRole('button', { name: 'Mute microphone' }).click();
  await h.page.getByTestId('person-menu-status').filter({ hasText: 'The microphone of Ala is muted.' }).waitFor();
  await a.page.getByTestId('host-notice').filter({ hasText: 'Hania muted your microphone.' }).waitFor();

  // A reload rejoins as the same participant.
  const id = await participantId(a.page);
  await a.page.reload();
  await a.page.getByTestId('chat-input').waitFor();
  assert.equal(await participantId(a.page), id);
  for (const p of [h, a]) assert.deepEqual(p.pageErrors, []);
});
