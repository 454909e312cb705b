export * from './errors.ts';
export * from './cert.ts';
export * from './sct.ts';
export * from './entry.ts';
export * from './verify.ts';
export * from './client.ts';
