// Bot challenges on sign-up and sign-in codes (4/9 item 1): with a project's
// verifier configured, Stack's bot_challenge_* fields are checked against
// it. The verifier here is a small local HTTP server that STANDS IN FOR
// CLOUDFLARE TURNSTILE's siteverify endpoint (form secret/response/remoteip
// in, {"success": bool} out); it passes tokens starting with "pass".
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { assertError, restCaller } from '../lib/rest.mjs';

const SECRET = 'turnstile-secret&1';
let server;
let verifier;
let verifierUrl;
const seen = [];
const call = (apiPath, options) => restCaller(server)(apiPath, options);

before(async () => {
  verifier = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      seen.push(Object.fromEntries(form));
      const ok = form.get('secret') === SECRET && (form.get('response') ?? '').startsWith('pass');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ success: ok, 'error-codes': ok ? [] : ['invalid-input-response'] }));
    });
  });
  await new Promise((resolve) => verifier.listen(0, '127.0.0.1', resolve));
  verifierUrl = `http://127.0.0.1:${verifier.address().port}/siteverify`;
  server = await startLatchkeyd({ env: { LATCHKEY_BOT_CHALLENGE_ALLOW_LOOPBACK_HTTP: 'true' } });
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
  verifier?.close();
});

const client = {
  'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
  'x-stack-publishable-client-key': '',
};
const admin = () => ({
  'x-stack-project-id': 'internal', 'x-stack-access-type': 'admin',
  'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
});
delete client['x-stack-publishable-client-key'];

async function configure(values) {
  const response = await call('/internal/config/override/project', {
    method: 'PATCH', headers: admin(),
    body: { config_override_string: JSON.stringify(values) },
  });
  return response;
}

let counter = 0;
const signUp = (extra) => call('/auth/password/sign-up', {
  method: 'POST', headers: client,
  body: { email: `bot${++counter}@example.com`, password: 'correct horse', ...extra },
});
const sendCode = (extra) => call('/auth/otp/send-sign-in-code', {
  method: 'POST', headers: client,
  body: { email: `otp${++counter}@example.com`, callback_url: 'http://localhost:3000/cb', ...extra },
});

describe('without a verifier', () => {
  test('the fields are accepted and not checked', async () => {
    const response = await signUp({ bot_challenge_token: 'anything', bot_challenge_phase: 'invisible' });
    assert.equal(response.status, 200, response.text);
    assert.equal(seen.length, 0);
  });
});

describe('with a verifier', () => {
  before(async () => {
    const bad = await configure({ 'bot_challenge.verify_url': verifierUrl });
    assertError(bad, 400, 'SCHEMA_ERROR');
    assert.match(bad.json.error, /bot_challenge\.secret/);
    const response = await configure({
      'bot_challenge.verify_url': verifierUrl, 'bot_challenge.secret': SECRET, magic_link_enabled: true,
    });
    assert.equal(response.status, 200, response.text);
    // The secret is write only.
    assert.equal(response.json.bot_challenge.verify_url, verifierUrl);
    assert.equal(response.json.bot_challenge.secret, '');
    const config = await call('/internal/config', { headers: admin() });
    assert.equal(config.json.bot_challenge.secret, '');
    assert.ok(!config.text.includes(SECRET));
  });

  for (const [name, send] of [['sign-up', signUp], ['send-sign-in-code', sendCode]]) {
    test(`${name}: a passing token goes through; failures follow the phase`, async () => {
      const before = seen.length;
      const passed = await send({ bot_challenge_token: 'pass-1' });
      assert.equal(passed.status, 200, passed.text);
      assert.equal(seen.length, before + 1);
      assert.equal(seen.at(-1).secret, SECRET);
      assert.equal(seen.at(-1).response, 'pass-1');
      assert.equal(seen.at(-1).remoteip, '127.0.0.1');

      assertError(await send({}), 409, 'BOT_CHALLENGE_REQUIRED');
      assertError(await send({ bot_challenge_token: 'nope', bot_challenge_phase: 'invisible' }),
        409, 'BOT_CHALLENGE_REQUIRED');
      const visible = await send({ bot_challenge_token: 'nope', bot_challenge_phase: 'visible' });
      assertError(visible, 400, 'BOT_CHALLENGE_FAILED');
      assert.equal(typeof visible.json.details.message, 'string');
      assert.equal(visible.headers.get('x-stack-known-error'), 'BOT_CHALLENGE_FAILED');
      const visiblePass = await send({ bot_challenge_token: 'pass-2', bot_challenge_phase: 'visible' });
      assert.equal(visiblePass.status, 200, visiblePass.text);
      // As in Stack, a client that cannot run a challenge is let through.
      const unavailable = await send({ bot_challenge_unavailable: 'true' });
      assert.equal(unavailable.status, 200, unavailable.text);
      // Malformed fields are still a schema error, before any verification.
      assertError(await send({ bot_challenge_phase: 'visible' }), 400, 'SCHEMA_ERROR');
    });
  }

  for (const version of ['102', '108']) {
    test(`Stack SDK 2.8.${version}: a sign-up without a challenge is refused as a bot-challenge error`, async () => {
      const sdk = await import(`stack-js-${version}`);
      const app = new sdk.StackClientApp({
        projectId: 'internal', tokenStore: 'memory', baseUrl: server.httpUrl,
        publishableClientKey: server.keys.publishableClientKey,
      });
      const result = await app.signUpWithCredential({
        email: `sdk-bot-${version}@example.com`, password: 'correct horse', noRedirect: true,
        verificationCallbackUrl: 'http://localhost:3000/verify',
      });
      // The server answers BOT_CHALLENGE_REQUIRED; with no Turnstile site
      // key to show a visible challenge (Node), the SDK recognises it and
      // gives up with its own BOT_CHALLENGE_FAILED.
      assert.equal(result.status, 'error');
      assert.equal(result.error.errorCode, 'BOT_CHALLENGE_FAILED');
    });
  }

  test('a verifier that cannot be reached fails closed', async () => {
    const response = await configure({ 'bot_challenge.verify_url': 'http://127.0.0.1:9/siteverify' });
    assert.equal(response.status, 200, response.text);
    const down = await signUp({ bot_challenge_token: 'pass-3' });
    assertError(down, 400, 'BOT_CHALLENGE_FAILED');
    assert.match(down.json.details.message, /could not be reached/);
  });
});
