// Latchkey's error catalogue (proto/identity/v1/errors.proto) against the
// known-error catalogues of the Stack SDK versions the interop suite runs:
// a code Stack's clients know is sent with x-stack-known-error; a code they
// do not know is marked latchkey_extension, so the gateway never sends it
// as one of Stack's known errors (a client would misread it).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';

const here = path.dirname(fileURLToPath(import.meta.url));

// Every code a Stack SDK's known-error table constructs. npm nests the
// SDK's own stack-shared under it, or hoists it to the top.
function stackCodes(sdkPackage) {
  const modules = path.join(here, '../node_modules');
  const candidates = [
    path.join(modules, sdkPackage, 'node_modules/@stackframe/stack-shared'),
    path.join(modules, '@stackframe/stack-shared'),
  ];
  const shared = candidates.find((dir) => fs.existsSync(dir));
  assert.ok(shared, `no stack-shared for ${sdkPackage}`);
  const source = fs.readFileSync(path.join(shared, 'dist/known-errors.js'), 'utf8');
  const codes = new Set();
  for (const match of source.matchAll(/createKnownErrorConstructor\(\s*\w+,\s*"([A-Z_]+)"/g)) {
    codes.add(match[1]);
  }
  assert.ok(codes.size > 50, `too few codes read from ${shared}`);
  return codes;
}

// Every code of errors.proto, with whether it is marked latchkey_extension.
function latchkeyCodes() {
  const proto = fs.readFileSync(
      path.join(here, '../../../proto/identity/v1/errors.proto'), 'utf8');
  const codes = new Map();
  for (const match of proto.matchAll(/^ {2}([A-Z_]+) = \d+(?: \[\(error\) = \{([\s\S]*?)\}\])?;/gm)) {
    if (match[1] === 'ERROR_CODE_UNSPECIFIED') continue;
    codes.set(match[1], /latchkey_extension: true/.test(match[2] ?? ''));
  }
  assert.ok(codes.size > 50, 'too few codes read from errors.proto');
  return codes;
}

test('codes Stack knows are sent as known errors, and only those', () => {
  const stack = new Set([...stackCodes('stack-js-102'), ...stackCodes('stack-js-108')]);
  const ours = latchkeyCodes();
  const wrong = [];
  for (const [code, extension] of ours) {
    if (stack.has(code) && extension) wrong.push(`${code} is Stack's but marked latchkey_extension`);
    if (!stack.has(code) && !extension) wrong.push(`${code} is not Stack's and would be sent as x-stack-known-error`);
  }
  assert.deepEqual(wrong, []);
});
