// Passkeys through Chromium's virtual authenticator (DevTools protocol WebAuthn domain: a CTAP2
// platform authenticator with resident keys and user verification): a partner user adds a
// passkey on her account's Passkeys page, gives it as her second factor after her password,
// signs in with it alone, then removes it and is refused; a staff member does the same at the
// staff console. The server runs at
// http://localhost:PORT: a relying party needs a host name, and localhost is a secure context.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot } from '../lib/browser.js';
import { harness } from '../lib/harness.js';
import { text, signUp, staffSignIn, clickAndLoad } from '../lib/portal.js';

const ada = {
  company: 'Keyless Systems BV', country: 'US', name: 'Ada Keyless',
  email: 'ada@keyless.example', password: 'passwords are not enough 1',
};

const { env, open, onFailure } = harness('passkeys', { host: 'localhost' });

/** Gives `page` a virtual platform authenticator that verifies its user at once. */
async function withAuthenticator(page) {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  const credentials = async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials;
  return { credentials };
}

/** On a Passkeys page: names a new passkey and adds it; ends on the page with its notice. */
async function addPasskey(page, name) {
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Add a passkey' }).click();
  await page.waitForURL(/\?notice=passkey_added$/);
  assert.match(await text(page.getByRole('status')), /Passkey added/);
}

/** The rows of the passkeys table: [name, created, last used]. */
async function passkeyRows(page) {
  const rows = page.locator('main table tbody tr');
  const out = [];
  for (let i = 0; i < (await rows.count()); i++) {
    const cells = rows.nth(i).locator('td');
    out.push([await cells.nth(0).innerText(), await cells.nth(1).innerText(), await cells.nth(2).innerText()]);
  }
  return out;
}

test('a partner user adds a passkey, uses it after her password and alone, and a removed one is refused', async (t) => {
  try {
    const page = await open();
    const device = await withAuthenticator(page);
    await signUp(page, env.server.url, ada);

    await page.getByRole('link', { name: 'Account' }).click();
    await page.getByRole('link', { name: 'Security' }).click();
    await page.waitForURL(/\/account\/security$/);
    await page.getByRole('link', { name: 'Manage passkeys' }).click();
    await page.waitForURL(/\/account\/security\/passkeys$/);
    assert.equal(await text(page.locator('h1')), 'Passkeys');
    assert.match(await text(page.locator('main')), /You have no passkeys yet/);
    await shot(page, 'no-passkeys');

    await addPasskey(page, 'This laptop');
    const [[name, , lastUsed]] = await passkeyRows(page);
    assert.equal(name, 'This laptop');
    assert.equal(lastUsed, 'never');
    const held = await device.credentials();
    assert.equal(held.length, 1, 'the authenticator holds one credential');
    assert.equal(held[0].isResidentCredential, true, 'a discoverable one');
    await shot(page, 'passkey-added');

    // With a passkey, a right password is not enough: the passkey is the second factor.
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign out' }));
    await page.waitForURL(/\/signin(\?|$)/);
    await page.getByLabel('E-mail').fill(ada.email);
    await page.getByLabel('Password').fill(ada.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(/\/signin\/verify$/);
    assert.match(await text(page.locator('main')), /use one of your passkeys/);
    await shot(page, 'verify-offers-passkey');
    await page.getByRole('button', { name: 'Use a passkey' }).click();
    await page.waitForURL(/\/dashboard$/);
    assert.match(await text(page.locator('.who')), /Ada Keyless · Global admin/);

    // Signed out, no e-mail address typed: the passkey names its account.
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign out' }));
    await page.waitForURL(/\/signin(\?|$)/);
    await shot(page, 'signin-offers-passkey');
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL(/\/dashboard$/);
    assert.match(await text(page.locator('.who')), /Ada Keyless · Global admin/);
    assert.equal(await text(page.locator('main h2').first()), ada.company);
    await shot(page, 'signed-in-with-passkey');

    await page.goto(`${env.server.url}/account/security/passkeys`);
    const [[, , usedAt]] = await passkeyRows(page);
    assert.match(usedAt, /^[A-Z][a-z]+ \d{1,2}, \d{4} at \d{1,2}:\d{2}\s[AP]M UTC$/, 'the sign-in shows as its last use');

    await clickAndLoad(page, page.getByRole('button', { name: 'Remove This laptop' }));
    assert.match(await text(page.getByRole('status')), /Passkey removed/);
    assert.deepEqual(await passkeyRows(page), []);

    // The device still holds the credential; the server no longer knows it.
    await clickAndLoad(page, page.getByRole('button', { name: 'Sign out' }));
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    const error = page.locator('#passkey-error');
    await error.waitFor({ state: 'visible' });
    assert.match(await text(error), /does not open an account here/);
    assert.match(new URL(page.url()).pathname, /^\/signin$/);
    await shot(page, 'removed-passkey-refused');
  } catch (err) {
    await onFailure(t, err);
  }
});

test('a staff member signs in to the console with a passkey', async (t) => {
  try {
    const page = await open();
    await withAuthenticator(page);
    await staffSignIn(page, env.server);
    await page.goto(`${env.server.url}/staff/account/security`);
    await page.getByRole('link', { name: 'Manage passkeys' }).click();
    await page.waitForURL(/\/staff\/account\/security\/passkeys$/);
    await addPasskey(page, 'Console key');

    await clickAndLoad(page, page.getByRole('button', { name: 'Sign out' }));
    await page.waitForURL(/\/staff\/signin$/);
    // At the partner door, the staff passkey opens nothing.
    await page.goto(`${env.server.url}/signin`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.locator('#passkey-error').waitFor({ state: 'visible' });
    assert.match(await text(page.locator('#passkey-error')), /does not open an account here/);

    await page.goto(`${env.server.url}/staff/signin`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await page.waitForURL((u) => u.pathname === '/staff');
    assert.match(await text(page.locator('.who')), /Program admin/);
    await shot(page, 'staff-signed-in-with-passkey');
  } catch (err) {
    await onFailure(t, err);
  }
});
