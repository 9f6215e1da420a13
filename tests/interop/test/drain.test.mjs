// Graceful drain of a real latchkeyd on SIGTERM, under load: health turns
// NOT_SERVING and /readyz 503 at once while connections are still taken
// for --shutdown_delay_seconds; then new connections are refused, and the
// calls already accepted (gRPC calls queued behind slow password hashes, a
// REST request whose body is still arriving) all finish; exit code 0.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { GrpcReflection } from 'grpc-js-reflection-client';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';

// Polls `probe` every 20 ms until it returns true; fails after `ms`.
async function until(what, probe, ms = 10_000) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await probe()) return;
    await sleep(20);
  }
  throw new Error(`${what}: not within ${ms} ms`);
}

function connectOutcome(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve('connected'); });
    socket.once('error', (error) => resolve(error.code));
  });
}

function healthStatus(address) {
  const definition = protoLoader.loadSync(healthProtoPath, { enums: String });
  const { grpc: { health: { v1 } } } = grpc.loadPackageDefinition(definition);
  const client = new v1.Health(address, grpc.credentials.createInsecure());
  return new Promise((resolve) => {
    client.check({ service: '' }, (error, reply) => {
      client.close();
      resolve(error ? `error ${error.code}` : reply.status);
    });
  });
}

test('SIGTERM under load: no accepted call fails, then exit 0', async () => {
  const server = await startLatchkeyd({
    args: ['--shutdown_delay_seconds=2', '--shutdown_grace_seconds=8',
      '--password_hash_concurrency=1'],
  });
  const httpPort = Number(new URL(server.httpUrl).port);
  const keys = server.keys;
  let exited = false;
  try {
    const reflection = new GrpcReflection(server.grpcAddress, grpc.credentials.createInsecure());
    const descriptor = await reflection.getDescriptorBySymbol('identity.v1.AuthService');
    const { identity: { v1 } } = grpc.loadPackageDefinition(descriptor.getPackageDefinition());
    const auth = new v1.AuthService(server.grpcAddress, grpc.credentials.createInsecure());
    const metadata = () => {
      const m = new grpc.Metadata();
      m.set('x-stack-project-id', 'internal');
      m.set('x-stack-access-type', 'client');
      m.set('x-stack-publishable-client-key', keys.publishableClientKey);
      return m;
    };
    // Warm the connection so the calls below are accepted at once.
    assert.equal(await healthStatus(server.grpcAddress), 'SERVING');

    // A REST sign-up whose body is still arriving when the listener closes.
    const body = JSON.stringify({ email: `held.${process.pid}@example.com`, password: 'correct horse battery' });
    const held = net.connect(httpPort, '127.0.0.1');
    await new Promise((resolve) => held.once('connect', resolve));
    let heldAnswer = '';
    held.setEncoding('utf8');
    held.on('data', (chunk) => { heldAnswer += chunk; });
    const heldClosed = new Promise((resolve) => held.once('close', resolve));
    held.write([
      'POST /api/v1/auth/password/sign-up HTTP/1.1', 'Host: latchkey',
      'Content-Type: application/json', 'x-stack-project-id: internal',
      'x-stack-access-type: client', `x-stack-publishable-client-key: ${keys.publishableClientKey}`,
      `Content-Length: ${Buffer.byteLength(body)}`, '', ''].join('\r\n'));
    held.write(body.slice(0, 10));

    // Six gRPC sign-ups queued behind one hashing thread: in flight at SIGTERM.
    const calls = [];
    for (let i = 0; i < 6; i++) {
      calls.push(new Promise((resolve) => {
        auth.passwordSignUp({ email: `drain${i}.${process.pid}@example.com`, password: 'correct horse battery' },
            metadata(), (error, reply) => resolve(error ?? reply));
      }));
    }
    process.kill(server.pid, 'SIGTERM');

    // At once: not ready, on both doors, while connections are still taken.
    await until('/readyz 503', async () => (await fetch(`${server.httpUrl}/readyz`)).status === 503);
    assert.equal(await healthStatus(server.grpcAddress), 'NOT_SERVING');
    // During the delay a new request is still served.
    assert.equal((await fetch(`${server.httpUrl}/api/v1`)).status, 200);

    // After the delay, new connections are refused, while the held request
    // keeps the process alive.
    await until('HTTP connections refused', async () => (await connectOutcome(httpPort)) === 'ECONNREFUSED');
    held.end(body.slice(10));
    await heldClosed;
    assert.match(heldAnswer, /^HTTP\/1\.1 200 /, heldAnswer + server.logs.map((l) => JSON.stringify(l)).join('\n'));
    assert.match(heldAnswer, /"user_id"/);

    for (const outcome of await Promise.all(calls)) {
      assert.ok(outcome.user_id ?? outcome.userId, `an accepted gRPC call failed: ${outcome.message ?? JSON.stringify(outcome)}`);
    }
    auth.close();
    const code = await server.stop();  // already signalled: waits for the exit
    exited = true;
    assert.equal(code, 0);
    const messages = server.logs.map((entry) => entry.msg);
    assert.ok(messages.indexOf('draining') < messages.indexOf('shutting down'), messages.join(','));
    assert.ok(messages.includes('latchkeyd stopped'));
  } finally {
    if (!exited) await server.kill();
  }
});
