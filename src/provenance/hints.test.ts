import { describe, expect, it } from 'vitest';
import type { RunResult } from '../model/index.ts';
import { parseHintDigest } from './digest.ts';
import {
  artifactTargets,
  buildArtifactSubjects,
  inputMaterials,
  ociImages,
  pairedHints,
  subjectsFromResults,
} from './hints.ts';
import { parseDigestReference } from './imageref.ts';

/** Table-driven tests for every type-hint rule of https://tekton.dev/docs/chains/slsa-provenance/ (pkg/artifacts/signable.go, extract.go). */

const A = 'a'.repeat(64);
const B = 'b'.repeat(64);
const r = (name: string, value: RunResult['value']): RunResult => ({ name, value });
const names = (rs: { repository: string; digest: string }[]): string[] =>
  rs.map((x) => `${x.repository}@${x.digest}`);

describe('ParseDigest', () => {
  it.each([
    [`sha256:${A}`, 'sha256', A],
    [`SHA256:${A}`, 'sha256', A],
    [` sha256 : ${A} `, 'sha256', A],
    [`sha384:${'c'.repeat(96)}`, 'sha384', 'c'.repeat(96)],
    [`sha512:${'d'.repeat(128)}`, 'sha512', 'd'.repeat(128)],
    [`sha1:${'0'.repeat(40)}`, 'sha1', '0'.repeat(40)],
  ])('accepts %s', (text, alg, hex) => expect(parseHintDigest(text)).toEqual({ algorithm: alg, hex }));

  it.each([
    ['no colon', A],
    ['two colons', `sha256:${A}:x`],
    ['empty', ''],
    ['unknown algorithm', `md5:${'a'.repeat(32)}`],
    ['sha256 too short', `sha256:${A.slice(1)}`],
    ['sha256 uppercase hex (go-digest is lowercase only)', `sha256:${A.toUpperCase()}`],
    ['sha256 non-hex', `sha256:${'g'.repeat(64)}`],
    ['sha1 of wrong length', `sha1:${'0'.repeat(39)}`],
    ['sha1 uppercase', `sha1:${'A'.repeat(40)}`],
    ['empty hex', 'sha256:'],
  ])('rejects %s', (_n, text) => {
    expect(() => parseHintDigest(text)).toThrow(expect.objectContaining({ code: 'INVALID_HINT_DIGEST' }));
  });
});

describe('image references (go-containerregistry name.NewDigest)', () => {
  it.each([
    [`busybox@sha256:${A}`, 'index.docker.io/library/busybox'],
    [`docker.io/busybox@sha256:${A}`, 'index.docker.io/library/busybox'],
    [`docker.io/org/app@sha256:${A}`, 'index.docker.io/org/app'],
    [`org/app@sha256:${A}`, 'index.docker.io/org/app'],
    [`gcr.io/foo/bar:v1@sha256:${A}`, 'gcr.io/foo/bar'],
    [`localhost/xy@sha256:${A}`, 'localhost/xy'],
    [`localhost:5000/x/y:tag@sha256:${A}`, 'localhost:5000/x/y'],
    [`127.0.0.1:5000/app@sha256:${A}`, '127.0.0.1:5000/app'],
  ])('normalises %s', (ref, repo) => expect(parseDigestReference(ref).repository).toBe(repo));

  it.each([
    ['tag-only reference', 'gcr.io/foo/bar:v1'],
    ['no digest', 'gcr.io/foo/bar'],
    ['two @', `gcr.io/foo@bar@sha256:${A}`],
    ['sha512 digest', `gcr.io/foo/bar@sha512:${'a'.repeat(128)}`],
    ['short digest', `gcr.io/foo/bar@sha256:${A.slice(2)}`],
    ['uppercase repository', `gcr.io/Foo/bar@sha256:${A}`],
    ['one-character repository', `x@sha256:${A}`],
    ['empty repository', `@sha256:${A}`],
    ['bad registry', `gcr io/foo@sha256:${A}`],
  ])('rejects a %s', (_n, ref) => {
    expect(() => parseDigestReference(ref)).toThrow(expect.objectContaining({ code: 'INVALID_REFERENCE' }));
  });
});

describe('<prefix>IMAGE_URL + <prefix>IMAGE_DIGEST', () => {
  it.each<[string, RunResult[], string[]]>([
    [
      'a pair',
      [r('IMAGE_URL', 'gcr.io/foo/bar'), r('IMAGE_DIGEST', `sha256:${A}`)],
      [`gcr.io/foo/bar@sha256:${A}`],
    ],
    [
      'two prefixes, in order of first appearance',
      [
        r('b-IMAGE_URL', 'gcr.io/bb'),
        r('a-IMAGE_URL', 'gcr.io/aa'),
        r('a-IMAGE_DIGEST', `sha256:${A}`),
        r('b-IMAGE_DIGEST', `sha256:${B}`),
      ],
      [`gcr.io/bb@sha256:${B}`, `gcr.io/aa@sha256:${A}`],
    ],
    [
      'values trimmed',
      [r('IMAGE_URL', ' gcr.io/foo/bar\n'), r('IMAGE_DIGEST', `sha256:${A}\n`)],
      [`gcr.io/foo/bar@sha256:${A}`],
    ],
    [
      'a tag in the URL is dropped',
      [r('IMAGE_URL', 'gcr.io/foo/bar:v1'), r('IMAGE_DIGEST', `sha256:${A}`)],
      [`gcr.io/foo/bar@sha256:${A}`],
    ],
    [
      'Docker Hub name normalised',
      [r('IMAGE_URL', 'busybox'), r('IMAGE_DIGEST', `sha256:${A}`)],
      [`index.docker.io/library/busybox@sha256:${A}`],
    ],
    ['URL without digest', [r('IMAGE_URL', 'gcr.io/foo/bar')], []],
    ['empty digest value', [r('IMAGE_URL', 'gcr.io/foo/bar'), r('IMAGE_DIGEST', '  ')], []],
    ['empty URL value', [r('IMAGE_URL', ''), r('IMAGE_DIGEST', `sha256:${A}`)], []],
    ['bad digest', [r('IMAGE_URL', 'gcr.io/foo/bar'), r('IMAGE_DIGEST', 'sha256:abc')], []],
    [
      'sha512 digest (images need sha256)',
      [r('IMAGE_URL', 'gcr.io/xx/y'), r('IMAGE_DIGEST', `sha512:${'a'.repeat(128)}`)],
      [],
    ],
    ['mismatched prefixes', [r('x-IMAGE_URL', 'gcr.io/foo/bar'), r('y-IMAGE_DIGEST', `sha256:${A}`)], []],
    ['array value ignored', [r('IMAGE_URL', ['gcr.io/foo/bar']), r('IMAGE_DIGEST', `sha256:${A}`)], []],
    [
      'duplicate images collapse',
      [
        r('a-IMAGE_URL', 'gcr.io/xx'),
        r('a-IMAGE_DIGEST', `sha256:${A}`),
        r('b-IMAGE_URL', 'gcr.io/xx:tag'),
        r('b-IMAGE_DIGEST', `sha256:${A}`),
      ],
      [`gcr.io/xx@sha256:${A}`],
    ],
  ])('%s', (_n, results, want) => expect(names(ociImages(results))).toEqual(want));
});

describe('IMAGES', () => {
  it.each<[string, string, string[]]>([
    [
      'comma separated',
      `gcr.io/aa@sha256:${A},gcr.io/bb@sha256:${B}`,
      [`gcr.io/aa@sha256:${A}`, `gcr.io/bb@sha256:${B}`],
    ],
    [
      'newline separated, blanks skipped',
      `\n gcr.io/aa@sha256:${A}\n\n gcr.io/bb@sha256:${B} ,`,
      [`gcr.io/aa@sha256:${A}`, `gcr.io/bb@sha256:${B}`],
    ],
    ['tag-only entries rejected', `gcr.io/aa:latest,gcr.io/bb@sha256:${B}`, [`gcr.io/bb@sha256:${B}`]],
    ['duplicates dropped', `gcr.io/aa@sha256:${A},gcr.io/aa:v2@sha256:${A}`, [`gcr.io/aa@sha256:${A}`]],
    ['empty value', '', []],
  ])('%s', (_n, value, want) => expect(names(ociImages([r('IMAGES', value)]))).toEqual(want));

  it('only the exact name IMAGES', () =>
    expect(ociImages([r('MY-IMAGES', `gcr.io/aa@sha256:${A}`)])).toEqual([]));
});

describe('signable OCI list order: IMAGE pairs, then IMAGES, then isBuildArtifact outputs', () => {
  it('orders and dedupes across hint kinds', () => {
    const results = [
      r('x-ARTIFACT_OUTPUTS', { uri: 'gcr.io/cc', digest: `sha256:${A}`, isBuildArtifact: 'true' }),
      r('IMAGES', `gcr.io/bb@sha256:${B},gcr.io/aa@sha256:${A}`),
      r('IMAGE_URL', 'gcr.io/aa'),
      r('IMAGE_DIGEST', `sha256:${A}`),
      r('y-ARTIFACT_OUTPUTS', { uri: 'not a ref!', digest: `sha256:${A}`, isBuildArtifact: 'true' }),
      r('z-ARTIFACT_OUTPUTS', { uri: 'gcr.io/dd', digest: `sha256:${A}` }),
    ];
    expect(names(ociImages(results))).toEqual([
      `gcr.io/aa@sha256:${A}`,
      `gcr.io/bb@sha256:${B}`,
      `gcr.io/cc@sha256:${A}`,
    ]);
  });
});

describe('<prefix>ARTIFACT_URI + <prefix>ARTIFACT_DIGEST', () => {
  it.each<[string, RunResult[], { uri: string; digest: string }[]]>([
    [
      'a pair',
      [r('ARTIFACT_URI', 'pkg:npm/x@1'), r('ARTIFACT_DIGEST', `sha256:${A}`)],
      [{ uri: 'pkg:npm/x@1', digest: `sha256:${A}` }],
    ],
    [
      'sha1',
      [r('f-ARTIFACT_URI', 'u'), r('f-ARTIFACT_DIGEST', `sha1:${'1'.repeat(40)}`)],
      [{ uri: 'u', digest: `sha1:${'1'.repeat(40)}` }],
    ],
    ['sha1 of wrong length', [r('ARTIFACT_URI', 'u'), r('ARTIFACT_DIGEST', `sha1:${'1'.repeat(41)}`)], []],
    ['bad digest', [r('ARTIFACT_URI', 'u'), r('ARTIFACT_DIGEST', 'sha256:xyz')], []],
    ['empty uri', [r('ARTIFACT_URI', ''), r('ARTIFACT_DIGEST', `sha256:${A}`)], []],
  ])('%s', (_n, results, want) => expect(artifactTargets(results)).toEqual(want));

  it('is a subject in v1/v2alpha3 keeping the raw algorithm text, never an OCI image', () => {
    const results = [r('ARTIFACT_URI', 'gcr.io/xx/y'), r('ARTIFACT_DIGEST', `SHA256:${A}`)];
    expect(subjectsFromResults(results)).toEqual([{ name: 'gcr.io/xx/y', digest: { SHA256: A } }]);
    expect(ociImages(results)).toEqual([]);
    expect(buildArtifactSubjects(results)).toEqual([]);
  });
});

describe('*ARTIFACT_OUTPUTS / *ARTIFACT_INPUTS objects', () => {
  const out = (value: RunResult['value']): RunResult => r('img-ARTIFACT_OUTPUTS', value);
  it.each<[string, RunResult, boolean, boolean]>([
    // [case, result, v1 subject, v2alpha4 subject]
    ['valid output', out({ uri: 'u', digest: `sha256:${A}` }), true, false],
    ['build artifact', out({ uri: 'u', digest: `sha256:${A}`, isBuildArtifact: 'true' }), true, true],
    [
      'isBuildArtifact must be the string "true"',
      out({ uri: 'u', digest: `sha256:${A}`, isBuildArtifact: 'True' }),
      true,
      false,
    ],
    ['missing uri', out({ digest: `sha256:${A}`, isBuildArtifact: 'true' }), false, false],
    ['empty digest', out({ uri: 'u', digest: '', isBuildArtifact: 'true' }), false, false],
    ['bad digest', out({ uri: 'u', digest: 'sha256:', isBuildArtifact: 'true' }), false, false],
    ['string value', out(`u@sha256:${A}`), false, false],
  ])('%s', (_n, result, v1, v4) => {
    expect(subjectsFromResults([result]).length > 0).toBe(v1);
    expect(buildArtifactSubjects([result]).length > 0).toBe(v4);
  });

  it('inputs become materials with a lower-cased algorithm; invalid ones are skipped', () => {
    const results = [
      r('a-ARTIFACT_INPUTS', { uri: 'git+https://x.git', digest: `SHA1:${'1'.repeat(40)}` }),
      r('b-ARTIFACT_INPUTS', { uri: 'u', digest: 'sha1:short' }),
      r('c-ARTIFACT_INPUTS', { uri: '', digest: `sha256:${A}` }),
      r('d-ARTIFACT_INPUTS', 'not an object'),
    ];
    expect(inputMaterials(results)).toEqual([
      { name: 'git+https://x.git', digest: { sha1: '1'.repeat(40) } },
    ]);
  });
});

describe('merge and dedupe (internal/artifact/append.go)', () => {
  it('merges same name sharing a digest, keeps others apart', () => {
    const results = [
      r('IMAGES', `gcr.io/aa@sha256:${A}`),
      r('x-ARTIFACT_OUTPUTS', { uri: 'gcr.io/aa', digest: `sha256:${A}` }),
      r('y-ARTIFACT_OUTPUTS', { uri: 'gcr.io/aa', digest: `sha256:${B}` }),
      r('ARTIFACT_URI', 'gcr.io/aa'),
      r('ARTIFACT_DIGEST', `sha512:${'e'.repeat(128)}`),
    ];
    expect(subjectsFromResults(results)).toEqual([
      { name: 'gcr.io/aa', digest: { sha256: A } },
      { name: 'gcr.io/aa', digest: { sha512: 'e'.repeat(128) } },
      { name: 'gcr.io/aa', digest: { sha256: B } },
    ]);
  });
});

describe('pairing is deterministic', () => {
  it('keeps the order of first appearance of each prefix (Chains: Go map order)', () => {
    const results = ['c', 'a', 'b'].flatMap((p) => [
      r(`${p}-ARTIFACT_URI`, p + p),
      r(`${p}-ARTIFACT_DIGEST`, `sha256:${A}`),
    ]);
    for (let i = 0; i < 5; i++) {
      expect(pairedHints(results, 'ARTIFACT_URI', 'ARTIFACT_DIGEST').map((p) => p.uri)).toEqual([
        'cc',
        'aa',
        'bb',
      ]);
    }
  });
});
