// Stack Auth's signing keys, derived from the server secret exactly as
// docs/stack-wire-format.md (scheme 1) gives it, independently of Latchkey's
// C++: lets a test forge tokens the server must treat as its own (e.g. expired ones).
import { createECDH, createHash } from 'node:crypto';

import * as jose from 'jose';

// {kid, key}: the ES256 private key that signs `audience`'s tokens.
export async function derivedSigningKey(serverSecret, audience) {
  const sha256 = (data) => createHash('sha256').update(data).digest();
  const secret1 = sha256(JSON.stringify([serverSecret, audience])).toString('base64url');
  const kid = sha256(JSON.stringify([secret1, 'kid'])).toString('base64url').slice(0, 12);
  const d = sha256(Buffer.from(secret1, 'base64url'));
  const ecdh = createECDH('prime256v1');
  ecdh.setPrivateKey(d);
  const point = ecdh.getPublicKey();
  const jwk = {
    kty: 'EC', crv: 'P-256', d: d.toString('base64url'),
    x: point.subarray(1, 33).toString('base64url'), y: point.subarray(33).toString('base64url'),
  };
  return { kid, key: await jose.importJWK(jwk, 'ES256') };
}

// A copy of `jwt` with new times, re-signed with the derived key of its own
// audience (so only the times differ from what the server issued).
export async function resignWithTimes(serverSecret, jwt, { iat, exp }) {
  const claims = jose.decodeJwt(jwt);
  const { kid, key } = await derivedSigningKey(serverSecret, claims.aud);
  return new jose.SignJWT({ ...claims, iat, exp })
      .setProtectedHeader({ alg: 'ES256', kid })
      .sign(key);
}
