// `--as MX` → the agreement whose view applies: the one agreement sharing the topic with that
// recipient country (ListAgreements). None is NOT_FOUND, with a reason of the CLI's own (the
// gateway's NO_AGREEMENT is its refusal of raw access, exit 4); several ask for `--agreement`.
import type { ListAgreementsResponse } from '@puente/proto';

import type { CommandContext } from '../command-context.js';
import { CliError, ExitCode, usageError } from '../exit-codes.js';
import { parseParty } from './arguments.js';

export async function resolveViewAgreement(
  context: CommandContext,
  topic: string,
  view: { readonly agreement: string | undefined; readonly as: string | undefined },
): Promise<string> {
  if (view.agreement !== undefined) return view.agreement;
  if (view.as === undefined) return '';
  const { t } = context.messages;
  const country = parseParty(view.as, '--as', t).country;
  const { operator } = context.clients();
  const response = await context.call<ListAgreementsResponse>((md, opts, cb) =>
    operator.listAgreements({ topic, recipientCountry: country }, md, opts, cb),
  );
  const ids = response.agreements.map((a) => a.agreementId);
  const [only, ...others] = ids;
  if (only === undefined)
    throw new CliError({
      exitCode: ExitCode.NOT_FOUND,
      reason: 'NO_AGREEMENT_FOR_COUNTRY',
      message: t('error.as.none', { topic, country }),
    });
  if (others.length > 0) throw usageError(t('error.as.many', { topic, country, ids: ids.join(', ') }));
  return only;
}
