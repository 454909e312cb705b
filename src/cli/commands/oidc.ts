import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
// the errors module alone: registering commands must not load the issuer, jose or zod
import { OidcError } from '../../oidc/errors.ts';

const DEV_ONLY =
  'For development, demos and tests only: whoever can read the directory can mint any identity.';

function defaultDir(): string {
  return join(process.env.CHAINS_HOME ?? join(homedir(), '.chains'), 'oidc');
}

/** Seconds from "10m", "90s", "1h", or plain seconds. */
export function parseTtl(text: string, flag = '--ttl'): number {
  const m = /^(-?[0-9]+)(s|m|h)?$/.exec(text.trim());
  if (!m) throw new OidcError('OIDC_CLAIMS', `${flag} must be like 10m, 90s or 1h, got "${text}"`);
  return Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
}

interface TokenFlags {
  dir: string;
  subject?: string;
  email?: string;
  kubernetesSa?: string;
  audience: string;
  ttl: string;
  issuer?: string;
}

/** `chains oidc …`: the embedded OIDC issuer for one machine (docs/keyless.md). */
export function registerOidcCommands(program: Command): void {
  const oidc = program
    .command('oidc')
    .description(`embedded OIDC issuer (discovery, JWKS, tokens). ${DEV_ONLY}`);
  oidc
    .command('serve')
    .description(`serve OpenID discovery and JWKS; the signing key is made on first start. ${DEV_ONLY}`)
    .option('--addr <host:port>', 'listen address', '127.0.0.1:5556')
    .option('--dir <dir>', 'issuer directory (keys, 0600)', defaultDir())
    .option('--issuer-url <url>', 'issuer URL to publish when it differs from http://<addr>')
    .action(async (f: { addr: string; dir: string; issuerUrl?: string }) => {
      const stopped = (await import('../signals.ts')).stopSignal();
      const { startIssuerServer } = await import('../../oidc/issuer/index.ts');
      const s = await startIssuerServer({ dir: f.dir, addr: f.addr, issuerUrl: f.issuerUrl });
      process.stdout.write(`oidc issuer ${s.url} listening on ${s.listenUrl} (development use only)\n`);
      await stopped;
      await s.close();
    });
  oidc
    .command('rotate')
    .description('add a new signing key (new kid); older keys stay published so their tokens still verify')
    .option('--dir <dir>', 'issuer directory', defaultDir())
    .action(async (f: { dir: string }) => {
      const { rotateKeys } = await import('../../oidc/issuer/index.ts');
      const keys = await rotateKeys(f.dir);
      process.stdout.write(
        `signing with kid ${keys[keys.length - 1]?.kid ?? ''} (${keys.length} published)\n`,
      );
    });
  oidc
    .command('token')
    .description(`print a signed identity token from the embedded issuer. ${DEV_ONLY}`)
    .option('--dir <dir>', 'issuer directory', defaultDir())
    .option('--subject <sub>', 'the sub claim (default with --kubernetes-sa: system:serviceaccount:NS:SA)')
    .option('--email <address>', 'add email and email_verified=true')
    .option('--kubernetes-sa <ns/sa>', 'add the kubernetes.io claim of a service-account token')
    .option('--audience <aud>', 'the aud claim', 'sigstore')
    .option('--ttl <duration>', 'lifetime, e.g. 10m', '10m')
    .option('--issuer <url>', 'the iss claim (default: the URL `oidc serve` recorded in --dir)')
    .action(async (f: TokenFlags) => {
      const { mintToken } = await import('../../oidc/issuer/index.ts');
      const token = await mintToken({
        dir: f.dir,
        subject: f.subject,
        email: f.email,
        kubernetesSa: f.kubernetesSa,
        audience: f.audience,
        ttlSec: parseTtl(f.ttl),
        issuer: f.issuer,
      });
      process.stdout.write(`${token}\n`);
    });
}
