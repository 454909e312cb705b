import { describe, expect, it } from 'vitest';
import { hasCode } from '../core/errors.ts';
import {
  backendsInUse,
  ConfigStore,
  configDataFromYaml,
  defaultConfig,
  parseConfig,
  parseConfigYaml,
} from './index.ts';

describe('parseConfig defaults (https://tekton.dev/docs/chains/config/)', () => {
  it('matches Chains defaults for an empty ConfigMap', () => {
    const c = defaultConfig();
    expect(c.artifacts.taskrun).toEqual({
      format: 'in-toto',
      storage: ['tekton'],
      signer: 'x509',
      enabled: true,
    });
    expect(c.artifacts.pipelinerun).toMatchObject({
      format: 'in-toto',
      storage: ['tekton'],
      deepInspection: false,
    });
    expect(c.artifacts.oci).toEqual({
      format: 'simplesigning',
      storage: ['oci'],
      signIndexChildren: false,
      signer: 'x509',
      enabled: true,
    });
    expect(c.storage.oci).toEqual({ insecure: false, encodingFormat: 'dsse' });
    expect(c.transparency).toEqual({ mode: 'off', url: 'https://rekor.sigstore.dev' });
    expect(c.builder).toEqual({
      builderId: 'https://tekton.dev/chains/v2',
      buildType: 'https://tekton.dev/chains/v2/slsa',
    });
    expect(backendsInUse(c)).toEqual(['tekton', 'oci']);
    expect(c.signers.x509).toEqual({
      fulcio: {
        enabled: false,
        address: 'https://fulcio.sigstore.dev',
        issuer: 'https://oauth2.sigstore.dev/auth',
      },
    });
  });

  it('reads the keyless keys signers.x509.fulcio.* and signers.x509.identity.token.file (pkg/config/config.go)', () => {
    const c = parseConfig({
      'signers.x509.fulcio.enabled': 'true',
      'signers.x509.fulcio.address': 'http://127.0.0.1:5555/',
      'signers.x509.fulcio.issuer': 'https://kubernetes.default.svc',
      'signers.x509.fulcio.provider': 'filesystem',
      'signers.x509.identity.token.file': '/var/run/sigstore/cosign/oidc-token',
    });
    expect(c.signers.x509).toEqual({
      fulcio: {
        enabled: true,
        address: 'http://127.0.0.1:5555',
        issuer: 'https://kubernetes.default.svc',
        provider: 'filesystem',
      },
      identityTokenFile: '/var/run/sigstore/cosign/oidc-token',
    });
    // the signer name stays x509, as upstream: keyless is x509 with Fulcio enabled
    expect(c.artifacts.taskrun.signer).toBe('x509');
    // an unparseable bool keeps the default (strconv.ParseBool, as Chains); `fulcio` is not a signer name
    expect(parseConfig({ 'signers.x509.fulcio.enabled': 'yes' }).signers.x509.fulcio.enabled).toBe(false);
    expect(() => parseConfig({ 'artifacts.oci.signer': 'fulcio' })).toThrow(
      /wanted one of \[kms none x509\]/,
    );
  });
});

describe('parseConfig values', () => {
  const cases: [string, Record<string, string>, (c: ReturnType<typeof parseConfig>) => unknown, unknown][] = [
    [
      'storage set trims and dedups',
      { 'artifacts.taskrun.storage': ' oci , tekton,oci ' },
      (c) => c.artifacts.taskrun.storage,
      ['oci', 'tekton'],
    ],
    ['empty storage disables', { 'artifacts.oci.storage': '' }, (c) => c.artifacts.oci.storage, []],
    ['empty oci storage: type off', { 'artifacts.oci.storage': '' }, (c) => c.artifacts.oci.enabled, false],
    [
      'empty taskrun storage: type off (Artifact.Enabled)',
      { 'artifacts.taskrun.storage': '' },
      (c) => c.artifacts.taskrun.enabled,
      false,
    ],
    [
      'signer none disables',
      { 'artifacts.taskrun.signer': 'none' },
      (c) => c.artifacts.taskrun.enabled,
      false,
    ],
    [
      'slsa/v2alpha4',
      { 'artifacts.pipelinerun.format': 'slsa/v2alpha4' },
      (c) => c.artifacts.pipelinerun.format,
      'slsa/v2alpha4',
    ],
    ['transparency true', { 'transparency.enabled': 'true' }, (c) => c.transparency.mode, 'on'],
    ['transparency manual', { 'transparency.enabled': 'manual' }, (c) => c.transparency.mode, 'manual'],
    ['transparency other → off', { 'transparency.enabled': 'yes' }, (c) => c.transparency.mode, 'off'],
    [
      'url trailing slash trimmed',
      { 'transparency.url': 'http://127.0.0.1:3000/' },
      (c) => c.transparency.url,
      'http://127.0.0.1:3000',
    ],
    [
      'deep inspection bool',
      { 'artifacts.pipelinerun.enable-deep-inspection': 'T' },
      (c) => c.artifacts.pipelinerun.deepInspection,
      true,
    ],
    [
      'unparseable bool keeps default',
      { 'storage.oci.repository.insecure': 'maybe' },
      (c) => c.storage.oci.insecure,
      false,
    ],
    [
      'oci repository',
      { 'storage.oci.repository': 'reg:5000/sigs' },
      (c) => c.storage.oci.repository,
      'reg:5000/sigs',
    ],
    [
      'sign-index-children (ours)',
      { 'artifacts.oci.sign-index-children': 'true' },
      (c) => c.artifacts.oci.signIndexChildren,
      true,
    ],
    ['managed-by filter', { 'filter.managed-by': 'a, b' }, (c) => c.filter.managedBy, ['a', 'b']],
    [
      'local storage',
      { 'artifacts.taskrun.storage': 'local', 'storage.local.dir': '/tmp/x' },
      (c) => [c.artifacts.taskrun.storage, c.storage.local.dir],
      [['local'], '/tmp/x'],
    ],
  ];
  it.each(cases)('%s', (_n, data, pick, want) => expect(pick(parseConfig(data))).toEqual(want));
});

describe('parseConfig errors', () => {
  const bad: [string, Record<string, string>, string, RegExp][] = [
    [
      'unknown format',
      { 'artifacts.taskrun.format': 'slsa/v9' },
      'INVALID_CONFIG',
      /^artifacts\.taskrun\.format: invalid value "slsa\/v9" wanted one of \[in-toto slsa\/v1 slsa\/v2alpha3 slsa\/v2alpha4\]$/,
    ],
    [
      'unknown storage',
      { 'artifacts.oci.storage': 'oci,s3' },
      'INVALID_CONFIG',
      /invalid value "s3" wanted one of \[.*oci.*tekton\]/,
    ],
    [
      'kafka not for pipelineruns',
      { 'artifacts.pipelinerun.storage': 'kafka' },
      'INVALID_CONFIG',
      /invalid value "kafka"/,
    ],
    [
      'gcs is valid Chains but unavailable',
      { 'artifacts.taskrun.storage': 'gcs' },
      'UNSUPPORTED_CONFIG',
      /"gcs" is not available/,
    ],
    ['kms unavailable', { 'artifacts.oci.signer': 'kms' }, 'UNSUPPORTED_CONFIG', /kms/],
    ['bad signer', { 'artifacts.oci.signer': 'pgp' }, 'INVALID_CONFIG', /wanted one of \[kms none x509\]/],
    ['bad encoding', { 'storage.oci.encoding-format': 'json' }, 'INVALID_CONFIG', /encoding-format/],
    ['bad build type', { 'builddefinition.buildtype': 'x' }, 'INVALID_CONFIG', /buildtype/],
  ];
  it.each(bad)('%s', (_n, data, code, msg) => {
    let err: unknown;
    try {
      parseConfig(data);
    } catch (e) {
      err = e;
    }
    expect(hasCode(err, code)).toBe(true);
    expect((err as Error).message).toMatch(msg);
  });
});

describe('config file', () => {
  it('reads a ConfigMap manifest or a flat map, stringifying YAML scalars', () => {
    const cm =
      'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: chains-config}\ndata:\n  transparency.enabled: true\n  artifacts.taskrun.storage: oci\n';
    expect(parseConfigYaml(cm).transparency.mode).toBe('on');
    expect(configDataFromYaml('artifacts.oci.storage: ""\n')).toEqual({ 'artifacts.oci.storage': '' });
    expect(() => configDataFromYaml('a: [1')).toThrow(/not valid YAML/);
    expect(() => configDataFromYaml('- a')).toThrow(/must be a ConfigMap/);
    expect(() => configDataFromYaml('a: {b: c}')).toThrow(/value of "a" must be a string/);
  });
});

describe('ConfigStore', () => {
  it('applies a good edit, keeps the previous config on a bad one and says why', () => {
    const logs: string[] = [];
    const store = new ConfigStore(defaultConfig(), (m) => logs.push(m));
    const seen: string[] = [];
    store.onChange((c) => seen.push(c.transparency.mode));
    expect(store.update({ 'transparency.enabled': 'true' })).toBe(true);
    expect(store.update({ 'artifacts.taskrun.format': 'nope' })).toBe(false);
    expect(store.current.transparency.mode).toBe('on');
    expect(seen).toEqual(['on']);
    expect(logs[0]).toMatch(/keeping the previous config: artifacts\.taskrun\.format: invalid value "nope"/);
  });
});
