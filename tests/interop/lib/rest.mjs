// Small helpers the REST interop tests share: a JSON call against a running
// latchkeyd, Stack's error assertion, and reading a mailed code from dev
// mode's outbox.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

// A function calling `${server.httpUrl}/api/v1${path}`: a body that is not a
// string is sent as JSON. Answers {status, headers, json, text}; json is
// undefined when the body is not JSON.
export function restCaller(server) {
  return async (apiPath, { method = 'GET', headers = {}, body } = {}) => {
    const init = { method, headers: { ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
      init.headers['content-type'] = 'application/json';
    }
    const response = await fetch(`${server.httpUrl}/api/v1${apiPath}`, init);
    const text = await response.text();
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: response.status, headers: response.headers, json, text };
  };
}

// The answer is Stack's error body with this status and code.
export function assertError(response, status, code) {
  assert.equal(response.status, status, response.text);
  assert.equal(response.json?.code, code, response.text);
}

// The code in the latest mail to `address`. Dev mode writes mail to
// <data_dir>/outbox.jsonl from a background queue, so this polls for the
// message (every 50 ms, at most 5 s) instead of assuming it is there.
export async function codeMailedTo(dataDir, address) {
  const outbox = path.join(dataDir, 'outbox.jsonl');
  for (let i = 0; i < 100; i++) {
    let lines = [];
    try {
      lines = readFileSync(outbox, 'utf8').split('\n').filter(Boolean);
    } catch { /* not written yet */ }
    const mail = lines.map((l) => JSON.parse(l)).reverse().find((m) => m.to === address);
    if (mail) return /code=([0-9a-z]+)/.exec(mail.text)[1];
    await sleep(50);
  }
  throw new Error(`no mail to ${address} within 5 s`);
}
