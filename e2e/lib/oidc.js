// The test OpenID provider (oidc/provider.mjs, the `oidc-provider` package) as a child process
// of a browser test.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export const CLIENT_ID = 'partnerhub';
export const CLIENT_SECRET = 'partnerhub-test-secret';

/**
 * Starts the provider for a partnerhub whose callback is `redirectUri`. Resolves to
 * `{ issuer, output(), stop() }` once it prints its issuer.
 */
export function startProvider(redirectUri, { timeoutMs = 20_000 } = {}) {
  const child = spawn(process.execPath, [path.join(E2E_DIR, 'oidc', 'provider.mjs'), '--redirect-uri', redirectUri], {
    cwd: E2E_DIR,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { out += d; });
  const stop = () => new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the OpenID provider did not start:\n${out}`)), timeoutMs);
    child.on('exit', (code) => reject(new Error(`the OpenID provider exited (${code}):\n${out}`)));
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = out.match(/^issuer=(\S+)$/m);
      if (m) {
        clearTimeout(timer);
        resolve({ issuer: m[1], output: () => out, stop });
      }
    });
  });
}
