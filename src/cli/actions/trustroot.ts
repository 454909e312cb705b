import { createPublicKey } from 'node:crypto';
import { join } from 'node:path';
import { decodePemAll } from '../../core/encoding.ts';
import { buildTrustedRoot, fetchTrustMaterial, TrustRootError } from '../../trustroot/index.ts';
import type { TrustMaterialInput } from '../../trustroot/index.ts';
import { printJson, readInput } from '../io.ts';

export interface TrustedRootFlags {
  rekorUrl: string;
  fulcioUrl: string;
  ctlogUrl: string;
  tsaUrl?: string;
  offline?: boolean;
  rekorDir?: string;
  caDir?: string;
  ctlogDir?: string;
  validFrom?: string;
}

/** The SPKI DER of the private key in `path` (the key itself never leaves this function). */
function publicKeyOf(path: string, what: string): Buffer {
  const pem = readInput(path, what);
  try {
    return createPublicKey(pem).export({ type: 'spki', format: 'der' });
  } catch (e) {
    throw new TrustRootError('TRUSTROOT_INVALID', `${what} ${path} is not a PEM key`, { cause: e });
  }
}

function required(v: string | undefined, flag: string): string {
  if (!v) throw new TrustRootError('TRUSTROOT_FETCH', `--offline needs ${flag}`);
  return v;
}

/**
 * --offline: the layout `chains stack serve` writes: <rekor-dir>/tlog.db.key, <ca-dir>/{intermediate,root}.pem,
 * <ctlog-dir>/ctlog.key. The URLs still name the services in the output.
 */
function offlineMaterial(f: TrustedRootFlags, validFrom: Date): TrustMaterialInput {
  const caDir = required(f.caDir, '--ca-dir');
  const chainDer = ['intermediate.pem', 'root.pem'].flatMap((n) =>
    decodePemAll(readInput(join(caDir, n), 'CA certificate').toString('utf8')).map((b) => b.bytes),
  );
  return {
    tlogs: [
      {
        baseUrl: f.rekorUrl,
        publicKeyDer: publicKeyOf(join(required(f.rekorDir, '--rekor-dir'), 'tlog.db.key'), 'log key'),
        validFrom,
      },
    ],
    cas: [{ uri: f.fulcioUrl, chainDer }],
    ctlogs: [
      {
        baseUrl: f.ctlogUrl,
        publicKeyDer: publicKeyOf(join(required(f.ctlogDir, '--ctlog-dir'), 'ctlog.key'), 'CT log key'),
        validFrom,
      },
    ],
  };
}

/** `chains trusted-root`: fetched from the running services, or read from their directories (--offline). */
export async function runTrustedRoot(f: TrustedRootFlags): Promise<void> {
  const validFrom = f.validFrom ? new Date(f.validFrom) : new Date(0);
  if (Number.isNaN(validFrom.getTime()))
    throw new TrustRootError('TRUSTROOT_INVALID', '--valid-from must be RFC 3339');
  const material = f.offline
    ? offlineMaterial(f, validFrom)
    : await fetchTrustMaterial(
        {
          rekorUrl: f.rekorUrl,
          fulcioUrl: f.fulcioUrl,
          ctlogUrl: f.ctlogUrl,
          ...(f.tsaUrl ? { tsaUrl: f.tsaUrl } : {}),
        },
        { logsValidFrom: validFrom },
      );
  printJson(buildTrustedRoot(material));
}
