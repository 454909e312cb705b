import { InvalidArgumentError, Option, type Command } from 'commander';
import { INTOTO_PAYLOAD_TYPE } from '../../core/payload-types.ts';
import type { SignBlobFlags } from '../actions/sign.ts';
import type { KeylessBlobFlags, KeylessDsseFlags, KeylessVerifyFlags } from '../actions/keyless.ts';

// action bodies load on first use: registering commands stays cheap for every other command
const actions = () => import('../actions/sign.ts');
const keyless = () => import('../actions/keyless.ts');

/** cosign's keyless verification flags (used when no --key is given). */
export function keylessVerifyOptions(c: Command): Command {
  return c
    .option('--certificate-identity <id>', 'keyless: the SAN (email, URI) the certificate must carry')
    .option('--certificate-identity-regexp <re>', 'keyless: a regular expression the SAN must match')
    .option('--certificate-oidc-issuer <url>', 'keyless: the OIDC issuer the certificate must name')
    .option('--certificate-oidc-issuer-regexp <re>', 'keyless: a regular expression the issuer must match')
    .option('--trusted-root <file>', 'keyless: trusted_root.json (chains trusted-root)')
    .option('--insecure-ignore-sct', 'keyless: do not require an embedded SCT (insecure)');
}

/**
 * cosign's `-y, --yes` on every signing command (options/sign.go, signblob.go): scripts written for cosign pass
 * it; chains asks nothing before signing or uploading, so it changes nothing.
 */
export function skipConfirmationOption(c: Command): Command {
  return c.option(
    '-y, --yes',
    'skip confirmation prompts (accepted for cosign; chains never asks before signing)',
  );
}

// Go's strconv.ParseBool, which cosign's pflag bool flags use: anything else is refused, so `=0` never uploads
const GO_TRUE = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Parses a `--flag=value` bool as cosign does (https://pkg.go.dev/strconv#ParseBool). */
export function parseGoBool(v: string): boolean {
  if (GO_TRUE.has(v)) return true;
  if (GO_FALSE.has(v)) return false;
  throw new InvalidArgumentError(`expects true or false (as cosign: --tlog-upload=false), got "${v}"`);
}

/** cosign's `--tlog-upload[=bool]`, default true (options/sign.go, signblob.go). */
export function tlogUploadOption(description: string, byDefault: boolean | undefined = true): Option {
  const o = new Option('--tlog-upload [bool]', description).argParser(parseGoBool);
  return byDefault === undefined ? o : o.default(byDefault);
}

/** cosign's keyless signing flags (used when no --key is given). */
export function keylessSignOptions(c: Command): Command {
  return c
    .option('--fulcio-url <url>', 'keyless: certificate authority address', 'https://fulcio.sigstore.dev')
    .option('--identity-token <token>', 'keyless: OIDC token, or a file holding it (else SIGSTORE_ID_TOKEN)')
    .option(
      '--trusted-root <file>',
      'keyless: trusted_root.json; the issued certificate must chain to it and carry its SCT before signing',
    );
}

/** sign-blob, verify-blob, sign-dsse, verify-dsse with key files (cosign flags and messages). */
export function registerSignCommands(program: Command): void {
  keylessSignOptions(
    skipConfirmationOption(program.command('sign-blob'))
      .description(
        'sign a file (with --key, or keyless with a Fulcio certificate); prints the base64 signature',
      )
      .argument('<file>', 'the blob to sign')
      .option('--key <file>', 'private key (cosign.key, PKCS#8 PEM, or k8s://NS/NAME); keyless without it')
      .option('--output-signature <file>', 'write the base64 signature to this file')
      .option('--output-certificate <file>', 'keyless: write the certificate (PEM) to this file')
      .option('--bundle <file>', 'keyless: write a sigstore bundle (v0.3) to this file')
      .addOption(
        // cosign 2.x logs key-signed blobs too (options/signblob.go: --tlog-upload defaults to true)
        tlogUploadOption('record the signature in the transparency log (=false: offline, --key only)'),
      )
      .option('--rekor-url <url>', 'transparency log address', 'https://rekor.sigstore.dev'),
  ).action(
    async (
      file: string,
      o: Omit<SignBlobFlags, 'key' | 'tlogUpload'> & KeylessBlobFlags & { key?: string },
    ) => {
      if (!o.key) return (await keyless()).runSignBlobKeyless(file, o);
      return (await actions()).runSignBlob(file, { ...o, key: o.key, tlogUpload: o.tlogUpload !== false });
    },
  );

  keylessVerifyOptions(
    program
      .command('verify-blob')
      .description('verify a blob signature with a public key, or a keyless bundle; prints "Verified OK"')
      .argument('<file>', 'the signed blob')
      .option('--key <file>', 'public key PEM, certificate, or k8s://NS/NAME')
      .option('--signature <sig>', 'signature file, or the base64 signature text')
      .option('--bundle <file>', 'keyless: sigstore bundle (v0.3)'),
  ).action(
    async (file: string, o: KeylessVerifyFlags & { key?: string; signature?: string; bundle?: string }) => {
      if (o.key && o.signature)
        return (await actions()).runVerifyBlob(file, { key: o.key, signature: o.signature });
      return (await keyless()).runVerifyBlobKeyless(file, o);
    },
  );

  keylessSignOptions(
    skipConfirmationOption(program.command('sign-dsse'))
      .description('sign a payload as a DSSE envelope (as Chains writes it); prints the envelope JSON')
      .argument('<file>', 'the payload (e.g. an in-toto statement)')
      .option('--key <file>', 'private key (cosign.key, PKCS#8 PEM, or k8s://NS/NAME); keyless without it')
      .option('--payload-type <type>', 'DSSE payloadType', INTOTO_PAYLOAD_TYPE)
      .option('--output <file>', 'write the envelope to this file instead of stdout')
      .option('--bundle <file>', 'keyless: write a sigstore bundle (v0.3) to this file')
      .addOption(tlogUploadOption('keyless: the log is mandatory', undefined))
      .option('--rekor-url <url>', 'transparency log address', 'https://rekor.sigstore.dev'),
  ).action(async (file: string, o: KeylessDsseFlags & { key?: string }) => {
    if (!o.key) return (await keyless()).runSignDsseKeyless(file, o);
    return (await actions()).runSignDsse(file, { ...o, key: o.key });
  });

  keylessVerifyOptions(
    program
      .command('verify-dsse')
      .description('verify a DSSE envelope with a public key, or a keyless DSSE bundle; prints "Verified OK"')
      .argument('<envelope>', 'DSSE envelope JSON file (keyless: the sigstore bundle)')
      .option('--key <file>', 'public key PEM, certificate, or k8s://NS/NAME; keyless without it')
      .option('--payload-type <type>', 'require this payloadType')
      .option('--output-payload <file>', 'write the verified payload to this file'),
  ).action(
    async (
      envelope: string,
      o: KeylessVerifyFlags & { key?: string; payloadType?: string; outputPayload?: string },
    ) => {
      if (!o.key) return (await keyless()).runVerifyDsseKeyless(envelope, o);
      return (await actions()).runVerifyDsse(envelope, { ...o, key: o.key });
    },
  );
}
