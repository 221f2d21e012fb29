// Signed checkpoints for the OperatorService's ledger tests: an Ed25519 key, a checkpoint of a
// head signed with it (or with a forged signature), and publishing it on the country's checkpoint
// topic as the audit service would.
import { generateKeyPairSync, randomUUID } from 'node:crypto';

import type { Bus } from '@puente/bus';
import type { AuditCheckpoint, AvroCodec } from '@puente/contracts';
import { type CheckpointSigningKey, rawPublicKey, signCheckpoint } from '@puente/ledger';
import { auditCheckpointTopic, type Country } from '@puente/runtime';

export function testSigningKey(keyId: string): CheckpointSigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { keyId, privateKey, publicKey };
}

export interface CheckpointSpec {
  readonly country: Country;
  readonly entryCount: number;
  readonly headHash: Buffer;
  readonly key: CheckpointSigningKey;
  /** Sign with another key than the one named (a forgery). */
  readonly signWith?: CheckpointSigningKey;
  readonly signedAt?: Date;
}

export function signedCheckpoint(spec: CheckpointSpec): AuditCheckpoint {
  const signedAt = spec.signedAt ?? new Date();
  const statement = {
    ledgerCountry: spec.country,
    entryCount: spec.entryCount,
    headHash: spec.headHash,
    signedAt,
    keyId: spec.key.keyId,
  };
  const signer = spec.signWith ? { ...spec.signWith, keyId: spec.key.keyId } : spec.key;
  return {
    meta: {
      eventId: randomUUID(),
      occurredAt: signedAt,
      originCountry: spec.country,
      originAgency: 'PUENTE-AUDIT',
      classification: 'PUBLIC',
      releasableTo: ['US', 'MX'],
      purposes: ['BORDER_SECURITY', 'CUSTOMS', 'CRIMINAL_INVESTIGATION', 'PROSECUTION', 'TRADE_FACILITATION'],
      correlationId: null,
      supersedes: null,
    },
    checkpointId: randomUUID(),
    ledgerCountry: spec.country,
    entryCount: spec.entryCount,
    headHash: spec.headHash,
    signedAt,
    keyId: spec.key.keyId,
    publicKey: rawPublicKey(spec.key.publicKey),
    signature: signCheckpoint(statement, signer),
  };
}

/**
 * Publishes checkpoints in order, keyed by checkpointId, encoded as the country's checkpoint
 * topic's schema, on that topic or on `topic`.
 */
export async function publishCheckpoints(
  target: { readonly bus: Bus; readonly codec: AvroCodec; readonly country: Country; readonly topic?: string },
  checkpoints: readonly AuditCheckpoint[],
): Promise<void> {
  const schemaTopic = auditCheckpointTopic(target.country);
  for (const checkpoint of checkpoints) {
    await target.bus.publish(target.topic ?? schemaTopic, [
      { key: checkpoint.checkpointId, value: target.codec.encode(schemaTopic, checkpoint) },
    ]);
  }
}
