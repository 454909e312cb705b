import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate as SigstoreCert } from '@sigstore/core';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { toTrustMaterial } from '@sigstore/verify';
import { verifySCTs } from '@sigstore/verify/dist/key/sct.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePem } from '../../src/core/encoding.ts';
import { startCtLogServer } from '../../src/ctlog/server/index.ts';
import type { RunningCtLog } from '../../src/ctlog/server/index.ts';
import { submitToCtLog } from '../../src/ctlog/sct/index.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import type { RunningLogServer } from '../../src/tlog/server/index.ts';
import {
  TRUSTED_ROOT_MEDIA_TYPE,
  TrustRootError,
  buildTrustedRoot,
  fetchTrustMaterial,
} from '../../src/trustroot/index.ts';
import type { TrustedRootJson } from '../../src/trustroot/index.ts';
import { chains } from '../keys/helpers.ts';
import { issueLeaf, makeCa } from '../ctlog/pki.ts';
import type { TestCa } from '../ctlog/pki.ts';
import { tempDir } from '../tlog/helpers.ts';

const dir = tempDir('trustroot-');
let tlog: RunningLogServer;
let ct: RunningCtLog;
let ca: TestCa;
/** Serves Fulcio's GET /api/v2/trustBundle for the test CA (issuing CA first, root last, PEM strings). */
let bundle: Server;
let fulcioUrl: string;

beforeAll(async () => {
  ca = await makeCa('trust');
  mkdirSync(join(dir, 'tlog'));
  tlog = await startLogServer({ dbPath: join(dir, 'tlog', 'tlog.db'), addr: '127.0.0.1:0' });
  ct = await startCtLogServer({ dir: join(dir, 'ct'), addr: '127.0.0.1:0', rootsPem: ca.rootPem });
  mkdirSync(join(dir, 'ca'));
  writeFileSync(join(dir, 'ca', 'intermediate.pem'), encodePem('CERTIFICATE', ca.intermediate));
  writeFileSync(join(dir, 'ca', 'root.pem'), ca.rootPem);
  const body = JSON.stringify({
    chains: [{ certificates: [encodePem('CERTIFICATE', ca.intermediate), ca.rootPem] }],
  });
  bundle = createServer((req, res) => {
    res.writeHead(req.url === '/api/v2/trustBundle' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((r) => bundle.listen(0, '127.0.0.1', r));
  fulcioUrl = `http://127.0.0.1:${(bundle.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await tlog?.close();
  await ct?.close();
  bundle?.close();
});

const urls = (): { rekorUrl: string; fulcioUrl: string; ctlogUrl: string } => ({
  rekorUrl: tlog.url,
  fulcioUrl,
  ctlogUrl: ct.url,
});

describe('trusted-root', () => {
  it('reads the services into a TrustedRoot that sigstore-js loads, with log IDs = SHA-256(SPKI)', async () => {
    const root = buildTrustedRoot(await fetchTrustMaterial(urls()));
    expect(root.mediaType).toBe(TRUSTED_ROOT_MEDIA_TYPE);
    expect(Object.keys(root)).toEqual(['mediaType', 'tlogs', 'certificateAuthorities', 'ctlogs']);
    const trust = toTrustMaterial(TrustedRoot.fromJSON(JSON.parse(JSON.stringify(root))));
    expect(trust.tlogs).toHaveLength(1);
    expect(trust.tlogs[0]?.logID.toString('hex')).toBe(tlog.log.logId);
    expect(trust.ctlogs[0]?.logID.equals(ct.log.logId)).toBe(true);
    expect(trust.ctlogs[0]?.publicKey.equals(ct.log.publicKey)).toBe(true);
    expect(
      trust.certificateAuthorities[0]?.certChain.map((c) => Buffer.from(c.tbsCertificate.toDER()).length),
    ).toHaveLength(2);
    expect(root.certificateAuthorities[0]).toMatchObject({
      subject: { commonName: 'trust-root' },
      uri: fulcioUrl,
    });
    expect(root.ctlogs[0]?.publicKey).toMatchObject({
      keyDetails: 'PKIX_ECDSA_P256_SHA_256',
      validFor: { start: '1970-01-01T00:00:00Z' },
    });
    // sigstore-js checks an SCT from our CT log with the trust material it built from this file
    const pre = await issueLeaf(ca, { poison: 'valid' });
    const sct = await submitToCtLog(ct.url, 'add-pre-chain', [pre.der, ca.intermediate]);
    const final = await issueLeaf(ca, { scts: [sct], serialHex: pre.serialHex, keys: pre.keys });
    const ab = (b: Buffer): Buffer<ArrayBuffer> => Buffer.from(new Uint8Array(b));
    expect(
      verifySCTs(SigstoreCert.parse(ab(final.der)), SigstoreCert.parse(ab(ca.intermediate)), trust.ctlogs),
    ).toHaveLength(1);
    expect(() =>
      verifySCTs(SigstoreCert.parse(ab(final.der)), SigstoreCert.parse(ab(ca.intermediate)), trust.tlogs),
    ).toThrow(/SCT verification failed/);
  });

  it('the CLI prints the same root online and --offline from the service directories', async () => {
    const u = urls();
    const common = ['--rekor-url', u.rekorUrl, '--fulcio-url', u.fulcioUrl, '--ctlog-url', u.ctlogUrl];
    const online = await chains(['trusted-root', ...common], { cwd: dir });
    expect(online.stderr).toBe('');
    const offline = await chains(
      [
        'trusted-root',
        ...common,
        '--offline',
        '--rekor-dir',
        join(dir, 'tlog'),
        '--ca-dir',
        join(dir, 'ca'),
        '--ctlog-dir',
        join(dir, 'ct'),
      ],
      { cwd: dir },
    );
    expect(offline.stderr).toBe('');
    expect(JSON.parse(offline.stdout)).toEqual(JSON.parse(online.stdout));
    const parsed = JSON.parse(online.stdout) as TrustedRootJson;
    expect(parsed).toEqual(buildTrustedRoot(await fetchTrustMaterial(u)));
    const ro = await chains(['trusted-root', ...common, '--valid-from', '2026-01-01T00:00:00Z'], {
      cwd: dir,
    });
    expect((JSON.parse(ro.stdout) as TrustedRootJson).tlogs[0]?.publicKey.validFor.start).toBe(
      '2026-01-01T00:00:00Z',
    );
  });

  it('fails with a coded error when a service is down or answers something else', async () => {
    await expect(fetchTrustMaterial({ ...urls(), ctlogUrl: 'http://127.0.0.1:1' })).rejects.toMatchObject({
      code: 'TRUSTROOT_FETCH',
    });
    await expect(fetchTrustMaterial({ ...urls(), fulcioUrl: tlog.url })).rejects.toBeInstanceOf(
      TrustRootError,
    );
    await expect(fetchTrustMaterial({ ...urls(), rekorUrl: fulcioUrl })).rejects.toMatchObject({
      code: 'TRUSTROOT_FETCH',
    });
    const r = await chains(['trusted-root', '--offline', '--ca-dir', join(dir, 'nope')], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /cannot read CA certificate .*nope\/intermediate.pem: no such file \[CLI_READ\]/,
    );
    expect(() =>
      buildTrustedRoot({ tlogs: [], ctlogs: [], cas: [{ uri: 'x', chainDer: [ca.root, ca.intermediate] }] }),
    ).toThrow(expect.objectContaining({ code: 'TRUSTROOT_INVALID' }));
  });
});
