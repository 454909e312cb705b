import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { preAuthEncoding } from '../../src/core/dsse.ts';
import { proposeHashedRekord, proposeIntoto } from '../../src/tlog/client/index.ts';
import type { ProposedEntry } from '../../src/tlog/client/index.ts';

/** Debian's chromium, headless, no network beyond what the page asks for (issue 17 test recipe). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const SCREENSHOTS = resolve(import.meta.dirname, '../../.tmp/screenshots');

/** The pictures the README shows (docs/images/console-<name>.png), refreshed by `npm run screenshots`. */
const README_SET = new Set([
  'log',
  'search',
  'entry',
  'entry-tampered-proof',
  'entry-hostile',
  'runs',
  'provenance',
  'diff',
  'image',
  'image-keyless',
  'image-keyless-other-root',
]);

/**
 * Every test leaves a picture of what it saw under .tmp/screenshots (gitignored); with CONSOLE_SCREENSHOTS_DIR
 * set (the `screenshots` script), the README's set is copied there too.
 */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  const out = process.env.CONSOLE_SCREENSHOTS_DIR;
  if (out && README_SET.has(name)) {
    mkdirSync(resolve(out), { recursive: true });
    copyFileSync(path, join(resolve(out), `console-${name}.png`));
  }
  return path;
}

/** Fails the test on any dialog, page error or CSP violation the page reports. */
export function watchPage(page: Page): string[] {
  const problems: string[] = [];
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
      problems.push(`console: ${m.text()}`);
  });
  return problems;
}

/** A signer for test entries: ECDSA P-256. */
export class Signer {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  constructor() {
    const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = kp.privateKey;
    this.publicKeyPem = kp.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  hashedRekord(artifact: string): { proposed: ProposedEntry; digest: string } {
    const digest = createHash('sha256').update(artifact).digest('hex');
    const signature = sign('sha256', Buffer.from(artifact), this.privateKey).toString('base64');
    return { proposed: proposeHashedRekord(digest, signature, this.publicKeyPem), digest };
  }

  /** An intoto 0.0.2 entry whose stored attestation is `statement` (any JSON, hostile or not). */
  intoto(statement: unknown): ProposedEntry {
    const payload = Buffer.from(JSON.stringify(statement));
    const type = 'application/vnd.in-toto+json';
    const sig = sign('sha256', preAuthEncoding(type, payload), this.privateKey).toString('base64');
    const env = JSON.stringify({
      payloadType: type,
      payload: payload.toString('base64'),
      signatures: [{ keyid: '', sig }],
    });
    return proposeIntoto(env, this.publicKeyPem, '0.0.2');
  }
}

/** A SLSA v0.2 statement as Chains writes for a TaskRun (the fields the picture reads). */
export function statement(o: {
  subject: string;
  digest: string;
  material: string;
  image: string;
  param: string;
}): unknown {
  return {
    _type: 'https://in-toto.io/Statement/v0.1',
    predicateType: 'https://slsa.dev/provenance/v0.2',
    subject: [{ name: o.subject, digest: { sha256: o.digest } }],
    predicate: {
      builder: { id: 'https://tekton.dev/chains/v2' },
      buildType: 'tekton.dev/v1beta1/TaskRun',
      invocation: { parameters: { IMAGE: o.param } },
      buildConfig: {
        steps: [{ name: 'build-and-push', entryPoint: '/kaniko/executor', environment: { image: o.image } }],
      },
      materials: [{ uri: o.material, digest: { sha1: 'a'.repeat(40) } }],
    },
  };
}
