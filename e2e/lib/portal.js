// Steps through the partner portal that several browser tests share: sign up (and confirm the
// address from the e-mail the SMTP server received), the nav menu, the staff outbox, accepting
// an invitation, and the checkout wizard's pages.
import assert from 'node:assert/strict';
import { serverAt, waitForMail, linkIn } from './server.js';

/** The trimmed visible text of a locator. */
export const text = (locator) => locator.innerText().then((s) => s.trim());

/** A card expiry safely in the future: {month: '12', year: 'YYYY'} a few years from now. */
export function futureExpiry(yearsAhead = 3) {
  return { month: '12', year: String(new Date().getFullYear() + yearsAhead) };
}

/**
 * Signs up a company on /signup and confirms the address through the link e-mailed for it;
 * ends on the dashboard as its Global admin. `who` = {company, country, name, email, password}.
 * Resolves to the 7-digit partner ID.
 */
export async function signUp(page, url, who) {
  await signUpUnverified(page, url, who);
  await confirmEmail(page, url, who.email);
  assert.equal(await text(page.locator('main h2').first()), who.company);
  assert.match(await text(page.locator('.who')), new RegExp(`${who.name} · Global admin`));
  return text(page.locator('#partner-id'));
}

/** Signs up a company on /signup; ends on the dashboard, the address still to confirm. */
export async function signUpUnverified(page, url, who) {
  await page.goto(`${url}/signup`);
  await page.getByLabel('Company name').fill(who.company);
  await page.getByLabel('Country').selectOption(who.country);
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('Your e-mail').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(/\/dashboard(\?|$)/);
}

/**
 * Opens the newest confirmation link that the SMTP server received for `email` and presses
 * Confirm, signed in as its owner; ends on the dashboard.
 */
export async function confirmEmail(page, url, email) {
  const mail = await waitForMail(serverAt(url), email, /\/verify-email\//);
  await page.goto(linkIn(mail, '/verify-email/'));
  await clickAndLoad(page, page.getByRole('button', { name: 'Confirm' }));
  await page.waitForURL(/\/dashboard\?notice=email_verified$/);
}

/** Dashboard menu → Partnership > Offers, as in the seed. Ends on /partnership/offers. */
export async function openOffersFromMenu(page) {
  const nav = page.getByRole('navigation');
  const menu = nav.locator('details', { has: page.locator('summary', { hasText: 'Partnership' }) });
  if ((await menu.getAttribute('open')) === null) {
    await menu.locator('summary').click();
  }
  await menu.getByRole('link', { name: 'Offers', exact: true }).click();
  await page.waitForURL(/\/partnership\/offers$/);
  assert.equal(await text(page.locator('h1')), 'Offers');
}

/** The "Available offers" and "Purchased offers" sections of the Offers page. */
export function offerSections(page) {
  return {
    available: page.locator('section', { has: page.getByRole('heading', { name: 'Available offers' }) }),
    purchased: page.locator('section', { has: page.getByRole('heading', { name: 'Purchased offers' }) }),
  };
}

/** The Action Pack card under Available offers. */
export function actionPackCard(page) {
  return offerSections(page).available.locator('li.offer', {
    has: page.getByRole('heading', { name: /Action Pack/ }),
  });
}

/** The order id from a /orders/{id} URL. */
export function orderIdOf(page) {
  const m = new URL(page.url()).pathname.match(/^\/orders\/([^/]+)$/);
  assert.ok(m, `on an order page, not ${page.url()}`);
  return decodeURIComponent(m[1]);
}

/** The wizard step marked aria-current="step" (Terms / Payment / Review), or null. */
export async function currentStep(page) {
  const li = page.locator('ol.wizard li[aria-current="step"]');
  return (await li.count()) ? text(li) : null;
}

/**
 * Clicks something that loads a new document and waits for that load. (Playwright's click does
 * not wait for navigations, and waitForURL cannot tell a POST→303 back to the same URL apart.)
 */
export async function clickAndLoad(page, locator) {
  const loaded = page.waitForEvent('load');
  await locator.click();
  await loaded;
}

/** Fills the sandbox gateway's card form and presses Next; resolves once the answer loaded. */
export async function fillSandboxCard(page, { number, month, year, cvc = '123' }) {
  await page.getByLabel('Card number').fill(number);
  await page.getByLabel('Expiry month').fill(month);
  await page.getByLabel('Expiry year').fill(year);
  await page.getByLabel('Security code').fill(cvc);
  await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
}

/** Signs in to the staff console with the first program admin's credentials. */
export async function staffSignIn(page, server) {
  await page.goto(`${server.url}/staff/signin`);
  await page.getByLabel('E-mail').fill(server.adminEmail);
  await page.getByLabel('Password').fill(server.adminPassword);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL((u) => u.pathname.startsWith('/staff') && u.pathname !== '/staff/signin');
}

/**
 * The invitation sent to `email`: the staff outbox lists it (staff must be signed in), and its
 * link comes from the e-mail as the SMTP server received it (once sent, the outbox keeps no
 * live link).
 */
export async function invitationLinkFromOutbox(staffPage, server, email) {
  await staffPage.goto(`${server.url}/staff/outbox`);
  const mail = staffPage.locator('article.email', { hasText: `→ ${email}` });
  assert.equal(await mail.count(), 1, `one e-mail to ${email}`);
  assert.match(await text(mail.locator('pre')), /invited you to join/);
  return linkIn(await waitForMail(server, email, /\/invitations\//), '/invitations/');
}

/** Invites `email` with `role` (a <select> value such as 'member') from /users. */
export async function invite(page, url, email, role) {
  await page.goto(`${url}/users`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Send invitation' }).click();
  await page.waitForURL(/\/users\?notice=invited$/);
}

/** Accepts an invitation link; ends on the dashboard. */
export async function acceptInvitation(page, link, { name, password }) {
  await page.goto(link);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Accept invitation' }).click();
  await page.waitForURL(/\/dashboard(\?|$)/);
}

/** The csrf token the server put into the current page's forms. */
export async function csrfOf(page) {
  const token = await page.locator('input[name="csrf"]').first().getAttribute('value');
  assert.ok(token, 'the page carries a csrf token');
  return token;
}

/** Signs in on /signin as a partner user; ends on the dashboard. */
export async function signIn(page, url, { email, password }) {
  await page.goto(`${url}/signin`);
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.waitForURL(/\/dashboard(\?|$)/);
}

/**
 * On the Offers page: selects the "… subscription" link of an offer under Purchased offers
 * (default: the Action Pack) and waits for its details page. Resolves to the subscription id.
 */
export async function openPurchasedSubscription(page, name = /Action Pack subscription/) {
  const link = offerSections(page).purchased.getByRole('link', { name });
  assert.equal(await link.count(), 1, `one "${name}" link under Purchased offers`);
  await link.click();
  await page.waitForURL(/\/subscriptions\/[^/]+$/);
  return decodeURIComponent(new URL(page.url()).pathname.split('/').pop());
}

/** The facts of a subscription details page (null for the ones not shown). */
export async function subscriptionFacts(page) {
  const opt = async (sel) => ((await page.locator(sel).count()) ? text(page.locator(sel)) : null);
  return {
    status: await opt('#subscription-status'),
    term: await opt('#subscription-term'),
    autoRenewal: await opt('#auto-renewal'),
    nextRenewal: await opt('#next-renewal'),
    expiresOn: await opt('#expires-on'),
  };
}
