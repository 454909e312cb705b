import { DEFAULT_FULCIO_ADDRESS, DEFAULT_FULCIO_ISSUER, type X509SignerOptions } from '../signing/fulcio.ts';
import { isConfigSignerName, NO_SIGNER, REFUSED_SIGNERS, SIGNER_CHOICES } from '../signing/registry.ts';
import { ConfigError } from './errors.ts';
import { FORMAT_IDS } from '../provenance/format-ids.ts';
import { BUILD_TYPES } from '../provenance/options.ts';
import { OCI_ENCODINGS } from '../storage/oci/encoding.ts';
import { isStorageName, STORAGE_CHOICES, STORAGE_NAMES } from '../storage/registry.ts';
import {
  type ArtifactOptions,
  type ChainsConfig,
  type FormatId,
  type SignerId,
  type StorageId,
  type TransparencyMode,
} from './types.ts';

export type ConfigData = Readonly<Record<string, string | undefined>>;

export const DEFAULT_TRANSPARENCY_URL = 'https://rekor.sigstore.dev';
export const DEFAULT_BUILDER_ID = 'https://tekton.dev/chains/v2';

/** Chains' message, with the key in front: `<key>: invalid value "x" wanted one of [a b c]`. */
function invalid(key: string, value: string, allowed: readonly string[]): ConfigError {
  const list = [...allowed].sort().join(' ');
  return new ConfigError('INVALID_CONFIG', `${key}: invalid value "${value}" wanted one of [${list}]`);
}

function oneOf<T extends string>(data: ConfigData, key: string, allowed: readonly T[], dflt: T): T {
  const raw = data[key];
  if (raw === undefined) return dflt;
  const v = raw.trim();
  if (!(allowed as readonly string[]).includes(v)) throw invalid(key, v, allowed);
  return v as T;
}

/** Comma set with whitespace trimmed; `""` means disabled (empty set). */
function storageSet(
  data: ConfigData,
  key: string,
  allowed: readonly string[],
  dflt: StorageId[],
): StorageId[] {
  const raw = data[key];
  if (raw === undefined) return dflt;
  const out: StorageId[] = [];
  for (const v of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    if (!allowed.includes(v)) throw invalid(key, v, allowed);
    if (!isStorageName(v))
      throw new ConfigError(
        'UNSUPPORTED_CONFIG',
        `${key}: storage backend "${v}" is not available in this implementation (available: ${STORAGE_NAMES.join(', ')})`,
      );
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

/** strconv.ParseBool; unparseable values keep the default (as Chains). */
function bool(data: ConfigData, key: string, dflt: boolean): boolean {
  const v = data[key]?.trim();
  if (v === undefined) return dflt;
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return dflt;
}

function signer(data: ConfigData, key: string): SignerId {
  const v = oneOf(data, key, SIGNER_CHOICES, 'x509');
  if (v === NO_SIGNER || isConfigSignerName(v)) return v;
  throw new ConfigError(
    'UNSUPPORTED_CONFIG',
    `${key}: signer "${v}" is not available in this implementation (${REFUSED_SIGNERS[v]})`,
  );
}

function artifact(data: ConfigData, kind: 'taskrun' | 'pipelinerun'): ArtifactOptions {
  const storageAllowed = kind === 'taskrun' ? STORAGE_CHOICES : STORAGE_CHOICES.filter((s) => s !== 'kafka');
  const format: FormatId = oneOf(data, `artifacts.${kind}.format`, FORMAT_IDS, 'in-toto');
  const storage = storageSet(data, `artifacts.${kind}.storage`, storageAllowed, ['tekton']);
  const s = signer(data, `artifacts.${kind}.signer`);
  // Chains' Artifact.Enabled(): signer `none` or storage `""` turns the type off (pkg/config/config.go)
  return { format, storage, signer: s, enabled: s !== 'none' && storage.length > 0 };
}

/** `true` or `manual` enable the log; anything else disables it (https://tekton.dev/docs/chains/config/). */
function transparencyMode(data: ConfigData): TransparencyMode {
  const v = data['transparency.enabled']?.trim();
  return v === 'true' ? 'on' : v === 'manual' ? 'manual' : 'off';
}

/**
 * `signers.x509.*` as Chains reads them (pkg/config/config.go): strings as given, unset ones defaulted; the
 * provider is checked when the signer is built, as upstream.
 */
function x509Signer(data: ConfigData): X509SignerOptions {
  const text = (key: string): string | undefined => data[key]?.trim() || undefined;
  const provider = text('signers.x509.fulcio.provider');
  const tokenFile = text('signers.x509.identity.token.file');
  return {
    fulcio: {
      enabled: bool(data, 'signers.x509.fulcio.enabled', false),
      address: (text('signers.x509.fulcio.address') ?? DEFAULT_FULCIO_ADDRESS).replace(/\/+$/, ''),
      issuer: text('signers.x509.fulcio.issuer') ?? DEFAULT_FULCIO_ISSUER,
      ...(provider ? { provider } : {}),
    },
    ...(tokenFile ? { identityTokenFile: tokenFile } : {}),
  };
}

/** Parse a `chains-config` data map; throws ConfigError naming the first bad key. Missing keys keep defaults. */
export function parseConfig(data: ConfigData): ChainsConfig {
  const ociSigner = signer(data, 'artifacts.oci.signer');
  const ociStorage = storageSet(data, 'artifacts.oci.storage', STORAGE_CHOICES, ['oci']);
  const repository = data['storage.oci.repository']?.trim();
  const localDir = data['storage.local.dir']?.trim();
  return {
    artifacts: {
      taskrun: artifact(data, 'taskrun'),
      pipelinerun: {
        ...artifact(data, 'pipelinerun'),
        deepInspection: bool(data, 'artifacts.pipelinerun.enable-deep-inspection', false),
      },
      oci: {
        format: oneOf(data, 'artifacts.oci.format', ['simplesigning'] as const, 'simplesigning'),
        storage: ociStorage,
        signer: ociSigner,
        enabled: ociSigner !== 'none' && ociStorage.length > 0,
        signIndexChildren: bool(data, 'artifacts.oci.sign-index-children', false),
      },
    },
    signers: { x509: x509Signer(data) },
    storage: {
      oci: {
        ...(repository ? { repository } : {}),
        insecure: bool(data, 'storage.oci.repository.insecure', false),
        encodingFormat: oneOf(data, 'storage.oci.encoding-format', OCI_ENCODINGS, 'dsse'),
      },
      local: localDir ? { dir: localDir } : {},
    },
    transparency: {
      mode: transparencyMode(data),
      url: (data['transparency.url']?.trim() || DEFAULT_TRANSPARENCY_URL).replace(/\/+$/, ''),
    },
    builder: {
      builderId: data['builder.id']?.trim() || DEFAULT_BUILDER_ID,
      buildType: oneOf(data, 'builddefinition.buildtype', BUILD_TYPES, BUILD_TYPES[0]),
    },
    filter: {
      managedBy: (data['filter.managed-by'] ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
  };
}

/** The defaults (an empty ConfigMap). */
export function defaultConfig(): ChainsConfig {
  return parseConfig({});
}

/** Every storage backend any enabled artifact type needs. */
export function backendsInUse(cfg: ChainsConfig): StorageId[] {
  const a = cfg.artifacts;
  const all = [a.taskrun, a.pipelinerun, a.oci].filter((x) => x.enabled).flatMap((x) => x.storage);
  return [...new Set(all)];
}
