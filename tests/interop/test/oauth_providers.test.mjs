// Sign-in through Latchkey's real authorize, callback and token routes with
// the provider types whose services cannot be reached from here: Microsoft,
// Bitbucket, Twitch, X, LinkedIn, Facebook and Apple. This uses a STAND-IN:
// a small local server that answers each provider's documented authorize
// redirect (Apple's as a form POST back to the callback, with code, state,
// id_token and user), token endpoint and user endpoints with the shapes the
// providers document. Latchkey reaches it through each provider's
// issuer_url, which replaces the providers' hosts and keeps their paths.
// What it checks, per provider: the path Latchkey calls (the Microsoft
// tenant, Facebook's config_id), PKCE toward the provider or its absence
// (LinkedIn), the client authentication (Basic, or the secret in the body),
// the Client-Id header (Twitch), where id, name, email and "verified" come
// from, and for Apple an ES256 id_token signed by a key the stand-in serves
// as its key set. A second part runs shared development keys: a project
// provider marked is_shared signs in with the deployment's client from the
// environment, and refuses extra scopes and provider access tokens.
import assert from 'node:assert/strict';
import {
  createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign,
} from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { exchangeCode } from '../lib/oidc_idp.mjs';

const APP_CALLBACK = 'http://localhost:3000/oauth-callback';
const CLIENT_ID = 'stand-in-client';
const CLIENT_SECRET = 'stand-in-secret';

const s256 = (verifier) => createHash('sha256').update(verifier).digest('base64url');

function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

// Apple's signing key, served as the stand-in's key set. The pair comes out
// of the generator as PEM and is loaded again, so that no key object shares
// its lock with the generator's job: Node 20 can deadlock when a garbage
// collection inside export({format: 'jwk'}) destroys that job (seen here:
// the whole file hung in ExportJWK -> ~KeyGenJob -> mutex lock).
const applePem = generateKeyPairSync('ec', {
  namedCurve: 'P-256',
  publicKeyEncoding: { type: 'spki', format: 'pem' },
  privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
});
const appleKey = {
  privateKey: createPrivateKey(applePem.privateKey),
  publicKey: createPublicKey(applePem.publicKey),
};
const appleJwk = { ...appleKey.publicKey.export({ format: 'jwk' }), kid: 'apple-stand-in', alg: 'ES256', use: 'sig' };
function appleIdToken(claims) {
  const header = Buffer.from(JSON.stringify({ alg: 'ES256', kid: 'apple-stand-in', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`),
    { key: appleKey.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

// The providers the stand-in plays: how their authorization and token
// endpoints are reached, how the client authenticates, and the user
// answers in their documented shapes.
const PROVIDERS = {
  microsoft: {
    authorize: /^\/([A-Za-z0-9.-]+)\/oauth2\/v2\.0\/authorize$/,
    token: /^\/([A-Za-z0-9.-]+)\/oauth2\/v2\.0\/token$/,
    auth: 'basic', pkce: true,
  },
  bitbucket: { authorize: /^\/site\/oauth2\/authorize$/, token: /^\/site\/oauth2\/access_token$/, auth: 'basic', pkce: true },
  twitch: { authorize: /^\/oauth2\/authorize$/, token: /^\/oauth2\/token$/, auth: 'post', pkce: true },
  x: { authorize: /^\/i\/oauth2\/authorize$/, token: /^\/2\/oauth2\/token$/, auth: 'basic', pkce: true },
  linkedin: { authorize: /^\/oauth\/v2\/authorization$/, token: /^\/oauth\/v2\/accessToken$/, auth: 'post', pkce: false },
  facebook: { authorize: /^\/v19\.0\/dialog\/oauth$/, token: /^\/v19\.0\/oauth\/access_token$/, auth: 'post', pkce: true },
  apple: { authorize: /^\/auth\/authorize$/, token: /^\/auth\/token$/, auth: 'post', pkce: true },
};

function startStandIn() {
  const issued = new Map();  // code -> {type, challenge, nonce}
  const seen = [];  // {type, path, query} of each authorize request
  let baseUrl;
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://stand-in');
    const json = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    for (const [type, p] of Object.entries(PROVIDERS)) {
      if (req.method === 'GET' && p.authorize.test(url.pathname)) {
        seen.push({ type, path: url.pathname, query: Object.fromEntries(url.searchParams) });
        // The user approves at once.
        const code = `${type}-${randomBytes(8).toString('hex')}`;
        issued.set(code, {
          type, challenge: url.searchParams.get('code_challenge'), nonce: url.searchParams.get('nonce'),
        });
        if (type === 'apple') {
          // response_mode=form_post: the browser POSTs the answer back; the
          // test does that POST with these fields.
          assert.equal(url.searchParams.get('response_mode'), 'form_post');
          return json(200, {
            form_post_to: url.searchParams.get('redirect_uri'),
            fields: {
              code, state: url.searchParams.get('state'),
              id_token: 'front-channel-token-is-not-used',
              user: JSON.stringify({ name: { firstName: 'Ann', lastName: 'Pell' }, email: 'ann@privaterelay.example' }),
            },
          });
        }
        const back = new URL(url.searchParams.get('redirect_uri'));
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state'));
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      if (req.method === 'POST' && p.token.test(url.pathname)) {
        let body = '';
        for await (const chunk of req) body += chunk;
        const form = new URLSearchParams(body);
        const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
        const authenticated = p.auth === 'basic'
          ? req.headers.authorization === basic && !form.has('client_secret')
          : !req.headers.authorization && form.get('client_id') === CLIENT_ID &&
            form.get('client_secret') === CLIENT_SECRET;
        if (!authenticated) return json(401, { error: 'invalid_client' });
        const grant = issued.get(form.get('code'));
        issued.delete(form.get('code'));
        if (!grant || grant.type !== type) return json(400, { error: 'invalid_grant' });
        if (p.pkce ? s256(form.get('code_verifier') ?? '') !== grant.challenge
          : form.has('code_verifier') || grant.challenge !== null) {
          return json(400, { error: 'invalid_grant', error_description: 'PKCE' });
        }
        const answer = { access_token: `${type}-access`, token_type: 'bearer', expires_in: 3600 };
        if (type === 'apple') {
          const now = Math.floor(Date.now() / 1000);
          answer.id_token = appleIdToken({
            iss: baseUrl, aud: CLIENT_ID, sub: '001122.apple-user', iat: now, exp: now + 600,
            nonce: grant.nonce, email: 'ann@privaterelay.example', email_verified: 'true',
          });
        }
        return json(200, answer);
      }
    }
    if (url.pathname === '/auth/keys') return json(200, { keys: [appleJwk] });
    const bearer = (req.headers.authorization ?? '').replace(/^Bearer /, '');
    if (url.pathname === '/v1.0/me' && bearer === 'microsoft-access') {
      return json(200, {
        id: 'ms-7a1', displayName: 'Mia Soft', mail: null, userPrincipalName: 'mia@contoso.example',
      });
    }
    if (url.pathname === '/2.0/user' && bearer === 'bitbucket-access') {
      return json(200, {
        uuid: '{d2e1-bb}', account_id: '5b10', display_name: 'Bea Bucket',
        links: { avatar: { href: 'https://avatars.example/bb.png' } },
      });
    }
    if (url.pathname === '/2.0/user/emails' && bearer === 'bitbucket-access') {
      return json(200, {
        pagelen: 10, page: 1, size: 2,
        values: [
          { type: 'email', email: 'old@bitbucket.example', is_primary: false, is_confirmed: true },
          { type: 'email', email: 'bea@bitbucket.example', is_primary: true, is_confirmed: true },
        ],
      });
    }
    if (url.pathname === '/helix/users' && bearer === 'twitch-access') {
      if (req.headers['client-id'] !== CLIENT_ID) return json(401, { error: 'Unauthorized', message: 'Client-Id' });
      return json(200, {
        data: [{
          id: '141981764', login: 'tess', display_name: 'Tess', email: 'tess@twitch.example',
          profile_image_url: 'https://avatars.example/tess.png',
        }],
      });
    }
    if (url.pathname === '/2/users/me' && bearer === 'x-access') {
      return json(200, {
        data: { id: '2244994945', name: 'Xavi', username: 'xavi', profile_image_url: 'https://avatars.example/x.png' },
      });
    }
    if (url.pathname === '/v2/userinfo' && bearer === 'linkedin-access') {
      return json(200, {
        sub: 'li-782bbtaQ', name: 'Lin Kedin', given_name: 'Lin', family_name: 'Kedin',
        picture: 'https://avatars.example/li.png', email: 'lin@linkedin.example', email_verified: true,
      });
    }
    if (url.pathname === '/v19.0/me' && bearer === 'facebook-access') {
      assert.equal(url.searchParams.get('fields'), 'id,name,email,picture');
      return json(200, {
        id: '10158', name: 'Fay Book', email: 'fay@facebook.example',
        picture: { data: { height: 50, is_silhouette: false, url: 'https://avatars.example/fb.png', width: 50 } },
      });
    }
    return json(404, { message: 'Not Found' });
  });
  return {
    async start() {
      baseUrl = `http://127.0.0.1:${await listen(server)}`;
      return baseUrl;
    },
    seen,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

function adminHeaders(server) {
  return {
    'content-type': 'application/json',
    'x-stack-project-id': 'internal',
    'x-stack-access-type': 'admin',
    'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
  };
}

async function allowLocalhost(server) {
  const config = await fetch(`${server.httpUrl}/api/v1/internal/config/override/project`, {
    method: 'PATCH', headers: adminHeaders(server),
    body: JSON.stringify({ config_override_string: JSON.stringify({ allow_localhost: true, sign_up_enabled: true }) }),
  });
  assert.equal(config.status, 200, await config.text());
}

async function putProvider(server, id, body) {
  const put = await fetch(`${server.httpUrl}/api/v1/internal/oauth-providers/${id}`, {
    method: 'PUT', headers: adminHeaders(server), body: JSON.stringify({ enabled: true, ...body }),
  });
  const answer = await put.json();
  assert.equal(put.status, 200, JSON.stringify(answer));
  return answer;
}

function authorizeQuery(server, verifier, extra = {}) {
  return new URLSearchParams({
    client_id: 'internal', client_secret: server.keys.publishableClientKey,
    redirect_uri: APP_CALLBACK, scope: 'legacy', state: 'app-state',
    grant_type: 'authorization_code', code_challenge: s256(verifier),
    code_challenge_method: 'S256', response_type: 'code', stack_response_mode: 'json',
    ...extra,
  });
}

// The app's whole trip in JSON mode: authorize, the provider, Latchkey's
// callback (a GET redirect, or Apple's form POST), the token route and
// /users/me.
async function signIn(server, standInUrl, providerId) {
  const verifier = randomBytes(32).toString('base64url');
  const start = await fetch(
    `${server.httpUrl}/api/v1/auth/oauth/authorize/${providerId}?${authorizeQuery(server, verifier)}`);
  const started = await start.json();
  assert.equal(start.status, 200, JSON.stringify(started));
  assert.ok(started.location.startsWith(standInUrl), started.location);
  const atProvider = await fetch(started.location, { redirect: 'manual' });
  let callback;
  if (atProvider.status === 200) {
    const { form_post_to: target, fields } = await atProvider.json();
    callback = await fetch(target, {
      method: 'POST', redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  } else {
    assert.equal(atProvider.status, 302);
    callback = await fetch(atProvider.headers.get('location'), { redirect: 'manual' });
  }
  assert.equal(callback.status, 303, `${callback.headers.get('location')} ${await callback.text()}`);
  const tokens = await exchangeCode(server, callback, verifier, APP_CALLBACK);
  const me = await fetch(`${server.httpUrl}/api/v1/users/me`, {
    headers: {
      'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
      'x-stack-publishable-client-key': server.keys.publishableClientKey,
      'x-stack-access-token': tokens.access_token,
    },
  });
  assert.equal(me.status, 200);
  return { tokens, user: await me.json() };
}

describe('OAuth sign-in with the other provider types (local stand-in server)', () => {
  let server;
  let standIn;
  let standInUrl;

  before(async () => {
    standIn = startStandIn();
    standInUrl = await standIn.start();
    server = await startLatchkeyd({ env: { LATCHKEY_OAUTH_ALLOW_LOOPBACK_HTTP: 'true' } });
    await allowLocalhost(server);
    for (const type of Object.keys(PROVIDERS)) {
      const extra = {};
      if (type === 'microsoft') extra.microsoft_tenant_id = 'organizations';
      if (type === 'facebook') extra.facebook_config_id = '112233445566';
      const stored = await putProvider(server, type, {
        type, client_id: CLIENT_ID, client_secret: CLIENT_SECRET, issuer_url: standInUrl, ...extra,
      });
      assert.equal(stored.type, type);
      assert.equal(stored.is_shared, false);
      if (type === 'microsoft') assert.equal(stored.microsoft_tenant_id, 'organizations');
      if (type === 'facebook') assert.equal(stored.facebook_config_id, '112233445566');
    }
  });
  after(async () => {
    if (standIn) await standIn.close();
    if (server) assert.equal(await server.stop(), 0);
  });

  const lastAuthorize = (type) => standIn.seen.filter((s) => s.type === type).at(-1);

  test('Microsoft: the configured tenant, Graph /me, userPrincipalName, never verified', async () => {
    const { tokens, user } = await signIn(server, standInUrl, 'microsoft');
    assert.equal(tokens.is_new_user, true);
    const seen = lastAuthorize('microsoft');
    assert.equal(seen.path, '/organizations/oauth2/v2.0/authorize');
    assert.equal(seen.query.scope, 'User.Read openid');
    assert.equal(seen.query.code_challenge_method, 'S256');
    assert.equal(user.primary_email, 'mia@contoso.example');
    assert.equal(user.primary_email_verified, false);
    assert.equal(user.display_name, 'Mia Soft');
    assert.equal((await signIn(server, standInUrl, 'microsoft')).user.id, user.id);
  });

  test('Bitbucket: the primary confirmed address of /2.0/user/emails', async () => {
    const { tokens, user } = await signIn(server, standInUrl, 'bitbucket');
    assert.equal(tokens.is_new_user, true);
    assert.equal(lastAuthorize('bitbucket').query.scope, 'account email');
    assert.equal(user.primary_email, 'bea@bitbucket.example');
    assert.equal(user.primary_email_verified, true);
    assert.equal(user.display_name, 'Bea Bucket');
    assert.equal(user.profile_image_url, 'https://avatars.example/bb.png');
  });

  test('Twitch: Helix /users with the Client-Id header, secret in the body, email verified', async () => {
    const { tokens, user } = await signIn(server, standInUrl, 'twitch');
    assert.equal(tokens.is_new_user, true);
    assert.equal(lastAuthorize('twitch').query.scope, 'user:read:email');
    assert.equal(user.primary_email, 'tess@twitch.example');
    assert.equal(user.primary_email_verified, true);
    assert.equal(user.display_name, 'Tess');
    assert.equal(user.profile_image_url, 'https://avatars.example/tess.png');
  });

  test('X: /2/users/me, PKCE, and no email', async () => {
    const { tokens, user } = await signIn(server, standInUrl, 'x');
    assert.equal(tokens.is_new_user, true);
    assert.equal(lastAuthorize('x').query.scope, 'users.read offline.access tweet.read');
    assert.equal(user.primary_email, null);
    assert.equal(user.display_name, 'Xavi');
    assert.equal((await signIn(server, standInUrl, 'x')).user.id, user.id);
  });

  test('LinkedIn: OpenID userinfo, no PKCE toward LinkedIn, secret in the body', async () => {
    const { tokens, user } = await signIn(server, standInUrl, 'linkedin');
    assert.equal(tokens.is_new_user, true);
    const seen = lastAuthorize('linkedin');
    assert.equal(seen.query.scope, 'openid profile email');
    assert.equal(seen.query.code_challenge, undefined);
    assert.equal(user.primary_email, 'lin@linkedin.example');
    assert.equal(user.primary_email_verified, true);
    assert.equal(user.display_name, 'Lin Kedin');
  });

  test('Facebook: config_id on the authorize URL, Graph /me with picture, never verified', async () => {
    const { tokens, user } = await signIn(server, standInUrl, 'facebook');
    assert.equal(tokens.is_new_user, true);
    const seen = lastAuthorize('facebook');
    assert.equal(seen.query.config_id, '112233445566');
    assert.equal(seen.query.scope, 'openid public_profile email');
    assert.equal(user.primary_email, 'fay@facebook.example');
    assert.equal(user.primary_email_verified, false);
    assert.equal(user.display_name, 'Fay Book');
    assert.equal(user.profile_image_url, 'https://avatars.example/fb.png');
  });

  test("Apple: form_post callback, the token endpoint's id_token checked against the key set", async () => {
    const { tokens, user } = await signIn(server, standInUrl, 'apple');
    assert.equal(tokens.is_new_user, true);
    const seen = lastAuthorize('apple');
    assert.equal(seen.query.response_mode, 'form_post');
    assert.equal(seen.query.scope, 'name email');
    assert.ok(seen.query.nonce);
    assert.equal(user.primary_email, 'ann@privaterelay.example');
    assert.equal(user.primary_email_verified, true);
    assert.equal(user.display_name, 'Ann Pell');
    assert.equal((await signIn(server, standInUrl, 'apple')).user.id, user.id);
  });

  test('a client_id that is not the stand-in\'s is refused at the token endpoint', async () => {
    await putProvider(server, 'twitch-wrong', {
      type: 'twitch', client_id: 'someone-else', client_secret: CLIENT_SECRET, issuer_url: standInUrl,
    });
    const verifier = randomBytes(32).toString('base64url');
    const start = await fetch(
      `${server.httpUrl}/api/v1/auth/oauth/authorize/twitch-wrong?${authorizeQuery(server, verifier)}`);
    const { location } = await start.json();
    const atProvider = await fetch(location, { redirect: 'manual' });
    const callback = await fetch(atProvider.headers.get('location'), { redirect: 'manual' });
    assert.equal(callback.status, 307);
    const back = new URL(callback.headers.get('location')).searchParams;
    assert.equal(back.get('errorCode'), 'OAUTH_PROVIDER_ERROR');
  });
});

describe('Shared development keys (local stand-in server)', () => {
  let server;
  let standIn;
  let standInUrl;
  const clientHeaders = (accessToken) => ({
    'content-type': 'application/json',
    'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
    'x-stack-publishable-client-key': server.keys.publishableClientKey,
    'x-stack-access-token': accessToken,
  });

  before(async () => {
    standIn = startStandIn();
    standInUrl = await standIn.start();
    // The deployment's own Twitch client; its id doubles as its type.
    server = await startLatchkeyd({
      env: {
        LATCHKEY_OAUTH_ALLOW_LOOPBACK_HTTP: 'true',
        LATCHKEY_OAUTH_PROVIDERS: 'twitch',
        LATCHKEY_OAUTH_TWITCH_CLIENT_ID: CLIENT_ID,
        LATCHKEY_OAUTH_TWITCH_CLIENT_SECRET: CLIENT_SECRET,
        LATCHKEY_OAUTH_TWITCH_ISSUER_URL: standInUrl,
      },
    });
    await allowLocalhost(server);
    // The project's own issuer_url must not take the deployment's secret
    // elsewhere: a shared provider ignores it.
    const stored = await putProvider(server, 'devtwitch', {
      type: 'twitch', is_shared: true, issuer_url: 'http://127.0.0.1:1',
    });
    assert.equal(stored.is_shared, true);
    assert.equal(stored.client_id, '');
    await putProvider(server, 'devx', { type: 'x', is_shared: true });
  });
  after(async () => {
    if (standIn) await standIn.close();
    if (server) assert.equal(await server.stop(), 0);
  });

  test('a shared provider signs in with the deployment client of its type', async () => {
    const { tokens, user } = await signIn(server, standInUrl, 'devtwitch');
    assert.equal(tokens.is_new_user, true);
    assert.equal(user.primary_email, 'tess@twitch.example');
    const seen = standIn.seen.filter((s) => s.type === 'twitch').at(-1);
    assert.equal(seen.query.client_id, CLIENT_ID);
    assert.ok(seen.query.redirect_uri.endsWith('/api/v1/auth/oauth/callback/devtwitch'));

    // No provider access tokens for the app with shared keys.
    const access = await fetch(`${server.httpUrl}/api/v1/connected-accounts/me/devtwitch/access-token`, {
      method: 'POST', headers: clientHeaders(tokens.access_token), body: JSON.stringify({}),
    });
    const refused = await access.json();
    assert.equal(access.status, 400, JSON.stringify(refused));
    assert.equal(refused.code, 'OAUTH_ACCESS_TOKEN_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS');
  });

  test('provider_scope is refused with shared keys', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const start = await fetch(`${server.httpUrl}/api/v1/auth/oauth/authorize/devtwitch?${
      authorizeQuery(server, verifier, { provider_scope: 'channel:read:subscriptions' })}`);
    const body = await start.json();
    assert.equal(start.status, 400, JSON.stringify(body));
    assert.equal(body.code, 'OAUTH_EXTRA_SCOPE_NOT_AVAILABLE_WITH_SHARED_OAUTH_KEYS');
  });

  test('a shared provider whose type has no deployment client is not usable', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const start = await fetch(
      `${server.httpUrl}/api/v1/auth/oauth/authorize/devx?${authorizeQuery(server, verifier)}`);
    const body = await start.json();
    assert.equal(start.status, 400, JSON.stringify(body));
    assert.equal(body.code, 'OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED');
    assert.match(body.error, /shared/);
  });
});
