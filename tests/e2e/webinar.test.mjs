// A webinar from start to end in real Chromium with fake devices, the way
// people use it: a host schedules a webinar with registration on the
// events page; an attendee registers on the event page, the confirmation
// e-mail arrives at a local SMTP sink and its personal link joins the
// webinar; the attendee receives the presenter's video, asks a question and
// votes in a poll; the host sees the question and the results, brings the
// attendee on stage (the others now receive the attendee's video) and back;
// the attendee downloads the file the host uploaded and gets the same bytes.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startAula, repoRoot } from '../lib/server.mjs';
import { newPerson, screenshot, axeAudit } from '../lib/browser.mjs';
import { launchCallBrowser, instrument, participantId, waitGrows, waitStops, poll } from '../lib/call.mjs';
import { startSmtpSink, attachment, bodyText } from '../lib/smtp.mjs';

let aula;
let sink;
let browser;
const people = [];

before(async () => {
  sink = await startSmtpSink();
  aula = await startAula({
    args: ['--web-dir', path.join(repoRoot, 'web'), '--smtp-url', sink.url,
      '--smtp-from', 'Aula <events@school.example>'],
  });
  browser = await launchCallBrowser();
});

after(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  await sink?.close();
  if (aula) {
    const { code, sig } = await aula.stop();
    assert.equal(code, 0, `aula exited with ${code ?? sig}:\n${aula.stderr()}`);
  }
});

async function person(name, options = {}) {
  const p = await newPerson(browser, options);
  p.name = name;
  people.push(p);
  await p.page.addInitScript(instrument);
  return p;
}

// The wall-clock date and time of ms in zone: { date: 'YYYY-MM-DD', time: 'HH:MM' }.
function wallClock(ms, zone) {
  const parts = new Intl.DateTimeFormat('en-CA', {
    timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit',
  }).formatToParts(new Date(ms));
  const g = (type) => parts.find((x) => x.type === type).value;
  return { date: `${g('year')}-${g('month')}-${g('day')}`, time: `${g('hour')}:${g('minute')}` };
}

// Opens the options menu of a person on the host's page.
async function menuOf(h, name) {
  const toggle = h.page.getByRole('button', { name: `Options for ${name}` });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  return h.page.locator('[data-testid="participant"]', { has: toggle }).getByTestId('person-menu-panel');
}

// Opens an event link (typing the name when the page asks: host and
// presenter links) and waits until the event page moved into the room.
async function enterFromLink(p, url, { name } = {}) {
  await p.page.goto(url);
  if (name) {
    await p.page.getByTestId('enter-name').fill(name);
    await p.page.getByTestId('enter-button').click();
  }
  await p.page.waitForURL(/\/r\/[^/]+$/).catch(async (e) => {
    // Say what the event page shows instead.
    const shown = await p.page.locator('main').innerText().catch(() => '');
    throw new Error(`${p.name} did not get into the room from ${url}: ${e.message}\nThe page says:\n${shown}`);
  });
  await p.page.getByTestId('chat-input').waitFor();
  p.id = await participantId(p.page);
}

test('a webinar: schedule, register by e-mail, watch, ask, vote, go on stage, download', async () => {
  // ---- The host signs up and schedules a webinar with registration.
  const host = await person('Hania', { timezoneId: 'Europe/Warsaw' });
  const signup = await host.context.request.post(`${aula.url}/api/v1/auth/signup`, {
    data: { email: 'hania@school.example', name: 'Hania', password: 'a long enough password' },
  });
  assert.equal(signup.status(), 201, await signup.text());
  await host.page.goto(`${aula.url}/events.html`);
  await host.page.getByTestId('ef-title').fill('Science evening');
  await host.page.getByTestId('ef-description').fill('Planets and stars, for class 4B and parents.');
  const start = wallClock(Date.now() + 2 * 60 * 1000, 'Europe/Warsaw');
  await host.page.getByTestId('ef-date').fill(start.date);
  await host.page.getByTestId('ef-time').fill(start.time);
  assert.equal(await host.page.getByTestId('ef-zone').inputValue(), 'Europe/Warsaw', 'the zone defaults to the browser\'s');
  await host.page.getByTestId('ef-duration').fill('45');
  await host.page.getByTestId('ef-type-webinar').check();
  await host.page.getByTestId('ef-access-registration').check();
  await host.page.getByTestId('ef-welcome').fill('Welcome! We start soon.');
  await host.page.getByTestId('ef-submit').click();
  await host.page.getByTestId('event-created').waitFor();
  const pageUrl = await host.page.getByTestId('link-page').inputValue();
  const hostUrl = await host.page.getByTestId('link-host').inputValue();
  const presenterUrl = await host.page.getByTestId('link-presenter').inputValue();
  assert.match(pageUrl, /\/e\/[^/#]+$/);
  assert.match(hostUrl, /#host=./);
  assert.match(presenterUrl, /#presenter=./);
  await host.page.getByTestId('event-item').filter({ hasText: 'Science evening' }).waitFor();
  assert.deepEqual(host.pageErrors, []);

  // ---- An attendee in another time zone registers on the event page.
  const ola = await person('Ola', { timezoneId: 'America/New_York' });
  await ola.page.goto(pageUrl);
  await ola.page.getByTestId('event-title').filter({ hasText: 'Science evening' }).waitFor();
  assert.match(await ola.page.getByTestId('event-when-local').textContent(), /\(your time\)$/);
  assert.match(await ola.page.getByTestId('event-when-event').textContent(), /Europe\/Warsaw/);
  await ola.page.getByTestId('register-name').fill('Ola');
  await ola.page.getByTestId('register-email').fill('ola@example.org');
  // Without consent: told so, nothing sent.
  await ola.page.getByTestId('register-button').click();
  await ola.page.getByTestId('register-error').filter({ hasText: 'Please tick the box' }).waitFor();
  await ola.page.getByTestId('register-consent').check();
  await ola.page.getByTestId('register-button').click();
  await ola.page.getByTestId('registered').waitFor();
  assert.match(await ola.page.getByTestId('registered-mail').textContent(), /Check your e-mail.*ola@example\.org/);

  // ---- The confirmation e-mail arrives with the personal link and the .ics.
  const [mail] = await sink.waitForMessages(1);
  assert.deepEqual(mail.rcpt_tos, ['ola@example.org']);
  const text = bodyText(mail);
  const link = text.match(/https?:\/\/\S+\/e\/[^\s#]+#k=[A-Za-z0-9_-]+/);
  assert.ok(link, `a personal link in the e-mail:\n${text}`);
  assert.ok(attachment(mail, 'invite.ics'), 'the e-mail has invite.ics');

  // ---- Host and presenter come in through their links; then Ola through hers.
  const h = host;
  await enterFromLink(h, hostUrl, { name: 'Hania' });
  await h.page.getByTestId('host-panel').waitFor();
  await h.page.getByTestId('webinar').waitFor();
  const piotr = await person('Piotr', { timezoneId: 'Europe/Warsaw' });
  await enterFromLink(piotr, presenterUrl, { name: 'Piotr' });
  await enterFromLink(ola, link[0]);
  await ola.page.getByTestId('webinar').waitFor();
  // An attendee publishes nothing: no microphone or camera buttons.
  assert.equal(await ola.page.getByTestId('mic-button').isHidden(), true);
  assert.equal(await ola.page.getByTestId('camera-button').isHidden(), true);

  // Ola receives the presenter's video.
  await waitGrows(ola.page, 'video', piotr.id, { by: 10, what: 'Piotr\'s video is decoded at Ola', timeout: 20000 });
  await screenshot(ola.page, 'webinar-attendee');

  // ---- Ola asks; the host sees the question and answers it.
  await ola.page.getByTestId('qa-input').fill('How far is Mars?');
  await ola.page.getByTestId('qa-ask').click();
  const q = h.page.getByTestId('question').filter({ hasText: 'How far is Mars?' });
  await q.waitFor();
  await q.getByTestId('answer-input').fill('About 225 million km on average.');
  await q.getByTestId('answer-send').click();
  await ola.page.getByTestId('question').filter({ hasText: 'About 225 million km' }).waitFor();

  // ---- A poll: the host writes and opens it, Ola votes, the host sees it.
  await h.page.getByTestId('poll-new').click();
  await h.page.getByTestId('poll-question').fill('Which planet is the largest?');
  const choices = h.page.getByTestId('poll-choice');
  await choices.nth(0).fill('Jupiter');
  await choices.nth(1).fill('Mars');
  await h.page.getByTestId('poll-create').click();
  const hostPoll = h.page.getByTestId('poll').filter({ hasText: 'Which planet is the largest?' });
  await hostPoll.getByTestId('poll-open').click();
  const olaPoll = ola.page.getByTestId('poll').filter({ hasText: 'Which planet is the largest?' });
  await olaPoll.getByLabel('Jupiter').check();
  await olaPoll.getByTestId('poll-vote').click();
  await olaPoll.getByTestId('poll-status').filter({ hasText: 'your vote counted' }).waitFor();
  await hostPoll.getByTestId('poll-voters').filter({ hasText: '1 person voted.' }).waitFor();
  assert.deepEqual(await hostPoll.getByTestId('poll-result-count').allTextContents(), ['1 vote (100%)', '0 votes (0%)']);
  // Results reach everyone when the host shows them.
  assert.equal(await olaPoll.getByTestId('poll-results').isHidden(), true);
  await hostPoll.getByTestId('poll-show-results').click();
  await olaPoll.getByTestId('poll-voters').filter({ hasText: '1 person voted.' }).waitFor();

  // ---- The host uploads a file; Ola downloads the same bytes.
  const pdf = readFileSync(path.join(repoRoot, 'fuzz', 'corpus', 'sniff', 'pdf'));
  await h.page.getByTestId('file-input').setInputFiles({ name: 'Planets.pdf', mimeType: 'application/pdf', buffer: pdf });
  await h.page.getByTestId('file-upload').click();
  await h.page.getByTestId('files-status').filter({ hasText: 'Planets.pdf is shared.' }).waitFor();
  await ola.page.getByTestId('files-refresh').click();
  const olaFile = ola.page.getByTestId('file').filter({ hasText: 'Planets.pdf' });
  const [download] = await Promise.all([
    ola.page.waitForEvent('download'),
    olaFile.getByTestId('file-download').click(),
  ]);
  assert.equal(download.suggestedFilename(), 'Planets.pdf');
  assert.deepEqual(readFileSync(await download.path()), pdf, 'the downloaded bytes are the uploaded ones');

  // ---- The host brings Ola on stage: the others now receive her video.
  const menu = await menuOf(h, 'Ola');
  await menu.getByRole('button', { name: 'Bring Ola on stage' }).click();
  await ola.page.getByTestId('stage-status').filter({ hasText: 'brought you on stage' }).waitFor();
  assert.equal(await ola.page.getByTestId('host-notice').textContent(), '', 'no other notice contradicts it');
  await waitGrows(h.page, 'video', ola.id, { by: 10, what: 'Ola\'s video is decoded at Hania', timeout: 20000 });
  await waitGrows(piotr.page, 'video', ola.id, { by: 10, what: 'Ola\'s video is decoded at Piotr', timeout: 20000 });
  await screenshot(h.page, 'webinar-stage');
  // ... and back to the audience: her media stops at the others.
  const menu2 = await menuOf(h, 'Ola');
  await menu2.getByRole('button', { name: 'Send Ola back to the audience' }).click();
  await ola.page.getByTestId('stage-status').filter({ hasText: 'back in the audience' }).waitFor();
  await waitStops(piotr.page, 'video', ola.id, { what: 'Ola\'s video at Piotr' });
  await poll(async () => ({ ok: await ola.page.getByTestId('camera-button').isHidden() }), { what: 'Ola\'s camera button goes away' });
  // She still watches the presenter.
  await waitGrows(ola.page, 'video', piotr.id, { by: 10, what: 'Piotr\'s video still reaches Ola', timeout: 20000 });

  // A second time on stage works too (a new publishing connection).
  const menu3 = await menuOf(h, 'Ola');
  await menu3.getByRole('button', { name: 'Bring Ola on stage' }).click();
  await ola.page.getByTestId('stage-status').filter({ hasText: 'brought you on stage' }).waitFor();
  await waitGrows(piotr.page, 'video', ola.id, { by: 10, what: 'Ola\'s video is decoded at Piotr again', timeout: 20000 });

  // ---- The host ends the webinar: Ola's page offers the thank-you page,
  // which lists the file.
  await h.page.getByTestId('end-button').click();
  await h.page.getByTestId('end-yes').click();
  await ola.page.getByTestId('ended').waitFor();
  await ola.page.getByTestId('event-end-link').click();
  await ola.page.getByTestId('event-ended').waitFor();
  await ola.page.getByTestId('ended-file').filter({ hasText: 'Planets.pdf' }).waitFor();
  const [again] = await Promise.all([
    ola.page.waitForEvent('download'),
    ola.page.getByTestId('ended-file').click(),
  ]);
  assert.deepEqual(readFileSync(await again.path()), pdf, 'the same bytes from the thank-you page');
  assert.deepEqual(await axeAudit(ola.page), [], 'the thank-you page passes axe');

  for (const p of [h, ola, piotr]) assert.deepEqual(p.pageErrors, [], `${p.name}: uncaught errors in the page`);
});
