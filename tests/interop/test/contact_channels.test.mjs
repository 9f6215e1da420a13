// Stack Auth's contact-channels API over REST against a real latchkeyd:
// the object's shape, the client and server rules with Stack's statuses,
// one primary per user with primary_email following it, the used-for-auth
// uniqueness, the per-channel verification mail and its code; then the same
// through Stack's own SDK (@stackframe/js).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import * as grpc from '@grpc/grpc-js';
import { internalUserService } from '../lib/grpc_user_service.mjs';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { assertError, codeMailedTo, restCaller } from '../lib/rest.mjs';

const CALLBACK = 'http://localhost:3000/handler/email-verification';
const KEYS = ['id', 'is_primary', 'is_verified', 'type', 'used_for_auth', 'user_id', 'value'];

let server;
// Calls /api/v1 on the server the suite started.
const call = (apiPath, options) => restCaller(server)(apiPath, options);
before(async () => {
  server = await startLatchkeyd();
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
});

const client = (token) => ({
  'x-stack-project-id': 'internal', 'x-stack-access-type': 'client',
  'x-stack-publishable-client-key': server.keys.publishableClientKey,
  ...(token ? { 'x-stack-access-token': token } : {}),
});
const serverAccess = () => ({
  'x-stack-project-id': 'internal', 'x-stack-access-type': 'server',
  'x-stack-secret-server-key': server.keys.secretServerKey,
});

let counter = 0;
const address = (name) => `${name}${++counter}@example.com`;

// A new password user: {id, token, email}.
async function signUp() {
  const email = address('user');
  const response = await call('/auth/password/sign-up', {
    method: 'POST', headers: client(),
    body: { email, password: 'correct horse', verification_callback_url: CALLBACK },
  });
  assert.equal(response.status, 200, response.text);
  return { id: response.json.user_id, token: response.json.access_token, email };
}

async function me(user) {
  const response = await call('/users/me', { headers: client(user.token) });
  assert.equal(response.status, 200, response.text);
  return response.json;
}

test('a client adds, reads, promotes and deletes its own channels', async () => {
  const ann = await signUp();
  const work = address('Work');
  const created = await call('/contact-channels', {
    method: 'POST', headers: client(ann.token),
    body: { user_id: 'me', value: ` ${work.toUpperCase()} `, type: 'email', used_for_auth: true },
  });
  assert.equal(created.status, 201, created.text);
  assert.deepEqual(Object.keys(created.json).sort(), KEYS);
  assert.deepEqual(created.json, {
    ...created.json,
    user_id: ann.id, type: 'email', value: work.toLowerCase(),
    is_primary: false, is_verified: false, used_for_auth: true,
  });

  const list = await call('/contact-channels?user_id=me', { headers: client(ann.token) });
  assert.equal(list.status, 200, list.text);
  assert.equal(list.json.is_paginated, false);
  assert.deepEqual(list.json.items.map((c) => [c.value, c.is_primary]),
                   [[ann.email, true], [work.toLowerCase(), false]]);

  const path1 = `/contact-channels/me/${created.json.id}`;
  const got = await call(path1, { headers: client(ann.token) });
  assert.equal(got.status, 200, got.text);
  assert.deepEqual(got.json, created.json);

  const promoted = await call(path1, {
    method: 'PATCH', headers: client(ann.token), body: { is_primary: true },
  });
  assert.equal(promoted.status, 200, promoted.text);
  assert.equal(promoted.json.is_primary, true);
  assert.equal((await me(ann)).primary_email, work.toLowerCase());
  const after = await call(`/contact-channels?user_id=${ann.id}`, { headers: client(ann.token) });
  assert.deepEqual(after.json.items.map((c) => c.is_primary), [false, true]);

  const deleted = await call(path1, { method: 'DELETE', headers: client(ann.token) });
  assert.equal(deleted.status, 200, deleted.text);
  assert.deepEqual(deleted.json, { success: true });
  const user = await me(ann);
  assert.equal(user.primary_email, null);
  assertError(await call(path1, { headers: client(ann.token) }), 404, 'CONTACT_CHANNEL_NOT_FOUND');
  assertError(await call(path1, {
    method: 'PATCH', headers: client(ann.token), body: { is_primary: true },
  }), 400, 'UNKNOWN_CONTACT_CHANNEL');
  assertError(await call(path1, { method: 'DELETE', headers: client(ann.token) }),
              400, 'UNKNOWN_CONTACT_CHANNEL');
});

test('client rules: own user only, no is_verified, a user required', async () => {
  const ann = await signUp();
  const bob = await signUp();
  const bobs = (await call('/contact-channels?user_id=me', { headers: client(bob.token) }))
      .json.items[0];

  const other = await call(`/contact-channels?user_id=${bob.id}`, { headers: client(ann.token) });
  assertError(other, 403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
  // Not one of Stack's known errors: no header that would say so.
  assert.equal(other.headers.get('x-stack-known-error'), null);
  assertError(await call('/contact-channels', { headers: client(ann.token) }),
              403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
  assertError(await call(`/contact-channels/${bob.id}/${bobs.id}`, { headers: client(ann.token) }),
              403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
  assertError(await call('/contact-channels', {
    method: 'POST', headers: client(ann.token),
    body: { user_id: bob.id, value: address('x'), type: 'email', used_for_auth: false },
  }), 403, 'CLIENT_CANNOT_ACCESS_OTHER_USERS');
  assertError(await call(`/contact-channels/${bob.id}/${bobs.id}/send-verification-code`, {
    method: 'POST', headers: client(ann.token), body: { callback_url: CALLBACK },
  }), 400, 'CLIENT_CANNOT_VERIFY_OTHER_USERS');

  const noUser = await call('/contact-channels?user_id=me', { headers: client() });
  assertError(noUser, 400, 'CANNOT_GET_OWN_USER_WITHOUT_USER');
  assert.equal(noUser.headers.get('x-stack-known-error'), 'CANNOT_GET_OWN_USER_WITHOUT_USER');

  assertError(await call('/contact-channels', {
    method: 'POST', headers: client(ann.token),
    body: { user_id: 'me', value: address('x'), type: 'email', used_for_auth: false, is_verified: true },
  }), 400, 'SCHEMA_ERROR');
  assertError(await call('/contact-channels', {
    method: 'POST', headers: client(ann.token),
    body: { user_id: 'me', value: address('x'), type: 'email' },
  }), 400, 'SCHEMA_ERROR');
});

test('duplicates and the used-for-auth conflict', async () => {
  const ann = await signUp();
  const bob = await signUp();
  assertError(await call('/contact-channels', {
    method: 'POST', headers: client(ann.token),
    body: { user_id: 'me', value: ann.email, type: 'email', used_for_auth: false },
  }), 400, 'CONTACT_CHANNEL_ALREADY_EXISTS');

  const taken = await call('/contact-channels', {
    method: 'POST', headers: client(ann.token),
    body: { user_id: 'me', value: bob.email, type: 'email', used_for_auth: true },
  });
  assertError(taken, 409, 'CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE');
  assert.equal(taken.headers.get('x-stack-known-error'),
               'CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE');
  assert.deepEqual(taken.json.details, {
    type: 'email', contact_channel_value: bob.email, would_work_if_email_was_verified: false,
  });

  // Not used for sign-in, the same address may belong to two users.
  const shared = await call('/contact-channels', {
    method: 'POST', headers: client(ann.token),
    body: { user_id: 'me', value: bob.email, type: 'email', used_for_auth: false },
  });
  assert.equal(shared.status, 201, shared.text);
  const turned = await call(`/contact-channels/me/${shared.json.id}`, {
    method: 'PATCH', headers: client(ann.token), body: { used_for_auth: true },
  });
  assertError(turned, 409, 'CONTACT_CHANNEL_ALREADY_USED_FOR_AUTH_BY_SOMEONE_ELSE');
  assert.equal(turned.json.details.contact_channel_value, null);
});

test('a server lists the whole project, sets is_verified, and a new value is unverified', async () => {
  const ann = await signUp();
  const all = await call('/contact-channels', { headers: serverAccess() });
  assert.equal(all.status, 200, all.text);
  assert.ok(all.json.items.some((c) => c.user_id === ann.id));
  assert.ok(new Set(all.json.items.map((c) => c.user_id)).size > 1);

  const created = await call('/contact-channels', {
    method: 'POST', headers: serverAccess(),
    body: { user_id: ann.id, value: address('verified'), type: 'email', used_for_auth: false, is_verified: true },
  });
  assert.equal(created.status, 201, created.text);
  assert.equal(created.json.is_verified, true);
  const changed = await call(`/contact-channels/${ann.id}/${created.json.id}`, {
    method: 'PATCH', headers: serverAccess(), body: { value: address('moved') },
  });
  assert.equal(changed.status, 200, changed.text);
  assert.equal(changed.json.is_verified, false);
  assertError(await call(`/contact-channels/${ann.id}/${created.json.id}/send-verification-code`, {
    method: 'POST', headers: serverAccess(), body: { callback_url: 'https://evil.example/cb' },
  }), 400, 'REDIRECT_URL_NOT_WHITELISTED');
});

test('the per-channel verification mail verifies that channel', async () => {
  const ann = await signUp();
  const work = address('verify');
  const created = await call('/contact-channels', {
    method: 'POST', headers: client(ann.token),
    body: { user_id: 'me', value: work, type: 'email', used_for_auth: true },
  });
  assert.equal(created.status, 201, created.text);
  const sent = await call(`/contact-channels/me/${created.json.id}/send-verification-code`, {
    method: 'POST', headers: client(ann.token), body: { callback_url: CALLBACK },
  });
  assert.equal(sent.status, 200, sent.text);
  assert.deepEqual(sent.json, { success: true });
  const code = await codeMailedTo(server.dataDir, work);
  const verified = await call('/contact-channels/verify', {
    method: 'POST', headers: client(), body: { code },
  });
  assert.equal(verified.status, 200, verified.text);
  const got = await call(`/contact-channels/me/${created.json.id}`, { headers: client(ann.token) });
  assert.equal(got.json.is_verified, true);
  assert.equal((await me(ann)).primary_email_verified, false);
  assertError(await call(`/contact-channels/me/${created.json.id}/send-verification-code`, {
    method: 'POST', headers: client(ann.token), body: { callback_url: CALLBACK },
  }), 409, 'EMAIL_ALREADY_VERIFIED');

  // A second channel used for sign-in signs the same user in.
  const signIn = await call('/auth/password/sign-in', {
    method: 'POST', headers: client(), body: { email: work, password: 'correct horse' },
  });
  assert.equal(signIn.status, 200, signIn.text);
  assert.equal(signIn.json.user_id, ann.id);
});

test('a channel id that is not a UUID is a schema error', async () => {
  const ann = await signUp();
  assertError(await call('/contact-channels/me/not-a-uuid', { headers: client(ann.token) }),
              400, 'SCHEMA_ERROR');
  assertError(await call('/contact-channels?user_id=me&contact_channel_id=x', {
    headers: client(ann.token),
  }), 400, 'SCHEMA_ERROR');
});

test('gRPC: UserService.ListContactChannels and CreateContactChannel', async () => {
  const ann = await signUp();
  const { unary, close } = await internalUserService(server);
  try {
    const work = address('grpc');
    const created = await unary('createContactChannel', {
      user_id: ann.id, value: work, type: 'email', used_for_auth: false,
    });
    assert.equal(created.value, work);
    assert.equal(created.user_id, ann.id);
    const list = await unary('listContactChannels', { user_id: ann.id });
    assert.deepEqual(list.items.map((c) => c.value), [ann.email, work]);
    const taken = await unary('createContactChannel', {
      user_id: ann.id, value: work, type: 'email', used_for_auth: false,
    }).catch((error) => error);
    assert.equal(taken.code, grpc.status.ALREADY_EXISTS);
  } finally {
    close();
  }
});

for (const version of ['102', '108']) {
  describe(`Stack SDK 2.8.${version}`, () => {
    let sdk;
    before(async () => {
      sdk = await import(`stack-js-${version}`);
    });
    const clientApp = () => new sdk.StackClientApp({
      baseUrl: server.httpUrl,
      projectId: 'internal',
      publishableClientKey: server.keys.publishableClientKey,
      tokenStore: 'memory',
    });

    test('listContactChannels, createContactChannel, sendVerificationEmail, verifyEmail, update and delete', async () => {
      const app = clientApp();
      const primary = address(`sdk${version}-`);
      assert.equal((await app.signUpWithCredential({
        email: primary, password: 'correct horse', noRedirect: true,
        verificationCallbackUrl: CALLBACK,
      })).status, 'ok');
      const user = await app.getUser();
      const before = await user.listContactChannels();
      assert.deepEqual(before.map((c) => [c.value, c.isPrimary, c.isVerified, c.usedForAuth]),
                       [[primary, true, false, true]]);

      const extra = address(`sdk${version}-extra-`);
      const channel = await user.createContactChannel({
        type: 'email', value: extra, usedForAuth: false,
      });
      assert.equal(channel.value, extra);
      assert.equal(channel.isPrimary, false);
      await channel.sendVerificationEmail({ callbackUrl: CALLBACK });
      const verified = await app.verifyEmail(await codeMailedTo(server.dataDir, extra));
      assert.equal(verified.status, 'ok');
      assert.deepEqual((await user.listContactChannels()).map((c) => c.isVerified), [false, true]);
      await channel.update({ isPrimary: true });
      const now = await user.listContactChannels();
      assert.deepEqual(now.map((c) => [c.value, c.isPrimary]), [[primary, false], [extra, true]]);
      assert.equal((await app.getUser()).primaryEmail, extra);

      await channel.delete();
      assert.deepEqual((await user.listContactChannels()).map((c) => c.value), [primary]);
      assert.equal((await app.getUser()).primaryEmail, null);
    });
  });
}
