// A real gRPC client (@grpc/grpc-js) against a running latchkeyd: health
// and server reflection, the two things a mesh or grpcurl asks first.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { GrpcReflection } from 'grpc-js-reflection-client';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';

let server;
before(async () => { server = await startLatchkeyd(); });
after(async () => {
  if (server) assert.equal(await server.stop(), 0, 'latchkeyd exits 0 on SIGTERM');
});

function healthClient(address) {
  const definition = protoLoader.loadSync(healthProtoPath, { enums: String });
  const { grpc: { health: { v1 } } } = grpc.loadPackageDefinition(definition);
  return new v1.Health(address, grpc.credentials.createInsecure());
}

test('health answers SERVING for the whole server', async () => {
  const client = healthClient(server.grpcAddress);
  const response = await new Promise((resolve, reject) =>
    client.check({ service: '' }, (error, reply) => (error ? reject(error) : resolve(reply))));
  assert.equal(response.status, 'SERVING');
  client.close();
});

test('reflection lists the five identity services', async () => {
  const reflection = new GrpcReflection(server.grpcAddress, grpc.credentials.createInsecure());
  const services = await reflection.listServices();
  for (const name of ['identity.v1.AuthService', 'identity.v1.TokenService',
    'identity.v1.ProjectService', 'identity.v1.TeamPermissionService',
    'identity.v1.UserService']) {
    assert.ok(services.includes(name), `${name} in ${services.join(', ')}`);
  }
});

test('reflection serves descriptors a client can call with', async () => {
  const reflection = new GrpcReflection(server.grpcAddress, grpc.credentials.createInsecure());
  const descriptor = await reflection.getDescriptorBySymbol('identity.v1.AuthService');
  const definition = descriptor.getPackageDefinition();
  const { identity: { v1 } } = grpc.loadPackageDefinition(definition);
  const client = new v1.AuthService(server.grpcAddress, grpc.credentials.createInsecure());
  // No access type: request authentication refuses before the method runs.
  const error = await new Promise((resolve) =>
    client.passwordSignIn({ email: 'a@example.com', password: 'long enough' },
        (err) => resolve(err)));
  assert.equal(error.code, grpc.status.UNAUTHENTICATED);
  client.close();
});
