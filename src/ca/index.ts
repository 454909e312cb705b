export * from './errors.ts';
export * from './store.ts';
export * from './authority.ts';
export * from './server.ts';
export { parseV1, parseV2 } from './request.ts';
export { parseCsr } from './csr.ts';
export { OID } from './extensions.ts';
