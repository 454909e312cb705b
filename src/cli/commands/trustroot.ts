import type { Command } from 'commander';
import type { TrustedRootFlags } from '../actions/trustroot.ts';

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
    .action(async (f: TrustedRootFlags) => (await import('../actions/trustroot.ts')).runTrustedRoot(f));
}
