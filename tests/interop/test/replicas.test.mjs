// Three latchkeyd replicas on one PostgreSQL database, as behind a load
// balancer (here the client spreads its calls over them itself): two start
// at the same moment on an empty database and migrate it once; first-admin
// setup raced on all three makes exactly one administrator; sign-in limits
// count once across all three; a session ended on one cannot refresh on the
// others; a key set revoked on one is refused by the others within the
// documented 2 s of API-key memory.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';

import { productionSecrets, startLatchkeyd } from '../lib/latchkeyd.mjs';
import { freshDatabase, postgresSkipReason, psql } from '../lib/postgres.mjs';
import { Workload } from '../lib/workload.mjs';

// How long another replica may still accept a revoked key (README).
const API_KEY_MEMORY_MS = 2000;

describe('three replicas on one PostgreSQL', { skip: postgresSkipReason() }, () => {
  let database;
  const secrets = productionSecrets();
  const replicas = [];
  const dataDirs = [];
  let workload;

  const start = () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-replica-'));
    dataDirs.push(dataDir);
    // Requests carry X-Forwarded-For so that each test can act from its own
    // client address, as clients behind a load balancer do.
    return startLatchkeyd({
      dev: false, dataDir, env: secrets,
      args: [`--database=${database}`, '--trusted_proxies=127.0.0.1'],
    });
  };
  // The same call on each replica, from one client address.
  const onEach = (fn) => Promise.all(replicas.map((r, i) => fn(r.httpUrl, i)));

  before(async () => {
    database = await freshDatabase('replicas');
    // Two replicas start at the same moment on an empty database.
    replicas.push(...await Promise.all([start(), start()]));
    replicas.push(await start());
    workload = new Workload(replicas.map((r) => r.httpUrl), replicas[0].keys);
  });
  after(async () => {
    for (const replica of replicas) assert.equal(await replica.stop(), 0);
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  test('two replicas starting at once migrate the database once', async () => {
    const [[count, distinct, newest]] = await psql(database,
        'SELECT count(*), count(DISTINCT version), max(version) FROM schema_version');
    assert.ok(Number(newest) > 0);
    assert.equal(count, newest, 'every migration recorded exactly once');
    assert.equal(distinct, newest);
  });

  test('first-admin setup raced on all three makes exactly one administrator', async () => {
    const answers = await onEach((url, i) => workload.call('POST', '/setup', {
      url, headers: { 'x-forwarded-for': '192.0.2.10' },
      body: { display_name: `Admin ${i}`, email: `admin${i}@replicas.example`, password: 'correct horse battery' },
    }));
    const statuses = answers.map((a) => a.status).sort();
    assert.deepEqual(statuses, [200, 409, 409], answers.map((a) => a.text).join('\n'));
    for (const refused of answers.filter((a) => a.status === 409)) {
      assert.equal(refused.json.code, 'SETUP_ALREADY_COMPLETED');
    }
    const users = await workload.listAll('/users');
    assert.equal(users.filter((u) => !u.is_anonymous).length, 1,
        JSON.stringify(users.map((u) => u.primary_email)));
  });

  test('the per-account sign-in limit counts once across replicas', async () => {
    const email = 'limited@replicas.example';
    await workload.signUp(email, { url: replicas[0].httpUrl, headers: { 'x-forwarded-for': '192.0.2.20' } });
    // Three wrong passwords, one on each replica, from one address: the
    // fourth attempt comes too soon after them (the pause after three), on
    // whichever replica. Counted per replica it would be a first or second
    // attempt and get through to the password check.
    const wrong = (url) => workload.call('POST', '/auth/password/sign-in', {
      url, headers: { 'x-forwarded-for': '192.0.2.21' },
      body: { email, password: 'not the password' },
    });
    for (const replica of replicas) {
      const answer = await wrong(replica.httpUrl);
      assert.equal(answer.json?.code, 'EMAIL_PASSWORD_MISMATCH', answer.text);
    }
    for (const replica of replicas) {
      const answer = await wrong(replica.httpUrl);
      assert.equal(answer.status, 429, answer.text);
      assert.equal(answer.json.code, 'RATE_LIMITED');
    }
  });

  test('the per-address sign-in limit counts once across replicas', async () => {
    // A low limit, seen by every replica before the attempts start.
    await workload.ok('PATCH', '/internal/config/override/project', {
      url: replicas[0].httpUrl, access: 'admin',
      body: { config_override_string: JSON.stringify({ 'rate_limits.sign_in_per_ip.limit': 6 }) },
    });
    for (const replica of replicas) {
      for (let attempt = 0; ; attempt++) {
        const config = await workload.ok('GET', '/internal/config', { url: replica.httpUrl, access: 'admin' });
        if (JSON.stringify(config).includes('"sign_in_per_ip":{"limit":6')) break;
        assert.ok(attempt < 100, `replica did not see the new limit: ${JSON.stringify(config)}`);
        await sleep(50);
      }
    }
    // Six attempts on six accounts, two per replica, then the seventh is
    // refused on every replica.
    const attempt = (url, n) => workload.call('POST', '/auth/password/sign-in', {
      url, headers: { 'x-forwarded-for': '192.0.2.30' },
      body: { email: `nobody${n}@replicas.example`, password: 'guess' },
    });
    for (let n = 0; n < 6; n++) {
      const answer = await attempt(replicas[n % 3].httpUrl, n);
      assert.equal(answer.json?.code, 'EMAIL_PASSWORD_MISMATCH', answer.text);
    }
    for (const replica of replicas) {
      const answer = await attempt(replica.httpUrl, 99);
      assert.equal(answer.status, 429, answer.text);
    }
  });

  test('a session ended on one replica cannot refresh on the others', async () => {
    const user = await workload.signUp('session@replicas.example',
        { url: replicas[0].httpUrl, headers: { 'x-forwarded-for': '192.0.2.40' } });
    // Every replica refreshes it first (so any cache would hold it).
    for (const replica of replicas) await workload.refresh(user.refreshToken, { url: replica.httpUrl });
    const signIn = await workload.refresh(user.refreshToken, { url: replicas[1].httpUrl });
    await workload.ok('DELETE', '/auth/sessions/current', {
      url: replicas[1].httpUrl, headers: { 'x-stack-access-token': signIn.access_token },
    });
    for (const replica of replicas) {
      const answer = await workload.call('POST', '/auth/sessions/current/refresh', {
        url: replica.httpUrl, headers: { 'x-stack-refresh-token': user.refreshToken },
      });
      assert.equal(answer.status, 401, answer.text);
      assert.equal(answer.json.code, 'REFRESH_TOKEN_NOT_FOUND_OR_EXPIRED');
    }
  });

  test('a key set revoked on one replica is refused by the others within 2 s', async () => {
    const created = await workload.ok('POST', '/internal/api-keys', {
      url: replicas[0].httpUrl, access: 'admin',
      body: {
        description: 'replica test', expires_at_millis: Date.now() + 3_600_000,
        has_secret_server_key: true,
      },
    });
    const withKey = (url) => workload.call('GET', '/users?limit=1', {
      url, access: 'server', headers: { 'x-stack-secret-server-key': created.secret_server_key },
    });
    // Each replica checks the key once and remembers it.
    for (const replica of replicas) assert.equal((await withKey(replica.httpUrl)).status, 200);
    await workload.ok('PATCH', `/internal/api-keys/${created.id}`, {
      url: replicas[0].httpUrl, access: 'admin', body: { revoked: true },
    });
    const revokedAt = Date.now();
    // The replica that revoked it refuses it at once.
    assert.equal((await withKey(replicas[0].httpUrl)).status, 401);
    // The others once their memory of it has run out.
    await sleep(Math.max(0, revokedAt + API_KEY_MEMORY_MS + 100 - Date.now()));
    for (const replica of replicas.slice(1)) {
      const answer = await withKey(replica.httpUrl);
      assert.equal(answer.status, 401, answer.text);
    }
  });
});
