// A real OpenID provider for the OAuth interop tests: npm oidc-provider,
// started on a loopback port with one static client, and the headless
// browser that walks through its development login and consent forms with
// fetch (manual redirects, a cookie jar).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import http from 'node:http';

import * as oidc from 'oidc-provider';

export const s256 = (verifier) => createHash('sha256').update(verifier).digest('base64url');

export function listen(server) {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
}

// Starts oidc-provider with one confidential client redirecting to
// `redirectUri`. `accounts`: a Map id -> claims (a missing id has only
// `sub`). `grantTypes`: the client's grant types (add 'refresh_token' for
// offline_access to issue refresh tokens). `ttl`: oidc-provider's ttl
// settings (e.g. AccessToken as a function). `features`: merged over the
// development interactions. Answers {issuer, provider, close}; `provider`
// is the oidc.Provider (its events, its models).
export async function startIdp({
  clientId, clientSecret, redirectUri, accounts,
  grantTypes = ['authorization_code'], ttl = undefined, features = {},
}) {
  const server = http.createServer();
  const port = await listen(server);
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new oidc.Provider(issuer, {
    clients: [{
      client_id: clientId,
      client_secret: clientSecret,
      redirect_uris: [redirectUri],
      grant_types: grantTypes,
      response_types: ['code'],
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    findAccount: async (ctx, id) => ({
      accountId: id,
      claims: async () => accounts.get(id) ?? { sub: id },
    }),
    features: { devInteractions: { enabled: true }, ...features },
    ...(ttl ? { ttl } : {}),
  });
  // The development interactions log a warning per request; quiet here.
  provider.on('server_error', () => {});
  server.on('request', provider.callback());
  return { issuer, provider, close: () => new Promise((resolve) => server.close(resolve)) };
}

// A minimal cookie jar (name=value per host; paths ignored: one test user).
export class Jar {
  constructor() { this.byHost = new Map(); }
  header(url) {
    const jar = this.byHost.get(new URL(url).host);
    return jar ? [...jar].map(([k, v]) => `${k}=${v}`).join('; ') : '';
  }
  take(url, response) {
    const host = new URL(url).host;
    if (!this.byHost.has(host)) this.byHost.set(host, new Map());
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      this.byHost.get(host).set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }
}

// One browser request: the jar's cookies out, Set-Cookie back in, no
// redirect followed.
export async function go(jar, url, init = {}) {
  const cookie = jar.header(url);
  const response = await fetch(url, {
    redirect: 'manual',
    ...init,
    headers: { ...(init.headers ?? {}), ...(cookie ? { cookie } : {}) },
  });
  jar.take(url, response);
  return response;
}

// Follows the provider's redirects and answers its login and consent forms
// as `login`, until the browser is sent to Latchkey's callback; returns
// that URL. `abort`: press the provider's "cancel" instead of logging in.
export async function throughProvider(jar, authorizeUrl, login, { abort = false } = {}) {
  let url = authorizeUrl;
  for (let step = 0; step < 20; step++) {
    if (url.includes('/api/v1/auth/oauth/callback/')) return url;
    const response = await go(jar, url);
    if (response.status >= 300 && response.status < 400) {
      url = new URL(response.headers.get('location'), url).href;
      continue;
    }
    const html = await response.text();
    assert.equal(response.status, 200, html.slice(0, 300));
    const action = new URL(url).pathname;
    if (abort) {
      url = new URL(`${action}/abort`, url).href;
      continue;
    }
    const form = html.includes('name="prompt" value="login"')
      ? { prompt: 'login', login, password: 'anything' }
      : { prompt: 'consent' };
    const posted = await go(jar, new URL(action, url).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    assert.ok(posted.status >= 300 && posted.status < 400, `form answered ${posted.status}`);
    url = new URL(posted.headers.get('location'), url).href;
  }
  throw new Error('the provider never sent the browser back');
}

// The app's side of Stack's OAuth flow after the callback's 303: trades the
// code in its Location at POST /auth/oauth/token, as the SDK does, and
// returns the token answer (asserting a 200).
export async function exchangeCode(server, callback, verifier, redirectUri) {
  const code = new URL(callback.headers.get('location')).searchParams.get('code');
  const token = await fetch(`${server.httpUrl}/api/v1/auth/oauth/token`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier,
      client_id: 'internal', client_secret: server.keys.publishableClientKey,
    }).toString(),
  });
  const tokens = await token.json();
  assert.equal(token.status, 200, JSON.stringify(tokens));
  return tokens;
}
