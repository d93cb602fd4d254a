// `aula serve` and e-mail: off without smtp_url (said once at start), on
// with it, a wrong smtp_url stops the start, and /metrics has the counters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startAula } from '../lib/server.mjs';
import { startSmtpSink } from '../lib/smtp.mjs';

test('without smtp_url aula runs and says once that e-mail is off', { timeout: 30000 }, async () => {
  const srv = await startAula({ args: ['--log-level', 'info'] });
  try {
    assert.equal(srv.stderr().match(/msg="e-mail is off"/g)?.length, 1, srv.stderr());
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    assert.match(metrics, /^aula_mail_sent_total 0$/m);
    assert.match(metrics, /^aula_mail_queued 0$/m);
  } finally {
    assert.equal((await srv.stop()).code, 0, srv.stderr());
  }
});

test('with smtp_url aula names the server (never the password) at start', { timeout: 30000 }, async () => {
  const sink = await startSmtpSink();
  const srv = await startAula({ args: ['--log-level', 'info', '--smtp-url',
    sink.url.replace('smtp://', 'smtp://ann:hunter2@') + '/?starttls'] });
  try {
    assert.match(srv.stderr(), new RegExp(`msg="e-mail is on" server=${sink.url.replace(/[/.]/g, '\\$&')} starttls=1`));
    assert.doesNotMatch(srv.stderr(), /hunter2/);
  } finally {
    assert.equal((await srv.stop()).code, 0, srv.stderr());
    await sink.close();
  }
});

test('a wrong smtp_url stops the start with a clear message', { timeout: 30000 }, async () => {
  await assert.rejects(startAula({ args: ['--smtp-url', 'smtp://127.0.0.1:25/?tls'] }),
    /cannot set up e-mail.*unknown option \\"tls\\"/);
});
