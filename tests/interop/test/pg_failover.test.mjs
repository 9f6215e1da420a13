// PostgreSQL connections dying under load: while four clients write (sign-up,
// refresh, team, grant), every server connection of latchkeyd's database is
// killed with pg_terminate_backend, five times, mid-transaction or idle.
// A call caught by a kill may fail, but only as "unavailable" (503), never as
// a server error or a hang; the server recovers without a restart (the next
// calls succeed on fresh connections); and nothing it acknowledged is lost.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { test } from 'node:test';

import { startLatchkeyd } from '../lib/latchkeyd.mjs';
import { freshDatabase, postgresSkipReason, psql } from '../lib/postgres.mjs';
import { Workload } from '../lib/workload.mjs';

const KILLS = 5;

test('connections killed by pg_terminate_backend under load', {
  timeout: 120_000, skip: postgresSkipReason(),
}, async (t) => {
  const database = await freshDatabase('failover');
  const name = new URL(database).pathname.slice(1);
  const server = await startLatchkeyd({ args: [`--database=${database}`] });
  try {
    const workload = new Workload(server.httpUrl, server.keys);
    await workload.prepare();
    const acknowledged = [];
    const failures = [];
    let stopped = false;
    const step = async (fn) => {
      try {
        return await fn();
      } catch (error) {
        failures.push(error.message);
        return undefined;
      }
    };
    const client = async (id) => {
      for (let n = 0; !stopped; n++) {
        const user = await step(() => workload.signUp(`f${id}-${n}@failover.example`));
        if (!user) continue;
        acknowledged.push(user);
        await step(() => workload.refresh(user.refreshToken));
        const team = await step(() => workload.createTeam(`team ${id}-${n}`, user.userId));
        if (team) await step(() => workload.grant(team.id, user.userId));
      }
    };
    const clients = Array.from({ length: 4 }, (_, id) => client(id));
    let terminated = 0;
    for (let kill = 0; kill < KILLS; kill++) {
      await sleep(200);
      const rows = await psql(database,
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
      terminated += rows.length;
    }
    await sleep(200);
    stopped = true;
    await Promise.all(clients);
    t.diagnostic(`${terminated} connections killed; ${acknowledged.length} sign-ups acknowledged; ` +
        `${failures.length} calls failed`);
    assert.ok(terminated >= KILLS, `only ${terminated} connections were killed`);
    for (const failure of failures) {
      assert.match(failure, /: 503 /, `a killed connection must surface as 503: ${failure}`);
    }
    // Recovered without a restart, and nothing acknowledged is lost.
    const fresh = await workload.signUp('after@failover.example');
    await workload.refresh(fresh.refreshToken);
    const users = new Set((await workload.listAll('/users')).map((u) => u.id));
    for (const user of acknowledged) assert.ok(users.has(user.userId), `${user.email} is gone`);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});
