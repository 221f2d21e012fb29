// Signed checkpoints: a ledger's service states (entry count, head hash, time) and signs the
// statement with Ed25519, so whoever holds it can later prove the ledger was not rewritten up to
// that entry. The signed bytes are a fixed UTF-8 text, easy to rebuild in any language.
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

import type { Country } from '@puente/runtime';

export interface CheckpointStatement {
  readonly ledgerCountry: Country;
  readonly entryCount: number;
  readonly headHash: Buffer;
  readonly signedAt: Date;
  readonly keyId: string;
}

export interface CheckpointSigningKey {
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

const STATEMENT_PREFIX = 'puente-audit-checkpoint/v1';

/** The exact bytes signed: "puente-audit-checkpoint/v1\n<country>\n<count>\n<head hex>\n<ms>\n<keyId>". */
export function checkpointMessage(statement: CheckpointStatement): Buffer {
  return Buffer.from(
    [
      STATEMENT_PREFIX,
      statement.ledgerCountry,
      String(statement.entryCount),
      statement.headHash.toString('hex'),
      String(statement.signedAt.getTime()),
      statement.keyId,
    ].join('\n'),
    'utf8',
  );
}

export function signCheckpoint(statement: CheckpointStatement, key: CheckpointSigningKey): Buffer {
  if (statement.keyId !== key.keyId) {
    throw new Error(`checkpoint statement names key ${statement.keyId}, but the signing key is ${key.keyId}`);
  }
  return sign(null, checkpointMessage(statement), key.privateKey);
}

export function verifyCheckpointSignature(
  statement: CheckpointStatement,
  signature: Uint8Array,
  publicKey: KeyObject,
): boolean {
  try {
    return verify(null, checkpointMessage(statement), publicKey, signature);
  } catch {
    return false;
  }
}

/** The raw 32-byte Ed25519 public key, as AuditCheckpoint.publicKey carries it. */
export function rawPublicKey(publicKey: KeyObject): Buffer {
  const der = publicKey.export({ format: 'der', type: 'spki' });
  return Buffer.from(der.subarray(der.length - 32));
}

/** An Ed25519 public key from its 32 raw bytes. */
export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new Error(`an Ed25519 public key is 32 bytes, got ${raw.length}`);
  const spki = Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), raw]);
  return createPublicKey({ key: spki, format: 'der', type: 'spki' });
}

/** A signing key from a PKCS#8 PEM text (what `openssl genpkey -algorithm ed25519` writes). */
export function signingKeyFromPem(keyId: string, pem: string): CheckpointSigningKey {
  const privateKey = createPrivateKey(pem);
  if (privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`checkpoint key ${keyId}: expected an Ed25519 private key, got ${privateKey.asymmetricKeyType}`);
  }
  return { keyId, privateKey, publicKey: createPublicKey(privateKey) };
}
