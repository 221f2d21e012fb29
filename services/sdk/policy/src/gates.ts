// The record gates every event passes before any rule of an agreement is evaluated (validity,
// recipient, releasability, classification ceiling, agreed and declared purpose), with the reason
// a closed gate gives.
import type { AgreementDocument } from './agreement-document.js';
import { CLASSIFICATIONS, type Classification, type Gate, type Partner } from './condition.js';

/** Why a record is withheld: the gate that closed (null: no rule admitted it), in words. */
export interface Withheld {
  readonly gate: Gate | null;
  readonly reason: string;
}

const ORDINAL: ReadonlyMap<unknown, number> = new Map(CLASSIFICATIONS.map((name, ordinal) => [name, ordinal]));

const listed = (values: readonly unknown[]) => (values.length === 0 ? 'none' : values.join(', '));

/**
 * The gates every record passes, in GATES order, before any rule is evaluated: one function
 * for apply, applyBytes and explain, so no path can skip one and no rule can open one. It reads
 * only `meta` and the partner; null when every gate is open.
 */
export function gates(
  document: AgreementDocument,
  topic: string,
  topicCeiling: Classification | null,
): (event: Record<string, unknown>, partner: Partner, now: number) => Withheld | null {
  const named = `agreement ${document.id} v${document.version}`;
  const validFrom = document.validFrom?.getTime() ?? -Infinity;
  const validUntil = document.validUntil?.getTime() ?? Infinity;
  const agreed = new Set<unknown>(document.purposes);
  // A topic's ceiling can only lower the agreement's (checked at load); the reason names which one held.
  const effectiveCeiling = topicCeiling ?? document.classificationCeiling;
  const ceiling = CLASSIFICATIONS.indexOf(effectiveCeiling);
  const ceilingNamed = topicCeiling === null ? named : `topic ${topic} in ${named}`;
  const recipient = document.to.country;
  const agencies = document.to.agencies;
  return (event, partner, now) => {
    if (now < validFrom || now >= validUntil) {
      const window = `${document.validFrom?.toISOString() ?? '…'} to ${document.validUntil?.toISOString() ?? '…'}`;
      return { gate: 'validity', reason: `${named} is not in force (it is valid from ${window})` };
    }
    if (partner.country !== recipient) {
      return { gate: 'recipient', reason: `${named} shares with ${recipient}, not ${partner.country}` };
    }
    if (agencies !== null && !agencies.includes(partner.agency)) {
      return { gate: 'recipient', reason: `${named} does not name agency ${partner.agency}` };
    }
    const meta = event['meta'] as { releasableTo?: unknown; classification?: unknown; purposes?: unknown } | undefined;
    const releasableTo = Array.isArray(meta?.releasableTo) ? (meta.releasableTo as unknown[]) : [];
    if (!releasableTo.includes(partner.country)) {
      return {
        gate: 'releasability',
        reason: `withheld by releasability: the record is releasable to ${listed(releasableTo)}, not to ${partner.country} (${named})`,
      };
    }
    // An unknown classification is above every ceiling: default deny.
    const ordinal = ORDINAL.get(meta?.classification) ?? Infinity;
    if (ordinal > ceiling) {
      return {
        gate: 'ceiling',
        reason: `withheld by the classification ceiling of ${ceilingNamed}: ${String(meta?.classification)} is above ${effectiveCeiling}`,
      };
    }
    const purposes = Array.isArray(meta?.purposes) ? (meta.purposes as unknown[]) : [];
    let agreedPurpose = false;
    for (const purpose of purposes) if (agreed.has(purpose)) agreedPurpose = true;
    if (!agreedPurpose) {
      return {
        gate: 'purpose',
        reason: `withheld by purpose: none of the record's purposes (${listed(purposes)}) is one of ${named}'s (${document.purposes.join(', ')})`,
      };
    }
    const declared = partner.purposes;
    if (
      declared !== undefined &&
      !purposes.some((purpose) => agreed.has(purpose) && declared.includes(purpose as string))
    ) {
      return {
        gate: 'declared-purpose',
        reason: `withheld by declared purpose: none of the record's purposes under ${named} (${listed(purposes.filter((p) => agreed.has(p)))}) was declared by the subscriber (${listed(declared)})`,
      };
    }
    return null;
  };
}
