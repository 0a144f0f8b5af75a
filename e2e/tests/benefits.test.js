// "Next steps: Activate your Action Pack subscription": after Buy, the confirmation links to the
// Benefits page; a Global admin presses Activate, reveals a license key, assigns an Office 365
// E3 seat to a Member she invited, and uses Azure credits; the Member then sees only her seat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot } from '../lib/browser.js';
import { harness } from '../lib/harness.js';
import {
  text, signUp, signIn, openOffersFromMenu, actionPackCard, currentStep, fillSandboxCard, clickAndLoad,
  futureExpiry, staffSignIn, invitationLinkFromOutbox, invite, acceptInvitation,
} from '../lib/portal.js';

const owner = {
  company: 'Benefit Works Ltd', country: 'US', name: 'Bella Benefits',
  email: 'bella@benefit-works.example', password: 'benefits for everyone 1',
};
const member = { name: 'Mo Member', email: 'mo@benefit-works.example', password: 'members see their own 2' };

const { env, open, onFailure } = harness('benefits');

/** The block of one benefit on the Benefits page, by its heading. */
const benefit = (page, heading) => page.locator('div.benefit', { has: page.getByRole('heading', { name: heading }) });

test('a Global admin activates the Action Pack benefits and assigns a seat to a Member', async (t) => {
  try {
    const page = await open();
    await signUp(page, env.server.url, owner);

    // Buy the Action Pack (the checkout test walks the wizard in detail).
    await openOffersFromMenu(page);
    await actionPackCard(page).getByRole('button', { name: 'Subscribe now' }).click();
    await page.waitForURL(/\/orders\/[^/]+$/);
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    assert.equal(await currentStep(page), 'Payment');
    await page.getByRole('link', { name: 'Get started! Add a way to pay' }).click();
    await fillSandboxCard(page, { number: '4242424242424242', ...futureExpiry() });
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);

    // Next steps: Activate your Action Pack subscription.
    await page.getByRole('link', { name: 'Activate your Action Pack subscription' }).click();
    await page.waitForURL(/\/benefits$/);
    assert.equal(await text(page.locator('h1')), 'Benefits');
    await shot(page, 'before-activation');
    await clickAndLoad(page, page.getByRole('button', { name: 'Activate' }));
    assert.match(await text(page.getByRole('status')), /Benefits activated/);
    assert.equal(await page.getByRole('button', { name: 'Activate' }).count(), 0, 'activated once');
    const windows = benefit(page, 'Windows 10 Enterprise (upgrade) licenses');
    assert.equal(await windows.locator('tbody tr').count(), 1 + 10, 'the totals row and ten keys');
    const azure = benefit(page, 'Azure credits every month');
    assert.equal(await text(azure.locator('td.left')), '$100.00');
    await shot(page, 'activated');

    // Reveal a key: the full key on its own page.
    const masked = await text(windows.locator('tbody code').first());
    assert.match(masked, /^XXXXX-XXXXX-XXXXX-XXXXX-[2-9A-Z]{5}$/);
    await clickAndLoad(page, windows.getByRole('button', { name: 'Reveal' }).first());
    const key = await text(page.locator('#license-key'));
    assert.match(key, /^([2-9A-Z]{5}-){4}[2-9A-Z]{5}$/);
    assert.equal(key.slice(-5), masked.slice(-5));
    await shot(page, 'key-revealed');

    // Use 25.00 of the Azure credits.
    await page.goto(`${env.server.url}/benefits`);
    await azure.getByLabel('Amount').fill('25.00');
    await azure.getByLabel('What for').fill('Demo environment');
    await clickAndLoad(page, azure.getByRole('button', { name: 'Use credits' }));
    assert.match(await text(page.getByRole('status')), /Credits used/);
    assert.equal(await text(benefit(page, 'Azure credits every month').locator('td.left')), '$75.00');

    // Invite Mo as a Member and give her an Office 365 E3 seat.
    await invite(page, env.server.url, member.email, 'member');
    const staff = await open();
    await staffSignIn(staff, env.server);
    const link = await invitationLinkFromOutbox(staff, env.server, member.email);
    const mo = await open();
    await acceptInvitation(mo, link, member);

    await page.goto(`${env.server.url}/benefits`);
    const office = benefit(page, 'Office 365 E3 seats');
    await office.getByLabel('Assign to').selectOption({ label: `${member.name} <${member.email}>` });
    await clickAndLoad(page, office.getByRole('button', { name: 'Assign' }));
    assert.match(await text(page.getByRole('status')), /Assigned/);
    const held = benefit(page, 'Office 365 E3 seats').locator('tbody tr', { hasText: member.email });
    assert.equal(await held.count(), 1);
    await shot(page, 'seat-assigned');

    // Mo sees her seat and nothing else.
    await mo.goto(`${env.server.url}/benefits`);
    assert.match(await text(mo.locator('main')), /assigned to you/);
    assert.equal(await mo.locator('div.benefit').count(), 1);
    assert.equal(await text(mo.locator('div.benefit h3')), 'Office 365 E3 seats');
    assert.equal(await mo.getByRole('button', { name: /Activate|Assign|Reveal|Use credits/ }).count(), 0);
    await shot(mo, 'member-view');

    // Signing in again shows the same (the view is the server's, not the session's).
    const again = await open();
    await signIn(again, env.server.url, member);
    await again.goto(`${env.server.url}/benefits`);
    assert.equal(await again.locator('div.benefit').count(), 1);
  } catch (err) {
    await onFailure(t, err);
  }
});
