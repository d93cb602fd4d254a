// E-mail through SMTP: `aula mail-test` against a real SMTP server on
// loopback (aiosmtpd), checking what arrives the way a mail client would
// read it, and that every failure ends with exit 1 and a sentence an
// operator understands.
import { test as nodeTest, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { aulaBin, testRunnerEnv } from '../lib/server.mjs';
import { startSmtpSink, attachment, bodyText, parseIcs, icsDate, makeTestCert } from '../lib/smtp.mjs';

const test = (name, fn) => nodeTest(name, { timeout: 60000 }, fn);

let cwd;
before(() => { cwd = mkdtempSync(path.join(tmpdir(), 'aula-mail-')); });
after(() => rmSync(cwd, { recursive: true, force: true }));

// Runs `aula mail-test` in an empty folder (so no aula.conf is read).
function mailTest(args) {
  return new Promise((resolve) => {
    const child = spawn(aulaBin, ['mail-test', ...args], { cwd, env: testRunnerEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = ''; let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('exit', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

test('mail-test delivers a message with a readable subject, a body and a valid invite.ics', async () => {
  const sink = await startSmtpSink();
  try {
    const before = Date.now();
    const r = await mailTest(['--to', 'jan.kowalski@example.org', '--smtp-url', sink.url,
      '--smtp-from', 'Szkoła Podstawowa <aula@school.example.org>',
      '--public-url', 'https://meet.school.example.org']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^aula mail-test: sent\./);
    assert.match(r.stdout, new RegExp(`${sink.url.replace(/[/.]/g, '\\$&')} took the message for jan\\.kowalski@example\\.org: 250 2\\.0\\.0`));
    const [msg] = await sink.waitForMessages(1);

    // Envelope and headers, as a mail client shows them.
    assert.equal(msg.mail_from, 'aula@school.example.org');
    assert.deepEqual(msg.rcpt_tos, ['jan.kowalski@example.org']);
    assert.equal(msg.tls, false); // plain smtp:// without starttls
    assert.equal(msg.subject, 'aula: test e-mail — wiadomość próbna');
    assert.equal(msg.from, 'Szkoła Podstawowa <aula@school.example.org>');
    assert.equal(msg.to, 'jan.kowalski@example.org');
    assert.match(msg.message_id, /^<[0-9a-f]{32}\.aula@school\.example\.org>$/);
    assert.ok(Math.abs(Date.parse(msg.date) - before) < 60000, `Date ${msg.date}`);
    assert.deepEqual(msg.defects, []);
    assert.equal(msg.content_type, 'multipart/mixed');

    // The raw message: CRLF only, short lines, the subject as encoded-words.
    const raw = msg.raw;
    assert.doesNotMatch(raw.replace(/\r\n/g, ''), /[\r\n]/, 'bare CR or LF');
    for (const line of raw.split('\r\n')) assert.ok(line.length <= 78, `long line: ${line}`);
    assert.match(raw, /^Subject: =\?UTF-8\?B\?/m);

    // Text and HTML as alternatives, then the calendar file.
    assert.deepEqual(msg.parts.map((p) => p.content_type), ['text/plain', 'text/html', 'text/calendar']);
    assert.match(msg.parts[1].text, /<p>This is a test e-mail from <b>aula<\/b>\.<\/p>/);
    assert.match(raw, /^Content-Type: multipart\/alternative;\r\n boundary="=_aula_[0-9a-f]{32}_alt"/m);

    const text = bodyText(msg);
    assert.match(text, /This is a test e-mail from aula\./);
    assert.match(text, new RegExp(`reached you through\\s+${sink.url.replace(/[/.]/g, '\\$&')}`));

    // The calendar file: the event the command announced.
    const ics = attachment(msg, 'invite.ics');
    assert.ok(ics, `no invite.ics among ${msg.parts.map((p) => p.filename || p.content_type)}`);
    assert.equal(ics.content_type, 'text/calendar');
    assert.equal(ics.params.method, 'PUBLISH');
    assert.equal(ics.transfer_encoding, 'base64');
    assert.equal(ics.disposition, 'attachment');
    const cal = parseIcs(ics.text);
    assert.equal(cal.components.length, 1);
    const [vcal] = cal.components;
    assert.equal(vcal.name, 'VCALENDAR');
    assert.equal(vcal.props.VERSION.value, '2.0');
    assert.equal(vcal.props.METHOD.value, 'PUBLISH');
    const ev = vcal.children.find((c) => c.name === 'VEVENT');
    assert.ok(ev, 'no VEVENT');
    assert.match(ev.props.UID.value, /^mail-test-[0-9a-f]{16}@aula$/);
    assert.equal(ev.props.SUMMARY.text, 'aula test event');
    assert.equal(ev.props.URL.value, 'https://meet.school.example.org');
    assert.equal(ev.props.LOCATION.text, 'https://meet.school.example.org');
    const start = icsDate(ev.props.DTSTART.value);
    const end = icsDate(ev.props.DTEND.value);
    const announced = /starts (\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}) UTC/.exec(r.stdout);
    assert.ok(announced, r.stdout);
    assert.equal(start.toISOString(), `${announced[1]}T${announced[2]}:00.000Z`);
    assert.equal(start.getUTCMinutes(), 0, 'starts on a full hour');
    assert.ok(start - before > 24 * 3600e3 && start - before <= 25 * 3600e3, `start ${start.toISOString()}`);
    assert.equal(end - start, 30 * 60e3);
    const alarm = ev.children.find((c) => c.name === 'VALARM');
    assert.equal(alarm?.props.TRIGGER.value, '-PT15M');
    assert.match(text, new RegExp(`test event on ${announced[1]} ${announced[2]} UTC`));
  } finally {
    await sink.close();
  }
});

test('a temporary refusal (451) is retried and then delivered', async () => {
  const sink = await startSmtpSink({ failFirst: 1 });
  try {
    const r = await mailTest(['--to', 'ala@example.org', '--smtp-url', sink.url,
      '--smtp-retries', '2', '--smtp-retry-delay', '200']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr, /e-mail attempt failed, will retry.*attempt=1 retry_in_ms=200.*451 4\.3\.0 Try again later/);
    assert.equal(sink.refusals.length, 1);
    const [msg] = await sink.waitForMessages(1);
    assert.deepEqual(msg.rcpt_tos, ['ala@example.org']);
  } finally {
    await sink.close();
  }
});

test('a permanent refusal (550) fails at once with the server\'s words', async () => {
  const sink = await startSmtpSink({ refuseRcpt: '550 5.1.1 No such user here' });
  try {
    const r = await mailTest(['--to', 'nobody@example.org', '--smtp-url', sink.url,
      '--smtp-retries', '3', '--smtp-retry-delay', '100']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /aula mail-test: NOT sent to nobody@example\.org: the SMTP server did not take the message .*it said: 550 5\.1\.1 No such user here/);
    assert.equal(sink.refusals.length, 1, 'a 5xx must not be retried');
    assert.equal(sink.messages.length, 0);
  } finally {
    await sink.close();
  }
});

test('a closed port gives exit 1 and says it could not connect', async () => {
  // Start a sink to learn a free port, then stop it: nothing listens there.
  const sink = await startSmtpSink();
  const url = sink.url;
  await sink.close();
  const r = await mailTest(['--to', 'jan@example.org', '--smtp-url', url, '--smtp-retries', '1',
    '--smtp-retry-delay', '50']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`NOT sent to jan@example\\.org: could not connect to the SMTP server \\(${url.replace(/[/.]/g, '\\$&')}`));
  assert.match(r.stderr, /will retry/);
});

test('without smtp_url e-mail is off, and mail-test says so', async () => {
  const r = await mailTest(['--to', 'jan@example.org']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /msg="e-mail is off"/);
  assert.match(r.stderr, /aula mail-test: e-mail is off: set smtp_url/);
});

test('usage and settings errors exit 2 with a clear message', async () => {
  let r = await mailTest([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /say where to send it with --to ADDRESS/);
  r = await mailTest(['--to', 'jan@example.org\r\nBcc: x@example.org']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is not an e-mail address/);
  r = await mailTest(['--to', 'jan@example.org', '--smtp-url', 'http://127.0.0.1:25/']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /smtp_url must start with smtp:\/\/ or smtps:\/\//);
  r = await mailTest(['--to', 'jan@example.org', '--smtp-url', 'smtp://127.0.0.1:25/?tls']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option "tls"/);
});

test('STARTTLS: upgrades and verifies the certificate; refuses a server without it; insecure skips the check', async () => {
  const cert = makeTestCert();
  const sink = await startSmtpSink({ tls: cert, requireStarttls: true });
  try {
    const ca = encodeURIComponent(cert.cert);
    let r = await mailTest(['--to', 'jan@example.org', '--smtp-url', `${sink.url}/?starttls&cainfo=${ca}`]);
    assert.equal(r.code, 0, r.stderr);
    const [msg] = await sink.waitForMessages(1);
    assert.equal(msg.tls, true);

    // Plain SMTP to a server that insists on TLS: refused, not retried.
    r = await mailTest(['--to', 'jan@example.org', '--smtp-url', sink.url, '--smtp-retry-delay', '50']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /it said: 530/);

    // An untrusted certificate is refused (no cainfo, no insecure).
    r = await mailTest(['--to', 'jan@example.org', '--smtp-url', `${sink.url}/?starttls`, '--smtp-retry-delay', '50']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /the SMTP server's certificate could not be verified .*self-signed certificate/);
    assert.equal(sink.messages.length, 1);

    // insecure skips the check (test setups only).
    r = await mailTest(['--to', 'jan@example.org', '--smtp-url', `${sink.url}/?starttls&insecure`]);
    assert.equal(r.code, 0, r.stderr);
    await sink.waitForMessages(2);
    assert.equal(sink.messages[1].tls, true);
  } finally {
    await sink.close();
    cert.remove();
  }
});

test('smtps:// speaks TLS from the first byte', async () => {
  const cert = makeTestCert();
  const sink = await startSmtpSink({ tls: cert, implicitTls: true });
  try {
    assert.match(sink.url, /^smtps:\/\//);
    const r = await mailTest(['--to', 'jan@example.org', '--smtp-url',
      `${sink.url}/?cainfo=${encodeURIComponent(cert.cert)}`]);
    assert.equal(r.code, 0, r.stderr);
    const [msg] = await sink.waitForMessages(1);
    assert.equal(msg.tls, true);
    assert.match(r.stdout, /smtps:\/\/127\.0\.0\.1:\d+ took the message/);
  } finally {
    await sink.close();
    cert.remove();
  }
});

test('SMTP AUTH with the credentials in the URL, which never appear in output', async () => {
  const sink = await startSmtpSink({ auth: 'ann:s3cr%t!' });
  try {
    const good = sink.url.replace('smtp://', 'smtp://ann:s3cr%25t!@');
    let r = await mailTest(['--to', 'jan@example.org', '--smtp-url', good]);
    assert.equal(r.code, 0, r.stderr);
    const [msg] = await sink.waitForMessages(1);
    assert.equal(msg.auth, true);
    assert.doesNotMatch(r.stdout + r.stderr, /s3cr/);

    const bad = sink.url.replace('smtp://', 'smtp://ann:wrong-secret@');
    r = await mailTest(['--to', 'jan@example.org', '--smtp-url', bad, '--smtp-retry-delay', '50']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /refused the user name or password/);
    assert.doesNotMatch(r.stdout + r.stderr, /wrong-secret/);
  } finally {
    await sink.close();
  }
});
