// E-mailed links end to end, with the mail as a real SMTP server (aiosmtpd) received it: a new
// partner cannot buy until she confirms her address, confirms it from the e-mail and buys; a
// partner who forgot her password gets a link and chooses a new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot } from '../lib/browser.js';
import { harness } from '../lib/harness.js';
import { waitForMail, linkIn } from '../lib/server.js';
import {
  text, signUp, signUpUnverified, signIn, openOffersFromMenu, actionPackCard, currentStep, fillSandboxCard,
  clickAndLoad, futureExpiry,
} from '../lib/portal.js';

const { env, open, onFailure } = harness('identity_email');

test('a new partner confirms her address from the e-mail, then buys', async (t) => {
  const url = env.server.url;
  const ivy = {
    company: 'Inbox Verified Ltd', country: 'US', name: 'Ivy Inbox',
    email: 'ivy@inbox-verified.example', password: 'check your mail first 1',
  };
  try {
    const page = await open();
    await signUpUnverified(page, url, ivy);
    const banner = page.locator('#unverified-banner');
    assert.match(await text(banner), /Confirm your e-mail address: open the link we sent to ivy@inbox-verified\.example/);
    await shot(page, 'dashboard-unverified');

    // She may look at the offers, but Subscribe now says why not, with Resend.
    await openOffersFromMenu(page);
    await clickAndLoad(page, actionPackCard(page).getByRole('button', { name: 'Subscribe now' }));
    assert.match(await text(page.getByRole('alert')), /Confirm your e-mail address before you buy/);
    assert.equal(await banner.getByRole('button', { name: 'Resend' }).count(), 1);
    await shot(page, 'subscribe-refused');

    // The link from the e-mail her mail server received: a page with a button, then confirmed.
    const mail = await waitForMail(env.server, ivy.email, /\/verify-email\//);
    assert.match(mail, /works once, for 24 hours/);
    await page.goto(linkIn(mail, '/verify-email/'));
    assert.equal(await text(page.locator('h1')), 'Confirm your e-mail address');
    assert.match(await text(page.locator('main')), /Confirm that ivy@inbox-verified\.example is your e-mail address/);
    await shot(page, 'confirm-page');
    await clickAndLoad(page, page.getByRole('button', { name: 'Confirm' }));
    await page.waitForURL(/\/dashboard\?notice=email_verified$/);
    assert.match(await text(page.locator('.notice')), /your e-mail address is confirmed/);
    assert.equal(await banner.count(), 0, 'no more note');
    await shot(page, 'confirmed');

    // Buy the Action Pack (the checkout test walks the wizard in detail).
    await openOffersFromMenu(page);
    await clickAndLoad(page, actionPackCard(page).getByRole('button', { name: 'Subscribe now' }));
    await page.waitForURL(/\/orders\/[^/]+$/);
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    assert.equal(await currentStep(page), 'Payment');
    await page.getByRole('link', { name: 'Get started! Add a way to pay' }).click();
    await fillSandboxCard(page, { number: '4242424242424242', ...futureExpiry() });
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);
    await shot(page, 'bought');
  } catch (err) {
    await onFailure(t, err);
  }
});

test('a partner who forgot her password chooses a new one through the e-mailed link', async (t) => {
  const url = env.server.url;
  const fay = {
    company: 'Forgetful Ltd', country: 'US', name: 'Fay Forgetful',
    email: 'fay@forgetful.example', password: 'i will forget this one',
  };
  const newPassword = 'remembered at last, truly';
  try {
    const page = await open();
    await signUp(page, url, fay);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(/\/signin(\?|$)/);

    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.waitForURL(/\/forgot-password$/);
    await page.getByLabel('E-mail').fill(fay.email);
    await shot(page, 'forgot-form');
    await clickAndLoad(page, page.getByRole('button', { name: 'E-mail me a link' }));
    assert.match(await text(page.locator('.notice')), /If an account has that address, we have e-mailed it a link/);
    await shot(page, 'forgot-answer');

    const mail = await waitForMail(env.server, fay.email, /\/reset-password\//);
    assert.match(mail, /works once, for 60 minutes/);
    await page.goto(linkIn(mail, '/reset-password/'));
    assert.equal(await text(page.locator('h1')), 'Choose a new password');
    await page.getByLabel('New password').fill('zzzzzzzzzzzzzzzz');
    await clickAndLoad(page, page.getByRole('button', { name: 'Set password' }));
    assert.match(await text(page.getByRole('alert')), /not one repeated character/, 'the password rules apply');
    await page.getByLabel('New password').fill(newPassword);
    await shot(page, 'new-password');
    await clickAndLoad(page, page.getByRole('button', { name: 'Set password' }));
    await page.waitForURL(/\/signin\?notice=password_set$/);
    assert.match(await text(page.locator('.notice')), /Your password is set/);

    await signIn(page, url, { email: fay.email, password: newPassword });
    assert.match(await text(page.locator('.who')), /Fay Forgetful · Global admin/);
    const told = await waitForMail(env.server, fay.email, /was just changed/);
    assert.match(told, /Forgot your password\?/);
    await shot(page, 'signed-in-again');

    // The link worked once.
    await page.goto(linkIn(mail, '/reset-password/'));
    assert.match(await text(page.locator('#link-gone')), /has been used already/);
    assert.equal(await page.getByRole('link', { name: 'Ask for a new link' }).count(), 1);
  } catch (err) {
    await onFailure(t, err);
  }
});
