// Shared by the mesh tests (ext_authz over gRPC, forward auth behind nginx
// and Caddy): users with and without a permission, a team, an anonymous
// user, made through the REST API of a running latchkeyd (internal project).
import assert from 'node:assert/strict';
import path from 'node:path';

import { repoRoot } from './latchkeyd.mjs';

export const protoDir = path.join(repoRoot, 'proto');
// google/rpc/status.proto, as the build finds it (Debian's googleapis).
export const googleapisDir = '/usr/share/gocode/src/github.com/gogo/googleapis';

let counter = 0;

// One REST call; `access` is client, server or admin. Returns the JSON.
export async function api(server, method, route, { access = 'server', body, token, refreshToken } = {}) {
  const headers = {
    'content-type': 'application/json',
    'x-stack-project-id': 'internal',
    'x-stack-access-type': access,
  };
  if (access === 'client') headers['x-stack-publishable-client-key'] = server.keys.publishableClientKey;
  if (access === 'server') headers['x-stack-secret-server-key'] = server.keys.secretServerKey;
  if (access === 'admin') headers['x-stack-super-secret-admin-key'] = server.keys.superSecretAdminKey;
  if (token) headers['x-stack-access-token'] = token;
  if (refreshToken) headers['x-stack-refresh-token'] = refreshToken;
  const response = await fetch(`${server.httpUrl}/api/v1${route}`, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  assert.ok(response.ok, `${method} ${route}: ${response.status} ${text}`);
  return text ? JSON.parse(text) : {};
}

async function signUp(server) {
  const email = `mesh${++counter}.${process.pid}@example.com`;
  const answer = await api(server, 'POST', '/auth/password/sign-up', {
    access: 'client', body: { email, password: 'correct horse battery' },
  });
  return { ...answer, email };
}

// {alice, bob, anonymous, teamId, permission}: alice holds the project
// permission `permission` (made here; a fresh name unless given) and team_admin in team `teamId` (whose system
// permissions include $read_members); bob holds neither; anonymous is an
// anonymous user; aliceInTeam is alice's token after she selected the team;
// restricted is a user an administrator restricted. Each user is {userId,
// accessToken}.
export async function meshIdentities(server, { permission = `read_docs_${++counter}` } = {}) {
  await api(server, 'POST', '/project-permission-definitions', {
    access: 'admin', body: { id: permission },
  });
  const alice = await signUp(server);
  const bob = await signUp(server);
  await api(server, 'POST', `/project-permissions/${alice.user_id}/${permission}`, { body: {} });
  const team = await api(server, 'POST', '/teams', {
    body: { display_name: 'Mesh team', creator_user_id: alice.user_id },
  });
  const anonymous = await api(server, 'POST', '/auth/anonymous/sign-up', { access: 'client', body: {} });
  // A fresh access token for a user whose row an administrator changed.
  const reissued = async (u, patch) => {
    await api(server, 'PATCH', `/users/${u.user_id}`, { body: patch });
    const { access_token } = await api(server, 'POST', '/auth/sessions/current/refresh', {
      access: 'client', body: {}, refreshToken: u.refresh_token,
    });
    return { user_id: u.user_id, access_token };
  };
  const aliceInTeam = await reissued(alice, { selected_team_id: team.id });
  const restricted = await reissued(await signUp(server), { restricted_by_admin: true });
  const user = (u) => ({ userId: u.user_id, accessToken: u.access_token, email: u.email });
  return {
    alice: user(alice), aliceInTeam: user(aliceInTeam), bob: user(bob), anonymous: user(anonymous),
    restricted: user(restricted), teamId: team.id, permission,
  };
}

