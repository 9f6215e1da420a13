// Starts a real latchkeyd for a test: its own data directory, free ports,
// dev mode (generated secrets). Resolves once the server logs that it is up.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');

export function latchkeydBinary() {
  return process.env.LATCHKEYD_BIN ??
      path.join(repoRoot, 'bazel-bin', 'service', 'latchkeyd');
}

// The secrets dev mode generated: {serverSecret, publishableClientKey,
// secretServerKey, superSecretAdminKey} of the internal project.
function readDevSecrets(dataDir) {
  const values = {};
  for (const line of readFileSync(path.join(dataDir, 'dev-secrets.env'), 'utf8').split('\n')) {
    const match = /^([A-Z_]+)=(.*)$/.exec(line.trim());
    if (match) values[match[1]] = match[2];
  }
  return {
    serverSecret: values.LATCHKEY_SERVER_SECRET,
    publishableClientKey: values.LATCHKEY_INTERNAL_PUBLISHABLE_CLIENT_KEY,
    secretServerKey: values.LATCHKEY_INTERNAL_SECRET_SERVER_KEY,
    superSecretAdminKey: values.LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY,
  };
}

// A production secret set in the environment variables latchkeyd reads:
// the server secret and the internal project's three keys.
export function productionSecrets() {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const token = () => Array.from(randomBytes(45), (b) => alphabet[b % 32]).join('');
  return {
    LATCHKEY_SERVER_SECRET: randomBytes(32).toString('base64url'),
    LATCHKEY_INTERNAL_PUBLISHABLE_CLIENT_KEY: `pck_${token()}`,
    LATCHKEY_INTERNAL_SECRET_SERVER_KEY: `ssk_${token()}`,
    LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY: `sak_${token()}`,
  };
}

function keysFromEnv(env) {
  return {
    serverSecret: env.LATCHKEY_SERVER_SECRET,
    publishableClientKey: env.LATCHKEY_INTERNAL_PUBLISHABLE_CLIENT_KEY,
    secretServerKey: env.LATCHKEY_INTERNAL_SECRET_SERVER_KEY,
    superSecretAdminKey: env.LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY,
  };
}

// Returns {grpcAddress, httpUrl, dataDir, keys, logs, pid, stop(), kill()}.
// `keys` are the internal project's (readDevSecrets). `stop()` sends SIGTERM
// and resolves with the exit code (0 for a graceful shutdown); `kill()`
// sends SIGKILL and resolves once the process is gone. A given `dataDir` is
// reused (dev secrets, SQLite file) and left in place for a restart; without
// one the server gets a fresh directory, removed when it ends. With
// `dev: false` the server runs as in production: its secrets come from `env`
// (productionSecrets() makes a set several replicas can share).
export async function startLatchkeyd({
  args = [], env = {}, dataDir: givenDataDir, dev = true,
} = {}) {
  const dataDir = givenDataDir ?? mkdtempSync(path.join(tmpdir(), 'latchkey-interop-'));
  const removeDataDir = () => {
    if (!givenDataDir) rmSync(dataDir, { recursive: true, force: true });
  };
  const child = spawn(latchkeydBinary(), [
    ...(dev ? ['--dev'] : []),
    `--data_dir=${dataDir}`,
    '--grpc_address=127.0.0.1:0',
    '--http_address=127.0.0.1:0',
    ...args,
  ], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });

  const logs = [];
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  const started = new Promise((resolve, reject) => {
    let buffered = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk) => {
      buffered += chunk;
      let newline;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        let entry;
        try { entry = JSON.parse(line); } catch { entry = { msg: line }; }
        logs.push(entry);
        if (entry.msg === 'latchkeyd started') resolve(entry);
      }
    });
    exited.then((code) => reject(new Error(
        `latchkeyd exited with ${code} before starting:\n` +
        logs.map((l) => JSON.stringify(l)).join('\n'))));
  });
  const timeout = new Promise((_, reject) => {
    const timer = setTimeout(() => reject(new Error('latchkeyd did not start within 30 s')), 30_000);
    started.finally(() => clearTimeout(timer)).catch(() => {});
  });
  let entry;
  try {
    entry = await Promise.race([started, timeout]);
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    removeDataDir();
    throw error;
  }
  return {
    grpcAddress: `127.0.0.1:${entry.grpc_port}`,
    httpUrl: entry.http_port ? `http://127.0.0.1:${entry.http_port}` : undefined,
    dataDir,
    keys: dev ? readDevSecrets(dataDir) : keysFromEnv(env),
    logs,
    pid: child.pid,
    async stop() {
      child.kill('SIGTERM');
      const code = await exited;
      removeDataDir();
      return code;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
      removeDataDir();
    },
  };
}
