import { createPublicKey } from 'node:crypto';
import { z } from 'zod';
import type { RekorClient } from '../tlog/client/index.ts';
import { ConsoleError } from './errors.ts';

/** Where the log key the browser verifies against comes from. */
export type TrustSource = 'trusted-root' | 'rekor-public-key' | 'first-use';

export interface LogTrust {
  source: TrustSource;
  /** SPKI DER of every acceptable log key, base64 */
  keys: string[];
}

// sigstore protobuf-specs TrustedRoot (https://github.com/sigstore/rekor): only the transparency logs' keys matter here
const trustedRootSchema = z.object({
  tlogs: z
    .array(z.object({ baseUrl: z.string().optional(), publicKey: z.object({ rawBytes: z.string() }) }))
    .min(1),
});

function spkiOf(pem: string, what: string): string {
  try {
    return createPublicKey(pem).export({ type: 'spki', format: 'der' }).toString('base64');
  } catch (e) {
    throw new ConsoleError('CONSOLE_TRUST', `${what} is not a public key: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

/** Text given to pin the log, and where it came from (a file name, for messages). */
export interface TrustText {
  text: string;
  from: string;
}

/** The pinned log keys: a log key (PEM, `--rekor-public-key`) or a trusted root (JSON, `--trusted-root`). */
export function pinnedTrust(o: {
  trustedRoot?: TrustText;
  rekorPublicKey?: TrustText;
}): LogTrust | undefined {
  if (o.rekorPublicKey)
    return { source: 'rekor-public-key', keys: [spkiOf(o.rekorPublicKey.text, o.rekorPublicKey.from)] };
  if (!o.trustedRoot) return undefined;
  let parsed: z.infer<typeof trustedRootSchema>;
  try {
    parsed = trustedRootSchema.parse(JSON.parse(o.trustedRoot.text));
  } catch (e) {
    throw new ConsoleError('CONSOLE_TRUST', `${o.trustedRoot.from} is not a trusted root with tlogs`, {
      cause: e,
    });
  }
  const keys = parsed.tlogs.map((t, i) => {
    const der = Buffer.from(t.publicKey.rawBytes, 'base64');
    return spkiOf(
      createPublicKey({ key: der, format: 'der', type: 'spki' })
        .export({ type: 'spki', format: 'pem' })
        .toString(),
      `tlogs[${i}]`,
    );
  });
  return { source: 'trusted-root', keys };
}

/** The pinned trust, or the key the log serves now (trust on first use: the page says so). */
export function logTrust(pinned: LogTrust | undefined, client: RekorClient): () => Promise<LogTrust> {
  let tofu: Promise<LogTrust> | undefined;
  return () => {
    if (pinned) return Promise.resolve(pinned);
    tofu ??= client.publicKey().then(
      (pem) => ({ source: 'first-use' as const, keys: [spkiOf(pem, 'the log key')] }),
      (e: unknown) => {
        tofu = undefined;
        throw e;
      },
    );
    return tofu;
  };
}

/** PEM text of the first pinned key, for the server-side verify library (image page). */
export function trustPem(t: LogTrust): string | undefined {
  const k = t.keys[0];
  return k
    ? createPublicKey({ key: Buffer.from(k, 'base64'), format: 'der', type: 'spki' })
        .export({ type: 'spki', format: 'pem' })
        .toString()
    : undefined;
}
