// Starts a fresh partnerhub server for one test: a free port on 127.0.0.1, a new temp dir as cwd
// and a new SQLite database in it (or a given dir and the database already in it, to restart a
// server on the same data), with a real SMTP server (aiosmtpd) that keeps what it receives in a
// Maildir. Resolves once /readyz answers 200 and the first program admin has chosen a password
// through the set-up link the server printed.
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const E2E_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The partnerhub binary: $PARTNERHUB_BIN, else ../target/debug/partnerhub relative to e2e/. */
export function binaryPath() {
  const bin = process.env.PARTNERHUB_BIN || path.join(E2E_DIR, '..', 'target', 'debug', 'partnerhub');
  return path.resolve(E2E_DIR, bin);
}

/** Asks the kernel for a free port on 127.0.0.1 and releases it. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The servers running, by URL: helpers that only know a URL find the server's mail there. */
const running = new Map();

/** The running server at `url`. */
export function serverAt(url) {
  const server = running.get(url);
  if (!server) throw new Error(`no server started here runs at ${url}`);
  return server;
}

/** Resolves once something listens on 127.0.0.1:`port`. */
async function listening(port, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => { socket.destroy(); resolve(true); });
      socket.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
    await sleep(100);
  }
}

/**
 * Starts aiosmtpd on a free port, keeping every message in the Maildir `dir`. Returns
 * {port, dir, stop()}.
 */
async function startSmtp(dir) {
  const port = await freePort();
  const child = spawn('python3', ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
  const kill = () => { if (child.exitCode === null) child.kill('SIGKILL'); };
  process.once('exit', kill);
  try {
    await listening(port, 15_000);
  } catch (e) {
    kill();
    throw new Error(`aiosmtpd did not start (is it installed? e2e/run.sh installs it): ${e.message}\n${err}`);
  }
  return { port, dir, stop: () => { process.removeListener('exit', kill); kill(); } };
}

/** A message from the Maildir: its headers' text and its body, decoded. */
function readMessage(file) {
  const raw = readFileSync(file, 'utf8').replace(/\r\n/g, '\n');
  const split = raw.indexOf('\n\n');
  const headers = raw.slice(0, split);
  let body = raw.slice(split + 2);
  const encoding = headers.match(/^Content-Transfer-Encoding:\s*(\S+)/im)?.[1]?.toLowerCase();
  if (encoding === 'base64') body = Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') {
    body = body.replace(/=\n/g, '').replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
  }
  return { headers, body };
}

/**
 * The body of the newest message to `to` received by the server's SMTP server whose body
 * matches `pattern`; waits for it (the server sends its outbox every 2 seconds).
 */
export async function waitForMail(server, to, pattern, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  const folder = path.join(server.maildir, 'new');
  for (;;) {
    const files = existsSync(folder)
      ? readdirSync(folder).map((f) => path.join(folder, f)).sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)
      : [];
    for (const file of files) {
      const { headers, body } = readMessage(file);
      if (new RegExp(`^To:.*${to.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`, 'im').test(headers) && pattern.test(body)) {
        return body;
      }
    }
    if (Date.now() > deadline) throw new Error(`no e-mail to ${to} matching ${pattern} within ${timeoutMs} ms`);
    await sleep(250);
  }
}

/** The first link in an e-mail body whose path holds `part` (e.g. '/verify-email/'). */
export function linkIn(body, part) {
  const link = body.split(/\s+/).find((w) => w.includes(part));
  if (!link) throw new Error(`no ${part} link in:\n${body}`);
  return link;
}

/** The password the first program admin chooses through the set-up link. */
const ADMIN_PASSWORD = 'first admin passphrase for e2e';

/**
 * Opens the set-up `link` as a browser without JavaScript would (its form token comes with a
 * cookie) and chooses `password`.
 */
async function setUpAdmin(link, password) {
  const page = await fetch(link);
  const cookie = (page.headers.getSetCookie?.() ?? []).map((c) => c.split(';')[0]).join('; ');
  const csrf = (await page.text()).match(/name="csrf" value="([^"]+)"/)?.[1];
  if (!csrf) throw new Error(`no form on the set-up page ${link} (${page.status})`);
  const done = await fetch(link, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie },
    body: new URLSearchParams({ csrf, password }),
  });
  if (done.status !== 303) throw new Error(`the set-up link answered ${done.status}`);
}

/**
 * Starts the server. Returns {url, port, dir, databaseUrl, maildir, adminEmail, adminPassword,
 * output(), stop()}. `stop()` kills the process (SIGTERM, then SIGKILL after 5 s) and removes the dir
 * unless KEEP_SERVER_DIR is set or it is called as `stop({ keepDir: true })` (to start another
 * server on the same database afterwards).
 *
 * Options: `args` — extra arguments after `serve …` (e.g. `['--gateway', 'stripe', …]`);
 * `env` — extra environment variables for the server (applied after the inherited environment
 * has been cleaned of settings that would point it elsewhere);
 * `dir` — run in this directory with its database `test.db` (e.g. the `dir` of a server stopped
 * with `keepDir`) instead of a new temp dir. A database that has its first program admin already
 * prints no set-up link again: `adminEmail`/`adminPassword` are then undefined.
 * `host` — the host name of `url` and of the server's public URL (default 127.0.0.1; passkeys
 * need a name, such as `localhost`, since an IP address cannot be a WebAuthn relying party).
 * `port` — listen on this port (from `freePort()`), for a test that must name the server's URL
 * before it starts (an OpenID provider's redirect URI).
 * Every server gets its own SMTP server; `waitForMail(server, to, pattern)` reads what it got.
 */
export async function startServer({ timeoutMs = 20_000, args = [], env = {}, dir, host = '127.0.0.1', port } = {}) {
  const bin = binaryPath();
  if (!existsSync(bin)) {
    throw new Error(`partnerhub binary not found at ${bin}; build it with \`cargo build -p partnerhub\` or set PARTNERHUB_BIN`);
  }
  // A port picked here may in rare cases be taken before the server binds it; retry then.
  let lastError;
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      return await startOnce(bin, port ?? (await freePort()), timeoutMs, args, env, dir, host);
    } catch (e) {
      lastError = e;
      if (port !== undefined || !/address already in use|AddrInUse/i.test(String(e.message))) break;
    }
  }
  throw lastError;
}

/** The --database-url of the SQLite database in a server's dir. */
export function databaseUrlIn(dir) {
  return `sqlite://${path.join(dir, 'test.db')}?mode=rwc`;
}

async function startOnce(bin, port, timeoutMs, extraArgs, extraEnv, givenDir, host) {
  // A dir we were given holds a database someone wants: never remove it because a start failed.
  const ownsDir = !givenDir;
  const dir = givenDir ? path.resolve(givenDir) : mkdtempSync(path.join(os.tmpdir(), 'partnerhub-e2e-'));
  if (givenDir) mkdirSync(dir, { recursive: true });
  const freshDatabase = !existsSync(path.join(dir, 'test.db'));
  const url = `http://${host}:${port}`;
  const databaseUrl = databaseUrlIn(dir);
  const maildir = path.join(dir, `mail-${port}`);
  const smtp = await startSmtp(maildir);
  const args = [
    'serve',
    '--listen', `127.0.0.1:${port}`,
    '--public-url', url,
    '--database-url', databaseUrl,
    '--smtp-host', '127.0.0.1',
    '--smtp-port', String(smtp.port),
    '--smtp-tls', 'none',
    '--smtp-from', 'Partner Program <partners@partnerhub.example>',
    ...extraArgs,
  ];
  // Keep the environment from pointing the server at another database, config or gateway.
  const env = { ...process.env, NO_COLOR: '1' };
  for (const k of [
    'DATABASE_URL', 'PARTNERHUB_CONFIG', 'PARTNERHUB_LISTEN', 'PARTNERHUB_PUBLIC_URL', 'PARTNERHUB_CATALOG',
    'PARTNERHUB_SMTP_USERNAME', 'PARTNERHUB_SMTP_PASSWORD',
    'PARTNERHUB_GATEWAY', 'PARTNERHUB_LOG_JSON', 'STRIPE_SECRET_KEY', 'STRIPE_PUBLISHABLE_KEY', 'STRIPE_API_BASE', 'STRIPE_JS_URL',
    'PARTNERHUB_SSO_ISSUER', 'PARTNERHUB_SSO_CLIENT_ID', 'PARTNERHUB_SSO_CLIENT_SECRET',
  ]) {
    delete env[k];
  }
  // The flows of the seed run without a second factor; the second-factor tests pass the
  // policy they test in `env`.
  Object.assign(env, { PARTNERHUB_MFA_STAFF: 'off', PARTNERHUB_MFA_PARTNER_ROLES: 'none' });
  Object.assign(env, extraEnv);
  const child = spawn(bin, args, { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });

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
  const stop = async ({ keepDir = false } = {}) => {
    if (stopped) return;
    stopped = true;
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => { if (!exited) child.kill('SIGKILL'); }, 5_000);
      await exitPromise;
      clearTimeout(timer);
    }
    smtp.stop();
    if (!keepDir && !process.env.KEEP_SERVER_DIR) rmSync(dir, { recursive: true, force: true });
  };
  // Never leave a server (or its temp dir) behind if the test process dies on its own.
  const onExit = () => {
    if (!exited) child.kill('SIGKILL');
    smtp.stop();
    if (ownsDir && !process.env.KEEP_SERVER_DIR) rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', onExit);

  try {
    const deadline = Date.now() + timeoutMs;
    let adminEmail, setUpLink;
    for (;;) {
      if (exited) throw new Error(`partnerhub exited early (${JSON.stringify(exited)}):\n${out}`);
      if (Date.now() > deadline) throw new Error(`partnerhub not ready within ${timeoutMs} ms:\n${out}`);
      const m = out.match(/first program admin:\s*(\S+)\s+set-up link:\s*(\S+)/);
      if (m) [, adminEmail, setUpLink] = m;
      // A new database prints its first program admin; a reused one has it already.
      if ((adminEmail || !freshDatabase) && /partnerhub is running at/.test(out)) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/readyz`, { signal: AbortSignal.timeout(2_000) });
          if (res.status === 200) break;
        } catch { /* not listening yet */ }
      }
      await sleep(50);
    }
    // The first program admin chooses a password through the printed link, as an operator would.
    let adminPassword;
    if (setUpLink) {
      await setUpAdmin(setUpLink, ADMIN_PASSWORD);
      adminPassword = ADMIN_PASSWORD;
    }
    const server = {
      url,
      port,
      dir,
      databaseUrl,
      maildir,
      adminEmail,
      adminPassword,
      output: () => out.replace(/\x1b\[[0-9;]*m/g, ''),
      stop: async (opts) => {
        running.delete(url);
        process.removeListener('exit', onExit);
        await stop(opts);
      },
    };
    running.set(url, server);
    return server;
  } catch (e) {
    process.removeListener('exit', onExit);
    await stop({ keepDir: !ownsDir });
    throw e;
  }
}
