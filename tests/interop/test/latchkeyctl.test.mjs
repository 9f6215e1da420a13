// latchkeyctl against a live latchkeyd: each command's --json answer,
// secrets hidden unless --show-secrets, one-line errors with their code
// and exit code for bad credentials and a missing server.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
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

  test('setup once, then SETUP_ALREADY_COMPLETED; recover without the server key enabled', async () => {
    const first = await ctl(['setup', '--email', 'root@example.com', '--password', 'a long passphrase', '--json']);
    assert.equal(first.code, 0, first.stderr);
    const answer = JSON.parse(first.stdout);
    assert.match(answer.user_id, /^[0-9a-f-]{36}$/);
    assert.doesNotMatch(answer.access_token, /^ey/);
    const second = await ctl(['setup', '--email', 'two@example.com', '--password', 'a long passphrase']);
    assert.equal(second.code, 1);
    assert.match(second.stderr, /^latchkeyctl: SETUP_ALREADY_COMPLETED: /);
    const recover = await ctl(['recover', '--email', 'root@example.com', '--new_password', 'another passphrase'],
        { LATCHKEY_ADMIN_RECOVERY_KEY: 'r'.repeat(40) });
    assert.equal(recover.code, 1);
    assert.match(recover.stderr, /^latchkeyctl: RECOVERY_NOT_ENABLED: /);
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
    assert.ok(JSON.parse(listed.stdout).items.some((u) => u.id === user.id));
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

  test('config get and set (a merge patch; a bad key changes nothing)', async () => {
    const dev = ['--data_dir', server.dataDir];
    const set = await ctl([...dev, 'config', 'set', '{"password_min_length": 12}', '--json']);
    assert.equal(set.code, 0, set.stderr);
    assert.equal(JSON.parse(set.stdout).password_min_length, 12);
    const bad = await ctl([...dev, 'config', 'set', '{"no_such_key": 1}']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^latchkeyctl: SCHEMA_ERROR: /);
    const got = await ctl([...dev, 'config', 'get', '--field', 'password_min_length']);
    assert.equal(got.stdout.trim(), '12');
  });

  test('users import: JSON lines and CSV, bad rows reported by line, good rows kept', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'latchkeyctl-import-'));
    try {
      const jsonl = path.join(dir, 'users.jsonl');
      writeFileSync(jsonl, [
        JSON.stringify({ external_id: 'a1', primary_email: 'a1@example.com' }),
        '{"external_id": "a2", "no_such_field": true}',
        '',
        JSON.stringify({ external_id: 'a3', primary_email: 'not an email' }),
        JSON.stringify({ external_id: 'a4', primary_email: 'a4@example.com', display_name: 'Four' }),
      ].join('\n'));
      const dev = ['--data_dir', server.dataDir];
      const result = await ctl([...dev, 'users', 'import', jsonl, '--json']);
      assert.equal(result.code, 1, result.stderr);
      const summary = JSON.parse(result.stdout);
      assert.equal(summary.created_count, 2);
      assert.equal(summary.failed_count, 2);
      assert.deepEqual(summary.items.map((i) => [i.index, i.error_code]).sort(),
          [[2, 'SCHEMA_ERROR'], [4, 'SCHEMA_ERROR']]);
      // Again: the same external ids update instead of creating.
      const again = JSON.parse((await ctl([...dev, 'users', 'import', jsonl, '--json'])).stdout);
      assert.equal(again.updated_count, 2);
      assert.equal(again.created_count, 0);
      const csv = path.join(dir, 'users.csv');
      writeFileSync(csv, 'external_id,primary_email,display_name\n' +
          'c1,c1@example.com,"Lovelace, Ada"\nc2,bad address,x\n');
      const fromCsv = await ctl([...dev, 'users', 'import', csv]);
      assert.equal(fromCsv.code, 1);
      assert.match(fromCsv.stdout, /^created 1, updated 0, failed 1$/m);
      assert.match(fromCsv.stdout, /users\.csv:3: SCHEMA_ERROR: /);
      const ada = JSON.parse((await ctl([...dev, 'users', 'list', '--query', 'c1@', '--json'])).stdout);
      assert.equal(ada.items[0].display_name, 'Lovelace, Ada');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('teams, permissions and sessions', async () => {
    const dev = ['--data_dir', server.dataDir];
    const json = async (args) => {
      const result = await ctl([...dev, ...args, '--json']);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      return JSON.parse(result.stdout);
    };
    const user = await json(['users', 'create', '--email', 'tess@example.com', '--password', 'correct horse']);
    const team = await json(['teams', 'create', 'Engineering']);
    assert.ok((await json(['teams', 'list'])).items.some((t) => t.id === team.id));
    await json(['teams', 'add', team.id, user.id]);
    assert.deepEqual((await json(['teams', 'members', team.id])).items.map((m) => m.user_id), [user.id]);
    await json(['permissions', 'define', 'read']);
    await json(['permissions', 'define', 'write', '--contains', 'read']);
    assert.ok((await json(['permissions', 'list'])).items.some((p) => p.id === 'write'));
    await json(['permissions', 'grant', team.id, user.id, 'write']);
    const check = await json(['permissions', 'check', user.id, 'read', '--team', team.id]);
    assert.equal(check.allowed, true);
    assert.equal(check.reason, 'contained');
    await json(['permissions', 'revoke', team.id, user.id, 'write']);
    assert.equal((await json(['permissions', 'check', user.id, 'read', '--team', team.id])).allowed, false);
    await json(['teams', 'remove', team.id, user.id]);
    assert.deepEqual((await json(['sessions', 'list', user.id])).items, []);
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
