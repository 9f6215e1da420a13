// Passkeys in a real browser: Debian's Chromium, headless, with CDP virtual
// authenticators (CTAP 2.1, resident keys, user verification), driven by
// puppeteer-core 24 (lib/webauthn_browser.mjs). A page on
// http://localhost:<port> (a trusted domain of the test project) runs
// navigator.credentials.create()/get() with the options latchkeyd returns;
// the test relays the results to latchkeyd's REST routes.
//
// In a container Chromium runs as root, so it needs --no-sandbox, and the
// new headless mode (--headless=new); lib/webauthn_browser.mjs passes both.
// Each browser gets a profile in a temporary directory, removed afterwards;
// only the browsers started here are closed.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { assertError, restCaller } from '../lib/rest.mjs';
import {
  chromiumPath, launchChromium, pageWithAuthenticator, servePage,
} from '../lib/webauthn_browser.mjs';

// Email-verification links must point at a trusted domain too.
const callbackOn = (page) => `http://localhost:${page.port}/handler/email-verification`;
const PLACEHOLDER = 'THIS_VALUE_WILL_BE_REPLACED.example.com';

describe('passkeys in headless Chromium with a virtual authenticator', {
  skip: existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath}`,
}, () => {
  let server;
  let trustedPage;    // the project's trusted domain
  let untrustedPage;  // another port: another origin
  const browsers = [];
  const call = (apiPath, options) => restCaller(server)(apiPath, options);

  const client = (token) => ({
    'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
    'x-stack-publishable-client-key': server.keys.publishableClientKey,
    ...(token ? { 'x-stack-access-token': token } : {}),
  });
  const admin = () => ({
    'x-stack-project-id': 'internal', 'x-stack-access-type': 'admin',
    'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
  });

  let counter = 0;
  async function signUp() {
    const email = `passkey${++counter}@example.com`;
    const response = await call('/auth/password/sign-up', {
      method: 'POST', headers: client(),
      body: { email, password: 'correct horse', verification_callback_url: callbackOn(trustedPage) },
    });
    assert.equal(response.status, 200, response.text);
    return { id: response.json.user_id, token: response.json.access_token, email };
  }

  // A new browser (own profile) with a tab on `page` holding its own
  // virtual authenticator.
  async function browserTab(page = trustedPage) {
    const chromium = await launchChromium();
    browsers.push(chromium);
    return pageWithAuthenticator(chromium.browser, `http://localhost:${page.port}/`);
  }

  async function initiateRegistration(user) {
    const response = await call('/auth/passkey/initiate-passkey-registration', {
      method: 'POST', headers: client(user.token), body: {},
    });
    assert.equal(response.status, 200, response.text);
    return response.json;
  }

  async function register(tab, user) {
    const { options_json: options, code } = await initiateRegistration(user);
    const credential = await tab.page.evaluate((o) => window.createPasskey(o), options);
    return call('/auth/passkey/register', {
      method: 'POST', headers: client(user.token), body: { credential, code },
    });
  }

  async function initiateAuthentication() {
    const response = await call('/auth/passkey/initiate-passkey-authentication', {
      method: 'POST', headers: client(), body: {},
    });
    assert.equal(response.status, 200, response.text);
    return response.json;
  }

  async function assertion(tab) {
    const { options_json: options, code } = await initiateAuthentication();
    const response = await tab.page.evaluate((o) => window.getPasskey(o), options);
    return { response, code };
  }

  const signIn = ({ response, code }) => call('/auth/passkey/sign-in', {
    method: 'POST', headers: client(), body: { authentication_response: response, code },
  });

  before(async () => {
    server = await startLatchkeyd();
    trustedPage = await servePage();
    untrustedPage = await servePage();
    // Only the trusted page's origin is trusted: no blanket localhost.
    const response = await call('/internal/config/override/project', {
      method: 'PATCH', headers: admin(),
      body: {
        config_override_string: JSON.stringify({
          passkey_enabled: true,
          allow_localhost: false,
          domains: [{ domain: `http://localhost:${trustedPage.port}`, handler_path: '/handler' }],
        }),
      },
    });
    assert.equal(response.status, 200, response.text);
  });

  after(async () => {
    for (const chromium of browsers) await chromium.close();
    if (trustedPage) await trustedPage.close();
    if (untrustedPage) await untrustedPage.close();
    if (server) assert.equal(await server.stop(), 0);
  });

  test('the options carry Stack\'s placeholder RP id and algorithms', async () => {
    const user = await signUp();
    const { options_json: options, code } = await initiateRegistration(user);
    assert.equal(code.length, 45);
    assert.equal(options.rp.id, PLACEHOLDER);
    assert.deepEqual(options.pubKeyCredParams.map((p) => p.alg), [-8, -7, -257]);
    assert.equal(options.user.id, Buffer.from(user.id).toString('base64url'));
    assert.equal(options.attestation, 'none');
    assert.equal(options.timeout, 60000);
    const request = await initiateAuthentication();
    assert.deepEqual(Object.keys(request.options_json).sort(),
      ['allowCredentials', 'challenge', 'rpId', 'timeout', 'userVerification']);
    assert.equal(request.options_json.rpId, PLACEHOLDER);
  });

  test('register, sign in, sign in again with a growing counter', async () => {
    const user = await signUp();
    const tab = await browserTab();
    const registered = await register(tab, user);
    assert.equal(registered.status, 200, registered.text);
    const [stored] = await tab.credentials();
    assert.equal(registered.json.user_handle, Buffer.from(stored.credentialId, 'base64').toString('base64url'));
    assert.equal(stored.rpId, 'localhost');

    const me = await call('/users/me', { headers: client(user.token) });
    assert.equal(me.json.passkey_auth_enabled, true);

    const counters = [];
    for (let i = 0; i < 2; i++) {
      const signedIn = await signIn(await assertion(tab));
      assert.equal(signedIn.status, 200, signedIn.text);
      assert.equal(signedIn.json.user_id, user.id);
      assert.equal(signedIn.json.is_new_user, false);
      assert.ok(signedIn.json.access_token && signedIn.json.refresh_token);
      counters.push((await tab.credentials())[0].signCount);
      const session = await call('/users/me', { headers: client(signedIn.json.access_token) });
      assert.equal(session.json.id, user.id);
    }
    assert.ok(counters[1] > counters[0], `counter ${counters[1]} after ${counters[0]}`);
  });

  test('a replayed assertion and a reused code are refused', async () => {
    const user = await signUp();
    const tab = await browserTab();
    assert.equal((await register(tab, user)).status, 200);
    const first = await assertion(tab);
    assert.equal((await signIn(first)).status, 200);
    assertError(await signIn(first), 409, 'VERIFICATION_CODE_ALREADY_USED');
    // The same assertion with a fresh code: the challenge differs.
    const { code } = await initiateAuthentication();
    assertError(await signIn({ response: first.response, code }), 400, 'PASSKEY_AUTHENTICATION_FAILED');
  });

  test('another authenticator cannot use the first user\'s credential', async () => {
    const alice = await signUp();
    const aliceTab = await browserTab();
    const aliceRegistered = await register(aliceTab, alice);
    assert.equal(aliceRegistered.status, 200, aliceRegistered.text);

    // A second browser profile with its own authenticator.
    const bob = await signUp();
    const bobTab = await browserTab();
    assert.equal((await register(bobTab, bob)).status, 200);

    // Bob's authenticator signs, claiming Alice's credential id.
    const forged = await assertion(bobTab);
    forged.response.id = aliceRegistered.json.user_handle;
    forged.response.rawId = aliceRegistered.json.user_handle;
    assertError(await signIn(forged), 400, 'PASSKEY_AUTHENTICATION_FAILED');

    // And Bob's browser holds nothing for Alice's credential: asking for it
    // alone fails in the browser (a short timeout keeps the wait short).
    const { options_json: options } = await initiateAuthentication();
    options.allowCredentials = [{ type: 'public-key', id: aliceRegistered.json.user_handle }];
    options.timeout = 1000;
    await assert.rejects(bobTab.page.evaluate((o) => window.getPasskey(o), options));

    // Alice still signs in as Alice, Bob as Bob.
    const aliceIn = await signIn(await assertion(aliceTab));
    assert.equal(aliceIn.json.user_id, alice.id);
    const bobIn = await signIn(await assertion(bobTab));
    assert.equal(bobIn.json.user_id, bob.id);
  });

  test('an origin that is not a trusted domain is refused', async () => {
    const user = await signUp();
    const tab = await browserTab(untrustedPage);
    assertError(await register(tab, user), 400, 'PASSKEY_REGISTRATION_FAILED');
    const me = await call('/users/me', { headers: client(user.token) });
    assert.equal(me.json.passkey_auth_enabled, false);

    // A credential registered on the trusted page, used from the other
    // one: the tab keeps its authenticator when it navigates, and both
    // pages share the RP ID "localhost", so the browser signs; the server
    // refuses the origin.
    const trustedTab = await browserTab();
    assert.equal((await register(trustedTab, user)).status, 200);
    await trustedTab.page.goto(`http://localhost:${untrustedPage.port}/`);
    assertError(await signIn(await assertion(trustedTab)), 400, 'PASSKEY_AUTHENTICATION_FAILED');
  });

  test('turning passkey_auth_enabled off removes the passkey', async () => {
    const user = await signUp();
    const tab = await browserTab();
    assert.equal((await register(tab, user)).status, 200);
    const off = await call('/users/me', {
      method: 'PATCH', headers: client(user.token), body: { passkey_auth_enabled: false },
    });
    assert.equal(off.status, 200, off.text);
    assert.equal(off.json.passkey_auth_enabled, false);
    assertError(await signIn(await assertion(tab)), 400, 'PASSKEY_AUTHENTICATION_FAILED');
    const on = await call('/users/me', {
      method: 'PATCH', headers: client(user.token), body: { passkey_auth_enabled: true },
    });
    assert.equal(on.status, 400, on.text);
  });

  test('the project setting is honoured', async () => {
    const user = await signUp();
    const response = await call('/internal/config/override/project', {
      method: 'PATCH', headers: admin(),
      body: { config_override_string: JSON.stringify({ passkey_enabled: false }) },
    });
    assert.equal(response.status, 200, response.text);
    try {
      assertError(await call('/auth/passkey/initiate-passkey-registration', {
        method: 'POST', headers: client(user.token), body: {},
      }), 400, 'PASSKEY_AUTHENTICATION_NOT_ENABLED');
      assertError(await call('/auth/passkey/initiate-passkey-authentication', {
        method: 'POST', headers: client(), body: {},
      }), 400, 'PASSKEY_AUTHENTICATION_NOT_ENABLED');
    } finally {
      const restored = await call('/internal/config/override/project', {
        method: 'PATCH', headers: admin(),
        body: { config_override_string: JSON.stringify({ passkey_enabled: true }) },
      });
      assert.equal(restored.status, 200, restored.text);
    }
  });
});

// Stack's SDKs end to end: user.registerPasskey() and signInWithPasskey()
// run in Node, and their navigator.credentials calls are relayed to the
// Chromium page, so the SDK checks the options latchkeyd returns (the
// placeholder RP id) and sends what a browser answered. The globals the SDK
// and @simplewebauthn/browser look for (window.location, navigator,
// PublicKeyCredential) exist only during this block.
const toB64u = (buffer) => Buffer.from(buffer).toString('base64url');
const toBuffer = (text) => {
  const bytes = Buffer.from(text, 'base64url');
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length);
};

function credentialsBridge(tab) {
  const descriptors = (list) => (list ?? []).map((c) => ({ ...c, id: toB64u(c.id) }));
  return {
    async create({ publicKey }) {
      const options = {
        ...publicKey,
        challenge: toB64u(publicKey.challenge),
        user: { ...publicKey.user, id: toB64u(publicKey.user.id) },
        excludeCredentials: descriptors(publicKey.excludeCredentials),
      };
      const c = await tab.page.evaluate((o) => window.createPasskey(o), options);
      return {
        id: c.id, rawId: toBuffer(c.rawId), type: c.type,
        authenticatorAttachment: c.authenticatorAttachment,
        getClientExtensionResults: () => c.clientExtensionResults,
        response: {
          clientDataJSON: toBuffer(c.response.clientDataJSON),
          attestationObject: toBuffer(c.response.attestationObject),
          getTransports: () => c.response.transports,
          getPublicKeyAlgorithm: () => c.response.publicKeyAlgorithm,
        },
      };
    },
    async get({ publicKey }) {
      const options = {
        ...publicKey,
        challenge: toB64u(publicKey.challenge),
        allowCredentials: descriptors(publicKey.allowCredentials),
      };
      const c = await tab.page.evaluate((o) => window.getPasskey(o), options);
      return {
        id: c.id, rawId: toBuffer(c.rawId), type: c.type,
        authenticatorAttachment: c.authenticatorAttachment,
        getClientExtensionResults: () => c.clientExtensionResults,
        response: {
          clientDataJSON: toBuffer(c.response.clientDataJSON),
          authenticatorData: toBuffer(c.response.authenticatorData),
          signature: toBuffer(c.response.signature),
          userHandle: c.response.userHandle ? toBuffer(c.response.userHandle) : null,
        },
      };
    },
  };
}

for (const version of ['102', '108']) {
  describe(`Stack SDK 2.8.${version} registers and signs in with a passkey`, {
    skip: existsSync(chromiumPath) ? false : `no Chromium at ${chromiumPath}`,
  }, () => {
    let server;
    let page;
    let chromium;
    let sdk;
    const saved = {};

    before(async () => {
      sdk = await import(`stack-js-${version}`);
      server = await startLatchkeyd();
      page = await servePage();
      const response = await fetch(`${server.httpUrl}/api/v1/internal/config/override/project`, {
        method: 'PATCH',
        headers: {
          'content-type': 'application/json',
          'x-stack-project-id': 'internal', 'x-stack-access-type': 'admin',
          'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
        },
        body: JSON.stringify({
          config_override_string: JSON.stringify({
            passkey_enabled: true,
            allow_localhost: false,
            domains: [{ domain: `http://localhost:${page.port}`, handler_path: '/handler' }],
          }),
        }),
      });
      assert.equal(response.status, 200, await response.text());
      chromium = await launchChromium();
      const tab = await pageWithAuthenticator(chromium.browser, `http://localhost:${page.port}/`);
      for (const name of ['window', 'navigator', 'PublicKeyCredential']) {
        saved[name] = Object.getOwnPropertyDescriptor(globalThis, name);
      }
      Object.defineProperty(globalThis, 'window', {
        configurable: true, writable: true,
        value: { location: new URL(`http://localhost:${page.port}/`) },
      });
      Object.defineProperty(globalThis, 'navigator', {
        configurable: true, writable: true,
        value: { ...(saved.navigator?.get?.() ?? saved.navigator?.value ?? {}), credentials: credentialsBridge(tab) },
      });
      Object.defineProperty(globalThis, 'PublicKeyCredential', {
        configurable: true, writable: true, value: function PublicKeyCredential() {},
      });
    });
    after(async () => {
      for (const [name, descriptor] of Object.entries(saved)) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete globalThis[name];
      }
      if (chromium) await chromium.close();
      if (page) await page.close();
      if (server) assert.equal(await server.stop(), 0);
    });

    const app = () => new sdk.StackClientApp({
      baseUrl: server.httpUrl,
      projectId: 'internal',
      publishableClientKey: server.keys.publishableClientKey,
      tokenStore: 'memory',
      redirectMethod: { navigate: () => {} },
    });

    test('registerPasskey and signInWithPasskey succeed', async () => {
      const signer = app();
      const email = `sdk${version}@example.com`;
      const signedUp = await signer.signUpWithCredential({
        email, password: 'correct horse', noRedirect: true, verificationCallbackUrl: callbackOn(page),
      });
      assert.equal(signedUp.status, 'ok', JSON.stringify(signedUp));
      const user = await signer.getUser({ or: 'throw' });
      const registered = await user.registerPasskey();
      assert.equal(registered.status, 'ok', JSON.stringify(registered));

      const other = app();
      const signedIn = await other.signInWithPasskey();
      assert.equal(signedIn.status, 'ok', JSON.stringify(signedIn));
      const me = await other.getUser({ or: 'throw' });
      assert.equal(me.id, user.id);
      assert.equal(me.passkeyAuthEnabled, true);
    });
  });
}
