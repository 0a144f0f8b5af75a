// Staff single sign-on through a real OpenID provider (oidc-provider, started from
// e2e/oidc/provider.mjs): Sign in with Test ID on the staff sign-in page, the provider's own
// login and consent pages, and back in the console, where the first sign-in made the account
// with the role the provider's claim names. Password sign-in for staff is turned off here, and
// an address the provider has not verified is refused.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { shot } from '../lib/browser.js';
import { harness } from '../lib/harness.js';
import { freePort } from '../lib/server.js';
import { startProvider, CLIENT_ID, CLIENT_SECRET } from '../lib/oidc.js';
import { text } from '../lib/portal.js';

// The provider must know partnerhub's callback before either starts.
const port = await freePort();
const provider = await startProvider(`http://127.0.0.1:${port}/sso/callback`);
after(() => provider.stop());

const { env, open, onFailure } = harness('sso', {
  port,
  args: [
    '--sso-issuer', provider.issuer,
    '--sso-client-id', CLIENT_ID,
    '--sso-name', 'Test ID',
    '--sso-scopes', 'openid email profile partnerhub',
    '--sso-create-staff', 'true',
    '--sso-staff-password', 'false',
  ],
  // The secret has no flag: it never shows in a process list.
  env: { PARTNERHUB_SSO_CLIENT_SECRET: CLIENT_SECRET },
});

/** From the staff sign-in page through the provider's pages as `login`. */
async function signInThroughProvider(page, login) {
  await page.goto(`${env.server.url}/staff/signin`);
  await page.getByRole('button', { name: 'Sign in with Test ID' }).click();
  await page.waitForURL(`${provider.issuer}/**`);
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password at all');
  await shot(page, `provider-login-${login}`);
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('a program admin signs in to the console through the OpenID provider', async (t) => {
  try {
    const page = await open();
    await page.goto(`${env.server.url}/staff/signin`);
    await shot(page, 'staff-signin');
    assert.equal(await page.locator('input[name="password"]').count(), 0, 'no password form: staff sign in with the provider');

    await signInThroughProvider(page, 'ada');
    await page.waitForURL(`${env.server.url}/staff`);
    await shot(page, 'console-after-sso');
    assert.match(await text(page.locator('header .who')), /Ada Lovelace · Program admin/);
    await page.goto(`${env.server.url}/staff/team`);
    assert.match(await text(page.locator('main')), /ada@vendor\.example/);
  } catch (err) {
    await onFailure(t, err);
  }
});

test('an address the provider has not verified is refused with a clear message', async (t) => {
  try {
    const page = await open();
    await signInThroughProvider(page, 'una');
    await page.waitForURL(`${env.server.url}/sso/callback**`);
    await shot(page, 'refused-unverified');
    assert.match(await text(page.locator('.error')), /Test ID has not verified your e-mail address/);
    assert.equal(await page.locator('header .who').count(), 0, 'not signed in');
  } catch (err) {
    await onFailure(t, err);
  }
});
