// The event pages in real Chromium: the host's events page (log-in
// prompt, planning, links, registrants, cancel), the public event page
// (registration, the waiting page with its countdown and welcome text that
// moves into the room by itself when the doors open, the cancelled page),
// the privacy notice, the language switch, and the axe-core audit of each
// (zero serious or critical violations), also of the webinar panels in the
// room for an attendee and a host.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib/server.mjs';
import { axeAudit, screenshot } from '../lib/browser.mjs';
import { useCall } from '../lib/call.mjs';

// No SMTP: e-mail is off, so the pages must say "keep this link".
const call = useCall();
const person = call.page;

async function noViolations(page, where) {
  const v = await axeAudit(page);
  assert.deepEqual(v, [], `${where}: axe found serious or critical problems:\n${JSON.stringify(v, null, 2)}`);
}

// A logged-in host (own browser context) and an event made over the API.
async function hostWithEvent(body) {
  const h = await person('Hania', { timezoneId: 'Europe/Warsaw' });
  const email = `hania${Math.random().toString(16).slice(2)}@school.example`;
  const s = await h.context.request.post(`${call.aula.url}/api/v1/auth/signup`, {
    data: { email, name: 'Hania', password: 'a long enough password' },
  });
  assert.equal(s.status(), 201, await s.text());
  const { csrf } = await s.json();
  const res = await h.context.request.post(`${call.aula.url}/api/v1/events`, {
    data: body, headers: { 'X-CSRF-Token': csrf },
  });
  assert.equal(res.status(), 201, await res.text());
  h.csrf = csrf;
  return { h, ev: await res.json() };
}

function utcWall(ms) {
  return new Date(ms).toISOString().slice(0, 16); // YYYY-MM-DDTHH:MM
}

test('events page: log-in prompt, planning with links, registrants; all pass axe', async () => {
  const anon = await person('Anon');
  await anon.page.goto(`${call.aula.url}/events.html`);
  await anon.page.getByTestId('events-login').waitFor();
  await noViolations(anon.page, 'events page, logged out');

  const { h } = await hostWithEvent({
    title: 'Parents evening', starts: utcWall(Date.now() + 3 * 3600e3), time_zone: 'UTC',
    duration_min: 60, type: 'meeting', access: 'registration',
  });
  // From the home page, logged in.
  await h.page.goto(`${call.aula.url}/`);
  await h.page.getByTestId('my-events-link').click();
  await h.page.getByTestId('event-form').waitFor();
  // Plan one more through the form: a webinar with a password.
  await h.page.getByTestId('ef-title').fill('Open lesson');
  await h.page.getByTestId('ef-access-password').check();
  await h.page.getByTestId('ef-submit').click();
  await h.page.getByTestId('ef-error').filter({ hasText: 'choose a password' }).waitFor();
  await h.page.getByTestId('ef-password').fill('planets');
  await h.page.getByTestId('ef-type-webinar').check();
  await h.page.getByTestId('ef-submit').click();
  await h.page.getByTestId('event-created').waitFor();
  assert.match(await h.page.getByTestId('link-presenter').inputValue(), /\/e\/[^#]+#presenter=/);
  await h.page.getByTestId('event-item').filter({ hasText: 'Open lesson' }).waitFor();

  // Someone registers; the host sees the person in the details.
  const item = h.page.getByTestId('event-item').filter({ hasText: 'Parents evening' });
  const evs = await (await h.context.request.get(`${call.aula.url}/api/v1/events?when=upcoming`)).json();
  const parents = evs.events.find((e) => e.title === 'Parents evening');
  const r = await fetch(`${call.aula.url}/api/v1/events/${parents.id}/register`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'Ola', email: 'ola@example.org', consent: true }),
  });
  assert.equal(r.status, 201, await r.text());
  await h.page.reload();
  await item.getByTestId('event-toggle').click();
  await item.getByTestId('registrant').filter({ hasText: 'ola@example.org' }).waitFor();
  assert.equal(await item.getByTestId('export-csv').getAttribute('href'), `/api/v1/events/${parents.id}/registrants.csv`);
  await screenshot(h.page, 'events-page');
  await noViolations(h.page, 'events page with details open');
  await h.page.getByTestId('lang-pl').click();
  await h.page.getByRole('heading', { name: 'Moje wydarzenia' }).waitFor();
  await item.getByRole('heading', { name: 'Zapisane osoby' }).waitFor();
  await noViolations(h.page, 'events page in Polish');
  await h.page.getByTestId('lang-en').click();
  // Invitations need e-mail: this server has none, and the page says so.
  await item.getByTestId('invite-emails').fill('ala@example.org, bartek@example.org');
  await item.getByTestId('invite-send').click();
  await item.getByTestId('invite-status').filter({ hasText: 'does not send e-mail' }).waitFor();
  // Change the title; the list shows the new one.
  await item.getByTestId('event-edit').click();
  assert.equal(await h.page.getByTestId('ef-title').inputValue(), 'Parents evening');
  assert.equal(await h.page.getByTestId('ef-access-registration').isChecked(), true);
  await h.page.getByTestId('ef-title').fill('Parents evening, class 4B');
  await h.page.getByTestId('ef-submit').click();
  await h.page.getByTestId('event-item').filter({ hasText: 'Parents evening, class 4B' }).waitFor();
  const after = await (await h.context.request.get(`${call.aula.url}/api/v1/events/${parents.id}`)).json();
  assert.equal(after.title, 'Parents evening, class 4B');
  assert.equal(after.starts, parents.starts, 'the start time did not move');
  for (const p of [anon, h]) assert.deepEqual(p.pageErrors, [], `${p.name}: uncaught errors`);
});

test('event page: registration (e-mail off), waiting page that opens by itself, cancelled; axe; Polish', async () => {
  // The doors open 15 minutes before the start: pick a start so that they
  // open 25 to 85 seconds from now (time enough to register first).
  const now = Date.now();
  let starts = Math.ceil((now + 15 * 60e3 + 25e3) / 60e3) * 60e3;
  const { h, ev } = await hostWithEvent({
    title: 'Science evening', description: 'Planets and stars.', starts: utcWall(starts), time_zone: 'UTC',
    duration_min: 30, type: 'webinar', access: 'registration', welcome_text: 'Welcome! Grab a cup of tea.',
  });
  starts = ev.starts;
  const ola = await person('Ola', { timezoneId: 'Europe/Warsaw' });
  await ola.page.goto(`${call.aula.url}/e/${ev.id}`);
  await ola.page.getByTestId('register-form').waitFor();
  await noViolations(ola.page, 'event page, registration form');
  await ola.page.getByTestId('register-name').fill('Ola');
  await ola.page.getByTestId('register-email').fill('not an address');
  await ola.page.getByTestId('register-consent').check();
  await ola.page.getByTestId('register-button').click();
  await ola.page.getByTestId('register-error').filter({ hasText: 'Please type your e-mail address' }).waitFor();
  await ola.page.getByTestId('register-email').fill('ola@example.org');
  await ola.page.getByTestId('register-button').click();
  await ola.page.getByTestId('registered').waitFor();
  assert.match(await ola.page.getByTestId('registered-mail').textContent(), /does not send e-mail: keep the link/);
  const personal = await ola.page.getByTestId('personal-link').inputValue();
  assert.match(personal, new RegExp(`/e/${ev.id}#k=.`));
  await noViolations(ola.page, 'event page, registered');

  // The personal link before the doors open: the waiting page.
  await ola.page.getByTestId('personal-go').click();
  await ola.page.getByTestId('event-waiting').waitFor();
  assert.equal(await ola.page.getByTestId('welcome-text').textContent(), 'Welcome! Grab a cup of tea.');
  assert.match(await ola.page.getByTestId('countdown').textContent(), /^\d\d:\d\d:\d\d$/);
  assert.equal(new URL(ola.page.url()).hash, '', 'the key is out of the address bar');
  await screenshot(ola.page, 'event-waiting');
  await noViolations(ola.page, 'event page, waiting');
  // In Polish.
  await ola.page.getByTestId('lang-pl').click();
  await ola.page.getByRole('heading', { name: 'Science evening' }).waitFor();
  await ola.page.getByText('Wydarzenie jeszcze się nie zaczęło').waitFor();
  await ola.page.getByTestId('lang-en').click();
  // ... and into the room by itself once the doors open.
  const opensIn = starts - 15 * 60e3 - Date.now();
  await ola.page.waitForURL(/\/r\/[^/]+$/, { timeout: opensIn + 30000 });
  await ola.page.getByTestId('qa-panel').waitFor();
  await ola.page.getByTestId('attendee-count').filter({ hasText: '1 person in the audience' }).waitFor();
  assert.equal(await ola.page.getByTestId('mic-button').isHidden(), true, 'an attendee has no microphone button');
  await noViolations(ola.page, 'webinar room, attendee');
  // A personal link that is not (any more) valid: said so, and the form is back.
  const stranger = await person('Stranger');
  await stranger.page.goto(`${call.aula.url}/e/${ev.id}#k=not-a-real-key`);
  await stranger.page.getByTestId('register-error').filter({ hasText: 'This personal link does not work any more' }).waitFor();
  assert.equal(await stranger.page.getByTestId('register-form').isVisible(), true);

  // The host comes in with the host link and sees the panels.
  await h.page.goto(`${call.aula.url}${ev.links.host}`);
  await h.page.getByTestId('enter-name').fill('Hania');
  await h.page.getByTestId('enter-button').click();
  await h.page.getByTestId('host-panel').waitFor();
  await ola.page.getByTestId('qa-input').fill('Is Pluto a planet?');
  await ola.page.getByTestId('qa-ask').click();
  await h.page.getByTestId('question').filter({ hasText: 'Is Pluto a planet?' }).waitFor();
  await h.page.getByTestId('poll-new').click();
  await h.page.getByTestId('poll-question').fill('Tea or coffee?');
  await h.page.getByTestId('poll-choice').nth(0).fill('Tea');
  await h.page.getByTestId('poll-choice').nth(1).fill('Coffee');
  await h.page.getByTestId('poll-multiple').check();
  await h.page.getByTestId('poll-create').click();
  await h.page.getByTestId('poll').getByTestId('poll-open').click();
  await ola.page.getByTestId('poll').getByTestId('poll-vote').waitFor();
  await h.page.getByTestId('poll-new').click();
  await noViolations(h.page, 'webinar room, host (a question, a poll, the poll editor)');
  await noViolations(ola.page, 'webinar room, attendee (own question, an open poll)');
  // The panels in Polish.
  await ola.page.getByTestId('lang-pl').click();
  await ola.page.getByRole('heading', { name: 'Pytania (Q&A)' }).waitFor();
  await ola.page.getByTestId('attendee-count').filter({ hasText: '1 osoba na widowni' }).waitFor();
  await ola.page.getByTestId('poll').getByRole('button', { name: 'Głosuj' }).waitFor();
  await noViolations(ola.page, 'webinar room, attendee, Polish');
  await ola.page.getByTestId('lang-en').click();
  // Several answers in a poll that allows them: both are counted.
  await ola.page.getByTestId('poll').getByRole('checkbox', { name: 'Tea', exact: true }).check();
  await ola.page.getByTestId('poll').getByRole('checkbox', { name: 'Coffee', exact: true }).check();
  await ola.page.getByTestId('poll').getByTestId('poll-vote').click();
  await h.page.getByTestId('poll').getByTestId('poll-voters').filter({ hasText: '1 person voted.' }).waitFor();
  assert.deepEqual(await h.page.getByTestId('poll').getByTestId('poll-result-count').allTextContents(),
    ['1 vote (100%)', '1 vote (100%)']);
  // Chat to hosts only: the attendee's chat says so.
  await h.page.getByTestId('chat-mode').selectOption('hosts');
  await ola.page.getByTestId('chat-mode-note').filter({ hasText: 'go to the hosts only' }).waitFor();
  assert.equal(await ola.page.getByTestId('chat-to').inputValue(), 'hosts');

  // Cancelled: the public page says so.
  const c = await h.context.request.post(`${call.aula.url}/api/v1/events/${ev.id}/cancel`, { headers: { 'X-CSRF-Token': h.csrf } });
  assert.equal(c.status(), 200, await c.text());
  const late = await person('Late');
  await late.page.goto(`${call.aula.url}/e/${ev.id}`);
  await late.page.getByTestId('event-cancelled').waitFor();
  await noViolations(late.page, 'event page, cancelled');
  await late.page.goto(`${call.aula.url}/privacy.html`);
  await late.page.getByRole('heading', { name: 'Privacy notice' }).waitFor();
  await noViolations(late.page, 'privacy notice');
  for (const p of [h, ola, late]) assert.deepEqual(p.pageErrors, [], `${p.name}: uncaught errors`);
});

test('end page: opened in a fresh browser after the event, with the personal link or the password, lists and downloads its files', async () => {
  // Two one-minute events that started 50 s ago, one with registration and
  // one with a password: registration and the uploads happen while they
  // run, the pages are opened once they are over.
  const started = Date.now() - 50000;
  const short = { starts: new Date(started).toISOString().replace(/\.\d+Z$/, 'Z'), time_zone: 'UTC', duration_min: 1, type: 'webinar' };
  const { h, ev } = await hostWithEvent({ title: 'Short talk', access: 'registration', ...short });
  const { h: h2, ev: evPw } = await hostWithEvent({ title: 'Short lesson', access: 'password', password: 'tea-at-five', ...short });
  const reg = await h.context.request.post(`${call.aula.url}/api/v1/events/${ev.id}/register`, {
    data: { name: 'Ola', email: 'ola.end@example.org', consent: true },
  });
  assert.equal(reg.status(), 201, await reg.text());
  const personal = (await reg.json()).personal_url;
  const pdf = readFileSync(path.join(repoRoot, 'fuzz', 'corpus', 'sniff', 'pdf'));
  for (const [host, e, name] of [[h, ev, 'Slides.pdf'], [h2, evPw, 'Lesson.pdf']]) {
    const join = await host.context.request.post(`${call.aula.url}/api/v1/events/${e.id}/join`, {
      data: { host_key: e.host_key, name: 'Hania' },
    });
    assert.equal(join.status(), 200, await join.text());
    const up = await host.context.request.post(`${call.aula.url}/api/v1/rooms/${e.room}/files`, {
      data: pdf,
      headers: { Authorization: `Bearer ${(await join.json()).token}`, 'Content-Type': 'application/pdf', 'X-File-Name': name },
    });
    assert.equal(up.status(), 201, await up.text());
  }
  const wait = started + 60000 + 500 - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));

  // A new browser context: no sessionStorage, no token of the room.
  const ola = await person('Ola', { acceptDownloads: true });
  await ola.page.goto(new URL(personal, call.aula.url).href);
  await ola.page.getByTestId('event-ended').waitFor();
  const file = ola.page.getByTestId('ended-file').filter({ hasText: 'Slides.pdf' });
  await file.waitFor();
  const [download] = await Promise.all([ola.page.waitForEvent('download'), file.click()]);
  assert.equal(download.suggestedFilename(), 'Slides.pdf');
  assert.deepEqual(readFileSync(await download.path()), pdf, 'the uploaded bytes from the end page');
  await noViolations(ola.page, 'the end page with files');
  assert.deepEqual(ola.pageErrors, []);

  // The password event's page, later: it asks for the password, refuses a
  // wrong one, and then lists and downloads the files.
  const ela = await person('Ela', { acceptDownloads: true });
  await ela.page.goto(`${call.aula.url}/e/${evPw.id}`);
  await ela.page.getByTestId('event-ended').waitFor();
  await ela.page.getByTestId('ended-password-form').waitFor();
  assert.equal(await ela.page.getByTestId('ended-file').count(), 0, 'no files before the password');
  await noViolations(ela.page, 'the end page asking for the password');
  await ela.page.getByTestId('ended-password').fill('coffee');
  await ela.page.getByTestId('ended-password-button').click();
  await ela.page.getByTestId('ended-password-error').filter({ hasText: 'This password is not right' }).waitFor();
  assert.equal(await ela.page.getByTestId('ended-file').count(), 0, 'no files after a wrong password');
  await ela.page.getByTestId('ended-password').fill('tea-at-five');
  await ela.page.getByTestId('ended-password-button').click();
  const lesson = ela.page.getByTestId('ended-file').filter({ hasText: 'Lesson.pdf' });
  await lesson.waitFor();
  assert.equal(await ela.page.getByTestId('ended-password-form').isVisible(), false);
  const [got] = await Promise.all([ela.page.waitForEvent('download'), lesson.click()]);
  assert.deepEqual(readFileSync(await got.path()), pdf, 'the uploaded bytes after the password');
  assert.deepEqual(ela.pageErrors, []);
});
