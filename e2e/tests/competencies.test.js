// Earning a competency: a Global admin applies for Cloud Platform Silver with her evidence and a
// file; a program admin approves it in the staff console; she pays the annual fee through the
// same checkout (Next, Get started! Add a way to pay, Buy) and the membership page lists it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot } from '../lib/browser.js';
import { harness } from '../lib/harness.js';
import { text, signUp, currentStep, fillSandboxCard, clickAndLoad, futureExpiry, staffSignIn } from '../lib/portal.js';

const owner = {
  company: 'Cloud Crafters BV', country: 'US', name: 'Cora Cloud',
  email: 'cora@cloud-crafters.example', password: 'silver before gold 1',
};

const { env, open, onFailure } = harness('competencies');

test('a partner applies for a competency, staff approve it, and the partner pays the fee', async (t) => {
  try {
    const page = await open();
    await signUp(page, env.server.url, owner);

    // Partnership > Competencies → Apply (Cloud Platform, Silver).
    const nav = page.getByRole('navigation');
    await nav.locator('summary', { hasText: 'Partnership' }).click();
    await nav.getByRole('link', { name: 'Competencies' }).click();
    await page.waitForURL(/\/partnership\/competencies$/);
    const cloud = page.locator('section.competency', { has: page.getByRole('heading', { name: 'Cloud Platform' }) });
    const silver = cloud.locator('.tile', { has: page.getByRole('heading', { name: 'Silver' }) });
    assert.match(await text(silver), /2 people certified as Azure Solutions Architect Expert/);
    await shot(page, 'competencies');
    await silver.getByRole('link', { name: 'Apply' }).click();
    await page.waitForURL(/\/cloud-platform\/silver\/apply$/);

    // Too little evidence first: the form comes back with the reason and what was typed.
    const names = page.getByLabel('Name');
    const certs = page.getByLabel('Certification ID');
    const refs = page.getByLabel('Customer and contact');
    await names.nth(0).fill('Ann Lee');
    await certs.nth(0).fill('AZ-305-0001');
    await clickAndLoad(page, page.getByRole('button', { name: 'Submit' }));
    assert.match(await text(page.getByRole('alert')), /Name at least 2 people certified as Azure Solutions Architect Expert/);
    assert.equal(await names.nth(0).inputValue(), 'Ann Lee');
    await shot(page, 'apply-refused');

    await names.nth(1).fill('Bo Chen');
    await certs.nth(1).fill('AZ-305-0002');
    for (const [i, ref] of ['Northwind, ops@northwind.example', 'Contoso Bank, it@bank.example', 'Fabrikam, cio@fabrikam.example'].entries()) {
      await refs.nth(i).fill(ref);
    }
    await page.getByLabel(/We deliver Azure projects/).check();
    await clickAndLoad(page, page.getByRole('button', { name: 'Submit' }));
    assert.match(await text(page.getByRole('status')), /Application submitted/);
    assert.equal(await text(page.locator('#application-status')), 'Submitted');
    const applicationUrl = page.url().replace(/\?.*$/, '');

    // A certificate as evidence.
    await page.getByLabel(/Attach a file/).setInputFiles({
      name: 'ann-lee-certificate.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n% Ann Lee AZ-305\n%%EOF\n'),
    });
    await clickAndLoad(page, page.getByRole('button', { name: 'Attach', exact: true }));
    assert.match(await text(page.getByRole('status')), /File attached/);
    assert.equal(await page.getByRole('link', { name: 'ann-lee-certificate.pdf' }).count(), 1);
    await shot(page, 'submitted');

    // The program admin approves it in the staff console.
    const staff = await open();
    await staffSignIn(staff, env.server);
    await staff.getByRole('navigation').getByRole('link', { name: 'Competencies' }).click();
    await staff.waitForURL(/\/staff\/competencies/);
    const row = staff.locator('tr', { hasText: 'Cloud Platform Silver' });
    await row.getByRole('link', { name: 'Review' }).click();
    await staff.waitForURL(/\/staff\/competencies\/[^/]+$/);
    assert.equal(await staff.getByRole('link', { name: 'ann-lee-certificate.pdf' }).count(), 1);
    await shot(staff, 'staff-review');
    await clickAndLoad(staff, staff.getByRole('button', { name: 'Approve' }));
    assert.equal(await text(staff.locator('#application-status')), 'Approved');

    // Back in the portal: Pay the fee → the checkout wizard.
    await page.goto(applicationUrl);
    assert.equal(await text(page.locator('#application-status')), 'Approved');
    await clickAndLoad(page, page.getByRole('button', { name: 'Pay the fee' }));
    assert.equal(await currentStep(page), 'Terms');
    await clickAndLoad(page, page.getByRole('button', { name: 'Next' }));
    assert.equal(await currentStep(page), 'Payment');
    await page.getByRole('link', { name: 'Get started! Add a way to pay' }).click();
    await fillSandboxCard(page, { number: '4242424242424242', ...futureExpiry() });
    assert.equal(await currentStep(page), 'Review');
    assert.equal(await text(page.locator('#review-total')), '$1,670.00');
    await shot(page, 'fee-review');
    await clickAndLoad(page, page.getByRole('button', { name: 'Buy' }));
    assert.match(await text(page.locator('main')), /Your order is confirmed\./);

    // Partnership > Membership lists the competency with its term.
    await page.goto(`${env.server.url}/partnership/membership`);
    const held = page.locator('section', { has: page.getByRole('heading', { name: 'Your membership', exact: true }) });
    assert.match(await text(held), /Network membership/);
    assert.match(await text(held), /Cloud Platform Silver competency/);
    await shot(page, 'membership');
  } catch (err) {
    await onFailure(t, err);
  }
});
