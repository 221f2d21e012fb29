import type { RiskAssessment, RiskLevel } from '@puente/contracts';
import { describe, expect, it } from 'vitest';

import { AssessmentLedger } from './assessment-ledger.js';

const DAY = 86_400_000;

const assessed = (eventId: string, level: RiskLevel, at: number) =>
  ({ subject: { eventId }, level, meta: { occurredAt: new Date(at) } }) as unknown as RiskAssessment;

describe('AssessmentLedger', () => {
  it('knows which manifest events are assessed', () => {
    const ledger = new AssessmentLedger({ windowDays: 30, now: () => 0 });
    ledger.record(assessed('e-1', 'LOW', 0), undefined);
    ledger.record(assessed('e-2', 'HIGH', 0), 'shipper-a');
    ledger.record(assessed('e-1', 'LOW', 0), undefined);
    expect(ledger.isAssessed('e-1')).toBe(true);
    expect(ledger.isAssessed('e-2')).toBe(true);
    expect(ledger.isAssessed('e-3')).toBe(false);
    expect(ledger.assessedCount).toBe(2);
  });

  it('counts only HIGH and CRITICAL assessments against a shipper, and only with a shipper', () => {
    const t = 100 * DAY;
    const ledger = new AssessmentLedger({ windowDays: 30, now: () => t });
    ledger.record(assessed('e-1', 'LOW', t), 'shipper-a');
    ledger.record(assessed('e-2', 'MEDIUM', t), 'shipper-a');
    ledger.record(assessed('e-3', 'HIGH', t), 'shipper-a');
    ledger.record(assessed('e-4', 'CRITICAL', t), 'shipper-a');
    ledger.record(assessed('e-5', 'CRITICAL', t), 'shipper-b');
    ledger.record(assessed('e-6', 'CRITICAL', t), undefined);
    ledger.record(assessed('e-7', 'CRITICAL', t), '');
    expect(ledger.historyOf('shipper-a')).toBe(2);
    expect(ledger.historyOf('shipper-b')).toBe(1);
    expect(ledger.historyOf('shipper-c')).toBe(0);
    expect(ledger.shippersWithHistory).toBe(2);
  });

  it('counts within the window only and forgets a shipper whose assessments all fell out of it', () => {
    const clock = { t: 100 * DAY };
    const ledger = new AssessmentLedger({ windowDays: 10, now: () => clock.t });
    ledger.record(assessed('old', 'HIGH', 85 * DAY), 'shipper-a');
    ledger.record(assessed('edge', 'HIGH', 90 * DAY), 'shipper-a');
    ledger.record(assessed('new', 'HIGH', 99 * DAY), 'shipper-a');
    ledger.record(assessed('b', 'HIGH', 91 * DAY), 'shipper-b');
    expect(ledger.historyOf('shipper-a')).toBe(2);
    clock.t = 102 * DAY;
    expect(ledger.historyOf('shipper-a')).toBe(1);
    expect(ledger.historyOf('shipper-b')).toBe(0);
    expect(ledger.shippersWithHistory).toBe(1);
    expect(ledger.isAssessed('old')).toBe(true);
  });
});
