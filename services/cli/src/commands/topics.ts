// `puente topics` and `puente topic describe <topic>`: what the caller may inspect, and one
// topic's partitions, offsets, schema, retention and replication.
import type { Command } from 'commander';
import type { DescribeTopicResponse, ListTopicsResponse, TopicSummary } from '@puente/proto';

import type { CommandRegistry } from '../command-registry.js';
import { text } from './arguments.js';
import type { CommandContext } from '../command-context.js';
import { accessName, kindName } from '../format/enums.js';
import { renderTable } from '../format/table.js';
import { resolveViewAgreement } from './view-agreement.js';

export function registerTopicsCommands(program: Command, registry: CommandRegistry): void {
  registry.leaf(
    program,
    'topics',
    'list the topics you may inspect, with partitions, records and schema',
    async (context, _args, options) => listTopics(context, text(options, 'prefix') ?? ''),
    (c) => c.option('--prefix <prefix>', 'only topics whose name starts with this (e.g. mx. or dlq.)'),
  );
  const topic = program.command('topic').description('one topic');
  registry.leaf(
    topic,
    'describe',
    'partitions, offsets, schema subject and id, retention and replication of a topic',
    async (context, [name], options) =>
      describeTopic(context, String(name), {
        agreement: text(options, 'agreement'),
        as: text(options, 'as'),
      }),
    (c) =>
      c
        .argument('<topic>', 'topic name')
        .option('--as <country>', "see it as this partner country would (the agreement's view)")
        .option('--agreement <id>', 'see it as the partner of this agreement would'),
  );
}

async function listTopics(context: CommandContext, prefix: string): Promise<void> {
  const { operator } = context.clients();
  const response = await context.call<ListTopicsResponse>((md, opts, cb) =>
    operator.listTopics({ prefix }, md, opts, cb),
  );
  if (context.json) {
    context.printJson(response.topics.map(summaryJson));
    return;
  }
  const { t, number } = context.messages;
  if (response.topics.length === 0) {
    context.out(t('topics.none'));
    return;
  }
  context.out(
    renderTable(
      ['name', 'kind', 'origin', 'access', 'agreement', 'partitions', 'records', 'subject', 'schemaId'].map((c) =>
        t(`col.${c}` as never),
      ),
      response.topics.map((s) => [
        s.name,
        kindName(s.kind),
        s.originCountry || '-',
        accessName(s.access),
        s.viewAgreementId || '-',
        number(s.partitionCount),
        number(s.approximateRecordCount),
        s.valueSubject || '-',
        s.latestSchemaId === 0 ? '-' : String(s.latestSchemaId),
      ]),
      { right: [5, 6, 8], style: context.style },
    ),
  );
}

export function summaryJson(s: TopicSummary): Record<string, unknown> {
  return {
    name: s.name,
    kind: kindName(s.kind),
    originCountry: s.originCountry,
    domain: s.domain,
    access: accessName(s.access),
    viewAgreementId: s.viewAgreementId,
    partitionCount: s.partitionCount,
    approximateRecordCount: Number(s.approximateRecordCount),
    valueSubject: s.valueSubject,
    latestSchemaId: s.latestSchemaId,
  };
}

async function describeTopic(
  context: CommandContext,
  topic: string,
  view: { agreement: string | undefined; as: string | undefined },
): Promise<void> {
  const { operator } = context.clients();
  const viewAgreementId = await resolveViewAgreement(context, topic, view);
  const response = await context.call<DescribeTopicResponse>((md, opts, cb) =>
    operator.describeTopic({ topic, viewAgreementId }, md, opts, cb),
  );
  const replication = Math.max(0, ...response.partitions.map((p) => p.replicas.length));
  const retention = response.retention;
  const maxAgeMs = retention?.maxAge
    ? Number(retention.maxAge.seconds) * 1000 + Math.round(retention.maxAge.nanos / 1e6)
    : undefined;
  if (context.json) {
    context.printJson({
      topic: response.topic ? summaryJson(response.topic) : undefined,
      partitions: response.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leader,
        replicas: p.replicas,
        inSyncReplicas: p.inSyncReplicas,
        startOffset: p.startOffset,
        endOffset: p.endOffset,
      })),
      replicationFactor: replication,
      schema: response.schema
        ? { subject: response.schema.subject, schemaId: response.schema.schemaId, version: response.schema.version }
        : undefined,
      retention: {
        maxAgeMs: maxAgeMs ?? null,
        maxBytes: retention?.maxBytes ?? null,
        cleanupPolicy: retention?.cleanupPolicy ?? '',
      },
      config: response.config,
      deadLetterTopic: response.deadLetterTopic,
    });
    return;
  }
  const { t, number } = context.messages;
  const s = response.topic;
  const lines: [string, string][] = [
    [t('describe.topic'), s?.name ?? topic],
    [t('describe.kind'), s ? kindName(s.kind) : '-'],
    [t('describe.origin'), s?.originCountry || '-'],
    [t('describe.access'), s ? accessName(s.access) : '-'],
  ];
  if (s?.viewAgreementId) lines.push([t('describe.agreement'), s.viewAgreementId]);
  lines.push(
    [t('describe.records'), number(s?.approximateRecordCount ?? '0')],
    [
      t('describe.schema'),
      response.schema ? `${response.schema.subject} id ${response.schema.schemaId} v${response.schema.version}` : '-',
    ],
    [
      t('describe.retention'),
      [
        maxAgeMs === undefined ? t('describe.retention.unlimited') : formatDuration(maxAgeMs),
        retention?.maxBytes === undefined ? undefined : `${number(retention.maxBytes)} B`,
      ]
        .filter((x) => x !== undefined)
        .join(', '),
    ],
    [t('describe.cleanup'), retention?.cleanupPolicy || '-'],
    [t('describe.replication'), String(replication)],
  );
  if (response.deadLetterTopic) lines.push([t('describe.deadLetter'), response.deadLetterTopic]);
  const width = Math.max(...lines.map(([k]) => k.length));
  context.out(lines.map(([k, v]) => `${context.style.bold(k.padEnd(width))}  ${v}`).join('\n'));
  context.out('');
  context.out(
    renderTable(
      ['partition', 'leader', 'replicas', 'isr', 'start', 'end'].map((c) => t(`col.${c}` as never)),
      response.partitions.map((p) => [
        String(p.partition),
        String(p.leader),
        p.replicas.join(','),
        p.inSyncReplicas.join(','),
        number(p.startOffset),
        number(p.endOffset),
      ]),
      { right: [0, 1, 4, 5], style: context.style },
    ),
  );
  const config = Object.entries(response.config).sort(([a], [b]) => a.localeCompare(b));
  if (config.length > 0) {
    context.out(`${context.style.bold(t('describe.config'))}`);
    for (const [key, value] of config) context.out(`  ${key}=${value}`);
  }
}

function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ];
  for (const [unit, size] of units) if (ms % size === 0 && ms >= size) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
