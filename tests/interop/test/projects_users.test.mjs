// An operator's day over REST only (Node's fetch against a real latchkeyd):
// first-admin setup, a project created, keyed, configured and administered,
// its users created, listed, updated, imported and signed in, keys revoked,
// the project deleted. Nothing here touches the database or gRPC.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { assertError, restCaller } from '../lib/rest.mjs';

// Made with libxcrypt's bcrypt at cost 04 (Python's crypt module).
const BCRYPT_OF_CORRECT_HORSE =
  '$2b$04$qZiodmJyMOYxJxdHjO7bg.J4a.hUzhSXqV/7k8VIA4OgG7N6mq3rS';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server;
// Calls /api/v1 on the server the suite started.
const call = (apiPath, options) => restCaller(server)(apiPath, options);
before(async () => {
  server = await startLatchkeyd();
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
});

const client = (project, extra = {}) => ({
  'x-stack-project-id': project, 'x-stack-access-type': 'client', ...extra,
});
const serverAccess = (project, key) => ({
  'x-stack-project-id': project, 'x-stack-access-type': 'server',
  'x-stack-secret-server-key': key,
});
const adminKey = (project, key) => ({
  'x-stack-project-id': project, 'x-stack-access-type': 'admin',
  'x-stack-super-secret-admin-key': key,
});
const adminToken = (project, token) => ({
  'x-stack-project-id': project, 'x-stack-access-type': 'admin',
  'x-stack-admin-access-token': token,
});

// Shared by the steps below, which run in order.
const state = {};

test('first-admin setup signs the administrator in, once', async () => {
  const setup = await call('/setup', {
    method: 'POST',
    body: { display_name: 'Ada', email: 'ada@example.com', password: 'correct horse battery' },
  });
  assert.equal(setup.status, 200, setup.text);
  assert.match(setup.json.user_id, UUID);
  assert.equal(typeof setup.json.access_token, 'string');
  assert.equal(typeof setup.json.refresh_token, 'string');
  state.admin = setup.json;

  const again = await call('/setup', {
    method: 'POST',
    body: { display_name: 'Eve', email: 'eve@example.com', password: 'correct horse battery' },
  });
  assertError(again, 409, 'SETUP_ALREADY_COMPLETED');

  const recovery = await call('/setup/recover-admin-password', {
    method: 'POST',
    body: { email: 'ada@example.com', new_password: 'another horse', recovery_key: 'x'.repeat(40) },
  });
  assertError(recovery, 404, 'RECOVERY_NOT_ENABLED');
});

test('the administrator creates a project and keys it', async () => {
  const created = await call('/internal/projects', {
    method: 'POST',
    headers: client('internal', { 'x-stack-access-token': state.admin.access_token }),
    body: { display_name: 'Acme', description: 'Rockets', config: { password_min_length: 10 } },
  });
  assert.equal(created.status, 201, created.text);
  assert.match(created.json.id, UUID);
  assert.match(created.json.owner_team_id, UUID);
  assert.equal(created.json.config.password_min_length, 10);
  state.project = created.json.id;

  const listed = await call('/internal/projects', {
    headers: client('internal', { 'x-stack-access-token': state.admin.access_token }),
  });
  assert.equal(listed.status, 200, listed.text);
  assert.ok(listed.json.items.some((p) => p.id === state.project));

  const keys = await call('/internal/api-keys', {
    method: 'POST',
    headers: adminToken(state.project, state.admin.access_token),
    body: {
      description: 'production',
      expires_at_millis: Date.now() + 365 * 24 * 3600 * 1000,
      has_publishable_client_key: true,
      has_secret_server_key: true,
      has_super_secret_admin_key: true,
    },
  });
  assert.equal(keys.status, 200, keys.text);
  assert.match(keys.json.publishable_client_key, /^pck_[0-9a-z]{45}$/);
  assert.match(keys.json.secret_server_key, /^ssk_[0-9a-z]{45}$/);
  assert.match(keys.json.super_secret_admin_key, /^sak_[0-9a-z]{45}$/);
  state.keys = keys.json;

  const later = await call(`/internal/api-keys/${keys.json.id}`, {
    headers: adminKey(state.project, state.keys.super_secret_admin_key),
  });
  assert.equal(later.status, 200, later.text);
  assert.deepEqual(later.json.secret_server_key,
    { last_four: state.keys.secret_server_key.slice(-4) });
  assert.ok(!later.text.includes(state.keys.secret_server_key));
});

test('the project is configured with validated dotted keys', async () => {
  const headers = adminKey(state.project, state.keys.super_secret_admin_key);
  const patched = await call('/internal/config/override/project', {
    method: 'PATCH', headers,
    body: { config_override_string: JSON.stringify({
      'sign_up_enabled': false,
      'rate_limits.sign_in_per_ip.limit': 50,
      'domains': [{ domain: 'https://*.acme.test', handler_path: '/handler' }],
    }) },
  });
  assert.equal(patched.status, 200, patched.text);
  const before = await call('/internal/config', { headers });
  assert.equal(before.json.sign_up_enabled, false);
  assert.equal(before.json.password_min_length, 10, 'merged with the initial config');

  const bad = await call('/internal/config/override/project', {
    method: 'PATCH', headers,
    body: { config_override_string: JSON.stringify({ sign_up_enabled: true, nope: 1 }) },
  });
  assertError(bad, 400, 'SCHEMA_ERROR');
  const afterBad = await call('/internal/config', { headers });
  assert.deepEqual(afterBad.json, before.json, 'nothing changed');

  const current = await call('/projects/current', { headers: client(state.project) });
  assert.equal(current.status, 200, current.text);
  // Stack's keys, in Stack's order, and nothing more.
  assert.deepEqual(Object.keys(current.json.config), [
    'sign_up_enabled', 'credential_enabled', 'magic_link_enabled', 'passkey_enabled',
    'client_team_creation_enabled', 'client_user_deletion_enabled', 'allow_localhost',
    'allow_user_api_keys', 'allow_team_api_keys', 'enabled_oauth_providers', 'domains']);
  assert.deepEqual(current.json, {
    id: state.project,
    display_name: 'Acme',
    config: {
      sign_up_enabled: false,
      credential_enabled: true,
      magic_link_enabled: false,
      passkey_enabled: false,
      client_team_creation_enabled: false,
      client_user_deletion_enabled: false,
      allow_localhost: true,
      allow_user_api_keys: false,
      allow_team_api_keys: false,
      enabled_oauth_providers: [],
      domains: [{ domain: 'https://*.acme.test', handler_path: '/handler' }],
    },
  });

  const renamed = await call('/internal/projects/current', {
    method: 'PATCH', headers, body: { display_name: 'Acme Corp', description: null },
  });
  assert.equal(renamed.status, 200, renamed.text);
  assert.equal(renamed.json.display_name, 'Acme Corp');
  assert.equal(renamed.json.description, null);
});

test('users are created, listed page by page, updated and imported', async () => {
  const headers = serverAccess(state.project, state.keys.secret_server_key);
  const ids = [];
  for (let i = 0; i < 5; i++) {
    const created = await call('/users', {
      method: 'POST', headers,
      body: { primary_email: ` User${i}@Example.com `, password: 'correct horse battery',
        display_name: `User ${i}`, primary_email_auth_enabled: true },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.json.primary_email, `user${i}@example.com`);
    // Metadata nobody set is null, as Stack answers, not {}.
    assert.equal(created.json.client_metadata, null, created.text);
    assert.equal(created.json.client_read_only_metadata, null, created.text);
    assert.equal(created.json.server_metadata, null, created.text);
    // A Latchkey-only field is left out when unset: the object is Stack's.
    assert.equal('external_id' in created.json, false, created.text);
    ids.push(created.json.id);
  }
  const duplicate = await call('/users', {
    method: 'POST', headers, body: { primary_email: 'USER0@example.com', primary_email_auth_enabled: true },
  });
  assertError(duplicate, 409, 'USER_EMAIL_ALREADY_EXISTS');
  assert.deepEqual(duplicate.json.details,
    { email: 'user0@example.com', would_work_if_email_was_verified: false });
  const short = await call('/users', {
    method: 'POST', headers, body: { password: 'ninechars' },
  });
  assertError(short, 400, 'PASSWORD_TOO_SHORT');
  assert.equal(short.json.details.min_length, 10);

  const seen = [];
  let cursor = null;
  do {
    const page = await call(`/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`, { headers });
    assert.equal(page.status, 200, page.text);
    assert.equal(page.json.is_paginated, true);
    seen.push(...page.json.items.map((u) => u.id));
    cursor = page.json.pagination.next_cursor;
  } while (cursor);
  assert.deepEqual(seen, ids);

  const cleared = await call(`/users/${ids[0]}`, {
    method: 'PATCH', headers, body: { display_name: null, client_metadata: { theme: 'dark' } },
  });
  assert.equal(cleared.status, 200, cleared.text);
  assert.equal(cleared.json.display_name, null);
  assert.deepEqual(cleared.json.client_metadata, { theme: 'dark' });

  const body = { users: [
    { external_id: 'auth0|42', primary_email: 'legacy@example.com',
      primary_email_verified: true, password_hash: BCRYPT_OF_CORRECT_HORSE },
    { external_id: 'auth0|43', password_hash: 'plaintext' },
  ] };
  const imported = await call('/users/import', { method: 'POST', headers, body });
  assert.equal(imported.status, 200, imported.text);
  assert.equal(imported.json.created_count, 1);
  assert.equal(imported.json.failed_count, 1);
  assert.equal(imported.json.items[1].error_code, 'SCHEMA_ERROR');
  const again = await call('/users/import', { method: 'POST', headers, body });
  assert.equal(again.json.updated_count, 1, 'idempotent on external_id');
  assert.equal(again.json.items[0].user_id, imported.json.items[0].user_id);
  const legacy = await call(`/users/${imported.json.items[0].user_id}`, { headers });
  assert.equal(legacy.json.external_id, 'auth0|42', legacy.text);

  // The imported bcrypt password signs in (and is re-hashed to argon2id).
  for (let attempt = 0; attempt < 2; attempt++) {
    const signedIn = await call('/auth/password/sign-in', {
      method: 'POST', headers: client(state.project),
      body: { email: 'legacy@example.com', password: 'correct horse battery staple' },
    });
    assert.equal(signedIn.status, 200, signedIn.text);
    assert.equal(signedIn.json.user_id, imported.json.items[0].user_id);
  }

  const deleted = await call(`/users/${ids[4]}`, { method: 'DELETE', headers });
  assert.deepEqual(deleted.json, { success: true });
  assertError(await call(`/users/${ids[4]}`, { headers }), 404, 'USER_NOT_FOUND');
  assertError(await call('/users', { headers: client(state.project) }), 401,
    'INSUFFICIENT_ACCESS_TYPE');
});

test('keys are checked per project and stop working when revoked', async () => {
  const other = await call('/internal/projects', {
    method: 'POST',
    headers: adminKey('internal', server.keys.superSecretAdminKey),
    body: { display_name: 'Automation' },
  });
  assert.equal(other.status, 201, other.text);
  assert.match(other.json.owner_team_id, UUID, 'owned by the administrators');
  assertError(await call('/users', {
    headers: serverAccess(other.json.id, state.keys.secret_server_key),
  }), 401, 'INVALID_SECRET_SERVER_KEY');

  const headers = adminKey(state.project, state.keys.super_secret_admin_key);
  const revoked = await call(`/internal/api-keys/${state.keys.id}`, {
    method: 'PATCH', headers: adminToken(state.project, state.admin.access_token),
    body: { revoked: true },
  });
  assert.equal(revoked.status, 200, revoked.text);
  assert.equal(typeof revoked.json.manually_revoked_at_millis, 'number');
  assertError(await call('/users', {
    headers: serverAccess(state.project, state.keys.secret_server_key),
  }), 401, 'INVALID_SECRET_SERVER_KEY');
  assertError(await call('/internal/config', { headers }), 401,
    'INVALID_SUPER_SECRET_ADMIN_KEY');
});

test('the project is deleted', async () => {
  const internal = await call('/internal/projects/current', {
    method: 'DELETE', headers: adminKey('internal', server.keys.superSecretAdminKey),
  });
  assertError(internal, 400, 'CANNOT_DELETE_INTERNAL_PROJECT');
  const deleted = await call('/internal/projects/current', {
    method: 'DELETE', headers: adminToken(state.project, state.admin.access_token),
  });
  assert.equal(deleted.status, 200, deleted.text);
  assertError(await call('/projects/current', { headers: client(state.project) }), 400,
    'CURRENT_PROJECT_NOT_FOUND');
});
