// OAuth / OpenID Connect sign-in against a real OpenID provider: npm
// oidc-provider, started here on a loopback port with one static client and
// driven headlessly through its development login and consent forms with
// fetch (manual redirects, a cookie jar). Latchkey is configured with a
// generic "oidc" provider pointing at it by issuer URL (discovery, JWKS,
// id_token and userinfo all go over the wire).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { after, before, describe, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { Jar, go, listen, s256, startIdp as startOidcProvider, throughProvider, exchangeCode } from '../lib/oidc_idp.mjs';

const APP_CALLBACK = 'http://localhost:3000/oauth-callback';
const PROVIDER_ID = 'testidp';
const CLIENT_ID = 'latchkey-client';
const CLIENT_SECRET = 'a-client-secret-for-tests-only';

// The provider's accounts: id -> claims.
const ACCOUNTS = new Map();
function addAccount(id, email, verified = true) {
  ACCOUNTS.set(id, { sub: id, email, email_verified: verified, name: `Person ${id}` });
}

// Starts oidc-provider for Latchkey's callback URL; returns {issuer, close}.
function startIdp(latchkeyUrl) {
  return startOidcProvider({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: `${latchkeyUrl}/api/v1/auth/oauth/callback/${PROVIDER_ID}`,
    accounts: ACCOUNTS,
  });
}

describe('OAuth sign-in with a real OpenID provider', () => {
  let server;
  let idp;

  const admin = () => ({
    'content-type': 'application/json',
    'x-stack-project-id': 'internal',
    'x-stack-access-type': 'admin',
    'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
  });
  const serverHeaders = () => ({
    'content-type': 'application/json',
    'x-stack-project-id': 'internal',
    'x-stack-access-type': 'server',
    'x-stack-secret-server-key': server.keys.secretServerKey,
  });
  const configure = async (overrides) => {
    const response = await fetch(`${server.httpUrl}/api/v1/internal/config/override/project`, {
      method: 'PATCH', headers: admin(),
      body: JSON.stringify({ config_override_string: JSON.stringify(overrides) }),
    });
    assert.equal(response.status, 200, await response.text());
  };
  const upsertProvider = async (enabled = true) => {
    const response = await fetch(`${server.httpUrl}/api/v1/internal/oauth-providers/${PROVIDER_ID}`, {
      method: 'PUT', headers: admin(),
      body: JSON.stringify({
        type: 'oidc', client_id: CLIENT_ID, client_secret: CLIENT_SECRET,
        issuer_url: idp.issuer, enabled,
      }),
    });
    assert.equal(response.status, 200, await response.text());
  };

  before(async () => {
    server = await startLatchkeyd({ env: { LATCHKEY_OAUTH_ALLOW_LOOPBACK_HTTP: 'true' } });
    idp = await startIdp(server.httpUrl);
    await configure({ allow_localhost: true, sign_up_enabled: true });
    await upsertProvider(true);
  });
  after(async () => {
    if (idp) await idp.close();
    if (server) assert.equal(await server.stop(), 0);
  });

  // Starts a sign-in; returns what the app keeps and the provider URL.
  async function authorize({ json = true, extra = {} } = {}) {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(8).toString('hex');
    const query = new URLSearchParams({
      client_id: 'internal',
      client_secret: server.keys.publishableClientKey,
      redirect_uri: APP_CALLBACK,
      scope: 'legacy',
      state,
      grant_type: 'authorization_code',
      code_challenge: s256(verifier),
      code_challenge_method: 'S256',
      response_type: 'code',
      ttclid: 'a-parameter-a-browser-added',
      ...(json ? { stack_response_mode: 'json' } : {}),
      ...extra,
    });
    const response = await fetch(
      `${server.httpUrl}/api/v1/auth/oauth/authorize/${PROVIDER_ID}?${query}`, { redirect: 'manual' });
    return { response, verifier, state };
  }

  async function exchange(code, verifier, redirectUri = APP_CALLBACK, asJson = false) {
    const fields = {
      grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier,
      client_id: 'internal', client_secret: server.keys.publishableClientKey,
    };
    const response = await fetch(`${server.httpUrl}/api/v1/auth/oauth/token`, asJson
      ? { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(fields) }
      : {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    return { status: response.status, body: await response.json() };
  }

  // The whole browser trip in JSON mode; returns {callback, verifier, state}.
  async function signInThroughProvider(login, options = {}) {
    const jar = new Jar();
    const { response, verifier, state } = await authorize(options);
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('set-cookie'), null);
    const { location } = await response.json();
    const callbackUrl = await throughProvider(jar, location, login, options);
    const callback = await go(jar, callbackUrl);
    return { callback, verifier, state, jar };
  }

  function appRedirect(callback) {
    const location = new URL(callback.headers.get('location'));
    assert.equal(`${location.origin}${location.pathname}`, APP_CALLBACK);
    return location.searchParams;
  }

  async function me(accessToken) {
    const response = await fetch(`${server.httpUrl}/api/v1/users/me`, {
      headers: {
        'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
        'x-stack-publishable-client-key': server.keys.publishableClientKey,
        'x-stack-access-token': accessToken,
      },
    });
    assert.equal(response.status, 200);
    return response.json();
  }

  test('connected accounts: the provider token kept at sign-in, scope, not connected, switch off', async () => {
    addAccount('carol-ca', 'carol-ca@idp.example');
    const { callback, verifier } = await signInThroughProvider('carol-ca');
    assert.equal(callback.status, 303, await callback.text());
    const { status, body } = await exchange(appRedirect(callback).get('code'), verifier);
    assert.equal(status, 200, JSON.stringify(body));
    const client = {
      'content-type': 'application/json',
      'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
      'x-stack-publishable-client-key': server.keys.publishableClientKey,
      'x-stack-access-token': body.access_token,
    };
    const ask = (user, headers, scope) => fetch(
      `${server.httpUrl}/api/v1/connected-accounts/${user}/${PROVIDER_ID}/access-token`,
      { method: 'POST', headers, body: JSON.stringify(scope === undefined ? {} : { scope }) });
    const ok = await ask('me', client, 'openid');
    assert.equal(ok.status, 201, await ok.clone().text());
    const { access_token: providerToken } = await ok.json();
    assert.ok(providerToken.length > 0);
    // The provider accepts it: its userinfo answers for carol.
    const info = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${providerToken}` } });
    assert.equal(info.status, 200);
    assert.equal((await info.json()).sub, 'carol-ca');

    const missing = await ask('me', client, 'openid a-scope-never-granted');
    assert.equal(missing.status, 400);
    assert.equal((await missing.json()).code, 'OAUTH_CONNECTION_DOES_NOT_HAVE_REQUIRED_SCOPE');

    const listed = await fetch(`${server.httpUrl}/api/v1/connected-accounts/me`, { headers: client });
    assert.equal(listed.status, 200);
    const items = (await listed.json()).items;
    assert.deepEqual(items.map((i) => [i.provider, i.provider_account_id]), [[PROVIDER_ID, 'carol-ca']]);

    const created = await fetch(`${server.httpUrl}/api/v1/users`, {
      method: 'POST', headers: serverHeaders(), body: JSON.stringify({ display_name: 'no links' }),
    });
    assert.equal(created.status, 201);
    const other = (await created.json()).id;
    const notConnected = await ask(other, serverHeaders());
    assert.equal(notConnected.status, 400);
    assert.equal((await notConnected.json()).code, 'OAUTH_CONNECTION_NOT_CONNECTED_TO_USER');
    // A client cannot ask for another user.
    assert.equal((await ask(other, client)).status, 403);

    const off = await fetch(`${server.httpUrl}/api/v1/internal/oauth-providers/${PROVIDER_ID}`, {
      method: 'PUT', headers: admin(),
      body: JSON.stringify({
        type: 'oidc', client_id: CLIENT_ID, issuer_url: idp.issuer, enabled: true,
        allow_connected_accounts: false,
      }),
    });
    assert.equal(off.status, 200, await off.text());
    try {
      const refused = await ask('me', client);
      assert.equal(refused.status, 400);
      assert.equal((await refused.json()).code, 'OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED');
    } finally {
      await upsertProvider(true);
    }
  });

  test('sign up through the provider, then sign in again as the same user', async () => {
    addAccount('alice', 'alice@idp.example');
    const first = await signInThroughProvider('alice');
    assert.equal(first.callback.status, 303, await first.callback.text());
    const params = appRedirect(first.callback);
    assert.deepEqual([...params.keys()].sort(), ['code', 'state']);
    assert.equal(params.get('state'), first.state);
    assert.match(params.get('code'), /^[0-9a-f]{64}$/);

    const tokens = await exchange(params.get('code'), first.verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.token_type, 'Bearer');
    assert.equal(tokens.body.scope, 'legacy');
    assert.equal(tokens.body.is_new_user, true);
    assert.equal(tokens.body.newUser, true);
    assert.equal(tokens.body.after_callback_redirect_url, null);
    assert.equal(tokens.body.afterCallbackRedirectUrl, null);
    assert.equal('id_token' in tokens.body, false);
    assert.ok(tokens.body.refresh_token);
    const user = await me(tokens.body.access_token);
    assert.equal(user.primary_email, 'alice@idp.example');
    assert.equal(user.primary_email_verified, true);
    assert.equal(user.display_name, 'Person alice');

    const again = await signInThroughProvider('alice');
    assert.equal(again.callback.status, 303);
    const second = await exchange(appRedirect(again.callback).get('code'), again.verifier, APP_CALLBACK, true);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.equal(second.body.is_new_user, false);
    assert.equal((await me(second.body.access_token)).id, user.id);
  });

  test('redirect mode: 307 with the inner-state cookie, checked and cleared at the callback', async () => {
    addAccount('rita', 'rita@idp.example');
    const { response, verifier } = await authorize({ json: false });
    assert.equal(response.status, 307);
    const cookie = response.headers.get('set-cookie');
    assert.match(cookie, /^stack-oauth-inner-[^;]+=[^;]+; Path=\/; Expires=[^;]+; Max-Age=\d+;( Secure;)? HttpOnly$/);
    const jar = new Jar();
    jar.take(server.httpUrl, response);
    const callbackUrl = await throughProvider(jar, response.headers.get('location'), 'rita');

    // Without the cookie the callback refuses, and still clears it.
    const bare = await fetch(callbackUrl, { redirect: 'manual' });
    assert.equal(bare.status, 400);
    assert.equal((await bare.json()).code, 'OAUTH_CALLBACK_STATE_INVALID');
    assert.match(bare.headers.get('set-cookie'), /^stack-oauth-inner-[^=]+=; Path=\/; Expires=Thu, 01 Jan 1970/);

    // That refusal did not use the state up: with the cookie it goes through.
    const callback = await go(jar, callbackUrl);
    const body = await callback.text();
    assert.equal(callback.status, 303, body);
    assert.deepEqual(JSON.parse(body), {});
    assert.match(callback.headers.get('set-cookie'), /1970/);
    const tokens = await exchange(appRedirect(callback).get('code'), verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));

    // The provider's redirect replayed: the state is single use.
    const replay = await go(jar, callbackUrl);
    assert.equal(replay.status, 400);
    assert.equal((await replay.json()).code, 'OAUTH_CALLBACK_STATE_INVALID');
  });

  test('a replayed code is refused and revokes the session it started', async () => {
    addAccount('bob', 'bob@idp.example');
    const trip = await signInThroughProvider('bob');
    const code = appRedirect(trip.callback).get('code');
    const first = await exchange(code, trip.verifier);
    assert.equal(first.status, 200);
    const replay = await exchange(code, trip.verifier);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.code, 'INVALID_AUTHORIZATION_CODE');
    const refresh = await fetch(`${server.httpUrl}/api/v1/auth/oauth/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token', refresh_token: first.body.refresh_token,
        client_id: 'internal', client_secret: server.keys.publishableClientKey,
      }).toString(),
    });
    assert.equal(refresh.status, 401, await refresh.text());
  });

  test('a wrong verifier or redirect_uri is refused, and the code survives for the right one', async () => {
    addAccount('carol', 'carol@idp.example');
    const trip = await signInThroughProvider('carol');
    const code = appRedirect(trip.callback).get('code');
    const wrongVerifier = await exchange(code, randomBytes(32).toString('base64url'));
    assert.equal(wrongVerifier.status, 400);
    assert.equal(wrongVerifier.body.code, 'INVALID_AUTHORIZATION_CODE');
    const wrongRedirect = await exchange(code, trip.verifier, `${APP_CALLBACK}/`);
    assert.equal(wrongRedirect.status, 400);
    assert.equal(wrongRedirect.body.code, 'INVALID_AUTHORIZATION_CODE');
    const right = await exchange(code, trip.verifier);
    assert.equal(right.status, 200, JSON.stringify(right.body));
  });

  test('an unknown or forged state is refused', async () => {
    for (const state of ['', 'internal.forged-state', 'no-such-project.x', 'garbage']) {
      const response = await fetch(
        `${server.httpUrl}/api/v1/auth/oauth/callback/${PROVIDER_ID}?code=abc&state=${encodeURIComponent(state)}`,
        { redirect: 'manual' });
      assert.equal(response.status, 400, state);
      assert.equal((await response.json()).code, 'OAUTH_CALLBACK_STATE_INVALID', state);
      assert.equal(response.headers.get('set-cookie'), null);
    }
  });

  test('the provider denying access comes back to the app as an error redirect', async () => {
    const trip = await signInThroughProvider('nobody', { abort: true });
    assert.equal(trip.callback.status, 307, await trip.callback.text());
    const params = appRedirect(trip.callback);
    assert.equal(params.get('error'), 'server_error');
    assert.equal(params.get('errorCode'), 'OAUTH_PROVIDER_ACCESS_DENIED');
    assert.ok(params.get('message'));
    assert.deepEqual(JSON.parse(params.get('details')), {});
  });

  test('an email that signs in elsewhere links only when both sides verified it', async () => {
    // A password user whose email is not verified: refused, as Stack does.
    const email = 'dave@example.com';
    const created = await fetch(`${server.httpUrl}/api/v1/users`, {
      method: 'POST', headers: serverHeaders(),
      body: JSON.stringify({ primary_email: email, password: 'correct horse battery', primary_email_auth_enabled: true }),
    });
    const daveText = await created.text();
    assert.equal(created.status, 201, daveText);
    const dave = JSON.parse(daveText);
    addAccount('dave-at-idp', email, true);
    const refused = await signInThroughProvider('dave-at-idp');
    assert.equal(refused.callback.status, 307);
    const params = appRedirect(refused.callback);
    assert.equal(params.get('errorCode'), 'CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE');
    assert.deepEqual(JSON.parse(params.get('details')), {
      type: 'email', contact_channel_value: email, would_work_if_email_was_verified: true,
    });

    // Verified on our side too: the provider account links to that user.
    const verified = await fetch(`${server.httpUrl}/api/v1/users/${dave.id}`, {
      method: 'PATCH', headers: serverHeaders(), body: JSON.stringify({ primary_email_verified: true }),
    });
    assert.equal(verified.status, 200, await verified.text());
    const linked = await signInThroughProvider('dave-at-idp');
    assert.equal(linked.callback.status, 303, await linked.callback.text());
    const tokens = await exchange(appRedirect(linked.callback).get('code'), linked.verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(tokens.body.is_new_user, false);
    assert.equal((await me(tokens.body.access_token)).id, dave.id);

    // The provider's unverified email never takes over an account.
    const erin = await fetch(`${server.httpUrl}/api/v1/users`, {
      method: 'POST', headers: serverHeaders(),
      body: JSON.stringify({
        primary_email: 'erin@example.com', primary_email_verified: true, password: 'correct horse battery',
        primary_email_auth_enabled: true,
      }),
    });
    assert.equal(erin.status, 201);
    addAccount('erin-at-idp', 'erin@example.com', false);
    const notVerified = await signInThroughProvider('erin-at-idp');
    assert.equal(appRedirect(notVerified.callback).get('errorCode'),
      'CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE');
  });

  test('sign-up disabled is an error redirect; a disabled provider is refused at authorize', async () => {
    addAccount('frank', 'frank@idp.example');
    await configure({ sign_up_enabled: false });
    try {
      const trip = await signInThroughProvider('frank');
      assert.equal(trip.callback.status, 307);
      assert.equal(appRedirect(trip.callback).get('errorCode'), 'SIGN_UP_NOT_ENABLED');
    } finally {
      await configure({ sign_up_enabled: true });
    }

    await upsertProvider(false);
    try {
      const { response } = await authorize();
      assert.equal(response.status, 400);
      assert.equal((await response.json()).code, 'OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED');
    } finally {
      await upsertProvider(true);
    }
    const unknown = await fetch(
      `${server.httpUrl}/api/v1/auth/oauth/authorize/nope?client_id=internal&client_secret=${server.keys.publishableClientKey}` +
      `&redirect_uri=${encodeURIComponent(APP_CALLBACK)}&state=s&code_challenge=c&grant_type=authorization_code&response_type=code&code_challenge_method=S256`);
    assert.equal(unknown.status, 400);
    assert.equal((await unknown.json()).code, 'OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED');
  });

  // Stack's own SDK builds the authorize URL and does the code exchange
  // (oauth4webapi): its StackClientInterface, as signInWithOAuth and
  // callOAuthCallback use it, minus the window.location and cookie plumbing
  // Node has no browser for.
  for (const version of ['102', '108']) {
    test(`Stack SDK 2.8.${version}: its authorize URL and code exchange complete a sign-in`, async () => {
      const sdk = await import(`stack-js-${version}`);
      const app = new sdk.StackClientApp({
        baseUrl: server.httpUrl,
        projectId: 'internal',
        publishableClientKey: server.keys.publishableClientKey,
        tokenStore: 'memory',
      });
      addAccount(`sdk-${version}`, `sdk-${version}@idp.example`);
      const codeVerifier = randomBytes(32).toString('base64url');
      const state = randomBytes(16).toString('base64url');
      const built = new URL(await app._interface.getOAuthUrl({
        provider: PROVIDER_ID,
        redirectUrl: APP_CALLBACK,
        errorRedirectUrl: APP_CALLBACK,
        afterCallbackRedirectUrl: 'http://localhost:3000/after',
        codeChallenge: s256(codeVerifier),
        state,
        type: 'authenticate',
        session: await app._getSession(),
      }));
      // What authorizeOAuth adds before its fetch.
      built.searchParams.set('hexclave_response_mode', 'json');
      built.searchParams.set('stack_response_mode', 'json');
      const answer = await fetch(built, { method: 'GET' });
      assert.equal(answer.status, 200);
      assert.equal(answer.headers.get('access-control-allow-origin'), '*');
      const jar = new Jar();
      const callbackUrl = await throughProvider(jar, (await answer.json()).location, `sdk-${version}`);
      const callback = await go(jar, callbackUrl);
      assert.equal(callback.status, 303, await callback.text());
      const appUrl = new URL(callback.headers.get('location'));
      const result = await app._interface.callOAuthCallback({
        oauthParams: appUrl.searchParams,
        redirectUri: APP_CALLBACK,
        codeVerifier,
        state,
      });
      assert.equal(result.newUser, true);
      assert.equal(result.afterCallbackRedirectUrl, 'http://localhost:3000/after');
      assert.equal((await me(result.accessToken)).primary_email, `sdk-${version}@idp.example`);
    });
  }

  test('an untrusted redirect_uri is refused at the callback', async () => {
    addAccount('gina', 'gina@idp.example');
    const trip = await signInThroughProvider('gina', { extra: { redirect_uri: 'https://evil.example/cb' } });
    assert.equal(trip.callback.status, 400);
    assert.equal((await trip.callback.json()).code, 'REDIRECT_URL_NOT_WHITELISTED');
  });
});

// Providers that are not OpenID Connect (GitHub, Discord) cannot be reached
// from here. This is a STAND-IN: a small local server answering their
// documented authorize redirect, token endpoint and user endpoints (GitHub's
// /user and /user/emails, Discord's /api/users/@me) with the shapes they
// document, so that Latchkey's table rows for them are exercised end to end:
// PKCE toward the provider, client authentication, reading the id (a number
// for GitHub), the name, and which email counts as verified.
describe('OAuth sign-in with GitHub and Discord (local stand-in server)', () => {
  let server;
  let standIn;
  let standInUrl;
  const issued = new Map();  // code -> code_challenge

  before(async () => {
    standIn = http.createServer(async (req, res) => {
      const url = new URL(req.url, 'http://stand-in');
      const json = (status, body) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (req.method === 'GET' && (url.pathname === '/login/oauth/authorize' || url.pathname === '/oauth2/authorize')) {
        // The user approves at once.
        const code = randomBytes(8).toString('hex');
        issued.set(code, url.searchParams.get('code_challenge'));
        const back = new URL(url.searchParams.get('redirect_uri'));
        back.searchParams.set('code', code);
        back.searchParams.set('state', url.searchParams.get('state'));
        res.writeHead(302, { location: back.href });
        return res.end();
      }
      if (req.method === 'POST' && (url.pathname === '/login/oauth/access_token' || url.pathname === '/api/oauth2/token')) {
        let body = '';
        for await (const chunk of req) body += chunk;
        const form = new URLSearchParams(body);
        const basic = Buffer.from(`stand-in-client:stand-in-secret`).toString('base64');
        if (req.headers.authorization !== `Basic ${basic}`) return json(401, { error: 'invalid_client' });
        const challenge = issued.get(form.get('code'));
        issued.delete(form.get('code'));
        if (!challenge || s256(form.get('code_verifier') ?? '') !== challenge) {
          return json(400, { error: 'invalid_grant' });
        }
        return json(200, { access_token: 'stand-in-access', token_type: 'bearer', scope: 'user:email' });
      }
      if (req.headers.authorization !== 'Bearer stand-in-access') return json(401, { message: 'Bad credentials' });
      if (url.pathname === '/user') {
        return json(200, { id: 583231, login: 'octocat', name: 'The Octocat', avatar_url: 'https://avatars.example/u/583231' });
      }
      if (url.pathname === '/user/emails') {
        return json(200, [
          { email: 'octo-secondary@github.example', primary: false, verified: true, visibility: null },
          { email: 'octocat@github.example', primary: true, verified: true, visibility: 'public' },
        ]);
      }
      if (url.pathname === '/api/users/@me') {
        return json(200, { id: '80351110224678912', username: 'nelly', global_name: 'Nelly', email: 'nelly@discord.example', verified: false });
      }
      return json(404, { message: 'Not Found' });
    });
    standInUrl = `http://127.0.0.1:${await listen(standIn)}`;
    server = await startLatchkeyd({ env: { LATCHKEY_OAUTH_ALLOW_LOOPBACK_HTTP: 'true' } });
    const admin = {
      'content-type': 'application/json',
      'x-stack-project-id': 'internal',
      'x-stack-access-type': 'admin',
      'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
    };
    const config = await fetch(`${server.httpUrl}/api/v1/internal/config/override/project`, {
      method: 'PATCH', headers: admin,
      body: JSON.stringify({ config_override_string: JSON.stringify({ allow_localhost: true, sign_up_enabled: true }) }),
    });
    assert.equal(config.status, 200, await config.text());
    for (const type of ['github', 'discord']) {
      const put = await fetch(`${server.httpUrl}/api/v1/internal/oauth-providers/${type}`, {
        method: 'PUT', headers: admin,
        body: JSON.stringify({
          type, client_id: 'stand-in-client', client_secret: 'stand-in-secret', issuer_url: standInUrl, enabled: true,
        }),
      });
      assert.equal(put.status, 200, await put.text());
    }
  });
  after(async () => {
    if (standIn) await new Promise((resolve) => standIn.close(resolve));
    if (server) assert.equal(await server.stop(), 0);
  });

  async function signIn(providerId) {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: 'internal', client_secret: server.keys.publishableClientKey,
      redirect_uri: APP_CALLBACK, scope: 'legacy', state: 'app-state',
      grant_type: 'authorization_code', code_challenge: s256(verifier),
      code_challenge_method: 'S256', response_type: 'code', stack_response_mode: 'json',
    });
    const start = await fetch(`${server.httpUrl}/api/v1/auth/oauth/authorize/${providerId}?${query}`);
    assert.equal(start.status, 200);
    const { location } = await start.json();
    assert.ok(location.startsWith(standInUrl), location);
    const atProvider = await fetch(location, { redirect: 'manual' });
    assert.equal(atProvider.status, 302);
    const callback = await fetch(atProvider.headers.get('location'), { redirect: 'manual' });
    assert.equal(callback.status, 303, await callback.text());
    const tokens = await exchangeCode(server, callback, verifier, APP_CALLBACK);
    const me = await fetch(`${server.httpUrl}/api/v1/users/me`, {
      headers: {
        'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
        'x-stack-publishable-client-key': server.keys.publishableClientKey,
        'x-stack-access-token': tokens.access_token,
      },
    });
    return { tokens, user: await me.json() };
  }

  test('GitHub: the primary address of the emails API, verified', async () => {
    const { tokens, user } = await signIn('github');
    assert.equal(tokens.is_new_user, true);
    assert.equal(user.primary_email, 'octocat@github.example');
    assert.equal(user.primary_email_verified, true);
    assert.equal(user.display_name, 'The Octocat');
    assert.equal(user.profile_image_url, 'https://avatars.example/u/583231');
    assert.equal((await signIn('github')).user.id, user.id);
  });

  test('Discord: the user endpoint, with its own verified flag', async () => {
    const { tokens, user } = await signIn('discord');
    assert.equal(tokens.is_new_user, true);
    assert.equal(user.primary_email, 'nelly@discord.example');
    assert.equal(user.primary_email_verified, false);
    assert.equal(user.display_name, 'Nelly');
  });
});
