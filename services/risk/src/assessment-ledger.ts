// What the service knows of the assessments already made, read back from its output topic or just
// published: which manifest events are assessed (never assessed twice), and when each consignor
// (by its hashed key) last had a HIGH or CRITICAL assessment, for the history factor.
import type { RiskAssessment } from '@puente/contracts';

const HIGH_RISK = new Set(['HIGH', 'CRITICAL']);
const DAY_MS = 86_400_000;

export interface AssessmentLedgerOptions {
  /** How far back the consignor history counts (the rules' `history.windowDays`). */
  readonly windowDays: number;
  readonly now: () => number;
}

export class AssessmentLedger {
  /** Manifest eventIds assessed. */
  private readonly assessed = new Set<string>();
  /** Per shipper digest, the times of its HIGH and CRITICAL assessments. */
  private readonly history = new Map<string, number[]>();

  constructor(private readonly options: AssessmentLedgerOptions) {}

  /** How many manifest events are known to be assessed. */
  get assessedCount(): number {
    return this.assessed.size;
  }

  /** How many shippers have HIGH or CRITICAL assessments on record. */
  get shippersWithHistory(): number {
    return this.history.size;
  }

  isAssessed(manifestEventId: string): boolean {
    return this.assessed.has(manifestEventId);
  }

  /** Records an assessment: its manifest event is done, and a HIGH or CRITICAL one counts against its shipper. */
  record(assessment: Pick<RiskAssessment, 'subject' | 'level' | 'meta'>, shipper: string | undefined): void {
    this.assessed.add(assessment.subject.eventId);
    if (shipper && HIGH_RISK.has(assessment.level)) this.remember(shipper, assessment.meta.occurredAt.getTime());
  }

  /** How many HIGH or CRITICAL assessments the shipper had within the window; older ones are forgotten. */
  historyOf(shipper: string): number {
    const list = this.history.get(shipper);
    if (!list) return 0;
    const since = this.options.now() - this.options.windowDays * DAY_MS;
    const recent = list.filter((at) => at >= since);
    if (recent.length === 0) this.history.delete(shipper);
    else this.history.set(shipper, recent);
    return recent.length;
  }

  private remember(shipper: string, at: number): void {
    const list = this.history.get(shipper) ?? [];
    list.push(at);
    this.history.set(shipper, list);
  }
}
