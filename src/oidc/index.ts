export * from './errors.ts';
export * from './types.ts';
export * from './config.ts';
export * from './verifier.ts';
