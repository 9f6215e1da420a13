// Creating and reading projects the way Stack's dashboard, its tests and its
// SDK do: POST /internal/projects with Stack's whole create body (owner
// team, production mode, logos, onboarding status, the nested config with
// OAuth providers, mail and permission lists of {id}), the admin read with
// Stack's fields, PATCH of the same fields, and the refusals with their
// codes; then user.createProject through @stackframe/js 2.8.102 and
// 2.8.108, which builds its admin-project object from the answer.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { assertError, restCaller } from '../lib/rest.mjs';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// A 1x1 transparent GIF.
const GIF = 'data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7';

let server;
const call = (apiPath, options) => restCaller(server)(apiPath, options);
before(async () => {
  server = await startLatchkeyd();
});
after(async () => {
  if (server) assert.equal(await server.stop(), 0);
});

const internal = (access, token) => ({
  'x-stack-project-id': 'internal', 'x-stack-access-type': access,
  'x-stack-publishable-client-key': server.keys.publishableClientKey,
  ...(access === 'server' ? { 'x-stack-secret-server-key': server.keys.secretServerKey } : {}),
  ...(access === 'admin' ? { 'x-stack-super-secret-admin-key': server.keys.superSecretAdminKey } : {}),
  ...(token ? { 'x-stack-access-token': token } : {}),
});
const ownerAdmin = (project, token) => ({
  'x-stack-project-id': project, 'x-stack-access-type': 'admin',
  'x-stack-admin-access-token': token,
});

let counter = 0;
async function internalUser() {
  const email = `owner${++counter}@example.com`;
  const response = await call('/auth/password/sign-up', {
    method: 'POST', headers: internal('client'),
    body: { email, password: 'correct horse', verification_callback_url: 'http://localhost:3000/v' },
  });
  assert.equal(response.status, 200, response.text);
  return { id: response.json.user_id, token: response.json.access_token, email };
}

// Stack's create body, every field its schema has.
const stackBody = (ownerTeamId) => ({
  display_name: 'Rockets',
  description: 'launch pad',
  owner_team_id: ownerTeamId,
  is_production_mode: true,
  is_development_environment: false,
  logo_url: GIF,
  logo_full_url: 'https://cdn.example.com/full.png',
  logo_dark_mode_url: null,
  onboarding_status: 'welcome',
  onboarding_state: {
    selected_config_choice: 'create-new', selected_apps: [], selected_sign_in_methods: ['credential'],
    selected_email_theme_id: null, selected_payments_country: 'US',
  },
  config: {
    sign_up_enabled: false,
    credential_enabled: true,
    magic_link_enabled: true,
    passkey_enabled: false,
    allow_localhost: false,
    create_team_on_sign_up: true,
    client_team_creation_enabled: true,
    client_user_deletion_enabled: false,
    allow_user_api_keys: true,
    allow_team_api_keys: false,
    oauth_account_merge_strategy: 'raise_error',
    require_email_verification: false,
    domains: [{ domain: 'https://app.rockets.test', handler_path: '/handler' }],
    email_config: { type: 'shared' },
    email_theme: 'default-light',
    team_creator_default_permissions: [{ id: 'team_admin' }],
    team_member_default_permissions: [{ id: 'team_member' }],
    user_default_permissions: [],
    oauth_providers: [
      { id: 'github', type: 'standard', client_id: 'gh-client', client_secret: 'gh-secret' },
    ],
  },
});

describe('POST /internal/projects with Stack\'s body', () => {
  let owner;
  let teamId;
  before(async () => {
    owner = await internalUser();
    // A first project gives the owner a team to name.
    const first = await call('/internal/projects', {
      method: 'POST', headers: internal('client', owner.token), body: { display_name: 'First' },
    });
    assert.equal(first.status, 201, first.text);
    teamId = first.json.owner_team_id;
    assert.match(teamId, UUID);
    assert.equal(first.json.is_production_mode, false);
    assert.equal(first.json.onboarding_status, 'completed');
    assert.equal(first.json.logo_url, null);
    assert.deepEqual(first.json.config.oauth_providers, []);
    assert.deepEqual(first.json.config.email_config, { type: 'shared' });
  });

  test('every field is accepted; the admin read carries Stack\'s fields', async () => {
    const created = await call('/internal/projects', {
      method: 'POST', headers: internal('client', owner.token), body: stackBody(teamId),
    });
    assert.equal(created.status, 201, created.text);
    const p = created.json;
    assert.match(p.id, UUID);
    assert.equal(p.owner_team_id, teamId);
    assert.equal(p.display_name, 'Rockets');
    assert.equal(p.description, 'launch pad');
    assert.equal(p.is_production_mode, true);
    assert.equal(p.is_development_environment, false);
    assert.equal(p.logo_url, GIF);
    assert.equal(p.logo_full_url, 'https://cdn.example.com/full.png');
    assert.equal(p.logo_dark_mode_url, null);
    assert.equal(p.logo_full_dark_mode_url, null);
    assert.equal(p.onboarding_status, 'welcome');
    assert.equal(typeof p.created_at_millis, 'number');
    assert.equal(p.config.sign_up_enabled, false);
    assert.equal(p.config.magic_link_enabled, true);
    assert.equal(p.config.allow_localhost, false);
    assert.equal(p.config.create_team_on_sign_up, true);
    assert.equal(p.config.allow_user_api_keys, true);
    assert.equal(p.config.oauth_account_merge_strategy, 'raise_error');
    assert.deepEqual(p.config.domains, [{ domain: 'https://app.rockets.test', handler_path: '/handler' }]);
    assert.deepEqual(p.config.team_creator_default_permissions, ['team_admin']);
    assert.deepEqual(p.config.email_config, { type: 'shared' });
    // The secret is sealed at rest and never handed back. Settings that were
    // never made (facebook_config_id, microsoft_tenant_id) have no key at
    // all, as in Stack's object.
    assert.deepEqual(p.config.oauth_providers, [{
      id: 'github', type: 'standard', provider_config_id: 'github', client_id: 'gh-client', client_secret: '',
    }]);
    assert.ok(!created.text.includes('gh-secret'));
    assert.deepEqual(p.config.enabled_oauth_providers, [{ id: 'github' }]);

    // The owner reads it back as its administrator, and its clients see
    // the provider enabled.
    const read = await call('/internal/projects/current', { headers: ownerAdmin(p.id, owner.token) });
    assert.equal(read.status, 200, read.text);
    for (const key of ['is_production_mode', 'owner_team_id', 'logo_url', 'logo_full_url', 'onboarding_status']) {
      assert.deepEqual(read.json[key], p[key], key);
    }
    const client = await call('/projects/current', {
      headers: { 'x-stack-project-id': p.id, 'x-stack-access-type': 'client' },
    });
    assert.equal(client.status, 200, client.text);
    assert.deepEqual(client.json.config.enabled_oauth_providers, [{ id: 'github' }]);
    assert.equal(client.json.config.sign_up_enabled, false);

    // Both projects are listed for the owner.
    const listed = await call('/internal/projects', { headers: internal('client', owner.token) });
    assert.equal(listed.status, 200, listed.text);
    assert.ok(listed.json.items.some((item) => item.id === p.id && item.is_production_mode === true));

    // PATCH takes the same fields; null removes a logo.
    const patched = await call('/internal/projects/current', {
      method: 'PATCH', headers: ownerAdmin(p.id, owner.token),
      body: {
        is_production_mode: false, logo_url: null, onboarding_status: 'completed',
        config: { email_config: { type: 'shared' }, team_member_default_permissions: [{ id: 'team_admin' }] },
      },
    });
    assert.equal(patched.status, 200, patched.text);
    assert.equal(patched.json.is_production_mode, false);
    assert.equal(patched.json.logo_url, null);
    assert.equal(patched.json.logo_full_url, 'https://cdn.example.com/full.png');
    assert.equal(patched.json.onboarding_status, 'completed');
    assert.deepEqual(patched.json.config.team_member_default_permissions, ['team_admin']);
  });

  test('what Latchkey cannot keep, and bad values, are refused with the field named', async () => {
    const refusals = [
      [{ config: { oauth_providers: [{ id: 'github', type: 'borrowed' }] } }, 400, 'SCHEMA_ERROR', /type/],
      [{ config: { oauth_providers: [{ id: 'myspace', type: 'standard', client_id: 'a', client_secret: 'b' }] } },
        400, 'SCHEMA_ERROR', /myspace/],
      [{ config: { oauth_providers: [{ id: 'apple', type: 'shared', apple_bundle_ids: ['com.example'] }] } },
        400, 'SCHEMA_ERROR', /apple_bundle_ids/],
      [{ config: { email_config: { type: 'standard', host: 'smtp.example.com' } } }, 400, 'SCHEMA_ERROR', /email_config/],
      [{ config: { no_such_setting: true } }, 400, 'SCHEMA_ERROR', /no_such_setting/],
      [{ owner_team_id: 'not-a-uuid' }, 400, 'SCHEMA_ERROR', /owner_team_id/],
      [{ owner_team_id: '7a7a7a7a-1f2a-4b3c-8d4e-5f6a7b8c9d0e' }, 404, 'TEAM_NOT_FOUND', /./],
      [{ onboarding_status: 'halfway' }, 400, 'SCHEMA_ERROR', /onboarding_status/],
      [{ logo_url: 'data:image/png;base64,' }, 400, 'SCHEMA_ERROR', /logo_url/],
      [{ logo_url: 'ftp://example.com/logo.png' }, 400, 'SCHEMA_ERROR', /logo_url/],
      [{ is_production_mode: 'yes' }, 400, 'SCHEMA_ERROR', /is_production_mode/],
      [{ unknown_field: 1 }, 400, 'SCHEMA_ERROR', /unknown_field/],
    ];
    const before = await call('/internal/projects', { headers: internal('client', owner.token) });
    for (const [extra, status, code, message] of refusals) {
      const response = await call('/internal/projects', {
        method: 'POST', headers: internal('client', owner.token),
        body: { display_name: 'Refused', ...extra },
      });
      assertError(response, status, code);
      assert.match(response.json.error, message, JSON.stringify(extra));
    }
    // A team the caller is not in.
    const stranger = await internalUser();
    const foreign = await call('/internal/projects', {
      method: 'POST', headers: internal('client', stranger.token),
      body: { display_name: 'Refused', owner_team_id: teamId },
    });
    assertError(foreign, 404, 'TEAM_MEMBERSHIP_NOT_FOUND');
    assert.equal(foreign.json.details.team_id, teamId);
    // Nothing was created along the way.
    const after = await call('/internal/projects', { headers: internal('client', owner.token) });
    assert.equal(after.json.items.length, before.json.items.length);
  });
});

for (const version of ['102', '108']) {
  describe(`Stack SDK 2.8.${version}: user.createProject`, () => {
    let sdk;
    before(async () => {
      sdk = await import(`stack-js-${version}`);
      const switches = await call('/internal/config/override/project', {
        method: 'PATCH', headers: internal('admin'),
        body: { config_override_string: JSON.stringify({ client_team_creation_enabled: true }) },
      });
      assert.equal(switches.status, 200, switches.text);
    });

    test('creates an owned project and builds its admin object from the answer', async () => {
      const options = {
        projectId: 'internal', tokenStore: 'memory', baseUrl: server.httpUrl,
        publishableClientKey: server.keys.publishableClientKey,
      };
      const clientApp = new sdk.StackClientApp(options);
      const email = `sdk-projects-${version}@example.com`;
      const signUp = await clientApp.signUpWithCredential({
        email, password: 'correct horse', noRedirect: true,
        verificationCallbackUrl: 'http://localhost:3000/verify',
      });
      assert.equal(signUp.status, 'ok', JSON.stringify(signUp));
      const user = await clientApp.getUser({ or: 'throw' });
      const team = await user.createTeam({ displayName: `Studio ${version}` });

      const project = await user.createProject({
        displayName: `SDK project ${version}`,
        description: 'made by the SDK',
        teamId: team.id,
        isProductionMode: true,
        logoUrl: GIF,
        config: {
          signUpEnabled: true,
          magicLinkEnabled: true,
          allowLocalhost: true,
          createTeamOnSignUp: false,
          domains: [{ domain: 'https://sdk.example.com', handlerPath: '/handler' }],
          oauthProviders: [{ id: 'google', type: 'standard', clientId: 'g-id', clientSecret: 'g-secret' }],
          emailConfig: { type: 'shared' },
        },
      });
      assert.match(project.id, UUID);
      assert.equal(project.displayName, `SDK project ${version}`);
      assert.equal(project.description, 'made by the SDK');
      assert.equal(project.isProductionMode, true);
      assert.equal(project.ownerTeamId, team.id);
      assert.equal(project.logoUrl, GIF);
      assert.equal(project.config.magicLinkEnabled, true);
      assert.deepEqual(project.config.domains, [{ domain: 'https://sdk.example.com', handlerPath: '/handler' }]);
      assert.deepEqual(project.config.emailConfig, { type: 'shared' });
      assert.deepEqual(project.config.oauthProviders.map((p) => [p.id, p.type, p.clientId]),
        [['google', 'standard', 'g-id']]);

      const owned = await user.listOwnedProjects();
      assert.ok(owned.some((p) => p.id === project.id && p.isProductionMode === true));
    });
  });
}
