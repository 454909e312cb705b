export * from './tekton.ts';
