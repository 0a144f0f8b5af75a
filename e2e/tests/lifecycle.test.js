// The life of an Action Pack subscription after Buy, as in the seed's "Turn off automatic Action
// Pack subscription renewal" and "Renew your Action Pack subscription":
//   1. on the day of purchase (server clock 2027-03-15): Partnership > Offers → Action Pack
//      subscription → Turn off automatic renewal (one way); Renew subscriptions is refused, the
//      window has not opened yet;
//   2. the same database, the server restarted on 2028-01-10 (inside the window, which opens
//      90 days before the term ends on 2028-03-15): Renew subscriptions → Verify → Next (terms)
//      → Next (payment) → Buy → Close; the new term follows on and automatic renewal is on again.
// The second test goes on from the first one's org and subscription.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from '../lib/server.js';
import { launchBrowser, newPage, artifactsFor, shot } from '../lib/browser.js';
import {
  text, signUp, signIn, openOffersFromMenu, offerSections, actionPackCard, orderIdOf, currentStep,
  fillSandboxCard, clickAndLoad, csrfOf, openPurchasedSubscription, subscriptionFacts,
} from '../lib/portal.js';

const BOUGHT_AT = '2027-03-15T10:00:00Z';
const RENEW_AT = '2028-01-10T10:00:00Z';
const FIRST_TERM = 'March 15, 2027 – March 15, 2028';
const SECOND_TERM = 'March 15, 2028 – March 15, 2029';
const TURN_OFF_NOTE = "You won't be able to turn it back on until you renew the subscription again.";
const TOO_EARLY = 'Renewal opens on December 16, 2027, 90 days before the term ends.';
const PRICE = '$475.00';

// A card that outlives both server clocks (and the real one).
const EXPIRY = { month: '12', year: String(Math.max(2031, new Date().getFullYear() + 3)) };

const owner = {
  company: 'Lifecycle Labs Inc', country: 'US', name: 'Lena Lifecycle',
  email: 'lena@lifecycle-labs.example', password: 'one year and then another',
};

let server;
let browser;
let artifactsDir;
const logs = [];
let openPages = [];
/** What test 1 leaves for test 2. */
const story = { subscriptionId: null, firstInvoice: null };

before(async () => {
  artifactsDir = artifactsFor('lifecycle').dir;
  [server, browser] = await Promise.all([startServer({ args: ['--clock-start', BOUGHT_AT] }), launchBrowser()]);
});

after(async () => {
  await browser?.close().catch(() => {});
  if (server) logs.push(server.output());
  await server?.stop();
  logs.forEach((log, i) => writeFileSync(path.join(artifactsDir, `server-${i + 1}.log`), log));
});

async function open() {
  const { page } = await newPage(browser);
  openPages.push(page);
  return page;
}

async function closeAll() {
  for (const page of openPages) await page.context().close().catch(() => {});
  openPages = [];
}

async function onFailure(t, err) {
  for (const [i, page] of openPages.entries()) {
    if (!page.isClosed()) await shot(page, `FAILED-context${i + 1}`).catch(() => {});
  }
  t.diagnostic(`screenshots and server logs in ${artifactsDir}`);
  throw err;
}

const actions = (page) => page.locator('section', { has: page.getByRole('heading', { name: 'Actions' }) });
const turnOffLink = (page) => page.getByRole('link', { name: 'Turn off automatic renewal' });
const paymentMethod = (page) =>
  text(page.locator('dl.facts dt', { hasText: 'Payment method' }).locator('xpath=following-sibling::dd[1]'));
const invoiceItems = (page) => page.locator('h2:text-is("Invoices") + ul > li');

/** Presses a form button that posts to `pathEnd` and resolves to that POST's response. */
async function submit(page, button, pathEnd) {
  const response = page.waitForResponse(
    (r) => r.request().method() === 'POST' && new URL(r.url()).pathname.endsWith(pathEnd),
  );
  await clickAndLoad(page, button);
  return response;
}

test('a Global admin turns off automatic renewal of the Action Pack; renewing is not open yet', async (t) => {
  try {
    const page = await open();
    await signUp(page, server.url, owner);
    await shot(page, 'dashboard');

    // Buy the Action Pack with 4242, as in "Purchase Microsoft Action Pack".
    await openOffersFromMenu(page);
    await shot(page, 'offers');
    await actionPackCard(page).getByRole('button', { name: 'Subscribe now' }).click();
    await page.waitForURL(/\/orders\/[^/]+$/);
    const orderId = orderIdOf(page);
    assert.equal(await currentStep(page), 'Terms');
    await shot(page, 'buy-terms');
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    assert.equal(await currentStep(page), 'Payment');
    await page.getByRole('link', { name: 'Get started! Add a way to pay' }).click();
    await page.waitForURL(new RegExp(`/orders/${orderId}/card$`));
    await shot(page, 'buy-card-form');
    await fillSandboxCard(page, { number: '4242424242424242', ...EXPIRY });
    assert.equal(await currentStep(page), 'Review');
    assert.equal(await text(page.locator('#review-term')), `${FIRST_TERM} (if you buy today)`);
    assert.equal(await text(page.locator('#review-total')), PRICE);
    await shot(page, 'buy-review');
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);
    story.firstInvoice = await text(page.locator('#invoice-link'));
    await shot(page, 'buy-confirmed');
    await page.getByRole('link', { name: 'Close' }).click();
    await page.waitForURL(/\/partnership\/offers$/);

    // 1. Partnership > Offers: the Action Pack under Purchased offers.
    await openOffersFromMenu(page);
    assert.match(await text(offerSections(page).purchased), /Action Pack subscription/);
    await shot(page, 'offers-purchased');

    // 2. Action Pack subscription → the details: active, renewing automatically.
    const id = await openPurchasedSubscription(page);
    story.subscriptionId = id;
    assert.match(await text(page.locator('h1')), /Action Pack subscription$/);
    assert.deepEqual(await subscriptionFacts(page), {
      status: 'Active',
      term: FIRST_TERM,
      autoRenewal: 'On',
      nextRenewal: `March 15, 2028: ${PRICE} plus tax`,
      expiresOn: null,
    });
    assert.equal(await paymentMethod(page), 'Visa •••• 4242');
    assert.deepEqual(await invoiceItems(page).allInnerTexts(), [`${story.firstInvoice} ${FIRST_TERM}`]);
    assert.equal(await actions(page).getByRole('button', { name: 'Renew subscriptions' }).count(), 1);
    assert.equal(await actions(page).getByRole('link', { name: 'Turn off automatic renewal' }).count(), 1);
    await shot(page, 'subscription-on');

    // 3. Turn off automatic renewal → the confirmation; Keep it on changes nothing.
    await turnOffLink(page).click();
    await page.waitForURL(new RegExp(`/subscriptions/${id}/turn-off$`));
    assert.equal(await text(page.locator('h1')), 'Turn off automatic renewal');
    assert.match(await text(page.locator('main')), /will not renew on March 15, 2028/);
    assert.match(await text(page.locator('main')), /back on until you renew the subscription again/);
    await shot(page, 'turn-off-confirm');
    await page.getByRole('link', { name: 'Keep it on' }).click();
    await page.waitForURL(new RegExp(`/subscriptions/${id}$`));
    assert.equal(await text(page.locator('#auto-renewal')), 'On');
    await shot(page, 'kept-on');

    // …and now for real.
    await turnOffLink(page).click();
    await page.waitForURL(new RegExp(`/subscriptions/${id}/turn-off$`));
    await clickAndLoad(page, page.getByRole('button', { name: 'Turn off automatic renewal' }));
    await page.waitForURL(new RegExp(`/subscriptions/${id}$`));
    assert.deepEqual(await subscriptionFacts(page), {
      status: 'Active',
      term: FIRST_TERM,
      autoRenewal: 'Off',
      nextRenewal: null,
      expiresOn: 'March 15, 2028',
    });
    assert.ok((await text(page.locator('main'))).includes(TURN_OFF_NOTE), `the note "${TURN_OFF_NOTE}"`);
    // One way: nothing on the page turns it back on.
    assert.equal(await turnOffLink(page).count(), 0, 'no Turn off link any more');
    for (const role of ['link', 'button']) {
      assert.equal(
        await page.getByRole(role, { name: /turn .*on|switch .*on|enable|resume/i }).count(),
        0,
        `no ${role} that turns automatic renewal back on`,
      );
    }
    assert.equal(await actions(page).getByRole('button', { name: 'Renew subscriptions' }).count(), 1);
    await shot(page, 'subscription-off');

    // Turning it off again is refused (409) with a reason.
    const again = await page.request.post(`${server.url}/subscriptions/${id}/turn-off`, {
      form: { csrf: await csrfOf(page) },
      maxRedirects: 0,
    });
    assert.equal(again.status(), 409, `turn off twice: ${again.status()}`);
    assert.match(await again.text(), /Automatic renewal is already off/);

    // Renew subscriptions now: the window opens 90 days before the term ends.
    const renew = await submit(page, actions(page).getByRole('button', { name: 'Renew subscriptions' }), '/renew');
    assert.equal(renew.status(), 409, `renew too early: ${renew.status()}`);
    const alert = page.getByRole('alert');
    assert.equal(await alert.count(), 1, 'one error');
    assert.equal(await text(alert), TOO_EARLY);
    assert.equal(await text(page.locator('#auto-renewal')), 'Off', 'still off');
    assert.equal(await page.locator('ol.wizard').count(), 0, 'no renewal order was started');
    await shot(page, 'renew-too-early');
  } catch (err) {
    await onFailure(t, err);
  } finally {
    await closeAll();
  }
});

test('inside the renewal window the admin renews by hand; the term follows on and renews automatically again', async (t) => {
  if (!story.subscriptionId) {
    t.skip('the first test did not leave a subscription');
    return;
  }
  try {
    // The same database, ten months later.
    logs.push(server.output());
    const { dir } = server;
    await server.stop({ keepDir: true });
    server = null;
    try {
      server = await startServer({ dir, args: ['--clock-start', RENEW_AT] });
    } catch (e) {
      if (!process.env.KEEP_SERVER_DIR) rmSync(dir, { recursive: true, force: true });
      throw e;
    }
    const url = server.url;
    const id = story.subscriptionId;

    const page = await open();
    await signIn(page, url, owner);
    await shot(page, 'signed-in-2028');

    // Nothing is due before the first reminder (60 days before the end: 2028-01-15).
    await page.getByRole('navigation').getByRole('link', { name: 'Notifications' }).click();
    await page.waitForURL(/\/notifications$/);
    assert.equal(await text(page.locator('h1')), 'Notifications');
    assert.doesNotMatch(await text(page.locator('main')), /expires in \d+ days/);
    await shot(page, 'notifications');

    // 1.–2. Partnership > Offers → Action Pack subscription: still off, ending 2028-03-15.
    await openOffersFromMenu(page);
    assert.equal(await openPurchasedSubscription(page), id);
    assert.deepEqual(await subscriptionFacts(page), {
      status: 'Active', term: FIRST_TERM, autoRenewal: 'Off', nextRenewal: null, expiresOn: 'March 15, 2028',
    });
    await shot(page, 'subscription-off-2028');

    // Actions → Renew subscriptions → the wizard at Verify.
    await clickAndLoad(page, actions(page).getByRole('button', { name: 'Renew subscriptions' }));
    await page.waitForURL(/\/orders\/[^/]+$/);
    const orderId = orderIdOf(page);
    assert.equal(await text(page.locator('h1')), 'Renew your Action Pack subscription');
    assert.equal(await currentStep(page), 'Verify');
    assert.equal(await page.getByRole('heading', { name: 'Verify your order' }).count(), 1);
    assert.equal(await text(page.locator('#verify-term')), `${SECOND_TERM} (if you buy today)`);
    assert.match(await text(page.locator('table.review')), new RegExp(`Total\\s+${PRICE.replace(/[$.]/g, "\\$&")}`));
    await shot(page, 'renew-verify');

    // 3. Verify → Next → 4. the terms → Next.
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    assert.equal(orderIdOf(page), orderId);
    assert.equal(await currentStep(page), 'Terms');
    await shot(page, 'renew-terms');
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    assert.equal(await currentStep(page), 'Payment');

    // 5. Payment: the card saved at the purchase, chosen → Next.
    const choices = page.locator('fieldset label.choice');
    assert.equal(await choices.count(), 1, 'one saved card');
    assert.match(await text(choices.first()), /^Visa •••• 4242/);
    assert.ok(await choices.first().locator('input[type=radio]').isChecked(), 'the saved card is chosen');
    await shot(page, 'renew-payment');
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));

    // 8. Review: the new term, the price, the card → Buy.
    assert.equal(await currentStep(page), 'Review');
    assert.match(await text(page.locator('#review-term')), new RegExp(`^${SECOND_TERM}`));
    assert.equal(await text(page.locator('#review-total')), PRICE);
    assert.equal(await text(page.locator('#review-card')), 'Visa •••• 4242');
    await shot(page, 'renew-review');
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));

    // 9. Your order is confirmed. → Close.
    assert.equal(orderIdOf(page), orderId);
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);
    const secondInvoice = await text(page.locator('#invoice-link'));
    assert.notEqual(secondInvoice, story.firstInvoice, 'a new invoice');
    assert.match(await text(page.locator('main')), new RegExp(SECOND_TERM));
    await shot(page, 'renew-confirmed');
    await page.getByRole('link', { name: 'Close' }).click();
    await page.waitForURL(/\/partnership\/offers$/);
    await shot(page, 'offers-after-renewal');

    // The details: active, the new term, automatic renewal on again, two invoices.
    assert.equal(await openPurchasedSubscription(page), id, 'the same subscription, renewed');
    assert.deepEqual(await subscriptionFacts(page), {
      status: 'Active',
      term: SECOND_TERM,
      autoRenewal: 'On',
      nextRenewal: `March 15, 2029: ${PRICE} plus tax`,
      expiresOn: null,
    });
    assert.ok(!(await text(page.locator('main'))).includes(TURN_OFF_NOTE), 'no turned-off note');
    assert.equal(await turnOffLink(page).count(), 1, 'automatic renewal can be turned off again');
    assert.deepEqual(
      (await invoiceItems(page).allInnerTexts()).sort(),
      [`${story.firstInvoice} ${FIRST_TERM}`, `${secondInvoice} ${SECOND_TERM}`].sort(),
    );
    await shot(page, 'subscription-renewed');

    // Renewing once more has to wait for the new term's window.
    const renew = await submit(page, actions(page).getByRole('button', { name: 'Renew subscriptions' }), '/renew');
    assert.equal(renew.status(), 409, `renew the renewed term: ${renew.status()}`);
    assert.equal(await text(page.getByRole('alert')), 'Renewal opens on December 15, 2028, 90 days before the term ends.');
    await shot(page, 'renew-again-too-early');
  } catch (err) {
    await onFailure(t, err);
  } finally {
    await closeAll();
  }
});
