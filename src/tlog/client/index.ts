export { RekorClient } from './rekor.ts';
export type { CreatedEntry, RekorClientOptions } from './rekor.ts';
export { proposeDsse, proposeHashedRekord, proposeIntoto } from './propose.ts';
export { toBundleTlogEntry, toCosignBundle } from './convert.ts';
export {
  entryParts,
  logIdOf,
  toLogKey,
  verifyEntryPromise,
  verifyLogEntry,
  verifySet,
  verifyTreeConsistency,
} from './verify.ts';
export type { EntryVerifyOptions, LogKeyInput, VerifiedEntry } from './verify.ts';
export * from '../types/index.ts';
export { formatGet, formatLogInfo, formatSearch, formatUpload, formatVerify, getOutput } from './format.ts';
export type { GetOutput, LogInfoOutput, OutputFormat } from './format.ts';
export { checkLogInfo } from './state.ts';
