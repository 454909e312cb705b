import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { finishedKanikoTaskRun } from '../../src/demo/kaniko-run.ts';
import { loadPrivateKey } from '../../src/keys/index.ts';
import { staticKeychain } from '../../src/registry/keychain.ts';
import { MediaType } from '../../src/registry/manifest.ts';
import { RegistryClient } from '../../src/registry/client.ts';
import { pushBlob } from '../../src/registry/upload.ts';
import { sha256Hex, startLogChild, startRegistryChild, tempDir } from '../lib/common.ts';
import { runChains, type Check, type CliRun } from './run.ts';

export interface AuthRegistry {
  host: string;
  user: string;
  password: string;
}

async function pushImage(client: RegistryClient, host: string, repository: string): Promise<string> {
  const repo = { registry: host, repository };
  const config = Buffer.from(JSON.stringify({ os: 'linux', id: randomUUID() }));
  const layer = randomBytes(64);
  await pushBlob(client, repo, config);
  await pushBlob(client, repo, layer);
  const d = (mt: string, b: Buffer) => ({ mediaType: mt, digest: `sha256:${sha256Hex(b)}`, size: b.length });
  const m = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: d(MediaType.ociConfig, config),
    layers: [d('application/vnd.oci.image.layer.v1.tar', layer)],
  };
  return client.putManifest(repo, 'latest', Buffer.from(JSON.stringify(m)));
}

/** The forms key material could leak in: PKCS#8 base64 (whole and per PEM line), the scalar in base64url and hex. */
async function keyForms(keyFile: string, password: string): Promise<string[]> {
  const k = await loadPrivateKey(readFileSync(keyFile), password);
  const der = k.key.export({ type: 'pkcs8', format: 'der' }).toString('base64');
  const d = k.key.export({ format: 'jwk' }).d ?? '';
  return [
    der,
    ...(der.match(/.{1,64}/g) ?? []).filter((l) => l.length >= 32),
    d,
    Buffer.from(d, 'base64url').toString('hex'),
  ];
}

interface Captured {
  source: string;
  out: string;
}

type Cli = (source: string, args: string[], env?: NodeJS.ProcessEnv) => Promise<CliRun>;
type Must = (name: string, r: CliRun, ok: boolean) => void;

/** sign against a real htpasswd registry: a wrong --registry-password, then docker config.json credentials. */
async function registryCredentialRuns(
  cli: Cli,
  must: Must,
  auth: AuthRegistry,
  wrong: string,
  work: string,
  full: boolean,
): Promise<void> {
  const client = new RegistryClient({
    keychain: staticKeychain(auth.host, { kind: 'basic', username: auth.user, password: auth.password }),
  });
  const d2 = await pushImage(client, auth.host, 'sec/app');
  const img = `${auth.host}/sec/app@${d2}`;
  const w = await cli('sign, wrong registry password', [
    'sign',
    '--key',
    'cosign.key',
    '--tlog-upload=false',
    '--registry-username',
    auth.user,
    '--registry-password',
    wrong,
    img,
  ]);
  must('sign with a wrong registry password fails', w, w.code !== 0);
  if (!full) return;
  const dc = join(work, 'docker');
  mkdirSync(dc, { recursive: true });
  writeFileSync(
    join(dc, 'config.json'),
    JSON.stringify({
      auths: { [auth.host]: { auth: Buffer.from(`${auth.user}:${auth.password}`).toString('base64') } },
    }),
  );
  const ok = await cli(
    'sign, docker config.json',
    ['sign', '--key', 'cosign.key', '--tlog-upload=false', img],
    { DOCKER_CONFIG: dc },
  );
  must('sign with docker config.json credentials works', ok, ok.code === 0);
}

/** The servers (log, embedded registry) with sign/attest through them, and the controller (sign-run, --local). */
async function serverAndControllerRuns(
  cli: Cli,
  must: Must,
  cap: Captured[],
  wrong: string,
  work: string,
): Promise<void> {
  const log = await startLogChild(join(work, 'log.db'));
  const reg = await startRegistryChild(undefined);
  try {
    const digest = await pushImage(new RegistryClient(), reg.host, 'sec/app');
    const image = `${reg.host}/sec/app@${digest}`;
    const s = await cli('sign (embedded registry + log)', [
      'sign',
      '--key',
      'cosign.key',
      '--rekor-url',
      log.url,
      image,
    ]);
    must('sign + tlog upload works', s, s.code === 0);
    writeFileSync(join(work, 'predicate.json'), JSON.stringify({ builder: { id: 'x' } }));
    const a = await cli('attest', [
      'attest',
      '--key',
      'cosign.key',
      '--predicate',
      'predicate.json',
      '--type',
      'slsaprovenance',
      '--rekor-url',
      log.url,
      image,
    ]);
    must('attest works', a, a.code === 0);
    const runs = join(work, 'runs');
    mkdirSync(runs);
    const run = (name: string) =>
      finishedKanikoTaskRun({ name, uid: randomUUID(), image: `${reg.host}/sec/app`, digest });
    writeFileSync(join(runs, 'a.json'), JSON.stringify(run('a'), null, 2));
    writeFileSync(join(work, 'one.json'), JSON.stringify(run('one'), null, 2));
    await cli('sign-run, wrong password', ['sign-run', 'one.json', '--key', 'cosign.key'], {
      COSIGN_PASSWORD: wrong,
    });
    const sr = await cli('sign-run', ['sign-run', 'one.json', '--key', 'cosign.key']);
    must('sign-run after a failed run (info: already signed=failed, not re-signed)', sr, true);
    const ctl = [
      'controller',
      '--local',
      runs,
      '--once',
      '--key',
      'cosign.key',
      '--metrics-addr',
      '127.0.0.1:0',
      '--log-level',
      'debug',
    ];
    await cli('controller --local, wrong password', ctl, { COSIGN_PASSWORD: wrong });
    await cli('controller --local', ctl);
  } finally {
    await log.stop();
    await reg.stop();
  }
  cap.push({ source: 'tlog serve', out: log.output() }, { source: 'registry serve', out: reg.output() });
}

/**
 * Secrets never reach logs: runs the CLI (keys, signing, OCI push to an auth registry with right and wrong
 * credentials, the log), the controller (sign-run and --local) and the servers with known secrets, then greps
 * everything they printed for the passwords, the registry credentials and the private key in every encoding.
 */
export async function secretChecks(
  auth?: AuthRegistry,
  full = true,
  work = tempDir('secrets'),
): Promise<Check[]> {
  const pw = `S3cret-${randomBytes(6).toString('hex')}`;
  const wrong = `Wr0ng-${randomBytes(6).toString('hex')}`;
  const cap: Captured[] = [];
  const cli = async (source: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> => {
    const r = await runChains(args, {
      cwd: work,
      env: { COSIGN_PASSWORD: pw, CHAINS_HOME: join(work, 'home'), ...env },
    });
    cap.push({ source: `${source} (exit ${r.code})`, out: r.out });
    return r;
  };
  const expect: Check[] = [];
  const must = (name: string, r: CliRun, ok: boolean): void =>
    void expect.push({ name, ok, detail: `exit ${r.code}${ok ? '' : `: ${r.out.slice(0, 300)}`}` });
  const g = await cli('generate-key-pair', ['generate-key-pair']);
  must('generate-key-pair works', g, g.code === 0);
  writeFileSync(join(work, 'blob.txt'), 'hello');
  const bad = await cli(
    'sign-blob, wrong password',
    ['sign-blob', '--key', 'cosign.key', '--tlog-upload=false', 'blob.txt'],
    {
      COSIGN_PASSWORD: wrong,
    },
  );
  must('sign-blob with a wrong password fails', bad, bad.code !== 0);
  if (full) {
    const sb = await cli('sign-blob', [
      'sign-blob',
      '--key',
      'cosign.key',
      '--tlog-upload=false',
      '--output-signature',
      'blob.sig',
      'blob.txt',
    ]);
    must('sign-blob works', sb, sb.code === 0);
  }
  if (auth) await registryCredentialRuns(cli, must, auth, wrong, work, full);
  if (full) await serverAndControllerRuns(cli, must, cap, wrong, work);
  const secrets: [string, string][] = [
    ['key password', pw],
    ['wrong password', wrong],
    ...(await keyForms(join(work, 'cosign.key'), pw)).map((s): [string, string] => [
      'private key material',
      s,
    ]),
  ];
  if (auth)
    secrets.push(
      ['registry password', auth.password],
      ['registry basic auth', Buffer.from(`${auth.user}:${auth.password}`).toString('base64')],
    );
  const leaks = cap.flatMap((c) =>
    secrets.filter(([, s]) => s && c.out.includes(s)).map(([what]) => `${what} in ${c.source}`),
  );
  const bytes = cap.reduce((n, c) => n + c.out.length, 0);
  return [
    ...expect,
    {
      name: `no secret in ${cap.length} captured outputs (${bytes} bytes; ${secrets.length} secret strings)`,
      ok: leaks.length === 0,
      detail: leaks.join('; ') || 'none found',
    },
  ];
}
