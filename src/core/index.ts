export * from './errors.ts';
export * from './encoding.ts';
export * from './digest.ts';
export * from './json.ts';
export * from './dsse.ts';
export * from './clock.ts';
export * from './hash.ts';
export * from './signed.ts';
