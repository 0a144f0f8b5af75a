#!/usr/bin/env bash
# Runs partnerhub's browser tests: headless Debian chromium driven by playwright-core.
# Usage: e2e/run.sh [test files…]   (from any directory; default: every test under tests/)
# Env:   PARTNERHUB_BIN   the server binary (default: ../target/debug/partnerhub from here;
#                         build it first with `cargo build -p partnerhub`)
#        TEST_TIMEOUT_MS  time limit per test (default 45000)
# Screenshots land in e2e/artifacts/<test>/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

if [[ ! -x /usr/bin/chromium ]]; then
  echo "run.sh: installing chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y chromium; then
    apt-get update
    apt-get install -y chromium
  fi
fi

# Every test server sends its e-mail to a real SMTP server of its own.
if ! python3 -c 'import aiosmtpd' 2>/dev/null; then
  echo "run.sh: installing aiosmtpd" >&2
  python3 -m pip install --quiet aiosmtpd >&2
fi

bin="${PARTNERHUB_BIN:-../target/debug/partnerhub}"
if [[ ! -x "$bin" ]]; then
  echo "run.sh: no partnerhub binary at $bin; run \`cargo build -p partnerhub\` or set PARTNERHUB_BIN" >&2
  exit 1
fi

if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund
else
  npm install --no-audit --no-fund
fi

if [[ $# -eq 0 ]]; then
  set -- tests/
fi
exec node --test --test-concurrency=1 --test-timeout="${TEST_TIMEOUT_MS:-45000}" "$@"
