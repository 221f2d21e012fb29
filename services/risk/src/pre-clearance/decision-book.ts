// What the pre-clearance service knows, and what it decides from it. In memory, rebuilt at start
// from the own decisions topic: the granted shipments (manifestId → grant, with the FAST
// assessment it rests on), the grants revoked and the denials (each with its decision, so an input
// handled again re-publishes a superseding assessment a crash may have lost), and the manifests
// already decided. The partner hits that came before any grant are kept for a bounded window in
// memory ONLY: the partner delivery is acknowledged once the hit is kept, so a restart forgets
// them and a FAST assessment arriving after the restart is GRANTED (and revoked only when the
// partner screens a party of the shipment again).
import type { PreClearanceDecision, RiskAssessment, TrustedTraderMembership } from '@puente/contracts';
import type { Country } from '@puente/runtime';

import { grantFor, supersedingAssessment, withdrawalFor } from './decision-records.js';
import type { PartnerHit } from './partner-hit.js';

export interface Grant {
  readonly decision: PreClearanceDecision;
  /** The FAST assessment the grant rests on. */
  readonly assessment: RiskAssessment;
}

/** What to publish: the decision, and for a revocation or denial the superseding assessment. */
export interface Outcome {
  readonly decision: PreClearanceDecision;
  readonly assessment?: RiskAssessment;
  /**
   * The decision is on the decisions topic already (the same input handled again after the
   * superseding assessment's publish failed or the process died before it): publish only the
   * assessment, the same event again.
   */
  readonly decisionPublished?: true;
}

export interface DecisionBookOptions {
  readonly country: Country;
  /** How long a partner hit that came before its grant is kept. */
  readonly earlyHitWindowMs: number;
  /** How many such hits are kept at most (the oldest go first). */
  readonly maxEarlyHits: number;
}

/** The superseding assessment of a withdrawal, dated as its decision: the same bytes every time it is built. */
function supersedingOf(assessment: RiskAssessment, decision: PreClearanceDecision): RiskAssessment {
  return supersedingAssessment(assessment, decision, decision.meta.occurredAt.getTime());
}

export class DecisionBook {
  private readonly grants = new Map<string, Grant>();
  /** The REVOKED decision of each grant revoked, by the grant's eventId. */
  private readonly revoked = new Map<string, PreClearanceDecision>();
  /** The DENIED decision of each manifest event denied, by the manifest's eventId. */
  private readonly denied = new Map<string, PreClearanceDecision>();
  /** Manifest eventIds with a decision (GRANTED or DENIED): a FAST assessment read again decides nothing. */
  private readonly decided = new Set<string>();
  /** By manifestId, a hit without a grant yet, with when it came. Insertion order is age order. */
  private readonly early = new Map<string, { hit: PartnerHit; at: number }>();

  constructor(private readonly options: DecisionBookOptions) {}

  get grantCount(): number {
    return this.grants.size;
  }

  get revokedCount(): number {
    return this.revoked.size;
  }

  grantOf(manifestId: string): Grant | undefined {
    return this.grants.get(manifestId);
  }

  isRevoked(grantEventId: string): boolean {
    return this.revoked.has(grantEventId);
  }

  /** Learns a decision found on the own topic or just published; `assessment` is a grant's FAST assessment. */
  learn(decision: PreClearanceDecision, assessment?: RiskAssessment): void {
    this.decided.add(decision.manifestEventId);
    if (decision.decision === 'GRANTED' && assessment) {
      this.grants.set(decision.manifestId, { decision, assessment });
    } else if (decision.decision === 'REVOKED' && decision.meta.supersedes) {
      this.revoked.set(decision.meta.supersedes, decision);
    } else if (decision.decision === 'DENIED') {
      this.denied.set(decision.manifestEventId, decision);
    }
  }

  /** A FAST assessment: GRANTED, or DENIED when the partner's hit on the shipment came first; else nothing. */
  onAssessment(
    assessment: RiskAssessment,
    trustedShipper: TrustedTraderMembership | undefined,
    at: number,
  ): Outcome | undefined {
    if (assessment.subject.subjectType !== 'SHIPMENT' || assessment.portLane !== 'FAST') return undefined;
    if (assessment.meta.supersedes !== null) return undefined;
    if (this.decided.has(assessment.subject.eventId)) {
      const denied = this.denied.get(assessment.subject.eventId);
      return denied
        ? { decision: denied, assessment: supersedingOf(assessment, denied), decisionPublished: true }
        : undefined;
    }
    const early = this.earlyHit(assessment.subject.entityId, at);
    if (early) {
      const decision = withdrawalFor(this.options.country, 'DENIED', { assessment, grantEventId: null }, early, at);
      return { decision, assessment: supersedingOf(assessment, decision) };
    }
    return { decision: grantFor(this.options.country, assessment, trustedShipper, at) };
  }

  /** A partner hit: REVOKED for a granted shipment not revoked yet; kept for a later grant otherwise. */
  onPartnerHit(hit: PartnerHit, at: number): Outcome | undefined {
    const grant = this.grants.get(hit.manifestId);
    if (!grant) {
      this.keepEarly(hit, at);
      return undefined;
    }
    const revocation = this.revoked.get(grant.decision.meta.eventId);
    if (revocation) {
      // The hit that revoked it, handled again: its superseding assessment may never have left.
      if (revocation.cause?.eventId !== hit.eventId) return undefined;
      return { decision: revocation, assessment: supersedingOf(grant.assessment, revocation), decisionPublished: true };
    }
    const grounds = { assessment: grant.assessment, grantEventId: grant.decision.meta.eventId };
    const decision = withdrawalFor(this.options.country, 'REVOKED', grounds, hit, at);
    return { decision, assessment: supersedingOf(grant.assessment, decision) };
  }

  private keepEarly(hit: PartnerHit, at: number): void {
    this.early.delete(hit.manifestId);
    this.early.set(hit.manifestId, { hit, at });
    for (const [manifestId, kept] of this.early) {
      if (this.early.size <= this.options.maxEarlyHits && at - kept.at <= this.options.earlyHitWindowMs) break;
      this.early.delete(manifestId);
    }
  }

  private earlyHit(manifestId: string, at: number): PartnerHit | undefined {
    const kept = this.early.get(manifestId);
    if (!kept) return undefined;
    if (at - kept.at > this.options.earlyHitWindowMs) {
      this.early.delete(manifestId);
      return undefined;
    }
    return kept.hit;
  }
}
