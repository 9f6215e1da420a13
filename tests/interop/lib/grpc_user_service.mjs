// A UserService client for tests, built from the server's own reflection
// and calling the internal project as a server (with its secret server key)
// or, with accessType 'client', as a client. unary(method, request)
// resolves with the answer or rejects with the gRPC error; close() ends the
// channel.
import * as grpc from '@grpc/grpc-js';
import { GrpcReflection } from 'grpc-js-reflection-client';

export async function internalUserService(server, accessType = 'server') {
  const reflection = new GrpcReflection(server.grpcAddress, grpc.credentials.createInsecure());
  const descriptor = await reflection.getDescriptorBySymbol('identity.v1.UserService');
  const { identity: { v1 } } = grpc.loadPackageDefinition(descriptor.getPackageDefinition());
  const stub = new v1.UserService(server.grpcAddress, grpc.credentials.createInsecure());
  const metadata = new grpc.Metadata();
  metadata.set('x-stack-project-id', 'internal');
  metadata.set('x-stack-access-type', accessType);
  if (accessType === 'server') metadata.set('x-stack-secret-server-key', server.keys.secretServerKey);
  const unary = (method, request) => new Promise((resolve, reject) =>
    stub[method](request, metadata, (error, response) => (error ? reject(error) : resolve(response))));
  return { unary, close: () => stub.close() };
}
