import { execFileSync, spawn } from 'node:child_process';
import { createHash, createPrivateKey, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { preAuthEncoding } from '../../src/core/dsse.ts';
import { startLogServer, type RunningLogServer } from '../../src/tlog/server/index.ts';
import { VECTORS } from '../setup/env.ts';
import { chains } from '../keys/helpers.ts';
import { tempDir } from './helpers.ts';

/** The log's algorithm policy and Rekor's key rules, over HTTP, with keys and certificates made by openssl. */
const BIN = resolve(import.meta.dirname, '../../bin/chains');
const REKOR = `${VECTORS}rekor-algorithms/`;
const dir = tempDir('tlog-algorithms-');
const openssl = (...args: string[]): Buffer =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
const file = (f: string): Buffer => readFileSync(join(dir, f));
const b64 = (b: Uint8Array | string): string => Buffer.from(b).toString('base64');
const hex = (alg: string, data: Uint8Array): string => createHash(alg).update(data).digest('hex');

function hashedRekord(pem: string | Buffer, sig: Uint8Array, algorithm: string, value: string): object {
  return {
    apiVersion: '0.0.1',
    kind: 'hashedrekord',
    spec: {
      data: { hash: { algorithm, value } },
      signature: { content: b64(sig), publicKey: { content: b64(pem) } },
    },
  };
}

async function post(url: string, body: object): Promise<{ status: number; message: string }> {
  const r = await fetch(`${url}/api/v1/log/entries`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  return {
    status: r.status,
    message: r.status === 201 ? '' : (JSON.parse(text) as { message: string }).message,
  };
}

/** An entry over `blob.txt` signed by the openssl key `key` with `alg`, the signature made by openssl. */
function opensslEntry(key: string, alg: string): object {
  openssl('dgst', `-${alg}`, '-sign', key, '-out', `${key}.${alg}.sig`, 'blob.txt');
  openssl('pkey', '-in', key, '-pubout', '-out', `${key}.pub`);
  return hashedRekord(file(`${key}.pub`), file(`${key}.${alg}.sig`), alg, hex(alg, file('blob.txt')));
}

let log: RunningLogServer;

beforeAll(async () => {
  log = await startLogServer({ dbPath: join(dir, 'log.db'), addr: '127.0.0.1:0' });
  execFileSync('sh', ['-c', 'printf "artifact\\n" > blob.txt'], { cwd: dir });
});

afterAll(async () => {
  await log.close();
});

describe("Rekor's default policy", () => {
  it('refuses RSA-1024 and P-256 with sha512 ("entry algorithms are not allowed"), accepts P-521 with sha512 and P-384 with sha384', async () => {
    openssl('genrsa', '-out', 'rsa1024.pem', '1024');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', 'p256.pem');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'p384.pem');
    openssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521', '-out', 'p521.pem');
    const size = log.log.checkpoint.size;
    for (const e of [opensslEntry('rsa1024.pem', 'sha256'), opensslEntry('p256.pem', 'sha512')])
      expect(await post(log.url, e)).toEqual({
        status: 400,
        message: 'error processing entry: entry algorithms are not allowed',
      });
    expect(log.log.checkpoint.size).toBe(size);
    expect((await post(log.url, opensslEntry('p521.pem', 'sha512'))).status).toBe(201);
    expect((await post(log.url, opensslEntry('p384.pem', 'sha384'))).status).toBe(201);
    expect((await post(log.url, opensslEntry('p256.pem', 'sha256'))).status).toBe(201);
  });
});

describe('tlog serve --client-signing-algorithms', () => {
  it("takes Rekor's names and enforces them on Rekor's own test data; refuses an unknown name", async () => {
    const child = spawn(
      BIN,
      [
        'tlog',
        'serve',
        '--addr',
        '127.0.0.1:0',
        '--db',
        join(dir, 'restricted.db'),
        '--client-signing-algorithms',
        'rsa-sign-pkcs1-2048-sha256,ed25519-ph',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let out = '';
      const url = await new Promise<string>((res, rej) => {
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /listening on (\S+)/.exec(out);
          if (m?.[1]) res(m[1]);
        });
        child.once('exit', (code) => rej(new Error(`server exited ${code}: ${out}`)));
      });
      const r = (f: string): Buffer => readFileSync(`${REKOR}${f}`);
      const entry = (pub: string, sig: string, alg: string, data: string) =>
        hashedRekord(r(pub), r(sig), alg, hex(alg, r(data)));
      expect((await post(url, entry('rsa_public.pem', 'file1.rsa.sig', 'sha256', 'file1'))).status).toBe(201);
      expect(
        (await post(url, entry('ed25519_public.pem', 'file1.ed25519ph.sig', 'sha512', 'file1'))).status,
      ).toBe(201);
      for (const e of [
        entry('ec_public.pem', 'file1.ec.sig', 'sha256', 'file1'),
        entry('rsa_public.pem', 'file2.rsa512.sig', 'sha512', 'file2'),
      ])
        expect(await post(url, e)).toEqual({
          status: 400,
          message: 'error processing entry: entry algorithms are not allowed',
        });
      const pure = await post(url, entry('ed25519_public.pem', 'file1.ed25519.sig', 'sha512', 'file1'));
      expect(pure.status).toBe(400);
      expect(pure.message).toMatch(/ed25519: invalid signature/);
    } finally {
      child.kill('SIGTERM');
    }
    const bad = await chains(
      [
        'tlog',
        'serve',
        '--addr',
        '127.0.0.1:0',
        '--db',
        join(dir, 'x.db'),
        '--client-signing-algorithms',
        'rsa-1024',
      ],
      { cwd: dir },
    );
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('could not find matching signature algorithm for flag: rsa-1024');
    expect(bad.stderr).toContain('[UNSUPPORTED_SIGNING_ALGORITHM]');
  }, 60_000);
});

describe('keys the log refuses as Rekor does', () => {
  it('a certificate whose chain is an unrelated certificate; the real chain is accepted', async () => {
    const subj = (cn: string) => ['-subj', `/CN=${cn}`];
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
    openssl(
      'req',
      '-x509',
      ...ec,
      ...subj('ca'),
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
    );
    openssl(
      'req',
      '-x509',
      ...ec,
      ...subj('other'),
      '-keyout',
      'other.key',
      '-out',
      'other.pem',
      '-days',
      '30',
    );
    openssl('req', ...ec, ...subj('leaf'), '-keyout', 'leaf.key', '-out', 'leaf.csr');
    openssl(
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'leaf.pem',
      '-days',
      '7',
    );
    openssl('dgst', '-sha256', '-sign', 'leaf.key', '-out', 'leaf.sig', 'blob.txt');
    const digest = hex('sha256', file('blob.txt'));
    const size = log.log.checkpoint.size;
    const unrelated = await post(
      log.url,
      hashedRekord(Buffer.concat([file('leaf.pem'), file('other.pem')]), file('leaf.sig'), 'sha256', digest),
    );
    expect(unrelated).toEqual({
      status: 400,
      message: 'error processing entry: verifying signature: x509: certificate signed by unknown authority',
    });
    expect(log.log.checkpoint.size).toBe(size);
    const chained = await post(
      log.url,
      hashedRekord(Buffer.concat([file('leaf.pem'), file('ca.pem')]), file('leaf.sig'), 'sha256', digest),
    );
    expect(chained.status).toBe(201);
  });

  it('a public-key PEM with trailing blocks, an EC key with explicit curve parameters', async () => {
    openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', 'named.pem');
    openssl('ec', '-in', 'named.pem', '-pubout', '-out', 'named.pub');
    openssl('ec', '-in', 'named.pem', '-pubout', '-param_enc', 'explicit', '-out', 'explicit.pub');
    openssl('dgst', '-sha256', '-sign', 'named.pem', '-out', 'named.sig', 'blob.txt');
    const digest = hex('sha256', file('blob.txt'));
    const size = log.log.checkpoint.size;
    const trailing = await post(
      log.url,
      hashedRekord(Buffer.concat([file('named.pub'), file('ca.pem')]), file('named.sig'), 'sha256', digest),
    );
    expect(trailing.status).toBe(400);
    expect(trailing.message).toMatch(
      /^error processing entry: hashedrekord public key: error during certificate parsing/,
    );
    const explicit = await post(
      log.url,
      hashedRekord(file('explicit.pub'), file('named.sig'), 'sha256', digest),
    );
    expect(explicit).toEqual({
      status: 400,
      message: 'error processing entry: hashedrekord public key: x509: invalid ECDSA parameters',
    });
    expect(log.log.checkpoint.size).toBe(size);
    expect(
      (await post(log.url, hashedRekord(file('named.pub'), file('named.sig'), 'sha256', digest))).status,
    ).toBe(201);
  });

  it('a DSSE entry whose first verifier verifies nothing', async () => {
    const pae = preAuthEncoding('text/plain', Buffer.from('hi'));
    const signer = createPrivateKey(file('named.pem'));
    const envelope = JSON.stringify({
      payloadType: 'text/plain',
      payload: b64('hi'),
      signatures: [{ keyid: '', sig: b64(sign('sha256', pae, signer)) }],
    });
    const dsse = (verifiers: Buffer[]) => ({
      apiVersion: '0.0.1',
      kind: 'dsse',
      spec: { proposedContent: { envelope, verifiers: verifiers.map((v) => b64(v)) } },
    });
    const other = openssl('x509', '-in', 'other.pem', '-pubkey', '-noout');
    const refused = await post(log.url, dsse([other, file('named.pub')]));
    expect(refused.status).toBe(400);
    expect(refused.message).toMatch(
      /^error processing entry: could not verify envelope: accepted signatures do not match threshold, Found: 0, Expected 1/,
    );
    expect((await post(log.url, dsse([file('named.pub'), other]))).status).toBe(201);
  });
});
