// Buying the Action Pack through the browser with the sandbox gateway (the default), as in the
// seed's "Purchase Microsoft Action Pack": Dashboard → Partnership > Offers → Subscribe now →
// Next (terms) → Get started! Add a way to pay → card → Next → Buy → Close.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/server.js';
import { launchBrowser, newPage, artifactsFor, shot, ARTIFACTS_DIR } from '../lib/browser.js';
import {
  text, futureExpiry, signUp, openOffersFromMenu, offerSections, actionPackCard, orderIdOf, currentStep,
  fillSandboxCard, clickAndLoad, staffSignIn, invitationLinkFromOutbox, invite, acceptInvitation, csrfOf,
} from '../lib/portal.js';

let server;
let browser;
let openPages = [];
let artifactsDir = path.join(ARTIFACTS_DIR, 'checkout');
const LOG_DIR = path.join(ARTIFACTS_DIR, 'checkout');

const INVOICE_NUMBER = /^INV-\d{4}-\d{6}$/;

const expiry = futureExpiry();

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close().catch(() => {});
  if (server) {
    mkdirSync(LOG_DIR, { recursive: true });
    writeFileSync(path.join(LOG_DIR, 'server.log'), server.output());
  }
  await server?.stop();
});

/** Each test: its own screenshots directory e2e/artifacts/checkout-<name>/ and fresh pages. */
function begin(name) {
  artifactsDir = artifactsFor(`checkout-${name}`).dir;
  openPages = [];
}

async function open() {
  const { page } = await newPage(browser);
  openPages.push(page);
  return page;
}

async function onFailure(t, err) {
  for (const [i, page] of openPages.entries()) {
    if (!page.isClosed()) await shot(page, `FAILED-context${i + 1}`).catch(() => {});
  }
  t.diagnostic(`screenshots in ${artifactsDir}, server log in ${LOG_DIR}/server.log`);
  throw err;
}

async function closeAll() {
  for (const page of openPages) await page.context().close().catch(() => {});
}

/** Offers → Subscribe now on the Action Pack card; ends on the order's Terms step. */
async function subscribeNow(page) {
  const card = actionPackCard(page);
  assert.equal(await card.count(), 1, 'the Action Pack is under Available offers');
  await card.getByRole('button', { name: 'Subscribe now' }).click();
  await page.waitForURL(/\/orders\/[^/]+$/);
  return orderIdOf(page);
}

/** Terms step → Next; ends on the Payment step. */
async function acceptTerms(page) {
  assert.equal(await currentStep(page), 'Terms');
  await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
  await page.waitForURL(/\/orders\/[^/]+$/);
  assert.equal(await currentStep(page), 'Payment');
}

async function reviewFacts(page) {
  return {
    term: await text(page.locator('#review-term')),
    net: await text(page.locator('#review-net')),
    tax: await text(page.locator('#review-tax')),
    total: await text(page.locator('#review-total')),
    card: await text(page.locator('#review-card')),
  };
}

test('a Global admin buys the Action Pack with a card, gets an invoice and sees it purchased', async (t) => {
  begin('purchase');
  const url = server.url;
  const ada = {
    company: 'Albion Cloud Ltd', country: 'GB', name: 'Ada Lovelace',
    email: 'ada@albion-cloud.example', password: 'analytical engine 1843',
  };
  try {
    const page = await open();
    await signUp(page, url, ada);
    await shot(page, 'dashboard');

    // 1. Dashboard menu → Partnership > Offers: the Action Pack under Available offers.
    await openOffersFromMenu(page);
    const { available, purchased } = offerSections(page);
    const card = actionPackCard(page);
    assert.equal(await card.count(), 1, 'one Action Pack card under Available offers');
    assert.match(await text(card), /£375\.00 a year, plus tax/);
    assert.match(await text(purchased), /not bought any offers yet/);
    await shot(page, 'offers');

    // 1. Subscribe now → the wizard at the Terms step.
    const orderId = await subscribeNow(page);
    assert.match(await text(page.locator('h1')), /Subscribe to .*Action Pack/);
    assert.equal(await currentStep(page), 'Terms');
    assert.ok((await text(page.locator('.terms'))).length > 100, 'the terms text is shown');
    assert.match(await text(page.locator('main')), /By selecting Next you agree to the Terms and Conditions/);
    await shot(page, 'terms');

    // 2.–3. Next (agree to the terms) → Payment: no card yet.
    await acceptTerms(page);
    assert.equal(orderIdOf(page), orderId);
    assert.match(await text(page.locator('main')), /no way to pay yet/);
    await shot(page, 'payment-no-card');

    // 4. Get started! Add a way to pay → 5. the card, Next.
    await page.getByRole('link', { name: 'Get started! Add a way to pay' }).click();
    await page.waitForURL(new RegExp(`/orders/${orderId}/card$`));
    assert.equal(await text(page.locator('h1')), 'Add a way to pay');
    await page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await page.getByLabel('Expiry month').fill(expiry.month);
    await page.getByLabel('Expiry year').fill(expiry.year);
    await page.getByLabel('Security code').fill('123');
    await shot(page, 'card-form');
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));

    // 6. Review: GBP prices with 20% VAT, the card just added.
    assert.equal(await currentStep(page), 'Review');
    const review = await reviewFacts(page);
    assert.equal(review.net, '£375.00');
    assert.equal(review.tax, '£75.00');
    assert.equal(review.total, '£450.00');
    assert.equal(review.card, 'Visa •••• 4242');
    assert.match(review.term, /\d{4}/, `a term in "${review.term}"`);
    assert.match(await text(page.locator('table.review')), /Tax \(20/);
    await shot(page, 'review');

    // Buy → 7. Your order is confirmed.
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);
    assert.equal(await text(page.locator('#order-number')), orderId);
    const invoiceNumber = await text(page.locator('#invoice-link'));
    assert.match(invoiceNumber, INVOICE_NUMBER);
    assert.equal(await page.locator('ol.wizard').count(), 0, 'no wizard steps once confirmed');
    assert.equal(await page.getByRole('button', { name: 'Buy' }).count(), 0, 'no Buy button once confirmed');
    await shot(page, 'confirmed');

    // The invoice: number, total, and its PDF.
    await page.locator('#invoice-link').click();
    await page.waitForURL(/\/invoices\/[^/]+$/);
    assert.equal(await text(page.locator('#invoice-number')), invoiceNumber);
    assert.equal(await text(page.locator('#invoice-total')), '£450.00');
    assert.match(await text(page.locator('article.invoice')), /Albion Cloud Ltd/);
    await shot(page, 'invoice');
    const pdfLink = page.getByRole('link', { name: 'Download PDF' });
    const pdfHref = await pdfLink.getAttribute('href');
    assert.match(pdfHref, /^\/invoices\/[^/]+\/pdf$/);
    assert.equal(pdfHref, `${new URL(page.url()).pathname}/pdf`);
    const pdf = await page.request.get(`${url}${pdfHref}`);
    assert.equal(pdf.status(), 200);
    assert.match(pdf.headers()['content-type'], /^application\/pdf/);
    const bytes = await pdf.body();
    assert.equal(bytes.subarray(0, 4).toString('latin1'), '%PDF', 'the body is a PDF');
    assert.ok(bytes.length > 1000, `a PDF of some size (${bytes.length} bytes)`);
    writeFileSync(path.join(artifactsDir, `${invoiceNumber}.pdf`), bytes);

    // Back to the confirmation, Close → Offers: purchased, no longer available.
    await page.goBack();
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);
    await page.getByRole('link', { name: 'Close' }).click();
    await page.waitForURL(/\/partnership\/offers$/);
    const bought = purchased.getByRole('link', { name: /Action Pack subscription/ });
    assert.equal(await bought.count(), 1, '"Action Pack subscription" under Purchased offers');
    assert.match(await bought.getAttribute('href'), /^\/subscriptions\/[^/]+$/);
    assert.equal(await actionPackCard(page).count(), 0, 'the Action Pack left Available offers');
    assert.equal(
      await available.locator('li', { hasText: 'Action Pack' }).getByRole('button', { name: 'Subscribe now' }).count(),
      0,
      'no Subscribe now for the Action Pack',
    );
    await shot(page, 'offers-purchased');

    // One invoice for the org.
    await page.goto(`${url}/invoices`);
    const rows = page.locator('tbody tr');
    assert.equal(await rows.count(), 1, 'exactly one invoice');
    assert.match(await text(rows.first()), new RegExp(`${invoiceNumber}[\\s\\S]*£450\\.00`));
    await shot(page, 'invoices');
  } catch (err) {
    await onFailure(t, err);
  } finally {
    await closeAll();
  }
});

test('a card declined at Buy returns to the payment step; another card then buys', async (t) => {
  begin('decline');
  const url = server.url;
  const dan = {
    company: 'Declinia Inc', country: 'US', name: 'Dan Decline',
    email: 'dan@declinia.example', password: 'declined twice, paid once',
  };
  try {
    const page = await open();
    await signUp(page, url, dan);
    await openOffersFromMenu(page);
    assert.match(await text(actionPackCard(page)), /\$475\.00 a year/);
    await shot(page, 'offers');
    const orderId = await subscribeNow(page);
    await shot(page, 'terms');
    await acceptTerms(page);
    await shot(page, 'payment-no-card');
    await page.getByRole('link', { name: 'Get started! Add a way to pay' }).click();
    await page.waitForURL(new RegExp(`/orders/${orderId}/card$`));
    await shot(page, 'card-form');

    // 4000000000000341: saved fine, declined when charged.
    await fillSandboxCard(page, { number: '4000000000000341', ...expiry });
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.equal(await currentStep(page), 'Review');
    let review = await reviewFacts(page);
    assert.deepEqual(
      [review.net, review.tax, review.total, review.card],
      ['$475.00', '$0.00', '$475.00', 'Visa •••• 0341'],
    );
    await shot(page, 'review-0341');
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));

    // Back at the payment step with the reason.
    assert.equal(await currentStep(page), 'Payment');
    const alert = page.getByRole('alert');
    assert.equal(await alert.count(), 1);
    assert.match(await text(alert), /Your card was declined\./);
    assert.doesNotMatch(await text(page.locator('main')), /Your order is confirmed/);
    assert.match(await text(page.locator('fieldset')), /Visa •••• 0341/, 'the saved card is offered');
    await shot(page, 'declined');

    // A card refused when saving (4000000000000002) stays on the card page with the reason.
    await page.getByRole('link', { name: 'Add another card' }).click();
    await page.waitForURL(new RegExp(`/orders/${orderId}/card$`));
    await fillSandboxCard(page, { number: '4000000000000002', ...expiry });
    assert.equal(await text(page.locator('h1')), 'Add a way to pay');
    assert.match(await text(page.getByRole('alert')), /declined/i);
    assert.equal(await page.getByLabel('Card number').inputValue(), '', 'the card number is not echoed back');
    await shot(page, 'card-0002-refused');

    // Add another card: 4242 → review → Buy works.
    await fillSandboxCard(page, { number: '4242424242424242', ...expiry });
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.equal(await currentStep(page), 'Review');
    review = await reviewFacts(page);
    assert.equal(review.card, 'Visa •••• 4242');
    assert.equal(review.total, '$475.00');
    await shot(page, 'review-4242');
    await t.test('the review of the new card shows no stale decline', async () => {
      const alert = page.getByRole('alert');
      assert.equal(await alert.count(), 0, `an alert on the review of Visa •••• 4242: "${await alert.allInnerTexts()}"`);
    });

    // Back to payment: both saved cards are offered (the refused 0002 is not), 4242 chosen.
    await clickAndLoad(page, page.getByRole('button', { name: 'Back to payment' }));
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.equal(await currentStep(page), 'Payment');
    const choices = page.locator('fieldset label.choice');
    assert.deepEqual(
      (await choices.allInnerTexts()).map((s) => s.replace(/\s+expires.*$/s, '').trim()).sort(),
      ['Visa •••• 0341', 'Visa •••• 4242'],
    );
    assert.ok(await choices.filter({ hasText: '4242' }).locator('input[type=radio]').isChecked(), '4242 is chosen');
    await shot(page, 'payment-two-cards');
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.equal(await currentStep(page), 'Review');
    assert.equal(await text(page.locator('#review-card')), 'Visa •••• 4242');
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);
    assert.match(await text(page.locator('#invoice-link')), INVOICE_NUMBER);
    await shot(page, 'confirmed');

    // Only the successful charge made an invoice.
    await page.goto(`${url}/invoices`);
    assert.equal(await page.locator('tbody tr').count(), 1, 'one invoice');
    assert.match(await text(page.locator('tbody tr').first()), /\$475\.00/);
    await shot(page, 'invoices');
  } catch (err) {
    await onFailure(t, err);
  } finally {
    await closeAll();
  }
});

test('a Member sees the offers but cannot subscribe or step through an order', async (t) => {
  begin('member');
  const url = server.url;
  const gia = {
    company: 'Membership Works Ltd', country: 'GB', name: 'Gia Global',
    email: 'gia@membership-works.example', password: 'global admin password 7',
  };
  const mo = { name: 'Mo Member', email: 'mo@membership-works.example', password: 'just a member here 8' };
  try {
    // Gia (Global admin) starts an order, and invites Mo as Member.
    const admin = await open();
    await signUp(admin, url, gia);
    await openOffersFromMenu(admin);
    const subscribeAction = await actionPackCard(admin).locator('form').getAttribute('action');
    assert.match(subscribeAction, /^\/partnership\/offers\/[^/]+\/subscribe$/);
    const orderId = await subscribeNow(admin);
    await shot(admin, 'admin-order-terms');
    await invite(admin, url, mo.email, 'member');
    await shot(admin, 'admin-invited-member');

    const staff = await open();
    await staffSignIn(staff, server);
    const link = await invitationLinkFromOutbox(staff, server, mo.email);
    await shot(staff, 'staff-outbox');

    const member = await open();
    await acceptInvitation(member, link, mo);
    assert.match(await text(member.locator('.who')), /Mo Member · Member/);
    await shot(member, 'member-dashboard');

    // Mo sees the Action Pack, but no Subscribe now.
    await openOffersFromMenu(member);
    const card = actionPackCard(member);
    assert.equal(await card.count(), 1, 'the Action Pack is listed for a Member');
    assert.match(await text(card), /£375\.00 a year/);
    assert.equal(await member.getByRole('button', { name: 'Subscribe now' }).count(), 0, 'no Subscribe now');
    assert.match(await text(card), /A Billing admin or a Global admin of your org can subscribe\./);
    await shot(member, 'member-offers');

    // The server refuses the Member's subscribe POST (with a valid csrf token, so it is the
    // role that is refused, not the form).
    const csrf = await csrfOf(member);
    const post = await member.request.post(`${url}${subscribeAction}`, { form: { csrf }, maxRedirects: 0 });
    assert.equal(post.status(), 403, `subscribe as a Member: ${post.status()} ${post.headers().location ?? ''}`);

    // …and refuses to move the admin's order on (accepting the terms on the org's behalf).
    const terms = await member.request.post(`${url}/orders/${orderId}/terms`, {
      form: { csrf, terms_version: '1' },
      maxRedirects: 0,
    });
    assert.equal(terms.status(), 403, `accept terms as a Member: ${terms.status()}`);

    // The wizard page itself is not for a Member either.
    const res = await member.goto(`${url}/orders/${orderId}`);
    await shot(member, 'member-opens-admin-order');
    await t.test("a Member's GET of the org's order at the Terms step is refused", async () => {
      assert.ok([403, 404].includes(res.status()), `GET the admin's order as a Member: ${res.status()}`);
      assert.equal(await member.getByRole('button', { name: 'Next' }).count(), 0, 'no Next button for a Member');
    });

    // Gia's order is still at the Terms step, and Subscribe now returns to it.
    await openOffersFromMenu(admin);
    assert.equal(await subscribeNow(admin), orderId);
    assert.equal(await currentStep(admin), 'Terms');
    await shot(admin, 'admin-order-unchanged');

    // Once Gia is at the Payment step (the org's cards), the Member is refused the page.
    await acceptTerms(admin);
    const later = await member.goto(`${url}/orders/${orderId}`);
    assert.ok([403, 404].includes(later.status()), `GET the order at the Payment step as a Member: ${later.status()}`);
    assert.equal(await member.getByRole('button', { name: 'Next' }).count(), 0);
    assert.equal(await member.getByRole('link', { name: /Add a way to pay|Add another card/ }).count(), 0);
    await shot(member, 'member-order-refused');
  } catch (err) {
    await onFailure(t, err);
  } finally {
    await closeAll();
  }
});

test('reload and the back button keep the wizard state', async (t) => {
  begin('reload-back');
  const url = server.url;
  const rex = {
    company: 'Reload & Back LLC', country: 'US', name: 'Rex Reload',
    email: 'rex@reload-back.example', password: 'press F5 all day long',
  };
  try {
    const page = await open();
    await signUp(page, url, rex);
    await openOffersFromMenu(page);
    const orderId = await subscribeNow(page);
    await page.reload();
    assert.equal(orderIdOf(page), orderId);
    assert.equal(await currentStep(page), 'Terms');
    await shot(page, 'terms-reloaded');

    await acceptTerms(page);
    await page.reload();
    assert.equal(await currentStep(page), 'Payment', 'a reload keeps the Payment step');
    await shot(page, 'payment-reloaded');

    // Back to Offers mid-wizard; Subscribe now returns to the same order at the same step.
    await openOffersFromMenu(page);
    assert.equal(await subscribeNow(page), orderId, 'the same order id');
    assert.equal(await currentStep(page), 'Payment');
    await shot(page, 'payment-again');

    await page.getByRole('link', { name: 'Get started! Add a way to pay' }).click();
    await page.waitForURL(new RegExp(`/orders/${orderId}/card$`));
    await fillSandboxCard(page, { number: '4242424242424242', ...expiry });
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.equal(await currentStep(page), 'Review');
    const review = await reviewFacts(page);
    await shot(page, 'review');

    // Reload on the review step: still the review, same figures.
    await page.reload();
    assert.equal(await currentStep(page), 'Review', 'a reload keeps the Review step');
    assert.deepEqual(await reviewFacts(page), review);
    await shot(page, 'review-reloaded');

    // Browser back from the review lands on the card page; the order is still at the review.
    await page.goBack();
    await page.waitForURL(new RegExp(`/orders/${orderId}/card$`));
    await shot(page, 'back-to-card-page');
    await page.goto(`${url}/orders/${orderId}`);
    assert.equal(await currentStep(page), 'Review');

    // Dashboard → Offers → Subscribe now again: the same order, still at the review.
    await page.goto(`${url}/dashboard`);
    await openOffersFromMenu(page);
    await shot(page, 'offers-mid-wizard');
    assert.equal(await subscribeNow(page), orderId, 'Subscribe now returns to the same order');
    assert.equal(await currentStep(page), 'Review');
    assert.deepEqual(await reviewFacts(page), review);
    await shot(page, 'review-again');

    // Buy once; back then shows the confirmation, not a second Buy.
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));
    await page.waitForURL(new RegExp(`/orders/${orderId}$`));
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);
    await shot(page, 'confirmed');
    await page.goBack();
    await page.reload();
    assert.equal(orderIdOf(page), orderId);
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);
    assert.equal(await page.getByRole('button', { name: 'Buy' }).count(), 0);
    await shot(page, 'back-after-buy');

    await page.goto(`${url}/invoices`);
    assert.equal(await page.locator('tbody tr').count(), 1, 'one invoice: bought once');
    await shot(page, 'invoices');
  } catch (err) {
    await onFailure(t, err);
  } finally {
    await closeAll();
  }
});
