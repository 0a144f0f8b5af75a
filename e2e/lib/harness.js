// What most browser tests share: one fresh server and one browser for the file's tests, the
// pages they open, and on failure a screenshot of each open page with the server log kept.
import { before, after } from 'node:test';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startServer } from './server.js';
import { launchBrowser, newPage, artifactsFor, shot } from './browser.js';

/**
 * Registers before/after hooks for a test file named `name` (its artifacts folder).
 * Returns `{ env, open, onFailure }`: `env.server` and `env.browser` once `before` ran,
 * `open()` a page in a new context, and `onFailure(t, err)` for the tests' catch blocks.
 */
export function harness(name, serverOptions = {}) {
  const env = { server: null, browser: null };
  const pages = [];
  const artifacts = artifactsFor(name);

  before(async () => {
    [env.server, env.browser] = await Promise.all([startServer(serverOptions), launchBrowser()]);
  });

  after(async () => {
    await env.browser?.close().catch(() => {});
    if (env.server) writeFileSync(path.join(artifacts.dir, 'server.log'), env.server.output());
    await env.server?.stop();
  });

  async function open() {
    const { page } = await newPage(env.browser);
    pages.push(page);
    return page;
  }

  async function onFailure(t, err) {
    for (const [i, page] of pages.entries()) {
      if (!page.isClosed()) await shot(page, `FAILED-context${i + 1}`).catch(() => {});
    }
    t.diagnostic(`screenshots and server.log in ${artifacts.dir}`);
    throw err;
  }

  return { env, open, onFailure };
}
