// Under attack: while three people are in a call, 10,000 random datagrams
// and 1,000 STUN Binding requests with wrong credentials hit the worker's
// media port. The call keeps decoding frames everywhere, and /metrics
// counts every bad datagram under the reason src/sfu/engine.c gives it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import crypto from 'node:crypto';
import zlib from 'node:zlib';
import { createRoom } from '../lib/server.mjs';
import { useCall, inboundRtp, poll as pollEvery } from '../lib/call.mjs';

const call = useCall();
const person = call.person;

// Frames decoded, summed over every inbound video stream of the page.
async function framesDecoded(page) {
  let n = 0;
  let streams = 0;
  for (const s of await inboundRtp(page)) {
    if (s.kind === 'video' && s.framesDecoded > 0) {
      n += s.framesDecoded;
      streams++;
    }
  }
  return { n, streams };
}

// Polls every 200 ms unless told otherwise.
function poll(fn, options) {
  return pollEvery(fn, { interval: 200, ...options });
}

// { received, dropped: {reason: n} } summed over the workers.
async function metrics() {
  const text = await (await fetch(`${call.aula.url}/metrics`)).text();
  const out = { received: 0, dropped: {} };
  for (const line of text.split('\n')) {
    let m = line.match(/^aula_media_udp_received_total\{[^}]*\} (\d+)/);
    if (m) out.received += Number(m[1]);
    m = line.match(/^aula_media_udp_dropped_total\{[^}]*reason="([a-z_]+)"[^}]*\} (\d+)/);
    if (m) out.dropped[m[1]] = (out.dropped[m[1]] || 0) + Number(m[2]);
  }
  return out;
}

// RFC 7983 section 7, as src/sfu/engine.c classifies a datagram from an
// address no transport has selected (first byte 0..3, STUN, is not used
// for the random ones).
function reasonOf(b) {
  if (b >= 20 && b <= 63) return 'dtls_unknown_address';
  if (b >= 128 && b <= 191) return 'rtp_unknown_address';
  return 'unknown_protocol';
}

// A well-formed STUN Binding request (RFC 8489) with USERNAME, a
// MESSAGE-INTEGRITY keyed with pwd, and FINGERPRINT.
function stunBinding(username, pwd) {
  const attr = (type, value) => {
    const pad = (4 - (value.length % 4)) % 4;
    const a = Buffer.alloc(4 + value.length + pad);
    a.writeUInt16BE(type, 0);
    a.writeUInt16BE(value.length, 2);
    value.copy(a, 4);
    return a;
  };
  const header = (len) => {
    const h = Buffer.alloc(20);
    h.writeUInt16BE(0x0001, 0);
    h.writeUInt16BE(len, 2);
    h.writeUInt32BE(0x2112a442, 4);
    tid.copy(h, 8);
    return h;
  };
  const tid = crypto.randomBytes(12);
  const user = attr(0x0006, Buffer.from(username));
  const prio = attr(0x0024, Buffer.from([0x6e, 0, 0x1e, 0xff]));
  const ice = attr(0x802a, crypto.randomBytes(8)); // ICE-CONTROLLING
  let body = Buffer.concat([user, prio, ice]);
  // MESSAGE-INTEGRITY covers the header with the length up to and
  // including itself.
  const hmac = crypto.createHmac('sha1', pwd)
    .update(Buffer.concat([header(body.length + 24), body])).digest();
  body = Buffer.concat([body, attr(0x0008, hmac)]);
  const crc = (zlib.crc32(Buffer.concat([header(body.length + 8), body])) ^ 0x5354554e) >>> 0;
  const fp = Buffer.alloc(4);
  fp.writeUInt32BE(crc, 0);
  body = Buffer.concat([body, attr(0x8028, fp)]);
  return Buffer.concat([header(body.length), body]);
}

test('a flood of junk and bad STUN: the call goes on, every drop is counted', async () => {
  assert.equal(typeof zlib.crc32, 'function', 'node with zlib.crc32 (20.15+, 22.2+) is needed');
  const room = await createRoom(call.aula.url, 'Attack');
  const all = [await person('Ala', room.id), await person('Bartek', room.id), await person('Celina', room.id)];
  for (const p of all) {
    await poll(async () => {
      const s = await framesDecoded(p.page);
      return { ok: s.streams >= 2, ...s };
    }, { what: `${p.name} decodes both others` });
  }

  // The worker's port and a live transport's ufrag: Ala's publish answer.
  const { port, ufrag } = await all[0].page.evaluate(() => {
    const sdp = window.__pcs[0].remoteDescription.sdp;
    return {
      port: Number(sdp.match(/a=candidate:\S+ 1 udp \d+ 127\.0\.0\.1 (\d+) typ host/)[1]),
      ufrag: sdp.match(/a=ice-ufrag:(\S+)/)[1],
    };
  });

  const before0 = await metrics();
  const frames0 = await Promise.all(all.map((p) => framesDecoded(p.page)));

  // The datagrams and the drop each one must be counted under.
  const expected = {};
  const datagrams = [];
  for (let i = 0; i < 10000; i++) {
    const buf = crypto.randomBytes(1 + crypto.randomInt(1200));
    // First byte 4..127 or 192..255: never STUN, and never the RTP/RTCP
    // class (128..191), because the browsers' own RTCP may legitimately be
    // dropped as rtp_unknown_address (from a receive transport that was
    // just replaced), which would blur what the flood alone caused.
    const r = crypto.randomInt(124 + 64);
    buf[0] = r < 124 ? 4 + r : 192 + (r - 124);
    expected[reasonOf(buf[0])] = (expected[reasonOf(buf[0])] || 0) + 1;
    datagrams.push(buf);
  }
  for (let i = 0; i < 1000; i++) {
    const hex = crypto.randomBytes(8).toString('hex');
    if (i % 2) {
      // A live transport's ufrag, a wrong password.
      datagrams.push(stunBinding(`${ufrag}:abcd`, crypto.randomBytes(16).toString('hex')));
      expected.stun_bad_credentials = (expected.stun_bad_credentials || 0) + 1;
    } else {
      // A ufrag no transport has.
      datagrams.push(stunBinding(`${hex}:abcd`, 'x'.repeat(32)));
      expected.stun_no_transport = (expected.stun_no_transport || 0) + 1;
    }
  }
  // Mixed, so the STUN ones come during the junk.
  for (let i = datagrams.length - 1; i > 0; i--) {
    const j = crypto.randomInt(i + 1);
    [datagrams[i], datagrams[j]] = [datagrams[j], datagrams[i]];
  }

  // Paced: bursts of 50, each awaited, then a short pause so the worker's
  // socket buffer never overflows (a loss there would show as received <
  // sent, not as an aula bug).
  const sock = dgram.createSocket('udp4');
  await new Promise((r) => sock.bind(0, '127.0.0.1', r));
  const t0 = Date.now();
  let mid = null; // frames halfway through the flood
  for (let i = 0; i < datagrams.length; i += 50) {
    await Promise.all(datagrams.slice(i, i + 50).map((d) =>
      new Promise((res, rej) => sock.send(d, port, '127.0.0.1', (e) => (e ? rej(e) : res())))));
    await new Promise((r) => setTimeout(r, 5));
    if (i === 6000) mid = await Promise.all(all.map((p) => framesDecoded(p.page)));
  }
  sock.close();
  const sent = datagrams.length;
  assert.ok(Date.now() - t0 < 15000, 'the flood took too long');

  // Counters settle: poll until they stop moving, with a timeout. /metrics
  // shows the workers' counters as of their last pong, sent once a second,
  // so "not moving" must hold across more than one pong: three equal
  // readings 1.1 s apart.
  const reasons = Object.keys(expected);
  let prev = null;
  let stable = 0;
  const settled = await poll(async () => {
    const m = await metrics();
    const got = Object.fromEntries(reasons.map((r) => [r, (m.dropped[r] || 0) - (before0.dropped[r] || 0)]));
    const received = m.received - before0.received;
    const key = JSON.stringify(got);
    stable = key === prev ? stable + 1 : 0;
    prev = key;
    return { ok: stable >= 2 && received >= sent * 0.99, received, got, expected };
  }, { timeout: 20000, interval: 1100, what: 'the drop counters settle' });
  assert.ok(settled.received >= sent * 0.99, `received ${settled.received}`);
  // Exact equality (got == expected) holds on an idle machine, but on a
  // loaded one loopback UDP may lose a few datagrams if the worker's socket
  // buffer overflows. And one legitimate sender adds to stun_no_transport:
  // a browser's consent check to a receive transport aula just replaced
  // (seen: 1 or 2 during a test). So: every reason between 99% of what was
  // sent and what was sent (stun_no_transport: + 10), and the sum at least
  // 99% of the datagrams sent.
  const total = reasons.reduce((n, r) => n + settled.got[r], 0);
  assert.ok(total >= sent * 0.99, `drops ${total} of ${sent}: ${JSON.stringify(settled)}`);
  for (const r of reasons) {
    const slack = r === 'stun_no_transport' ? 10 : 0;
    assert.ok(settled.got[r] >= expected[r] * 0.99 && settled.got[r] <= expected[r] + slack,
      `${r}: ${settled.got[r]}, expected ${expected[r]}`);
  }

  // The call kept going: frames grew during the flood and keep growing after.
  for (let i = 0; i < all.length; i++) assert.ok(mid[i].n > frames0[i].n, `${all[i].name} decoded during the flood`);
  for (let i = 0; i < all.length; i++) {
    const p = all[i];
    await poll(async () => {
      const s = await framesDecoded(p.page);
      return { ok: s.streams >= 2 && s.n > frames0[i].n + 30, ...s, before: frames0[i].n };
    }, { what: `${p.name} keeps decoding after the flood` });
  }
  for (const p of all) assert.deepEqual(p.pageErrors, [], `${p.name}: uncaught errors in the page`);
});
