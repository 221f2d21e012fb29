// `puente tail <topic>`: decoded records by offset, time, key or eventId, as kcat -C reads them,
// and with --follow new ones as they arrive (polling the end offsets at a bounded interval until
// Ctrl-C). `--as MX` shows the partner's policy view; records it withholds are not shown.
import { setTimeout as sleep } from 'node:timers/promises';

import type { Command } from 'commander';
import {
  type BrowsedRecord,
  type BrowseRecordsRequest,
  type BrowseRecordsResponse,
  type DescribeTopicResponse,
  PayloadFormat,
} from '@puente/proto';

import type { CommandRegistry } from '../command-registry.js';
import type { CommandContext } from '../command-context.js';
import { usageError } from '../exit-codes.js';
import { parseCount, parseFrom, text, type From } from './arguments.js';
import { resolveViewAgreement } from './view-agreement.js';

/** The gateway's cap on records per BrowseRecords call. */
const PAGE = 500;
/** Records shown without --from, --key, --event-id or --limit: the newest, as the gateway's default. */
const NEWEST = 20;
const DEFAULT_INTERVAL_MS = 1000;

interface TailOptions {
  readonly from: From | undefined;
  readonly partition: number | undefined;
  readonly key: string | undefined;
  readonly eventId: string | undefined;
  readonly follow: boolean;
  readonly limit: number | undefined;
  readonly intervalMs: number;
  readonly viewAgreementId: string;
}

export function registerTailCommand(program: Command, registry: CommandRegistry): void {
  registry.leaf(
    program,
    'tail',
    'print decoded records of a topic (--as MX: as that partner receives them)',
    async (context, [topic], options) => {
      const { t } = context.messages;
      const fromText = text(options, 'from');
      const from = fromText === undefined ? undefined : parseFrom(fromText, t);
      const key = text(options, 'key');
      const eventId = text(options, 'eventId');
      if ([from, key, eventId].filter((x) => x !== undefined).length > 1) throw usageError(t('error.tail.selectors'));
      const interval = parseCount(text(options, 'interval'), '--interval', t) ?? DEFAULT_INTERVAL_MS;
      const tail: Omit<TailOptions, 'viewAgreementId'> = {
        from,
        partition: parseCount(text(options, 'partition'), '--partition', t),
        key,
        eventId,
        follow: options['follow'] === true,
        limit: parseCount(text(options, 'limit'), '--limit', t),
        // Bounded both ways: no busy loop against the gateway, no minute-long waits.
        intervalMs: Math.min(10_000, Math.max(100, interval)),
      };
      if (tail.follow) context.io.endsOnInterrupt?.();
      const viewAgreementId = await resolveViewAgreement(context, String(topic), {
        agreement: text(options, 'agreement'),
        as: text(options, 'as'),
      });
      await tailTopic(context, String(topic), { ...tail, viewAgreementId });
    },
    (c) =>
      c
        .argument('<topic>', 'topic name')
        .option('--from <where>', 'earliest, latest, an ISO-8601 time, or an offset (with --partition)')
        .option('--partition <n>', 'only this partition (with --from earliest|latest|<offset>)')
        .option('--key <key>', 'only records with this key (the entity id)')
        .option('--event-id <id>', 'only the record(s) with this meta.eventId')
        .option('-f, --follow', 'keep printing new records until Ctrl-C')
        .option('--limit <n>', `stop after this many records (without a selector: the newest ${NEWEST})`)
        .option('--interval <ms>', 'how often --follow asks for new records (100–10000)', String(DEFAULT_INTERVAL_MS))
        .option('--as <country>', "see the records as this partner country receives them (the agreement's view)")
        .option('--agreement <id>', 'see the records as the partner of this agreement receives them'),
  );
}

async function tailTopic(context: CommandContext, topic: string, options: TailOptions): Promise<void> {
  const { operator } = context.clients();
  const describe = () =>
    context.call<DescribeTopicResponse>((md, opts, cb) =>
      operator.describeTopic({ topic, viewAgreementId: options.viewAgreementId }, md, opts, cb),
    );
  const browse = (request: Partial<BrowseRecordsRequest>) =>
    context.call<BrowseRecordsResponse>((md, opts, cb) =>
      operator.browseRecords(
        {
          topic,
          limit: PAGE,
          payloadFormat: PayloadFormat.AVRO_JSON,
          viewAgreementId: options.viewAgreementId,
          pageToken: '',
          selector: undefined,
          ...request,
        },
        md,
        opts,
        cb,
      ),
    );
  let printed = 0;
  const remaining = () => (options.limit === undefined ? Infinity : options.limit - printed);
  const next = new Map<number, bigint>();
  const print = (record: BrowsedRecord) => {
    if (remaining() <= 0) return;
    if (options.key !== undefined && record.key !== options.key) return;
    if (options.eventId !== undefined && record.eventId !== options.eventId) return;
    printRecord(context, record);
    printed += 1;
    const after = BigInt(record.offset) + 1n;
    if ((next.get(record.partition) ?? -1n) < after) next.set(record.partition, after);
  };
  /** Pages through one selection until it is exhausted or the limit is reached. */
  const drain = async (request: Partial<BrowseRecordsRequest>) => {
    let pageToken = '';
    do {
      const limit = Math.min(PAGE, remaining());
      if (limit <= 0) return;
      const page = await browse({ ...request, limit, pageToken });
      page.records.forEach(print);
      pageToken = page.nextPageToken;
    } while (pageToken !== '' && !context.io.signal?.aborted);
  };

  // The ends before the first read: --follow continues from there (or from what was printed).
  const described = await describe();
  const partitions = described.partitions.map((p) => p.partition);
  if (options.partition !== undefined && !partitions.includes(options.partition)) {
    throw usageError(
      context.messages.t('error.tail.partition', {
        partition: options.partition,
        topic,
        last: Math.max(-1, ...partitions),
      }),
    );
  }
  const chosen = options.partition === undefined ? partitions : [options.partition];
  const ends = new Map(described.partitions.map((p) => [p.partition, BigInt(p.endOffset)]));
  const { from } = options;
  if (options.key !== undefined) await drain({ selector: { $case: 'key', value: options.key } });
  else if (options.eventId !== undefined) await drain({ selector: { $case: 'eventId', value: options.eventId } });
  else if (from?.kind === 'time')
    await drain({ selector: { $case: 'times', value: { startTime: from.time, endTime: undefined } } });
  else if (from === undefined) {
    if (!options.follow) {
      // The newest records (one call: the newest have no next page).
      const page = await browse({ limit: Math.min(PAGE, options.limit ?? NEWEST) });
      page.records.forEach(print);
    }
  } else if (from.kind !== 'latest') {
    for (const partition of chosen) {
      const startOffset = from.kind === 'offset' ? from.offset : undefined;
      await drain({ selector: { $case: 'offsets', value: { partition, startOffset, endOffset: undefined } } });
    }
  }
  if (!options.follow) {
    if (printed === 0 && !context.json) context.err(context.messages.t('tail.none'));
    return;
  }
  for (const partition of chosen) {
    const end = ends.get(partition) ?? 0n;
    if ((next.get(partition) ?? -1n) < end) next.set(partition, end);
  }
  const signal = context.io.signal;
  while (remaining() > 0 && !signal?.aborted) {
    try {
      await sleep(options.intervalMs, undefined, signal ? { signal } : {});
    } catch {
      return; // aborted: Ctrl-C ends a follow normally
    }
    const now = await describe();
    for (const p of now.partitions) {
      if (!chosen.includes(p.partition)) continue;
      const start = next.get(p.partition) ?? 0n;
      const end = BigInt(p.endOffset);
      if (end <= start) continue;
      await drain({
        selector: {
          $case: 'offsets',
          value: { partition: p.partition, startOffset: start.toString(), endOffset: end.toString() },
        },
      });
      // Records the view withholds are not returned: move past them too.
      if ((next.get(p.partition) ?? -1n) < end) next.set(p.partition, end);
    }
  }
}

function printRecord(context: CommandContext, record: BrowsedRecord): void {
  let value: unknown = null;
  if (record.decodeError === '' && record.payload.length > 0) {
    try {
      value = JSON.parse(record.payload.toString('utf8'));
    } catch {
      value = record.payload.toString('utf8');
    }
  }
  const timestamp = record.timestamp?.toISOString() ?? null;
  if (context.json) {
    context.printJson(
      {
        topic: record.topic,
        partition: record.partition,
        offset: record.offset,
        key: record.key,
        timestamp,
        eventId: record.eventId,
        schemaId: record.schemaId,
        value,
        ...(record.decodeError ? { decodeError: record.decodeError } : {}),
      },
      true,
    );
    return;
  }
  const { style, messages } = context;
  context.out(
    style.dim(
      `${record.topic}[${record.partition}]@${record.offset}  key=${record.key || '-'}  ${messages.date(record.timestamp)}  eventId=${record.eventId || '-'}`,
    ),
  );
  context.out(
    record.decodeError
      ? style.red(messages.t('tail.decodeError', { error: record.decodeError }))
      : JSON.stringify(value, null, 2),
  );
}
