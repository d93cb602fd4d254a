// Room files over the HTTP API (docs/api.md, "Files") against the real
// aula binary: uploads streamed to disk, checked by content and size,
// downloads with Range, removal, permissions, and a restart.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { startAula, createRoom } from '../lib/server.mjs';
import { rawRequest, jsonBody } from '../lib/net.mjs';

const test = (name, fn) => nodeTest(name, { timeout: 60000 }, fn);

const MAX = 100000; // file_max_bytes for this server
let aula;
let dataDir;

before(async () => {
  aula = await startAula({ args: ['--file-max-bytes', String(MAX)] });
  dataDir = aula.dataDir;
});

after(async () => {
  if (aula) {
    const st = await aula.stop();
    assert.equal(st.code, 0, `aula exit status ${JSON.stringify(st)}\n${aula.stderr()}`);
  }
});

// A small but complete PDF (one empty page) with a correct xref table, plus
// `pad` bytes of comment so sizes can be chosen.
function tinyPdf(pad = 0, text = 'aula') {
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Title (${text}) >>`,
  ];
  let out = '%PDF-1.4\n%' + 'x'.repeat(pad) + '\n';
  const offs = [];
  objs.forEach((o, i) => { offs.push(out.length); out += `${i + 1} 0 obj\n${o}\nendobj\n`; });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offs) out += `${String(o).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489' +
  '0000000d4944415478da63f8ffff3f0005fe02fea7d6a4b60000000049454e44ae426082', 'hex');

async function join(room, { host = false, name = 'Tester' } = {}) {
  const res = await fetch(`${aula.url}/api/v1/rooms/${room.id}/join`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(host ? { name, host_key: room.host_key } : { name }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const j = await res.json();
  assert.equal(j.role, host ? 'host' : 'participant');
  return j.token;
}

function upload(room, token, body, { type = 'application/pdf', name = 'Lesson 1.pdf', base } = {}) {
  const headers = { 'content-type': type };
  if (token) headers.authorization = `Bearer ${token}`;
  if (name) headers['x-file-name'] = encodeURIComponent(name);
  return fetch(`${base || aula.url}/api/v1/rooms/${room.id}/files`, { method: 'POST', headers, body });
}

async function list(room, token, base) {
  const res = await fetch(`${base || aula.url}/api/v1/rooms/${room.id}/files`, {
    headers: { authorization: `Bearer ${token}` },
  });
  assert.equal(res.status, 200);
  return (await res.json()).files;
}

async function expectError(res, status, pattern) {
  assert.equal(res.status, status, `want ${status}, got ${res.status}: ${await res.clone().text()}`);
  const body = await res.json();
  assert.equal(body.error.status, status);
  if (pattern) assert.match(body.error.message, pattern);
  return body.error.message;
}

function tmpEntries() {
  return readdirSync(path.join(dataDir, 'files', 'tmp'));
}

function blobPath(sha) {
  return path.join(dataDir, 'files', sha.slice(0, 2), sha.slice(2));
}

test('a host uploads a PDF; anyone in the room lists it and downloads the same bytes', async () => {
  const room = await createRoom(aula.url, 'Files');
  const host = await join(room, { host: true, name: 'Ms Nowak' });
  const guest = await join(room, { name: 'Pupil' });
  const pdf = tinyPdf(10, 'first');
  const res = await upload(room, host, pdf, { name: 'Lekcja 1 – ułamki.pdf' });
  assert.equal(res.status, 201, await res.clone().text());
  const { file } = await res.json();
  assert.equal(file.name, 'Lekcja 1 – ułamki.pdf');
  assert.equal(file.type, 'application/pdf');
  assert.equal(file.size, pdf.length);
  assert.equal(file.sha256, createHash('sha256').update(pdf).digest('hex'));
  assert.equal(file.uploaded_by.name, 'Ms Nowak');
  assert.equal(res.headers.get('location'), file.url);
  assert.ok(existsSync(blobPath(file.sha256)), 'stored under its hash');

  const files = await list(room, guest);
  assert.deepEqual(files.map((f) => f.id), [file.id]);

  const dl = await fetch(`${aula.url}${file.url}`, { headers: { authorization: `Bearer ${guest}` } });
  assert.equal(dl.status, 200);
  assert.equal(dl.headers.get('content-type'), 'application/pdf');
  assert.equal(dl.headers.get('etag'), `"${file.sha256}"`);
  assert.equal(dl.headers.get('accept-ranges'), 'bytes');
  assert.match(dl.headers.get('content-disposition'), /^attachment; filename="Lekcja 1 _ u_amki.pdf"; filename\*=UTF-8''Lekcja%201%20%E2%80%93%20u%C5%82amki.pdf$/);
  assert.deepEqual(Buffer.from(await dl.arrayBuffer()), pdf);

  // A link in a page cannot send a header: ?token= works for downloads.
  const link = await fetch(`${aula.url}${file.url}?token=${guest}`);
  assert.equal(link.status, 200);
  assert.equal(link.headers.get('referrer-policy'), 'no-referrer');
  assert.deepEqual(Buffer.from(await link.arrayBuffer()), pdf);
  // And without any token: refused.
  await expectError(await fetch(`${aula.url}${file.url}`), 401, /join token/);
  // If-None-Match with the hash: 304.
  const again = await fetch(`${aula.url}${file.url}`, {
    headers: { authorization: `Bearer ${guest}`, 'if-none-match': `"${file.sha256}"` },
  });
  assert.equal(again.status, 304);
});

test('range requests: first bytes, a suffix, and an unsatisfiable range (416)', async () => {
  const room = await createRoom(aula.url, 'Ranges');
  const host = await join(room, { host: true });
  const pdf = tinyPdf(500, 'ranges');
  const { file } = await (await upload(room, host, pdf)).json();
  const get = (range, extra = {}) => fetch(`${aula.url}${file.url}`, {
    headers: { authorization: `Bearer ${host}`, range, ...extra },
  });

  let r = await get('bytes=0-9');
  assert.equal(r.status, 206);
  assert.equal(r.headers.get('content-range'), `bytes 0-9/${pdf.length}`);
  assert.equal(r.headers.get('content-length'), '10');
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), pdf.subarray(0, 10));

  r = await get('bytes=-6');
  assert.equal(r.status, 206);
  assert.equal(r.headers.get('content-range'), `bytes ${pdf.length - 6}-${pdf.length - 1}/${pdf.length}`);
  assert.equal(Buffer.from(await r.arrayBuffer()).toString('latin1'), '%%EOF\n');

  r = await get(`bytes=100-`);
  assert.equal(r.status, 206);
  assert.deepEqual(Buffer.from(await r.arrayBuffer()), pdf.subarray(100));

  r = await get(`bytes=${pdf.length}-`);
  assert.equal(r.status, 416);
  assert.equal(r.headers.get('content-range'), `bytes */${pdf.length}`);
  await r.arrayBuffer();

  // An If-Range naming another version: the whole file, 200.
  r = await get('bytes=0-9', { 'if-range': '"not-this-one"' });
  assert.equal(r.status, 200);
  assert.equal((await r.arrayBuffer()).byteLength, pdf.length);
});

test('an upload over the limit is refused 413 and leaves nothing behind', async () => {
  const room = await createRoom(aula.url, 'Too big');
  const host = await join(room, { host: true });
  const before = await list(room, host);
  // Announced length over the limit: refused before the body is read.
  const big = tinyPdf(MAX + 10);
  await expectError(await upload(room, host, big), 413, /too large.*at most 100000 bytes/);
  // Chunked (no length announced): cut off when the running total passes
  // the limit, with the server's own 413.
  const chunked = (b) => `${b.length.toString(16)}\r\n${b.toString('latin1')}\r\n`;
  const head = `POST /api/v1/rooms/${room.id}/files HTTP/1.1\r\nHost: t\r\n` +
    `Authorization: Bearer ${host}\r\nContent-Type: application/pdf\r\n` +
    'Transfer-Encoding: chunked\r\n\r\n';
  const { res, conn } = await rawRequest(aula.port, Buffer.from(head +
    chunked(big.subarray(0, 60000)) + chunked(big.subarray(60000)) + '0\r\n\r\n', 'latin1'));
  conn.destroy();
  assert.equal(res.status, 413);
  assert.match(jsonBody(res).error.message, /too large/);
  assert.deepEqual(await list(room, host), before);
  assert.deepEqual(tmpEntries(), [], 'no temporary file left');
  // Exactly at the limit is fine.
  let pad = MAX - tinyPdf(0).length;
  while (tinyPdf(pad).length > MAX) pad--; // the xref offset grows by digits
  const exact = tinyPdf(pad);
  assert.equal(exact.length, MAX);
  assert.equal((await upload(room, host, exact)).status, 201);
});

test('content that does not match its declared type is refused 415, saying what it is', async () => {
  const room = await createRoom(aula.url, 'Types');
  const host = await join(room, { host: true });
  // PNG bytes sent as a PDF.
  let msg = await expectError(await upload(room, host, PNG), 415, /PDF document.*PNG image/);
  assert.match(msg, /content is a PNG image/);
  // A PDF named .docx, with no Content-Type of its own.
  await expectError(await upload(room, host, tinyPdf(), { type: 'application/octet-stream', name: 'x.docx' }),
    415, /Word document.*by its name.*PDF document/);
  // A program, whatever it claims.
  const exe = Buffer.concat([Buffer.from('MZ\x90\x00', 'latin1'), Buffer.alloc(200)]);
  await expectError(await upload(room, host, exe, { type: 'application/octet-stream', name: 'setup' }), 415, /not accepted/);
  // A type we do not take at all.
  await expectError(await upload(room, host, exe, { type: 'application/x-msdownload', name: 'a.exe' }), 415, /not accepted/);
  assert.deepEqual(await list(room, host), []);
  assert.deepEqual(tmpEntries(), []);
  // Refusals and acceptances are counted like any route's answers.
  const metrics = await (await fetch(`${aula.url}/metrics`)).text();
  const n = (status) => Number((metrics.match(new RegExp(
    `aula_http_requests_total\\{route="/api/v1/rooms/\\{id\\}/files",status="${status}"\\} (\\d+)`)) || [])[1] || 0);
  assert.ok(n(415) >= 4, `415s counted:\n${metrics}`);
  assert.ok(n(201) >= 1, '201s counted');
  // The same PNG, declared honestly, is fine.
  const ok = await upload(room, host, PNG, { type: 'image/png', name: 'dot.png' });
  assert.equal(ok.status, 201);
  assert.equal((await ok.json()).file.type, 'image/png');
});

test('unknown room: 404 for upload, list and download', async () => {
  const room = await createRoom(aula.url, 'Real');
  const host = await join(room, { host: true });
  const ghost = { id: 'zzzzzzzzzzzz' };
  await expectError(await upload(ghost, host, tinyPdf()), 404, /room not found/);
  await expectError(await fetch(`${aula.url}/api/v1/rooms/${ghost.id}/files`, {
    headers: { authorization: `Bearer ${host}` },
  }), 404, /room not found/);
  await expectError(await fetch(`${aula.url}/api/v1/rooms/${ghost.id}/files/abc`, {
    headers: { authorization: `Bearer ${host}` },
  }), 404, /room not found/);
  // An unknown file in a real room.
  await expectError(await fetch(`${aula.url}/api/v1/rooms/${room.id}/files/0000000000000000`, {
    headers: { authorization: `Bearer ${host}` },
  }), 404, /file not found/);
});

test('a participant cannot upload or delete; a token of another room cannot list', async () => {
  const room = await createRoom(aula.url, 'Perms');
  const other = await createRoom(aula.url, 'Other');
  const host = await join(room, { host: true });
  const guest = await join(room, { name: 'Pupil' });
  const otherHost = await join(other, { host: true });
  await expectError(await upload(room, guest, tinyPdf()), 403, /only hosts can upload files/);
  await expectError(await upload(room, null, tinyPdf()), 401, /join token is needed/);
  await expectError(await upload(room, 'forged.token.here', tinyPdf()), 401, /not valid/);
  const { file } = await (await upload(room, host, tinyPdf(3, 'perm'))).json();
  const del = (token) => fetch(`${aula.url}${file.url}`, {
    method: 'DELETE', headers: { authorization: `Bearer ${token}` },
  });
  await expectError(await del(guest), 403, /only hosts can remove files/);
  await expectError(await fetch(`${aula.url}${file.url}?token=${host}`, { method: 'DELETE' }), 401);
  await expectError(await fetch(`${aula.url}/api/v1/rooms/${room.id}/files`, {
    headers: { authorization: `Bearer ${otherHost}` },
  }), 403, /another room/);
  assert.equal((await list(room, guest)).length, 1, 'the refused requests changed nothing');
});

test('the same content is stored once; deleting removes the blob when no row uses it', async () => {
  const room = await createRoom(aula.url, 'Dedupe');
  const host = await join(room, { host: true });
  const pdf = tinyPdf(7, 'dedupe');
  const a = (await (await upload(room, host, pdf, { name: 'a.pdf' })).json()).file;
  const b = (await (await upload(room, host, pdf, { name: 'b.pdf' })).json()).file;
  assert.notEqual(a.id, b.id);
  assert.equal(a.sha256, b.sha256);
  const del = (f) => fetch(`${aula.url}${f.url}`, { method: 'DELETE', headers: { authorization: `Bearer ${host}` } });
  let r = await del(a);
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), { ok: true });
  assert.ok(existsSync(blobPath(a.sha256)), 'still used by b');
  const dl = await fetch(`${aula.url}${b.url}`, { headers: { authorization: `Bearer ${host}` } });
  assert.deepEqual(Buffer.from(await dl.arrayBuffer()), pdf);
  assert.equal((await del(b)).status, 200);
  assert.ok(!existsSync(blobPath(a.sha256)), 'the last reference took the blob with it');
  assert.deepEqual(await list(room, host), []);
  await expectError(await del(b), 404, /file not found/);
});

test('a restart keeps the files', async () => {
  const room = await createRoom(aula.url, 'Restart');
  const host = await join(room, { host: true });
  const pdf = tinyPdf(33, 'restart');
  const { file } = await (await upload(room, host, pdf)).json();
  const st = await aula.stop({ keepData: true });
  assert.equal(st.code, 0);
  aula = await startAula({ dataDir, args: ['--file-max-bytes', String(MAX)] });
  // Tokens survive the restart (the key lives in the data folder).
  const files = await list(room, host);
  assert.ok(files.some((f) => f.id === file.id && f.sha256 === file.sha256));
  const dl = await fetch(`${aula.url}${file.url}`, { headers: { authorization: `Bearer ${host}` } });
  assert.equal(dl.status, 200);
  assert.deepEqual(Buffer.from(await dl.arrayBuffer()), pdf);
});
