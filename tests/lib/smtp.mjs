// An SMTP sink on 127.0.0.1 for tests that check e-mail, and readers for
// what arrives. The sink is tests/lib/smtp_sink.py on Debian's
// python3-aiosmtpd; Python's e-mail package parses each message, so the
// checks do not share code (or mistakes) with aula's composer.
//
//   const sink = await startSmtpSink();              // sink.url: smtp://127.0.0.1:PORT
//   ... make aula send ...
//   const [msg] = await sink.waitForMessages(1);      // subject decoded, parts decoded
//   const ics = parseIcs(attachment(msg, 'invite.ics').text);
//   await sink.close();
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// Debian's interpreter: the python3 first on PATH may be another one
// without Debian's modules.
const python = '/usr/bin/python3';

// Options: failFirst (answer the first N DATA with failCode, default
// "451 4.3.0 Try again later"), refuseRcpt ("550 5.1.1 No such user"),
// tls ({cert, key} files: offer STARTTLS), requireStarttls, implicitTls (with
// tls: TLS from the first byte, for smtps://), auth ("user:pass").
export async function startSmtpSink(opts = {}) {
  const args = [path.join(here, 'smtp_sink.py')];
  if (opts.failFirst) args.push('--fail-first', String(opts.failFirst));
  if (opts.failCode) args.push('--fail-code', opts.failCode);
  if (opts.refuseRcpt) args.push('--refuse-rcpt', opts.refuseRcpt);
  if (opts.tls) args.push('--tls-cert', opts.tls.cert, '--tls-key', opts.tls.key);
  if (opts.requireStarttls) args.push('--require-starttls');
  if (opts.implicitTls) args.push('--implicit-tls');
  if (opts.auth) args.push('--auth', opts.auth);
  const child = spawn(python, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const messages = [];
  const refusals = [];
  const waiters = new Set();
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.on('exit', (code, sig) => resolve({ code, sig })));
  const port = await new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`SMTP sink did not start in 10 s:\n${stderr}`)), 10000);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`SMTP sink exited (${code}):\n${stderr}`)); });
    child.stdout.on('data', (d) => {
      buf += d;
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const ev = JSON.parse(buf.slice(0, nl));
        buf = buf.slice(nl + 1);
        if (ev.event === 'ready') { clearTimeout(timer); resolve(ev.port); }
        if (ev.event === 'message') messages.push(ev);
        if (ev.event === 'refused') refusals.push(ev);
        for (const w of waiters) w();
      }
    });
  });
  return {
    port,
    url: `${opts.implicitTls ? 'smtps' : 'smtp'}://127.0.0.1:${port}`,
    messages,
    refusals,
    stderr: () => stderr,
    // Resolves with the first n messages once they arrived; rejects after
    // timeoutMs saying how many came.
    waitForMessages(n, timeoutMs = 10000) {
      if (messages.length >= n) return Promise.resolve(messages.slice(0, n));
      return new Promise((resolve, reject) => {
        const check = () => {
          if (messages.length < n) return;
          waiters.delete(check); clearTimeout(timer); resolve(messages.slice(0, n));
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`expected ${n} e-mails, got ${messages.length} in ${timeoutMs} ms\n${stderr}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    async close() {
      child.stdin.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}

// The part of a parsed message with this file name (or undefined).
export function attachment(msg, filename) {
  return msg.parts.find((p) => p.filename === filename);
}

// The first text/plain part's text.
export function bodyText(msg) {
  return msg.parts.find((p) => p.content_type === 'text/plain')?.text;
}

// Parses an iCalendar object (RFC 5545): checks CRLF line ends and the
// 75-octet limit on every physical line (throws otherwise), unfolds, and
// returns {lines: [{name, params, value}], components: [{name, props, children}]}
// where props maps a property name to its first {params, value}; TEXT
// values are unescaped into .text.
export function parseIcs(text) {
  if (!text.endsWith('\r\n')) throw new Error('iCalendar text must end with CRLF');
  const physical = text.slice(0, -2).split('\r\n');
  for (const l of physical) {
    if (l.includes('\n') || l.includes('\r')) throw new Error(`bare CR or LF in line: ${JSON.stringify(l)}`);
    if (Buffer.byteLength(l) > 75) throw new Error(`line longer than 75 octets: ${JSON.stringify(l)}`);
  }
  const logical = [];
  for (const l of physical) {
    if (l.startsWith(' ') || l.startsWith('\t')) logical[logical.length - 1] += l.slice(1);
    else logical.push(l);
  }
  const lines = logical.map((l) => {
    // NAME;PARAM=v;PARAM="v:x":value — the first colon outside quotes ends the name part.
    let i = 0; let quoted = false;
    for (; i < l.length; i++) {
      if (l[i] === '"') quoted = !quoted;
      else if (l[i] === ':' && !quoted) break;
    }
    if (i === l.length) throw new Error(`content line without a colon: ${JSON.stringify(l)}`);
    const [name, ...params] = l.slice(0, i).split(';');
    const value = l.slice(i + 1);
    const text = value.replace(/\\([\\;,nN])/g, (_, c) => (c === 'n' || c === 'N' ? '\n' : c));
    return { name: name.toUpperCase(), params, value, text };
  });
  const root = { name: 'ROOT', props: {}, children: [] };
  const stack = [root];
  for (const ln of lines) {
    const top = stack[stack.length - 1];
    if (ln.name === 'BEGIN') {
      const c = { name: ln.value, props: {}, children: [] };
      top.children.push(c); stack.push(c);
    } else if (ln.name === 'END') {
      if (top.name !== ln.value) throw new Error(`END:${ln.value} closes ${top.name}`);
      stack.pop();
    } else if (!(ln.name in top.props)) {
      top.props[ln.name] = ln;
    }
  }
  if (stack.length !== 1) throw new Error(`unclosed ${stack[stack.length - 1].name}`);
  return { lines, components: root.children };
}

// "20261129T110000Z" -> Date.
export function icsDate(v) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(v);
  if (!m) throw new Error(`not a UTC DATE-TIME: ${v}`);
  return new Date(Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]));
}

// A self-signed certificate for "127.0.0.1" in a temp folder, for STARTTLS
// tests: {cert, key, dir, remove()}.
export function makeTestCert() {
  const dir = mkdtempSync(path.join(tmpdir(), 'aula-smtp-tls-'));
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256',
    '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'ignore' });
  return { cert, key, dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
