// TLS on both listeners of a real latchkeyd, with certificates this test
// makes with the openssl CLI: HTTPS (curl) and gRPC over TLS (grpc-js)
// succeed; a renewed certificate is picked up without a restart; with
// --tls_client_ca, a gRPC client without a certificate the CA signed is
// refused while one with such a certificate gets in.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';

import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';

let dir;
const file = (name) => path.join(dir, name);

function openssl(...args) {
  execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

// A CA: <name>.key, <name>.pem.
function makeCa(name) {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', file(`${name}.key`), '-out', file(`${name}.pem`), '-days', '2',
    '-subj', `/CN=${name}`);
}

// A leaf signed by `ca` with this serial: <name>.key, <name>.pem.
function makeLeaf(name, ca, serial, { server = true } = {}) {
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', `/CN=${name}`);
  const ext = server
    ? 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n'
    : 'extendedKeyUsage=clientAuth\n';
  writeFileSync(file(`${name}.ext`), ext);
  openssl('x509', '-req', '-in', file(`${name}.csr`), '-CA', file(`${ca}.pem`),
    '-CAkey', file(`${ca}.key`), '-set_serial', String(serial), '-days', '2',
    '-extfile', file(`${name}.ext`), '-out', file(`${name}.pem`));
}

// Replaces the served pair the way a renewal should: each file by rename.
function installServerPair(name) {
  writeFileSync(file('served.key.tmp'), readFileSync(file(`${name}.key`)));
  writeFileSync(file('served.pem.tmp'), readFileSync(file(`${name}.pem`)));
  renameSync(file('served.key.tmp'), file('served.key'));
  renameSync(file('served.pem.tmp'), file('served.pem'));
}

before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'latchkey-tls-'));
  makeCa('ca');
  makeCa('rogue-ca');
  makeLeaf('server1', 'ca', 0x1001);
  makeLeaf('server2', 'ca', 0x1002);
  makeLeaf('client', 'ca', 5001, { server: false });
  makeLeaf('rogue-client', 'rogue-ca', 6001, { server: false });
  installServerPair('server1');
});
after(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

function portOf(address) { return Number(address.split(':').pop()); }

// The serial (hex, upper case) of the certificate served on `port`.
function servedSerial(port, alpn) {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({
      host: '127.0.0.1', port, ca: readFileSync(file('ca.pem')), ALPNProtocols: alpn,
      cert: readFileSync(file('client.pem')), key: readFileSync(file('client.key')),
    }, () => {
      const serial = socket.getPeerCertificate().serialNumber;
      socket.destroy();
      resolve(serial);
    });
    socket.once('error', reject);
  });
}

function health(address, credentials) {
  const definition = protoLoader.loadSync(healthProtoPath, { enums: String });
  const { grpc: { health: { v1 } } } = grpc.loadPackageDefinition(definition);
  const client = new v1.Health(address, credentials);
  return new Promise((resolve) => {
    client.check({ service: '' }, { deadline: Date.now() + 5000 }, (error, reply) => {
      client.close();
      resolve(error ? { code: error.code } : { status: reply.status });
    });
  });
}

function curl(url, ...extra) {
  const result = spawnSync('curl', ['-sS', '--cacert', file('ca.pem'), '-o', '/dev/null',
    '-w', '%{http_code}', ...extra, url], { encoding: 'utf8' });
  return { code: result.stdout, error: result.stderr };
}

const tlsArgs = () => [`--tls_cert=${file('served.pem')}`, `--tls_key=${file('served.key')}`];

test('HTTPS and gRPC over TLS; a renewed certificate is served without a restart', async () => {
  installServerPair('server1');
  const server = await startLatchkeyd({ args: tlsArgs() });
  try {
    const httpPort = Number(new URL(server.httpUrl).port);
    const https = `https://127.0.0.1:${httpPort}`;
    assert.deepEqual(curl(`${https}/api/v1`), { code: '200', error: '' });
    // Plain HTTP to the TLS port gets no answer of ours.
    assert.notEqual(spawnSync('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}',
      `http://127.0.0.1:${httpPort}/api/v1`], { encoding: 'utf8' }).stdout, '200');
    const caCreds = grpc.credentials.createSsl(readFileSync(file('ca.pem')));
    assert.deepEqual(await health(server.grpcAddress, caCreds), { status: 'SERVING' });
    assert.equal((await health(server.grpcAddress, grpc.credentials.createInsecure())).code,
      grpc.status.UNAVAILABLE);
    // The issuer in tokens is the https URL.
    const started = server.logs.find((entry) => entry.msg === 'latchkeyd started');
    assert.equal(started.tls, true);

    const grpcPort = portOf(server.grpcAddress);
    assert.equal(await servedSerial(httpPort, ['http/1.1']), '1001');
    assert.equal(await servedSerial(grpcPort, ['h2']), '1001');

    installServerPair('server2');
    const end = Date.now() + 15_000;
    let serials = [];
    while (Date.now() < end) {
      serials = [await servedSerial(httpPort, ['http/1.1']), await servedSerial(grpcPort, ['h2'])];
      if (serials[0] === '1002' && serials[1] === '1002') break;
      await sleep(100);
    }
    assert.deepEqual(serials, ['1002', '1002'], 'both listeners serve the renewed certificate');
    assert.deepEqual(curl(`${https}/api/v1`), { code: '200', error: '' });
    assert.deepEqual(await health(server.grpcAddress, caCreds), { status: 'SERVING' });
    assert.ok(server.logs.some((entry) => entry.msg === 'the HTTP listener loaded a new TLS certificate'));
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('with --tls_client_ca, gRPC needs a client certificate the CA signed', async () => {
  installServerPair('server1');
  const server = await startLatchkeyd({ args: [...tlsArgs(), `--tls_client_ca=${file('ca.pem')}`] });
  try {
    const ca = readFileSync(file('ca.pem'));
    const withClient = grpc.credentials.createSsl(ca, readFileSync(file('client.key')),
      readFileSync(file('client.pem')));
    assert.deepEqual(await health(server.grpcAddress, withClient), { status: 'SERVING' });
    const without = await health(server.grpcAddress, grpc.credentials.createSsl(ca));
    assert.equal(without.code, grpc.status.UNAVAILABLE, JSON.stringify(without));
    const rogue = grpc.credentials.createSsl(ca, readFileSync(file('rogue-client.key')),
      readFileSync(file('rogue-client.pem')));
    assert.equal((await health(server.grpcAddress, rogue)).code, grpc.status.UNAVAILABLE);
    // The HTTP listener does not ask browsers for certificates.
    assert.deepEqual(curl(`https://127.0.0.1:${new URL(server.httpUrl).port}/api/v1`),
      { code: '200', error: '' });
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('a key that does not match the certificate stops the start', async () => {
  await assert.rejects(startLatchkeyd({
    args: [`--tls_cert=${file('server1.pem')}`, `--tls_key=${file('server2.key')}`],
  }), /is not the key of the certificate/);
});
