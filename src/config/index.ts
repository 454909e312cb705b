export * from './errors.ts';
export * from './types.ts';
export * from './parse.ts';
export * from './file.ts';
export * from './store.ts';
