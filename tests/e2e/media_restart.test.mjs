// The media path drops while the WebSocket stays up (a network change):
// three people in a call; on Ala's page both peer connections turn
// 'failed'. After 3 s the page starts a fresh media session on the same
// JSON-RPC connection (new publish and receive peer connections, media.publish
// and media.subscribe again), and within a few seconds media flows both ways
// again: the others decode Ala's video and hear her, Ala decodes and hears
// them, over the new connections only.
//
// How the drop is made: Chromium has no way to cut one peer connection's
// network from a page, and the tests have no netem. The page's own
// recovery only looks at connectionState ('failed', then still failed 3 s
// later), so failMedia() below makes each open connection of the page report
// 'failed' (as Chromium's ICE agent does when the interface it used goes
// away) and fires connectionstatechange. Everything after that (closing
// the old connections, the new session, aula's side) is the real path.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRoom } from '../lib/server.mjs';
import { useCall, participantId, waitGrows, poll } from '../lib/call.mjs';

const call = useCall();
const person = call.person;
const T = 15000;

// Makes every open peer connection of an instrumented page report 'failed'
// from now on (until it is really closed) and tells the page so. Returns how
// many connections the page had made so far.
function failMedia(page) {
  return page.evaluate(() => {
    const native = Object.getOwnPropertyDescriptor(RTCPeerConnection.prototype, 'connectionState').get;
    for (const pc of window.__pcs) {
      if (native.call(pc) === 'closed') continue;
      Object.defineProperty(pc, 'connectionState', {
        configurable: true,
        get: () => (native.call(pc) === 'closed' ? 'closed' : 'failed'),
      });
      pc.dispatchEvent(new Event('connectionstatechange'));
    }
    return window.__pcs.length;
  });
}

// The connection states of the page's peer connections made after the
// first `from` ones.
function statesAfter(page, from) {
  return page.evaluate((n) => ({
    old: window.__pcs.slice(0, n).map((pc) => pc.connectionState),
    fresh: window.__pcs.slice(n).map((pc) => pc.connectionState),
  }), from);
}

async function receivesFrom(p, others, what) {
  for (const o of others) {
    await waitGrows(p.page, 'video', o.id, { by: 5, timeout: T, what: `${what}: ${p.name} decodes ${o.name}'s video` });
    await waitGrows(p.page, 'audio', o.id, { by: 1000, timeout: T, what: `${what}: ${p.name} hears ${o.name}` });
  }
}

test('a dropped media path comes back on the same WebSocket', async () => {
  const room = await createRoom(call.aula.url, 'Media restart');
  const a = await person('Ala', room.id);
  const b = await person('Bartek', room.id);
  const c = await person('Celina', room.id);
  const all = [a, b, c];
  for (const p of all) p.id = await participantId(p.page);
  for (const p of all) await receivesFrom(p, all.filter((o) => o !== p), 'before');

  // Ala's WebSocket stays up through all of this: no new one is opened.
  const sockets = [];
  a.page.on('websocket', (ws) => sockets.push(ws.url()));

  // What the media status line says, as it changes.
  await a.page.evaluate(() => {
    const el = document.querySelector('[data-testid="media-status"]');
    window.__statusSeen = [];
    new MutationObserver(() => window.__statusSeen.push(el.textContent))
      .observe(el, { childList: true, subtree: true, characterData: true });
  });
  const t0 = Date.now();
  const n = await failMedia(a.page);
  assert.ok(n >= 2, `Ala's page had ${n} peer connections`);
  // The page says so, closes the failed connections and makes new ones.
  await a.page.waitForFunction(() => window.__statusSeen.some((x) => /connecting it again/.test(x)),
    null, { timeout: T });
  const st = await poll(async () => {
    const s = await statesAfter(a.page, n);
    const ok = s.old.every((x) => x === 'closed') && s.fresh.length === 2 &&
      s.fresh.every((x) => x === 'connected');
    return { ok, ...s };
  }, { timeout: T, what: 'Ala\'s new peer connections connect' });
  assert.deepEqual(st.fresh, ['connected', 'connected']);
  // …and shows the media is back.
  await a.page.waitForFunction(() => document.querySelector('[data-testid="media-status"]')
    .textContent === '', null, { timeout: T });
  // 3 s of waiting whether it comes back by itself, then a few seconds.
  const took = Date.now() - t0;
  assert.ok(took < 9000, `media back after ${took} ms`);

  // Both directions over the new connections only (the old ones are
  // closed, and rtpStats skips closed connections).
  await receivesFrom(a, [b, c], 'after');
  await receivesFrom(b, [a], 'after');
  await receivesFrom(c, [a], 'after');
  // Bartek and Celina were not disturbed.
  await receivesFrom(b, [c], 'after');

  // The same signaling connection all along: Ala is still one participant,
  // and nobody saw her leave and come back.
  for (const p of all) {
    assert.equal(await p.page.locator('[data-testid="participant"]').count(), 3, `${p.name}'s people list`);
  }
  assert.equal(await participantId(a.page), a.id);
  assert.deepEqual(sockets, [], 'no new WebSocket');
  for (const p of all) {
    assert.deepEqual(p.pageErrors, [], `${p.name}: page errors`);
  }
});
