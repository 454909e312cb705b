import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RekorUploader } from '../src/controller/tlog-uploader.ts';
import { privateKeyMaterial } from '../src/keys/index.ts';
import { KeySigner, signInToto, signRaw, simpleSigningPayload } from '../src/signing/index.ts';
import type { SignedRecord } from '../src/core/signed.ts';
import { RekorClient } from '../src/tlog/client/index.ts';
import { startLogServer, type RunningLogServer } from '../src/tlog/server/index.ts';

const signer = new KeySigner(
  privateKeyMaterial(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey),
);
const work = mkdtempSync(join(tmpdir(), 'chains-uploader-'));
let log: RunningLogServer;

beforeAll(async () => {
  log = await startLogServer({ dbPath: join(work, 'log.db'), addr: '127.0.0.1:0' });
});
afterAll(async () => log.close());

const statement = () =>
  Buffer.from(
    JSON.stringify({
      _type: 'https://in-toto.io/Statement/v0.1',
      subject: [],
      n: randomBytes(8).toString('hex'),
    }),
  );
const imageSig = async (): Promise<SignedRecord> => ({
  ...(await signRaw(
    signer,
    simpleSigningPayload('127.0.0.1:5000/x', `sha256:${randomBytes(32).toString('hex')}`),
  )),
  kind: 'simplesigning',
});

/** A fetch that records the paths asked for, and can replace the answer to an entry upload. */
function spyFetch(replace?: () => Response | undefined): { fetch: typeof fetch; paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    fetch: async (input, init) => {
      const url = new URL(String(input));
      paths.push(url.pathname);
      const fake = url.pathname === '/api/v1/log/entries' ? replace?.() : undefined;
      return fake ?? fetch(input, init);
    },
  };
}

describe('RekorUploader checks every entry before the controller records it', () => {
  it('verifies the SET with the log key fetched once (trust on first use) and returns the cosign bundle', async () => {
    const spy = spyFetch();
    const up = new RekorUploader(new RekorClient(log.url, { fetch: spy.fetch }));
    const a = await up.upload(await signInToto(signer, statement()));
    const b = await up.upload(await imageSig());
    expect(a).toMatchObject({ created: true, bundle: { Payload: { logIndex: a.logIndex } } });
    expect(b.logIndex).toBe(a.logIndex + 1);
    expect(spy.paths.filter((p) => p === '/api/v1/log/publicKey')).toHaveLength(1);
  });

  it('rejects entries signed by another log key (TLOG_VERIFY)', async () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    const up = new RekorUploader(new RekorClient(log.url), { logPublicKey: other });
    await expect(up.upload(await imageSig())).rejects.toMatchObject({
      code: 'TLOG_VERIFY',
      message: expect.stringMatching(/logID .* is not the log key's ID/),
    });
  });

  it.each([
    ['dsse', () => signInToto(signer, statement())],
    ['hashedrekord', imageSig],
  ])('rejects a genuine entry of another %s record (a replaying log)', async (_kind, make) => {
    const first = await make();
    let replay: { status: number; body: string } | undefined;
    const honest = new RekorUploader(
      new RekorClient(log.url, {
        fetch: async (input, init) => {
          const res = await fetch(input, init);
          if (String(input).endsWith('/api/v1/log/entries'))
            replay = { status: res.status, body: await res.clone().text() };
          return res;
        },
      }),
      { logPublicKey: log.publicKeyPem },
    );
    await honest.upload(first);
    const liar = spyFetch(() => new Response(replay?.body, { status: replay?.status ?? 500 }));
    const up = new RekorUploader(new RekorClient(log.url, { fetch: liar.fetch }), {
      logPublicKey: log.publicKeyPem,
    });
    await expect(up.upload(await make())).rejects.toMatchObject({
      code: 'TLOG_VERIFY',
      message: expect.stringMatching(/is not the entry of this signature/),
    });
  });

  it('rejects a tampered SET', async () => {
    const liar = spyFetch();
    const client = new RekorClient(log.url, {
      fetch: async (input, init) => {
        const res = await liar.fetch(input, init);
        if (!String(input).endsWith('/api/v1/log/entries')) return res;
        const m = (await res.json()) as Record<string, { integratedTime: number }>;
        for (const v of Object.values(m)) v.integratedTime += 1;
        return new Response(JSON.stringify(m), { status: res.status });
      },
    });
    const up = new RekorUploader(client, { logPublicKey: log.publicKeyPem });
    await expect(up.upload(await imageSig())).rejects.toMatchObject({
      code: 'TLOG_VERIFY',
      message: expect.stringMatching(/signed entry timestamp does not verify/),
    });
  });
});
