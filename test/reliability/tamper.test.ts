import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainsError } from '../../src/core/errors.ts';
import { buildArtifacts, type Fixture } from '../../reliability/tamper/artifacts.ts';
import { tamper, type Artifact } from '../../reliability/tamper/mutate.ts';
import { densityFor } from '../../reliability/tamper.ts';

/** Fields that are unsigned by design, so a flip there verifies to the same content (see docs/design/reliability.md). */
const MAY_BE_INERT = [
  'DSSE envelope',
  'log entry (GET answer)',
  'inclusion proof',
  'checkpoint (signed note)',
];

describe('tamper harness', () => {
  const bytes = Buffer.from('{"a":"b"}');
  it('counts a verifier that accepts altered content as forged', async () => {
    const c = await tamper(
      { name: 'x', bytes, verify: async (b) => b.toString('hex') },
      { allBitsUpTo: 64, stride: 1 },
    );
    expect(c.mutations).toBe(bytes.length * 9);
    expect(c.forged).toBe(c.mutations);
  });
  it('counts identical verified content as inert and non-coded exceptions as uncoded', async () => {
    const inert: Artifact = { name: 'y', bytes, verify: async () => 'same' };
    expect((await tamper(inert, { allBitsUpTo: 0, stride: 3 })).inert).toBe(6);
    const typeErr: Artifact = {
      name: 'z',
      bytes,
      verify: async (b) => {
        if (b.equals(bytes)) return 'ok';
        throw new TypeError('boom');
      },
    };
    const c = await tamper(typeErr, { allBitsUpTo: 0, stride: 3 });
    expect(c.uncoded).toBe(c.mutations);
    const coded: Artifact = {
      name: 'w',
      bytes,
      verify: async (b) => {
        if (b.equals(bytes)) return 'ok';
        throw new ChainsError('X', 'rejected');
      },
    };
    expect(await tamper(coded, { allBitsUpTo: 0, stride: 3 })).toMatchObject({
      rejected: 6,
      uncoded: 0,
      forged: 0,
    });
  });
});

describe('tampering every artifact we produce is rejected', () => {
  let fx: Fixture;
  beforeAll(async () => {
    fx = await buildArtifacts();
  });
  afterAll(async () => fx?.close());

  it('key file, DSSE, simplesigning, OCI layers and annotations, log entry, SET, proof, checkpoint', async () => {
    const names = fx.artifacts.map((a) => a.name);
    for (const want of [
      'key file',
      'DSSE envelope',
      'simplesigning payload',
      'OCI .sig layer',
      'OCI .att annotation',
      'log entry',
      'SET',
      'inclusion proof',
      'checkpoint',
      'cosign bundle',
    ])
      expect(
        names.some((n) => n.startsWith(want)),
        want,
      ).toBe(true);
    for (const a of fx.artifacts) {
      const c = await tamper(a, densityFor(a.name, a.bytes.length, { quick: true, scale: 0.3 }));
      expect(c.mutations, a.name).toBeGreaterThan(0);
      expect(c.forged, `${a.name}: ${c.examples.join('; ')}`).toBe(0);
      expect(c.uncoded, `${a.name}: ${c.examples.join('; ')}`).toBe(0);
      if (!MAY_BE_INERT.includes(a.name))
        expect(c.rejected, `${a.name}: ${c.examples.join('; ')}`).toBe(c.mutations);
    }
  });
});
