// `puente publish <topic> --file events.jsonl`: every line published through the gateway's
// PublishStream, a progress bar on a terminal, then a summary of outcomes by reason. A line that
// fails (malformed, or rejected by the gateway) is reported with its number; the rest go on.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { Command } from 'commander';
import {
  PayloadFormat,
  type PublishRequest,
  type PublishStreamRequest,
  type PublishStreamResponse,
} from '@puente/proto';

import type { CommandRegistry } from '../command-registry.js';
import type { CommandContext } from '../command-context.js';
import { errorText } from '../config/connection.js';
import { CliError, ExitCode, usageError } from '../exit-codes.js';
import { callMetadata } from '../gateway/clients.js';
import { rejectionOf } from '../gateway/errors.js';
import { createProgress } from '../format/progress.js';
import { renderTable } from '../format/table.js';
import { prepareLine, type PreparedLine } from '../publish-input.js';
import { parseCount, text } from './arguments.js';

/** Events per PublishStream request, and requests in flight (the gateway reads 16 ahead). */
const BATCH = 50;
const WINDOW = 8;

type Outcome = 'accepted' | 'duplicate' | 'rejected' | 'malformed';

interface Failure {
  readonly line: number;
  readonly reason: string;
  readonly message: string;
}

export function registerPublishCommand(program: Command, registry: CommandRegistry): void {
  registry.leaf(
    program,
    'publish',
    'publish the events of a JSON Lines file (Avro JSON, or the friendly JSON of schemas/examples)',
    async (context, [topic], options) =>
      publishFile(context, String(topic), text(options, 'file') ?? '', {
        batch: parseCount(text(options, 'batch'), '--batch', context.messages.t) ?? BATCH,
      }),
    (c) =>
      c
        .argument('<topic>', 'topic to publish to (of your country)')
        .requiredOption('--file <file>', 'JSON Lines file: one event per line')
        .option('--batch <n>', `events per request (default ${BATCH})`),
  );
}

async function publishFile(
  context: CommandContext,
  topic: string,
  file: string,
  { batch }: { batch: number },
): Promise<ExitCode> {
  const { t, number } = context.messages;
  const path = resolve(context.io.cwd, file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw usageError(t('error.file.read', { file, message: errorText(error) }));
  }
  // Loaded on use: the catalog takes about half a second to load.
  const { createCodec } = await import('@puente/contracts');
  const codec = createCodec();
  const prepared = text
    .split(/\r?\n/)
    .map((line, i) => prepareLine(line, i + 1, topic, codec, t))
    .filter((p): p is PreparedLine => p !== undefined);
  if (prepared.length === 0) throw usageError(t('publish.empty', { file }));

  const counts = new Map<string, number>();
  const count = (outcome: Outcome, reason: string) =>
    counts.set(`${outcome}\u0000${reason}`, (counts.get(`${outcome}\u0000${reason}`) ?? 0) + 1);
  const failures: Failure[] = [];
  const toSend: { line: number; event: PublishRequest }[] = [];
  for (const p of prepared) {
    if ('payload' in p) {
      toSend.push({
        line: p.line,
        event: { topic, key: '', payloadFormat: PayloadFormat.AVRO_JSON, payload: p.payload, schemaId: 0 },
      });
    } else {
      failures.push(p);
      count('malformed', p.reason);
    }
  }
  const progress = createProgress(context.io.stderr, prepared.length, context.io.stderrIsTTY && !context.json);
  let done = failures.length;
  progress.update(done);

  const { error: streamError, unanswered } = await sendAll(context, toSend, batch, (line, response) => {
    for (const [i, outcome] of response.outcomes.entries()) {
      const lineNo = line[i] ?? 0;
      if (outcome.outcome?.$case === 'accepted') {
        count(outcome.outcome.value.duplicate ? 'duplicate' : 'accepted', '');
      } else if (outcome.outcome?.$case === 'rejected') {
        const { reason, message } = rejectionOf(outcome.outcome.value);
        failures.push({ line: lineNo, reason, message });
        count('rejected', reason);
      }
    }
    done += response.outcomes.length;
    progress.update(done);
  });
  // The stream ended early: events not answered may or may not have been written (the gateway
  // deduplicates a republish with the same meta.eventId).
  if (streamError) {
    const reason = streamError instanceof CliError ? streamError.reason : 'UNAVAILABLE';
    for (const line of unanswered) {
      failures.push({ line, reason, message: t('publish.unanswered', { message: streamError.message }) });
      count('rejected', reason);
    }
  }
  progress.finish();

  failures.sort((a, b) => a.line - b.line);
  const accepted = counts.get('accepted\u0000') ?? 0;
  const duplicates = counts.get('duplicate\u0000') ?? 0;
  const rows = [...counts.entries()]
    .map(([k, n]) => {
      const [outcome = '', reason = ''] = k.split('\u0000');
      return { outcome, reason, count: n };
    })
    .sort((a, b) => a.outcome.localeCompare(b.outcome) || a.reason.localeCompare(b.reason));
  if (context.json) {
    context.printJson({
      topic,
      lines: prepared.length,
      accepted,
      duplicates,
      failed: failures.length,
      outcomes: rows,
      failures,
    });
  } else {
    for (const f of failures) context.err(context.style.red(t('publish.line', { ...f })));
    context.out(
      renderTable(
        [t('col.outcome'), t('col.reason'), t('col.count')],
        rows.map((r) => [t(`publish.outcome.${r.outcome as Outcome}`), r.reason || '-', number(r.count)]),
        { right: [2], style: context.style },
      ),
    );
    context.out(
      t('publish.summary', {
        total: number(prepared.length),
        accepted: number(accepted),
        duplicates: number(duplicates),
        failed: number(failures.length),
      }),
    );
  }
  if (streamError) throw streamError;
  return failures.length > 0 ? ExitCode.NEGATIVE : ExitCode.OK;
}

/**
 * Writes the events in batches on one PublishStream, at most WINDOW requests unanswered, and
 * hands each answer to `onAnswer` with the line numbers of its events. Resolves when every
 * request is answered, or with the error that ended the stream (a CliError) and the lines of the
 * events it left unanswered.
 */
async function sendAll(
  context: CommandContext,
  events: readonly { line: number; event: PublishRequest }[],
  batch: number,
  onAnswer: (lines: readonly number[], response: PublishStreamResponse) => void,
): Promise<{ error: Error | undefined; unanswered: readonly number[] }> {
  if (events.length === 0) return { error: undefined, unanswered: [] };
  const size = Math.max(1, batch);
  const { share } = context.clients();
  const call = share.publishStream(callMetadata(context.connection()));
  const pending: (readonly number[])[] = [];
  let failed: Error | undefined;
  let ended = false;
  let wake: () => void = () => undefined;
  const changed = () => new Promise<void>((resolve) => (wake = resolve));
  call.on('data', (response: PublishStreamResponse) => {
    onAnswer(pending.shift() ?? [], response);
    wake();
  });
  call.on('error', (error) => {
    failed = context.gatewayError(error);
    wake();
  });
  call.on('end', () => {
    ended = true;
    wake();
  });
  let sent = 0;
  for (let start = 0, sequence = 1; start < events.length && !failed; start += size, sequence += 1) {
    while (pending.length >= WINDOW && !failed) await changed();
    if (failed) break;
    const slice = events.slice(start, start + size);
    pending.push(slice.map((e) => e.line));
    const request: PublishStreamRequest = { sequence: String(sequence), events: slice.map((e) => e.event) };
    call.write(request);
    sent = start + slice.length;
  }
  call.end();
  while (!failed && !ended) await changed();
  return { error: failed, unanswered: [...pending.flat(), ...events.slice(sent).map((e) => e.line)] };
}
