export * from './errors.ts';
export * from './algorithm.ts';
export * from './public.ts';
export * from './private.ts';
export * from './encrypted.ts';
export * from './generate.ts';
export * from './fingerprint.ts';
export * from './kubernetes.ts';
