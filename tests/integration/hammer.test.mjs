// The benchmark's load generator (bench/hammer) against a real aula: one
// publisher and 20 viewers in a room for 2 s measured. What a person
// running `make bench` relies on: every viewer gets media through ICE,
// DTLS and SRTP, nothing is lost, delay and join time are measured, and
// the server's CPU and memory are read. The stream is made here (a VP8
// IVF file and an Ogg Opus file of the right shape; the hammer and aula
// forward payloads without decoding them), so the test needs no ffmpeg.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startAula, createRoom, repoRoot } from '../lib/server.mjs';

const hammerBin = path.join(repoRoot, 'build-test', 'bench', 'aula-hammer');
const dir = mkdtempSync(path.join(tmpdir(), 'aula-hammer-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

// 60 frames of 4,000 bytes at 30 frames/s (about 1 Mbit/s), a key frame
// every 30 (RFC 6386 section 9.1: bit 0 of the first byte is 0).
function ivf() {
  const head = Buffer.alloc(32);
  head.write('DKIF', 0);
  head.writeUInt16LE(32, 6);
  head.write('VP80', 8);
  head.writeUInt16LE(640, 12);
  head.writeUInt16LE(360, 14);
  head.writeUInt32LE(30, 16);
  head.writeUInt32LE(1, 20);
  head.writeUInt32LE(60, 24);
  const parts = [head];
  for (let i = 0; i < 60; i++) {
    const f = Buffer.alloc(12 + 4000, i);
    f.writeUInt32LE(4000, 0);
    f.writeUInt32LE(i, 4);
    f[12] = i % 30 === 0 ? 0x10 : 0x11;
    parts.push(f);
  }
  return Buffer.concat(parts);
}

// An Ogg page holding whole packets (each under 255 bytes).
function oggPage(packets, seq) {
  const head = Buffer.alloc(27);
  head.write('OggS', 0);
  head.writeUInt32LE(seq, 18);
  head[26] = packets.length;
  return Buffer.concat([head, Buffer.from(packets.map((p) => p.length)), ...packets]);
}

// OpusHead, OpusTags, then 100 packets of 120 bytes (20 ms each).
function oggOpus() {
  const opusHead = Buffer.alloc(19);
  opusHead.write('OpusHead', 0);
  opusHead[8] = 1;
  opusHead[9] = 1;
  opusHead.writeUInt32LE(48000, 12);
  const tags = Buffer.concat([Buffer.from('OpusTags'), Buffer.alloc(8)]);
  const pages = [oggPage([opusHead], 0), oggPage([tags], 1)];
  for (let i = 0; i < 10; i++) pages.push(oggPage(Array.from({ length: 10 }, () => Buffer.alloc(120, 0xfc)), 2 + i));
  return Buffer.concat(pages);
}

function runHammer(args) {
  return new Promise((resolve) => {
    const child = spawn(hammerBin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

test('aula-hammer: 20 viewers of one publisher all get media, with no loss, and the row is measured', async () => {
  writeFileSync(path.join(dir, 'video.ivf'), ivf());
  writeFileSync(path.join(dir, 'audio.ogg'), oggOpus());
  const aula = await startAula();
  try {
    const room = await createRoom(aula.url, 'Bench');
    const { code, out, err } = await runHammer([
      '--server', 'aula', '--ip', '127.0.0.1', '--port', String(aula.port), '--room', room.id,
      '--video', path.join(dir, 'video.ivf'), '--audio', path.join(dir, 'audio.ogg'),
      '--viewers', '20', '--ramp', '100000', '--duration', '2', '--settle', '500',
      '--server-pid', String(aula.child.pid),
    ]);
    assert.equal(code, 0, `aula-hammer exited ${code}:\n${err}`);
    const row = JSON.parse(out.trim().split('\n').pop());
    assert.equal(row.server, 'aula');
    assert.equal(row.scenario, 'webinar');
    assert.equal(row.viewers, 20);
    assert.equal(row.receiving, 20, `every viewer got media:\n${out}`);
    assert.equal(row.failed, 0);
    assert.ok(row.loss_pct <= 0.5, `loss ${row.loss_pct} %`);
    assert.equal(row.decrypt_fail, 0, 'every packet decrypts');
    // 120 video packets (4 a frame at 30 frames/s) and 50 audio packets a
    // second for each of the 20 viewers.
    assert.ok(row.pps_out > 20 * 170 * 0.8, `packets/s out: ${row.pps_out}`);
    assert.ok(row.delay_p50_us > 0 && row.delay_p50_us <= row.delay_p99_us, `delay ${row.delay_p50_us} / ${row.delay_p99_us} µs`);
    assert.ok(row.delay_p99_us < 1000000, `delay p99 ${row.delay_p99_us} µs`);
    assert.ok(row.join_p50_ms > 0 && row.join_p99_ms < 10000, `join ${row.join_p50_ms} / ${row.join_p99_ms} ms`);
    assert.ok(row.server_cores > 0, 'the server\'s CPU was read from /proc');
    assert.ok(row.rss_kib > row.rss_base_kib && row.rss_base_kib > 0, 'the server\'s memory was read from /proc');
  } finally {
    const { code } = await aula.stop();
    assert.equal(code, 0, `aula exited with ${code}:\n${aula.stderr()}`);
  }
});
