export { startConsole } from './server.ts';
export type { RunningConsole } from './server.ts';
export { buildConsoleAssets } from './assets.ts';
export { pinnedTrust, trustPem } from './trust.ts';
export type { LogTrust } from './trust.ts';
export type { RunDocument, RunSource } from './runs.ts';
export { imageVerifier } from './images.ts';
export type { ImageVerifier } from './images.ts';
