// Stack Auth's own SDK (@stackframe/js) is the judge: pointed at a live
// latchkeyd with nothing changed but its baseUrl, both the version that
// sends x-stack-* headers (2.8.102) and the one that sends x-hexclave-*
// headers (2.8.108) must sign users up and in, read and update them, sign
// out, upgrade anonymous users, refresh expired tokens on their own, and
// manage users from a server app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as jose from 'jose';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { resignWithTimes } from '../lib/stack_keys.mjs';

const CALLBACK = 'http://localhost:3000/handler/email-verification';

for (const version of ['102', '108']) {
  describe(`Stack SDK 2.8.${version}`, () => {
    let server;
    let sdk;
    let emailCounter = 0;
    const email = () => `user${++emailCounter}.v${version}@example.com`;

    before(async () => {
      sdk = await import(`stack-js-${version}`);
      server = await startLatchkeyd();
    });
    after(async () => {
      if (server) assert.equal(await server.stop(), 0);
    });

    const clientApp = (extra = {}) => new sdk.StackClientApp({
      baseUrl: server.httpUrl,
      projectId: 'internal',
      publishableClientKey: server.keys.publishableClientKey,
      tokenStore: 'memory',
      ...extra,
    });
    const serverApp = () => new sdk.StackServerApp({
      baseUrl: server.httpUrl,
      projectId: 'internal',
      publishableClientKey: server.keys.publishableClientKey,
      secretServerKey: server.keys.secretServerKey,
      tokenStore: 'memory',
    });
    const signUp = (client, address, password = 'correct horse') =>
      client.signUpWithCredential({
        email: address, password, noRedirect: true, verificationCallbackUrl: CALLBACK,
      });
    const signIn = (client, address, password = 'correct horse') =>
      client.signInWithCredential({ email: address, password, noRedirect: true });
    const configure = async (overrides) => {
      const response = await fetch(`${server.httpUrl}/api/v1/internal/config/override/project`, {
        method: 'PATCH',
        headers: {
          'content-type': 'application/json',
          'x-stack-project-id': 'internal',
          'x-stack-access-type': 'admin',
          'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
        },
        body: JSON.stringify({ config_override_string: JSON.stringify(overrides) }),
      });
      assert.equal(response.status, 200, await response.text());
    };

    test('sign up, then sign in from another client', async () => {
      const address = email();
      const first = clientApp();
      assert.equal((await signUp(first, address)).status, 'ok');
      const signedUp = await first.getUser();
      assert.equal(signedUp.primaryEmail, address);

      const second = clientApp();
      assert.equal((await signIn(second, address)).status, 'ok');
      assert.equal((await second.getUser()).id, signedUp.id);
    });

    test('getUser gives every field with the type the SDK expects', async () => {
      const client = clientApp();
      await signUp(client, email());
      const user = await client.getUser();
      assert.match(user.id, /^[0-9a-f-]{36}$/);
      assert.equal(typeof user.primaryEmail, 'string');
      assert.equal(user.primaryEmailVerified, false);
      assert.equal(user.displayName, null);
      assert.equal(user.profileImageUrl, null);
      // Never set: null, as Stack's server answers.
      assert.equal(user.clientMetadata, null);
      assert.equal(user.clientReadOnlyMetadata, null);
      assert.ok(user.signedUpAt instanceof Date);
      assert.ok(Math.abs(user.signedUpAt.getTime() - Date.now()) < 60_000);
      assert.equal(user.hasPassword, true);
      assert.equal(user.isAnonymous, false);
      assert.equal(user.selectedTeam, null);
      assert.ok(Array.isArray(user.oauthProviders));
      assert.equal(typeof user.otpAuthEnabled, 'boolean');
      assert.equal(typeof user.passkeyAuthEnabled, 'boolean');
    });

    test('updating the display name shows in the user and, after the SDK refreshes, in the token', async () => {
      const client = clientApp();
      await signUp(client, email());
      const user = await client.getUser();
      await user.update({ displayName: 'Ann Example' });
      assert.equal((await client.getUser()).displayName, 'Ann Example');
      const token = await client.getAccessToken();
      assert.equal(jose.decodeJwt(token).name, 'Ann Example');
    });

    test('sign out ends the session', async () => {
      const client = clientApp();
      await signUp(client, email());
      const refreshToken = await client.getRefreshToken();
      await (await client.getUser()).signOut();
      assert.equal(await client.getUser(), null);
      const refresh = await fetch(`${server.httpUrl}/api/v1/auth/sessions/current/refresh`, {
        method: 'POST',
        headers: {
          'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
          'x-stack-refresh-token': refreshToken,
        },
      });
      assert.equal(refresh.status, 401);
      assert.equal(refresh.headers.get('x-stack-known-error'), 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED');
    });

    test('an anonymous user signs up and keeps its id', async () => {
      const client = clientApp();
      const anonymous = await client.getUser({ or: 'anonymous' });
      assert.equal(anonymous.isAnonymous, true);
      const address = email();
      assert.equal((await signUp(client, address)).status, 'ok');
      const upgraded = await client.getUser();
      assert.equal(upgraded.id, anonymous.id);
      assert.equal(upgraded.isAnonymous, false);
      assert.equal(upgraded.primaryEmail, address);
    });

    test('with a short token lifetime, an expired access token is refreshed by the SDK', async () => {
      await configure({ access_token_lifetime_seconds: 60 });
      try {
        const client = clientApp();
        await signUp(client, email());
        const auth = await client.getAuthJson();
        const issued = jose.decodeJwt(auth.accessToken);
        assert.equal(issued.exp - issued.iat, 60);
        const now = Math.floor(Date.now() / 1000);
        const expired = await resignWithTimes(server.keys.serverSecret, auth.accessToken,
            { iat: now - 600, exp: now - 300 });
        const later = clientApp({ tokenStore: { accessToken: expired, refreshToken: auth.refreshToken } });
        const user = await later.getUser();
        assert.equal(user?.id, issued.sub);
        const fresh = jose.decodeJwt(await later.getAccessToken());
        assert.ok(fresh.exp > now, 'a new token replaced the expired one');
      } finally {
        await configure({ access_token_lifetime_seconds: null });
      }
    });

    test('a wrong password and a taken email are the SDK\'s known errors', async () => {
      const address = email();
      const client = clientApp();
      await signUp(client, address);
      const wrong = await signIn(clientApp(), address, 'wrong horse');
      assert.equal(wrong.status, 'error');
      // The SDK rebuilt its own KnownError class from the code.
      assert.equal(wrong.error.name, 'KnownError<EMAIL_PASSWORD_MISMATCH>');
      const duplicate = await signUp(clientApp(), address);
      assert.equal(duplicate.status, 'error');
      assert.equal(duplicate.error.name, 'KnownError<USER_EMAIL_ALREADY_EXISTS>');
    });

    test('a server app creates, lists page by page, updates and deletes users', async () => {
      const admin = serverApp();
      const created = [];
      for (let i = 0; i < 5; i++) {
        created.push(await admin.createUser({
          primaryEmail: email(), password: 'correct horse', displayName: `Page ${i}`,
          primaryEmailAuthEnabled: true,
        }));
      }
      const seen = new Set();
      let cursor;
      do {
        const page = await admin.listUsers({ limit: 2, cursor });
        assert.ok(page.length <= 2);
        for (const user of page) seen.add(user.id);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      for (const user of created) assert.ok(seen.has(user.id), user.id);

      await created[0].update({ displayName: 'Renamed' });
      assert.equal((await admin.getUser(created[0].id)).displayName, 'Renamed');
      await created[1].delete();
      assert.equal(await admin.getUser(created[1].id), null);
    });
  });
}
