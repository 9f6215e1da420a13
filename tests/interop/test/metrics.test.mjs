// Prometheus metrics on the admin listener of a real latchkeyd: the
// exposition is linted by promtool (Debian's prometheus package), counts
// move with real calls, and nothing of it is served on the public port.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';

let server;
let adminUrl;
before(async () => {
  server = await startLatchkeyd({ args: ['--admin_address=127.0.0.1:0'] });
  const started = server.logs.find((entry) => entry.msg === 'latchkeyd started');
  assert.ok(started.admin_port > 0, JSON.stringify(started));
  adminUrl = `http://127.0.0.1:${started.admin_port}`;
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
});

async function scrape() {
  const response = await fetch(`${adminUrl}/metrics`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return response.text();
}

// The value of the sample `name{labels}` whose labels include every pair
// of `want`; 0 when there is none.
function sampleValue(text, name, want = {}) {
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const labels = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      labels[pair[1]] = pair[2];
    }
    if (Object.entries(want).every(([k, v]) => labels[k] === v)) total += Number(match[3]);
  }
  return total;
}

const client = { 'x-stack-project-id': 'internal', 'x-stack-access-type': 'client' };

async function badTokenCall() {
  const response = await fetch(`${server.httpUrl}/api/v1/users/me`, {
    headers: {
      ...client,
      'x-stack-publishable-client-key': server.keys.publishableClientKey,
      'x-stack-access-token': 'not-a-jwt',
    },
  });
  await response.text();
  return response.status;
}

test('the exposition passes promtool check metrics', async () => {
  await badTokenCall();  // so that labelled families have samples
  const text = await scrape();
  assert.ok(text.endsWith('\n'));
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(lint.status, 0, `promtool: ${lint.stdout}${lint.stderr}`);
  assert.equal(`${lint.stdout}${lint.stderr}`.trim(), '', 'no lint warnings');
  for (const family of [
    'latchkey_calls_total', 'latchkey_call_duration_seconds', 'latchkey_call_errors_total',
    'latchkey_access_token_failures_total', 'latchkey_rate_limit_refusals_total',
    'latchkey_password_hash_queue_depth', 'latchkey_password_hash_wait_seconds',
    'latchkey_worker_pool_calls', 'latchkey_database_connections_in_use',
    'latchkey_database_errors_total', 'latchkey_token_cache_lookups_total',
    'latchkey_user_cache_lookups_total',
    'latchkey_mail_queue_depth', 'latchkey_build_info', 'process_start_time_seconds',
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${family} `, 'm'), family);
  }
});

test('a call moves its counters, its histogram and the failure reason', async () => {
  const labels = { service: 'identity.v1.AuthService', method: 'GetCurrentUser', transport: 'rest' };
  const before = await scrape();
  assert.equal(await badTokenCall(), 401);
  assert.equal(await badTokenCall(), 401);
  const after = await scrape();
  const delta = (name, want) => sampleValue(after, name, want) - sampleValue(before, name, want);
  assert.equal(delta('latchkey_calls_total', { ...labels, code: 'Unauthenticated' }), 2, after);
  assert.equal(delta('latchkey_call_duration_seconds_count', labels), 2);
  assert.equal(delta('latchkey_call_duration_seconds_bucket', { ...labels, le: '+Inf' }), 2);
  assert.equal(delta('latchkey_call_errors_total', { error_code: 'UNPARSABLE_ACCESS_TOKEN' }), 2);
  assert.equal(delta('latchkey_access_token_failures_total', { reason: 'malformed' }), 2);
  assert.equal(sampleValue(after, 'latchkey_build_info'), 1);
});

test('the admin listener answers health and readiness; the public port has no /metrics', async () => {
  assert.equal((await fetch(`${adminUrl}/healthz`)).status, 200);
  assert.equal((await fetch(`${adminUrl}/readyz`)).status, 200);
  assert.equal((await fetch(`${adminUrl}/elsewhere`)).status, 404);
  assert.equal((await fetch(`${adminUrl}/metrics`, { method: 'POST' })).status, 405);
  const publicMetrics = await fetch(`${server.httpUrl}/metrics`);
  assert.notEqual(publicMetrics.status, 200);
  assert.doesNotMatch(await publicMetrics.text(), /latchkey_calls_total/);
});

test('without --admin_address there is no admin listener', async () => {
  const plain = await startLatchkeyd();
  try {
    const started = plain.logs.find((entry) => entry.msg === 'latchkeyd started');
    assert.equal(started.admin_port, 0);
  } finally {
    assert.equal(await plain.stop(), 0);
  }
});
