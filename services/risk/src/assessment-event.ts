// The RiskAssessment event of one scored subject, for cargo and travellers alike: ids derived from
// the subject's eventId (ids.ts), the score's figures, and the model's version and validity. What
// differs between them (classification, purposes, subject) the caller says.
import type { Classification, Purpose, RiskAssessment, RiskFactor, SubjectReference } from '@puente/contracts';
import type { Country } from '@puente/runtime';

import { assessmentEventIdFor, assessmentIdFor } from './ids.js';

/** What scoring a subject gives, in the event's terms. */
export interface ScoredSubject {
  readonly score: number;
  readonly level: RiskAssessment['level'];
  readonly factors: readonly RiskFactor[];
  readonly lane: RiskAssessment['recommendedLane'];
  readonly portLane: RiskAssessment['portLane'];
  readonly action: RiskAssessment['recommendedAction'];
}

export interface AssessmentEventParts {
  readonly country: Country;
  /** The model that scored it: its agency, version and how long an assessment holds. */
  readonly model: { readonly agency: string; readonly modelVersion: string; readonly validityHours: number };
  readonly classification: Classification;
  readonly purposes: readonly Purpose[];
  /** What was assessed; its eventId names the assessment. */
  readonly subject: SubjectReference;
  readonly scored: ScoredSubject;
  /** When it was assessed, in milliseconds since the epoch. */
  readonly at: number;
}

export function assessmentEvent(parts: AssessmentEventParts): RiskAssessment {
  const { country, model, subject, scored, at } = parts;
  return {
    meta: {
      eventId: assessmentEventIdFor(country, subject.eventId),
      occurredAt: new Date(at),
      originCountry: country,
      originAgency: model.agency,
      classification: parts.classification,
      releasableTo: ['US', 'MX'],
      purposes: [...parts.purposes],
      correlationId: subject.eventId,
      supersedes: null,
    },
    assessmentId: assessmentIdFor(country, subject.eventId),
    subject,
    score: scored.score,
    level: scored.level,
    factors: [...scored.factors],
    recommendedLane: scored.lane,
    portLane: scored.portLane,
    recommendedAction: scored.action,
    modelVersion: model.modelVersion,
    validUntil: new Date(at + model.validityHours * 3_600_000),
  };
}
