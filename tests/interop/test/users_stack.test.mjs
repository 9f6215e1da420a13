// Users created by a server the way Stack's clients do (4/9 item 11): an
// address given with POST /users does not sign in unless
// primary_email_auth_enabled says so, and then takes the address from
// nobody; profile images may be http(s) URLs or base64 image data URLs
// (bounded, kept and answered as given), never empty strings or malformed
// data URLs. Over REST and through @stackframe/js 2.8.102 and 2.8.108.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { assertError, restCaller } from '../lib/rest.mjs';

const GIF = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

let server;
const call = (apiPath, options) => restCaller(server)(apiPath, options);
before(async () => {
  server = await startLatchkeyd();
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
});

const headers = (access, token) => ({
  'x-stack-project-id': 'internal', 'x-stack-access-type': access,
  ...(access === 'server' ? { 'x-stack-secret-server-key': server.keys.secretServerKey } : {}),
  ...(token ? { 'x-stack-access-token': token } : {}),
});

describe('POST /users and sign-in addresses', () => {
  test('the address does not sign in by default and takes it from nobody', async () => {
    const email = 'shared@example.com';
    const first = await call('/users', { method: 'POST', headers: headers('server'), body: { primary_email: email } });
    assert.equal(first.status, 201, first.text);
    assert.equal(first.json.primary_email_auth_enabled, false);
    const second = await call('/users', { method: 'POST', headers: headers('server'), body: { primary_email: email } });
    assert.equal(second.status, 201, second.text);

    // Someone else signs up with it, and signs in.
    const signUp = await call('/auth/password/sign-up', {
      method: 'POST', headers: headers('client'),
      body: { email, password: 'correct horse', verification_callback_url: 'http://localhost:3000/v' },
    });
    assert.equal(signUp.status, 200, signUp.text);
    assert.notEqual(signUp.json.user_id, first.json.id);
    const signIn = await call('/auth/password/sign-in', {
      method: 'POST', headers: headers('client'), body: { email, password: 'correct horse' },
    });
    assert.equal(signIn.status, 200, signIn.text);
    assert.equal(signIn.json.user_id, signUp.json.user_id);

    // Asking for it now conflicts with the user who signs in with it.
    const taken = await call('/users', {
      method: 'POST', headers: headers('server'), body: { primary_email: email, primary_email_auth_enabled: true },
    });
    assertError(taken, 409, 'USER_EMAIL_ALREADY_EXISTS');
    const enable = await call(`/users/${first.json.id}`, {
      method: 'PATCH', headers: headers('server'), body: { primary_email_auth_enabled: true },
    });
    assertError(enable, 409, 'USER_EMAIL_ALREADY_EXISTS');
  });
});

describe('profile images', () => {
  test('a base64 image data URL is kept and answered; bad ones are refused', async () => {
    const created = await call('/users', {
      method: 'POST', headers: headers('server'), body: { profile_image_url: GIF },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.profile_image_url, GIF);
    const read = await call(`/users/${created.json.id}`, { headers: headers('server') });
    assert.equal(read.json.profile_image_url, GIF);

    const https = await call(`/users/${created.json.id}`, {
      method: 'PATCH', headers: headers('server'), body: { profile_image_url: 'https://cdn.example.com/a.png' },
    });
    assert.equal(https.status, 200, https.text);
    assert.equal(https.json.profile_image_url, 'https://cdn.example.com/a.png');

    const bad = ['', 'data:image/png;base64,', 'data:image/png;base64,%%%', 'data:text/html;base64,PGI+',
      'not a url', `data:image/png;base64,${'A'.repeat(1_000_000)}`];
    for (const value of bad) {
      for (const [method, path] of [['POST', '/users'], ['PATCH', `/users/${created.json.id}`]]) {
        const response = await call(path, { method, headers: headers('server'), body: { profile_image_url: value } });
        assertError(response, 400, 'SCHEMA_ERROR');
        assert.match(response.json.error, /profile_image_url/);
      }
    }
    // null removes it.
    const cleared = await call(`/users/${created.json.id}`, {
      method: 'PATCH', headers: headers('server'), body: { profile_image_url: null },
    });
    assert.equal(cleared.status, 200, cleared.text);
    assert.equal(cleared.json.profile_image_url, null);
  });
});

for (const version of ['102', '108']) {
  describe(`Stack SDK 2.8.${version}: createUser and profile images`, () => {
    test('createUser without primaryEmailAuthEnabled leaves the address free; a data URL image round-trips', async () => {
      const sdk = await import(`stack-js-${version}`);
      const options = {
        projectId: 'internal', tokenStore: 'memory', baseUrl: server.httpUrl,
        publishableClientKey: server.keys.publishableClientKey,
      };
      const serverApp = new sdk.StackServerApp({ ...options, secretServerKey: server.keys.secretServerKey });
      const email = `sdk-free-${version}@example.com`;
      // (The SDK's createUser sends no profile image; update does.)
      const managed = await serverApp.createUser({ primaryEmail: email });
      await managed.update({ profileImageUrl: GIF });
      assert.equal((await serverApp.getUser(managed.id)).profileImageUrl, GIF);
      const clientApp = new sdk.StackClientApp(options);
      const signUp = await clientApp.signUpWithCredential({
        email, password: 'correct horse', noRedirect: true,
        verificationCallbackUrl: 'http://localhost:3000/verify',
      });
      assert.equal(signUp.status, 'ok', JSON.stringify(signUp));
      const user = await clientApp.getUser({ or: 'throw' });
      assert.notEqual(user.id, managed.id);
      await user.update({ profileImageUrl: GIF });
      assert.equal((await serverApp.getUser(user.id)).profileImageUrl, GIF);
    });
  });
}
