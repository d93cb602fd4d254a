// Host accounts on the home page: sign up, start a meeting (it shows in
// "My meetings" with its participant and host links), log out, a wrong
// password is refused in plain words, log in again and the meeting is
// still listed; "Open" leads in as the host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startAula } from '../lib/server.mjs';
import { launchBrowser, newPerson, screenshot } from '../lib/browser.mjs';

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

test('sign up, my meetings, log out, log in', async () => {
  const p = await newPerson(browser, { permissions: ['clipboard-read', 'clipboard-write'] });
  people.push(p);
  await p.page.goto(`${aula.url}/`);
  await p.page.getByRole('button', { name: 'Create an account' }).first().click();
  const signup = p.page.getByTestId('signup-form');
  await signup.getByLabel('Your name').fill('Pani Ewa');
  await signup.getByLabel('E-mail').fill('ewa@example.org');
  await signup.getByLabel('Password').fill('short');
  await signup.getByRole('button', { name: 'Create an account' }).click();
  await p.page.getByTestId('signup-error').filter({ hasText: 'at least 10 characters' }).waitFor();
  await signup.getByLabel('Password').fill('dlugie-haslo-123');
  await signup.getByRole('button', { name: 'Create an account' }).click();
  await p.page.getByTestId('account-who').filter({ hasText: 'Logged in as Pani Ewa (ewa@example.org)' }).waitFor();
  await p.page.getByTestId('meetings-empty').waitFor();

  await p.page.getByLabel('Meeting name').fill('Biology 7A');
  await p.page.getByRole('button', { name: 'New meeting' }).click();
  await p.page.getByTestId('meeting-ready').waitFor();
  const hostLink = await p.page.getByTestId('host-link').inputValue();
  const link = await p.page.getByLabel('Link to the meeting').inputValue();
  assert.match(hostLink, /#host=[A-Za-z0-9_-]{16,}$/);
  assert.ok(hostLink.startsWith(`${link}#host=`));
  await p.page.getByRole('button', { name: 'Copy host link', exact: true }).click();
  assert.equal(await p.page.evaluate(() => navigator.clipboard.readText()), hostLink);
  const item = p.page.getByTestId('meeting').filter({ hasText: 'Biology 7A' });
  await item.waitFor();
  await screenshot(p.page, 'my-meetings');

  await p.page.getByRole('button', { name: 'Log out' }).click();
  await p.page.getByTestId('login-form').waitFor();
  assert.equal(await p.page.getByTestId('my-meetings').isVisible(), false);
  const login = p.page.getByTestId('login-form');
  await login.getByLabel('E-mail').fill('ewa@example.org');
  await login.getByLabel('Password').fill('wrong-password-1');
  await login.getByRole('button', { name: 'Log in' }).click();
  await p.page.getByTestId('login-error').filter({ hasText: 'Wrong e-mail or password.' }).waitFor();
  await login.getByLabel('Password').fill('dlugie-haslo-123');
  await login.getByRole('button', { name: 'Log in' }).click();
  await item.waitFor();

  // "Open" goes in as the host (the owner needs no key either).
  await item.getByRole('link', { name: 'Open as host: Biology 7A' }).click();
  await p.page.getByTestId('join-as-host').waitFor();
  await p.page.getByLabel('Your name').fill('Pani Ewa');
  await p.page.getByRole('button', { name: 'Join' }).click();
  await p.page.getByTestId('host-panel').waitFor();
  assert.deepEqual(p.pageErrors, []);
});
