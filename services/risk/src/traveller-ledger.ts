// The traveller service's ledger: the shared assessment ledger (which crossing events are assessed),
// and besides it the traveller assessments made without a screening result that nothing has
// superseded yet, by crossing eventId. Both are rebuilt from the output topic at start, so a late
// screening hit is acted on once, across restarts: the superseding assessment on the topic says so.
import type { RiskAssessment } from '@puente/contracts';

import { AssessmentLedger, type AssessmentLedgerOptions } from './assessment-ledger.js';
import { assessedWithoutScreening } from './traveller-lanes.js';

type Recorded = Parameters<AssessmentLedger['record']>[0];

const isFullAssessment = (assessment: Recorded): assessment is RiskAssessment => 'factors' in assessment;

export class TravellerLedger extends AssessmentLedger {
  /** By crossing eventId: assessed without screening, not superseded. */
  private readonly unscreened = new Map<string, RiskAssessment>();
  /** EventIds of assessments something superseded. */
  private readonly superseded = new Set<string>();

  constructor(options: AssessmentLedgerOptions) {
    super(options);
  }

  /** Crossings assessed without screening whose assessment still stands. */
  get awaitingScreening(): number {
    return this.unscreened.size;
  }

  override record(assessment: Recorded, shipper: string | undefined): void {
    super.record(assessment, shipper);
    if (!isFullAssessment(assessment) || assessment.subject.subjectType !== 'TRAVELLER') return;
    const crossingEventId = assessment.subject.eventId;
    if (assessment.meta.supersedes !== null) {
      this.superseded.add(assessment.meta.supersedes);
      this.unscreened.delete(crossingEventId);
    } else if (assessedWithoutScreening(assessment) && !this.superseded.has(assessment.meta.eventId)) {
      this.unscreened.set(crossingEventId, assessment);
    }
  }

  /** The standing assessment of a crossing made without a screening result, if there is one. */
  unscreenedAssessmentOf(crossingEventId: string): RiskAssessment | undefined {
    return this.unscreened.get(crossingEventId);
  }
}
