// Envoy's external authorization (ext_authz v3 over gRPC) against a live
// latchkeyd: a grpc-js client built from the protos in proto/envoy (the
// wire-compatible subset latchkeyd is built from) sends CheckRequests shaped
// as Envoy's ext_authz filter sends them (lower-case headers with the
// pseudo-headers, the path with its query, per-route context_extensions),
// and the answers are read as Envoy reads them.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { api, googleapisDir, meshIdentities, protoDir } from '../lib/mesh.mjs';

let server;
let client;
let ids;

before(async () => {
  server = await startLatchkeyd();
  const definition = protoLoader.loadSync('envoy/service/auth/v3/external_auth.proto', {
    includeDirs: [protoDir, googleapisDir, '/usr/include'],
    keepCase: true, longs: String, enums: String, defaults: false, oneofs: true,
  });
  const { envoy } = grpc.loadPackageDefinition(definition);
  client = new envoy.service.auth.v3.Authorization(
    server.grpcAddress, grpc.credentials.createInsecure());
  ids = await meshIdentities(server);
});
after(async () => {
  client?.close();
  if (server) assert.equal(await server.stop(), 0);
});

// A CheckRequest as Envoy builds it for `GET /docs?page=1` with `headers`
// from the client, under a route whose check_settings carry `extensions`.
function envoyRequest(headers = {}, extensions = {}) {
  const path = '/docs?page=1';
  return {
    attributes: {
      source: { address: { socket_address: { address: '10.1.2.3', port_value: 53412 } } },
      destination: { address: { socket_address: { address: '10.1.2.4', port_value: 8080 } } },
      request: {
        time: { seconds: String(Math.floor(Date.now() / 1000)), nanos: 0 },
        http: {
          id: '4120918310497390877',
          method: 'GET',
          headers: {
            ':authority': 'app.example.com', ':method': 'GET', ':path': path,
            ':scheme': 'http', 'user-agent': 'curl/7.88.1', accept: '*/*',
            'x-forwarded-proto': 'http', 'x-request-id': 'b0f1c4c2-6f55-4c47-a5b6-0c4e6a7e2b11',
            ...headers,
          },
          path, host: 'app.example.com', scheme: 'http', protocol: 'HTTP/1.1',
        },
      },
      context_extensions: extensions,
    },
  };
}

const check = (request) => new Promise((resolve, reject) =>
  client.Check(request, (error, reply) => (error ? reject(error) : resolve(reply))));

const bearer = (user) => ({ authorization: `Bearer ${user.accessToken}` });

// Header options as {name: option}.
const byName = (options = []) => Object.fromEntries(options.map((o) => [o.header.key, o]));

// What Envoy does with an allowed check's mutations to the request's
// headers (ext_authz_grpc_impl / ext_authz filter): `append`, when set,
// wins over append_action (whose default 0 appends); removals come last.
function applyOk(headers, ok) {
  const out = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]]));
  for (const option of ok.headers ?? []) {
    const { key, value } = option.header;
    let action = option.append_action ?? 'APPEND_IF_EXISTS_OR_ADD';
    if (option.append) action = option.append.value ? 'APPEND_IF_EXISTS_OR_ADD' : 'OVERWRITE_IF_EXISTS_OR_ADD';
    if (action === 'APPEND_IF_EXISTS_OR_ADD') out[key] = [...(out[key] ?? []), value];
    else if (action === 'OVERWRITE_IF_EXISTS_OR_ADD') out[key] = [value];
    else if (action === 'ADD_IF_ABSENT' && !out[key]) out[key] = [value];
    else if (action === 'OVERWRITE_IF_EXISTS' && out[key]) out[key] = [value];
  }
  for (const name of ok.headers_to_remove ?? []) delete out[name];
  return out;
}

function assertDenied(reply, httpStatus, code) {
  assert.equal(reply.http_response, 'denied_response', JSON.stringify(reply));
  assert.equal(reply.status.code, httpStatus === 401 ? 16 : 7);
  assert.equal(reply.denied_response.status.code, httpStatus === 401 ? 'Unauthorized' : 'Forbidden');
  const headers = byName(reply.denied_response.headers);
  assert.equal(headers['content-type'].header.value, 'application/json; charset=utf-8');
  const body = JSON.parse(reply.denied_response.body);
  assert.equal(body.code, code);
  assert.equal(typeof body.error, 'string');
  assert.equal(headers['x-stack-known-error']?.header.value, code);
  if (httpStatus === 401) assert.match(headers['www-authenticate'].header.value, /^Bearer realm="latchkey"/);
  else assert.equal(headers['www-authenticate'], undefined);
  return { headers, body };
}

function assertAllowed(reply) {
  assert.equal(reply.http_response, 'ok_response', JSON.stringify(reply));
  assert.equal(reply.status.code ?? 0, 0);
  return reply.ok_response;
}

test('no token: 401 with a Bearer challenge and Stack\'s error body', async () => {
  const { headers } = assertDenied(await check(envoyRequest()), 401, 'USER_AUTHENTICATION_REQUIRED');
  assert.equal(headers['www-authenticate'].header.value, 'Bearer realm="latchkey"');
});

test('a token that is not one of ours: 401 invalid_token', async () => {
  const { headers } = assertDenied(
    await check(envoyRequest({ authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' })), 401,
    'UNPARSABLE_ACCESS_TOKEN');
  assert.equal(headers['www-authenticate'].header.value, 'Bearer realm="latchkey", error="invalid_token"');
  const [h, p, s] = ids.bob.accessToken.split('.');
  const tampered = `${h}.${p}.${s.slice(0, 10)}${s[10] === 'A' ? 'B' : 'A'}${s.slice(11)}`;
  assertDenied(await check(envoyRequest({ authorization: `Bearer ${tampered}` })), 401,
    'UNPARSABLE_ACCESS_TOKEN');
});

test('a valid bearer token: allowed, identity headers set to overwrite', async () => {
  const ok = assertAllowed(await check(envoyRequest(bearer(ids.alice))));
  const headers = byName(ok.headers);
  assert.deepEqual(Object.keys(headers).sort(),
    ['x-latchkey-is-anonymous', 'x-latchkey-project-id', 'x-latchkey-user-id']);
  assert.equal(headers['x-latchkey-user-id'].header.value, ids.alice.userId);
  assert.equal(headers['x-latchkey-project-id'].header.value, 'internal');
  assert.equal(headers['x-latchkey-is-anonymous'].header.value, 'false');
  for (const option of ok.headers) {
    assert.equal(option.append_action, 'OVERWRITE_IF_EXISTS_OR_ADD');
    // BoolValue{value: false}: present, its value the default.
    assert.ok(option.append, 'append is set');
    assert.equal(option.append.value ?? false, false);
  }
  assert.deepEqual(ok.headers_to_remove ?? [], []);
});

test('x-stack-access-token is read as well as Authorization', async () => {
  const ok = assertAllowed(await check(envoyRequest({ 'x-stack-access-token': ids.bob.accessToken })));
  assert.equal(byName(ok.headers)['x-latchkey-user-id'].header.value, ids.bob.userId);
});

test('encode_raw_headers: the token is read from header_map', async () => {
  const request = envoyRequest();
  request.attributes.request.http.header_map = {
    headers: [{ key: 'authorization', raw_value: Buffer.from(`Bearer ${ids.alice.accessToken}`) }],
  };
  const ok = assertAllowed(await check(request));
  assert.equal(byName(ok.headers)['x-latchkey-user-id'].header.value, ids.alice.userId);
});

test('header smuggling: forged x-latchkey-* never reach the upstream', async () => {
  const sent = {
    ...bearer(ids.bob),
    'x-latchkey-user-id': ids.alice.userId,
    'x-latchkey-project-id': 'someone-else',
    'x-latchkey-team-id': ids.teamId,
    'x-latchkey-is-anonymous': 'false',
    'x-latchkey-role': 'admin',
  };
  const request = envoyRequest(sent);
  const ok = assertAllowed(await check(request));
  assert.deepEqual([...ok.headers_to_remove].sort(), ['x-latchkey-role', 'x-latchkey-team-id']);
  const upstream = applyOk(request.attributes.request.http.headers, ok);
  assert.deepEqual(upstream['x-latchkey-user-id'], [ids.bob.userId]);
  assert.deepEqual(upstream['x-latchkey-project-id'], ['internal']);
  assert.deepEqual(upstream['x-latchkey-is-anonymous'], ['false']);
  assert.equal(upstream['x-latchkey-team-id'], undefined);
  assert.equal(upstream['x-latchkey-role'], undefined);
  // Envoy's default (append) would have let the forged value through.
  const naive = applyOk(request.attributes.request.http.headers, {
    headers: ok.headers.map((o) => ({ header: o.header })),
  });
  assert.deepEqual(naive['x-latchkey-user-id'], [ids.alice.userId, ids.bob.userId]);
});

test('anonymous users: refused by default, admitted where the route allows them', async () => {
  assertDenied(await check(envoyRequest(bearer(ids.anonymous))), 401,
    'ANONYMOUS_AUTHENTICATION_NOT_ALLOWED');
  const ok = assertAllowed(await check(envoyRequest(bearer(ids.anonymous),
    { 'latchkey.allow_anonymous': 'true' })));
  assert.equal(byName(ok.headers)['x-latchkey-is-anonymous'].header.value, 'true');
  assert.equal(byName(ok.headers)['x-latchkey-user-id'].header.value, ids.anonymous.userId);
});

test('a route that names another project refuses this project\'s token', async () => {
  assertDenied(await check(envoyRequest(bearer(ids.alice),
    { 'latchkey.project_id': '3f1e2d3c-0000-4000-8000-000000000000' })), 401,
  'INVALID_PROJECT_FOR_ACCESS_TOKEN');
  assertAllowed(await check(envoyRequest(bearer(ids.alice), { 'latchkey.project_id': 'internal' })));
});

test('permission-gated route: the holder passes, others get 403', async () => {
  const route = { 'latchkey.permission': ids.permission };
  assertAllowed(await check(envoyRequest(bearer(ids.alice), route)));
  const { body } = assertDenied(await check(envoyRequest(bearer(ids.bob), route)), 403,
    'PROJECT_PERMISSION_REQUIRED');
  assert.deepEqual(body.details, { user_id: ids.bob.userId, permission_id: ids.permission });
  // Authentication still comes first.
  assertDenied(await check(envoyRequest({}, route)), 401, 'USER_AUTHENTICATION_REQUIRED');
});

// The check reads the same permission engine the permission methods
// change: a definition and grant made through the API count at once, with
// no cache of the check's own to wait out.
test('a permission defined and granted through the API counts at the next check', async () => {
  const permission = `fresh_${Date.now()}`;
  const route = { 'latchkey.permission': permission };
  // Asked about before it exists: refused, and the project's definitions
  // are now cached by whoever answered.
  assertDenied(await check(envoyRequest(bearer(ids.bob), route)), 403, 'PROJECT_PERMISSION_REQUIRED');
  await api(server, 'POST', '/project-permission-definitions', {
    access: 'admin', body: { id: permission },
  });
  await api(server, 'POST', `/project-permissions/${ids.bob.userId}/${permission}`, { body: {} });
  assertAllowed(await check(envoyRequest(bearer(ids.bob), route)));
});

test('team permission, in the team a request header names', async () => {
  const route = { 'latchkey.permission': '$read_members', 'latchkey.team_header': 'x-team-id' };
  assertAllowed(await check(envoyRequest({ ...bearer(ids.alice), 'x-team-id': ids.teamId }, route)));
  assertDenied(await check(envoyRequest({ ...bearer(ids.bob), 'x-team-id': ids.teamId }, route)),
    403, 'TEAM_PERMISSION_REQUIRED');
  assertDenied(await check(envoyRequest(bearer(ids.alice), route)), 403, 'TEAM_PERMISSION_REQUIRED');
});

test('a selected team travels as x-latchkey-team-id', async () => {
  const ok = assertAllowed(await check(envoyRequest(bearer(ids.aliceInTeam))));
  assert.equal(byName(ok.headers)['x-latchkey-team-id'].header.value, ids.teamId);
  assert.equal(byName(ok.headers)['x-latchkey-team-id'].append_action, 'OVERWRITE_IF_EXISTS_OR_ADD');
});

test('restricted users: 403 unless the route admits them', async () => {
  assertDenied(await check(envoyRequest(bearer(ids.restricted))), 403, 'RESTRICTED_USER_NOT_ALLOWED');
  const ok = assertAllowed(await check(envoyRequest(bearer(ids.restricted),
    { 'latchkey.allow_restricted': 'true' })));
  assert.equal(byName(ok.headers)['x-latchkey-user-id'].header.value, ids.restricted.userId);
});

test('--identity_headers: extra headers set to overwrite, cleared when the user has no value', async () => {
  const extra = await startLatchkeyd({
    args: ['--identity_headers=X-User-Email=primary_email,x-user-name=display_name,'
      + 'x-latchkey-session=session_id,x-user-verified=primary_email_verified'],
  });
  const definition = protoLoader.loadSync('envoy/service/auth/v3/external_auth.proto', {
    includeDirs: [protoDir, googleapisDir, '/usr/include'],
    keepCase: true, longs: String, enums: String, defaults: false, oneofs: true,
  });
  const { envoy } = grpc.loadPackageDefinition(definition);
  const other = new envoy.service.auth.v3.Authorization(
    extra.grpcAddress, grpc.credentials.createInsecure());
  try {
    const them = await meshIdentities(extra);
    const request = envoyRequest({
      ...bearer(them.alice),
      'x-user-email': 'boss@example.com',
      'x-user-name': 'The Boss',
      'x-latchkey-session': 'forged',
    });
    const reply = await new Promise((resolve, reject) =>
      other.Check(request, (error, r) => (error ? reject(error) : resolve(r))));
    const ok = assertAllowed(reply);
    const headers = byName(ok.headers);
    assert.equal(headers['x-user-email'].header.value, them.alice.email);
    assert.equal(headers['x-user-email'].append_action, 'OVERWRITE_IF_EXISTS_OR_ADD');
    assert.equal(headers['x-user-verified'].header.value, 'false');
    assert.match(headers['x-latchkey-session'].header.value, /^[0-9a-f-]{36}$/);
    assert.deepEqual([...ok.headers_to_remove].sort(), ['x-user-name']);
    const upstream = applyOk(request.attributes.request.http.headers, ok);
    assert.deepEqual(upstream['x-user-email'], [them.alice.email]);
    assert.equal(upstream['x-user-name'], undefined);
    assert.notDeepEqual(upstream['x-latchkey-session'], ['forged']);
    // A refused request carries none of them.
    const denied = await new Promise((resolve, reject) =>
      other.Check(envoyRequest({ 'x-user-email': 'boss@example.com' }),
        (error, r) => (error ? reject(error) : resolve(r))));
    assertDenied(denied, 401, 'USER_AUTHENTICATION_REQUIRED');
  } finally {
    other.close();
    assert.equal(await extra.stop(), 0);
  }
});

test('--identity_headers: a reserved or malformed header name stops startup', async () => {
  for (const bad of ['authorization=primary_email', 'x-user=password', 'x user=display_name']) {
    await assert.rejects(startLatchkeyd({ args: [`--identity_headers=${bad}`] }),
      /identity_headers/, bad);
  }
});
