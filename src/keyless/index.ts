export * from './errors.ts';
export * from './trust.ts';
export * from './checks.ts';
export * from './blob.ts';
export * from './oci.ts';
export * from './dsse.ts';
