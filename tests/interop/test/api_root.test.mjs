// GET /api/v1, the API's root: without credentials it describes the API;
// with project headers it authenticates like any route (Stack's codes for
// each failure) and its text names the access type, the project and the
// user it saw. Query parameters are refused either way.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';

let server;
before(async () => {
  server = await startLatchkeyd();
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
});

async function root(headers = {}, query = '') {
  const response = await fetch(`${server.httpUrl}/api/v1${query}`, { headers });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, headers: response.headers, text, json };
}

const assertCode = (response, status, code) => {
  assert.equal(response.status, status, response.text);
  assert.equal(response.json?.code, code, response.text);
  assert.equal(response.headers.get('x-stack-known-error'), code);
};

test('without credentials: a description, no authentication', async () => {
  const response = await root();
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^text\/plain/);
  assert.match(response.text, /Authentication: None\n$/);
  assertCode(await root({}, '?unknown=1'), 400, 'SCHEMA_ERROR');
});

test('with headers: each credential failure is Stack\'s code', async () => {
  assertCode(await root({ 'x-stack-access-type': 'client' }), 400, 'ACCESS_TYPE_WITHOUT_PROJECT_ID');
  assertCode(await root({
    'x-stack-access-type': 'client', 'x-stack-project-id': '7a7a7a7a-1f2a-4b3c-8d4e-5f6a7b8c9d0e',
  }), 400, 'CURRENT_PROJECT_NOT_FOUND');
  assertCode(await root({
    'x-stack-access-type': 'client', 'x-stack-project-id': 'internal',
    'x-stack-publishable-client-key': 'pck_wrong',
  }), 401, 'INVALID_PUBLISHABLE_CLIENT_KEY');
  const serverWithoutKey = await root({ 'x-stack-access-type': 'server', 'x-stack-project-id': 'internal' });
  assertCode(serverWithoutKey, 401, 'SERVER_AUTHENTICATION_REQUIRED');
  assertCode(await root({ 'x-stack-access-type': 'client', 'x-stack-project-id': 'internal' }, '?x=1'),
    400, 'SCHEMA_ERROR');
});

test('with headers: the text names the access type, project and user', async () => {
  const client = { 'x-stack-access-type': 'client', 'x-stack-project-id': 'internal' };
  const anonymous = await root(client);
  assert.equal(anonymous.status, 200, anonymous.text);
  assert.match(anonymous.headers.get('content-type'), /^text\/plain/);
  assert.match(anonymous.text, /Authentication: Client\n {2}Project: internal\n {2}User: None\n$/);

  const server2 = await root({
    'x-hexclave-access-type': 'server', 'x-hexclave-project-id': 'internal',
    'x-hexclave-secret-server-key': server.keys.secretServerKey,
  });
  assert.equal(server2.status, 200, server2.text);
  assert.match(server2.text, /Authentication: Server\n {2}Project: internal\n {2}User: None\n$/);

  const signUp = await fetch(`${server.httpUrl}/api/v1/auth/password/sign-up`, {
    method: 'POST', headers: { ...client, 'content-type': 'application/json' },
    body: JSON.stringify({
      email: 'root@example.com', password: 'correct horse',
      verification_callback_url: 'http://localhost:3000/v',
    }),
  });
  assert.equal(signUp.status, 200);
  const { access_token: token } = await signUp.json();
  const signedIn = await root({ ...client, 'x-stack-access-token': token });
  assert.equal(signedIn.status, 200, signedIn.text);
  assert.match(signedIn.text, /Authentication: Client\n {2}Project: internal\n {2}User: root@example.com\n$/);
  const expired = await root({ ...client, 'x-stack-access-token': 'not-a-token' });
  assertCode(expired, 401, 'UNPARSABLE_ACCESS_TOKEN');
});
