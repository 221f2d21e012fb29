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
