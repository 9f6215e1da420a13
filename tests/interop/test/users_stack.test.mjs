// Users created by a server the way Stack's clients do (4/9 item 11): an
// address given with POST /users does not sign in unless
// primary_email_auth_enabled says so, and then takes the address from
// nobody; profile images may be http(s) URLs or base64 image data URLs
// (PNG, JPEG, GIF or WebP, at most 300 KiB), never empty strings, other
// bytes or malformed data URLs. A data URL is answered as the URL latchkeyd
// serves the image at (as Stack answers its uploaded copy's URL), and that
// URL serves it. Over REST and through @stackframe/js 2.8.102 and 2.8.108.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { assertError, restCaller } from '../lib/rest.mjs';

const GIF = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';
const GIF_BYTES = Buffer.from(GIF.split(',')[1], 'base64');
// A PNG signature and 8 KiB more: longer than the 2048 characters image
// URLs were once cut at, far below the 300 KiB bound.
const PNG_8K = `data:image/png;base64,${Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(8192, 7)]).toString('base64')}`;
const servedUrl = (kind, owner) => new RegExp(
  `^${server.httpUrl}/api/v1/profile-images/internal/${kind}/${owner}/[0-9a-f]{32}$`);

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
  test('a base64 image data URL is served at the URL the user shows; bad ones are refused', async () => {
    const created = await call('/users', {
      method: 'POST', headers: headers('server'), body: { profile_image_url: GIF },
    });
    assert.equal(created.status, 201, created.text);
    const imageUrl = created.json.profile_image_url;
    assert.match(imageUrl, servedUrl('user', created.json.id));
    const read = await call(`/users/${created.json.id}`, { headers: headers('server') });
    assert.equal(read.json.profile_image_url, imageUrl);
    // Anyone may fetch it, with no headers, as the image itself.
    const image = await fetch(imageUrl);
    assert.equal(image.status, 200);
    assert.equal(image.headers.get('content-type'), 'image/gif');
    assert.equal(image.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(image.headers.get('content-security-policy'), "default-src 'none'; sandbox");
    assert.match(image.headers.get('cache-control'), /immutable/);
    assert.deepEqual(Buffer.from(await image.arrayBuffer()), GIF_BYTES);

    // An image of 8 KiB (longer than image URLs were once allowed to be).
    const larger = await call(`/users/${created.json.id}`, {
      method: 'PATCH', headers: headers('server'), body: { profile_image_url: PNG_8K },
    });
    assert.equal(larger.status, 200, larger.text);
    assert.notEqual(larger.json.profile_image_url, imageUrl);
    const png = await fetch(larger.json.profile_image_url);
    assert.equal(png.headers.get('content-type'), 'image/png');
    assert.equal((await png.arrayBuffer()).byteLength, 8200);
    // The replaced image's URL no longer answers.
    const gone = await fetch(imageUrl);
    assert.equal(gone.status, 404);
    assert.equal((await gone.json()).code, 'PROFILE_IMAGE_NOT_FOUND');

    const https = await call(`/users/${created.json.id}`, {
      method: 'PATCH', headers: headers('server'), body: { profile_image_url: 'https://cdn.example.com/a.png' },
    });
    assert.equal(https.status, 200, https.text);
    assert.equal(https.json.profile_image_url, 'https://cdn.example.com/a.png');

    const bad = ['', 'data:image/png;base64,', 'data:image/png;base64,%%%', 'data:text/html;base64,PGI+',
      'not a url', `data:image/png;base64,${'A'.repeat(1_000_000)}`,
      // Bytes that are no image, an SVG (it could carry script), and an
      // image over 300 KiB.
      `data:image/png;base64,${Buffer.from('<script>alert(1)</script>').toString('base64')}`,
      `data:image/svg+xml;base64,${Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>').toString('base64')}`,
      `data:image/png;base64,${Buffer.concat([Buffer.from('\x89PNG\r\n\x1a\n', 'latin1'),
        Buffer.alloc(300 * 1024 - 7)]).toString('base64')}`];
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

  test('teams and team member profiles serve theirs the same way', async () => {
    const owner = await call('/users', { method: 'POST', headers: headers('server'), body: {} });
    const team = await call('/teams', {
      method: 'POST', headers: headers('server'),
      body: { display_name: 'Imaged', profile_image_url: GIF, creator_user_id: owner.json.id },
    });
    assert.equal(team.status, 201, team.text);
    assert.match(team.json.profile_image_url, servedUrl('team', team.json.id));
    assert.deepEqual(Buffer.from(await (await fetch(team.json.profile_image_url)).arrayBuffer()), GIF_BYTES);
    const refused = await call(`/teams/${team.json.id}`, {
      method: 'PATCH', headers: headers('server'), body: { profile_image_url: 'javascript:alert(1)' },
    });
    assertError(refused, 400, 'SCHEMA_ERROR');
    const profile = await call(`/team-member-profiles/${team.json.id}/${owner.json.id}`, {
      method: 'PATCH', headers: headers('server'), body: { profile_image_url: PNG_8K },
    });
    assert.equal(profile.status, 200, profile.text);
    assert.match(profile.json.profile_image_url, servedUrl('team-member', `${team.json.id}:${owner.json.id}`));
    const png = await fetch(profile.json.profile_image_url);
    assert.equal(png.status, 200);
    assert.equal(png.headers.get('content-type'), 'image/png');
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
      assert.match((await serverApp.getUser(managed.id)).profileImageUrl, servedUrl('user', managed.id));
      const clientApp = new sdk.StackClientApp(options);
      const signUp = await clientApp.signUpWithCredential({
        email, password: 'correct horse', noRedirect: true,
        verificationCallbackUrl: 'http://localhost:3000/verify',
      });
      assert.equal(signUp.status, 'ok', JSON.stringify(signUp));
      const user = await clientApp.getUser({ or: 'throw' });
      assert.notEqual(user.id, managed.id);
      await user.update({ profileImageUrl: GIF });
      const shown = (await serverApp.getUser(user.id)).profileImageUrl;
      assert.match(shown, servedUrl('user', user.id));
      assert.deepEqual(Buffer.from(await (await fetch(shown)).arrayBuffer()), GIF_BYTES);
    });
  });
}
