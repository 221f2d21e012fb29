// Enum values of the gateway's messages as the names people and scripts read ("RAW", "VIEW").
import { FieldAction, PolicyDecision, TopicAccess, TopicKind, WithholdingGate, DisclosureKind } from '@puente/proto';

const nameOf =
  <E extends Record<number, string>>(values: E) =>
  (value: number): string =>
    values[value] ?? String(value);

export const accessName = nameOf(TopicAccess);
export const kindName = nameOf(TopicKind);
export const decisionName = nameOf(PolicyDecision);
export const actionName = nameOf(FieldAction);
export const gateName = nameOf(WithholdingGate);
export const disclosureKindName = nameOf(DisclosureKind);
