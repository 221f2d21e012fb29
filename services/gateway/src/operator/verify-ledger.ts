// VerifyLedger: is the caller's country's disclosure ledger intact? Recomputes the hash chain
// (whole, or from a signed checkpoint the caller names), and judges the newest `maxCheckpoints`
// checkpoints published on the country's checkpoint topic (all of them when fewer) against the
// entries they state. Intact when the chain and every judged checkpoint hold: the newest valid
// checkpoint states every entry before its head, so older ones need not be read to say so.
import type { LedgerReader, VerifyResult } from '@puente/ledger';
import { ErrorReason, type VerifyLedgerRequest, type VerifyLedgerResponse } from '@puente/proto';
import type { Country } from '@puente/runtime';

import type { Principal } from '../auth/identity.js';
import { GatewayError } from '../grpc/errors.js';
import { readCheckpointTopic, type CheckpointTopicRead, type PublishedCheckpoint } from './checkpoint-topic.js';
import { createCheckpointJudge, type JudgedCheckpoint } from './checkpoint-verdicts.js';
import type { OperatorContext } from './context.js';
import { ownLedger } from './ledger-access.js';
import { requireUuid } from './request.js';

export type VerifyLedgerDeps = Pick<
  OperatorContext,
  'ledgers' | 'checkpointKeys' | 'bus' | 'codec' | 'ledgerLimits' | 'checkpointTopic'
>;

export async function verifyLedger(
  deps: VerifyLedgerDeps,
  principal: Principal,
  request: VerifyLedgerRequest,
): Promise<VerifyLedgerResponse> {
  const ledger = ownLedger(deps, principal);
  const country = principal.country;
  const fromId =
    request.fromCheckpointId === '' ? undefined : requireUuid(request.fromCheckpointId, 'from_checkpoint_id');
  const read = await readCheckpointTopic(deps, country);
  const judge = createCheckpointJudge({ ledger, country, keys: deps.checkpointKeys?.[country] });
  const judged: JudgedCheckpoint[] = [];
  for (const published of read.published) judged.push(await judge(published));

  const start = fromId === undefined ? undefined : startingCheckpoint(read, judged, fromId, country);
  const chain = await verifyChain(ledger, start);
  const invalid = judged.filter((j) => !j.verdict.valid);
  const problems = [
    ...(chain.intact ? [] : [chain.problem]),
    ...(start && !start.judged.signed
      ? [
          `checkpoint ${fromId} cannot be trusted (${start.judged.verdict.problem}): verified from the first entry instead`,
        ]
      : []),
    ...invalid.slice(0, 1).map((j) => `checkpoint ${j.verdict.checkpointId}: ${j.verdict.problem}`),
    ...(invalid.length > 1 ? [`${invalid.length - 1} more checkpoints invalid`] : []),
  ];
  return {
    country,
    intact: chain.intact && invalid.length === 0,
    entryCount: String(chain.entryCount),
    entriesChecked: String(chain.entriesChecked),
    headHash: chain.headHash ?? Buffer.alloc(0),
    firstBadEntry: String(chain.firstBadEntry),
    problem: problems.join('; '),
    checkpoints: judged.map((j) => j.verdict),
  };
}

interface StartingCheckpoint {
  readonly published: Extract<PublishedCheckpoint, { checkpoint: object }>;
  readonly judged: JudgedCheckpoint;
}

/**
 * The named checkpoint (the first record read carrying its id); NOT_FOUND (CHECKPOINT_NOT_FOUND)
 * when none, also for one older than the newest records read.
 */
function startingCheckpoint(
  read: CheckpointTopicRead,
  judged: readonly JudgedCheckpoint[],
  checkpointId: string,
  country: Country,
): StartingCheckpoint {
  const index = read.published.findIndex((p) => p.checkpoint?.checkpointId === checkpointId);
  const published = read.published[index];
  const verdict = judged[index];
  if (!published?.checkpoint || !verdict) {
    const where = read.skipped === 0 ? '' : ` among its newest ${read.published.length} of ${read.total} records`;
    const message = `no checkpoint ${checkpointId} on ${read.topic}${where}`;
    throw new GatewayError({
      code: 'NOT_FOUND',
      reason: ErrorReason.CHECKPOINT_NOT_FOUND,
      message,
      metadata: { checkpointId, country },
      resourceInfo: {
        resourceType: 'puente.v1.AuditCheckpoint',
        resourceName: checkpointId,
        owner: '',
        description: message,
      },
    });
  }
  return { published: { record: published.record, checkpoint: published.checkpoint }, judged: verdict };
}

/**
 * The chain from a genuine checkpoint (the ledger checks the stored entry against its head, then
 * every entry after it), or whole: also when the named checkpoint's signature does not hold,
 * since nothing it states can be trusted.
 */
function verifyChain(ledger: LedgerReader, start: StartingCheckpoint | undefined): Promise<VerifyResult> {
  const checkpoint = start?.published.checkpoint;
  if (!start?.judged.signed || !checkpoint || checkpoint.entryCount < 1) return ledger.verify();
  return ledger.verify({ from: { entry: checkpoint.entryCount, expectedHash: checkpoint.headHash } });
}
