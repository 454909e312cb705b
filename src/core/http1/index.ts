export * from './errors.ts';
export * from './head.ts';
export * from './chunked.ts';
export * from './reader.ts';
export * from './client.ts';
