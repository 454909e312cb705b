import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
// the errors module alone: registering commands must not load the CA
import { CaError } from '../../ca/errors.ts';
import type { IssuersConfig } from '../../oidc/index.ts';
import { parseTtl } from './oidc.ts';

function defaultDir(): string {
  return join(process.env.CHAINS_HOME ?? join(homedir(), '.chains'), 'ca');
}

/** The CA key password: CHAINS_CA_PASSWORD when set and not empty, else none (plain PKCS#8, 0600). */
function password(): string | undefined {
  return process.env.CHAINS_CA_PASSWORD || undefined;
}

/** Fulcio's built-in issuers when no --config is given (fulcio pkg/config DefaultConfig). */
const FULCIO_DEFAULT = `
oidc-issuers:
  https://oauth2.sigstore.dev/auth: { issuer-url: https://oauth2.sigstore.dev/auth, client-id: sigstore, type: email, issuer-claim: $.federated_claims.connector_id }
  https://accounts.google.com: { issuer-url: https://accounts.google.com, client-id: sigstore, type: email }
`;

async function issuers(path: string | undefined): Promise<IssuersConfig> {
  const { parseIssuersConfig } = await import('../../oidc/index.ts');
  const { readText } = await import('../io.ts');
  return parseIssuersConfig(path ? readText(path, 'issuer configuration') : FULCIO_DEFAULT);
}

interface ServeFlags {
  addr: string;
  dir: string;
  config?: string;
  ctlogUrl?: string;
  ctlogPublicKey?: string;
  ctlogTimeout: string;
  maxBodyBytes: string;
}

async function serve(f: ServeFlags): Promise<void> {
  const stopped = (await import('../signals.ts')).stopSignal();
  const { CertificateAuthority, loadCa, startCaServer } = await import('../../ca/index.ts');
  const { TokenVerifier } = await import('../../oidc/index.ts');
  const { readText } = await import('../io.ts');
  const material = await loadCa(f.dir, { init: true, password: password() });
  const ct = f.ctlogUrl
    ? {
        url: f.ctlogUrl,
        timeoutMs: parseTtl(f.ctlogTimeout, '--ctlog-timeout') * 1000,
        publicKey: f.ctlogPublicKey ? readText(f.ctlogPublicKey, 'CT log public key') : undefined,
      }
    : undefined;
  const ca = new CertificateAuthority(material, new TokenVerifier(await issuers(f.config)), ct);
  const s = await startCaServer(ca, {
    addr: f.addr,
    maxBodyBytes: Number(f.maxBodyBytes),
    log: (line) => process.stderr.write(`${new Date().toISOString()} ${line}\n`),
  });
  const note = ct ? `CT log ${ct.url}` : 'no CT log: certificates carry no SCT';
  process.stdout.write(`ca listening on ${s.url} (${note})\n`);
  await stopped;
  await s.close();
}

/** `chains ca …`: the Fulcio-compatible certificate authority (docs/keyless.md). */
export function registerCaCommands(program: Command): void {
  const ca = program.command('ca').description('Fulcio-compatible certificate authority for keyless signing');
  ca.command('init')
    .description(
      'create the root and intermediate (ECDSA P-384); keys encrypted with CHAINS_CA_PASSWORD when set, else 0600 PKCS#8',
    )
    .option('--dir <dir>', 'CA directory', defaultDir())
    .option('--curve <curve>', 'P-384 (Fulcio) or P-256', 'P-384')
    .action(async (f: { dir: string; curve: string }) => {
      const { initCa } = await import('../../ca/index.ts');
      if (f.curve !== 'P-384' && f.curve !== 'P-256')
        throw new CaError('CA_STATE', '--curve must be P-384 or P-256');
      await initCa(f.dir, { password: password(), curve: f.curve });
      process.stdout.write(
        `CA created in ${f.dir} (root.pem, intermediate.pem; keys ${password() ? 'encrypted' : 'unencrypted, 0600'})\n`,
      );
    });
  ca.command('serve')
    .description(
      "serve Fulcio's API: POST /api/v2/signingCert, /api/v1/signingCert, GET /api/v2/trustBundle, /api/v2/configuration",
    )
    .option('--addr <host:port>', 'listen address', '127.0.0.1:5555')
    .option('--dir <dir>', 'CA directory (initialised when empty)', defaultDir())
    .option('--config <file>', "OIDC issuers in Fulcio's format (default: Fulcio's built-in issuers)")
    .option(
      '--ctlog-url <url>',
      'CT log base URL: each certificate is logged as a precertificate and carries its SCT',
    )
    .option('--ctlog-public-key <file>', 'CT log public key (PEM): returned SCTs must verify with it')
    .option('--ctlog-timeout <duration>', 'give up on the CT log after this long', '10s')
    .option('--max-body-bytes <n>', 'request body cap', String(1024 * 1024))
    .action(serve);
}
