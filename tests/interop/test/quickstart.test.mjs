// The README's quickstart (docs/quickstart.sh, included there verbatim)
// runs as written against a fresh dev-mode latchkeyd: latchkeyctl makes the
// administrator, project and keys; curl signs up and in; PyJWT verifies
// offline; Stack's SDK signs in.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

import { latchkeyctlBinary } from '../lib/latchkeyctl.mjs';
import { repoRoot, startLatchkeyd } from '../lib/latchkeyd.mjs';

test('docs/quickstart.sh runs as written', async () => {
  const server = await startLatchkeyd();
  try {
    const { stdout } = await promisify(execFile)(
        path.join(repoRoot, 'docs', 'quickstart.sh'), [], {
          cwd: repoRoot,
          env: {
            ...process.env,
            API: `${server.httpUrl}/api/v1`,
            LATCHKEY_ADDRESS: server.grpcAddress,
            LATCHKEYCTL: latchkeyctlBinary(),
          },
        });
    assert.match(stdout, /^SERVING at /m);
    const project = /^project (\S+)$/m.exec(stdout)[1];
    const me = JSON.parse(stdout.split('\n').find((l) => l.startsWith('{"id"')));
    assert.equal(me.primary_email, 'ada@example.com');
    assert.match(stdout, new RegExp(`^verified offline: sub ${me.id}$`, 'm'));
    const claims = JSON.parse(stdout.split('\n').find((l) => l.includes('"refresh_token_id"')));
    assert.equal(claims.sub, me.id);
    assert.equal(claims.aud, project);
    assert.match(stdout, /^Stack SDK signed in: ada@example.com$/m);
    // Secrets were asked for with --show-secrets only where the script
    // needs them; none leak into its output.
    assert.doesNotMatch(stdout, /(pck|ssk|sak)_[a-z0-9]{45}/);
  } finally {
    assert.equal(await server.stop(), 0);
  }
});

test('the README shows docs/quickstart.sh exactly', async () => {
  const { readFileSync } = await import('node:fs');
  const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  const script = readFileSync(path.join(repoRoot, 'docs', 'quickstart.sh'), 'utf8');
  const block = /<!-- quickstart\.sh begins -->\n```sh\n([\s\S]*?)```\n<!-- quickstart\.sh ends -->/
      .exec(readme);
  assert.ok(block, 'README.md has no quickstart.sh block');
  assert.equal(block[1], script, 'README.md and docs/quickstart.sh differ: copy the file into the README');
});
