// Sign up, sign in, invite a user, change a role — through the browser, against a fresh server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer, waitForMail, linkIn } from '../lib/server.js';
import { confirmEmail } from '../lib/portal.js';
import { launchBrowser, newPage, artifactsFor, shot } from '../lib/browser.js';

let server;
let browser;
const openPages = [];
const artifacts = artifactsFor('users');

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  // All of this runs whatever failed.
  await browser?.close().catch(() => {});
  if (server) writeFileSync(path.join(artifacts.dir, 'server.log'), server.output());
  await server?.stop();
});

async function open() {
  const { page } = await newPage(browser);
  openPages.push(page);
  return page;
}

/** On failure: a screenshot of every open page (the server log is kept as server.log). */
async function onFailure(t, err) {
  for (const [i, page] of openPages.entries()) {
    if (!page.isClosed()) await shot(page, `FAILED-context${i + 1}`).catch(() => {});
  }
  t.diagnostic(`screenshots and server.log in ${artifacts.dir}`);
  throw err;
}

const text = (locator) => locator.innerText().then((s) => s.trim());

test('a partner signs up, signs in, invites a user and changes her role', async (t) => {
  const url = server.url;
  const company = 'Acme Robotics GmbH';
  const ada = { name: 'Ada Admin', email: 'ada@acme-robotics.example', password: 'correct horse battery 1' };
  const bea = { name: 'Bea Billing', email: 'bea@acme-robotics.example', password: 'bea has a long password 2' };

  try {
    // ── 1. Ada signs up her company ───────────────────────────────────────────────────────
    const admin = await open();
    await admin.goto(`${url}/signup`);
    await shot(admin, 'signup-form');
    await admin.getByLabel('Company name').fill(company);
    await admin.getByLabel('Country').selectOption('US');
    await admin.getByLabel('Your name').fill(ada.name);
    await admin.getByLabel('Your e-mail').fill(ada.email);
    await admin.getByLabel('Password').fill(ada.password);
    await admin.getByRole('button', { name: 'Sign up' }).click();
    await admin.waitForURL(/\/dashboard(\?|$)/);
    assert.match(await text(admin.locator('.notice')), /Network membership/);
    assert.equal(await text(admin.locator('main h2').first()), company);
    const partnerId = await text(admin.locator('#partner-id'));
    assert.match(partnerId, /^\d{7}$/, 'partner ID has 7 digits');
    assert.match(await text(admin.locator('.who')), /Ada Admin · Global admin/);
    await shot(admin, 'signed-up-dashboard');

    // ── 2. signs out and in again ─────────────────────────────────────────────────────────
    await admin.getByRole('button', { name: 'Sign out' }).click();
    await admin.waitForURL(/\/signin(\?|$)/);
    assert.equal(await admin.locator('.who').count(), 0, 'no one is signed in');
    await shot(admin, 'signed-out');
    await admin.getByLabel('E-mail').fill(ada.email);
    await admin.getByLabel('Password').fill(ada.password);
    await admin.getByRole('button', { name: 'Sign in' }).click();
    await admin.waitForURL(/\/dashboard(\?|$)/);
    assert.equal(await text(admin.locator('main h2').first()), company);
    assert.equal(await text(admin.locator('#partner-id')), partnerId);
    assert.match(await text(admin.locator('dl.facts')), /Membership\s+Network membership/);
    await shot(admin, 'signed-in-dashboard');
    // She confirms her address before inviting anyone (the link from the e-mail she got).
    await confirmEmail(admin, url, ada.email);

    // ── 3. opens Users from the nav and invites Bea as Billing admin ──────────────────────
    await admin.getByRole('navigation').getByRole('link', { name: 'Users', exact: true }).click();
    await admin.waitForURL(/\/users$/);
    const adaRow = admin.locator('tr', { hasText: ada.email });
    assert.match(await text(adaRow), /Global admin/);
    await shot(admin, 'users-list');
    await admin.getByLabel('E-mail').fill(bea.email);
    await admin.getByLabel('Role').selectOption('billing_admin');
    await admin.getByRole('button', { name: 'Send invitation' }).click();
    await admin.waitForURL(/\/users\?notice=invited$/);
    assert.equal(await text(admin.locator('.notice')), 'Invitation sent.');
    const pending = admin.locator('table', { has: admin.getByRole('columnheader', { name: 'Expires' }) })
      .locator('tbody tr', { hasText: bea.email });
    assert.equal(await pending.count(), 1, 'one pending invitation row for Bea');
    assert.match(await text(pending), /Billing admin/);
    await shot(admin, 'invitation-pending');

    // ── 4. staff reads the outbox (second context) ────────────────────────────────────────
    const staff = await open();
    await staff.goto(`${url}/staff/signin`);
    await staff.getByLabel('E-mail').fill(server.adminEmail);
    await staff.getByLabel('Password').fill(server.adminPassword);
    await staff.getByRole('button', { name: 'Sign in' }).click();
    await staff.waitForURL((u) => u.pathname.startsWith('/staff') && u.pathname !== '/staff/signin');
    await staff.getByRole('link', { name: 'Outbox' }).click();
    await staff.waitForURL(/\/staff\/outbox$/);
    const mail = staff.locator('article.email', { hasText: `→ ${bea.email}` });
    assert.equal(await mail.count(), 1, 'one e-mail to Bea');
    assert.match(await text(mail.locator('header')), new RegExp(`Join ${company}`));
    const body = await text(mail.locator('pre'));
    assert.match(body, /as Billing admin/);
    await shot(staff, 'staff-outbox');
    // The link itself from the e-mail as Bea's mail server got it (the outbox erases it once sent).
    const link = linkIn(await waitForMail(server, bea.email, /\/invitations\//), '/invitations/');
    assert.ok(link.startsWith(`${url}/invitations/`), `link ${link} uses the public URL ${url}`);

    // ── 5. Bea accepts (third context) ────────────────────────────────────────────────────
    const beaPage = await open();
    await beaPage.goto(link);
    assert.equal(await text(beaPage.locator('h1')), `Join ${company}`);
    assert.match(await text(beaPage.locator('main')), /invited as Billing admin/);
    await shot(beaPage, 'invitation-form');
    await beaPage.getByLabel('Your name').fill(bea.name);
    await beaPage.getByLabel('Password').fill(bea.password);
    await beaPage.getByRole('button', { name: 'Accept invitation' }).click();
    await beaPage.waitForURL(/\/dashboard(\?|$)/);
    assert.equal(await text(beaPage.locator('main h2').first()), company);
    assert.match(await text(beaPage.locator('.who')), /Bea Billing · Billing admin/);
    await shot(beaPage, 'bea-dashboard');

    // ── 6. a Billing admin may not manage users: the server refuses /users ────────────────
    const refused = await beaPage.goto(`${url}/users`);
    assert.equal(refused.status(), 403);
    assert.equal(await text(beaPage.locator('h1')), 'Not allowed');
    assert.equal(await beaPage.getByRole('button', { name: 'Send invitation' }).count(), 0);
    await shot(beaPage, 'bea-users-forbidden');

    // ── 7. Ada makes Bea an Account admin via Manage → Save role ─────────────────────────
    await admin.goto(`${url}/users`);
    const beaRow = admin.locator('tbody tr', { hasText: bea.email }).filter({ has: admin.getByRole('link', { name: 'Manage' }) });
    assert.match(await text(beaRow), /Billing admin/);
    assert.equal(
      await admin.locator('tbody tr', { hasText: bea.email }).filter({ hasText: 'Cancel invitation' }).count(),
      0,
      'the accepted invitation is no longer pending',
    );
    await shot(admin, 'users-with-bea');
    await beaRow.getByRole('link', { name: 'Manage' }).click();
    await admin.waitForURL(/\/users\/[^/?]+$/);
    assert.equal(await text(admin.locator('h1')), bea.name);
    assert.equal(await text(admin.locator('#current-role')), 'Billing admin');
    await admin.getByLabel('Role').selectOption('account_admin');
    await shot(admin, 'manage-bea');
    await admin.getByRole('button', { name: 'Save role' }).click();
    await admin.waitForURL(/\/users\?notice=role_changed$/);
    assert.equal(await text(admin.locator('.notice')), 'Role changed.');
    assert.match(await text(admin.locator('tbody tr', { hasText: bea.email })), /Account admin/);
    await shot(admin, 'role-changed');

    // ── 8. Bea's header shows her new role on her next page ──────────────────────────────
    await beaPage.goto(`${url}/dashboard`);
    assert.match(await text(beaPage.locator('.who')), /Bea Billing · Account admin/);
    await shot(beaPage, 'bea-now-account-admin');
  } catch (err) {
    await onFailure(t, err);
  }
});
