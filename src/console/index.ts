export { startConsole } from './server.ts';
export type { ConsoleOptions, RunningConsole } from './server.ts';
export { buildConsoleAssets, loadConsoleAssets } from './assets.ts';
export { pinnedTrust, trustPem } from './trust.ts';
export type { LogTrust, TrustSource } from './trust.ts';
export type { RunDocument, RunSource, RunSummary } from './runs.ts';
export { imageVerifier } from './images.ts';
export type { ImageItem, ImageReport, ImageVerifier } from './images.ts';
export { ConsoleError } from './errors.ts';
