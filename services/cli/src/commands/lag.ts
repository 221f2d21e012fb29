// `puente lag`: every subscription and consumer group the caller may see, with its lag per
// partition (how far its committed position is behind the end).
import { setTimeout as sleep } from 'node:timers/promises';

import type { Command } from 'commander';
import type { GetSubscriptionLagResponse, PartitionLag } from '@puente/proto';

import type { CommandRegistry } from '../command-registry.js';
import type { CommandContext } from '../command-context.js';
import { renderTable } from '../format/table.js';
import { parseCount, parseParty, text } from './arguments.js';

export function registerLagCommand(program: Command, registry: CommandRegistry): void {
  registry.leaf(
    program,
    'lag',
    'lag per partition of every subscription and consumer group',
    async (context, _args, options) => {
      const { t } = context.messages;
      const subscriber = text(options, 'subscriber');
      const watch = parseCount(text(options, 'watch'), '--watch', t);
      const request = {
        subscriber: subscriber === undefined ? undefined : parseParty(subscriber, '--subscriber', t),
        subscription: text(options, 'subscription') ?? '',
        topic: text(options, 'topic') ?? '',
        consumerGroup: text(options, 'group') ?? '',
      };
      if (watch !== undefined) context.io.endsOnInterrupt?.();
      await showLag(context, request, watch !== undefined);
      if (watch === undefined) return;
      // kubectl -w style: again every N seconds (at least 1) until Ctrl-C.
      const signal = context.io.signal;
      while (!signal?.aborted) {
        try {
          await sleep(Math.max(1, watch) * 1000, undefined, signal ? { signal } : {});
        } catch {
          return; // aborted
        }
        await showLag(context, request, true);
      }
    },
    (c) =>
      c
        .option('--subscriber <CC[/AGENCY]>', 'only subscriptions of this subscriber')
        .option('--subscription <name>', 'only this subscription')
        .option('--topic <topic>', 'only subscriptions and groups reading this topic')
        .option('--group <id>', 'only this Kafka consumer group')
        .option('-w, --watch <seconds>', 'show it again every N seconds until Ctrl-C (JSON: one line each time)'),
  );
}

async function showLag(
  context: CommandContext,
  request: {
    subscriber: { country: string; agency: string } | undefined;
    subscription: string;
    topic: string;
    consumerGroup: string;
  },
  watching: boolean,
): Promise<void> {
  const { operator } = context.clients();
  const response = await context.call<GetSubscriptionLagResponse>((md, opts, cb) =>
    operator.getSubscriptionLag(request, md, opts, cb),
  );
  if (watching && !context.json) context.out(context.style.dim(context.messages.date(new Date())));
  if (context.json) {
    context.printJson(
      {
        subscriptions: response.subscriptions.map((s) => ({
          subscriber: s.subscriber,
          subscription: s.subscription,
          connected: s.connected,
          feeds: s.feeds,
          totalLag: Number(s.totalLag),
          partitions: s.partitions.map(partitionJson),
        })),
        consumerGroups: response.consumerGroups.map((g) => ({
          groupId: g.groupId,
          state: g.state,
          members: g.members,
          totalLag: Number(g.totalLag),
          partitions: g.partitions.map(partitionJson),
        })),
      },
      watching,
    );
    return;
  }
  const { t, number } = context.messages;
  const offsets = (p: PartitionLag) => [
    p.topic,
    String(p.partition),
    p.committedOffset === undefined ? t('lag.notCommitted') : number(p.committedOffset),
    number(p.endOffset),
    number(p.lag),
  ];
  const lagCell = (lag: string) => (lag === '0' ? number(lag) : context.style.yellow(number(lag)));
  context.out(context.style.bold(t('lag.subscriptions')));
  if (response.subscriptions.length === 0) context.out(`  ${t('lag.none')}`);
  else
    context.out(
      renderTable(
        ['subscriber', 'subscription', 'connected', 'topic', 'partition', 'committed', 'end', 'lag'].map((c) =>
          t(`col.${c}` as never),
        ),
        response.subscriptions.flatMap((s) => {
          const who = `${s.subscriber?.country ?? ''}/${s.subscriber?.agency ?? ''}`;
          const rows = s.partitions.map((p) => {
            const cells = offsets(p);
            return [who, s.subscription, t(s.connected ? 'yes' : 'no'), ...cells.slice(0, 4), lagCell(p.lag)];
          });
          return rows.length > 0
            ? rows
            : [[who, s.subscription, t(s.connected ? 'yes' : 'no'), '-', '-', '-', '-', lagCell(s.totalLag)]];
        }),
        { right: [4, 5, 6, 7] },
      ),
    );
  context.out(context.style.bold(t('lag.groups')));
  if (response.consumerGroups.length === 0) context.out(`  ${t('lag.none')}`);
  else
    context.out(
      renderTable(
        ['group', 'state', 'members', 'topic', 'partition', 'committed', 'end', 'lag'].map((c) =>
          t(`col.${c}` as never),
        ),
        response.consumerGroups.flatMap((g) =>
          g.partitions.map((p) => {
            const cells = offsets(p);
            return [g.groupId, g.state, String(g.members), ...cells.slice(0, 4), lagCell(p.lag)];
          }),
        ),
        { right: [2, 4, 5, 6, 7] },
      ),
    );
}

function partitionJson(p: PartitionLag): Record<string, unknown> {
  return {
    topic: p.topic,
    partition: p.partition,
    committedOffset: p.committedOffset ?? null,
    endOffset: p.endOffset,
    lag: Number(p.lag),
  };
}
