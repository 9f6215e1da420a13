// Internal keys an operator gives in any format of sufficient length (here
// Stack's seeded development keys, which have no prefix of ours) work as
// given: a deployment moving from Stack keeps its apps' keys.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';

const KEYS = {
  publishable: 'this-publishable-client-key-is-for-local-development-only',
  secret: 'this-secret-server-key-is-for-local-development-only',
  admin: 'this-super-secret-admin-key-is-for-local-development-only',
};

let server;
before(async () => {
  server = await startLatchkeyd({
    env: {
      LATCHKEY_INTERNAL_PUBLISHABLE_CLIENT_KEY: KEYS.publishable,
      LATCHKEY_INTERNAL_SECRET_SERVER_KEY: KEYS.secret,
      LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY: KEYS.admin,
    },
  });
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
});

async function get(path, headers) {
  const response = await fetch(`${server.httpUrl}/api/v1${path}`, { headers });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) };
}

test('Stack-format operator keys give admin and server access', async () => {
  const admin = await get('/internal/projects/current', {
    'x-stack-project-id': 'internal', 'x-stack-access-type': 'admin',
    'x-stack-super-secret-admin-key': KEYS.admin,
  });
  assert.equal(admin.status, 200, admin.text);
  assert.equal(admin.json.id, 'internal');

  const serverCall = await get('/users', {
    'x-stack-project-id': 'internal', 'x-stack-access-type': 'server',
    'x-stack-secret-server-key': KEYS.secret,
  });
  assert.equal(serverCall.status, 200, serverCall.text);

  const client = await get('/projects/current', {
    'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
    'x-stack-publishable-client-key': KEYS.publishable,
  });
  assert.equal(client.status, 200, client.text);
});

test('a wrong key of the same shape is still refused', async () => {
  const wrong = await get('/internal/projects/current', {
    'x-stack-project-id': 'internal', 'x-stack-access-type': 'admin',
    'x-stack-super-secret-admin-key': KEYS.admin.replace('admin', 'adm1n'),
  });
  assert.equal(wrong.status, 401, wrong.text);
  assert.equal(wrong.json.code, 'INVALID_SUPER_SECRET_ADMIN_KEY');
});
