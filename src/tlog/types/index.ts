export * from './wire.ts';
export * from './ids.ts';
