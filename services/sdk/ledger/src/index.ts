export type * from './types.js';
export {
  checkpointMessage,
  type CheckpointSigningKey,
  type CheckpointStatement,
  publicKeyFromRaw,
  rawPublicKey,
  signCheckpoint,
  signingKeyFromPem,
  verifyCheckpointSignature,
} from './checkpoint.js';
export { DISCLOSURE_TAG, ENTRY_TAG, ChainHasher, type DisclosureContent, ZERO_HASH } from './canonical.js';
export { LedgerError, type LedgerErrorCode } from './errors.js';
export {
  checkpointKeyFromEnv,
  type CheckpointPublicKeys,
  devCheckpointKey,
  devCheckpointPublicKeys,
  devKeyId,
  publicKeysFromEnv,
} from './keys.js';
export { defaultLedgerSchema, openLedger, type OpenedLedger, type OpenLedgerOptions } from './open-ledger.js';
export { createPgliteClient as openEmbeddedDatabase, type PgliteClientOptions } from './sql/pglite-client.js';
export type { SqlClient, SqlQueryable } from './sql/sql-client.js';
