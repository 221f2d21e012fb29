// BrowseRecords: records of one topic, decoded, selected by offsets, time, key or eventId (or the
// newest), with bounded work per call and a page token to continue. A partner's records come
// only as the view an agreement releases — withheld ones are omitted — and are audited first.
import type { BrowsedRecord, BrowseRecordsRequest, BrowseRecordsResponse } from '@puente/proto';
import type { ConsumedRecord, TopicInfo } from '@puente/bus';
import type { AvroCodec } from '@puente/contracts';
import type { Decision } from '@puente/policy';

import { authorizeInspect, type InspectAccess } from '../auth/authorization.js';
import type { Principal } from '../auth/identity.js';
import { deliveredRecord, type DeliveredRecord } from '../subscribe/record-evaluation.js';
import { requireOperator } from './access.js';
import type { OperatorContext } from './context.js';
import { queryFingerprint, readPageToken, writePageToken } from './page-token.js';
import { decode, eventIdOf, toBrowsed, type Decoded, type Match } from './records.js';
import { badRequest, outputFormat } from './request.js';
import { mergeByTime, scan, type ScanResult } from './scan.js';
import { existingTopic, topicInfos } from './topics.js';

/** Subscription id of an operator's browse in disclosure records. */
export const OPERATOR_BROWSE_SUBSCRIPTION = 'operator-browse';

export type BrowseRecordsDeps = Pick<
  OperatorContext,
  'bus' | 'codec' | 'policies' | 'viewSchemaId' | 'audit' | 'limits'
>;

type Selector = BrowseRecordsRequest['selector'];
type ViewAccess = Extract<InspectAccess, { access: 'view' }>;

export async function browseRecords(
  deps: BrowseRecordsDeps,
  principal: Principal,
  request: BrowseRecordsRequest,
): Promise<BrowseRecordsResponse> {
  requireOperator(principal);
  const access = authorizeInspect(principal, request.topic, {
    viewAgreementId: request.viewAgreementId,
    policies: deps.policies(),
  });
  const format = outputFormat(request.payloadFormat, 'payload_format');
  const limit = Math.min(request.limit === 0 ? deps.limits.defaultLimit : request.limit, deps.limits.maxLimit);
  const info = existingTopic(await topicInfos(deps.bus), request.topic);
  const selector = request.selector;
  // Bound to the agreement actually applied: a token of a page under one agreement's view never
  // continues under another's, even when the request names none and a reload changed which one shares it.
  const fingerprint = queryFingerprint({
    ...request,
    viewAgreementId: access.access === 'view' ? access.feed.agreement.id : '',
  });
  const resumed = request.pageToken === '' ? undefined : readPageToken(request.pageToken, fingerprint);
  if (resumed && selector === undefined) throw badRequest('page_token', 'the newest records have no next page');

  const scanned = await scan(deps.bus, {
    topic: request.topic,
    ranges: readRanges(info, selector, { limit, resumed }),
    perPartitionLimit: limit,
    budget: deps.limits.scanBudget,
    timeoutMs: deps.limits.timeoutMs,
    accept: acceptor(deps.codec, access, selector),
  });

  // Offset order within a partition, timestamp order across partitions.
  const merged = mergeByTime(scanned.matches);
  const chosen = selector === undefined ? merged.slice(-limit) : merged.slice(0, limit);
  const nextPageToken = selector === undefined ? '' : pageTokenAfter(scanned, chosen, fingerprint);
  const records = chosen.map((match) => toBrowsed(deps, access, match, format));
  if (access.access === 'view') await auditViews(deps, { principal, access }, chosen, records);
  return { records, nextPageToken };
}

/**
 * Where to read, per partition: [from, to) as of now, so a browse never waits for new records;
 * a resumed query starts each partition where its page token says.
 */
function readRanges(
  info: TopicInfo,
  selector: Selector,
  page: { readonly limit: number; readonly resumed: Readonly<Record<string, number>> | undefined },
): Map<number, { from: number; to: number }> {
  const { limit, resumed } = page;
  const ranges = new Map<number, { from: number; to: number }>();
  for (const p of info.partitions) {
    const low = Number(p.low);
    const high = Number(p.high);
    if (selector?.$case === 'offsets') {
      if (p.partition !== selector.value.partition) continue;
      const start = Math.max(low, Number(selector.value.startOffset ?? low));
      const end = Math.min(high, Number(selector.value.endOffset ?? high));
      ranges.set(p.partition, { from: start, to: end });
    } else if (selector === undefined) {
      ranges.set(p.partition, { from: Math.max(low, high - limit), to: high });
    } else {
      ranges.set(p.partition, { from: low, to: high });
    }
    const range = ranges.get(p.partition);
    const next = resumed?.[String(p.partition)];
    if (range && next !== undefined) range.from = Math.max(range.from, next);
  }
  if (selector?.$case === 'offsets' && !info.partitions.some((p) => p.partition === selector.value.partition)) {
    throw badRequest('offsets.partition', `${info.topic} has no partition ${selector.value.partition}`);
  }
  return ranges;
}

/** Whether a record is selected, and with what to render it; undefined when it is not (or withheld). */
function acceptor(
  codec: AvroCodec,
  access: InspectAccess,
  selector: Selector,
): (record: ConsumedRecord) => Match | undefined {
  const times = selector?.$case === 'times' ? selector.value : undefined;
  const fromTime = times?.startTime?.getTime() ?? -Infinity;
  const untilTime = times?.endTime?.getTime() ?? Infinity;
  return (record) => {
    if (selector?.$case === 'key' && record.key !== selector.value) return undefined;
    if (times && (record.timestamp < fromTime || record.timestamp >= untilTime)) return undefined;
    const decoded = decode(codec, access.topic, record);
    if (selector?.$case === 'eventId' && eventIdOf(decoded.value) !== selector.value) return undefined;
    if (access.access === 'raw' || decoded.value === undefined) return { record, decoded };
    return viewMatch(access, record, { ...decoded, value: decoded.value });
  };
}

/** The record as the view's partner would receive it; undefined when the agreement withholds it. */
function viewMatch(
  access: ViewAccess,
  record: ConsumedRecord,
  decoded: Decoded & { readonly value: Record<string, unknown> },
): Match | undefined {
  let decision: Decision;
  try {
    decision = access.feed.policy.apply(decoded.value, access.partner);
  } catch (error) {
    return {
      record,
      decoded,
      viewError: `policy error: ${error instanceof Error ? error.message : String(error)}`,
    };
  }
  // Records the view withholds are omitted, as the partner would never receive them.
  return decision.admitted ? { record, decoded, decision } : undefined;
}

/** A token continuing after `chosen`: per partition, the first match not returned or the next unread offset. */
function pageTokenAfter(scanned: ScanResult<Match>, chosen: readonly Match[], fingerprint: string): string {
  const next: Record<string, number> = {};
  const returned = new Set(chosen);
  let more = false;
  for (const [partition, state] of scanned.partitions) {
    const firstLeft = state.matches.find((m) => !returned.has(m));
    const position = firstLeft ? Number(firstLeft.record.offset) : state.next;
    next[String(partition)] = position;
    if (position < state.to) more = true;
  }
  return more ? writePageToken(fingerprint, next) : '';
}

/** A view shown to an operator is a disclosure, audited like one delivered to a subscriber. */
async function auditViews(
  deps: Pick<OperatorContext, 'audit' | 'viewSchemaId'>,
  viewer: { readonly principal: Principal; readonly access: ViewAccess },
  chosen: readonly Match[],
  shown: readonly BrowsedRecord[],
): Promise<void> {
  if (!deps.audit) return;
  const { principal, access } = viewer;
  const viewSchemaId = deps.viewSchemaId(access.feed.policy);
  await deps.audit(
    chosen.flatMap((match, i): DeliveredRecord[] =>
      match.decision && match.decoded.value
        ? [
            deliveredRecord(
              {
                principal,
                subscriptionId: OPERATOR_BROWSE_SUBSCRIPTION,
                // An operator's preview declares no purpose of its own.
                declaredPurposes: [],
                feed: access.feed,
                record: match.record,
                viewSchemaId,
              },
              match.decoded.value,
              match.decision,
              shown[i]?.payload ?? new Uint8Array(),
            ),
          ]
        : [],
    ),
  );
}
