export * from './signer.ts';
export * from './dsse.ts';
export * from './simplesigning.ts';
