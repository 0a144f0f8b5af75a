// Starts localstripe (a stateful Stripe emulator) on a free 127.0.0.1 port through
// scripts/localstripe, for one test file. It stops with stop(), and on its own when this node
// process goes away (LOCALSTRIPE_EXIT_WITH_PARENT=1).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './server.js';

const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SCRIPT = path.join(E2E_DIR, '..', 'scripts', 'localstripe');

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Returns {url, port, secretKey, jsUrl, api(method, path, params?), serverArgs(), output(), stop()}.
 * `api` calls localstripe's REST API with the secret key and resolves to the parsed JSON (it
 * throws on a non-2xx answer). `serverArgs()` gives the `partnerhub serve` arguments for the
 * Stripe gateway against this localstripe.
 */
export async function startLocalstripe({
  timeoutMs = 60_000, // pip may have to install it first
  secretKey = 'sk_test_x',
  publishableKey = 'pk_test_x',
} = {}) {
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(await freePort(), timeoutMs, secretKey, publishableKey);
    } catch (e) {
      lastError = e;
      if (!/address already in use|Errno 98/i.test(String(e.message))) break;
    }
  }
  throw lastError;
}

async function startOnce(port, timeoutMs, secretKey, publishableKey) {
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(SCRIPT, [String(port)], {
    env: { ...process.env, LOCALSTRIPE_EXIT_WITH_PARENT: '1', PYTHONUNBUFFERED: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let exited = null;
  child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
  child.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
  const exitPromise = new Promise((resolve) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    resolve(exited);
  }));
  child.on('error', (e) => { out += `\nspawn error: ${e.message}\n`; exited = exited || { code: -1, signal: null }; });

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', onExit);
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 3_000);
      await exitPromise;
      clearTimeout(timer);
    }
  };
  const onExit = () => { if (!exited) child.kill('SIGKILL'); };
  process.once('exit', onExit);

  const auth = { Authorization: `Bearer ${secretKey}` };
  const api = async (method, apiPath, params) => {
    const init = { method, headers: { ...auth }, signal: AbortSignal.timeout(5_000) };
    if (params) {
      init.headers['Content-Type'] = 'application/x-www-form-urlencoded';
      init.body = new URLSearchParams(params).toString();
    }
    const res = await fetch(`${url}${apiPath}`, init);
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new Error(`localstripe ${method} ${apiPath}: ${res.status} ${JSON.stringify(body)}`);
    return body;
  };

  try {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (exited) throw new Error(`localstripe exited early (${JSON.stringify(exited)}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`localstripe not ready within ${timeoutMs} ms:\n${out}`);
      try {
        const res = await fetch(`${url}/v1/customers`, { headers: auth, signal: AbortSignal.timeout(2_000) });
        if (res.status === 200) break;
      } catch { /* not listening yet */ }
      await sleep(100);
    }
  } catch (e) {
    await stop();
    throw e;
  }

  const jsUrl = `${url}/js.stripe.com/v3/`;
  return {
    url,
    port,
    secretKey,
    publishableKey,
    jsUrl,
    api,
    serverArgs: () => [
      '--gateway', 'stripe',
      '--stripe-secret-key', secretKey,
      '--stripe-publishable-key', publishableKey,
      '--stripe-api-base', url,
      '--stripe-js-url', jsUrl,
    ],
    output: () => out,
    stop,
  };
}
