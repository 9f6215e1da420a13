// latchkeyctl against a live latchkeyd: each command's --json answer,
// secrets hidden unless --show-secrets, one-line errors with their code
// and exit code for bad credentials and a missing server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';

import { latchkeyctlBinary } from '../lib/latchkeyctl.mjs';
import { startLatchkeyd } from '../lib/latchkeyd.mjs';

function run(args, env = {}) {
  return new Promise((resolve) => {
    execFile(latchkeyctlBinary(), args, { env: { PATH: process.env.PATH, ...env } },
        (error, stdout, stderr) => resolve({
          code: error ? error.code : 0, stdout, stderr,
        }));
  });
}

describe('latchkeyctl', () => {
  let server;
  let ctl;
  before(async () => {
    server = await startLatchkeyd();
    ctl = (args, env) => run(['--address', server.grpcAddress, ...args], env);
  });
  after(async () => {
    if (server) assert.equal(await server.stop(), 0);
  });

  test('health and jwks', async () => {
    const health = await ctl(['health', '--json']);
    assert.equal(health.code, 0, health.stderr);
    assert.equal(JSON.parse(health.stdout).status, 'SERVING');
    const jwks = await ctl(['jwks', '--json']);
    assert.equal(jwks.code, 0, jwks.stderr);
    assert.ok(JSON.parse(jwks.stdout).keys.every((k) => k.alg === 'ES256'));
  });

  test('users with the dev data dir, and the admin key from the environment', async () => {
    const created = await ctl(['--data_dir', server.dataDir, 'users', 'create',
      '--email', 'grace@example.com', '--password', 'correct horse', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const user = JSON.parse(created.stdout);
    assert.equal(user.primary_email, 'grace@example.com');
    const listed = await ctl(['users', 'list', '--json'],
        { LATCHKEY_ADMIN_KEY: server.keys.superSecretAdminKey });
    assert.equal(listed.code, 0, listed.stderr);
    assert.deepEqual(JSON.parse(listed.stdout).items.map((u) => u.id), [user.id]);
    const got = await ctl(['--data_dir', server.dataDir, 'users', 'get', user.id, '--field', 'primary_email']);
    assert.equal(got.stdout.trim(), 'grace@example.com');
    const deleted = await ctl(['--data_dir', server.dataDir, 'users', 'delete', user.id, '--json']);
    assert.equal(JSON.parse(deleted.stdout).success, true);
    const gone = await ctl(['--data_dir', server.dataDir, 'users', 'get', user.id]);
    assert.equal(gone.code, 1);
    assert.match(gone.stderr, /^latchkeyctl: USER_NOT_FOUND: /);
  });

  test('keys: created keys hidden unless --show-secrets, listed, revoked', async () => {
    const dev = ['--data_dir', server.dataDir];
    const hidden = await ctl([...dev, 'keys', 'create', '--kinds', 'server', '--json']);
    assert.equal(hidden.code, 0, hidden.stderr);
    assert.doesNotMatch(hidden.stdout, /ssk_/);
    const shown = await ctl([...dev, 'keys', 'create', '--kinds', 'server', '--json', '--show-secrets']);
    const keySet = JSON.parse(shown.stdout);
    assert.match(keySet.secret_server_key, /^ssk_/);
    const listed = JSON.parse((await ctl([...dev, 'keys', 'list', '--json'])).stdout);
    assert.ok(listed.items.some((k) => k.id === keySet.id));
    const revoked = await ctl([...dev, 'keys', 'revoke', keySet.id, '--json']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.ok(JSON.parse(revoked.stdout).manually_revoked_at_millis);
    const refused = await ctl(['--server_key', keySet.secret_server_key, 'users', 'list']);
    assert.equal(refused.code, 4);
  });

  test('bad credentials: one line naming the code, exit 4', async () => {
    const result = await ctl(['users', 'list', '--json'],
        { LATCHKEY_ADMIN_KEY: 'sak_not-the-right-key-not-the-right-key-xx' });
    assert.equal(result.code, 4);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /^latchkeyctl: INVALID_SUPER_SECRET_ADMIN_KEY: .*LATCHKEY_ADMIN_KEY/);
    assert.doesNotMatch(result.stderr, /not-the-right-key/);
  });

  test('a missing server: exit 3 naming the address', async () => {
    const result = await run(['--address', '127.0.0.1:1', 'health', '--timeout', '2']);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /^latchkeyctl: UNAVAILABLE: .*127\.0\.0\.1:1/);
  });

  test('usage errors exit 2; help COMMAND has an example', async () => {
    assert.equal((await ctl(['projects', 'frobnicate'])).code, 2);
    const help = await run(['help', 'keys']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /Example:\n  latchkeyctl /);
  });
});
