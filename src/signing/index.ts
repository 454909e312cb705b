export * from './signer.ts';
export * from './dsse.ts';
export * from './simplesigning.ts';
export * from './errors.ts';
export * from './registry.ts';
