// Users' and teams' own API keys over REST against a real latchkeyd: the
// project switches, the key format (checked here independently: prefix,
// parts, CRC-32 from node:zlib), the client and server rules with Stack's
// statuses and codes, revocation and expiry at /check, keys never stored in
// the clear; then the same through Stack's own SDK (@stackframe/js, both
// header generations): user.createApiKey, listApiKeys, revoke, and the
// server app finding the user and team by key.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { crc32 } from 'node:zlib';
import { after, before, describe, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { assertError, restCaller } from '../lib/rest.mjs';

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
  'x-stack-publishable-client-key': server.keys.publishableClientKey,
  ...(access === 'server' ? { 'x-stack-secret-server-key': server.keys.secretServerKey } : {}),
  ...(access === 'admin' ? { 'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey } : {}),
  ...(token ? { 'x-stack-access-token': token } : {}),
});

async function setSwitches(values) {
  const response = await call('/internal/config/override/project', {
    method: 'PATCH', headers: headers('admin'),
    body: { config_override_string: JSON.stringify(values) },
  });
  assert.equal(response.status, 200, response.text);
}

let counter = 0;
async function signUp() {
  const email = `keys${++counter}@example.com`;
  const response = await call('/auth/password/sign-up', {
    method: 'POST', headers: headers('client'),
    body: { email, password: 'correct horse', verification_callback_url: 'http://localhost:3000/v' },
  });
  assert.equal(response.status, 200, response.text);
  return { id: response.json.user_id, token: response.json.access_token, email };
}

// The key format, checked without Latchkey's code.
function assertKeyFormat(value, { type, id, isPublic }) {
  const match = /^(sk|pk)_([0-9a-hjkmnp-tv-z]{45})([0-9a-f]{32})(user|team)([0-9a-z])574ck4u7h([0-9a-f]{8})$/
      .exec(value);
  assert.ok(match, `not in the key format: ${value.length} characters`);
  assert.equal(match[1], isPublic ? 'pk' : 'sk');
  assert.equal(match[3], id.replaceAll('-', ''));
  assert.equal(match[4], type);
  assert.equal(match[5], isPublic ? '3' : '1');
  const body = value.slice(0, -8);
  assert.equal(match[6], crc32(Buffer.from(body)).toString(16).padStart(8, '0'));
}

describe('user and team API keys over REST', () => {
  let ann;
  let bob;
  before(async () => {
    ann = await signUp();
    bob = await signUp();
  });

  test('off by default: API_KEYS_NOT_ENABLED names the kind', async () => {
    const response = await call('/user-api-keys', {
      method: 'POST', headers: headers('client', ann.token),
      body: { user_id: 'me', description: 'ci', expires_at_millis: null },
    });
    assertError(response, 400, 'API_KEYS_NOT_ENABLED');
    assert.equal(response.json.details.type, 'user');
    await setSwitches({ allow_user_api_keys: true, allow_team_api_keys: true });
    const current = await call('/projects/current', { headers: headers('client') });
    assert.equal(current.json.config.allow_user_api_keys, true);
  });

  test('a user key: created once in full, listed by its last four, checked by the back end', async () => {
    const created = await call('/user-api-keys', {
      method: 'POST', headers: headers('client', ann.token),
      body: { user_id: 'me', description: 'laptop', expires_at_millis: null, is_public: false },
    });
    assert.equal(created.status, 200, created.text);
    const key = created.json;
    assert.deepEqual(Object.keys(key).sort(),
        ['created_at_millis', 'description', 'id', 'is_public', 'type', 'user_id', 'value']);
    assert.equal(key.type, 'user');
    assert.equal(key.user_id, ann.id);
    assert.equal(key.is_public, false);
    assertKeyFormat(key.value, { type: 'user', id: key.id, isPublic: false });

    const listed = await call('/user-api-keys?user_id=me', { headers: headers('client', ann.token) });
    assert.equal(listed.status, 200, listed.text);
    assert.equal(listed.json.is_paginated, false);
    assert.equal(listed.json.items.length, 1);
    assert.deepEqual(listed.json.items[0].value, { last_four: key.value.slice(-4) });

    const checked = await call('/user-api-keys/check', {
      method: 'POST', headers: headers('server'), body: { api_key: key.value },
    });
    assert.equal(checked.status, 200, checked.text);
    assert.equal(checked.json.id, key.id);
    assert.equal(checked.json.user_id, ann.id);

    // Stored only as a hash: the SQLite file never holds the key.
    const file = readFileSync(path.join(server.dataDir, 'latchkey.db'));
    assert.equal(file.includes(Buffer.from(key.value.slice(3, 48))), false);
  });

  test('clients act only for themselves; other users\' keys look absent', async () => {
    const created = await call('/user-api-keys', {
      method: 'POST', headers: headers('client', ann.token),
      body: { user_id: 'me', description: 'ann', expires_at_millis: null },
    });
    const keyId = created.json.id;
    assertError(await call(`/user-api-keys?user_id=${ann.id}`,
        { headers: headers('client', bob.token) }), 403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
    assertError(await call('/user-api-keys', {
      method: 'POST', headers: headers('client', bob.token),
      body: { user_id: ann.id, description: 'x', expires_at_millis: null },
    }), 403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
    assertError(await call(`/user-api-keys/${keyId}`,
        { headers: headers('client', bob.token) }), 404, 'API_KEY_NOT_FOUND');
    assertError(await call(`/user-api-keys/${keyId}?user_id=me`, {
      method: 'PATCH', headers: headers('client', bob.token), body: { revoked: true },
    }), 404, 'API_KEY_NOT_FOUND');
    // A server may create for anyone, and must name a real user.
    assertError(await call('/user-api-keys', {
      method: 'POST', headers: headers('server'),
      body: { user_id: '00000000-0000-4000-8000-000000000000', description: 'x', expires_at_millis: null },
    }), 400, 'USER_ID_DOES_NOT_EXIST');
    // Only back ends check keys.
    const byClient = await call('/user-api-keys/check', {
      method: 'POST', headers: headers('client', ann.token), body: { api_key: created.json.value },
    });
    assert.ok(byClient.status === 401 || byClient.status === 403, byClient.text);
  });

  test('revocation (once, with the owner in the query as the SDK sends it) and expiry at /check', async () => {
    const created = (await call('/user-api-keys', {
      method: 'POST', headers: headers('client', ann.token),
      body: { user_id: 'me', description: 'to revoke', expires_at_millis: null },
    })).json;
    const revoke = () => call(`/user-api-keys/${created.id}?user_id=me`, {
      method: 'PATCH', headers: headers('client', ann.token), body: { revoked: true },
    });
    const first = await revoke();
    assert.equal(first.status, 200, first.text);
    assert.ok(first.json.manually_revoked_at_millis > 0);
    const second = await revoke();
    assert.equal(second.json.manually_revoked_at_millis, first.json.manually_revoked_at_millis);
    assertError(await call(`/user-api-keys/${created.id}`, {
      method: 'PATCH', headers: headers('client', ann.token), body: { revoked: false },
    }), 400, 'SCHEMA_ERROR');
    assertError(await call(`/user-api-keys/${created.id}`, {
      method: 'PATCH', headers: headers('client', ann.token), body: { owner: 'me' },
    }), 400, 'SCHEMA_ERROR');
    assertError(await call('/user-api-keys/check', {
      method: 'POST', headers: headers('server'), body: { api_key: created.value },
    }), 401, 'API_KEY_REVOKED');

    const expired = (await call('/user-api-keys', {
      method: 'POST', headers: headers('server'),
      body: { user_id: ann.id, description: 'old', expires_at_millis: Date.now() - 1000 },
    })).json;
    assertError(await call('/user-api-keys/check', {
      method: 'POST', headers: headers('server'), body: { api_key: expired.value },
    }), 401, 'API_KEY_EXPIRED');

    for (const bad of ['', 'sk_nonsense', created.value.slice(0, -1) + (created.value.endsWith('0') ? '1' : '0')]) {
      const response = await call('/user-api-keys/check', {
        method: 'POST', headers: headers('server'), body: { api_key: bad },
      });
      assert.ok(response.json?.code === 'API_KEY_NOT_FOUND' || response.json?.code === 'SCHEMA_ERROR',
          response.text);
    }
  });

  test('team keys: $manage_api_keys governs clients, the wrong kind is WRONG_API_KEY_TYPE', async () => {
    const team = await call('/teams', {
      method: 'POST', headers: headers('server'),
      body: { display_name: 'Keyholders', creator_user_id: ann.id },
    });
    assert.equal(team.status, 201, team.text);
    const teamId = team.json.id;
    const created = await call('/team-api-keys', {
      method: 'POST', headers: headers('client', ann.token),
      body: { team_id: teamId, description: 'deploy', expires_at_millis: null, is_public: true },
    });
    assert.equal(created.status, 200, created.text);
    assert.equal(created.json.type, 'team');
    assert.equal(created.json.team_id, teamId);
    assertKeyFormat(created.json.value, { type: 'team', id: created.json.id, isPublic: true });

    // Bob is not a member: the team's keys look absent.
    assertError(await call(`/team-api-keys?team_id=${teamId}`,
        { headers: headers('client', bob.token) }), 404, 'API_KEY_NOT_FOUND');
    assertError(await call('/team-api-keys', {
      method: 'POST', headers: headers('client', bob.token),
      body: { team_id: teamId, description: 'x', expires_at_millis: null },
    }), 404, 'API_KEY_NOT_FOUND');
    const listed = await call(`/team-api-keys?team_id=${teamId}`, { headers: headers('client', ann.token) });
    assert.equal(listed.json.items.length, 1);
    const got = await call(`/team-api-keys/${created.json.id}?team_id=${teamId}`,
        { headers: headers('server') });
    assert.equal(got.status, 200, got.text);

    const wrong = await call('/user-api-keys/check', {
      method: 'POST', headers: headers('server'), body: { api_key: created.json.value },
    });
    assertError(wrong, 400, 'WRONG_API_KEY_TYPE');
    assert.deepEqual(wrong.json.details, { expected_type: 'user', actual_type: 'team' });
    const right = await call('/team-api-keys/check', {
      method: 'POST', headers: headers('server'), body: { api_key: created.json.value },
    });
    assert.equal(right.status, 200, right.text);
    assert.equal(right.json.team_id, teamId);
  });
});

for (const version of ['102', '108']) {
  describe(`Stack SDK 2.8.${version}: API keys`, () => {
    let sdk;
    before(async () => {
      sdk = await import(`stack-js-${version}`);
      await setSwitches({
        allow_user_api_keys: true, allow_team_api_keys: true, client_team_creation_enabled: true,
      });
    });
    const options = { projectId: 'internal', tokenStore: 'memory' };

    test('user and team keys: create, list, revoke; the server app finds the owner by key', async () => {
      const clientApp = new sdk.StackClientApp({
        ...options, baseUrl: server.httpUrl, publishableClientKey: server.keys.publishableClientKey,
      });
      const serverApp = new sdk.StackServerApp({
        ...options, baseUrl: server.httpUrl, publishableClientKey: server.keys.publishableClientKey,
        secretServerKey: server.keys.secretServerKey,
      });
      const email = `sdk-keys-${version}@example.com`;
      await serverApp.createUser({ primaryEmail: email, password: 'correct horse', primaryEmailAuthEnabled: true });
      const signIn = await clientApp.signInWithCredential({ email, password: 'correct horse', noRedirect: true });
      assert.equal(signIn.status, 'ok', JSON.stringify(signIn));
      const user = await clientApp.getUser({ or: 'throw' });

      const key = await user.createApiKey({ description: 'sdk', expiresAt: null });
      assert.equal(key.type, 'user');
      assert.equal(key.userId, user.id);
      assertKeyFormat(key.value, { type: 'user', id: key.id, isPublic: false });
      const keys = await user.listApiKeys();
      assert.deepEqual(keys.map((k) => k.value.lastFour), [key.value.slice(-4)]);
      assert.equal((await serverApp.getUser({ apiKey: key.value }))?.id, user.id);

      await keys[0].revoke();
      assert.equal(await serverApp.getUser({ apiKey: key.value }), null);

      const team = await user.createTeam({ displayName: `SDK team ${version}` });
      const teamKey = await team.createApiKey({ description: 'team', expiresAt: null });
      assert.equal(teamKey.teamId, team.id);
      assert.equal((await team.listApiKeys()).length, 1);
      assert.equal((await serverApp.getTeam({ apiKey: teamKey.value }))?.id, team.id);
      assert.equal(await serverApp.getTeam({ apiKey: key.value }), null);
    });
  });
}
