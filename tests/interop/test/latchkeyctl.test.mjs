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
    assert.match(recover.stderr, /^latchkeyctl: RECOVERY_NOT_ENABLED: .*restart latchkeyd with LATCHKEY_ADMIN_RECOVERY_KEY/);
  });

  test('users with the dev data dir, and the admin key from the environment', async () => {
    const created = await ctl(['--data_dir', server.dataDir, 'users', 'create',
      '--email', 'grace@example.com', '--password', 'correct horse', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const user = JSON.parse(created.stdout);
    assert.equal(user.primary_email, 'grace@example.com');
    // An email with a password signs in: the CLI turns email sign-in on,
    // where the API's default (as Stack's) leaves it off.
    assert.equal(user.primary_email_auth_enabled, true);
    const signIn = await fetch(`${server.httpUrl}/api/v1/auth/password/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-stack-project-id': 'internal',
        'x-stack-access-type': 'client',
        'x-stack-publishable-client-key': server.keys.publishableClientKey },
      body: JSON.stringify({ email: 'grace@example.com', password: 'correct horse' }),
    });
    assert.equal(signIn.status, 200, await signIn.clone().text());
    assert.equal((await signIn.json()).user_id, user.id);
    const quiet = await ctl(['--data_dir', server.dataDir, 'users', 'create',
      '--email', 'quiet@example.com', '--password', 'correct horse',
      '--email_auth_enabled', 'false', '--json']);
    assert.equal(quiet.code, 0, quiet.stderr);
    assert.equal(JSON.parse(quiet.stdout).primary_email_auth_enabled, false);
    const bad = await ctl(['--data_dir', server.dataDir, 'users', 'create',
      '--email', 'bad@example.com', '--email_auth_enabled', 'yes']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--email_auth_enabled takes true or false/);
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

  test('users import: a progress bar on a terminal, none when piped', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'latchkeyctl-progress-'));
    try {
      const jsonl = path.join(dir, 'users.jsonl');
      writeFileSync(jsonl, [
        JSON.stringify({ external_id: 'p1', primary_email: 'p1@example.com' }),
        JSON.stringify({ external_id: 'p2', primary_email: 'p2@example.com' }),
      ].join('\n'));
      const args = ['--address', server.grpcAddress, '--data_dir', server.dataDir, 'users', 'import', jsonl];
      const piped = await run(args);
      assert.equal(piped.code, 0, piped.stderr);
      assert.equal(piped.stderr, '');
      // script(1) (util-linux, always on Debian) runs it on a pseudo-terminal.
      const quote = (word) => `'${word.replaceAll("'", "'\\''")}'`;
      const command = [latchkeyctlBinary(), ...args].map(quote).join(' ');
      const onTerminal = await new Promise((resolve) => {
        execFile('script', ['-qefc', command, '/dev/null'], { env: { PATH: process.env.PATH } },
            (error, stdout) => resolve({ code: error ? error.code : 0, stdout }));
      });
      assert.equal(onTerminal.code, 0, onTerminal.stdout);
      assert.match(onTerminal.stdout, /\[\.{30}\] 0\/2 rows/);
      assert.match(onTerminal.stdout, /\[#{30}\] 2\/2 rows/);
      assert.match(onTerminal.stdout, /created 0, updated 2, failed 0/);
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

  test('users update: only the fields given; --clear sets null; bad arguments exit 2', async () => {
    const dev = ['--data_dir', server.dataDir];
    const json = async (args) => {
      const result = await ctl([...dev, ...args, '--json']);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      return JSON.parse(result.stdout);
    };
    const user = await json(['users', 'create', '--email', 'hopper@example.com', '--display_name', 'Grace']);
    const updated = await json(['users', 'update', user.id, '--display_name', 'Grace Hopper',
      '--server_metadata', '{"plan": "pro", "seats": 3}', '--client_metadata', '["a", 1]',
      '--email_verified', 'true', '--password', 'a brand new passphrase', '--country_code', 'US']);
    assert.equal(updated.display_name, 'Grace Hopper');
    assert.deepEqual(updated.server_metadata, { plan: 'pro', seats: 3 });
    assert.deepEqual(updated.client_metadata, ['a', 1]);
    assert.equal(updated.primary_email_verified, true);
    assert.equal(updated.has_password, true);
    assert.equal(updated.country_code, 'US');
    // What was not named stays: the email, and the metadata on the next update.
    const renamed = await json(['users', 'update', user.id, '--email', 'grace.hopper@example.com',
      '--restricted', 'true', '--restricted_reason', 'billing']);
    assert.equal(renamed.primary_email, 'grace.hopper@example.com');
    assert.equal(renamed.display_name, 'Grace Hopper');
    assert.deepEqual(renamed.server_metadata, { plan: 'pro', seats: 3 });
    assert.equal(renamed.restricted_by_admin, true);
    assert.equal(renamed.restricted_by_admin_reason, 'billing');
    const cleared = await json(['users', 'update', user.id, '--clear', 'display_name,password',
      '--restricted', 'false']);
    assert.equal(cleared.display_name ?? null, null);
    assert.equal(cleared.has_password, false);
    assert.equal(cleared.restricted_by_admin, false);
    assert.equal((await ctl([...dev, 'users', 'get', user.id, '--field', 'primary_email'])).stdout.trim(),
        'grace.hopper@example.com');

    const usage = async (args, pattern) => {
      const result = await ctl([...dev, ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.trim().split('\n').length, 1);
      assert.match(result.stderr, pattern);
    };
    await usage(['users', 'update'], /^latchkeyctl: users update needs a user ID/);
    await usage(['users', 'update', user.id], /^latchkeyctl: users update needs at least one field/);
    await usage(['users', 'update', user.id, '--server_metadata', '{not json'],
        /^latchkeyctl: --server_metadata takes a JSON value/);
    await usage(['users', 'update', user.id, '--email_verified', 'yes'],
        /^latchkeyctl: --email_verified takes true or false/);
    await usage(['users', 'update', user.id, '--clear', 'email_verified'], /^latchkeyctl: --clear takes /);
    await usage(['users', 'update', user.id, '--display_name', 'x', '--clear', 'display_name'],
        /contradict/);
    await usage(['users', 'update', user.id, '--displayname', 'typo'],
        /^latchkeyctl: users update takes no --displayname/);
    const missing = await ctl([...dev, 'users', 'update', '00000000-0000-4000-8000-000000000000',
      '--display_name', 'Nobody']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^latchkeyctl: USER_NOT_FOUND: /);
    const badEmail = await ctl([...dev, 'users', 'update', user.id, '--email', 'not an email']);
    assert.equal(badEmail.code, 1);
    assert.match(badEmail.stderr, /^latchkeyctl: SCHEMA_ERROR: /);
  });

  test('permissions in project scope: define, list, grant, check, revoke; bad arguments', async () => {
    const dev = ['--data_dir', server.dataDir];
    const json = async (args) => {
      const result = await ctl([...dev, ...args, '--json']);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      return JSON.parse(result.stdout);
    };
    const user = await json(['users', 'create', '--email', 'proj-perm@example.com']);
    await json(['permissions', 'define', 'billing:read', '--scope', 'project', '--description', 'see invoices']);
    const admin = await json(['permissions', 'define', 'billing:admin', '--scope', 'project',
      '--contains', 'billing:read']);
    assert.deepEqual(admin.contained_permission_ids, ['billing:read']);
    const projectDefs = (await json(['permissions', 'list', '--scope', 'project'])).items.map((p) => p.id);
    assert.ok(projectDefs.includes('billing:admin') && projectDefs.includes('billing:read'));
    const teamDefs = (await json(['permissions', 'list'])).items.map((p) => p.id);
    assert.ok(!teamDefs.includes('billing:admin'), 'a project-scope definition listed in team scope');
    const grant = await json(['permissions', 'grant', user.id, 'billing:admin', '--scope', 'project']);
    assert.deepEqual([grant.id, grant.user_id], ['billing:admin', user.id]);
    const check = await json(['permissions', 'check', user.id, 'billing:read']);
    assert.equal(check.allowed, true);
    assert.equal(check.reason, 'contained');
    assert.equal((await json(['permissions', 'revoke', user.id, 'billing:admin', '--scope', 'project'])).success,
        true);
    assert.equal((await json(['permissions', 'check', user.id, 'billing:read'])).allowed, false);

    const usage = async (args, pattern) => {
      const result = await ctl([...dev, ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stderr.trim().split('\n').length, 1);
      assert.match(result.stderr, pattern);
    };
    await usage(['permissions', 'list', '--scope', 'org'], /^latchkeyctl: --scope takes team or project/);
    await usage(['permissions', 'grant', user.id, '--scope', 'project'],
        /^latchkeyctl: permissions grant --scope project needs USER PERMISSION/);
    await usage(['permissions', 'revoke', 'some-team', user.id, 'billing:read', '--scope', 'project'],
        /^latchkeyctl: permissions revoke --scope project needs USER PERMISSION/);
    await usage(['permissions', 'define', '--scope', 'project'], /^latchkeyctl: permissions define needs an ID/);
    await usage(['permissions', 'check', user.id, 'billing:read', '--scope', 'project'],
        /^latchkeyctl: permissions check takes --team/);
    const unknown = await ctl([...dev, 'permissions', 'grant', user.id, 'no_such_permission', '--scope', 'project']);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /^latchkeyctl: PERMISSION_NOT_FOUND: /);
    const bad = await ctl([...dev, 'permissions', 'define', 'Not An Id!', '--scope', 'project']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /^latchkeyctl: SCHEMA_ERROR: /);
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

  test('health and jwks need no secrets file in --data_dir (a dev server still starting); other commands do', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'latchkeyctl-empty-'));
    try {
      const health = await ctl(['--data_dir', empty, 'health', '--json']);
      assert.equal(health.code, 0, health.stderr);
      assert.equal(JSON.parse(health.stdout).status, 'SERVING');
      assert.equal((await ctl(['--data_dir', empty, 'jwks', '--json'])).code, 0);
      const users = await ctl(['--data_dir', empty, 'users', 'list']);
      assert.equal(users.code, 4);
      assert.match(users.stderr, /^latchkeyctl: cannot read .*dev-secrets\.env/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
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

describe('latchkeyctl projects (an administrator\'s own project)', () => {
  let server;
  let ctl;
  let owner;
  const recoveryKey = 'k'.repeat(40);
  before(async () => {
    server = await startLatchkeyd({ env: { LATCHKEY_ADMIN_RECOVERY_KEY: recoveryKey } });
    const plain = (args, env) => run(['--address', server.grpcAddress, ...args], env);
    const setup = await plain(['setup', '--email', 'owner@example.com', '--password', 'a long passphrase',
      '--show-secrets', '--json']);
    assert.equal(setup.code, 0, setup.stderr);
    owner = JSON.parse(setup.stdout);
    ctl = (args) => plain(args, { LATCHKEY_ACCESS_TOKEN: owner.access_token });
  });
  after(async () => {
    if (server) assert.equal(await server.stop(), 0);
  });

  test('projects create, list, get, update, delete; bad arguments exit 2 or name the code', async () => {
    const json = async (args) => {
      const result = await ctl([...args, '--json']);
      assert.equal(result.code, 0, `${args.join(' ')}: ${result.stderr}`);
      return JSON.parse(result.stdout);
    };
    const project = await json(['projects', 'create', 'My app', '--description', 'first']);
    assert.equal(project.display_name, 'My app');
    assert.ok((await json(['projects', 'list'])).items.some((p) => p.id === project.id));
    const on = ['--project', project.id];
    assert.equal((await json([...on, 'projects', 'get'])).description, 'first');

    const updated = await json([...on, 'projects', 'update', '--display_name', 'Renamed',
      '--description', 'second', '--config', '{"password_min_length": 11, "sign_up_enabled": false}']);
    assert.equal(updated.id, project.id);
    assert.equal(updated.display_name, 'Renamed');
    assert.equal(updated.description, 'second');
    assert.equal(updated.config.password_min_length, 11);
    assert.equal(updated.config.sign_up_enabled, false);
    // Only what is given changes.
    const renamed = await json([...on, 'projects', 'update', '--display_name', 'Renamed again']);
    assert.equal(renamed.description, 'second');
    assert.equal(renamed.config.password_min_length, 11);
    const got = await json([...on, 'projects', 'get']);
    assert.equal(got.display_name, 'Renamed again');
    assert.equal(got.config.sign_up_enabled, false);

    const usage = async (args, pattern) => {
      const result = await ctl([...on, ...args]);
      assert.equal(result.code, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.equal(result.stderr.trim().split('\n').length, 1);
      assert.match(result.stderr, pattern);
    };
    await usage(['projects', 'update'], /^latchkeyctl: projects update needs --display_name, --description or --config/);
    await usage(['projects', 'update', '--config', 'not json'], /^latchkeyctl: --config takes a JSON object/);
    await usage(['projects', 'update', '--config', '[1, 2]'], /^latchkeyctl: --config takes a JSON object/);
    await usage(['projects', 'update', 'Renamed'], /^latchkeyctl: projects update takes options only/);
    await usage(['projects', 'update', '--name', 'typo'], /^latchkeyctl: projects update takes no --name/);
    const badKey = await ctl([...on, 'projects', 'update', '--config', '{"no_such_key": 1}']);
    assert.equal(badKey.code, 1);
    assert.match(badKey.stderr, /^latchkeyctl: SCHEMA_ERROR: /);
    const emptyName = await ctl([...on, 'projects', 'update', '--display_name', '']);
    assert.equal(emptyName.code, 1);
    assert.match(emptyName.stderr, /^latchkeyctl: SCHEMA_ERROR: /);
    assert.equal((await json([...on, 'projects', 'get'])).display_name, 'Renamed again');

    assert.equal((await json([...on, 'projects', 'delete'])).success, true);
    assert.ok(!(await json(['projects', 'list'])).items.some((p) => p.id === project.id));
    const gone = await ctl([...on, 'projects', 'get']);
    assert.notEqual(gone.code, 0);
    assert.equal(gone.stderr.trim().split('\n').length, 1);
  });

  test('tokens validate: the claims, or the token\'s failure (exit 1, not a credentials error); sessions list and revoke', async () => {
    const dev = ['--data_dir', server.dataDir];
    const valid = await ctl([...dev, 'tokens', 'validate', owner.access_token, '--json']);
    assert.equal(valid.code, 0, valid.stderr);
    const { claims } = JSON.parse(valid.stdout);
    assert.equal(claims.sub, owner.user_id);
    assert.equal(claims.aud, 'internal');
    const field = await ctl([...dev, 'tokens', 'validate', owner.access_token, '--field', 'claims']);
    assert.match(field.stdout, new RegExp(owner.user_id));
    const garbage = await ctl([...dev, 'tokens', 'validate', 'not.a.token']);
    assert.equal(garbage.code, 1, garbage.stderr);
    assert.equal(garbage.stderr.trim().split('\n').length, 1);
    assert.match(garbage.stderr, /^latchkeyctl: UNPARSABLE_ACCESS_TOKEN: .*the token given to validate/);
    assert.doesNotMatch(garbage.stderr, /give credentials/);
    const missing = await ctl([...dev, 'tokens', 'validate']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^latchkeyctl: tokens validate needs a TOKEN/);
    const unknown = await ctl([...dev, 'tokens', 'frobnicate']);
    assert.equal(unknown.code, 2);

    const sessions = await ctl([...dev, 'sessions', 'list', owner.user_id, '--json']);
    assert.equal(sessions.code, 0, sessions.stderr);
    const items = JSON.parse(sessions.stdout).items;
    assert.equal(items.length, 1);
    const revoked = await ctl([...dev, 'sessions', 'revoke', owner.user_id, items[0].id, '--json']);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(JSON.parse(revoked.stdout).success, true);
    assert.deepEqual(JSON.parse((await ctl([...dev, 'sessions', 'list', owner.user_id, '--json'])).stdout).items, []);
    const again = await ctl([...dev, 'sessions', 'revoke', owner.user_id]);
    assert.equal(again.code, 2);
    assert.match(again.stderr, /^latchkeyctl: sessions revoke needs USER SESSION/);
  });

  test('help for the new commands has an example', async () => {
    for (const [topic, pattern] of [['projects', /projects update/], ['users', /users update/],
      ['permissions', /--scope project/]]) {
      const help = await run(['help', topic]);
      assert.equal(help.code, 0);
      assert.match(help.stdout, pattern);
      assert.match(help.stdout, /Example:\n  latchkeyctl /);
    }
  });

  // Last: it ends the owner's sessions.
  test('recover: a wrong key is refused with its code; the right one sets the password', async () => {
    const recover = (key) => run(['--address', server.grpcAddress, 'recover', '--email', 'owner@example.com',
      '--new_password', 'a recovered passphrase', '--json'], key ? { LATCHKEY_ADMIN_RECOVERY_KEY: key } : {});
    const missing = await recover(undefined);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^latchkeyctl: recover needs .*LATCHKEY_ADMIN_RECOVERY_KEY/);
    const wrong = await recover('w'.repeat(40));
    assert.equal(wrong.code, 4, wrong.stderr);
    assert.equal(wrong.stderr.trim().split('\n').length, 1);
    assert.match(wrong.stderr, /^latchkeyctl: INVALID_RECOVERY_KEY: .*LATCHKEY_ADMIN_RECOVERY_KEY/);
    const right = await recover(recoveryKey);
    assert.equal(right.code, 0, right.stderr);
    assert.equal(JSON.parse(right.stdout).success, true);
  });
});
