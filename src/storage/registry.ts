import type { StorageBackend } from './backend.ts';

/**
 * Every storage backend this implementation provides (`artifacts.*.storage`), one folder each under src/storage
 * (docs/extending.md). Each runs the storage contract suite (src/storage/contract.ts); src/extending.test.ts
 * fails while one does not.
 */
export const STORAGE_NAMES = ['local', 'oci', 'tekton'] as const;
export type StorageName = (typeof STORAGE_NAMES)[number];

/** Backend names upstream Chains accepts that this implementation refuses (pkg/config/config.go). */
export const REFUSED_STORAGE = ['archivista', 'docdb', 'gcs', 'grafeas', 'kafka'] as const;

/** Every value `artifacts.*.storage` may name; `kafka` is a TaskRun-only name upstream. */
export const STORAGE_CHOICES = [...STORAGE_NAMES, ...REFUSED_STORAGE] as const;

/** One backend per registered name: the wiring builds this record, so a name without a backend is a compile error. */
export type StorageBackends = Readonly<Record<StorageName, StorageBackend>>;

export function isStorageName(name: string): name is StorageName {
  return (STORAGE_NAMES as readonly string[]).includes(name);
}
