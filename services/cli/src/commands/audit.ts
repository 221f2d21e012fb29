// `puente audit verify | who-received <eventId> | list`: the disclosure ledger of the caller's
// country, one command away — its hash chain and checkpoints, who received an event, and every
// disclosure by agreement, recipient and time.
import type { Command } from 'commander';
import type {
  DisclosureReceipt,
  ListDisclosuresRequest,
  ListDisclosuresResponse,
  VerifyLedgerResponse,
  WhoReceivedResponse,
} from '@puente/proto';

import type { CommandRegistry } from '../command-registry.js';
import type { CommandContext } from '../command-context.js';
import { ExitCode } from '../exit-codes.js';
import { disclosureKindName } from '../format/enums.js';
import { renderTable } from '../format/table.js';
import { parseCount, parseParty, parseTime, text } from './arguments.js';

export function registerAuditCommands(program: Command, registry: CommandRegistry): void {
  const audit = program.command('audit').description("your country's disclosure ledger");
  registry.leaf(
    audit,
    'verify',
    'verify the hash chain and the signed checkpoints of the ledger',
    async (context, _args, options) => verify(context, text(options, 'fromCheckpoint') ?? ''),
    (c) => c.option('--from-checkpoint <id>', 'verify from this signed checkpoint instead of the first entry'),
  );
  registry.leaf(
    audit,
    'who-received',
    'every disclosure of one event: recipient, agreement version, fields, when',
    async (context, [eventId]) => whoReceived(context, String(eventId)),
    (c) => c.argument('<eventId>', 'the meta.eventId of an event of your country'),
  );
  registry.leaf(
    audit,
    'list',
    'disclosures by agreement, recipient and time, oldest first',
    async (context, _args, options) => {
      const { t } = context.messages;
      const recipient = text(options, 'recipient');
      const party = recipient === undefined ? undefined : parseParty(recipient, '--recipient', t);
      const since = parseTime(text(options, 'since'), '--since', t);
      const until = parseTime(text(options, 'until'), '--until', t);
      await list(
        context,
        {
          agreementId: text(options, 'agreement') ?? '',
          recipientCountry: party?.country ?? '',
          recipientAgency: party?.agency ?? '',
          times: since || until ? { startTime: since, endTime: until } : undefined,
          limit: parseCount(text(options, 'limit'), '--limit', t) ?? 0,
          pageToken: text(options, 'pageToken') ?? '',
        },
        options['all'] === true,
      );
    },
    (c) =>
      c
        .option('--agreement <id>', 'only disclosures under this agreement')
        .option('--recipient <CC[/AGENCY]>', 'only disclosures to this country (and agency)')
        .option('--since <time>', 'delivered at or after this ISO-8601 time')
        .option('--until <time>', 'delivered before this ISO-8601 time')
        .option('--limit <n>', 'disclosures per page (gateway default 100, at most 1000)')
        .option('--page-token <token>', 'continue a previous listing')
        .option('--all', 'every page, not only the first'),
  );
}

async function verify(context: CommandContext, fromCheckpointId: string): Promise<ExitCode> {
  const { operator } = context.clients();
  const r = await context.call<VerifyLedgerResponse>((md, opts, cb) =>
    operator.verifyLedger({ fromCheckpointId }, md, opts, cb),
  );
  const { t, number, date } = context.messages;
  const head = Buffer.from(r.headHash).toString('hex');
  if (context.json) {
    context.printJson({
      country: r.country,
      intact: r.intact,
      entryCount: Number(r.entryCount),
      entriesChecked: Number(r.entriesChecked),
      headHash: head,
      firstBadEntry: Number(r.firstBadEntry),
      problem: r.problem,
      checkpoints: r.checkpoints.map((c) => ({
        checkpointId: c.checkpointId,
        entryCount: Number(c.entryCount),
        signedAt: c.signedAt?.toISOString() ?? null,
        keyId: c.keyId,
        valid: c.valid,
        problem: c.problem,
      })),
    });
    return r.intact ? ExitCode.OK : ExitCode.NEGATIVE;
  }
  const { style } = context;
  if (r.intact)
    context.out(
      style.green(
        t('audit.intact', { country: r.country, checked: number(r.entriesChecked), count: number(r.entryCount) }),
      ),
    );
  else {
    context.out(style.red(t('audit.broken', { country: r.country, problem: r.problem })));
    if (r.firstBadEntry !== '0') context.out(t('audit.firstBad', { entry: number(r.firstBadEntry) }));
  }
  if (head !== '') context.out(`${t('audit.head')}: ${head}`);
  if (r.checkpoints.length > 0) {
    context.out(style.bold(t('audit.checkpoints')));
    context.out(
      renderTable(
        [t('col.checkpoint'), t('col.entries'), t('col.signedAt'), t('col.valid'), t('col.problem')],
        r.checkpoints.map((c) => [
          c.checkpointId,
          number(c.entryCount),
          date(c.signedAt),
          c.valid ? t('yes') : style.red(t('no')),
          c.problem || '-',
        ]),
        { right: [1] },
      ),
    );
  }
  return r.intact ? ExitCode.OK : ExitCode.NEGATIVE;
}

function receiptJson(r: DisclosureReceipt): Record<string, unknown> {
  return {
    entry: Number(r.entry),
    disclosureId: r.disclosureId,
    kind: disclosureKindName(r.kind),
    eventId: r.eventId,
    entityId: r.entityId,
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    supersedes: r.supersedes,
    digest: Buffer.from(r.digest).toString('hex'),
    recipientCountry: r.recipientCountry,
    recipientAgency: r.recipientAgency,
    subscription: r.subscription,
    principal: r.principal,
    agreementId: r.agreementId,
    agreementVersion: r.agreementVersion,
    ruleId: r.ruleId,
    declaredPurposes: r.declaredPurposes,
    fieldsReleased: r.fieldsReleased,
    fieldsTransformed: r.fieldsTransformed,
    fieldsRemoved: r.fieldsRemoved,
    deliveredAt: r.deliveredAt?.toISOString() ?? null,
  };
}

function receiptTable(context: CommandContext, receipts: readonly DisclosureReceipt[]): string {
  const { t, number, date } = context.messages;
  return renderTable(
    [
      t('col.entry'),
      t('col.kind'),
      t('col.eventId'),
      t('col.recipient'),
      t('col.agreement'),
      t('col.rule'),
      t('col.fields'),
      t('col.deliveredAt'),
    ],
    receipts.map((r) => [
      number(r.entry),
      disclosureKindName(r.kind),
      r.eventId,
      `${r.recipientCountry}/${r.recipientAgency}`,
      `${r.agreementId} v${r.agreementVersion}`,
      r.ruleId || '-',
      `${r.fieldsReleased.length}/${r.fieldsTransformed.length}/${r.fieldsRemoved.length}`,
      date(r.deliveredAt),
    ]),
    { right: [0], style: context.style },
  );
}

async function whoReceived(context: CommandContext, eventId: string): Promise<void> {
  const { operator } = context.clients();
  const r = await context.call<WhoReceivedResponse>((md, opts, cb) => operator.whoReceived({ eventId }, md, opts, cb));
  if (context.json) {
    context.printJson({ eventId, receipts: r.receipts.map(receiptJson) });
    return;
  }
  if (r.receipts.length === 0) context.out(context.messages.t('audit.nobody', { eventId }));
  else context.out(receiptTable(context, r.receipts));
}

async function list(context: CommandContext, request: ListDisclosuresRequest, all: boolean): Promise<void> {
  const { operator } = context.clients();
  let pageToken = request.pageToken;
  let shown = 0;
  for (;;) {
    const page = await context.call<ListDisclosuresResponse>((md, opts, cb) =>
      operator.listDisclosures({ ...request, pageToken }, md, opts, cb),
    );
    shown += page.receipts.length;
    // JSON Lines, one receipt a line, so `--all` over a long ledger streams.
    if (context.json) for (const r of page.receipts) context.printJson(receiptJson(r), true);
    else if (page.receipts.length > 0) context.out(receiptTable(context, page.receipts));
    pageToken = page.nextPageToken;
    if (pageToken === '') break;
    if (!all) {
      if (!context.json) context.err(context.messages.t('audit.more', { token: pageToken }));
      break;
    }
  }
  if (shown === 0 && !context.json) context.out(context.messages.t('audit.none'));
}
