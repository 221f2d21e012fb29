// A ledger entry as OperatorService answers it: one DisclosureReceipt per entry (one event
// disclosed to one recipient), shared by WhoReceived and ListDisclosures.
import type { DisclosureKind as LedgerDisclosureKind, LedgerEntry } from '@puente/ledger';
import { DisclosureKind, type DisclosureReceipt } from '@puente/proto';

const KINDS: Record<LedgerDisclosureKind, DisclosureKind> = {
  DELIVERY: DisclosureKind.DELIVERY,
  RETRACTION: DisclosureKind.RETRACTION,
};

export function receiptOf(entry: LedgerEntry): DisclosureReceipt {
  return {
    entry: String(entry.entry),
    disclosureId: entry.disclosureId,
    kind: KINDS[entry.kind] ?? DisclosureKind.UNSPECIFIED,
    eventId: entry.eventId,
    entityId: entry.entityId,
    topic: entry.sourceTopic,
    partition: entry.sourcePartition,
    offset: entry.sourceOffset,
    supersedes: entry.supersedes ?? '',
    digest: entry.digest ?? Buffer.alloc(0),
    recipientCountry: entry.recipient.country,
    recipientAgency: entry.recipient.agency,
    subscription: entry.recipient.subscription,
    principal: entry.recipient.principal,
    agreementId: entry.agreementId,
    agreementVersion: entry.agreementVersion,
    ruleId: entry.ruleId,
    declaredPurposes: [...entry.declaredPurposes],
    fieldsReleased: [...entry.fieldsReleased],
    fieldsTransformed: entry.fieldsTransformed.map((t) => ({
      path: t.path,
      action: t.action,
      method: t.method ?? '',
      normalization: t.normalization ?? '',
      keyIds: [...t.keyIds],
    })),
    fieldsRemoved: [...entry.fieldsRemoved],
    deliveredAt: entry.deliveredAt,
  };
}
