import { execFileSync } from 'node:child_process';
import { hash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RekorClient } from '../../src/tlog/client/index.ts';
import { startLogServer, type RunningLogServer } from '../../src/tlog/server/index.ts';
import { chains, type Run } from './helpers.ts';
import { hostOf, skopeoCopyIn, uniqueRepo } from '../registry/helpers.ts';

/**
 * Every key type import-key-pair accepts, made by the openssl binary, through sign-blob, sign-dsse, sign and
 * attest into our log, then verified: the hashedrekord digest is the key's own (cosign's hash choice), Ed25519
 * blobs and image signatures are Ed25519ph, DSSE stays pure Ed25519 (what Rekor's dsse type verifies).
 */
const KEYS: [string, string[], 'sha256' | 'sha384' | 'sha512'][] = [
  ['ecdsa-p256', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'sha256'],
  ['ecdsa-p384', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'sha384'],
  ['ecdsa-p521', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-521'], 'sha512'],
  ['rsa-2048', ['genrsa', '-traditional', '2048'], 'sha256'],
  ['rsa-3072', ['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:3072'], 'sha256'],
  ['rsa-4096', ['genrsa', '-traditional', '4096'], 'sha256'],
  ['ed25519', ['genpkey', '-algorithm', 'ed25519'], 'sha512'],
];
const CLI_TIMEOUT = 300_000;
const TLOG = new Set(['sign-blob', 'sign', 'attest', 'verify', 'verify-attestation']);
let dir = '';
let log: RunningLogServer;

const openssl = (args: string[]): Buffer =>
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });

function run(args: string[]): Promise<Run> {
  const [cmd = '', ...rest] = args;
  return chains([cmd, ...(TLOG.has(cmd) ? ['--rekor-url', log.url] : []), ...rest], {
    cwd: dir,
    env: { COSIGN_PASSWORD: '' },
  });
}

async function ok(args: string[]): Promise<Run> {
  const r = await run(args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r;
}

/** The hashedrekord digest of the entry at the index a command printed (Rekor cannot search by sha384). */
async function loggedDigest(output: string): Promise<{ algorithm: string; value: string }> {
  const index = /index:? (\d+)/.exec(output)?.[1];
  expect(index, output).toBeDefined();
  const e = await new RekorClient(log.url).getEntryByIndex(Number(index));
  const body = JSON.parse(Buffer.from(e.body, 'base64').toString()) as {
    spec: { data: { hash: { algorithm: string; value: string } } };
  };
  return body.spec.data.hash;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'chains-openssl-keys-'));
  log = await startLogServer({ dbPath: join(dir, 'log.db'), addr: '127.0.0.1:0' });
  writeFileSync(join(dir, 'pred.json'), JSON.stringify({ buildType: 'https://example/build' }));
});

afterAll(async () => {
  await log.close();
});

describe.each(KEYS)('%s key made by openssl', (name, gen, alg) => {
  it(
    'import-key-pair, sign-blob (logged by default), sign-dsse -> tlog upload, sign, attest; every verify passes',
    async () => {
      writeFileSync(join(dir, `${name}.pem`), openssl(gen));
      await ok(['import-key-pair', '--key', `${name}.pem`, '--output-key-prefix', name]);
      const blob = Buffer.from(`blob signed by ${name}\n`);
      writeFileSync(join(dir, `${name}.blob`), blob);

      // sign-blob logs by default (cosign 2.x): the entry records the key's digest
      const signed = await ok(['sign-blob', '--key', `${name}.key`, `${name}.blob`]);
      expect(signed.stderr).toMatch(/tlog entry created with index: \d+/);
      writeFileSync(join(dir, `${name}.sig`), signed.stdout);
      expect(await loggedDigest(signed.stderr)).toEqual({ algorithm: alg, value: hash(alg, blob, 'hex') });
      await ok(['verify-blob', '--key', `${name}.pub`, '--signature', `${name}.sig`, `${name}.blob`]);

      // sign-dsse, then the envelope into the log as dsse
      writeFileSync(
        join(dir, `${name}.json`),
        JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', k: name }),
      );
      await ok(['sign-dsse', '--key', `${name}.key`, '--output', `${name}.dsse`, `${name}.json`]);
      await ok(['verify-dsse', '--key', `${name}.pub`, `${name}.dsse`]);
      const up = await ok([
        'tlog',
        'upload',
        '--type',
        'dsse',
        '--artifact',
        `${name}.dsse`,
        '--public-key',
        `${name}.pub`,
        '--rekor-server',
        log.url,
      ]);
      expect(up.stdout).toMatch(/Created entry at index \d+/);

      // sign and attest an image: hashedrekord with the key's digest, DSSE entry; both verify with the bundle
      const repo = uniqueRepo(`alg-${name}`);
      const digest = skopeoCopyIn('plain', hostOf('plain'), repo, `image for ${name}\n`);
      const image = `${hostOf('plain')}/${repo}@${digest}`;
      await ok(['sign', '--key', `${name}.key`, image]);
      await ok([
        'attest',
        '--key',
        `${name}.key`,
        '--predicate',
        'pred.json',
        '--type',
        'slsaprovenance1',
        image,
      ]);
      const v = await ok(['verify', '--key', `${name}.pub`, image]);
      expect(v.stderr).toContain('Existence of the claims in the transparency log was verified offline');
      const payload = JSON.parse(v.stdout) as unknown[];
      const simple = Buffer.from(JSON.stringify(payload[0]));
      expect(simple.length).toBeGreaterThan(0);
      await ok(['verify-attestation', '--key', `${name}.pub`, '--type', 'slsaprovenance1', image]);
    },
    CLI_TIMEOUT,
  );
});

describe('keys and signatures openssl makes', () => {
  it.each(['ecdsa-p384', 'ecdsa-p521', 'ed25519'])(
    '%s: sign --new-bundle-format records the key’s digest in the bundle and verify accepts it',
    async (name) => {
      if (!readFileSync(join(dir, `${name}.key`), 'utf8')) throw new Error('key missing');
      const repo = uniqueRepo(`bundle-${name}`);
      const digest = skopeoCopyIn('plain', hostOf('plain'), repo, `bundle image for ${name}\n`);
      const image = `${hostOf('plain')}/${repo}@${digest}`;
      await ok(['sign', '--new-bundle-format', '--key', `${name}.key`, image]);
      const v = await ok(['verify', '--key', `${name}.pub`, image]);
      expect(v.stderr).toContain('Existence of the claims in the transparency log was verified offline');
    },
    CLI_TIMEOUT,
  );

  it(
    'import-key-pair refuses EC keys with explicit curve parameters with cosign’s wording, writes nothing',
    async () => {
      openssl([
        'ecparam',
        '-name',
        'prime256v1',
        '-param_enc',
        'explicit',
        '-genkey',
        '-noout',
        '-out',
        'explicit.pem',
      ]);
      openssl(['pkcs8', '-topk8', '-nocrypt', '-in', 'explicit.pem', '-out', 'explicit8.pem']);
      expect(readFileSync(join(dir, 'explicit.pem'), 'utf8')).toContain('BEGIN EC PRIVATE KEY');
      for (const [file, text] of [
        ['explicit.pem', 'error parsing ecdsa private key'],
        ['explicit8.pem', 'error parsing pkcs #8 private key'],
      ] as const) {
        const r = await run(['import-key-pair', '--key', file, '--output-key-prefix', `out-${file}`]);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain(text);
        expect(r.stderr).toContain('[EXPLICIT_CURVE_PARAMS]');
        expect(() => readFileSync(join(dir, `out-${file}.key`))).toThrow();
      }
    },
    CLI_TIMEOUT,
  );

  it(
    'verify-blob and tlog upload take raw DER, wrapped and single-line base64 signatures (cosign shapes)',
    async () => {
      openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'shapes.pem']);
      openssl(['pkey', '-in', 'shapes.pem', '-pubout', '-out', 'shapes.pub']);
      writeFileSync(join(dir, 'shapes.blob'), 'shapes\n');
      openssl(['dgst', '-sha384', '-sign', 'shapes.pem', '-out', 'shapes.der', 'shapes.blob']);
      const der = readFileSync(join(dir, 'shapes.der'));
      const b64 = der.toString('base64');
      writeFileSync(join(dir, 'shapes.b64'), `${b64}\n`);
      writeFileSync(join(dir, 'shapes.wrapped'), `${(b64.match(/.{1,20}/g) ?? []).join('\n')}\n`);
      for (const f of ['shapes.der', 'shapes.b64', 'shapes.wrapped'])
        await ok(['verify-blob', '--key', 'shapes.pub', '--signature', f, 'shapes.blob']);
      const upload = (sig: string) =>
        run([
          'tlog',
          'upload',
          '--artifact',
          'shapes.blob',
          '--signature',
          sig,
          '--public-key',
          'shapes.pub',
          '--rekor-server',
          log.url,
        ]);
      const first = await upload('shapes.wrapped');
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toMatch(/Created entry at index \d+/);
      for (const f of ['shapes.der', 'shapes.b64']) {
        const again = await upload(f);
        expect(again.code, again.stderr).toBe(0);
        expect(again.stdout).toMatch(/Entry already exists/);
      }
      expect(await loggedDigest(first.stdout)).toEqual({
        algorithm: 'sha384',
        value: hash('sha384', readFileSync(join(dir, 'shapes.blob')), 'hex'),
      });
    },
    CLI_TIMEOUT,
  );
});
