export * from './errors.ts';
export * from './schema.ts';
export * from './taskrun.ts';
export * from './pipelinerun.ts';
export * from './parse.ts';
export * from './run.ts';
