// Whether a published checkpoint holds: it states this country's ledger, is signed by a key the
// gateway holds for its key id (never the key the checkpoint carries itself), the signature
// verifies, and the head hash it states is the stored entry's. The first failing check is the
// verdict's problem.
import type { KeyObject } from 'node:crypto';

import type { AuditCheckpoint } from '@puente/contracts';
import { type LedgerEntry, type LedgerReader, verifyCheckpointSignature } from '@puente/ledger';
import type { CheckpointVerdict } from '@puente/proto';
import type { Country } from '@puente/runtime';

import type { PublishedCheckpoint } from './checkpoint-topic.js';

export interface CheckpointJudge {
  readonly ledger: LedgerReader;
  readonly country: Country;
  /** The public keys the country's checkpoints may be signed with, by key id. */
  readonly keys: ReadonlyMap<string, KeyObject> | undefined;
}

/** A verdict, and whether the checkpoint is genuine (its signature holds) whatever its head says. */
export interface JudgedCheckpoint {
  readonly verdict: CheckpointVerdict;
  readonly signed: boolean;
}

/** Judges checkpoints in order, reading each stated entry once. */
export function createCheckpointJudge(
  judge: CheckpointJudge,
): (published: PublishedCheckpoint) => Promise<JudgedCheckpoint> {
  const entries = new Map<number, Promise<LedgerEntry | undefined>>();
  const entry = (n: number): Promise<LedgerEntry | undefined> => {
    let found = entries.get(n);
    if (!found) {
      found = judge.ledger.entry(n);
      entries.set(n, found);
    }
    return found;
  };
  return async (published) => {
    if (!published.checkpoint) {
      const { record } = published;
      return {
        signed: false,
        verdict: {
          checkpointId: record.key ?? '',
          entryCount: '0',
          keyId: '',
          valid: false,
          problem: `record at partition ${record.partition} offset ${record.offset} is not an AuditCheckpoint: ${published.error}`,
        },
      };
    }
    const checkpoint = published.checkpoint;
    const signatureProblem = signatureProblemOf(judge, checkpoint);
    const problem = signatureProblem ?? (await headProblemOf(checkpoint, entry));
    return {
      signed: signatureProblem === undefined,
      verdict: {
        checkpointId: checkpoint.checkpointId,
        entryCount: String(checkpoint.entryCount),
        signedAt: checkpoint.signedAt,
        keyId: checkpoint.keyId,
        valid: problem === undefined,
        problem: problem ?? '',
      },
    };
  };
}

function signatureProblemOf(judge: CheckpointJudge, checkpoint: AuditCheckpoint): string | undefined {
  if (checkpoint.ledgerCountry !== judge.country) {
    return `states the ${checkpoint.ledgerCountry} ledger, not ${judge.country}'s`;
  }
  const key = judge.keys?.get(checkpoint.keyId);
  if (!key) {
    return judge.keys && judge.keys.size > 0
      ? `unknown key ${checkpoint.keyId} (the gateway holds ${[...judge.keys.keys()].join(', ')} for ${judge.country})`
      : `unknown key ${checkpoint.keyId} (the gateway holds no checkpoint keys for ${judge.country})`;
  }
  const statement = {
    ledgerCountry: checkpoint.ledgerCountry,
    entryCount: checkpoint.entryCount,
    headHash: checkpoint.headHash,
    signedAt: checkpoint.signedAt,
    keyId: checkpoint.keyId,
  };
  return verifyCheckpointSignature(statement, checkpoint.signature, key)
    ? undefined
    : `signature does not verify with key ${checkpoint.keyId}`;
}

const EMPTY_HEAD = Buffer.alloc(32);

async function headProblemOf(
  checkpoint: AuditCheckpoint,
  entry: (n: number) => Promise<LedgerEntry | undefined>,
): Promise<string | undefined> {
  const n = checkpoint.entryCount;
  if (n === 0) {
    // The statement of an empty ledger: there is no entry to compare with.
    return checkpoint.headHash.length === 0 || checkpoint.headHash.equals(EMPTY_HEAD)
      ? undefined
      : 'states 0 entries but a non-empty head hash';
  }
  const stored = await entry(n);
  if (!stored) return `entry ${n} it states as the head does not exist in the ledger`;
  return stored.hash.equals(checkpoint.headHash) ? undefined : `head differs from entry ${n}`;
}
