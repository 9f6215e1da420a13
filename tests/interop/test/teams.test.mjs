// Teams and permissions through Stack Auth's own SDK (@stackframe/js,
// 2.8.102 with x-stack-* headers and 2.8.108 with x-hexclave-* headers),
// pointed at a live latchkeyd with nothing changed but its baseUrl: the
// server app's team calls (createTeam, listTeams, addUser, listUsers,
// grant/revoke/list permissions at team and project scope, delete) and a
// signed-in client's (createTeam, listTeams, listPermissions, hasPermission,
// leaveTeam), and invitations (inviteUser, then the invited client checks,
// reads and accepts the code from the mail).
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { codeMailedTo } from '../lib/rest.mjs';

const CALLBACK = 'http://localhost:3000/handler/email-verification';
const SYSTEM = ['$delete_team', '$invite_members', '$manage_api_keys',
  '$read_members', '$remove_members', '$update_team'];

for (const version of ['102', '108']) {
  describe(`Stack SDK 2.8.${version}: teams and permissions`, () => {
    let server;
    let sdk;
    let counter = 0;
    const email = () => `team${++counter}.v${version}@example.com`;

    before(async () => {
      sdk = await import(`stack-js-${version}`);
      server = await startLatchkeyd();
    });
    after(async () => {
      if (server) assert.equal(await server.stop(), 0);
    });

    const serverApp = () => new sdk.StackServerApp({
      baseUrl: server.httpUrl,
      projectId: 'internal',
      publishableClientKey: server.keys.publishableClientKey,
      secretServerKey: server.keys.secretServerKey,
      tokenStore: 'memory',
    });
    const clientApp = () => new sdk.StackClientApp({
      baseUrl: server.httpUrl,
      projectId: 'internal',
      publishableClientKey: server.keys.publishableClientKey,
      tokenStore: 'memory',
    });
    const admin = async (method, path, body) => {
      const response = await fetch(`${server.httpUrl}/api/v1${path}`, {
        method,
        headers: {
          'content-type': 'application/json',
          'x-stack-project-id': 'internal',
          'x-stack-access-type': 'admin',
          'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await response.text();
      assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text);
    };
    const ids = (permissions) => permissions.map((p) => p.id).sort();
    const newUser = (app) => app.createUser({
      primaryEmail: email(), password: 'correct horse', primaryEmailAuthEnabled: true,
    });

    test('server app: create, list, add a member, list members, delete', async () => {
      const app = serverApp();
      const owner = await newUser(app);
      const team = await app.createTeam({ displayName: 'Rocket', creatorUserId: owner.id });
      assert.equal(team.displayName, 'Rocket');
      assert.ok((await app.listTeams()).some((t) => t.id === team.id));

      const member = await newUser(app);
      await team.addUser(member.id);
      const members = await team.listUsers();
      assert.deepEqual(members.map((m) => m.id).sort(), [owner.id, member.id].sort());
      assert.deepEqual((await member.listTeams()).map((t) => t.id), [team.id]);

      await team.update({ displayName: 'Rocket 2' });
      assert.equal((await app.getTeam(team.id)).displayName, 'Rocket 2');
      await team.delete();
      assert.equal(await app.getTeam(team.id), null);
      assert.equal((await member.listTeams()).length, 0);
    });

    test('server app: team permissions, recursive by default, grant and revoke', async () => {
      const app = serverApp();
      const owner = await newUser(app);
      const member = await newUser(app);
      const team = await app.createTeam({ displayName: 'Perms', creatorUserId: owner.id });
      await team.addUser(member.id);

      assert.deepEqual(ids(await owner.listPermissions(team)), [...SYSTEM, 'team_admin']);
      assert.deepEqual(ids(await member.listPermissions(team, { recursive: false })),
        ['team_member']);
      assert.equal(await member.hasPermission(team, '$read_members'), true);
      assert.equal(await member.hasPermission(team, '$update_team'), false);

      await admin('POST', '/team-permission-definitions',
        { id: `editor_v${version}`, contained_permission_ids: ['$update_team'] });
      await member.grantPermission(team, `editor_v${version}`);
      assert.equal(await member.hasPermission(team, '$update_team'), true);
      assert.deepEqual(ids(await member.listPermissions(team, { recursive: false })),
        [`editor_v${version}`, 'team_member']);
      await member.revokePermission(team, `editor_v${version}`);
      assert.equal(await member.hasPermission(team, '$update_team'), false);
      assert.equal(await member.getPermission(team, `editor_v${version}`), null);
    });

    test('server app: project permissions', async () => {
      const app = serverApp();
      const user = await newUser(app);
      await admin('POST', '/project-permission-definitions', { id: `viewer_v${version}` });
      await admin('POST', '/project-permission-definitions',
        { id: `auditor_v${version}`, contained_permission_ids: [`viewer_v${version}`] });
      await user.grantPermission(`auditor_v${version}`);
      assert.deepEqual(ids(await user.listPermissions()),
        [`auditor_v${version}`, `viewer_v${version}`]);
      assert.equal(await user.hasPermission(`viewer_v${version}`), true);
      await user.revokePermission(`auditor_v${version}`);
      assert.equal((await user.listPermissions()).length, 0);
    });

    const enableClientTeamCreation = async () => {
      const patched = await fetch(`${server.httpUrl}/api/v1/internal/config/override/project`, {
        method: 'PATCH',
        headers: {
          'content-type': 'application/json',
          'x-stack-project-id': 'internal',
          'x-stack-access-type': 'admin',
          'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey,
        },
        body: JSON.stringify({
          config_override_string: JSON.stringify({ client_team_creation_enabled: true }),
        }),
      });
      assert.equal(patched.status, 200, await patched.text());
    };
    const signedInClient = async () => {
      const client = clientApp();
      const signedUp = await client.signUpWithCredential({
        email: email(), password: 'correct horse', noRedirect: true,
        verificationCallbackUrl: CALLBACK,
      });
      assert.equal(signedUp.status, 'ok');
      return client.getUser({ or: 'throw' });
    };

    test('signed-in client: list teams and permissions, check, leave', async () => {
      const user = await signedInClient();
      const owner = await signedInClient();
      const team = await serverApp().createTeam({ displayName: 'Joined', creatorUserId: owner.id });
      await team.addUser(user.id);

      const mine = await user.listTeams();
      assert.deepEqual(mine.map((t) => t.id), [team.id]);
      assert.equal(mine[0].displayName, 'Joined');
      assert.deepEqual(ids(await user.listPermissions(mine[0])),
        ['$invite_members', '$read_members', 'team_member']);
      assert.deepEqual(ids(await user.listPermissions(mine[0], { recursive: false })),
        ['team_member']);
      assert.equal(await user.hasPermission(mine[0], '$read_members'), true);
      assert.equal(await user.hasPermission(mine[0], '$delete_team'), false);
      assert.equal(await owner.hasPermission(mine[0], '$delete_team'), true);

      await user.leaveTeam(mine[0]);
      assert.deepEqual(
        (await (await serverApp().getTeam(team.id)).listUsers()).map((u) => u.id),
        [owner.id]);
    });

    test('invitations: server inviteUser, client checks, reads and accepts the code', async () => {
      const app = serverApp();
      const owner = await newUser(app);
      const team = await app.createTeam({ displayName: 'Invited', creatorUserId: owner.id });
      const client = clientApp();
      const address = email();
      assert.equal((await client.signUpWithCredential({
        email: address, password: 'correct horse', noRedirect: true,
        verificationCallbackUrl: CALLBACK,
      })).status, 'ok');
      await team.inviteUser({ email: address, callbackUrl: 'http://localhost:3000/handler/team-invitation' });
      const sent = await team.listInvitations();
      assert.deepEqual(sent.map((i) => i.recipientEmail), [address]);
      assert.ok(sent[0].expiresAt > new Date());

      const code = await codeMailedTo(server.dataDir, address);
      assert.equal((await client.verifyTeamInvitationCode(code)).status, 'ok');
      const details = await client.getTeamInvitationDetails(code);
      assert.equal(details.status, 'ok');
      assert.equal(details.data.teamDisplayName, 'Invited');
      assert.equal((await client.acceptTeamInvitation(code)).status, 'ok');
      const user = await client.getUser({ or: 'throw' });
      assert.deepEqual((await user.listTeams()).map((t) => t.id), [team.id]);
      assert.deepEqual(ids(await user.listPermissions((await user.listTeams())[0], { recursive: false })),
        ['team_member']);

      const again = await client.acceptTeamInvitation(code);
      assert.equal(again.status, 'error');
      assert.equal(again.error.errorCode, 'VERIFICATION_CODE_ALREADY_USED');
      assert.equal((await team.listInvitations()).length, 0);
    });

    test('signed-in client: createTeam', async () => {
      await enableClientTeamCreation();
      const user = await signedInClient();
      const headers = {
        'content-type': 'application/json',
        'x-stack-project-id': 'internal',
        'x-stack-access-type': 'client',
        'x-stack-access-token': (await user.getAuthJson()).accessToken,
      };
      // What the SDK's createTeam sends first.
      const created = await fetch(`${server.httpUrl}/api/v1/teams`, {
        method: 'POST', headers,
        body: JSON.stringify({ display_name: 'Over REST', creator_user_id: 'me' }),
      });
      const text = await created.text();
      assert.equal(created.status, 201, text);
      const rest = JSON.parse(text);
      // Metadata nobody set is null, as Stack answers, not {}.
      assert.equal(rest.client_metadata, null, text);
      assert.equal(rest.client_read_only_metadata, null, text);
      assert.deepEqual((await user.listTeams()).map((x) => x.id), [rest.id]);

      // The SDK's own call also selects the new team (PATCH /users/me).
      const team = await user.createTeam({ displayName: 'Client team' });
      assert.equal(team.displayName, 'Client team');
      assert.ok((await user.listTeams()).some((x) => x.id === team.id));
      assert.deepEqual(ids(await user.listPermissions(team)), [...SYSTEM, 'team_admin']);
      assert.equal((await serverApp().getUser(user.id)).selectedTeam?.id, team.id);
    });
  });
}
