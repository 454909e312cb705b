import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { descriptorSchema, isDescriptor } from './manifest.ts';

const good = {
  mediaType: 'application/vnd.oci.image.layer.v1.tar',
  digest: `sha256:${'a'.repeat(64)}`,
  size: 3,
};

/** Values near a valid descriptor: each field replaced by something of any JSON type, or dropped. */
const nearDescriptor = fc.record(
  {
    mediaType: fc.oneof(fc.constant(good.mediaType), fc.constant(''), fc.jsonValue()),
    digest: fc.oneof(fc.constant(good.digest), fc.constant('sha256:'), fc.string(), fc.jsonValue()),
    size: fc.oneof(fc.nat(), fc.integer(), fc.double(), fc.constant(2 ** 53), fc.jsonValue()),
    annotations: fc.oneof(fc.dictionary(fc.string(), fc.string()), fc.jsonValue()),
    artifactType: fc.oneof(fc.string(), fc.jsonValue()),
    platform: fc.oneof(fc.dictionary(fc.string(), fc.jsonValue()), fc.jsonValue()),
    urls: fc.oneof(fc.array(fc.string()), fc.jsonValue()),
  },
  { requiredKeys: [] },
);

describe('isDescriptor', () => {
  it('agrees with descriptorSchema on JSON values near a descriptor and on any JSON (property)', () => {
    fc.assert(
      fc.property(fc.oneof(nearDescriptor, fc.jsonValue()), (v) => {
        const parsed = JSON.parse(JSON.stringify(v ?? null)) as unknown;
        return isDescriptor(parsed) === descriptorSchema.safeParse(parsed).success;
      }),
      { numRuns: 3000 },
    );
  });

  it.each([
    ['valid', good, true],
    [
      'with every optional field',
      { ...good, annotations: { a: 'b' }, artifactType: 'x', platform: {}, urls: ['u'] },
      true,
    ],
    ['negative size', { ...good, size: -1 }, false],
    ['fractional size', { ...good, size: 1.5 }, false],
    ['annotations with a number', { ...good, annotations: { a: 1 } }, false],
    ['platform as an array', { ...good, platform: [] }, false],
    ['bad digest', { ...good, digest: 'sha256' }, false],
  ])('%s', (_, v, want) => {
    expect(isDescriptor(v)).toBe(want);
    expect(descriptorSchema.safeParse(v).success).toBe(want);
  });
});
