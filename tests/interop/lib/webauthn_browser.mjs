// A headless Chromium with CDP virtual authenticators, for the passkey
// tests: Debian's /usr/bin/chromium driven by puppeteer-core 24 (25 needs a
// newer Node than Debian's). Each browser gets its own profile directory in
// a temporary directory, removed when it closes; only the browser process
// puppeteer starts is ended.
//
// In a container Chromium needs --no-sandbox (it runs as root, where the
// setuid sandbox cannot start) and the new headless mode (--headless=new),
// which has WebAuthn; both are passed here.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import puppeteer from 'puppeteer-core';

export const chromiumPath = process.env.LATCHKEY_CHROMIUM ?? '/usr/bin/chromium';

// The options a virtual authenticator gets: a CTAP 2.1 platform
// authenticator with resident keys and user verification, which answers
// without a prompt.
export const platformAuthenticator = {
  protocol: 'ctap2',
  ctap2Version: 'ctap2_1',
  transport: 'internal',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
};

// The page the browser loads. It only holds the WebAuthn conversions
// (base64url <-> ArrayBuffer) as window functions; the tests call them with
// page.evaluate.
const pageHtml = `<!doctype html><meta charset="utf-8"><title>passkeys</title>
<script>
const b64uToBuf = (s) => {
  const b = atob(s.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((s.length + 3) % 4));
  return Uint8Array.from(b, (c) => c.charCodeAt(0)).buffer;
};
const bufToB64u = (buf) => {
  let s = '';
  for (const x of new Uint8Array(buf)) s += String.fromCharCode(x);
  return btoa(s).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
};
// options: PublicKeyCredentialCreationOptionsJSON; the placeholder RP id is
// replaced by this page's host name, as Stack's SDK does.
window.createPasskey = async (options) => {
  const o = structuredClone(options);
  o.rp.id = location.hostname;
  o.challenge = b64uToBuf(o.challenge);
  o.user.id = b64uToBuf(o.user.id);
  o.excludeCredentials = (o.excludeCredentials || []).map((c) => ({ ...c, id: b64uToBuf(c.id) }));
  const c = await navigator.credentials.create({ publicKey: o });
  return {
    id: c.id, rawId: bufToB64u(c.rawId), type: c.type,
    authenticatorAttachment: c.authenticatorAttachment,
    clientExtensionResults: c.getClientExtensionResults(),
    response: {
      clientDataJSON: bufToB64u(c.response.clientDataJSON),
      attestationObject: bufToB64u(c.response.attestationObject),
      transports: c.response.getTransports ? c.response.getTransports() : [],
      publicKeyAlgorithm: c.response.getPublicKeyAlgorithm(),
    },
  };
};
window.getPasskey = async (options) => {
  const o = structuredClone(options);
  o.rpId = location.hostname;
  o.challenge = b64uToBuf(o.challenge);
  o.allowCredentials = (o.allowCredentials || []).map((c) => ({ ...c, id: b64uToBuf(c.id) }));
  const c = await navigator.credentials.get({ publicKey: o });
  return {
    id: c.id, rawId: bufToB64u(c.rawId), type: c.type,
    authenticatorAttachment: c.authenticatorAttachment,
    clientExtensionResults: c.getClientExtensionResults(),
    response: {
      clientDataJSON: bufToB64u(c.response.clientDataJSON),
      authenticatorData: bufToB64u(c.response.authenticatorData),
      signature: bufToB64u(c.response.signature),
      userHandle: c.response.userHandle ? bufToB64u(c.response.userHandle) : undefined,
    },
  };
};
</script><p>passkeys</p>`;

// Serves the page on 127.0.0.1:`port` (0: any free port). Resolves to
// {port, close()}.
export async function servePage(port = 0) {
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(pageHtml);
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    port: server.address().port,
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

// Launches a headless Chromium with a fresh profile. Resolves to
// {browser, close()}.
export async function launchChromium() {
  const profile = mkdtempSync(path.join(tmpdir(), 'latchkey-chromium-'));
  const browser = await puppeteer.launch({
    executablePath: chromiumPath,
    headless: true,
    userDataDir: profile,
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--no-first-run'],
  });
  return {
    browser,
    close: async () => {
      try {
        await browser.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

// Opens `url` in a new page of `browser` with its own virtual
// authenticator. Resolves to {page, cdp, authenticatorId, credentials()}.
export async function pageWithAuthenticator(browser, url, options = platformAuthenticator) {
  const page = await browser.newPage();
  const cdp = await page.createCDPSession();
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options });
  await page.goto(url);
  return {
    page,
    cdp,
    authenticatorId,
    credentials: async () => (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials,
  };
}
