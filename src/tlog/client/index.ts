export { RekorClient } from './rekor.ts';
export { proposeDsse, proposeHashedRekord, proposeIntoto } from './propose.ts';
export { toBundleTlogEntry, toCosignBundle } from './convert.ts';
export {
  logIdOf,
  toLogKey,
  verifyEntryPromise,
  verifyLogEntry,
  verifySet,
  verifyTreeConsistency,
} from './verify.ts';
export type { LogKeyInput } from './verify.ts';
export * from '../types/index.ts';
export { formatGet, formatLogInfo, formatSearch, formatUpload, formatVerify } from './format.ts';
export type { OutputFormat } from './format.ts';
export { checkLogInfo } from './state.ts';
