// ListAgreements: the agreements loaded now that involve the caller's country, as owner or as
// recipient — who shares which topics with whom, for which purposes and when. Keys, conditions
// and field actions stay in the gateway (ExplainPolicy explains what they do to an event).
import type { CompiledAgreement } from '@puente/policy';
import type { AgreementSummary, ListAgreementsRequest, ListAgreementsResponse } from '@puente/proto';
import { isCountry } from '@puente/runtime';

import type { Principal } from '../auth/identity.js';
import { requireOperator } from './access.js';
import type { OperatorContext } from './context.js';
import { badRequest } from './request.js';

export type ListAgreementsDeps = Pick<OperatorContext, 'policies' | 'viewSchemaId'>;

export async function listAgreements(
  deps: ListAgreementsDeps,
  principal: Principal,
  request: ListAgreementsRequest,
): Promise<ListAgreementsResponse> {
  requireOperator(principal);
  const { topic, recipientCountry } = request;
  if (recipientCountry !== '' && !isCountry(recipientCountry)) {
    throw badRequest('recipient_country', `'${recipientCountry.slice(0, 16)}' is not a country (US or MX)`);
  }
  const now = Date.now();
  const agreements = deps
    .policies()
    .agreements.filter((a) => a.from === principal.country || a.to.country === principal.country)
    .filter((a) => recipientCountry === '' || a.to.country === recipientCountry)
    .filter((a) => topic === '' || a.topics.has(topic))
    .map((a) => summarize(deps, a, now))
    .sort((a, b) => a.agreementId.localeCompare(b.agreementId));
  return { agreements };
}

function summarize(deps: ListAgreementsDeps, agreement: CompiledAgreement, now: number): AgreementSummary {
  const { validFrom, validUntil } = agreement;
  return {
    agreementId: agreement.id,
    version: String(agreement.version),
    ownerCountry: agreement.from,
    recipientCountry: agreement.to.country,
    recipientAgencies: [...(agreement.to.agencies ?? [])],
    purposes: [...agreement.purposes],
    ...(validFrom ? { validFrom } : {}),
    ...(validUntil ? { validUntil } : {}),
    inForce: (validFrom === null || validFrom.getTime() <= now) && (validUntil === null || now < validUntil.getTime()),
    classificationCeiling: agreement.classificationCeiling,
    topics: [...agreement.topics.values()]
      .sort((a, b) => a.topic.localeCompare(b.topic))
      .map((policy) => ({
        topic: policy.topic,
        rules: [...policy.ruleNames],
        viewSubject: policy.viewSubject,
        viewSchemaId: deps.viewSchemaId(policy),
        classificationCeiling: policy.topicCeiling ?? '',
      })),
  };
}
