// Forward auth end to end: a real nginx (auth_request) and a real Caddy
// (forward_auth), on loopback, in front of a small Node app, asking a live
// latchkeyd's /forward-auth before each request, with the configurations
// in tests/interop/fixtures/mesh (the ones docs/mesh.md shows). Checks
// allowed, unauthenticated and forbidden requests, and that the app sees
// the identity headers and never a client-forged one.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { repoRoot, startLatchkeyd } from '../lib/latchkeyd.mjs';
import { meshIdentities } from '../lib/mesh.mjs';

const fixtures = path.join(repoRoot, 'tests', 'interop', 'fixtures', 'mesh');

// The binary's path, or undefined when it is not installed.
function find(name, candidates) {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}
const nginxBin = find('nginx', ['/usr/sbin/nginx']);
const caddyBin = find('caddy', ['/usr/bin/caddy']);

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

// Resolves once something accepts connections on the port.
async function waitForPort(port, child, logs) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}:\n${logs.join('')}`);
    const open = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => { socket.destroy(); resolve(true); });
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`nothing listens on ${port} after 15 s:\n${logs.join('')}`);
}

// The app behind the proxy: answers every request with what it received.
function startApp() {
  const seen = [];
  const app = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      const echo = { method: request.method, url: request.url, headers: request.headers, body };
      seen.push(echo);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(echo));
    });
  });
  return new Promise((resolve) => app.listen(0, '127.0.0.1', () =>
    resolve({ port: app.address().port, seen, close: () => new Promise((r) => app.close(r)) })));
}

// The extra identity headers the fixtures' catch-all route copies.
const identityHeaders = 'x-user-email=primary_email,x-user-name=display_name';

const proxies = {
  nginx: {
    binary: nginxBin,
    template: 'nginx.conf',
    args: (config, dir) => ['-p', dir, '-e', 'stderr', '-c', config],
    env: {},
  },
  caddy: {
    binary: caddyBin,
    template: 'Caddyfile',
    args: (config) => ['run', '--config', config, '--adapter', 'caddyfile'],
    env: (dir) => ({ HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir }),
  },
};

for (const [name, proxy] of Object.entries(proxies)) {
  const skip = proxy.binary ? false
    : `${name} is not installed (Debian: apt-get install ${name === 'nginx' ? 'nginx-light' : 'caddy'}; ./tools/dev setup installs it)`;

  describe(`forward auth behind ${name}`, { skip }, () => {
    let server;
    let app;
    let child;
    let dir;
    let base;
    let ids;
    const logs = [];

    before(async () => {
      server = await startLatchkeyd({ args: [`--identity_headers=${identityHeaders}`] });
      ids = await meshIdentities(server, { permission: 'read_docs' });
      app = await startApp();
      dir = mkdtempSync(path.join(tmpdir(), `latchkey-${name}-`));
      const port = await freePort();
      const config = path.join(dir, proxy.template);
      const latchkeyPort = new URL(server.httpUrl).port;
      writeFileSync(config, readFileSync(path.join(fixtures, proxy.template), 'utf8')
        .replaceAll('{{DIR}}', dir)
        .replaceAll('{{PORT}}', String(port))
        .replaceAll('{{LATCHKEY_HTTP_PORT}}', latchkeyPort)
        .replaceAll('{{APP_PORT}}', String(app.port))
        .replaceAll('{{PERMISSION}}', ids.permission));
      const env = typeof proxy.env === 'function' ? proxy.env(dir) : proxy.env;
      child = spawn(proxy.binary, proxy.args(config, dir), {
        env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
      });
      child.stdout.on('data', (chunk) => logs.push(String(chunk)));
      child.stderr.on('data', (chunk) => logs.push(String(chunk)));
      await waitForPort(port, child, logs);
      base = `http://127.0.0.1:${port}`;
    });
    after(async () => {
      if (child && child.exitCode === null) {
        const exited = new Promise((resolve) => child.on('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await app?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (server) assert.equal(await server.stop(), 0);
    });

    const bearer = (user) => ({ authorization: `Bearer ${user.accessToken}` });

    // The request through the proxy; `reached` says whether the app saw it.
    async function send(route, { headers = {}, method = 'GET', body } = {}) {
      const before = app.seen.length;
      const response = await fetch(base + route, { method, headers, body });
      const text = await response.text();
      const reached = app.seen.length > before;
      return { status: response.status, headers: response.headers, text, reached,
        upstream: reached ? app.seen[app.seen.length - 1] : undefined };
    }

    test('no token: 401 with the Bearer challenge, the app is not reached', async () => {
      const answer = await send('/hello');
      assert.equal(answer.status, 401, answer.text);
      assert.equal(answer.reached, false);
      assert.match(answer.headers.get('www-authenticate') ?? '', /^Bearer realm="latchkey"/);
      if (name === 'caddy') {
        // Caddy hands the verifier's answer to the client as it is.
        assert.equal(JSON.parse(answer.text).code, 'USER_AUTHENTICATION_REQUIRED');
      }
    });

    test('a bad token: 401, the app is not reached', async () => {
      const answer = await send('/hello', { headers: { authorization: 'Bearer nope.nope.nope' } });
      assert.equal(answer.status, 401, answer.text);
      assert.equal(answer.reached, false);
      assert.match(answer.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    });

    test('a signed-in user: the app sees who it is', async () => {
      const answer = await send('/hello?x=1', { headers: bearer(ids.alice) });
      assert.equal(answer.status, 200, answer.text);
      const { headers, url } = answer.upstream;
      assert.equal(url, '/hello?x=1');
      assert.equal(headers['x-latchkey-user-id'], ids.alice.userId);
      assert.equal(headers['x-latchkey-project-id'], 'internal');
      assert.equal(headers['x-latchkey-is-anonymous'], 'false');
      // No team selected: no team header (Caddy 2.6 sends it empty).
      assert.ok(!headers['x-latchkey-team-id'], JSON.stringify(headers));
    });

    test('x-stack-access-token works too, and a POST body reaches the app', async () => {
      const answer = await send('/submit', {
        method: 'POST',
        headers: { 'x-stack-access-token': ids.bob.accessToken, 'content-type': 'text/plain' },
        body: 'hello app',
      });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.upstream.method, 'POST');
      assert.equal(answer.upstream.body, 'hello app');
      assert.equal(answer.upstream.headers['x-latchkey-user-id'], ids.bob.userId);
    });

    test('forged identity headers never reach the app', async () => {
      const answer = await send('/hello', {
        headers: {
          ...bearer(ids.bob),
          'x-latchkey-user-id': ids.alice.userId,
          'x-latchkey-project-id': 'another-project',
          'x-latchkey-team-id': ids.teamId,
          'x-latchkey-is-anonymous': 'true',
          'x-latchkey-role': 'admin',
        },
      });
      assert.equal(answer.status, 200, answer.text);
      const { headers } = answer.upstream;
      // Caddy drops every x-latchkey-* first (request_header -X-Latchkey-*);
      // nginx cannot drop by prefix, and replaces the four identity headers.
      if (name === 'caddy') assert.equal(headers['x-latchkey-role'], undefined);
      assert.equal(headers['x-latchkey-user-id'], ids.bob.userId);
      assert.equal(headers['x-latchkey-project-id'], 'internal');
      assert.equal(headers['x-latchkey-is-anonymous'], 'false');
      assert.ok(!headers['x-latchkey-team-id'], JSON.stringify(headers));
      // Forged and refused: the forgery does not get anyone in either.
      const refused = await send('/hello', { headers: { 'x-latchkey-user-id': ids.alice.userId } });
      assert.equal(refused.status, 401);
      assert.equal(refused.reached, false);
    });

    test('a header too long to check (a large cookie) does not stop the check', async () => {
      // Straight to latchkeyd: nginx's default header buffers stop at 8 KiB.
      const response = await fetch(`${server.httpUrl}/forward-auth`, {
        headers: { ...bearer(ids.alice), cookie: `session=${'x'.repeat(9000)}` },
      });
      assert.equal(response.status, 200, await response.text());
      assert.equal(response.headers.get('x-latchkey-user-id'), ids.alice.userId);
    });

    test('extra identity headers: the user\'s values, never a client-forged one', async () => {
      const answer = await send('/hello', {
        headers: { ...bearer(ids.alice), 'x-user-email': 'boss@example.com', 'x-user-name': 'The Boss' },
      });
      assert.equal(answer.status, 200, answer.text);
      const { headers } = answer.upstream;
      assert.equal(headers['x-user-email'], ids.alice.email);
      // Alice has no display name: the header is cleared, not passed on.
      assert.ok(!headers['x-user-name'], JSON.stringify(headers));
      // The verify endpoint itself answers the extra headers (empty when
      // the user has no value), as proxies copy them.
      const direct = await fetch(`${server.httpUrl}/forward-auth`, { headers: bearer(ids.alice) });
      assert.equal(direct.status, 200);
      assert.equal(direct.headers.get('x-user-email'), ids.alice.email);
      assert.equal(direct.headers.get('x-user-name'), '');
    });

    test('a selected team reaches the app', async () => {
      const answer = await send('/hello', {
        headers: { ...bearer(ids.aliceInTeam), 'x-latchkey-team-id': 'forged-team' },
      });
      assert.equal(answer.status, 200, answer.text);
      assert.equal(answer.upstream.headers['x-latchkey-team-id'], ids.teamId);
    });

    test('a restricted user is refused with 403', async () => {
      const answer = await send('/hello', { headers: bearer(ids.restricted) });
      assert.equal(answer.status, 403, answer.text);
      assert.equal(answer.reached, false);
    });

    test('anonymous users are refused by default', async () => {
      const answer = await send('/hello', { headers: bearer(ids.anonymous) });
      assert.equal(answer.status, 401, answer.text);
      assert.equal(answer.reached, false);
    });

    test('a permission-gated route: 200 for the holder, 403 for others', async () => {
      const allowed = await send('/docs/readme', { headers: bearer(ids.alice) });
      assert.equal(allowed.status, 200, allowed.text);
      assert.equal(allowed.upstream.headers['x-latchkey-user-id'], ids.alice.userId);
      const forbidden = await send('/docs/readme', { headers: bearer(ids.bob) });
      assert.equal(forbidden.status, 403, forbidden.text);
      assert.equal(forbidden.reached, false);
      if (name === 'caddy') assert.equal(JSON.parse(forbidden.text).code, 'PROJECT_PERMISSION_REQUIRED');
      assert.equal((await send('/docs/readme')).status, 401);
    });

    test('a team permission, in the team the request names', async () => {
      const team = { 'x-team-id': ids.teamId };
      const allowed = await send('/team/roster', { headers: { ...bearer(ids.alice), ...team } });
      assert.equal(allowed.status, 200, allowed.text);
      const outsider = await send('/team/roster', { headers: { ...bearer(ids.bob), ...team } });
      assert.equal(outsider.status, 403, outsider.text);
      assert.equal(outsider.reached, false);
      const noTeam = await send('/team/roster', { headers: bearer(ids.alice) });
      assert.equal(noTeam.status, 403, noTeam.text);
    });
  });
}
