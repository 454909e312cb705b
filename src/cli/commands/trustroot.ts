import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { decodePemAll } from '../../core/encoding.ts';
// the errors module alone at start-up: the builder and fetcher load when the command runs
import { TrustRootError } from '../../trustroot/errors.ts';
import type { TrustMaterialInput, TrustedRootJson } from '../../trustroot/index.ts';

interface TrustedRootFlags {
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

function readFile(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new TrustRootError('TRUSTROOT_FETCH', `cannot read ${what} ${path}`, { cause: e });
  }
}

/** The SPKI DER of the private key in `path` (the key itself never leaves this function). */
function publicKeyOf(path: string, what: string): Buffer {
  try {
    return createPublicKey(readFile(path, what)).export({ type: 'spki', format: 'der' });
  } catch (e) {
    if (e instanceof TrustRootError) throw e;
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
    decodePemAll(readFile(join(caDir, n), 'CA certificate').toString('utf8')).map((b) => b.bytes),
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

async function trustedRootFor(f: TrustedRootFlags): Promise<TrustedRootJson> {
  const validFrom = f.validFrom ? new Date(f.validFrom) : new Date(0);
  if (Number.isNaN(validFrom.getTime()))
    throw new TrustRootError('TRUSTROOT_INVALID', '--valid-from must be RFC 3339');
  const { buildTrustedRoot, fetchTrustMaterial } = await import('../../trustroot/index.ts');
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
  return buildTrustedRoot(material);
}

/** `chains trusted-root`: a protobuf-specs TrustedRoot for any Sigstore client (cosign --trusted-root, sigstore-js). */
export function registerTrustRootCommands(program: Command): void {
  program
    .command('trusted-root')
    .description('print a TrustedRoot (trusted_root.json) read from the running log, CA and CT log')
    .option('--rekor-url <url>', 'transparency log base URL', 'http://127.0.0.1:3000')
    .option('--fulcio-url <url>', 'CA base URL', 'http://127.0.0.1:5555')
    .option('--ctlog-url <url>', 'CT log base URL', 'http://127.0.0.1:6962')
    .option('--tsa-url <url>', 'timestamp authority base URL (its /api/v1/timestamp/certchain)')
    .option('--offline', 'read keys and certificates from the service directories instead')
    .option('--rekor-dir <dir>', '--offline: directory holding tlog.db.key')
    .option('--ca-dir <dir>', '--offline: directory holding intermediate.pem and root.pem')
    .option('--ctlog-dir <dir>', '--offline: directory holding ctlog.key')
    .option('--valid-from <time>', "logs' publicKey.validFor.start (RFC 3339)", '1970-01-01T00:00:00Z')
    .action(async (f: TrustedRootFlags) => {
      process.stdout.write(`${JSON.stringify(await trustedRootFor(f), null, 2)}\n`);
    });
}
