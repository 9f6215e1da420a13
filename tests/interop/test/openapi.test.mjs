// The OpenAPI document (tools/openapi) against a real OpenAPI validator and
// the live gateway: it is valid OpenAPI 3.1, the served copy is the
// installed file, every documented route is served, every route the
// contract declares is documented, and the errors a route answers are the
// ones its operation lists.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import SwaggerParser from '@apidevtools/swagger-parser';

import { latchkeydBinary, repoRoot, startLatchkeyd } from '../lib/latchkeyd.mjs';

let server;
let document;
before(async () => {
  server = await startLatchkeyd();
  const response = await fetch(`${server.httpUrl}/api/v1/openapi.json`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type'), /^application\/json/);
  document = await response.json();
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
});

// Every (method, path) pair the document lists, with its operation.
function operations(doc) {
  const out = [];
  for (const [route, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      out.push({ method: method.toUpperCase(), route, operation });
    }
  }
  return out;
}

// The routes proto/identity/v1 declares in google.api.http options (what
// the gateway builds its route table from), read straight from the text.
function contractRoutes() {
  const dir = path.join(repoRoot, 'proto', 'identity', 'v1');
  const routes = new Set();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.proto'))) {
    const text = readFileSync(path.join(dir, file), 'utf8');
    const blocks = text.matchAll(/option \(google\.api\.http\) = \{([\s\S]*?)\n\s*\};/g);
    for (const [, block] of blocks) {
      for (const [, method, route] of block.matchAll(/\b(get|post|put|patch|delete): "([^"]+)"/g)) {
        routes.add(`${method.toUpperCase()} ${route.replace(/\{([^}=]+)=[^}]*\}/g, '{$1}')}`);
      }
    }
  }
  return routes;
}

test('the served document is valid OpenAPI 3.1 (swagger-parser)', async () => {
  assert.equal(document.openapi, '3.1.0');
  await SwaggerParser.validate(structuredClone(document));
});

test('the validator rejects a broken document', async () => {
  const broken = structuredClone(document);
  const [first] = operations(broken);
  first.operation.responses = { 200: { content: {} } };  // no description
  await assert.rejects(SwaggerParser.validate(broken));
  const dangling = structuredClone(document);
  operations(dangling).find((o) => o.operation.parameters).operation.parameters
    .push({ $ref: '#/components/parameters/Nope' });
  await assert.rejects(SwaggerParser.validate(dangling));
});

test('the served document is the installed file', () => {
  const file = path.join(path.dirname(latchkeydBinary()), '..', 'tools', 'openapi', 'openapi.json');
  assert.ok(existsSync(file), `${file} is missing: bazel build //tools/openapi:openapi_json`);
  assert.deepEqual(JSON.parse(readFileSync(file, 'utf8')), document);
});

test('every route the contract declares is documented', () => {
  const documented = new Set(operations(document).map((o) => `${o.method} ${o.route}`));
  const declared = contractRoutes();
  assert.ok(declared.size > 50, `only ${declared.size} routes found in the protos`);
  const missing = [...declared].filter((r) => !documented.has(r));
  assert.deepEqual(missing, []);
  // And nothing is documented that the contract does not declare, except
  // the gateway's own routes.
  const extra = operations(document)
    .filter((o) => !declared.has(`${o.method} ${o.route}`))
    .map((o) => `${o.method} ${o.route}`).sort();
  // (GET /api/v1 is also the contract's DescribeCaller now, documented as
  // the gateway's text route.)
  assert.deepEqual(extra, ['GET /api/v1/openapi.json', 'GET /healthz', 'GET /readyz']);
});

// Served and left out on purpose: /forward-auth is for reverse proxies
// (nginx auth_request, Caddy forward_auth), not part of the REST API. It
// takes any method and answers only 200, 401 or 403 (docs/mesh.md).
test('the forward-auth endpoint is served but not documented', async () => {
  assert.equal(document.paths['/forward-auth'], undefined);
  const answer = await probe('GET', '/forward-auth');
  assert.equal(answer.status, 401);
  assert.equal(answer.json?.code, 'USER_AUTHENTICATION_REQUIRED');
});

// A request on a route, with no credentials; path variables get a value
// that names nothing.
async function probe(method, route) {
  const url = server.httpUrl + route.replace(/\{[^}]+\}/g, 'openapi-probe');
  const init = { method, redirect: 'manual', headers: {} };
  if (method !== 'GET' && method !== 'DELETE') {
    init.headers['content-type'] = 'application/json';
    init.body = '{}';
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let json;
  try { json = JSON.parse(text); } catch { json = undefined; }
  return { status: response.status, json, text };
}

function isRouteMiss(answer) {
  return answer.status === 405 || answer.json?.code === 'ROUTE_NOT_FOUND' ||
    answer.json?.code === 'METHOD_NOT_ALLOWED';
}

test('the route-miss check can fail', async () => {
  assert.ok(isRouteMiss(await probe('GET', '/api/v1/no-such-route')));
  assert.ok(isRouteMiss(await probe('DELETE', '/api/v1/auth/password/sign-in')));
});

test('every documented route is served, and answers an error it documents', async (t) => {
  const problems = [];
  for (const { method, route, operation } of operations(document)) {
    const answer = await probe(method, route);
    if (isRouteMiss(answer)) {
      problems.push(`${method} ${route}: not served (${answer.status} ${answer.text.slice(0, 80)})`);
      continue;
    }
    if (answer.status < 400 || answer.json?.code === undefined) continue;
    // A contract method with no handler in this build answers 501 whatever
    // its operation says; the document describes the contract.
    if (answer.json.code === 'NOT_IMPLEMENTED') {
      t.diagnostic(`${method} ${route}: not implemented by this server`);
      continue;
    }
    // The error's code is among those documented for its status.
    const documented = operation.responses[String(answer.status)]
      ?.content?.['application/json']?.schema?.oneOf
      ?.map((ref) => ref.$ref.split('StackError.')[1]) ?? [];
    if (!documented.includes(answer.json.code)) {
      problems.push(`${method} ${route}: ${answer.status} ${answer.json.code} is not documented`);
    }
  }
  assert.deepEqual(problems, []);
});
