// Mixed traffic against one running latchkeyd for a number of minutes, for
// tools/bench/soak.sh: sign-up, sign-in, refresh, GET /users/me, team
// creation and listing, permission checks, and bad input (malformed JSON,
// unknown fields, forged tokens) from several concurrent clients. Each minute
// prints the server's resident memory, open descriptors and threads, the
// calls made and their p50/p99. At the end it judges growth: memory or
// descriptors still climbing over the second half of the run (after caches
// and pools have filled) fail the run, as does any 5xx or connection error.
//
//   node tools/bench/soak.mjs --url=http://127.0.0.1:PORT --pid=PID \
//     --minutes=N --keys=DATA_DIR/dev-secrets.env
import { readFileSync, readdirSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { Workload } from '../../tests/interop/lib/workload.mjs';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    pid: { type: 'string' },
    minutes: { type: 'string', default: '5' },
    keys: { type: 'string' },
    clients: { type: 'string', default: '8' },
  },
});
const minutes = Number(options.minutes);
if (!options.url || !options.pid || !options.keys || !(minutes >= 1)) {
  console.error('usage: soak.mjs --url=URL --pid=PID --keys=dev-secrets.env [--minutes=N>=1] [--clients=N]');
  process.exit(2);
}

const env = Object.fromEntries(readFileSync(options.keys, 'utf8').split('\n')
    .map((line) => /^([A-Z_]+)=(.*)$/.exec(line)).filter(Boolean).map((m) => [m[1], m[2]]));
const workload = new Workload(options.url, {
  publishableClientKey: env.LATCHKEY_INTERNAL_PUBLISHABLE_CLIENT_KEY,
  secretServerKey: env.LATCHKEY_INTERNAL_SECRET_SERVER_KEY,
  superSecretAdminKey: env.LATCHKEY_INTERNAL_SUPER_SECRET_ADMIN_KEY,
});

function processFacts() {
  const status = readFileSync(`/proc/${options.pid}/status`, 'utf8');
  const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)[1]);
  return {
    rssMib: field('VmRSS') / 1024,
    threads: field('Threads'),
    fds: readdirSync(`/proc/${options.pid}/fd`).length,
  };
}

// Limits raised so the soak measures the server, not its refusals (the
// limiter's bookkeeping still runs on every call).
await workload.ok('PATCH', '/internal/config/override/project', {
  access: 'admin',
  body: {
    config_override_string: JSON.stringify({
      'rate_limits.sign_in_per_account': { limit: 1000000, window_seconds: 1 },
      'rate_limits.sign_in_per_ip': { limit: 1000000, window_seconds: 3600 },
      'rate_limits.sign_up_per_ip': { limit: 1000000, window_seconds: 3600 },
      'rate_limits.refresh_per_session': { limit: 1000000, window_seconds: 3600 },
      client_team_creation_enabled: true,
    }),
  },
});

const accounts = [];
let latencies = [];
const totals = { calls: 0, errors: 0, refused: 0 };
const errorSamples = [];

// One call, timed; 5xx and connection errors count as errors. Expected
// refusals (bad input) are passed as `expect`.
async function timed(method, path, callOptions = {}, expect = [200, 201]) {
  const started = performance.now();
  let response;
  try {
    response = await workload.call(method, path, callOptions);
  } catch (error) {
    totals.errors++;
    if (errorSamples.length < 5) errorSamples.push(`${method} ${path}: ${error.message}`);
    return undefined;
  }
  latencies.push(performance.now() - started);
  totals.calls++;
  if (!expect.includes(response.status)) {
    if (response.status >= 500) totals.errors++;
    else totals.refused++;
    if (errorSamples.length < 5) errorSamples.push(`${method} ${path}: ${response.status} ${response.text}`);
  }
  return response;
}

let signUps = 0;
async function signUp() {
  const email = `soak${signUps++}-${process.pid}@soak.example`;
  const answer = await timed('POST', '/auth/password/sign-up', {
    body: { email, password: Workload.passwordFor(email), verification_callback_url: 'http://localhost:3000/v' },
  });
  if (answer?.status === 200) {
    accounts.push({ email, access: answer.json.access_token, refresh: answer.json.refresh_token,
      userId: answer.json.user_id, teams: [] });
    if (accounts.length > 500) accounts.shift();
  }
}

const pick = () => accounts[Math.floor(Math.random() * accounts.length)];
const bearer = (account) => ({ 'x-stack-access-token': account.access });

const actions = [
  [40, async () => timed('GET', '/users/me', { headers: bearer(pick()) })],
  [15, async () => {
    const account = pick();
    const answer = await timed('POST', '/auth/sessions/current/refresh', {
      headers: { 'x-stack-refresh-token': account.refresh } });
    if (answer?.status === 200) account.access = answer.json.access_token;
  }],
  [3, signUp],
  [3, async () => {
    const account = pick();
    await timed('POST', '/auth/password/sign-in', {
      body: { email: account.email, password: Workload.passwordFor(account.email) } });
  }],
  [4, async () => {
    const account = pick();
    const answer = await timed('POST', '/teams', {
      headers: bearer(account), body: { display_name: 'soak team', creator_user_id: 'me' } });
    if (answer?.status === 200) account.teams = [answer.json.id, ...account.teams].slice(0, 4);
  }],
  [8, async () => timed('GET', '/teams?user_id=me', { headers: bearer(pick()) })],
  [12, async () => {
    const account = pick();
    if (!account.teams.length) return timed('GET', '/users/me', { headers: bearer(account) });
    return timed('GET', `/team-permissions?team_id=${account.teams[0]}&user_id=me`,
        { headers: bearer(account) });
  }],
  [5, async () => timed('POST', '/auth/password/sign-in',
      { body: '{"email": "broken', headers: {} }, [400])],
  [5, async () => timed('POST', '/auth/password/sign-up',
      { body: { email: 'x@soak.example', password: 'pw', surprise: 1 } }, [400])],
  [5, async () => timed('GET', '/users/me',
      { headers: { 'x-stack-access-token': 'eyJhbGciOiJFUzI1NiJ9.e30.forged' } }, [401])],
];
const totalWeight = actions.reduce((sum, [weight]) => sum + weight, 0);
function chooseAction() {
  let roll = Math.random() * totalWeight;
  for (const [weight, action] of actions) {
    roll -= weight;
    if (roll < 0) return action;
  }
  return actions[0][1];
}

// workload.call sends objects as JSON; a raw string body stays as it is.
const rawCall = workload.call.bind(workload);
workload.call = async (method, path, callOptions = {}) => {
  if (typeof callOptions.body !== 'string') return rawCall(method, path, callOptions);
  const response = await fetch(`${options.url}/api/v1${path}`, {
    method, headers: { ...workload.headers('client'), ...callOptions.headers }, body: callOptions.body,
  });
  const text = await response.text();
  return { status: response.status, text, json: undefined };
};

for (let i = 0; i < 20; i++) await signUp();
if (accounts.length === 0) {
  console.error(`soak: could not sign up any account: ${errorSamples.join('; ')}`);
  process.exit(1);
}

const percentile = (sorted, p) => sorted.length
  ? sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] : 0;
const samples = [{ minute: 0, ...processFacts() }];
console.log('minute  rss_mib  fds  threads  calls  p50_ms  p99_ms  errors');
console.log(`${'0'.padStart(6)}  ${samples[0].rssMib.toFixed(1).padStart(7)}  ` +
    `${String(samples[0].fds).padStart(3)}  ${String(samples[0].threads).padStart(7)}`);

let running = true;
const clients = Array.from({ length: Number(options.clients) }, async () => {
  while (running) await chooseAction()();
});
for (let minute = 1; minute <= minutes; minute++) {
  await new Promise((resolve) => setTimeout(resolve, 60_000));
  const sorted = latencies.sort((a, b) => a - b);
  latencies = [];
  const facts = { minute, ...processFacts() };
  samples.push(facts);
  console.log(`${String(minute).padStart(6)}  ${facts.rssMib.toFixed(1).padStart(7)}  ` +
      `${String(facts.fds).padStart(3)}  ${String(facts.threads).padStart(7)}  ` +
      `${String(sorted.length).padStart(5)}  ${percentile(sorted, 0.5).toFixed(1).padStart(6)}  ` +
      `${percentile(sorted, 0.99).toFixed(1).padStart(6)}  ${String(totals.errors).padStart(6)}`);
}
running = false;
await Promise.all(clients);

// Growth: over the second half of the run (caches and pools fill in the
// first), memory may not rise by more than 10% + 16 MiB and descriptors or
// threads by more than 16, and neither may rise in every single minute.
const verdicts = [];
if (minutes < 4) {
  verdicts.push(`too short to judge growth (${minutes} min; 4 or more needed)`);
} else {
  const half = samples.slice(Math.floor(samples.length / 2));
  const first = half[0];
  const last = half[half.length - 1];
  const risesEveryMinute = (key) => half.every((s, i) => i === 0 || s[key] > half[i - 1][key]);
  if (last.rssMib > first.rssMib * 1.1 + 16 || (risesEveryMinute('rssMib') && half.length >= 4 &&
      last.rssMib > first.rssMib + 4)) {
    verdicts.push(`FAIL: memory keeps growing (${first.rssMib.toFixed(1)} -> ${last.rssMib.toFixed(1)} MiB over the second half)`);
  }
  for (const key of ['fds', 'threads']) {
    if (last[key] > first[key] + 16 || (risesEveryMinute(key) && half.length >= 4)) {
      verdicts.push(`FAIL: ${key} keep growing (${first[key]} -> ${last[key]} over the second half)`);
    }
  }
}
if (totals.errors > 0) verdicts.push(`FAIL: ${totals.errors} calls failed with 5xx or a connection error`);
console.log(`${totals.calls} calls, ${totals.refused} unexpected 4xx, ${totals.errors} errors; ` +
    `${accounts.length} accounts in play`);
for (const sample of errorSamples) console.log(`  e.g. ${sample}`);
for (const verdict of verdicts) console.log(verdict);
const failed = verdicts.some((v) => v.startsWith('FAIL')) || totals.refused > totals.calls / 100;
console.log(failed ? 'soak: FAILED' : 'soak: ok');
process.exit(failed ? 1 : 0);
