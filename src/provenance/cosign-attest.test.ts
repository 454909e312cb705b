import { describe, expect, it } from 'vitest';
import { attestationStatement, PREDICATE_TYPES, predicateTypeFor } from './cosign-attest.ts';

const target = { repository: '127.0.0.1:5000/team/app', digest: `sha256:${'b'.repeat(64)}` };

describe('cosign attest statement and --type names', () => {
  it.each(Object.entries(PREDICATE_TYPES))('%s -> %s', (name, uri) =>
    expect(predicateTypeFor(name)).toBe(uri),
  );

  it('passes URIs through and rejects unknown names', () => {
    expect(predicateTypeFor('https://example.com/my-predicate/v1')).toBe(
      'https://example.com/my-predicate/v1',
    );
    expect(() => predicateTypeFor('slsa')).toThrow(
      expect.objectContaining({
        code: 'BAD_PREDICATE_TYPE',
        message: expect.stringMatching(/invalid predicate type "slsa"/),
      }),
    );
  });

  it('builds custom predicates as {Data, Timestamp} in Go field order', () => {
    const st = attestationStatement(
      target,
      'custom',
      'free <text>',
      new Date('2026-11-29T10:00:00.123Z'),
    ).toString();
    expect(st).toBe(
      '{"_type":"https://in-toto.io/Statement/v0.1","predicateType":"https://cosign.sigstore.dev/attestation/v1",' +
        `"subject":[{"name":"127.0.0.1:5000/team/app","digest":{"sha256":"${'b'.repeat(64)}"}}],` +
        '"predicate":{"Data":"free \\u003ctext\\u003e","Timestamp":"2026-11-29T10:00:00Z"}}',
    );
  });

  it('parses JSON predicates for other types and rejects invalid JSON', () => {
    const st = JSON.parse(
      attestationStatement(target, 'slsaprovenance1', '{"buildDefinition":{}}', new Date()).toString(),
    ) as {
      predicate: unknown;
      predicateType: string;
    };
    expect(st).toMatchObject({
      predicateType: 'https://slsa.dev/provenance/v1',
      predicate: { buildDefinition: {} },
    });
    expect(() => attestationStatement(target, 'spdx', 'not json', new Date())).toThrow(
      expect.objectContaining({
        code: 'INVALID_PREDICATE',
        message: expect.stringMatching(/^predicate is not valid JSON/),
      }),
    );
  });
});
