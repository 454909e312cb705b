import { createHash, sign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chains } from '../keys/helpers.ts';
import { startLogServer } from '../../src/tlog/server/index.ts';
import type { RunningLogServer } from '../../src/tlog/server/index.ts';
import { TestSigner, sha, tempDir } from './helpers.ts';

const dir = tempDir('tlog-cli-');
const env = { CHAINS_HOME: join(dir, 'home') };
let srv: RunningLogServer;
const me = new TestSigner();
const run = (...args: string[]) => chains(['tlog', ...args, '--rekor-server', srv.url], { cwd: dir, env });

beforeAll(async () => {
  srv = await startLogServer({ dbPath: join(dir, 'log.db'), addr: '127.0.0.1:0' });
  writeFileSync(join(dir, 'key.pub'), me.publicKeyPem);
  writeFileSync(join(dir, 'artifact.txt'), 'hello, world!');
  writeFileSync(
    join(dir, 'artifact.sig'),
    sign('sha256', Buffer.from('hello, world!'), me.privateKey).toString('base64'),
  );
  writeFileSync(join(dir, 'envelope.json'), me.envelope(sha('image')));
});
afterAll(async () => srv?.close());

describe('chains tlog (rekor-cli outputs)', () => {
  it('upload prints rekor-cli lines; a repeat says the entry exists', async () => {
    const a = await run(
      'upload',
      '--artifact',
      'artifact.txt',
      '--signature',
      'artifact.sig',
      '--public-key',
      'key.pub',
    );
    expect(a.stderr).toBe('');
    expect(a.stdout).toMatch(
      new RegExp(`^Created entry at index 0, available at: ${srv.url}/api/v1/log/entries/[0-9a-f]{80}\\n$`),
    );
    const b = await run(
      'upload',
      '--artifact',
      'artifact.txt',
      '--signature',
      'artifact.sig',
      '--public-key',
      'key.pub',
      '--format',
      'json',
    );
    expect(JSON.parse(b.stdout)).toMatchObject({ AlreadyExists: true, Index: 0 });
    const c = await run('upload', '--type', 'dsse', '--artifact', 'envelope.json', '--public-key', 'key.pub');
    expect(c.stdout).toMatch(/^Created entry at index 1,/);
    const d = await run(
      'upload',
      '--type',
      'intoto',
      '--artifact',
      'envelope.json',
      '--public-key',
      'key.pub',
    );
    expect(d.stdout).toMatch(/^Created entry at index 2,/);
  });

  it('get prints the entry with Body and Attestation, default and json', async () => {
    const g = await run('get', '--log-index', '2');
    expect(g.code).toBe(0);
    expect(g.stdout).toMatch(/^LogID: [0-9a-f]{64}\nAttestation: \{"_type"/);
    expect(g.stdout).toMatch(
      /\nIndex: 2\nIntegratedTime: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\nUUID: [0-9a-f]{80}\nBody: \{\n {2}"IntotoObj": \{/,
    );
    const j = JSON.parse((await run('get', '--log-index', '1', '--format', 'json')).stdout) as Record<
      string,
      unknown
    >;
    expect(Object.keys(j)).toEqual([
      'Attestation',
      'AttestationType',
      'Body',
      'LogIndex',
      'IntegratedTime',
      'UUID',
      'LogID',
    ]);
    expect(Object.keys(j.Body as object)).toEqual(['DSSEObj']);
    const byUuid = await run('get', '--uuid', j.UUID as string);
    expect(byUuid.stdout).toContain('Index: 1\n');
  });

  it('search by --sha, --artifact and --public-key; nothing found is an error', async () => {
    const s = await run('search', '--sha', `sha256:${sha('image')}`);
    expect(s.stderr).toBe('Found matching entries (listed by UUID):\n');
    expect(s.stdout.trim().split('\n')).toHaveLength(2); // dsse + intoto attestations of the image
    const a = await run('search', '--artifact', 'artifact.txt', '--format', 'json');
    expect((JSON.parse(a.stdout) as { UUIDs: string[] }).UUIDs).toHaveLength(1);
    const k = await run('search', '--public-key', 'key.pub');
    expect(k.stdout.trim().split('\n')).toHaveLength(3);
    const none = await run('search', '--sha', sha('nothing'));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no matching entries found/);
  });

  it('loginfo verifies, remembers the head under CHAINS_HOME, and checks consistency next time', async () => {
    const l = await run('loginfo');
    expect(l.stdout).toMatch(
      /^Verification Successful!\nActive Tree Size: {7}3\nTotal Tree Size: {8}3\nRoot Hash: {14}[0-9a-f]{64}\nTreeID: {17}\d+\n$/,
    );
    const state = JSON.parse(readFileSync(join(dir, 'home', 'tlog-state.json'), 'utf8')) as Record<
      string,
      { size: number }
    >;
    expect(state[srv.url]?.size).toBe(3);
    await run(
      'upload',
      '--artifact-hash',
      createHash('sha256').update('hello, world!').digest('hex'),
      '--signature',
      'artifact.sig',
      '--public-key',
      'key.pub',
    );
    writeFileSync(join(dir, 'other.txt'), 'x');
    writeFileSync(join(dir, 'other.sig'), sign('sha256', Buffer.from('x'), me.privateKey).toString('base64'));
    await run('upload', '--artifact', 'other.txt', '--signature', 'other.sig', '--public-key', 'key.pub');
    const j = JSON.parse((await run('loginfo', '--format', 'json')).stdout) as { TotalTreeSize: number };
    expect(j.TotalTreeSize).toBe(4);
  });

  it('verify checks the inclusion proof by index and by artifact', async () => {
    const v = await run('verify', '--log-index', '0');
    expect(v.stdout).toMatch(
      /^Current Root Hash: [0-9a-f]{64}\nEntry Hash: [0-9a-f]{80}\nEntry Index: 0\nCurrent Tree Size: 4\nCheckpoint:\n127\.0\.0\.1 - \d+\n4\n/,
    );
    const a = await run(
      'verify',
      '--artifact',
      'artifact.txt',
      '--signature',
      'artifact.sig',
      '--public-key',
      'key.pub',
    );
    expect(a.stdout).toContain('Entry Index: 0\n');
  });

  it('bad input: clear errors, exit 1', async () => {
    expect((await run('get', '--uuid', 'nothex')).stderr).toMatch(
      /^Error: getting entry nothex: 400 invalid entry ID/,
    );
    expect((await run('get', '--log-index', '99')).stderr).toMatch(
      /404 no entry found at logIndex 99 \[TLOG_NOT_FOUND\]/,
    );
    expect(
      (
        await run(
          'upload',
          '--artifact',
          'missing.txt',
          '--signature',
          'artifact.sig',
          '--public-key',
          'key.pub',
        )
      ).stderr,
    ).toMatch(/cannot read artifact missing.txt: no such file \[CLI_READ\]/);
    writeFileSync(join(dir, 'bad-entry.json'), '{"kind": hashedrekord');
    expect((await run('upload', '--entry', 'bad-entry.json')).stderr).toMatch(
      /^Error: --entry bad-entry.json is not JSON: .* \[TLOG_INPUT\]\n$/,
    );
    const wrong = await run(
      'upload',
      '--artifact',
      'other.txt',
      '--signature',
      'artifact.sig',
      '--public-key',
      'key.pub',
    );
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /400 error processing entry: verifying signature: invalid signature when validating ASN\.1/,
    );
    const pinned = await chains(
      ['tlog', 'get', '--log-index', '0', '--rekor-server', srv.url, '--rekor-server-public-key', 'key.pub'],
      { cwd: dir, env },
    );
    expect(pinned.stderr).toMatch(/logID .* is not the log key's ID [0-9a-f]{64} \[TLOG_VERIFY\]/);
  });
});
