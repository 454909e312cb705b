export * from './errors.ts';
export * from './build.ts';
export * from './fetch.ts';
