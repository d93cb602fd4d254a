// The web client end to end: two people in two browsers meet in a room and
// chat; history survives a reload; names and messages are text, never
// HTML; errors and the language switch work. Screenshots go to
// test-output/ for a person to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAula, createRoom } from '../lib/server.mjs';
import { RpcClient } from '../lib/rpc.mjs';
import {
  launchBrowser, newPerson, screenshot, waitForMessage, chatLines, waitForPeople,
} from '../lib/browser.mjs';

let aula;
let browser;
const people = [];

before(async () => {
  aula = await startAula();
  browser = await launchBrowser();
});

after(async () => {
  for (const p of people) await p.context.close().catch(() => {});
  await browser?.close();
  if (aula) {
    const { code, sig } = await aula.stop();
    assert.equal(code, 0, `aula exited with ${code ?? sig}:\n${aula.stderr()}`);
  }
});

async function person(options) {
  const p = await newPerson(browser, options);
  people.push(p);
  return p;
}

function assertClean(...persons) {
  for (const p of persons) {
    assert.deepEqual(p.pageErrors, [], 'uncaught errors in the page');
    assert.deepEqual(p.dialogs, [], 'the page opened a dialog (injected script?)');
  }
}

const HTML_TEXT = '<b>x</b><img src=x onerror=alert(1)>';

test('two people chat; history survives a reload; HTML stays text', async () => {
  const room = await createRoom(aula.url, 'Maths 4B');

  // A joins straight from the link with ?name=.
  const a = await person({ viewport: { width: 1280, height: 800 } });
  await a.page.goto(`${aula.url}/r/${room.id}?name=Ala`);
  await a.page.getByTestId('chat-input').waitFor();
  await waitForPeople(a.page, ['Ala']);
  assert.equal(await a.page.getByTestId('room-name').textContent(), 'Maths 4B');
  assert.equal(new URL(a.page.url()).search, '', '?name= is removed from the address bar');

  // B is on a phone and types the name into the join form.
  const b = await person({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await b.page.goto(`${aula.url}/r/${room.id}`);
  const nameInput = b.page.getByLabel('Your name');
  await nameInput.waitFor();
  assert.equal(await b.page.getByTestId('room-title').textContent(), 'Maths 4B');
  await b.page.getByTestId('people-now').filter({ hasText: '1 person is here now.' }).waitFor();
  // An empty name is refused with a clear message, not sent.
  await b.page.getByRole('button', { name: 'Join' }).click();
  await b.page.getByTestId('join-error').filter({ hasText: 'Please type your name.' }).waitFor();
  await nameInput.fill('Bartek');
  await screenshot(b.page, 'join');
  await b.page.getByRole('button', { name: 'Join' }).click();
  await b.page.getByTestId('chat-input').waitFor();

  // Both see each other.
  await waitForPeople(a.page, ['Ala', 'Bartek']);
  await waitForPeople(b.page, ['Ala', 'Bartek']);
  await a.page.getByTestId('participant-count').filter({ hasText: 'People (2)' }).waitFor();

  // A writes, B reads; B answers (with the Send button), A reads.
  await a.page.getByLabel('Your message').fill('Cześć Bartek! Jak leci?');
  await a.page.getByLabel('Your message').press('Enter');
  await waitForMessage(a.page, 'Cześć Bartek! Jak leci?');
  assert.equal(await a.page.getByLabel('Your message').inputValue(), '', 'input cleared after sending');
  await waitForMessage(b.page, 'Cześć Bartek! Jak leci?');

  await b.page.getByLabel('Your message').fill('Dobrze, dzięki 🙂');
  await b.page.getByRole('button', { name: 'Send' }).click();
  await waitForMessage(b.page, 'Dobrze, dzięki 🙂');
  await waitForMessage(a.page, 'Dobrze, dzięki 🙂');

  // HTML in a message is shown as the literal text.
  await a.page.getByLabel('Your message').fill(HTML_TEXT);
  await a.page.getByLabel('Your message').press('Enter');
  await waitForMessage(b.page, HTML_TEXT);
  await waitForMessage(a.page, HTML_TEXT);
  for (const p of [a, b]) {
    assert.equal(await p.page.locator('[data-testid="chat-log"] b, [data-testid="chat-log"] img').count(), 0);
  }

  const expected = [
    { name: 'Ala', text: 'Cześć Bartek! Jak leci?' },
    { name: 'Bartek', text: 'Dobrze, dzięki 🙂' },
    { name: 'Ala', text: HTML_TEXT },
  ];
  assert.deepEqual(await chatLines(a.page), expected);
  assert.deepEqual(await chatLines(b.page), expected);
  // Own lines are marked as one's own.
  assert.equal(await a.page.locator('[data-testid="chat-message"].mine').count(), 2);
  assert.equal(await b.page.locator('[data-testid="chat-message"].mine').count(), 1);
  await screenshot(a.page, 'room');

  // B reloads with a line half typed: back in the room as Bartek (no
  // form), with the whole chat, and the half-typed line still in the box.
  await b.page.getByLabel('Your message').fill('half typed');
  await b.page.reload();
  await b.page.getByTestId('chat-input').waitFor();
  await b.page.waitForFunction(() => document.querySelector('[data-testid="chat-input"]').value === 'half typed');
  await b.page.getByLabel('Your message').fill('');
  await waitForMessage(b.page, HTML_TEXT);
  assert.deepEqual(await chatLines(b.page), expected);
  await waitForPeople(b.page, ['Ala', 'Bartek']);
  await waitForPeople(a.page, ['Ala', 'Bartek']); // the old connection is gone, the new one is in
  // B's earlier line is still B's after the reload.
  assert.equal(await b.page.locator('[data-testid="chat-message"].mine').count(), 1);
  await screenshot(b.page, 'room-phone');

  // A leaves; B sees it.
  await a.page.getByRole('button', { name: 'Leave' }).click();
  await a.page.getByTestId('left').waitFor();
  await waitForPeople(b.page, ['Bartek']);
  // …and A can come back.
  await a.page.getByRole('button', { name: 'Join again' }).click();
  await a.page.getByTestId('chat-input').waitFor();
  await waitForPeople(b.page, ['Ala', 'Bartek']);

  assertClean(a, b);
});

test('a name with HTML is shown as text', async () => {
  const room = await createRoom(aula.url, '<i>Room</i>');
  const c = await person();
  await c.page.goto(`${aula.url}/r/${room.id}`);
  await c.page.getByLabel('Your name').fill('<img src=x onerror=alert(2)>Cecylia');
  await c.page.getByLabel('Your name').press('Enter');
  await waitForPeople(c.page, ['<img src=x onerror=alert(2)>Cecylia']);
  assert.equal(await c.page.getByTestId('room-name').textContent(), '<i>Room</i>');
  await c.page.getByLabel('Your message').fill('hello');
  await c.page.getByLabel('Your message').press('Enter');
  await waitForMessage(c.page, 'hello');
  assert.equal(await c.page.locator('main img, main i').count(), 0);
  assertClean(c);
});

test('home page: new meeting, link to share, join now', async () => {
  const p = await person({ permissions: ['clipboard-read', 'clipboard-write'] });
  await p.page.goto(`${aula.url}/`);
  await p.page.getByRole('button', { name: 'New meeting' }).waitFor();
  assert.equal(await p.page.locator('html').getAttribute('lang'), 'en');
  await screenshot(p.page, 'home');

  await p.page.getByLabel('Meeting name').fill('Book club');
  await p.page.getByRole('button', { name: 'New meeting' }).click();
  await p.page.getByTestId('meeting-ready').waitFor();
  const link = await p.page.getByLabel('Link to the meeting').inputValue();
  assert.match(link, new RegExp(`^${aula.url}/r/[A-Za-z0-9_-]+$`));
  assert.equal(await p.page.getByTestId('ready-title').textContent(), 'Book club');
  await p.page.getByRole('button', { name: 'Copy link' }).click();
  await p.page.getByTestId('copy-status').filter({ hasText: 'Link copied' }).waitFor();
  assert.equal(await p.page.evaluate(() => navigator.clipboard.readText()), link);
  await screenshot(p.page, 'home-ready');

  await p.page.getByRole('link', { name: 'Join now' }).click();
  await p.page.waitForURL(link);
  await p.page.getByLabel('Your name').waitFor();
  assert.equal(await p.page.getByTestId('room-title').textContent(), 'Book club');

  // The "link or code" box on the home page leads to the same room.
  await p.page.goto(`${aula.url}/`);
  await p.page.getByLabel('Meeting link or code').fill(` ${new URL(link).pathname.split('/').pop()} `);
  await p.page.getByLabel('Meeting link or code').press('Enter');
  await p.page.waitForURL(link);
  await p.page.getByTestId('room-title').filter({ hasText: 'Book club' }).waitFor();
  assertClean(p);
});

test('a meeting that does not exist gets a friendly page', async () => {
  const p = await person();
  await p.page.goto(`${aula.url}/r/xyz-xyzx-xyz`);
  await p.page.getByRole('heading', { name: 'This meeting does not exist' }).waitFor();
  await p.page.getByRole('link', { name: 'Go to the home page' }).waitFor();
  await screenshot(p.page, 'not-found');
  assertClean(p);
});

test('sending too fast: a clear message, and the text is kept', async () => {
  const room = await createRoom(aula.url, 'Fast typing');
  const p = await person();
  await p.page.goto(`${aula.url}/r/${room.id}?name=Szybki`);
  const input = p.page.getByLabel('Your message');
  await input.waitFor();
  // A burst of lines is refused by the server after the first ten or so.
  let limited = false;
  for (let i = 1; i <= 40 && !limited; i++) {
    await input.fill(`line ${i}`);
    await input.press('Enter');
    await p.page.waitForFunction(() => {
      const v = document.querySelector('[data-testid="chat-input"]').value;
      const err = document.querySelector('[data-testid="chat-error"]').textContent;
      return v === '' || err !== '';
    });
    limited = (await p.page.getByTestId('chat-error').textContent()) !== '';
  }
  assert.ok(limited, 'the server never said "too fast"');
  assert.equal(await p.page.getByTestId('chat-error').textContent(),
    'You are sending messages too fast. Wait a few seconds and try again.');
  assert.match(await input.inputValue(), /^line \d+$/, 'the refused text stays in the box');
  await screenshot(p.page, 'rate-limited');

  // A message that is too long is refused with a plain explanation.
  await input.fill('x'.repeat(2001));
  await input.press('Enter');
  await p.page.getByTestId('chat-error').filter({ hasText: 'This message is too long.' }).waitFor();
  assertClean(p);
});

test('long history: "Show earlier messages" pages back', async () => {
  const room = await createRoom(aula.url, 'Busy room');
  // 60 lines from 6 writers (10 each, within the rate limit).
  for (let w = 0; w < 6; w++) {
    const c = await RpcClient.open(aula.wsUrl);
    await c.call('room.join', { room: room.id, name: `Writer ${w}` });
    for (let i = 0; i < 10; i++) await c.call('chat.send', { text: `line ${w * 10 + i + 1}` });
    await c.close();
  }
  const p = await person();
  await p.page.goto(`${aula.url}/r/${room.id}?name=Reader`);
  await waitForMessage(p.page, 'line 60');
  let lines = await chatLines(p.page);
  assert.equal(lines.length, 50);
  assert.equal(lines[0].text, 'line 11');
  const earlier = p.page.getByRole('button', { name: 'Show earlier messages' });
  await earlier.click();
  await waitForMessage(p.page, 'line 1');
  await earlier.waitFor({ state: 'hidden' });
  lines = await chatLines(p.page);
  assert.equal(lines.length, 60);
  assert.deepEqual(lines.map((l) => l.text), Array.from({ length: 60 }, (_, i) => `line ${i + 1}`));
  assert.equal(lines[0].name, 'Writer 0');
  assertClean(p);
});

test('language: Polish from the browser, switch to English, remembered', async () => {
  const p = await person({ locale: 'pl-PL' });
  await p.page.goto(`${aula.url}/`);
  await p.page.waitForFunction(() => document.documentElement.lang === 'pl');
  await p.page.getByRole('button', { name: 'Nowe spotkanie' }).waitFor();
  assert.equal(await p.page.getByTestId('lang-pl').getAttribute('aria-pressed'), 'true');
  await screenshot(p.page, 'home-pl');

  const room = await createRoom(aula.url, 'Matematyka 4B');
  await p.page.goto(`${aula.url}/r/${room.id}`);
  await p.page.getByLabel('Twoje imię').fill('Zosia');
  await p.page.getByRole('button', { name: 'Dołącz' }).click();
  await p.page.getByLabel('Twoja wiadomość').waitFor();
  await p.page.getByTestId('participant-count').filter({ hasText: 'Uczestnicy (1)' }).waitFor();
  await p.page.getByRole('button', { name: 'Wyjdź' }).waitFor();
  await screenshot(p.page, 'room-pl');

  // Switch to English: everything changes at once, without a reload.
  await p.page.getByTestId('lang-en').click();
  await p.page.waitForFunction(() => document.documentElement.lang === 'en');
  await p.page.getByLabel('Your message').waitFor();
  await p.page.getByTestId('participant-count').filter({ hasText: 'People (1)' }).waitFor();
  assert.equal(await p.page.getByTestId('lang-en').getAttribute('aria-pressed'), 'true');

  // Remembered across a reload and on other pages.
  await p.page.goto(`${aula.url}/`);
  await p.page.getByRole('button', { name: 'New meeting' }).waitFor();
  await p.page.reload();
  await p.page.waitForFunction(() => document.documentElement.lang === 'en');
  await p.page.getByRole('button', { name: 'New meeting' }).waitFor();

  // And back to Polish.
  await p.page.getByTestId('lang-pl').click();
  await p.page.getByRole('button', { name: 'Nowe spotkanie' }).waitFor();
  assert.equal(await p.page.locator('html').getAttribute('lang'), 'pl');
  assertClean(p);
});
