// Crash consistency of the real binary: latchkeyd on SQLite and on
// PostgreSQL takes a storm of writes from several clients (sign-ups,
// refreshes, team creations, permission grants) and is killed with SIGKILL
// at a random moment, cycle after cycle. After each restart on the same data:
// the database opens (and SQLite's integrity check passes), every write the
// server acknowledged is there and usable (the user signs in, the refresh
// token still refreshes, the team has its owner, the grant holds), and
// nothing half-written exists (every user in the project can sign in with
// the password it signed up with and has its email; every team has its
// creator as a member).
//
// The moments are random but reproducible: the seed is printed, and
// LATCHKEY_CRASH_SEED=<seed> replays a run.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { freshDatabase, postgresSkipReason } from '../lib/postgres.mjs';
import { Workload, PERMISSION } from '../lib/workload.mjs';

const CYCLES = 10;
const CLIENTS = 4;

// A small seeded generator (mulberry32): the same seed, the same kill moments.
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function sqliteIntegrity(file) {
  const { stdout } = await promisify(execFile)('python3', ['-c', `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
print(db.execute('PRAGMA integrity_check').fetchone()[0])
print(len(db.execute('PRAGMA foreign_key_check').fetchall()))
`, file]);
  const [integrity, foreignKeyViolations] = stdout.trim().split('\n');
  return { integrity, foreignKeyViolations: Number(foreignKeyViolations) };
}

// One client's serial loop until `stopped()`: each step is recorded as
// acknowledged only once the server answered it.
async function client(workload, id, acknowledged, stopped) {
  for (let n = 0; !stopped(); n++) {
    const email = `c${id}-${acknowledged.cycle}-${n}@crash.example`;
    try {
      const user = await workload.signUp(email);
      acknowledged.users.push(user);
      await workload.refresh(user.refreshToken);
      acknowledged.refreshes.push(user.refreshToken);
      const team = await workload.createTeam(`team of ${email}`, user.userId);
      acknowledged.teams.push({ id: team.id, owner: user.userId });
      await workload.grant(team.id, user.userId);
      acknowledged.grants.push({ team: team.id, user: user.userId });
    } catch (error) {
      if (stopped()) return; // the kill: this step may or may not have landed
      throw error;
    }
  }
}

async function checkEverything(workload, acknowledged, checkedUsers) {
  // Every user in the project is whole: it has its email and signs in with
  // the password its sign-up set (also the ones whose sign-up committed but
  // whose answer the kill swallowed).
  const users = await workload.listAll('/users');
  const userIds = new Set(users.map((u) => u.id));
  for (const user of users) {
    if (!user.primary_email?.endsWith('@crash.example')) continue;
    if (checkedUsers.has(user.id)) continue;
    const session = await workload.signIn(user.primary_email);
    assert.equal(session.user_id, user.id);
    checkedUsers.add(user.id);
  }
  for (const user of acknowledged.users) {
    assert.ok(userIds.has(user.userId), `acknowledged sign-up of ${user.email} is gone`);
  }
  for (const token of acknowledged.refreshes) {
    const answer = await workload.refresh(token);
    assert.ok(answer.access_token, 'an acknowledged session no longer refreshes');
  }
  // Every team has its creator as a member, acknowledged or not.
  const teams = await workload.list('/teams');
  const teamIds = new Set(teams.map((t) => t.id));
  const owners = new Map(acknowledged.teams.map((t) => [t.id, t.owner]));
  for (const team of teams) {
    if (!team.display_name.startsWith('team of ')) continue;
    const members = await workload.list(`/team-member-profiles?team_id=${team.id}`);
    assert.ok(members.length >= 1, `team ${team.id} has no member`);
    const creatorEmail = team.display_name.slice('team of '.length);
    const creator = users.find((u) => u.primary_email === creatorEmail);
    assert.ok(creator, `team ${team.id}'s creator ${creatorEmail} does not exist`);
    assert.ok(members.some((m) => m.user_id === creator.id),
        `team ${team.id} lost its creator`);
    if (owners.has(team.id)) assert.equal(owners.get(team.id), creator.id);
  }
  for (const team of acknowledged.teams) {
    assert.ok(teamIds.has(team.id), `acknowledged team ${team.id} is gone`);
  }
  for (const grant of acknowledged.grants) {
    const held = await workload.ok('GET',
        `/team-permissions?team_id=${grant.team}&user_id=${grant.user}&recursive=false`,
        { access: 'server' });
    assert.ok(held.items.some((p) => p.id === PERMISSION),
        `acknowledged grant in team ${grant.team} is gone`);
  }
}

async function crashCycles(t, { database, sqliteFile }) {
  const seed = Number(process.env.LATCHKEY_CRASH_SEED ?? Math.floor(Math.random() * 2 ** 31));
  t.diagnostic(`seed ${seed} (LATCHKEY_CRASH_SEED=${seed} replays these kill moments)`);
  const next = random(seed);
  const dataDir = mkdtempSync(path.join(tmpdir(), 'latchkey-crash-'));
  // Without --database the server uses <data_dir>/latchkey.db.
  const args = database ? [`--database=${database}`] : [];
  const acknowledged = { users: [], refreshes: [], teams: [], grants: [], cycle: 0 };
  const checkedUsers = new Set();
  let server;
  try {
    server = await startLatchkeyd({ dataDir, args });
    await new Workload(server.httpUrl, server.keys).prepare();
    let acknowledgedWrites = 0;
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      acknowledged.cycle = cycle;
      const workload = new Workload(server.httpUrl, server.keys);
      let killed = false;
      const clients = Array.from({ length: CLIENTS },
          (_, id) => client(workload, id, acknowledged, () => killed));
      // Kill once the storm has run 150-750 ms.
      await new Promise((resolve) => setTimeout(resolve, 150 + next() * 600));
      killed = true;
      await server.kill();
      await Promise.all(clients);

      if (sqliteFile) {
        const { integrity, foreignKeyViolations } = await sqliteIntegrity(sqliteFile(dataDir));
        assert.equal(integrity, 'ok', `cycle ${cycle}: SQLite integrity check`);
        assert.equal(foreignKeyViolations, 0, `cycle ${cycle}: foreign keys`);
      }
      server = await startLatchkeyd({ dataDir, args });
      await checkEverything(new Workload(server.httpUrl, server.keys), acknowledged, checkedUsers);
      const writes = acknowledged.users.length + acknowledged.refreshes.length +
          acknowledged.teams.length + acknowledged.grants.length;
      t.diagnostic(`cycle ${cycle}: ${writes - acknowledgedWrites} acknowledged writes, all present`);
      acknowledgedWrites = writes;
    }
    assert.ok(acknowledged.users.length >= CYCLES,
        `the storm acknowledged only ${acknowledged.users.length} sign-ups in ${CYCLES} cycles`);
  } finally {
    if (server) await server.kill();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('crash consistency under SIGKILL', () => {
  test('SQLite', { timeout: 240_000 }, async (t) => {
    await crashCycles(t, {
      sqliteFile: (dataDir) => path.join(dataDir, 'latchkey.db'),
    });
  });

  test('PostgreSQL', { timeout: 240_000, skip: postgresSkipReason() }, async (t) => {
    await crashCycles(t, { database: await freshDatabase('crash') });
  });
});
