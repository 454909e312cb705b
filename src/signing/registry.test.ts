import { describe, expect, it } from 'vitest';
import { REFUSED_SIGNERS, SIGNER_CHOICES, SIGNER_NAMES, SIGNERS, signerFactory } from './registry.ts';

describe('signer registry (docs/extending.md)', () => {
  it('has one factory per name, named as registered', () => {
    expect(Object.keys(SIGNERS).sort()).toEqual([...SIGNER_NAMES].sort());
    for (const name of SIGNER_NAMES) expect(signerFactory(name).name).toBe(name);
  });

  it('accepts every name upstream Chains does; refuses the ones not provided with UNSUPPORTED_SIGNER', () => {
    expect([...SIGNER_CHOICES].sort()).toEqual(['kms', 'none', 'x509']);
    for (const name of Object.keys(REFUSED_SIGNERS)) {
      expect(SIGNER_NAMES as readonly string[]).not.toContain(name);
      expect(() => signerFactory(name)).toThrow(expect.objectContaining({ code: 'UNSUPPORTED_SIGNER' }));
    }
  });

  it('an unknown name (or an Object.prototype key) is UNKNOWN_SIGNER', () => {
    for (const name of ['pgp', 'none', '__proto__', 'toString', 'constructor'])
      expect(() => signerFactory(name)).toThrow(expect.objectContaining({ code: 'UNKNOWN_SIGNER' }));
  });
});
