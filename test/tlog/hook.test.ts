import { createHash, createPublicKey, sign } from 'node:crypto';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyMaterial } from '../../src/keys/index.ts';
import {
  RekorClient,
  proposeDsse,
  proposeHashedRekord,
  toCosignBundle,
} from '../../src/tlog/client/index.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import type { RunningLogServer } from '../../src/tlog/server/index.ts';
import { tlogCheckBundle } from '../../src/verify/tlog.ts';
import type { TlogSubject } from '../../src/verify/tlog-hook.ts';
import { TestSigner, sha, tempDir } from './helpers.ts';

let srv: RunningLogServer;
let client: RekorClient;
const me = new TestSigner();
const pk = publicKeyMaterial(createPublicKey(me.publicKeyPem));

beforeAll(async () => {
  srv = await startLogServer({ dbPath: join(tempDir(), 'log.db'), addr: '127.0.0.1:0' });
  client = new RekorClient(srv.url, { logPublicKey: srv.publicKeyPem });
});
afterAll(async () => srv?.close());

describe('tlogCheckBundle: the verify hook wired into chains verify / verify-attestation', () => {
  const payload = Buffer.from('{"critical":{"image":{"docker-manifest-digest":"sha256:abc"}}}');
  const signature = sign('sha256', payload, me.privateKey).toString('base64');
  const sig: TlogSubject = { kind: 'hashedrekord', bytes: payload, signature, publicKey: pk };
  const envelope = Buffer.from(me.envelope(sha('img')));
  const att: TlogSubject = { kind: 'dsse', bytes: envelope, signature: '', publicKey: pk };

  it('accepts a cosign bundle for exactly these bytes, offline', async () => {
    const hr = await client.createEntry(
      proposeHashedRekord(createHash('sha256').update(payload).digest('hex'), signature, me.publicKeyPem),
    );
    const d = await client.createEntry(proposeDsse(envelope, me.publicKeyPem));
    const offline = tlogCheckBundle({ logPublicKey: srv.publicKeyPem });
    await offline(toCosignBundle(hr), sig);
    await offline(toCosignBundle(d), att);
    await expect(offline(toCosignBundle(hr), att)).rejects.toThrow(/envelope hash/);
    await expect(
      offline(toCosignBundle(d), { ...att, bytes: Buffer.from(me.envelope(sha('other'))) }),
    ).rejects.toThrow(/envelope hash/);
    await expect(offline(toCosignBundle(hr), { ...sig, bytes: Buffer.from('other') })).rejects.toThrow(
      /payload hash/,
    );
    const stranger = publicKeyMaterial(createPublicKey(new TestSigner().publicKeyPem));
    await expect(offline(toCosignBundle(hr), { ...sig, publicKey: stranger })).rejects.toThrow(/public key/);
    await expect(
      tlogCheckBundle({ logPublicKey: new TestSigner().publicKeyPem })(toCosignBundle(hr), sig),
    ).rejects.toThrow(/logID/);
  });

  it('without a bundle: looks the entry up online, or rejects when there is no log', async () => {
    const online = tlogCheckBundle({ logPublicKey: srv.publicKeyPem, client });
    await online(undefined, sig);
    await online(undefined, att);
    await expect(
      online(undefined, { ...att, bytes: Buffer.from(me.envelope(sha('never logged'))) }),
    ).rejects.toThrow(/no transparency log entry/);
    await expect(tlogCheckBundle({ logPublicKey: srv.publicKeyPem })(undefined, sig)).rejects.toThrow(
      /no transparency log bundle/,
    );
  });
});
