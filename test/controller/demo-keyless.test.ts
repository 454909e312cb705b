import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runChainsCli } from '../cli/in-process.ts';
import { runKeylessDemo } from '../../src/cli/controller/demo-keyless.ts';

const work = mkdtempSync(join(tmpdir(), 'chains-demo-keyless-test-'));
const SAN = 'https://kubernetes.io/namespaces/default/serviceaccounts/default';

describe('chains demo --keyless', () => {
  it('runs the tutorial keyless on the stack and exits 0 with every step titled and every check passed', async () => {
    const r = await runChainsCli(['demo', '--keyless', '--dir', mkdtempSync(join(work, 'ok-'))]);
    for (const title of [
      'Start the Sigstore services (chains stack serve)',
      'Set up Authentication',
      'Configuring Tekton Chains',
      'Start the Kaniko Task',
      'Verifying the Image and Attestation',
      'Finding Provenance in Rekor',
    ])
      expect(r.stdout).toContain(title);
    for (const check of [
      `✓ chains verify --trusted-root trusted_root.json --certificate-identity ${SAN} --certificate-oidc-issuer http://127.0.0.1:`,
      `✓ chains verify-attestation --trusted-root trusted_root.json --certificate-identity ${SAN}`,
      `✓ chains tlog search --email ${SAN}`,
      '✓ chains tlog search --sha sha256:',
      '✓ chains tlog get --uuid ',
      '✓ signers.x509.fulcio.enabled=true',
    ])
      expect(r.stdout).toContain(check);
    expect(r.stdout).toContain('"predicateType": "https://slsa.dev/provenance/v0.2"');
    expect(r.stdout).toContain('All checks passed.');
    expect(r.stdout).not.toContain('✗');
    expect(r.code).toBe(0);
  });

  it('fails (exit code 1) when a check fails: the controller signs as another service account', async () => {
    const lines: string[] = [];
    const code = await runKeylessDemo({
      dir: mkdtempSync(join(work, 'other-')),
      serviceAccount: 'default/builder',
      print: (l) => lines.push(l),
    });
    const text = lines.join('\n');
    expect(code).toBe(1);
    // signed, but not by the identity the tutorial verifies
    expect(text).toContain('✓ chains.tekton.dev/signed=true');
    expect(text).toMatch(/✗ chains verify --trusted-root .*\[KEYLESS_IDENTITY\]/);
    expect(text).toMatch(/✗ chains verify-attestation --trusted-root .*\[KEYLESS_IDENTITY\]/);
    expect(text).not.toContain('All checks passed.');
    expect(text).toMatch(/\d+ check\(s\) failed\./);
  });
});
