export * from './server.ts';
export * from './store.ts';
export * from './data.ts';
export * from './router.ts';
