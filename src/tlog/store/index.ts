export type * from './store.ts';
export { SqliteLogStore } from './sqlite.ts';
