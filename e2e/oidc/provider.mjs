// A real OpenID provider for partnerhub's single sign-on tests: the certified `oidc-provider`
// package with its development login and consent pages, one static client and a few accounts.
//
//   node e2e/oidc/provider.mjs --redirect-uri http://127.0.0.1:PORT/sso/callback
//
// Listens on 127.0.0.1 (a free port unless --port is given) and prints one line,
// `issuer=http://127.0.0.1:PORT`, once it answers. The client is `partnerhub` with the secret
// `partnerhub-test-secret` (client_secret_basic), the code flow only, PKCE required. Any login
// name below signs in with any password on the development login page.
import crypto from 'node:crypto';
import http from 'node:http';
import Provider from 'oidc-provider';

export const CLIENT_ID = 'partnerhub';
export const CLIENT_SECRET = 'partnerhub-test-secret';

// Login name → claims. `partnerhub_staff_role` is the staff role claim partnerhub reads by
// default; `una` has an address her provider has not verified.
const ACCOUNTS = {
  admin: { email: 'admin@partnerhub.localhost', email_verified: true, name: 'Program admin' },
  ada: { email: 'ada@vendor.example', email_verified: true, name: 'Ada Lovelace', partnerhub_staff_role: 'program_admin' },
  sam: { email: 'sam@vendor.example', email_verified: true, name: 'Sam Support', partnerhub_staff_role: ['support_agent'] },
  una: { email: 'una@vendor.example', email_verified: false, name: 'Una Unverified', partnerhub_staff_role: 'program_admin' },
  nora: { email: 'nora@vendor.example', email_verified: true, name: 'Nora Norole' },
  pat: { email: 'pat@partner.example', email_verified: true, name: 'Pat Partner' },
  pia: { email: 'pia@partner.example', email_verified: false, name: 'Pia Partner' },
};

function option(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i === -1) return fallback;
  const value = process.argv[i + 1];
  if (value === undefined) throw new Error(`--${name} needs a value`);
  return value;
}

const redirectUri = option('redirect-uri');
if (!redirectUri) {
  console.error('provider.mjs: give --redirect-uri, the callback URL of the partnerhub under test');
  process.exit(2);
}
const port = Number(option('port', '0'));

// A fresh signing key each run, so nothing signed by an earlier run verifies.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: crypto.randomUUID(), alg: 'RS256', use: 'sig' };

const server = http.createServer();
server.listen(port, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    pkce: { required: () => true },
    scopes: ['openid', 'email', 'profile', 'partnerhub'],
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      partnerhub: ['partnerhub_staff_role'],
    },
    // Put the claims of the granted scopes in the ID token itself (partnerhub reads them there).
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: true } },
    async findAccount(ctx, sub) {
      const claims = ACCOUNTS[sub];
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => ({ sub, ...claims }) };
    },
  });
  // The development pages warn on every start; the tests know.
  provider.on('server_error', (ctx, err) => console.error('provider error:', err));
  server.on('request', provider.callback());
  console.log(`issuer=${issuer}`);
});

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => server.close(() => process.exit(0)));
}
