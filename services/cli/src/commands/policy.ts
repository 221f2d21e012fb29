// `puente policy lint <files…>` (local: every problem with file, line and path) and `puente
// policy explain --agreement A --event FILE` (the gateway's ExplainPolicy on an inline event:
// the decision, the gate, every rule evaluated and every field's action).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import type { Command } from 'commander';
import type { AvroCodec } from '@puente/contracts';
import {
  type ExplainPolicyRequest,
  type ExplainPolicyResponse,
  PayloadFormat,
  PolicyDecision,
  type PolicyExplanation,
  WithholdingGate,
} from '@puente/proto';

import type { CommandRegistry } from '../command-registry.js';
import { text } from './arguments.js';
import type { CommandContext } from '../command-context.js';
import { errorText } from '../config/connection.js';
import { CliError, ExitCode, usageError } from '../exit-codes.js';
import { actionName, decisionName, gateName } from '../format/enums.js';
import { renderTable } from '../format/table.js';

export function registerPolicyCommands(program: Command, registry: CommandRegistry): void {
  const policy = program.command('policy').description('sharing agreements');
  registry.leaf(
    policy,
    'lint',
    'check agreement files against the schema catalog (no gateway needed)',
    async (context, [paths], options) => lint(context, paths as string[], text(options, 'keys')),
    (c) =>
      c
        .argument('<files...>', 'agreement files, or folders of them')
        .option('--keys <file>', 'NAME=base64 lines of HMAC key variables, to check the keys too'),
  );
  registry.leaf(
    policy,
    'explain',
    'what an agreement would do with an event: decision, gate, rules and every field',
    async (context, _args, options) =>
      explain(context, {
        agreement: text(options, 'agreement') ?? '',
        eventFile: text(options, 'event'),
        eventId: text(options, 'eventId'),
        topic: text(options, 'topic'),
        purposes: (options['purposes'] as string[] | undefined) ?? [],
      }),
    (c) =>
      c
        .requiredOption('--agreement <id>', 'agreement id (e.g. us-to-mx)')
        .option('--event <file>', 'the event: Avro JSON, friendly JSON, or a schemas/examples file')
        .option('--event-id <id>', 'a stored event of --topic, by its meta.eventId, instead of --event')
        .option('--topic <topic>', 'topic of the event (read from an example file when it names one)')
        .option('--purposes <purpose...>', 'purposes the partner would declare (e.g. CUSTOMS)'),
  );
}

async function lint(context: CommandContext, paths: string[], keysFile: string | undefined): Promise<ExitCode> {
  const { t } = context.messages;
  // Loaded on use: the catalog and the policy engine take most of a second to load.
  const { lintAgreements } = await import('../policy-lint.js');
  const result = lintAgreements(paths, {
    cwd: context.io.cwd,
    env: context.io.env,
    keysFile,
    messages: context.messages,
  });
  const relative = (file: string) =>
    file.startsWith(`${context.io.cwd}/`) ? file.slice(context.io.cwd.length + 1) : file;
  if (context.json) {
    context.printJson({
      ok: result.problems.length === 0,
      files: result.files.map(relative),
      problems: result.problems.map((p) => ({ ...p, file: relative(p.file) })),
      unsetKeys: result.unsetKeys,
    });
  } else {
    for (const env of result.unsetKeys) context.err(context.style.yellow(t('lint.keyNotSet', { env })));
    if (result.problems.length === 0) context.out(context.style.green(t('lint.ok', { count: result.files.length })));
    else {
      context.out(
        renderTable(
          [t('col.file'), t('col.path'), t('col.problem')],
          result.problems.map((p) => [
            relative(p.line === undefined ? p.file : `${p.file}:${p.line}`),
            p.at ?? '-',
            context.style.red(p.message),
          ]),
          { style: context.style },
        ),
      );
      context.err(t('lint.problems', { count: result.problems.length }));
    }
  }
  return result.problems.length === 0 ? ExitCode.OK : ExitCode.NEGATIVE;
}

interface ExplainOptions {
  readonly agreement: string;
  readonly eventFile: string | undefined;
  readonly eventId: string | undefined;
  readonly topic: string | undefined;
  readonly purposes: readonly string[];
}

/** The event of `--event FILE` as Avro JSON of its topic (friendly JSON converted locally). */
function readEvent(
  context: CommandContext,
  codec: AvroCodec,
  file: string,
  topicOption: string | undefined,
): { topic: string; payload: Buffer } {
  const { t } = context.messages;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(resolve(context.io.cwd, file), 'utf8'));
  } catch (error) {
    if (error instanceof SyntaxError) throw usageError(t('error.event.json', { file, message: error.message }));
    throw usageError(t('error.file.read', { file, message: errorText(error) }));
  }
  const example = json !== null && typeof json === 'object' && 'topic' in json && 'value' in json ? json : undefined;
  const topic = topicOption ?? (typeof example?.topic === 'string' ? example.topic : undefined);
  if (topic === undefined) throw usageError(t('error.explain.topic'));
  if (!codec.topics().includes(topic)) return { topic, payload: Buffer.from(JSON.stringify(example?.value ?? json)) };
  const value = example ? example.value : json;
  try {
    codec.fromAvroJson(topic, value);
    return { topic, payload: Buffer.from(JSON.stringify(value)) };
  } catch (avroError) {
    try {
      return {
        topic,
        payload: Buffer.from(JSON.stringify(codec.toAvroJson(topic, codec.fromFriendlyJson(topic, value)))),
      };
    } catch {
      throw usageError(t('error.event.invalid', { file, topic, message: errorText(avroError) }));
    }
  }
}

async function explain(context: CommandContext, options: ExplainOptions): Promise<ExitCode> {
  const { t } = context.messages;
  let event: ExplainPolicyRequest['event'];
  let topic: string;
  if (options.eventFile !== undefined) {
    const { createCodec } = await import('@puente/contracts');
    const read = readEvent(context, createCodec(), options.eventFile, options.topic);
    topic = read.topic;
    event = { $case: 'inline', value: { payloadFormat: PayloadFormat.AVRO_JSON, payload: read.payload, schemaId: 0 } };
  } else if (options.eventId !== undefined && options.topic !== undefined) {
    topic = options.topic;
    event = { $case: 'eventId', value: options.eventId };
  } else {
    throw usageError(t(options.eventId === undefined ? 'error.explain.event' : 'error.explain.topic'));
  }
  const { operator } = context.clients();
  const response = await context.call<ExplainPolicyResponse>((md, opts, cb) =>
    operator.explainPolicy(
      {
        topic,
        event,
        target: { $case: 'agreementId', value: options.agreement },
        viewFormat: PayloadFormat.AVRO_JSON,
        purposes: [...options.purposes],
      },
      md,
      opts,
      cb,
    ),
  );
  if (context.json) {
    context.printJson({ topic, explanations: response.explanations.map(explanationJson) });
    return ExitCode.OK;
  }
  if (response.explanations.length === 0) {
    // Not the gateway's NO_AGREEMENT (a refusal, exit 4): nothing to explain here.
    throw new CliError({
      exitCode: ExitCode.NOT_FOUND,
      reason: 'NO_AGREEMENT_FOR_TOPIC',
      message: t('explain.none', { topic }),
    });
  }
  for (const e of response.explanations) printExplanation(context, e);
  return ExitCode.OK;
}

function explanationJson(e: PolicyExplanation): Record<string, unknown> {
  let view: unknown = null;
  if (e.viewPayload.length > 0) {
    try {
      view = JSON.parse(e.viewPayload.toString('utf8'));
    } catch {
      view = e.viewPayload.toString('utf8');
    }
  }
  return {
    agreementId: e.agreementId,
    agreementVersion: e.agreementVersion,
    recipients: e.recipients,
    decision: decisionName(e.decision),
    gate: gateName(e.gate),
    decidingRule: e.decidingRule,
    summary: e.summary,
    rules: e.rules,
    fields: e.fields.map((f) => ({ ...f, action: actionName(f.action) })),
    viewSchemaId: e.viewSchemaId,
    view,
  };
}

function printExplanation(context: CommandContext, e: PolicyExplanation): void {
  const { t } = context.messages;
  const { style } = context;
  const released = e.decision === PolicyDecision.RELEASE;
  context.out(style.bold(t('explain.agreement', { agreement: e.agreementId, version: e.agreementVersion })));
  const decision = decisionName(e.decision);
  context.out(`  ${t('explain.decision')}: ${released ? style.green(decision) : style.red(decision)}`);
  if (e.gate !== WithholdingGate.UNSPECIFIED) context.out(`  ${t('explain.gate')}: ${gateName(e.gate)}`);
  if (e.decidingRule) context.out(`  ${t('explain.rule')}: ${e.decidingRule}`);
  context.out(`  ${t('explain.summary')}: ${e.summary}`);
  if (e.rules.length > 0) {
    context.out(style.bold(t('explain.rules')));
    context.out(
      renderTable(
        [t('col.rule'), t('col.matched'), t('col.condition'), t('col.error')],
        e.rules.map((r) => [r.rule, t(r.matched ? 'yes' : 'no'), r.condition || '-', r.error || '-']),
      ),
    );
  }
  if (e.fields.length > 0) {
    context.out(style.bold(t('explain.fields')));
    context.out(
      renderTable(
        [t('col.field'), t('col.action'), t('col.transform'), t('col.rule'), t('col.note')],
        e.fields.map((f) => [
          f.path,
          actionName(f.action),
          f.transform || f.normalization || '-',
          f.rule || '-',
          [f.byDefault ? t('explain.byDefault') : '', f.domesticOnly ? t('explain.domesticOnly') : '']
            .filter((x) => x !== '')
            .join(', ') || '-',
        ]),
      ),
    );
  }
}
