// The REST gateway over real HTTP (Node's fetch, http and raw sockets)
// against a running latchkeyd: Stack Auth's dialect, limits, connection
// handling, and agreement with the gRPC door.
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';

import { internalUserService } from '../lib/grpc_user_service.mjs';
import { startLatchkeyd } from '../lib/latchkeyd.mjs';

let server;
before(async () => {
  server = await startLatchkeyd({
    args: ['--http_request_timeout_ms=400', '--http_max_body_bytes=4096',
      '--http_max_url_bytes=1024', '--http_max_header_bytes=2048'],
  });
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
});

const client = { 'x-stack-project-id': 'internal', 'x-stack-access-type': 'client' };

async function call(path, { method = 'GET', headers = {}, body } = {}) {
  const response = await fetch(`${server.httpUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, headers: response.headers, text, json };
}

function assertStackError(response, status, code) {
  assert.equal(response.status, status, response.text);
  assert.equal(response.json?.code, code, response.text);
  assert.equal(typeof response.json.error, 'string');
  assert.match(response.headers.get('content-type'), /^application\/json/);
}

test('GET /api/v1 says what the API is and how to authenticate', async () => {
  const response = await call('/api/v1');
  assert.equal(response.status, 200);
  assert.match(response.text, /x-stack-access-type/);
  assert.match(response.headers.get('content-type'), /^text\/plain/);
});

test('liveness and readiness', async () => {
  assert.equal((await call('/healthz')).status, 200);
  assert.equal((await call('/readyz')).status, 200);
});

test('every response has a request id, no-store caching and no decorative headers', async () => {
  for (const path of ['/api/v1/users/me', '/api/v1/nope', '/healthz']) {
    const response = await call(path);
    assert.match(response.headers.get('x-stack-request-id') ?? '', /^[0-9a-f]{32}$/, path);
    assert.equal(response.headers.get('cache-control'), 'no-store, max-age=0', path);
    assert.equal(response.headers.get('server'), null, path);
    assert.equal(response.headers.get('x-powered-by'), null, path);
  }
});

test('an unknown route is a JSON 404 and a wrong verb a JSON 405', async () => {
  const missing = await call('/api/v1/no/such/route');
  assertStackError(missing, 404, 'ROUTE_NOT_FOUND');
  assert.equal(missing.headers.get('x-stack-known-error'), null, 'not one of Stack\'s codes');
  const wrong = await call('/api/v1/users/me', { method: 'PUT', headers: client, body: '{}' });
  assertStackError(wrong, 405, 'METHOD_NOT_ALLOWED');
  assert.equal(wrong.headers.get('allow'), 'DELETE, GET, PATCH');
  assert.deepEqual(wrong.json.details.allowed_methods, ['DELETE', 'GET', 'PATCH']);
});

test('known errors carry x-stack-known-error equal to the code', async () => {
  const response = await call('/api/v1/users/me');
  assertStackError(response, 400, 'ACCESS_TYPE_REQUIRED');
  assert.equal(response.headers.get('x-stack-known-error'), 'ACCESS_TYPE_REQUIRED');
  assert.equal('details' in response.json, false, 'no details for a code without any');

  const insufficient = await call('/api/v1/users/00000000-0000-4000-8000-000000000000',
      { headers: client });
  assertStackError(insufficient, 401, 'INSUFFICIENT_ACCESS_TYPE');
  assert.deepEqual(insufficient.json.details,
      { actual_access_type: 'client', allowed_access_types: ['server', 'admin'] });
});

test('x-hexclave-* headers are aliases of x-stack-*', async () => {
  const response = await call('/api/v1/users/00000000-0000-4000-8000-000000000000', {
    headers: { 'x-hexclave-project-id': 'internal', 'x-hexclave-access-type': 'client' },
  });
  assertStackError(response, 401, 'INSUFFICIENT_ACCESS_TYPE');
});

test('x-stack-override-error-status turns a 4xx into 200 with the real status', async () => {
  const response = await call('/api/v1/users/me', {
    headers: { 'x-stack-override-error-status': 'true' },
  });
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('x-stack-actual-status'), '400');
  assert.equal(response.json.code, 'ACCESS_TYPE_REQUIRED');
});

test('CORS preflight allows any origin, the verbs and Stack\'s headers', async () => {
  const response = await call('/api/v1/auth/password/sign-in', {
    method: 'OPTIONS',
    headers: {
      origin: 'https://app.example.com',
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'x-stack-access-type, content-type',
    },
  });
  assert.equal(response.status, 204);
  assert.equal(response.headers.get('access-control-allow-origin'), '*');
  assert.equal(response.headers.get('access-control-allow-methods'),
      'GET, POST, PUT, PATCH, DELETE, OPTIONS');
  const allowed = response.headers.get('access-control-allow-headers');
  for (const header of ['content-type', 'authorization', 'x-stack-access-type',
    'x-stack-project-id', 'x-stack-refresh-token', 'x-hexclave-access-type']) {
    assert.ok(allowed.includes(header), header);
  }
  const normal = await call('/healthz', { headers: { origin: 'https://app.example.com' } });
  assert.equal(normal.headers.get('access-control-allow-origin'), '*');
  assert.equal(normal.headers.get('access-control-expose-headers'),
      'content-type, x-stack-actual-status, x-stack-known-error');
});

test('bodies: malformed JSON, unknown keys, wrong types', async () => {
  const post = (body, headers = {}) => call('/api/v1/auth/password/sign-in',
      { method: 'POST', headers: { ...client, 'content-type': 'application/json', ...headers }, body });
  const malformed = await post('{"email": ');
  assertStackError(malformed, 400, 'BODY_PARSING_ERROR');
  const unknown = await post('{"email":"a@b.c","password":"12345678","extra":1}');
  assertStackError(unknown, 400, 'SCHEMA_ERROR');
  assert.match(unknown.json.details.message, /unknown properties: extra/);
  assert.equal(unknown.json.details.message, unknown.json.error);
  const wrongType = await post('{"email":42,"password":"12345678"}');
  assertStackError(wrongType, 400, 'SCHEMA_ERROR');
  assert.match(wrongType.json.details.message, /body\.email must be a string/);
  const missing = await post('{"password":"12345678"}');
  assertStackError(missing, 400, 'SCHEMA_ERROR');
  assert.match(missing.json.details.message, /email/);
  const unknownQuery = await call('/api/v1/users/me?bogus=1', { headers: client });
  assertStackError(unknownQuery, 400, 'SCHEMA_ERROR');
  const text = await post('hello', { 'content-type': 'text/plain' });
  assertStackError(text, 415, 'UNSUPPORTED_MEDIA_TYPE');
});

test('an empty body without content-type reaches the method', async () => {
  const response = await fetch(`${server.httpUrl}/api/v1/auth/anonymous/sign-up`,
      { method: 'POST', headers: client });
  const json = await response.json();
  assert.notEqual(json.code, 'SCHEMA_ERROR');
  assert.notEqual(json.code, 'BODY_PARSING_ERROR');
});

test('limits: body 413, URL 414, headers 431', async () => {
  const big = await call('/api/v1/auth/password/sign-in', {
    method: 'POST', headers: { ...client, 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'a@b.c', password: 'x'.repeat(5000) }),
  });
  assertStackError(big, 413, 'PAYLOAD_TOO_LARGE');
  const longUrl = await call(`/api/v1/users/${'u'.repeat(1500)}`);
  assertStackError(longUrl, 414, 'URI_TOO_LONG');
  const headers = await call('/api/v1/users/me', { headers: { 'x-big': 'h'.repeat(3000) } });
  assertStackError(headers, 431, 'REQUEST_HEADER_FIELDS_TOO_LARGE');
});

test('keep-alive: many requests share one connection', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  const url = new URL(server.httpUrl);
  for (let i = 0; i < 50; i++) {
    const status = await new Promise((resolve, reject) => {
      const request = http.get({ host: url.hostname, port: url.port, path: '/api/v1/users/me', agent },
          (response) => { response.resume(); response.on('end', () => resolve(response.statusCode)); });
      request.on('socket', (socket) => sockets.add(socket));
      request.on('error', reject);
    });
    assert.equal(status, 400);
  }
  assert.equal(sockets.size, 1);
  agent.destroy();
});

function rawExchange(payload, { expectResponses, waitForClose = false }) {
  return new Promise((resolve, reject) => {
    const url = new URL(server.httpUrl);
    const socket = net.connect(Number(url.port), url.hostname);
    let data = '';
    const finish = () => { socket.destroy(); resolve(data); };
    socket.setEncoding('latin1');
    socket.on('data', (chunk) => {
      data += chunk;
      if (!waitForClose && (data.match(/HTTP\/1\.1 \d{3}/g) ?? []).length >= expectResponses &&
          data.endsWith('}')) finish();
    });
    socket.on('end', finish);
    socket.on('error', reject);
    socket.write(payload);
  });
}

test('pipelined requests are answered in order on one connection', async () => {
  const get = (path) => `GET ${path} HTTP/1.1\r\nHost: x\r\nx-stack-project-id: internal\r\n` +
      'x-stack-access-type: client\r\n\r\n';
  const data = await rawExchange(get('/api/v1/nope-1') + get('/api/v1/users/me?x=1') +
      get('/api/v1/nope-3'), { expectResponses: 3 });
  const codes = [...data.matchAll(/"code":"([A-Z_]+)"/g)].map((m) => m[1]);
  assert.deepEqual(codes, ['ROUTE_NOT_FOUND', 'SCHEMA_ERROR', 'ROUTE_NOT_FOUND']);
  const paths = [...data.matchAll(/"path":"([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(paths, ['/api/v1/nope-1', '/api/v1/nope-3']);
});

test('a stalled client gets 408 and is cut off while others are served', async () => {
  const stalled = rawExchange('POST /api/v1/auth/password/sign-in HTTP/1.1\r\nHost: x\r\n' +
      'content-length: 100\r\n\r\n{"email"', { expectResponses: 1, waitForClose: true });
  const meanwhile = await call('/healthz');
  assert.equal(meanwhile.status, 200);
  const data = await stalled;
  assert.match(data, /^HTTP\/1\.1 408 /);
  assert.match(data, /"code":"REQUEST_TIMEOUT"/);
});

test('the same call through REST and gRPC gives the same answer', async () => {
  const userId = '00000000-0000-4000-8000-000000000000';
  const rest = await call(`/api/v1/users/${userId}`, { headers: client });

  const { unary, close } = await internalUserService(server, 'client');
  const error = await unary('getUser', { user_id: userId }).then(
    () => assert.fail('a client may not read another user over gRPC'), (e) => e);
  close();

  assert.equal(error.code, grpc.status.PERMISSION_DENIED);
  assert.equal(error.details, rest.json.error);
  // google.rpc.Status in grpc-status-details-bin carries the same code.
  const detailsBin = error.metadata.get('grpc-status-details-bin')[0];
  assert.ok(detailsBin.toString('latin1').includes('INSUFFICIENT_ACCESS_TYPE'));
  assert.equal(rest.json.code, 'INSUFFICIENT_ACCESS_TYPE');
});
