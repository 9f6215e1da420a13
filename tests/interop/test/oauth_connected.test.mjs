// Connected accounts (provider access tokens for the app) against a real
// OpenID provider: npm oidc-provider (tests/interop/lib/oidc_idp.mjs), whose
// client allows the refresh_token grant so that a sign-in asking for
// offline_access gets a refresh token. The provider gives access tokens from
// a sign-in one minute (less than Latchkey's five-minute margin, so the
// first request for a token refreshes at once) and refreshed ones an hour;
// every token Latchkey hands out is checked at the provider's userinfo
// endpoint.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';
import { internalUserService } from '../lib/grpc_user_service.mjs';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { Jar, go, s256, startIdp, throughProvider, exchangeCode } from '../lib/oidc_idp.mjs';

const APP_CALLBACK = 'http://localhost:3000/oauth-callback';
const PROVIDER_ID = 'refreshidp';
const CLIENT_ID = 'latchkey-connected';
const CLIENT_SECRET = 'a-connected-accounts-secret-for-tests-only';
const SIGN_IN_TOKEN_TTL = 60;
const REFRESHED_TOKEN_TTL = 3600;

const ACCOUNTS = new Map();
function addAccount(id) {
  ACCOUNTS.set(id, { sub: id, email: `${id}@idp.example`, email_verified: true, name: `Person ${id}` });
}

describe('connected accounts with a real OpenID provider: refresh', () => {
  let server;
  let idp;
  // What the provider issued, by account: access tokens in order, the
  // latest refresh token; and how many refresh grants it answered.
  const accessTokens = new Map();
  const refreshTokens = new Map();
  let refreshGrants = 0;

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
  const clientHeaders = (accessToken) => ({
    'content-type': 'application/json',
    'x-stack-project-id': 'internal',
    'x-stack-access-type': 'client',
    'x-stack-publishable-client-key': server.keys.publishableClientKey,
    'x-stack-access-token': accessToken,
  });

  before(async () => {
    server = await startLatchkeyd({ env: { LATCHKEY_OAUTH_ALLOW_LOOPBACK_HTTP: 'true' } });
    idp = await startIdp({
      clientId: CLIENT_ID,
      clientSecret: CLIENT_SECRET,
      redirectUri: `${server.httpUrl}/api/v1/auth/oauth/callback/${PROVIDER_ID}`,
      accounts: ACCOUNTS,
      grantTypes: ['authorization_code', 'refresh_token'],
      ttl: {
        AccessToken: (ctx) => (ctx?.oidc?.params?.grant_type === 'refresh_token'
          ? REFRESHED_TOKEN_TTL : SIGN_IN_TOKEN_TTL),
        AuthorizationCode: 60,
        IdToken: 3600,
        RefreshToken: 24 * 3600,
        Interaction: 3600,
        Session: 3600,
        Grant: 24 * 3600,
      },
      features: { revocation: { enabled: true } },
    });
    // Opaque tokens: the value is the jti.
    idp.provider.on('access_token.saved', (token) => {
      if (!accessTokens.has(token.accountId)) accessTokens.set(token.accountId, []);
      accessTokens.get(token.accountId).push(token.jti);
    });
    idp.provider.on('refresh_token.saved', (token) => refreshTokens.set(token.accountId, token.jti));
    idp.provider.on('grant.success', (ctx) => {
      if (ctx.oidc.params.grant_type === 'refresh_token') refreshGrants += 1;
    });

    const config = await fetch(`${server.httpUrl}/api/v1/internal/config/override/project`, {
      method: 'PATCH', headers: admin(),
      body: JSON.stringify({ config_override_string: JSON.stringify({ allow_localhost: true, sign_up_enabled: true }) }),
    });
    assert.equal(config.status, 200, await config.text());
    const put = await fetch(`${server.httpUrl}/api/v1/internal/oauth-providers/${PROVIDER_ID}`, {
      method: 'PUT', headers: admin(),
      body: JSON.stringify({
        type: 'oidc', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, issuer_url: idp.issuer, enabled: true,
      }),
    });
    assert.equal(put.status, 200, await put.text());
  });
  after(async () => {
    if (idp) await idp.close();
    if (server) assert.equal(await server.stop(), 0);
  });

  // Signs `login` in through the provider (asking the provider for
  // `providerScope` on top of the defaults); answers Latchkey's tokens.
  async function signIn(login, providerScope) {
    addAccount(login);
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: 'internal', client_secret: server.keys.publishableClientKey,
      redirect_uri: APP_CALLBACK, scope: 'legacy', state: randomBytes(8).toString('hex'),
      grant_type: 'authorization_code', code_challenge: s256(verifier),
      code_challenge_method: 'S256', response_type: 'code', stack_response_mode: 'json',
      ...(providerScope ? { provider_scope: providerScope } : {}),
    });
    const start = await fetch(`${server.httpUrl}/api/v1/auth/oauth/authorize/${PROVIDER_ID}?${query}`);
    assert.equal(start.status, 200, await start.clone().text());
    const jar = new Jar();
    const callbackUrl = await throughProvider(jar, (await start.json()).location, login);
    const callback = await go(jar, callbackUrl);
    assert.equal(callback.status, 303, await callback.text());
    const tokens = await exchangeCode(server, callback, verifier, APP_CALLBACK);
    return tokens;
  }

  async function askToken(headers, { user = 'me', account, scope } = {}) {
    const tail = account === undefined ? '' : `/${encodeURIComponent(account)}`;
    const response = await fetch(
      `${server.httpUrl}/api/v1/connected-accounts/${user}/${PROVIDER_ID}${tail}/access-token`,
      { method: 'POST', headers, body: JSON.stringify(scope === undefined ? {} : { scope }) });
    const text = await response.text();
    return { status: response.status, json: JSON.parse(text), text };
  }

  async function userinfo(providerToken) {
    const response = await fetch(`${idp.issuer}/me`, { headers: { authorization: `Bearer ${providerToken}` } });
    return { status: response.status, body: response.status === 200 ? await response.json() : null };
  }

  test('a token close to expiry is refreshed at the provider; the refreshed one is handed out again', async () => {
    const tokens = await signIn('rhea', 'offline_access');
    assert.ok(refreshTokens.has('rhea'), 'the provider issued no refresh token');
    const [signInToken] = accessTokens.get('rhea');
    assert.equal((await userinfo(signInToken)).status, 200);
    const client = clientHeaders(tokens.access_token);

    const before = refreshGrants;
    const first = await askToken(client, { scope: 'openid' });
    assert.equal(first.status, 201, first.text);
    assert.deepEqual(Object.keys(first.json), ['access_token']);
    // One minute left is less than five: Latchkey used the refresh token.
    assert.equal(refreshGrants, before + 1);
    assert.notEqual(first.json.access_token, signInToken);
    assert.equal(first.json.access_token, accessTokens.get('rhea').at(-1));
    const info = await userinfo(first.json.access_token);
    assert.equal(info.status, 200);
    assert.equal(info.body.sub, 'rhea');

    // The refreshed token has an hour left: handed out as stored, no
    // second trip to the provider.
    const second = await askToken(client, { scope: 'openid' });
    assert.equal(second.status, 201, second.text);
    assert.equal(second.json.access_token, first.json.access_token);
    assert.equal(refreshGrants, before + 1);
    // A server asking for the same user by id gets the same.
    const me = await fetch(`${server.httpUrl}/api/v1/users/me`, { headers: client });
    const userId = (await me.json()).id;
    const byServer = await askToken(serverHeaders(), { user: userId });
    assert.equal(byServer.status, 201, byServer.text);
    assert.equal(byServer.json.access_token, first.json.access_token);
  });

  test('a refresh token the provider revoked: OAUTH_ACCESS_TOKEN_NOT_AVAILABLE with details', async () => {
    const tokens = await signIn('remy', 'offline_access');
    const refreshToken = refreshTokens.get('remy');
    assert.ok(refreshToken, 'the provider issued no refresh token');
    // Revoked at the provider, by the client, as an app would.
    const basic = Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64');
    const revoked = await fetch(`${idp.issuer}/token/revocation`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${basic}` },
      body: new URLSearchParams({ token: refreshToken, token_type_hint: 'refresh_token' }).toString(),
    });
    assert.equal(revoked.status, 200, await revoked.text());

    const before = refreshGrants;
    const refused = await askToken(clientHeaders(tokens.access_token));
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.code, 'OAUTH_ACCESS_TOKEN_NOT_AVAILABLE');
    assert.equal(refused.json.details.provider, PROVIDER_ID);
    assert.match(refused.json.details.details, /refused the refresh token/);
    assert.match(refused.json.details.details, /invalid_grant/);
    // The provider was asked and said no (no grant succeeded).
    assert.equal(refreshGrants, before);
  });

  test('one account by its id at the provider: only that account, refreshed; others are not connected', async () => {
    // A subject with a character that travels percent-encoded in the path.
    const pia = clientHeaders((await signIn('idp|pia', 'offline_access')).access_token);
    const quinnTokens = await signIn('quinn', 'offline_access');
    const quinnId = (await (await fetch(`${server.httpUrl}/api/v1/users/me`, {
      headers: clientHeaders(quinnTokens.access_token),
    })).json()).id;

    const listed = await fetch(`${server.httpUrl}/api/v1/connected-accounts/me`, { headers: pia });
    assert.equal(listed.status, 200);
    assert.deepEqual((await listed.json()).items.map((i) => [i.provider, i.provider_account_id]),
      [[PROVIDER_ID, 'idp|pia']]);

    const before = refreshGrants;
    const first = await askToken(pia, { account: 'idp|pia', scope: 'openid' });
    assert.equal(first.status, 201, first.text);
    assert.equal(refreshGrants, before + 1);
    assert.equal(first.json.access_token, accessTokens.get('idp|pia').at(-1));
    const info = await userinfo(first.json.access_token);
    assert.equal(info.status, 200);
    assert.equal(info.body.sub, 'idp|pia');
    const again = await askToken(pia, { account: 'idp|pia' });
    assert.equal(again.status, 201, again.text);
    assert.equal(again.json.access_token, first.json.access_token);
    assert.equal(refreshGrants, before + 1);

    // Quinn's account, asked for as Pia's, and an account nobody has.
    for (const account of ['quinn', 'nobody-at-all']) {
      const refused = await askToken(pia, { account });
      assert.equal(refused.status, 400, refused.text);
      assert.equal(refused.json.code, 'OAUTH_CONNECTION_NOT_CONNECTED_TO_USER');
    }
    // A client cannot ask for Quinn's; a server can.
    assert.equal((await askToken(pia, { user: quinnId, account: 'quinn' })).status, 403);
    const byServer = await askToken(serverHeaders(), { user: quinnId, account: 'quinn', scope: 'openid' });
    assert.equal(byServer.status, 201, byServer.text);
    assert.equal((await userinfo(byServer.json.access_token)).body.sub, 'quinn');
    // Another provider id: not found.
    const unknown = await fetch(
      `${server.httpUrl}/api/v1/connected-accounts/me/no-such-provider/idp%7Cpia/access-token`,
      { method: 'POST', headers: pia, body: '{}' });
    assert.equal(unknown.status, 400);
    assert.equal((await unknown.json()).code, 'OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED');
  });

  test('gRPC: UserService.GetConnectedAccountAccessTokenForAccount and ListConnectedAccounts', async () => {
    const tokens = await signIn('gus', 'offline_access');
    const gusId = (await (await fetch(`${server.httpUrl}/api/v1/users/me`, {
      headers: clientHeaders(tokens.access_token),
    })).json()).id;
    const { unary, close } = await internalUserService(server);
    try {
      const listed = await unary('listConnectedAccounts', { user_id: gusId });
      assert.deepEqual(listed.items.map((i) => [i.user_id, i.provider, i.provider_account_id]),
        [[gusId, PROVIDER_ID, 'gus']]);
      const got = await unary('getConnectedAccountAccessTokenForAccount', {
        user_id: gusId, provider_id: PROVIDER_ID, provider_account_id: 'gus', scope: 'openid',
      });
      assert.equal(got.access_token, accessTokens.get('gus').at(-1));
      assert.equal((await userinfo(got.access_token)).body.sub, 'gus');
      const refused = await unary('getConnectedAccountAccessTokenForAccount', {
        user_id: gusId, provider_id: PROVIDER_ID, provider_account_id: 'rhea',
      }).catch((error) => error);
      assert.equal(refused.code, grpc.status.NOT_FOUND, String(refused));
    } finally {
      close();
    }
  });

  test('no offline_access: no refresh token, and a token close to expiry is not available', async () => {
    const tokens = await signIn('nora');
    assert.equal(refreshTokens.has('nora'), false);
    const refused = await askToken(clientHeaders(tokens.access_token));
    assert.equal(refused.status, 400, refused.text);
    assert.equal(refused.json.code, 'OAUTH_ACCESS_TOKEN_NOT_AVAILABLE');
    assert.equal(refused.json.details.provider, PROVIDER_ID);
    assert.match(refused.json.details.details, /no refresh token/);
  });
});
