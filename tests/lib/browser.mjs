// Browser helpers for the end-to-end tests: Debian's chromium driven by
// playwright-core (never `npx playwright install`), one fresh context per
// person, and page-side waits built on Playwright's auto-waiting.
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { repoRoot } from './server.mjs';

export const chromiumPath = process.env.AULA_CHROMIUM || '/usr/bin/chromium';

// Screenshots land here (gitignored) for people to look at.
export const outputDir = path.join(repoRoot, 'test-output');

export function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
  });
}

// A person with their own browser context (own storage, own locale).
// Options go to browser.newContext (locale, viewport, isMobile, …).
// Uncaught page errors and dialogs (alert, confirm) are recorded: a test
// should end with both lists empty.
export async function newPerson(browser, options = {}) {
  const context = await browser.newContext({ locale: 'en-GB', ...options });
  context.setDefaultTimeout(Number(process.env.AULA_TEST_E2E_TIMEOUT_MS) || 10000);
  const page = await context.newPage();
  const person = { context, page, pageErrors: [], dialogs: [], consoleErrors: [] };
  page.on('pageerror', (e) => person.pageErrors.push(String(e && e.stack || e)));
  page.on('dialog', (d) => {
    person.dialogs.push(`${d.type()}: ${d.message()}`);
    d.dismiss().catch(() => {});
  });
  page.on('console', (m) => {
    if (m.type() === 'error') person.consoleErrors.push(m.text());
  });
  return person;
}

export async function screenshot(page, name) {
  mkdirSync(outputDir, { recursive: true });
  const file = path.join(outputDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

// Opens a meeting link and joins through the join screen (camera preview,
// name, Join) the way a person does; resolves once the room is shown.
// Options: password, camOff, micOff (the "join with … off" boxes), and
// waitRoom false to return right after clicking Join (e.g. for a lobby).
export async function joinRoom(page, url, name, { password, camOff, micOff, waitRoom = true } = {}) {
  await page.goto(url);
  await page.getByTestId('name-input').waitFor();
  await page.getByTestId('name-input').fill(name);
  if (password !== undefined) await page.getByTestId('password-input').fill(password);
  if (camOff) await page.getByTestId('camera-off').check();
  if (micOff) await page.getByTestId('mic-off').check();
  await page.getByTestId('join-button').click();
  if (waitRoom) await page.getByTestId('chat-input').waitFor();
}

// Waits until a chat line with exactly this text is shown.
export function waitForMessage(page, text) {
  return page.waitForFunction(
    (t) => [...document.querySelectorAll('[data-testid="chat-message"] [data-testid="msg-text"]')]
      .some((e) => e.textContent === t),
    text,
  );
}

// The chat as [{ name, text }] in display order.
export function chatLines(page) {
  return page.$$eval('[data-testid="chat-message"]', (items) => items.map((li) => ({
    name: li.querySelector('[data-testid="msg-name"]').firstChild.textContent,
    text: li.querySelector('[data-testid="msg-text"]').textContent,
  })));
}

// Waits until the participant list holds exactly these names (any order).
export function waitForPeople(page, names) {
  return page.waitForFunction((want) => {
    const got = [...document.querySelectorAll('[data-testid="participant"] [data-testid="participant-name"]')]
      .map((e) => e.firstChild.textContent).sort();
    return JSON.stringify(got) === JSON.stringify([...want].sort());
  }, names);
}

// The axe-core accessibility audit (npm axe-core) run inside the page:
// WCAG 2.1 A and AA rules plus best practices. Resolves with the
// violations of impact "serious" or "critical", each as
// { id, impact, help, nodes: [html snippets] } (empty when the page passes).
const axeSource = readFileSync(path.join(repoRoot, 'tests', 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
export async function axeAudit(page) {
  if (!(await page.evaluate(() => !!window.axe))) await page.addScriptTag({ content: axeSource });
  const violations = await page.evaluate(async () => {
    const res = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
      resultTypes: ['violations'],
    });
    return res.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 5).map((n) => n.html),
    }));
  });
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
