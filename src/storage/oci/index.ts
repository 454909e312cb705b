export * from './errors.ts';
export * from './layout.ts';
export * from './legacy.ts';
export * from './bundle.ts';
export * from './referrer.ts';
export * from './backend.ts';
export * from './reader.ts';
