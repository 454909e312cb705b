import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { preAuthEncoding } from '../../src/core/dsse.ts';
import { proposeDsse, proposeHashedRekord, proposeIntoto } from '../../src/tlog/client/index.ts';
import type { ProposedEntry } from '../../src/tlog/client/index.ts';

export function tempDir(prefix = 'tlog-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** A test signer with a fresh ECDSA P-256 key. */
export class TestSigner {
  readonly privateKey: KeyObject;
  readonly publicKeyPem: string;
  constructor() {
    const kp = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    this.privateKey = kp.privateKey;
    this.publicKeyPem = kp.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  }

  /** An in-toto statement about `subjectSha256`, wrapped and signed as a DSSE envelope (JSON text). */
  envelope(subjectSha256: string, name = 'ghcr.io/example/app'): string {
    const statement = {
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [{ name, digest: { sha256: subjectSha256 } }],
      predicate: {
        builder: { id: 'https://tekton.dev/chains/v2' },
        materials: [{ uri: 'git+https://x', digest: { sha1: 'a'.repeat(40) } }],
      },
    };
    const payload = Buffer.from(JSON.stringify(statement));
    const type = 'application/vnd.in-toto+json';
    const sig = sign('sha256', preAuthEncoding(type, payload), this.privateKey).toString('base64');
    return JSON.stringify({
      payloadType: type,
      payload: payload.toString('base64'),
      signatures: [{ keyid: '', sig }],
    });
  }

  hashedRekord(artifact: Buffer | string): { proposed: ProposedEntry; digest: string; signature: string } {
    const digest = createHash('sha256').update(artifact).digest('hex');
    const signature = sign('sha256', Buffer.from(artifact), this.privateKey).toString('base64');
    return { proposed: proposeHashedRekord(digest, signature, this.publicKeyPem), digest, signature };
  }

  dsse(subjectSha256: string): { proposed: ProposedEntry; envelope: string } {
    const envelope = this.envelope(subjectSha256);
    return { proposed: proposeDsse(envelope, this.publicKeyPem), envelope };
  }

  intoto(subjectSha256: string, version: '0.0.1' | '0.0.2'): { proposed: ProposedEntry; envelope: string } {
    const envelope = this.envelope(subjectSha256);
    return { proposed: proposeIntoto(envelope, this.publicKeyPem, version), envelope };
  }
}

export const sha = (s: string): string => createHash('sha256').update(s).digest('hex');
