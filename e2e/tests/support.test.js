// "Cancel your Action Pack subscription" up to the support team's answer: Support → Report
// problems → New request → Type of problem: Help with partner invoice, payment, or
// reconciliation file → Submit; staff answer in the request; the partner follows it under
// Service requests > Partner requests → Open → the request.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shot } from '../lib/browser.js';
import { harness } from '../lib/harness.js';
import { text, signUp, clickAndLoad, staffSignIn } from '../lib/portal.js';

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
