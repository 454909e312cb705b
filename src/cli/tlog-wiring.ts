import type { ConfigStore } from '../config/store.ts';
import type { SignedRecord } from '../core/signed.ts';
import type { TransparencyUploader } from '../controller/ports.ts';
import { RekorUploader } from '../controller/tlog-uploader.ts';
import { RekorClient } from '../tlog/client/index.ts';
import type { CheckBundle } from '../verify/tlog-hook.ts';
import { tlogCheckBundle } from '../verify/tlog.ts';
import { TLOG_SKIPPED_NOTICE } from '../verify/oci-output.ts';
import { readText, say } from './io.ts';

/** cosign's transparency-log flags on sign/attest/verify (https://github.com/sigstore/cosign/blob/main/specs/ATTESTATION_SPEC.md). */
export interface TlogFlags {
  rekorUrl: string;
  tlogUpload: boolean;
  insecureIgnoreTlog?: boolean;
}

/** The log key pinned by cosign's SIGSTORE_REKOR_PUBLIC_KEY (a PEM file), else undefined: trust on first use. */
function pinnedLogKey(): string | undefined {
  const file = process.env.SIGSTORE_REKOR_PUBLIC_KEY;
  if (!file) return undefined;
  return readText(file, 'SIGSTORE_REKOR_PUBLIC_KEY');
}

function uploaderFor(url: string, timeoutMs?: number): RekorUploader {
  const logPublicKey = pinnedLogKey();
  return new RekorUploader(
    new RekorClient(url, timeoutMs ? { timeoutMs } : {}),
    logPublicKey ? { logPublicKey } : {},
  );
}

/** The controller's log client for the current `transparency.url`, rebuilt when the config changes it. */
export function switchingUploader(config: ConfigStore): TransparencyUploader {
  let url = '';
  let current: RekorUploader | undefined;
  const get = (): RekorUploader => {
    const want = config.current.transparency.url;
    if (!current || url !== want) {
      url = want;
      current = uploaderFor(want, 15_000);
    }
    return current;
  };
  return {
    get url() {
      return get().url;
    },
    upload: async (r) => get().upload(r),
    findByPayload: async (digest) => get().findByPayload(digest),
  };
}

/**
 * sign/attest: upload to the log unless `--tlog-upload=false` and return the record with cosign's bundle
 * (stored as the `dev.sigstore.cosign/bundle` annotation). A 409 reuses the existing entry, so re-signing is safe.
 */
export async function uploadToLog(record: SignedRecord, t: TlogFlags): Promise<SignedRecord> {
  if (!t.tlogUpload) return record;
  const entry = await uploaderFor(t.rekorUrl).upload(record);
  say(`tlog entry created with index: ${entry.logIndex}`);
  return entry.bundle ? { ...record, bundle: entry.bundle } : record;
}

/**
 * verify/verify-attestation: the tlog hook, trusting the log key from SIGSTORE_REKOR_PUBLIC_KEY (cosign's
 * variable) or, failing that, the key the log serves (trust on first use, as rekor-cli does).
 * `--insecure-ignore-tlog` disables it with cosign's warning. Keyless verification pins the trusted root's key.
 */
export async function logCheck(t: TlogFlags, pinnedKey?: string): Promise<CheckBundle | undefined> {
  if (t.insecureIgnoreTlog) {
    say(TLOG_SKIPPED_NOTICE);
    return undefined;
  }
  const client = new RekorClient(t.rekorUrl);
  // The log is asked for its key only when a signature needs checking, so registry errors come first.
  let hook: Promise<CheckBundle> | undefined;
  return async (bundle, subject) => {
    hook ??= (async () => {
      const logPublicKey = pinnedKey ?? pinnedLogKey() ?? (await client.publicKey());
      return tlogCheckBundle({ logPublicKey, client });
    })();
    await (
      await hook
    )(bundle, subject);
  };
}
