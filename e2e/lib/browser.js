// Debian's chromium, headless, driven by playwright-core; and screenshots kept as artifacts.
import { chromium } from 'playwright-core';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ARTIFACTS_DIR = path.join(E2E_DIR, 'artifacts');

export const CHROMIUM = process.env.CHROMIUM_BIN || '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

/** A new isolated context (own cookies) with sane defaults for our pages. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 }, locale: 'en-US' });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  return { context, page };
}

let current = null;

/**
 * Starts the screenshots of one test: empties e2e/artifacts/<test>/ and numbers the shots
 * that follow from 01. Returns the `shot` function too.
 */
export function artifactsFor(testName) {
  const safe = testName.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'test';
  const dir = path.join(ARTIFACTS_DIR, safe);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  current = { dir, n: 0 };
  return { dir, shot };
}

/** Saves a full-page PNG of `page` to e2e/artifacts/<test>/<nn-name>.png; returns its path. */
export async function shot(page, name) {
  if (!current) artifactsFor('unnamed');
  current.n += 1;
  const file = path.join(
    current.dir,
    `${String(current.n).padStart(2, '0')}-${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`,
  );
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
