// "Cancel your Action Pack subscription": Support → Report problems → New request → Type of
// problem: Help with partner invoice, payment, or reconciliation file → Submit; staff answer in
// the request, and cancel the subscription now with the refund its policy gives; the partner
// follows it under Service requests > Partner requests and finds the refund's credit note.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot } from '../lib/browser.js';
import { harness } from '../lib/harness.js';
import {
  text, signUp, clickAndLoad, staffSignIn, openOffersFromMenu, actionPackCard, fillSandboxCard, futureExpiry,
} from '../lib/portal.js';

const owner = {
  company: 'Support Seekers LLC', country: 'US', name: 'Sue Seeker',
  email: 'sue@support-seekers.example', password: 'please cancel it 1',
};

const { env, open, onFailure } = harness('support');

test('a partner asks support to cancel and follows the request', async (t) => {
  try {
    const page = await open();
    await signUp(page, env.server.url, owner);

    await page.getByRole('navigation').getByRole('link', { name: 'Support' }).click();
    await page.waitForURL(/\/support$/);
    await page.getByRole('link', { name: 'Report problems' }).click();
    await page.waitForURL(/\/support\/report$/);
    await page.getByRole('link', { name: 'New request' }).click();
    await page.waitForURL(/\/support\/requests\/new$/);
    await page.getByLabel('Type of problem').selectOption({ label: 'Help with partner invoice, payment, or reconciliation file' });
    await page.getByLabel('Title').fill('Cancel our Action Pack');
    await page.getByLabel('Description').fill('Please cancel our Action Pack subscription.');
    assert.equal(await page.getByLabel('Contact e-mail').inputValue(), owner.email, 'the contact defaults to me');
    await shot(page, 'new-request');
    await clickAndLoad(page, page.getByRole('button', { name: 'Submit' }));
    assert.match(await text(page.getByRole('status')), /Request submitted/);
    assert.match(await text(page.locator('h1')), /^SR-\d{6}: Cancel our Action Pack$/);
    const number = (await text(page.locator('h1'))).split(':')[0];

    // The support team answers in the request.
    const staff = await open();
    await staffSignIn(staff, env.server);
    await staff.getByRole('navigation').getByRole('link', { name: 'Requests' }).click();
    await staff.getByRole('link', { name: number }).click();
    await staff.getByLabel(/Answer/).fill('We can cancel at once or at the end of the term; which do you prefer?');
    await staff.getByLabel('Status').selectOption('waiting_for_partner');
    await clickAndLoad(staff, staff.getByRole('button', { name: 'Save' }));
    assert.equal(await text(staff.locator('#request-status')), 'Waiting for partner');

    // Service requests > Partner requests → Open → the request.
    await page.goto(`${env.server.url}/support`);
    await page.getByRole('link', { name: 'Service requests > Partner requests' }).click();
    await page.getByRole('link', { name: 'Open', exact: true }).click();
    await page.getByRole('link', { name: number }).click();
    assert.equal(await text(page.locator('#request-status')), 'Waiting for partner');
    assert.match(await text(page.locator('main')), /which do you prefer\?/);
    await page.getByLabel('Reply').fill('At the end of the term, please.');
    await clickAndLoad(page, page.getByRole('button', { name: 'Send' }));
    assert.equal(await text(page.locator('#request-status')), 'In progress');
    await shot(page, 'conversation');
  } catch (err) {
    await onFailure(t, err);
  }
});

const buyer = {
  company: 'Closing Shop Inc', country: 'US', name: 'Cleo Closer',
  email: 'cleo@closing-shop.example', password: 'we are closing 1',
};

test('staff cancel the Action Pack now and the partner sees the refund and its credit note', async (t) => {
  try {
    const page = await open();
    await signUp(page, env.server.url, buyer);
    await openOffersFromMenu(page);
    await actionPackCard(page).getByRole('button', { name: 'Subscribe now' }).click();
    await page.waitForURL(/\/orders\/[^/]+$/);
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    await page.getByRole('link', { name: 'Get started! Add a way to pay' }).click();
    await fillSandboxCard(page, { number: '4242424242424242', ...futureExpiry() });
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);

    // Support → Report problems → New request, about the subscription.
    await page.getByRole('navigation').getByRole('link', { name: 'Support' }).click();
    await page.getByRole('link', { name: 'Report problems' }).click();
    await page.getByRole('link', { name: 'New request' }).click();
    await page.getByLabel('Type of problem').selectOption({ label: 'Help with partner invoice, payment, or reconciliation file' });
    const subscription = page.getByLabel(/^Subscription/);
    const value = await subscription.locator('option', { hasText: 'Action Pack subscription' }).getAttribute('value');
    await subscription.selectOption(value);
    await page.getByLabel('Title').fill('Cancel Action Pack now');
    await page.getByLabel('Description').fill('We are closing; please cancel at once and refund.');
    await clickAndLoad(page, page.getByRole('button', { name: 'Submit' }));
    const number = (await text(page.locator('h1'))).split(':')[0];

    // Staff see the refund before confirming, then cancel now.
    const staff = await open();
    await staffSignIn(staff, env.server);
    await staff.getByRole('navigation').getByRole('link', { name: 'Requests' }).click();
    await staff.getByLabel('Type of problem').selectOption({ label: 'Help with partner invoice, payment, or reconciliation file' });
    await clickAndLoad(staff, staff.getByRole('button', { name: 'Filter' }));
    await staff.getByRole('link', { name: number }).click();
    assert.match(await text(staff.locator('#refund-quote')), /full refund within 30 days of the payment/);
    // The console writes money as its reader's locale does ("$475.00" in English).
    const total = await text(staff.locator('#refund-total'));
    assert.match(total, /^\$\d{1,3}(,\d{3})*\.\d{2}$/);
    const digits = (s) => s.replace(/\D/g, '');
    await shot(staff, 'refund-quote');
    await clickAndLoad(staff, staff.getByRole('button', { name: 'Cancel now' }));
    assert.equal(await text(staff.locator('#request-status')), 'Resolved');
    assert.match(await text(staff.locator('main')), /Made on/);

    // Service requests > Partner requests → Closed → the request: what staff did.
    await page.goto(`${env.server.url}/support`);
    await page.getByRole('link', { name: 'Service requests > Partner requests' }).click();
    await page.getByRole('link', { name: 'Closed', exact: true }).click();
    await page.getByRole('link', { name: number }).click();
    const main = await text(page.locator('main'));
    assert.match(main, /Subscription cancelled/);
    const refund = main.match(/Refund of (\S+ USD) made to Visa •••• 4242/);
    assert.ok(refund && digits(refund[1]) === digits(total), main);
    await shot(page, 'cancelled');
    await page.getByRole('link', { name: /^CN-\d{4}-\d{6}$/ }).click();
    // The same amount, as the partner's page writes money ("$475.00").
    const credited = await text(page.locator('#credit-note-total'));
    assert.match(credited, /^\$[\d,]+\.\d{2}$/);
    assert.equal(digits(credited), digits(total));
  } catch (err) {
    await onFailure(t, err);
  }
});
