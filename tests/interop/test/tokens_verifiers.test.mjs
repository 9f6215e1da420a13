// Third-party JWT verifiers against a live latchkeyd: npm `jose`
// (createRemoteJWKSet + jwtVerify, as a Stack Auth user writes it) and
// Python's PyJWT (PyJWKClient), both fetching the JWKS route. They must
// accept what Latchkey issues to normal, restricted and anonymous users and
// reject a tampered signature, a wrong audience, an expired token and
// alg=none.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { after, before, test } from 'node:test';

import * as jose from 'jose';

import { repoRoot, startLatchkeyd } from '../lib/latchkeyd.mjs';
import { derivedSigningKey as deriveKey } from '../lib/stack_keys.mjs';

const derivedSigningKey = (audience) => deriveKey(server.keys.serverSecret, audience);

// Debian's interpreter, where python3-jwt is installed (a pyenv or venv
// python3 earlier on PATH would not have it).
const python = process.env.LATCHKEY_TEST_PYTHON ?? '/usr/bin/python3';
const pyjwtScript = path.join(repoRoot, 'tests', 'interop', 'pyjwt_verify.py');

let server;
let base;  // the public URL, which is also where the server listens
before(async () => {
  // The issuer is <public_url>/api/v1/...; listening where the issuer says
  // lets a verifier follow the anonymous issuer's JWKS redirect.
  const port = await freePort();
  server = await startLatchkeyd({ args: [`--http_address=127.0.0.1:${port}`] });
  base = server.httpUrl;
  assert.equal(base, `http://127.0.0.1:${port}`);
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
});

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

const issuers = {
  normal: () => `${base}/api/v1/projects/internal`,
  restricted: () => `${base}/api/v1/projects-restricted-users/internal`,
  anonymous: () => `${base}/api/v1/projects-anonymous-users/internal`,
};
const allIssuers = () => Object.values(issuers).map((issuer) => issuer());
const allAudiences = ['internal', 'internal:restricted', 'internal:anon'];
const jwksUrl = (query = '') =>
  `${base}/api/v1/projects/internal/.well-known/jwks.json${query}`;

const clientHeaders = { 'x-stack-project-id': 'internal', 'x-stack-access-type': 'client' };
const serverHeaders = () => ({
  'x-stack-project-id': 'internal',
  'x-stack-access-type': 'server',
  'x-stack-secret-server-key': server.keys.secretServerKey,
});
const adminHeaders = () => ({
  'x-stack-project-id': 'internal',
  'x-stack-access-type': 'admin',
  'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
});

async function call(method, route, { headers = {}, json, form } = {}) {
  const init = { method, headers: { ...headers } };
  if (json !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = JSON.stringify(json);
  }
  if (form !== undefined) {
    init.headers['content-type'] = 'application/x-www-form-urlencoded';
    init.body = new URLSearchParams(form).toString();
  }
  const response = await fetch(`${base}/api/v1${route}`, init);
  const text = await response.text();
  let body;
  try { body = JSON.parse(text); } catch { body = text; }
  return { status: response.status, body };
}

async function anonymousTokens() {
  const response = await call('POST', '/auth/anonymous/sign-up', { headers: clientHeaders });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body;
}

// A user made through UserService (server key) and a session for them
// through AuthService.CreateSession.
async function userTokens({ restricted = false } = {}) {
  const email = `user-${Math.random().toString(36).slice(2)}@example.com`;
  const created = await call('POST', '/users', {
    headers: serverHeaders(),
    json: { primary_email: email, primary_email_verified: true, display_name: 'Ada' },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const userId = created.body.id;
  if (restricted) {
    const patched = await call('PATCH', `/users/${userId}`, {
      headers: serverHeaders(), json: { restricted_by_admin: true },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
  }
  const session = await call('POST', '/auth/sessions', {
    headers: serverHeaders(), json: { user_id: userId },
  });
  assert.equal(session.status, 200, JSON.stringify(session.body));
  return { userId, email, ...session.body };
}

// ---- jose ---------------------------------------------------------------

async function joseVerify(token, { jwks = jwksUrl('?include_anonymous=true'),
  audience = allAudiences, issuer = allIssuers(), currentDate } = {}) {
  const keySet = jose.createRemoteJWKSet(new URL(jwks));
  return jose.jwtVerify(token, keySet, {
    issuer, audience, algorithms: ['ES256'], currentDate,
  });
}

async function joseRejects(token, code, options) {
  await assert.rejects(joseVerify(token, options), (error) => {
    assert.equal(error.code, code, `${error.code}: ${error.message}`);
    return true;
  });
}

// ---- PyJWT --------------------------------------------------------------

function pyjwt({ token, jwks = jwksUrl('?include_anonymous=true'),
  audience = allAudiences, issuer, leewaySeconds = 0 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [pyjwtScript], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.stderr.on('data', (chunk) => { err += chunk; });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`pyjwt_verify.py exited ${code}: ${err}`));
      resolve(JSON.parse(out));
    });
    child.stdin.end(JSON.stringify({
      jwks_url: jwks, token, audience, issuer, leeway_seconds: leewaySeconds,
    }));
  });
}

async function pyjwtAccepts(request) {
  const result = await pyjwt(request);
  assert.equal(result.ok, true, JSON.stringify(result));
  return result.claims;
}

async function pyjwtRejects(request, errorClass) {
  const result = await pyjwt(request);
  assert.equal(result.ok, false, JSON.stringify(result));
  assert.equal(result.error, errorClass, JSON.stringify(result));
}

// ---- tokens made here ---------------------------------------------------

function flipSignature(jwt) {
  const [header, payload, signature] = jwt.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  bytes[5] ^= 0x01;
  return [header, payload, bytes.toString('base64url')].join('.');
}

function unsecured(jwt) {
  const [header, payload] = jwt.split('.');
  const { kid } = JSON.parse(Buffer.from(header, 'base64url'));
  const none = Buffer.from(JSON.stringify({ alg: 'none', kid })).toString('base64url');
  return `${none}.${payload}.`;
}

// ---- accepted -----------------------------------------------------------

test('jose verifies a live anonymous token against the JWKS route', async () => {
  const tokens = await anonymousTokens();
  const { payload, protectedHeader } = await joseVerify(tokens.access_token);
  assert.deepEqual(Object.keys(protectedHeader).sort(), ['alg', 'kid']);
  assert.equal(payload.sub, tokens.user_id);
  assert.equal(payload.aud, 'internal:anon');
  assert.equal(payload.iss, issuers.anonymous());
  assert.equal(payload.is_anonymous, true);
  assert.deepEqual(payload.restricted_reason, { type: 'anonymous' });
  // Without include_anonymous the anonymous keys are not published.
  await joseRejects(tokens.access_token, 'ERR_JWKS_NO_MATCHING_KEY', { jwks: jwksUrl() });
});

test('PyJWT verifies a live anonymous token, following the anonymous issuer\'s redirect', async () => {
  const tokens = await anonymousTokens();
  // Stack's issuer URL for anonymous users + /.well-known/jwks.json is a 307
  // to the project's JWKS with include_anonymous=true; urllib follows it.
  const redirect = await fetch(`${issuers.anonymous()}/.well-known/jwks.json`, { redirect: 'manual' });
  assert.equal(redirect.status, 307);
  assert.equal(redirect.headers.get('location'), jwksUrl('?include_anonymous=true'));
  const claims = await pyjwtAccepts({
    token: tokens.access_token,
    jwks: `${issuers.anonymous()}/.well-known/jwks.json`,
    issuer: issuers.anonymous(),
  });
  assert.equal(claims.sub, tokens.user_id);
  assert.equal(claims.refresh_token_id.length, 36);
});

test('jose and PyJWT verify a normal user\'s token', async () => {
  const tokens = await userTokens();
  const { payload } = await joseVerify(tokens.access_token, {
    jwks: jwksUrl(), audience: 'internal', issuer: issuers.normal(),
  });
  assert.equal(payload.sub, tokens.userId);
  assert.equal(payload.email, tokens.email);
  assert.equal(payload.is_restricted, false);
  assert.equal(payload.restricted_reason, null);
  const claims = await pyjwtAccepts({
    token: tokens.access_token, jwks: jwksUrl(), audience: ['internal'], issuer: issuers.normal(),
  });
  assert.equal(claims.sub, tokens.userId);
});

test('jose and PyJWT verify a restricted user\'s token, also after a refresh', async () => {
  const tokens = await userTokens({ restricted: true });
  const refreshed = await call('POST', '/auth/oauth/token', {
    form: {
      grant_type: 'refresh_token', refresh_token: tokens.refresh_token,
      client_id: 'internal', client_secret: '__stack_public_client__',
    },
  });
  assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
  for (const token of [tokens.access_token, refreshed.body.access_token]) {
    const { payload } = await joseVerify(token, {
      jwks: jwksUrl('?include_restricted=true'),
      audience: ['internal', 'internal:restricted'],
      issuer: [issuers.normal(), issuers.restricted()],
    });
    assert.equal(payload.aud, 'internal:restricted');
    assert.deepEqual(payload.restricted_reason, { type: 'restricted_by_administrator' });
    await pyjwtAccepts({
      token, jwks: jwksUrl('?include_restricted=true'),
      audience: ['internal', 'internal:restricted'], issuer: issuers.restricted(),
    });
  }
});

// ---- rejected -----------------------------------------------------------

test('both reject a tampered signature', async () => {
  const tokens = await anonymousTokens();
  const tampered = flipSignature(tokens.access_token);
  await joseRejects(tampered, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
  await pyjwtRejects({ token: tampered, issuer: issuers.anonymous() }, 'InvalidSignatureError');
});

test('both reject a wrong audience', async () => {
  const tokens = await anonymousTokens();
  const other = '00000000-0000-4000-8000-000000000000';
  await joseRejects(tokens.access_token, 'ERR_JWT_CLAIM_VALIDATION_FAILED', {
    audience: [other, `${other}:anon`],
  });
  // The normal-users-only audience list of the right project, too.
  await joseRejects(tokens.access_token, 'ERR_JWT_CLAIM_VALIDATION_FAILED', {
    audience: 'internal',
  });
  await pyjwtRejects({
    token: tokens.access_token, audience: [other], issuer: issuers.anonymous(),
  }, 'InvalidAudienceError');
});

test('both reject an expired token signed with the project\'s real key', async () => {
  const { kid, key } = await derivedSigningKey('internal:anon');
  const live = await anonymousTokens();
  const claims = jose.decodeJwt(live.access_token);
  // Derived here from the secret as docs/stack-wire-format.md says: Latchkey publishes it.
  assert.equal(jose.decodeProtectedHeader(live.access_token).kid, kid);
  const now = Math.floor(Date.now() / 1000);
  const expired = await new jose.SignJWT({ ...claims, iat: now - 1200, exp: now - 600 })
    .setProtectedHeader({ alg: 'ES256', kid })
    .sign(key);
  // Still genuine: with the clock turned back it verifies.
  await joseVerify(expired, { currentDate: new Date((now - 900) * 1000) });
  await joseRejects(expired, 'ERR_JWT_EXPIRED');
  await pyjwtRejects({ token: expired, issuer: issuers.anonymous() }, 'ExpiredSignatureError');
});

test('both reject alg=none', async () => {
  const tokens = await anonymousTokens();
  const none = unsecured(tokens.access_token);
  await joseRejects(none, 'ERR_JOSE_ALG_NOT_ALLOWED');
  await pyjwtRejects({ token: none, issuer: issuers.anonymous() }, 'InvalidAlgorithmError');
});

test('a 60-second lifetime set through the config override expires for both', async () => {
  const override = await call('PATCH', '/internal/config/override/project', {
    headers: adminHeaders(),
    json: { config_override_string: JSON.stringify({ access_token_lifetime_seconds: 60 }) },
  });
  assert.equal(override.status, 200, JSON.stringify(override.body));
  try {
    const tokens = await anonymousTokens();
    const { payload } = await joseVerify(tokens.access_token);
    assert.equal(payload.exp - payload.iat, 60);
    // One second past exp on the verifiers' clocks (no sleeping): jose's
    // currentDate, PyJWT's leeway moved the other way.
    await joseRejects(tokens.access_token, 'ERR_JWT_EXPIRED', {
      currentDate: new Date((payload.exp + 1) * 1000),
    });
    const skew = payload.exp + 1 - Math.floor(Date.now() / 1000);
    await pyjwtRejects({
      token: tokens.access_token, issuer: issuers.anonymous(), leewaySeconds: -skew,
    }, 'ExpiredSignatureError');
  } finally {
    await call('PATCH', '/internal/config/override/project', {
      headers: adminHeaders(),
      json: { config_override_string: JSON.stringify({ access_token_lifetime_seconds: null }) },
    });
  }
});
