import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './main.ts';
import { parseConfig } from '../config/index.ts';
import { DEFAULT_TOKEN_FILE } from '../signing/index.ts';

const DIR = new URL('../../config/', import.meta.url).pathname;
type Doc = { kind: string; metadata: { name: string; namespace?: string }; [k: string]: unknown };
const docs: Doc[] = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .flatMap((f) => parseAllDocuments(readFileSync(join(DIR, f), 'utf8')).map((d) => d.toJS() as Doc));

describe('deployment manifests (config/)', () => {
  it('has the Namespace, ServiceAccount, RBAC, ConfigMap, Secret, Deployment and metrics Service', () => {
    expect(docs.map((d) => d.kind).sort()).toEqual(
      [
        'ClusterRole',
        'ClusterRoleBinding',
        'ConfigMap',
        'Deployment',
        'Namespace',
        'Role',
        'RoleBinding',
        'Secret',
        'Service',
        'ServiceAccount',
      ].sort(),
    );
  });

  it('ships a chains-config our parser accepts', () => {
    const cm = docs.find((d) => d.kind === 'ConfigMap');
    const cfg = parseConfig((cm?.data ?? {}) as Record<string, string>);
    expect(cfg.artifacts.taskrun.storage).toEqual(['oci']);
    expect(cfg.transparency.mode).toBe('on');
  });

  it('grants what the controller calls: patch runs and their finalizers, read SA secrets, leases', () => {
    const rules = docs
      .filter((d) => d.kind.endsWith('Role'))
      .flatMap((d) => d.rules as { resources: string[]; verbs: string[] }[]);
    const can = (res: string, verb: string) =>
      rules.some((r) => r.resources.includes(res) && r.verbs.includes(verb));
    for (const [res, verb] of [
      ['taskruns', 'patch'],
      ['pipelineruns', 'watch'],
      ['taskruns/finalizers', 'update'],
      ['pipelineruns/finalizers', 'patch'],
      ['serviceaccounts', 'get'],
      ['secrets', 'get'],
      ['configmaps', 'watch'],
      ['leases', 'update'],
      ['leases', 'create'],
    ] as const)
      expect(can(res, verb), `${verb} ${res}`).toBe(true);
  });

  it('starts the controller with flags the CLI knows', () => {
    const dep = docs.find((d) => d.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: { args: string[] }[] } } };
    };
    const args = dep.spec.template.spec.containers[0]?.args ?? [];
    const cmd = buildProgram().commands.find((c) => c.name() === 'controller');
    const known = new Set(cmd?.options.map((o) => o.long));
    expect(args[0]).toBe('controller');
    for (const a of args.slice(1)) expect(known.has(a.split('=')[0])).toBe(true);
  });

  it('mounts a projected service-account token (audience sigstore) where the keyless signer reads it', () => {
    type Projected = {
      name: string;
      projected?: { sources: { serviceAccountToken?: Record<string, unknown> }[] };
    };
    const pod = (
      docs.find((d) => d.kind === 'Deployment') as unknown as {
        spec: {
          template: {
            spec: {
              volumes: Projected[];
              containers: { volumeMounts: { name: string; mountPath: string; readOnly?: boolean }[] }[];
            };
          };
        };
      }
    ).spec.template.spec;
    const volume = pod.volumes.find((v) => v.projected?.sources.some((s) => s.serviceAccountToken));
    const token = volume?.projected?.sources.find((s) => s.serviceAccountToken)?.serviceAccountToken;
    expect(token?.audience).toBe('sigstore');
    // the API server's minimum is 600 s; the kubelet rotates at 80 % of it
    expect(Number(token?.expirationSeconds)).toBeGreaterThanOrEqual(600);
    const mount = pod.containers[0]?.volumeMounts.find((m) => m.name === volume?.name);
    expect(mount?.readOnly).toBe(true);
    expect(`${mount?.mountPath}/${String(token?.path)}`).toBe(DEFAULT_TOKEN_FILE);
    // the commented keyless keys of the ConfigMap parse and select the keyless signer with that file
    const text = readFileSync(join(DIR, '300-config.yaml'), 'utf8');
    const keyless = Object.fromEntries(
      [...text.matchAll(/^ {2}# (signers\.x509\.[a-z.-]+): '?([^'\n]+)'?$/gm)].map((m) => [m[1], m[2]]),
    );
    const cfg = parseConfig(keyless);
    expect(cfg.signers.x509.fulcio.enabled).toBe(true);
    expect(cfg.signers.x509.identityTokenFile).toBe(DEFAULT_TOKEN_FILE);
  });
});
