// Stack Auth's per-user OAuth provider routes (/api/v1/oauth-providers)
// over REST against a real latchkeyd, called as Stack's client and server
// SDKs call them: the object's shape in the client and server views, the
// client's own-user rule, Stack's rules for accounts that sign in, the
// last-sign-in-method guard and each error. One user signs in through a
// real OpenID provider (npm oidc-provider on a local port) so the link the
// OAuth callback made is the one listed, switched off and refused at the
// next sign-in.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';
import { internalUserService } from '../lib/grpc_user_service.mjs';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { Jar, exchangeCode, go, s256, startIdp, throughProvider } from '../lib/oidc_idp.mjs';
import { assertError, restCaller } from '../lib/rest.mjs';

const APP_CALLBACK = 'http://localhost:3000/oauth-callback';
const IDP_ID = 'linksidp';
const CLIENT_ID = 'latchkey-links';
const CLIENT_SECRET = 'a-user-provider-links-secret-for-tests-only';
const CLIENT_KEYS = ['allow_connected_accounts', 'allow_sign_in', 'email', 'id',
  'provider_config_id', 'type', 'user_id'];
const NO_SUCH_ID = '00000000-0000-4000-8000-00000000beef';

const ACCOUNTS = new Map();

describe('per-user OAuth provider routes', () => {
  let server;
  let idp;
  const call = (apiPath, options) => restCaller(server)(apiPath, options);

  const admin = () => ({
    'x-stack-project-id': 'internal', 'x-stack-access-type': 'admin',
    'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
  });
  const serverAccess = () => ({
    'x-stack-project-id': 'internal', 'x-stack-access-type': 'server',
    'x-stack-secret-server-key': server.keys.secretServerKey,
  });
  const client = (token) => ({
    'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
    'x-stack-publishable-client-key': server.keys.publishableClientKey,
    ...(token ? { 'x-stack-access-token': token } : {}),
  });

  before(async () => {
    server = await startLatchkeyd({ env: { LATCHKEY_OAUTH_ALLOW_LOOPBACK_HTTP: 'true' } });
    idp = await startIdp({
      clientId: CLIENT_ID, clientSecret: CLIENT_SECRET,
      redirectUri: `${server.httpUrl}/api/v1/auth/oauth/callback/${IDP_ID}`,
      accounts: ACCOUNTS,
    });
    const config = await call('/internal/config/override/project', {
      method: 'PATCH', headers: admin(),
      body: { config_override_string: JSON.stringify({ allow_localhost: true, sign_up_enabled: true }) },
    });
    assert.equal(config.status, 200, config.text);
    const providers = {
      [IDP_ID]: { type: 'oidc', client_id: CLIENT_ID, client_secret: CLIENT_SECRET, issuer_url: idp.issuer },
      // Never reached: links to it are made by the server route only.
      github: { type: 'github', client_id: 'gh-client', client_secret: 'gh-secret' },
    };
    for (const [id, body] of Object.entries(providers)) {
      const put = await call(`/internal/oauth-providers/${id}`, {
        method: 'PUT', headers: admin(), body: { ...body, enabled: true },
      });
      assert.equal(put.status, 200, put.text);
    }
  });
  after(async () => {
    if (idp) await idp.close();
    if (server) assert.equal(await server.stop(), 0);
  });

  let counter = 0;
  // A password user: {id, token}.
  async function passwordUser() {
    const response = await call('/auth/password/sign-up', {
      method: 'POST', headers: client(),
      body: { email: `links${++counter}@example.com`, password: 'correct horse battery' },
    });
    assert.equal(response.status, 200, response.text);
    return { id: response.json.user_id, token: response.json.access_token };
  }

  // Signs `login` in through the OpenID provider: the callback's answer.
  async function throughIdp(login) {
    ACCOUNTS.set(login, { sub: login, email: `${login}@idp.example`, email_verified: true });
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      client_id: 'internal', client_secret: server.keys.publishableClientKey,
      redirect_uri: APP_CALLBACK, scope: 'legacy', state: randomBytes(8).toString('hex'),
      grant_type: 'authorization_code', code_challenge: s256(verifier),
      code_challenge_method: 'S256', response_type: 'code', stack_response_mode: 'json',
    });
    const start = await fetch(`${server.httpUrl}/api/v1/auth/oauth/authorize/${IDP_ID}?${query}`);
    assert.equal(start.status, 200, await start.clone().text());
    const jar = new Jar();
    const callback = await go(jar, await throughProvider(jar, (await start.json()).location, login));
    return { callback, verifier };
  }

  async function create(body) {
    return call('/oauth-providers', { method: 'POST', headers: serverAccess(), body });
  }

  test('a link made by the OAuth callback, as its client and the server see it', async () => {
    const { callback, verifier } = await throughIdp('oona');
    assert.equal(callback.status, 303, await callback.text());
    const tokens = await exchangeCode(server, callback, verifier, APP_CALLBACK);
    const userId = (await call('/users/me', { headers: client(tokens.access_token) })).json.id;

    const list = await call('/oauth-providers?user_id=me', { headers: client(tokens.access_token) });
    assert.equal(list.status, 200, list.text);
    assert.equal(list.json.is_paginated, false);
    assert.equal(list.json.items.length, 1);
    const [link] = list.json.items;
    // The client view has no account_id.
    assert.deepEqual(Object.keys(link).sort(), CLIENT_KEYS);
    assert.deepEqual(link, {
      ...link, user_id: userId, email: 'oona@idp.example', provider_config_id: IDP_ID,
      type: 'oidc', allow_sign_in: true, allow_connected_accounts: true,
    });
    assert.match(link.id, /^[0-9a-f-]{36}$/);

    const got = await call(`/oauth-providers/me/${link.id}`, { headers: client(tokens.access_token) });
    assert.equal(got.status, 200, got.text);
    assert.deepEqual(got.json, link);
    // The server view adds the account id at the provider.
    const asServer = await call(`/oauth-providers/${userId}/${link.id}`, { headers: serverAccess() });
    assert.equal(asServer.status, 200, asServer.text);
    assert.deepEqual(asServer.json, { ...link, account_id: 'oona' });

    // Oona has no other way in: neither sign-in off nor unlinking.
    const path = `/oauth-providers/me/${link.id}`;
    assertError(await call(path, { method: 'PATCH', headers: client(tokens.access_token), body: { allow_sign_in: false } }),
                400, 'CANNOT_REMOVE_LAST_SIGN_IN_METHOD');
    assertError(await call(path, { method: 'DELETE', headers: client(tokens.access_token) }),
                400, 'CANNOT_REMOVE_LAST_SIGN_IN_METHOD');

    // With a second link that signs in, she turns the first one's off;
    // the provider account then no longer signs her in.
    const second = await create({
      user_id: userId, provider_config_id: 'github', account_id: 'gh-oona',
      allow_sign_in: true, allow_connected_accounts: false,
    });
    assert.equal(second.status, 201, second.text);
    const off = await call(path, {
      method: 'PATCH', headers: client(tokens.access_token), body: { allow_sign_in: false },
    });
    assert.equal(off.status, 200, off.text);
    assert.deepEqual(off.json, { ...link, allow_sign_in: false });
    const refused = await throughIdp('oona');
    assert.equal(refused.callback.status, 307, await refused.callback.text());
    const location = new URL(refused.callback.headers.get('location'));
    assert.equal(location.searchParams.get('errorCode'), 'OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED');

    // Unlinking it (it no longer signs in) works; it is gone.
    const deleted = await call(path, { method: 'DELETE', headers: client(tokens.access_token) });
    assert.equal(deleted.status, 200, deleted.text);
    assert.deepEqual(deleted.json, { success: true });
    assertError(await call(path, { headers: client(tokens.access_token) }), 404, 'USER_OAUTH_PROVIDER_NOT_FOUND');
    const left = await call('/oauth-providers?user_id=me', { headers: client(tokens.access_token) });
    assert.deepEqual(left.json.items.map((l) => l.provider_config_id), ['github']);
  });

  test('the server creates links; Stack\'s rules for accounts that sign in', async () => {
    const ann = await passwordUser();
    const bob = await passwordUser();
    const made = await create({
      user_id: ann.id, provider_config_id: 'github', account_id: 'gh-ann',
      email: 'ann@github.example', allow_sign_in: true, allow_connected_accounts: true,
    });
    assert.equal(made.status, 201, made.text);
    assert.deepEqual(made.json, {
      ...made.json, user_id: ann.id, provider_config_id: 'github', type: 'github',
      account_id: 'gh-ann', email: 'ann@github.example', allow_sign_in: true,
      allow_connected_accounts: true,
    });
    // Without an email the key is left out, as Stack does.
    const noEmail = await create({
      user_id: ann.id, provider_config_id: 'github', account_id: 'gh-ann-2',
      allow_sign_in: false, allow_connected_accounts: true,
    });
    assert.equal(noEmail.status, 201, noEmail.text);
    assert.equal('email' in noEmail.json, false);

    // A second GitHub account that signs in for Ann.
    const twice = await create({
      user_id: ann.id, provider_config_id: 'github', account_id: 'gh-ann-3',
      allow_sign_in: true, allow_connected_accounts: false,
    });
    assertError(twice, 400, 'USER_ALREADY_SIGNS_IN_WITH_OAUTH_PROVIDER');
    assert.deepEqual(twice.json.details, { provider_config_id: 'github' });
    // The same account twice for Ann.
    assertError(await create({
      user_id: ann.id, provider_config_id: 'github', account_id: 'gh-ann',
      allow_sign_in: false, allow_connected_accounts: false,
    }), 400, 'USER_OAUTH_PROVIDER_ALREADY_EXISTS');
    // Ann's sign-in account for Bob: Stack's known error, with its header.
    const taken = await create({
      user_id: bob.id, provider_config_id: 'github', account_id: 'gh-ann',
      allow_sign_in: true, allow_connected_accounts: true,
    });
    assertError(taken, 400, 'OAUTH_PROVIDER_ACCOUNT_ID_ALREADY_USED_FOR_SIGN_IN');
    assert.equal(taken.headers.get('x-stack-known-error'), 'OAUTH_PROVIDER_ACCOUNT_ID_ALREADY_USED_FOR_SIGN_IN');
    // A provider account links to one user only.
    assertError(await create({
      user_id: bob.id, provider_config_id: 'github', account_id: 'gh-ann-2',
      allow_sign_in: false, allow_connected_accounts: true,
    }), 409, 'OAUTH_CONNECTION_ALREADY_CONNECTED_TO_ANOTHER_USER');
    // PATCH: turning sign-in on for the second account, moving an account.
    assertError(await call(`/oauth-providers/${ann.id}/${noEmail.json.id}`, {
      method: 'PATCH', headers: serverAccess(), body: { allow_sign_in: true },
    }), 400, 'USER_ALREADY_SIGNS_IN_WITH_OAUTH_PROVIDER');
    const bobs = await create({
      user_id: bob.id, provider_config_id: 'github', account_id: 'gh-bob',
      allow_sign_in: true, allow_connected_accounts: true,
    });
    assert.equal(bobs.status, 201, bobs.text);
    assertError(await call(`/oauth-providers/${bob.id}/${bobs.json.id}`, {
      method: 'PATCH', headers: serverAccess(), body: { account_id: 'gh-ann' },
    }), 400, 'OAUTH_PROVIDER_ACCOUNT_ID_ALREADY_USED_FOR_SIGN_IN');
    const moved = await call(`/oauth-providers/${bob.id}/${bobs.json.id}`, {
      method: 'PATCH', headers: serverAccess(), body: { account_id: 'gh-bob-2', email: 'bob@github.example' },
    });
    assert.equal(moved.status, 200, moved.text);
    assert.deepEqual(moved.json, { ...bobs.json, account_id: 'gh-bob-2', email: 'bob@github.example' });

    // A server lists a user's links, or the whole project's.
    const anns = await call(`/oauth-providers?user_id=${ann.id}`, { headers: serverAccess() });
    assert.equal(anns.status, 200, anns.text);
    assert.deepEqual(anns.json.items.map((l) => l.account_id), ['gh-ann', 'gh-ann-2']);
    const all = await call('/oauth-providers', { headers: serverAccess() });
    assert.equal(all.status, 200, all.text);
    const ids = all.json.items.map((l) => l.id);
    for (const id of [made.json.id, noEmail.json.id, bobs.json.id]) assert.ok(ids.includes(id));

    // Ann has a password, so her last link that signs in may go.
    const gone = await call(`/oauth-providers/me/${made.json.id}`, {
      method: 'DELETE', headers: client(ann.token),
    });
    assert.equal(gone.status, 200, gone.text);
  });

  for (const version of ['102', '108']) {
    test(`Stack SDK 2.8.${version}: user.listOAuthProviders, update and delete`, async () => {
      const sdk = await import(`stack-js-${version}`);
      const app = new sdk.StackClientApp({
        baseUrl: server.httpUrl, projectId: 'internal',
        publishableClientKey: server.keys.publishableClientKey, tokenStore: 'memory',
      });
      const email = `sdk${version}-${++counter}@example.com`;
      assert.equal((await app.signUpWithCredential({
        email, password: 'correct horse battery', noRedirect: true,
        verificationCallbackUrl: 'http://localhost:3000/handler/email-verification',
      })).status, 'ok');
      const user = await app.getUser({ or: 'throw' });
      const signsIn = await create({
        user_id: user.id, provider_config_id: 'github', account_id: `sdk${version}-a`,
        email: 'sdk@github.example', allow_sign_in: true, allow_connected_accounts: true,
      });
      assert.equal(signsIn.status, 201, signsIn.text);
      const connectsOnly = await create({
        user_id: user.id, provider_config_id: 'github', account_id: `sdk${version}-b`,
        allow_sign_in: false, allow_connected_accounts: true,
      });
      assert.equal(connectsOnly.status, 201, connectsOnly.text);

      const providers = await user.listOAuthProviders();
      assert.deepEqual(providers.map((p) => [p.id, p.type, p.userId, p.email, p.allowSignIn, p.allowConnectedAccounts]), [
        [signsIn.json.id, 'github', user.id, 'sdk@github.example', true, true],
        [connectsOnly.json.id, 'github', user.id, undefined, false, true],
      ]);
      const second = await user.getOAuthProvider(connectsOnly.json.id);
      assert.equal((await second.update({ allowConnectedAccounts: false })).status, 'ok');
      const [, updated] = await user.listOAuthProviders();
      assert.equal(updated.allowConnectedAccounts, false);
      // Not one of Stack's known errors, so the SDK throws it.
      await assert.rejects(second.update({ allowSignIn: true }),
                           (error) => String(error?.message).includes('USER_ALREADY_SIGNS_IN_WITH_OAUTH_PROVIDER'));
      await second.delete();
      assert.deepEqual((await user.listOAuthProviders()).map((p) => p.id), [signsIn.json.id]);
    });
  }

  test('gRPC: UserService create, list, update and delete, with the catalogue\'s status codes', async () => {
    const ann = await passwordUser();
    const { unary, close } = await internalUserService(server);
    try {
      const made = await unary('createUserOAuthProvider', {
        user_id: ann.id, provider_config_id: 'github', account_id: `grpc-${ann.id}`,
        allow_sign_in: true, allow_connected_accounts: false,
      });
      assert.equal(made.type, 'github');
      assert.equal(made.account_id, `grpc-${ann.id}`);
      const listed = await unary('listUserOAuthProviders', { user_id: ann.id });
      assert.deepEqual(listed.items.map((i) => i.id), [made.id]);
      const updated = await unary('updateUserOAuthProvider', {
        user_id: ann.id, oauth_provider_id: made.id, allow_connected_accounts: true,
      });
      assert.equal(updated.allow_connected_accounts, true);
      const twice = await unary('createUserOAuthProvider', {
        user_id: ann.id, provider_config_id: 'github', account_id: `grpc-${ann.id}`,
        allow_sign_in: false, allow_connected_accounts: false,
      }).catch((error) => error);
      assert.equal(twice.code, grpc.status.ALREADY_EXISTS, String(twice));
      await unary('deleteUserOAuthProvider', { user_id: ann.id, oauth_provider_id: made.id });
      const gone = await unary('getUserOAuthProvider', { user_id: ann.id, oauth_provider_id: made.id })
        .catch((error) => error);
      assert.equal(gone.code, grpc.status.NOT_FOUND, String(gone));
    } finally {
      close();
    }
  });

  test('client rules and errors', async () => {
    const ann = await passwordUser();
    const bob = await passwordUser();
    const bobs = await create({
      user_id: bob.id, provider_config_id: 'github', account_id: `gh-${bob.id}`,
      allow_sign_in: false, allow_connected_accounts: true,
    });
    assert.equal(bobs.status, 201, bobs.text);
    const bobsPath = `/oauth-providers/${bob.id}/${bobs.json.id}`;

    // Another user's links, by id: 403, the contact channels' error.
    const other = await call(`/oauth-providers?user_id=${bob.id}`, { headers: client(ann.token) });
    assertError(other, 403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
    assert.equal(other.headers.get('x-stack-known-error'), null);
    assertError(await call('/oauth-providers', { headers: client(ann.token) }), 403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
    assertError(await call(bobsPath, { headers: client(ann.token) }), 403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
    assertError(await call(bobsPath, { method: 'PATCH', headers: client(ann.token), body: { allow_sign_in: true } }),
                403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
    assertError(await call(bobsPath, { method: 'DELETE', headers: client(ann.token) }),
                403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
    // Bob's link under Ann's own user is not hers: 404.
    assertError(await call(`/oauth-providers/me/${bobs.json.id}`, { headers: client(ann.token) }),
                404, 'USER_OAUTH_PROVIDER_NOT_FOUND');
    assertError(await call(`/oauth-providers/me/${NO_SUCH_ID}`, { headers: client(ann.token) }),
                404, 'USER_OAUTH_PROVIDER_NOT_FOUND');
    assertError(await call('/oauth-providers/me/not-a-uuid', { headers: client(ann.token) }), 400, 'SCHEMA_ERROR');
    // No user at all.
    assertError(await call('/oauth-providers?user_id=me', { headers: client() }),
                400, 'CANNOT_GET_OWN_USER_WITHOUT_USER');
    // Creating is for servers; a client may not change the server fields.
    assertError(await call('/oauth-providers', {
      method: 'POST', headers: client(ann.token),
      body: { user_id: 'me', provider_config_id: 'github', account_id: 'x', allow_sign_in: false, allow_connected_accounts: false },
    }), 401, 'INSUFFICIENT_ACCESS_TYPE');
    const bobClient = client(bob.token);
    assertError(await call(`/oauth-providers/me/${bobs.json.id}`, {
      method: 'PATCH', headers: bobClient, body: { account_id: 'elsewhere' },
    }), 400, 'SCHEMA_ERROR');
    // Bob switches his own link's connected accounts off.
    const off = await call(`/oauth-providers/me/${bobs.json.id}`, {
      method: 'PATCH', headers: bobClient, body: { allow_connected_accounts: false },
    });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.allow_connected_accounts, false);
    assert.equal('account_id' in off.json, false);

    // Server errors: unknown user, unknown provider, missing switches.
    assertError(await call(`/oauth-providers?user_id=${NO_SUCH_ID}`, { headers: serverAccess() }),
                400, 'USER_ID_DOES_NOT_EXIST');
    assertError(await create({
      user_id: NO_SUCH_ID, provider_config_id: 'github', account_id: 'x',
      allow_sign_in: false, allow_connected_accounts: false,
    }), 400, 'USER_ID_DOES_NOT_EXIST');
    assertError(await create({
      user_id: ann.id, provider_config_id: 'nowhere', account_id: 'x',
      allow_sign_in: false, allow_connected_accounts: false,
    }), 400, 'OAUTH_PROVIDER_NOT_FOUND_OR_NOT_ENABLED');
    assertError(await create({ user_id: ann.id, provider_config_id: 'github', account_id: 'x' }),
                400, 'SCHEMA_ERROR');
    assertError(await create({
      user_id: ann.id, provider_config_id: 'github', account_id: 'x'.repeat(513),
      allow_sign_in: false, allow_connected_accounts: false,
    }), 400, 'SCHEMA_ERROR');
    assertError(await create({
      user_id: ann.id, provider_config_id: 'github', account_id: 'x', email: 'not an email',
      allow_sign_in: false, allow_connected_accounts: false,
    }), 400, 'SCHEMA_ERROR');
  });
});
