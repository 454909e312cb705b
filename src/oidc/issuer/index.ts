export * from './store.ts';
export * from './token.ts';
export * from './server.ts';
