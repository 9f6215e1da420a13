// Records WebAuthn test vectors from Chromium's virtual authenticator (CDP)
// for crypto/webauthn_test.cc and the parsers' seed corpus: for each
// algorithm, one registration and two assertions (the counter grows), with
// fixed challenges, from the page origin http://localhost:52001.
//
// Run from the repository root (needs tests/interop's node_modules):
//   node crypto/testdata/webauthn/record_vectors.mjs
import { createHash, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  launchChromium, pageWithAuthenticator, servePage,
} from '../../../tests/interop/lib/webauthn_browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const port = 52001;
const b64u = (s) => Buffer.from(s).toString('base64url');
const challenges = {
  registration: b64u('latchkey registration challenge 0'),
  first: b64u('latchkey assertion challenge 0001'),
  second: b64u('latchkey assertion challenge 0002'),
};
const userHandle = b64u('3f1d2c4b-0000-4000-8000-000000000001');

// The few CBOR items a packed attestation object needs (RFC 8949 heads).
const cborHead = (major, n) => (n < 24 ? Buffer.from([major << 5 | n])
  : n < 256 ? Buffer.from([major << 5 | 24, n])
    : Buffer.from([major << 5 | 25, n >> 8, n & 255]));
const cborText = (s) => Buffer.concat([cborHead(3, Buffer.byteLength(s)), Buffer.from(s)]);
const cborBytes = (b) => Buffer.concat([cborHead(2, b.length), b]);
const cborNegative = (n) => cborHead(1, -1 - n);

// A packed self-attestation of the recorded registration: the statement is
// signed by the credential's own private key (which the virtual
// authenticator reveals over CDP), as an authenticator without an
// attestation certificate would.
function packedSelfAttestation(registration, privateKeyB64, alg) {
  const raw = (s) => Buffer.from(s, 'base64url');
  const attestation = raw(registration.response.attestationObject);
  // The recorded object is {fmt:"none", attStmt:{}, authData:<bytes>} in
  // that order; authData is the last item.
  const prefix = Buffer.concat([cborHead(5, 3), cborText('fmt'), cborText('none'),
    cborText('attStmt'), cborHead(5, 0), cborText('authData')]);
  if (!attestation.subarray(0, prefix.length).equals(prefix)) throw new Error('unexpected attestation layout');
  const head = attestation[prefix.length] & 31;
  const skip = head < 24 ? 1 : head === 24 ? 2 : 3;
  const authData = attestation.subarray(prefix.length + skip);
  const clientDataHash = createHash('sha256').update(raw(registration.response.clientDataJSON)).digest();
  const signature = sign('sha256', Buffer.concat([authData, clientDataHash]),
    { key: Buffer.from(privateKeyB64, 'base64'), format: 'der', type: 'pkcs8' });
  return Buffer.concat([cborHead(5, 3), cborText('fmt'), cborText('packed'),
    cborText('attStmt'), cborHead(5, 2), cborText('alg'), cborNegative(alg), cborText('sig'), cborBytes(signature),
    cborText('authData'), cborBytes(authData)]).toString('base64url');
}

const algorithms = [['es256', -7], ['eddsa', -8], ['rs256', -257]];

const page = await servePage(port);
const chromium = await launchChromium();
try {
  mkdirSync(path.join(here, 'corpus'), { recursive: true });
  for (const [name, alg] of algorithms) {
    const tab = await pageWithAuthenticator(chromium.browser, `http://localhost:${port}/`);
    const registration = await tab.page.evaluate((options) => window.createPasskey(options), {
      rp: { name: 'Latchkey test', id: 'THIS_VALUE_WILL_BE_REPLACED.example.com' },
      user: { id: userHandle, name: 'test user', displayName: 'test user' },
      challenge: challenges.registration,
      pubKeyCredParams: [{ alg, type: 'public-key' }],
      timeout: 60000,
      attestation: 'none',
      authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'preferred' },
    });
    const assertions = [];
    for (const challenge of [challenges.first, challenges.second]) {
      assertions.push(await tab.page.evaluate((options) => window.getPasskey(options), {
        challenge, rpId: 'THIS_VALUE_WILL_BE_REPLACED.example.com',
        allowCredentials: [], timeout: 60000, userVerification: 'preferred',
      }));
    }
    const [credential] = await tab.credentials();
    const vector = {
      origin: `http://localhost:${port}`,
      rp_id: 'localhost',
      alg,
      challenges,
      registration,
      assertions,
    };
    if (alg === -7) {
      vector.packed_self_attestation_object =
          packedSelfAttestation(registration, credential.privateKey, alg);
    }
    writeFileSync(path.join(here, `${name}.json`), `${JSON.stringify(vector, null, 2)}\n`);
    const raw = (s) => Buffer.from(s, 'base64url');
    writeFileSync(path.join(here, 'corpus', `${name}_attestation.cbor`), raw(registration.response.attestationObject));
    writeFileSync(path.join(here, 'corpus', `${name}_assertion_authdata.bin`), raw(assertions[0].response.authenticatorData));
    await tab.page.close();
    console.log(`recorded ${name}`);
  }
} finally {
  await chromium.close();
  await page.close();
}
