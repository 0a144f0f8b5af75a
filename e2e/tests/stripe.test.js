// Buying the Action Pack with the Stripe gateway against localstripe: the card is entered in the
// Stripe.js card element (localstripe's stand-in Stripe.js), confirmed as a SetupIntent in the
// browser by /static/stripe-card.js, and only the payment method id reaches partnerhub.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/server.js';
import { startLocalstripe } from '../lib/localstripe.js';
import { launchBrowser, newPage, artifactsFor, shot, ARTIFACTS_DIR } from '../lib/browser.js';
import { text, signUp, openOffersFromMenu, actionPackCard, orderIdOf, currentStep, clickAndLoad } from '../lib/portal.js';

let localstripe;
let server;
let browser;
const openPages = [];
const artifacts = artifactsFor('stripe');

before(async () => {
  localstripe = await startLocalstripe();
  server = await startServer({ args: localstripe.serverArgs() });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  mkdirSync(artifacts.dir, { recursive: true });
  if (server) writeFileSync(path.join(artifacts.dir, 'server.log'), server.output());
  if (localstripe) writeFileSync(path.join(artifacts.dir, 'localstripe.log'), localstripe.output());
  await server?.stop();
  await localstripe?.stop();
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
  t.diagnostic(`screenshots, server.log and localstripe.log in ${artifacts.dir}`);
  throw err;
}

/** The inputs localstripe's fake card element mounts into #card-element (by placeholder). */
function cardInputs(page) {
  const input = (name) => page.locator(`#card-element input[placeholder="${name}"]`);
  return {
    number: input('number'),
    expMonth: input('exp_month'),
    expYear: input('exp_year'), // two digits: the element prefixes "20"
    cvc: input('cvc'),
    postalCode: input('postal_code'),
  };
}

async function typeCard(page, { number, month = '12', year2 = String((new Date().getFullYear() + 3) % 100), cvc = '123', zip = '10001' }) {
  const inputs = cardInputs(page);
  // Typed key by key, as a person would: the element listens to input events.
  for (const [locator, value] of [
    [inputs.number, number], [inputs.expMonth, month], [inputs.expYear, year2], [inputs.cvc, cvc], [inputs.postalCode, zip],
  ]) {
    await locator.fill('');
    await locator.pressSequentially(value);
  }
}

test('a US partner buys the Action Pack with a card entered in Stripe.js (localstripe)', async (t) => {
  const url = server.url;
  const sam = {
    company: 'Stripe Street Corp', country: 'US', name: 'Sam Stripe',
    email: 'sam@stripe-street.example', password: 'setup intents all the way',
  };
  try {
    const page = await open();
    const consoleErrors = [];
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      const where = m.location()?.url ?? '';
      // The browser's own favicon probe and localstripe's 402 for the refused card are expected.
      if (/\/favicon\.ico$/.test(where) || (/status of 402/.test(m.text()) && where.startsWith(localstripe.url))) {
        t.diagnostic(`expected console error: ${m.text()} (${where})`);
        return;
      }
      consoleErrors.push(`${m.text()} (${where})`);
    });
    page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));

    await signUp(page, url, sam);
    await openOffersFromMenu(page);
    const card = actionPackCard(page);
    assert.match(await text(card), /\$475\.00 a year/);
    await shot(page, 'offers');
    await card.getByRole('button', { name: 'Subscribe now' }).click();
    await page.waitForURL(/\/orders\/[^/]+$/);
    const orderId = orderIdOf(page);
    assert.equal(await currentStep(page), 'Terms');
    await shot(page, 'terms');
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.equal(await currentStep(page), 'Payment');
    await shot(page, 'payment-no-card');

    // Get started! Add a way to pay → the Stripe card page.
    const [cardResponse] = await Promise.all([
      page.waitForResponse((r) => new URL(r.url()).pathname === `/orders/${orderId}/card`),
      page.getByRole('link', { name: 'Get started! Add a way to pay' }).click(),
    ]);
    await page.waitForURL(new RegExp(`/orders/${orderId}/card$`));
    const csp = cardResponse.headers()['content-security-policy'] ?? '';
    assert.match(csp, new RegExp(`script-src[^;]*${localstripe.url.replace(/[.:/]/g, '\\$&')}`), `CSP: ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline/, 'no inline script allowed');
    const form = page.locator('#card-form');
    assert.equal(await form.getAttribute('data-publishable-key'), localstripe.publishableKey);
    const setupSecret = await form.getAttribute('data-setup-secret');
    assert.match(setupSecret, /^seti_\w+_secret_\w+$/);
    assert.equal(await page.getByLabel('Card number').count(), 0, 'no card fields of our own');
    assert.equal(await page.locator('#card-errors').isVisible(), false, 'no error yet');
    // Stripe.js (localstripe's) mounted its element.
    await cardInputs(page).number.waitFor();
    assert.match(await text(page.locator('#card-element')), /localstripe/);
    await shot(page, 'stripe-card-element');

    // A card the issuer refuses at setup: the error shows on the page, which stays.
    await typeCard(page, { number: '4000000000000002' });
    await page.getByRole('button', { name: 'Next' }).click();
    const errors = page.locator('#card-errors');
    await errors.waitFor({ state: 'visible' });
    assert.match(await text(errors), /Your card was declined\./);
    assert.equal(await errors.getAttribute('role'), 'alert');
    assert.match(page.url(), new RegExp(`/orders/${orderId}/card$`), 'still on the card page');
    assert.equal(await page.getByRole('button', { name: 'Next' }).isEnabled(), true, 'Next works again');
    assert.equal(await page.locator('#stripe-payment-method').inputValue(), '');
    await shot(page, 'stripe-card-declined');

    // 4242 4242 4242 4242 → Next → the review.
    await typeCard(page, { number: '4242424242424242' });
    await shot(page, 'stripe-card-4242');
    const [cardPost] = await Promise.all([
      page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === `/orders/${orderId}/card`),
      page.getByRole('button', { name: 'Next' }).click(),
    ]);
    const posted = new URLSearchParams(cardPost.postData() ?? '');
    assert.match(posted.get('stripe_payment_method') ?? '', /^pm_\w+$/, 'the form posts the payment method id');
    assert.ok(![...posted.values()].some((v) => v.includes('4242424242424242')), 'the card number never reaches partnerhub');
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.equal(await currentStep(page), 'Review');
    assert.equal(await text(page.locator('#review-card')), 'Visa •••• 4242');
    assert.equal(await text(page.locator('#review-net')), '$475.00');
    assert.equal(await text(page.locator('#review-tax')), '$0.00');
    assert.equal(await text(page.locator('#review-total')), '$475.00');
    await shot(page, 'review');

    // Buy → Your order is confirmed.
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);
    assert.equal(await text(page.locator('#order-number')), orderId);
    assert.match(await text(page.locator('#invoice-link')), /^INV-\d{4}-\d{6}$/);
    await shot(page, 'confirmed');
    await page.getByRole('link', { name: 'Close' }).click();
    await page.waitForURL(/\/partnership\/offers$/);
    assert.equal(await page.getByRole('link', { name: /Action Pack subscription/ }).count(), 1);
    await shot(page, 'offers-purchased');

    // localstripe holds exactly one succeeded PaymentIntent: 475.00 USD for the org's customer.
    const intents = (await localstripe.api('GET', '/v1/payment_intents?limit=100')).data;
    const succeeded = intents.filter((pi) => pi.status === 'succeeded');
    assert.equal(succeeded.length, 1, `one succeeded PaymentIntent in ${JSON.stringify(intents.map((pi) => [pi.id, pi.status, pi.amount]))}`);
    assert.equal(succeeded[0].amount, 47500);
    assert.equal(succeeded[0].currency, 'usd');
    assert.equal(succeeded[0].payment_method, posted.get('stripe_payment_method'), 'charged the card set up in the browser');
    const pm = await localstripe.api('GET', `/v1/payment_methods/${succeeded[0].payment_method}`);
    assert.equal(pm.card.last4, '4242');
    assert.equal(pm.customer, succeeded[0].customer, "the card is attached to the org's customer");

    assert.deepEqual(consoleErrors, [], 'no script errors or CSP violations');
  } catch (err) {
    await onFailure(t, err);
  }
});

test('with Stripe, a card declined at Buy returns to the payment step and charges nothing', async (t) => {
  const url = server.url;
  const dee = {
    company: 'Declined Stripe Co', country: 'US', name: 'Dee Declined',
    email: 'dee@declined-stripe.example', password: 'four thousand three four one',
  };
  try {
    const page = await open();
    await signUp(page, url, dee);
    await openOffersFromMenu(page);
    await actionPackCard(page).getByRole('button', { name: 'Subscribe now' }).click();
    await page.waitForURL(/\/orders\/[^/]+$/);
    const orderId = orderIdOf(page);
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    await page.getByRole('link', { name: 'Get started! Add a way to pay' }).click();
    await page.waitForURL(new RegExp(`/orders/${orderId}/card$`));
    await cardInputs(page).number.waitFor();

    // 4000000000000341 attaches fine and is declined when charged.
    await typeCard(page, { number: '4000000000000341' });
    await shot(page, 'decline-card-0341');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.equal(await currentStep(page), 'Review');
    assert.equal(await text(page.locator('#review-card')), 'Visa •••• 0341');
    await shot(page, 'decline-review');
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));
    assert.equal(await currentStep(page), 'Payment');
    assert.match(await text(page.getByRole('alert')), /Your card was declined\./);
    assert.doesNotMatch(await text(page.locator('main')), /Your order is confirmed/);
    await shot(page, 'decline-payment-step');

    // Nothing succeeded for this org's Stripe customer.
    const customers = (await localstripe.api('GET', '/v1/customers?limit=100')).data;
    const pms = (await Promise.all(customers.map((c) =>
      localstripe.api('GET', `/v1/payment_methods?customer=${c.id}&type=card`)))).flatMap((l) => l.data);
    const pm0341 = pms.filter((pm) => pm.card.last4 === '0341');
    assert.equal(pm0341.length, 1, 'the 0341 card is attached to one customer');
    const intents = (await localstripe.api('GET', '/v1/payment_intents?limit=100')).data
      .filter((pi) => pi.customer === pm0341[0].customer);
    t.diagnostic(`PaymentIntents of the declined org: ${JSON.stringify(intents.map((pi) => [pi.status, pi.amount, pi.currency]))}`);
    assert.equal(intents.filter((pi) => pi.status === 'succeeded').length, 0, 'no succeeded PaymentIntent');
  } catch (err) {
    await onFailure(t, err);
  }
});
