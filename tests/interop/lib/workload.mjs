// The writes a real deployment makes all day, as REST calls against the
// internal project of a running latchkeyd: sign-up, refresh, team creation
// and permission grants. Shared by the crash, replica and soak runs. Each
// call answers the parsed JSON on success and throws otherwise, so a caller
// can tell an acknowledged write (the call returned) from one that may or
// may not have happened (it threw).

// Sign-up and sign-in limits raised for one client address doing the work of
// many (the defaults would refuse the storm within seconds).
export const STORM_LIMITS = {
  'rate_limits.sign_up_per_ip.limit': 1000000,
  'rate_limits.sign_in_per_ip.limit': 1000000,
  'rate_limits.sign_in_per_account.limit': 1000,
};

export const PERMISSION = 'crash_reader';

export class Workload {
  // `urls`: one base URL (http://host:port) or several, used in turn.
  constructor(urls, keys) {
    this.urls = Array.isArray(urls) ? urls : [urls];
    this.keys = keys;
    this.next = 0;
  }

  headers(access) {
    const headers = {
      'content-type': 'application/json',
      'x-stack-project-id': 'internal',
      'x-stack-access-type': access,
      'x-stack-publishable-client-key': this.keys.publishableClientKey,
    };
    if (access === 'server') headers['x-stack-secret-server-key'] = this.keys.secretServerKey;
    if (access === 'admin') headers['x-stack-super-secret-admin-key'] = this.keys.superSecretAdminKey;
    return headers;
  }

  // One call; `url` picks a server, otherwise they take turns.
  async call(method, apiPath, { access = 'client', body, headers = {}, url } = {}) {
    const base = url ?? this.urls[this.next++ % this.urls.length];
    const response = await fetch(`${base}/api/v1${apiPath}`, {
      method,
      headers: { ...this.headers(access), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: response.status, json, text };
  }

  async ok(method, apiPath, options) {
    const response = await this.call(method, apiPath, options);
    if (response.status !== 200 && response.status !== 201) {
      throw new Error(`${method} ${apiPath}: ${response.status} ${response.text}`);
    }
    return response.json;
  }

  // Project settings the storm needs; run once per database.
  async prepare() {
    await this.ok('PATCH', '/internal/config/override/project', {
      access: 'admin',
      body: { config_override_string: JSON.stringify(STORM_LIMITS) },
    });
    const existing = await this.ok('GET', '/team-permission-definitions', { access: 'admin' });
    if (!existing.items.some((p) => p.id === PERMISSION)) {
      await this.ok('POST', '/team-permission-definitions', {
        access: 'admin', body: { id: PERMISSION, description: 'crash test grant' },
      });
    }
  }

  static passwordFor(email) { return `pw-${email}`; }

  async signUp(email, options = {}) {
    const answer = await this.ok('POST', '/auth/password/sign-up', {
      ...options,
      body: {
        email,
        password: Workload.passwordFor(email),
        verification_callback_url: 'http://localhost:3000/verify',
      },
    });
    return { email, userId: answer.user_id, refreshToken: answer.refresh_token };
  }

  async signIn(email, options = {}) {
    return this.ok('POST', '/auth/password/sign-in', {
      ...options, body: { email, password: Workload.passwordFor(email) },
    });
  }

  async refresh(refreshToken, options = {}) {
    return this.ok('POST', '/auth/sessions/current/refresh', {
      ...options, headers: { 'x-stack-refresh-token': refreshToken },
    });
  }

  async createTeam(displayName, creatorUserId, options = {}) {
    return this.ok('POST', '/teams', {
      ...options, access: 'server',
      body: { display_name: displayName, creator_user_id: creatorUserId },
    });
  }

  async grant(teamId, userId, options = {}) {
    return this.ok('POST', `/team-permissions/${teamId}/${userId}/${PERMISSION}`, {
      ...options, access: 'server', body: {},
    });
  }

  // A server-side list that comes in one piece (teams, members).
  async list(apiPath, options = {}) {
    return (await this.ok('GET', apiPath, { ...options, access: 'server' })).items;
  }

  // Every page of a paginated server-side list (users).
  async listAll(apiPath, options = {}) {
    const items = [];
    let cursor;
    for (;;) {
      const separator = apiPath.includes('?') ? '&' : '?';
      const page = await this.ok('GET',
          `${apiPath}${separator}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
          { ...options, access: 'server' });
      items.push(...page.items);
      cursor = page.pagination?.next_cursor;
      if (!cursor) return items;
    }
  }
}
