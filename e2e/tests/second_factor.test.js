// A Global admin signs up with the default second-factor policy: sets up an authenticator app
// from the QR page before anything else, keeps the recovery codes, signs in again with a code
// from the app, and signs in once with a recovery code; staff do the same in the console.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/server.js';
import { launchBrowser, newPage, artifactsFor, shot } from '../lib/browser.js';
import { text } from '../lib/portal.js';
import { totpCode } from '../lib/totp.js';

let server;
let browser;
const openPages = [];
const artifacts = artifactsFor('second-factor');

before(async () => {
  // The policy as it is by default: staff, Global admins and Billing admins need a second factor.
  server = await startServer({ env: { PARTNERHUB_MFA_STAFF: 'on', PARTNERHUB_MFA_PARTNER_ROLES: 'global_admin,billing_admin' } });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  if (server) writeFileSync(path.join(artifacts.dir, 'server.log'), server.output());
  await server?.stop();
});

async function open() {
  const { page } = await newPage(browser);
  openPages.push(page);
  return page;
}

async function onFailure(t, err) {
  for (const [i, page] of openPages.entries()) {
    if (!page.isClosed()) await shot(page, `FAILED-context${i + 1}`).catch(() => {});
  }
  t.diagnostic(`screenshots and server.log in ${artifacts.dir}`);
  throw err;
}

/** On the set-up page: reads the key, types the app's code; returns the key and the recovery codes. */
async function setUpAuthenticator(page) {
  assert.equal(await text(page.locator('h1')), 'Set up an authenticator app');
  assert.equal(await page.locator('figure.qr svg').count(), 1, 'a QR code drawn by the server');
  const key = await text(page.locator('#totp-secret'));
  await page.getByLabel('Code from the app').fill(totpCode(key));
  await page.getByRole('button', { name: 'Turn on' }).click();
  await page.locator('#recovery-codes').waitFor();
  const codes = await page.locator('#recovery-codes code').allInnerTexts();
  assert.equal(codes.length, 10);
  return { key, codes };
}

test('a Global admin sets up an authenticator app, then signs in with a code and with a recovery code', async (t) => {
  const url = server.url;
  const ada = { email: 'ada@northwind.example', password: 'correct horse battery 1' };
  try {
    const first = await open();
    await first.goto(`${url}/signup`);
    await first.getByLabel('Company name').fill('Northwind Traders');
    await first.getByLabel('Country').selectOption('US');
    await first.getByLabel('Your name').fill('Ada Admin');
    await first.getByLabel('Your e-mail').fill(ada.email);
    await first.getByLabel('Password').fill(ada.password);
    await first.getByRole('button', { name: 'Sign up' }).click();
    await first.waitForURL(/\/account\/security\/totp$/);
    await shot(first, 'set-up-before-anything-else');
    await first.goto(`${url}/dashboard`);
    assert.match(first.url(), /\/account\/security\/totp$/, 'nothing opens before the set-up');
    const { key, codes } = await setUpAuthenticator(first);
    await shot(first, 'recovery-codes');
    await first.goto(`${url}/dashboard`);
    assert.match(first.url(), /\/dashboard$/);

    // Signing in again: the password, then the code the app shows (the next step's, since the
    // current one was just used).
    const second = await open();
    await second.goto(`${url}/signin`);
    await second.getByLabel('E-mail').fill(ada.email);
    await second.getByLabel('Password').fill(ada.password);
    await second.getByRole('button', { name: 'Sign in' }).click();
    await second.waitForURL(/\/signin\/verify$/);
    await second.getByLabel('Code').fill('000000');
    await second.getByRole('button', { name: 'Sign in' }).click();
    assert.match(await text(second.locator('.error')), /not right/);
    await second.getByLabel('Code').fill(totpCode(key, 1));
    await second.getByRole('button', { name: 'Sign in' }).click();
    await second.waitForURL(/\/dashboard$/);

    // A third browser signs in with a recovery code; the security page then shows one fewer.
    const third = await open();
    await third.goto(`${url}/signin`);
    await third.getByLabel('E-mail').fill(ada.email);
    await third.getByLabel('Password').fill(ada.password);
    await third.getByRole('button', { name: 'Sign in' }).click();
    await third.waitForURL(/\/signin\/verify$/);
    await third.getByLabel('Code').fill(codes[0]);
    await third.getByRole('button', { name: 'Sign in' }).click();
    await third.waitForURL(/\/dashboard$/);
    await third.goto(`${url}/account/security`);
    assert.equal(await text(third.locator('#recovery-left')), '9 left');
    assert.equal(await third.locator('#sessions tbody tr').count(), 3);
    await third.getByRole('button', { name: 'Sign out everywhere else' }).click();
    await third.waitForURL(/notice=sessions_ended/);
    assert.equal(await third.locator('#sessions tbody tr').count(), 1);
    await shot(third, 'security-page');
    await first.goto(`${url}/dashboard`);
    assert.match(first.url(), /\/signin$/, 'the other sessions ended');
  } catch (err) {
    await onFailure(t, err);
  }
});

test('staff set up a second factor before the console opens', async (t) => {
  try {
    const page = await open();
    await page.goto(`${server.url}/staff/signin`);
    await page.getByLabel('E-mail').fill(server.adminEmail);
    await page.getByLabel('Password').fill(server.adminPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/staff\/account\/security\/totp$/);
    await setUpAuthenticator(page);
    await page.goto(`${server.url}/staff`);
    assert.match(page.url(), /\/staff$/);
  } catch (err) {
    await onFailure(t, err);
  }
});
