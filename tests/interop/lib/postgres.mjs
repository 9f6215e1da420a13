// The PostgreSQL server ./tools/dev test starts, for interop tests that run
// latchkeyd on it: a fresh database per test and psql for checks the API
// cannot make. Like the C++ tests, a missing server is an error unless
// LATCHKEY_TEST_SKIP_POSTGRES=1 says to skip on purpose.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

// Why PostgreSQL tests cannot run here, or undefined when they can: the
// value to pass as node:test's `skip` option. Throws when the server is
// missing and nobody asked to skip.
export function postgresSkipReason() {
  if (process.env.LATCHKEY_TEST_SKIP_POSTGRES === '1') {
    return 'LATCHKEY_TEST_SKIP_POSTGRES=1';
  }
  if (!process.env.LATCHKEY_TEST_POSTGRES_URL) {
    throw new Error('LATCHKEY_TEST_POSTGRES_URL is not set: run through ./tools/dev test, ' +
        'or set LATCHKEY_TEST_SKIP_POSTGRES=1 to skip PostgreSQL on purpose');
  }
  return undefined;
}

function psqlBinary() {
  const bin = process.env.LATCHKEY_TEST_PG_BIN;
  return bin ? path.join(bin, 'psql') : 'psql';
}

// Runs SQL and answers its rows as arrays of strings (unaligned, no
// headers, fields split on tabs).
export async function psql(url, sql) {
  const { stdout } = await run(psqlBinary(), [
    '--no-psqlrc', '--quiet', '--tuples-only', '--no-align', '--field-separator=\t',
    '--set=ON_ERROR_STOP=1', '--dbname', url, '--command', sql,
  ]);
  return stdout.split('\n').filter((line) => line !== '').map((line) => line.split('\t'));
}

// A new, empty database on the test server; answers its URL.
export async function freshDatabase(prefix) {
  const base = new URL(process.env.LATCHKEY_TEST_POSTGRES_URL);
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await psql(base.href, `CREATE DATABASE ${name}`);
  const url = new URL(base.href);
  url.pathname = `/${name}`;
  return url.href;
}
