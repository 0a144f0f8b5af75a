// Codes of an authenticator app, computed as the app would (RFC 6238: HMAC-SHA1, 30-second
// steps, six digits), so that a test can sign in with a second factor.
import { createHmac } from 'node:crypto';

/** The bytes of an unpadded Base32 text (spaces ignored). */
export function base32Decode(text) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const c of text.replace(/\s+/g, '').toUpperCase()) {
    const index = alphabet.indexOf(c);
    if (index < 0) throw new Error(`not Base32: ${c}`);
    value = (value << 5) | index;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((value >>> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

/** The code for `key` (Base32) at `stepsAhead` steps from now. */
export function totpCode(key, stepsAhead = 0) {
  const step = Math.floor(Date.now() / 1000 / 30) + stepsAhead;
  const counter = Buffer.alloc(8);
  counter.writeBigInt64BE(BigInt(step));
  const digest = createHmac('sha1', base32Decode(key)).update(counter).digest();
  const offset = digest[digest.length - 1] & 0x0f;
  const bin = digest.readUInt32BE(offset) & 0x7fffffff;
  return String(bin % 1_000_000).padStart(6, '0');
}
