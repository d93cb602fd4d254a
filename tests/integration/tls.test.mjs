// aula serving HTTPS and WSS itself (tls_cert, tls_key): the page, the API
// and the signaling WebSocket work over TLS with a certificate made for the
// test, and a plain-HTTP client gets nothing useful from the TLS port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { startAula } from '../lib/server.mjs';
import { RpcClient } from '../lib/rpc.mjs';

const dir = mkdtempSync(path.join(tmpdir(), 'aula-tls-'));
const cert = path.join(dir, 'cert.pem');
const key = path.join(dir, 'key.pem');
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1',
  '-nodes', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1',
  '-keyout', key, '-out', cert], { stdio: 'ignore' });

// Trust exactly the test's certificate: the check that it is the one aula
// presents is part of the test.
const ca = readFileSync(cert);

function get(url, { method = 'GET', body, headers = {} } = {}) {
  return new Promise((resolve, reject) => {
    const req = https.request(url, { method, ca, headers }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { data += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const aula = await startAula({ args: ['--tls-cert', cert, '--tls-key', key] });
test.after(async () => {
  const st = await aula.stop();
  rmSync(dir, { recursive: true, force: true });
  assert.equal(st.code, 0, aula.stderr());
});

test('aula prints an https URL and serves the home page over TLS', async () => {
  assert.match(aula.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const res = await get(`${aula.url}/`);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /^text\/html/);
  assert.match(res.body, /<html/i);
});

test('the API over TLS hands out https join links', async () => {
  const res = await get(`${aula.url}/api/v1/rooms`, {
    method: 'POST', body: JSON.stringify({ title: 'Secure' }),
    headers: { 'content-type': 'application/json' },
  });
  assert.equal(res.status, 201, res.body);
  const room = JSON.parse(res.body);
  assert.equal(room.join_url, `${aula.url}/r/${room.id}`);
});

test('two people chat over WSS', async () => {
  const created = JSON.parse((await get(`${aula.url}/api/v1/rooms`, {
    method: 'POST', body: '{}', headers: { 'content-type': 'application/json' },
  })).body);
  const open = (name) => new Promise((resolve, reject) => {
    const ws = new WebSocket(`${aula.wsUrl}`, { ca });
    ws.once('open', async () => {
      const c = new RpcClient(ws);
      await c.call('room.join', { room: created.id, name });
      resolve(c);
    });
    ws.once('error', reject);
  });
  const ala = await open('Ala');
  const ola = await open('Ola');
  const got = ola.waitFor('chat.message', (m) => m.text === 'przez TLS');
  await ala.call('chat.send', { text: 'przez TLS' });
  assert.equal((await got).from.name, 'Ala');
  await ala.close();
  await ola.close();
});

test('plain HTTP on the TLS port gets no page, and other clients are unaffected', async () => {
  const reply = await new Promise((resolve) => {
    const sock = net.connect(aula.port, '127.0.0.1', () => {
      sock.write('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    });
    let data = '';
    sock.on('data', (d) => { data += d.toString('latin1'); });
    sock.on('close', () => resolve(data));
    sock.on('error', () => resolve(data));
  });
  assert.doesNotMatch(reply, /<html/i);
  const res = await get(`${aula.url}/healthz`);
  assert.equal(res.status, 200);
});
