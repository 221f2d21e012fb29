import { BusError, MemoryBus, type BusRecord, type PublishResult } from '@puente/bus';
import { createCodec, type PreClearanceDecision, type RiskAssessment } from '@puente/contracts';
import { waitFor } from '@puente/runtime/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { assessmentRecord, buildScoredAssessment, FAST_MEMBERSHIP_HEADER } from '../assessment-record.js';
import { readAssessments } from '../testing/bus-helpers.js';
import { exampleManifest, screeningResultsFor } from '../testing/fixtures.js';
import { US_CONTEXT } from '../testing/parts.js';
import { grantEventIdFor, REVOKED_FACTOR } from './decision-records.js';
import type { PartnerFeed, PartnerRecord, PartnerRecordHandler } from './partner-feed.js';
import { createPreClearanceService, type PreClearanceService } from './pre-clearance-service.js';

const codec = createCodec();
const RISK = 'us.risk-assessments.v1';
const DECISIONS = 'us.pre-clearance-decisions.v1';
const AT = Date.UTC(2026, 11, 7, 15, 0, 0);

/** A partner feed the test drives: `push` resolves as the gateway's ack would (after the handler). */
class FakeFeed implements PartnerFeed {
  handler: PartnerRecordHandler | undefined;
  async start(handler: PartnerRecordHandler): Promise<void> {
    this.handler = handler;
  }
  async stop(): Promise<void> {
    this.handler = undefined;
  }
  push(record: PartnerRecord): Promise<void> {
    if (!this.handler) throw new Error('feed not started');
    return this.handler(record);
  }
}

/** A bus whose publishes of the pre-clearance service's own superseding assessments fail while `failing`. */
class FlakyBus extends MemoryBus {
  failing = false;
  override async publish(topic: string, records: readonly BusRecord[]): Promise<PublishResult[]> {
    const fromPreClearance = records.some((r) => String(r.headers?.['ce_source'] ?? '').endsWith('/pre-clearance'));
    if (this.failing && topic === RISK && fromPreClearance) {
      throw new BusError({ code: 'UNAVAILABLE', retriable: true, message: 'broker gone (test)' });
    }
    return super.publish(topic, records);
  }
}

async function publishAssessment(bus: MemoryBus, pending = false) {
  const manifest = exampleManifest('us-northbound-laredo', pending ? { preClearanceStatus: 'PENDING' } : {});
  const input = { manifest, results: screeningResultsFor(manifest), shipperHistory: 0, at: AT };
  const { assessment, fastMembership } = buildScoredAssessment(input, US_CONTEXT);
  const value = codec.encode(RISK, assessment);
  await bus.publish(RISK, [assessmentRecord(assessment, { value, shipper: 'digest', fastMembership }, US_CONTEXT)]);
  return assessment;
}

let hits = 0;
/** The MX screening result's policy view as the feed hands it over (unions unwrapped). */
function mxHit(manifestId: string, overrides: Record<string, unknown> = {}): PartnerRecord {
  hits += 1;
  const eventId = `6f1d2c3b-0000-4000-8000-${String(hits).padStart(12, '0')}`;
  return {
    feed: 'mx-to-us/mx.screening-results.v1',
    topic: 'mx.screening-results.v1',
    key: `${manifestId}/consignee`,
    eventId,
    partition: 0,
    offset: String(hits),
    agreementVersion: '2',
    view: {
      meta: { eventId, originCountry: 'MX', originAgency: 'ANAM', releasableTo: ['US', 'MX'] },
      screeningId: `${manifestId}/consignee`,
      subjectType: 'PARTY',
      outcome: 'POTENTIAL_MATCH',
      manifestReference: manifestId,
      partyRole: 'CONSIGNEE',
      matchedEntry: { listId: 'UIF-LPB' },
      lists: [{ name: 'Lista de Personas Bloqueadas' }],
      ...overrides,
    },
  };
}

async function readDecisions(bus: MemoryBus): Promise<PreClearanceDecision[]> {
  return (await readAssessments(bus, codec, DECISIONS)).map((r) => r.value as unknown as PreClearanceDecision);
}

describe('pre-clearance service', () => {
  let bus: FlakyBus;
  let feed: FakeFeed;
  let service: PreClearanceService;
  let clock = AT;
  const make = () =>
    createPreClearanceService({
      bus,
      codec,
      country: 'US',
      partnerFeed: feed,
      now: () => clock,
      earlyHitWindowMs: 60_000,
    });

  beforeEach(async () => {
    bus = new FlakyBus();
    await bus.start();
    await bus.admin.ensureTopics([RISK, DECISIONS, `dlq.${RISK}`].map((topic) => ({ topic, partitions: 1 })));
    feed = new FakeFeed();
    clock = AT;
    service = make();
    await service.start();
  });
  afterEach(async () => {
    await service.stop();
    await bus.stop();
  });

  it('grants the FAST lane to a FAST assessment, naming the verified membership, and nothing else', async () => {
    await publishAssessment(bus, true);
    const fast = await publishAssessment(bus);
    await waitFor(async () => (await readDecisions(bus)).length > 0, 5_000, 'a decision');
    const [grant, ...more] = await readDecisions(bus);
    expect(more).toEqual([]);
    expect(grant).toMatchObject({
      manifestId: fast.subject.entityId,
      manifestEventId: fast.subject.eventId,
      decision: 'GRANTED',
      lane: 'FAST',
      trustedShipper: { programme: 'OEA', membershipId: 'OEA-I-2018-1142' },
      cause: null,
      meta: {
        eventId: grantEventIdFor(fast.meta.eventId),
        classification: 'LAW_ENFORCEMENT_SENSITIVE',
        releasableTo: ['US', 'MX'],
      },
    });
    expect(grant?.meta.purposes).toEqual(['BORDER_SECURITY', 'CUSTOMS', 'TRADE_FACILITATION']);
    expect(grant?.factors.map((f) => f.code)).toContain('PRE_CLEARED_TRUSTED_SHIPPER');
  });

  it('revokes a grant on the partner hit with a superseding assessment, once, even after a restart', async () => {
    const fast = await publishAssessment(bus);
    await waitFor(() => service.stats().granted === 1, 5_000, 'the grant');
    const hit = mxHit(fast.subject.entityId);
    await feed.push(hit);
    const decisions = await readDecisions(bus);
    expect(decisions.map((d) => d.decision)).toEqual(['GRANTED', 'REVOKED']);
    const [grant, revoked] = decisions as [PreClearanceDecision, PreClearanceDecision];
    expect(revoked).toMatchObject({
      manifestId: fast.subject.entityId,
      lane: 'SECONDARY_INSPECTION',
      meta: { supersedes: grant.meta.eventId },
      cause: { subjectType: 'PARTY', topic: 'mx.screening-results.v1', entityId: hit.key, eventId: hit.eventId },
    });
    const factor = revoked.factors.find((f) => f.code === REVOKED_FACTOR);
    expect(factor?.description).toMatch(/MX \(ANAM\).*potential.*consignee on UIF-LPB/);

    const superseding = (await readAssessments(bus, codec, RISK)).map((r) => r.value).at(-1) as RiskAssessment;
    expect(superseding).toMatchObject({
      assessmentId: fast.assessmentId,
      subject: fast.subject,
      portLane: 'SECONDARY_INSPECTION',
      recommendedLane: 'SECONDARY_INSPECTION',
      meta: { supersedes: fast.meta.eventId },
    });
    expect(superseding.factors.map((f) => f.code)).toEqual([...fast.factors.map((f) => f.code), REVOKED_FACTOR]);

    // The same hit again, and a second hit on the same shipment: no second revocation.
    await feed.push(hit);
    await feed.push(mxHit(fast.subject.entityId, { partyRole: 'DRIVER' }));
    // A restart rebuilds grants and revocations from the decisions topic.
    await service.stop();
    feed = new FakeFeed();
    service = make();
    await service.start();
    await feed.push(hit);
    await feed.push(mxHit(fast.subject.entityId));
    expect((await readDecisions(bus)).map((d) => d.decision)).toEqual(['GRANTED', 'REVOKED']);
    expect(service.stats().grantsKnown).toBe(1);
  });

  it('revokes after a restart a grant made before it, superseding the assessment from the grant record', async () => {
    const fast = await publishAssessment(bus);
    await waitFor(() => service.stats().granted === 1, 5_000, 'the grant');
    await service.stop();
    feed = new FakeFeed();
    service = make();
    await service.start();
    await feed.push(mxHit(fast.subject.entityId, { partyRole: 'DRIVER', outcome: 'CONFIRMED_MATCH' }));
    const revoked = (await readDecisions(bus)).at(-1);
    expect(revoked).toMatchObject({ decision: 'REVOKED', cause: { subjectType: 'TRAVELLER' } });
    const superseding = (await readAssessments(bus, codec, RISK)).at(-1)?.value;
    expect(superseding).toMatchObject({ assessmentId: fast.assessmentId, meta: { supersedes: fast.meta.eventId } });
  });

  it('denies instead of granting when the partner hit came first, within the window only', async () => {
    const early = exampleManifest('us-northbound-laredo');
    await feed.push(mxHit(early.manifestId));
    const input = { manifest: early, results: screeningResultsFor(early), shipperHistory: 0, at: AT };
    const { assessment, fastMembership } = buildScoredAssessment(input, US_CONTEXT);
    await bus.publish(RISK, [
      assessmentRecord(assessment, { value: codec.encode(RISK, assessment), shipper: 'd', fastMembership }, US_CONTEXT),
    ]);
    await waitFor(() => service.stats().denied === 1, 5_000, 'the denial');
    const denied = (await readDecisions(bus)).at(-1);
    expect(denied).toMatchObject({ decision: 'DENIED', lane: 'SECONDARY_INSPECTION', meta: { supersedes: null } });

    const late = exampleManifest('us-northbound-laredo', { manifestId: 'TLBV-LATE-0001' });
    await feed.push(mxHit(late.manifestId));
    clock += 61_000;
    const lateInput = { manifest: late, results: screeningResultsFor(late), shipperHistory: 0, at: AT };
    const built = buildScoredAssessment(lateInput, US_CONTEXT);
    await bus.publish(RISK, [
      assessmentRecord(
        built.assessment,
        { value: codec.encode(RISK, built.assessment), shipper: 'd', fastMembership },
        US_CONTEXT,
      ),
    ]);
    await waitFor(() => service.stats().granted === 1, 5_000, 'the grant after the window');
  });

  it('publishes a denial before its superseding assessment, and after a crash between them the assessment only', async () => {
    const manifest = exampleManifest('us-northbound-laredo');
    await feed.push(mxHit(manifest.manifestId));
    bus.failing = true;
    const input = { manifest, results: screeningResultsFor(manifest), shipperHistory: 0, at: AT };
    const { assessment, fastMembership } = buildScoredAssessment(input, US_CONTEXT);
    await bus.publish(RISK, [
      assessmentRecord(assessment, { value: codec.encode(RISK, assessment), shipper: 'd', fastMembership }, US_CONTEXT),
    ]);
    // The decision is out, its superseding assessment is not: the process dies here.
    await waitFor(() => service.stats().denied === 1, 5_000, 'the denial');
    await service.stop();
    bus.failing = false;
    // The restart forgets the early hit (memory only) but learns the denial from its topic.
    feed = new FakeFeed();
    service = make();
    await service.start();
    const supersedes = async () =>
      (await readAssessments(bus, codec, RISK)).map((r) => r.value).filter((a) => a.meta.supersedes !== null);
    await waitFor(async () => (await supersedes()).length === 1, 5_000, 'the superseding assessment');
    expect((await readDecisions(bus)).map((d) => d.decision)).toEqual(['DENIED']);
    const [superseding] = await supersedes();
    expect(superseding).toMatchObject({
      assessmentId: assessment.assessmentId,
      portLane: 'SECONDARY_INSPECTION',
      meta: { supersedes: assessment.meta.eventId },
    });
    expect(service.stats().granted).toBe(0);
  });

  it('publishes a revocation before its superseding assessment, which the redelivered hit publishes', async () => {
    const fast = await publishAssessment(bus);
    await waitFor(() => service.stats().granted === 1, 5_000, 'the grant');
    const hit = mxHit(fast.subject.entityId);
    bus.failing = true;
    // Not acknowledged: the gateway delivers the hit again (after a restart here).
    await expect(feed.push(hit)).rejects.toThrow(/broker gone/);
    expect((await readDecisions(bus)).map((d) => d.decision)).toEqual(['GRANTED', 'REVOKED']);
    await service.stop();
    bus.failing = false;
    feed = new FakeFeed();
    service = make();
    await service.start();
    await feed.push(hit);
    // Another partner hit on the revoked grant publishes nothing.
    await feed.push(mxHit(fast.subject.entityId, { partyRole: 'DRIVER' }));
    expect((await readDecisions(bus)).map((d) => d.decision)).toEqual(['GRANTED', 'REVOKED']);
    const superseding = (await readAssessments(bus, codec, RISK)).map((r) => r.value).slice(1);
    expect(superseding).toHaveLength(1);
    expect(superseding[0]).toMatchObject({ assessmentId: fast.assessmentId, meta: { supersedes: fast.meta.eventId } });
  });

  it('grants only with the verified FAST membership, and dead-letters a malformed one instead of retrying forever', async () => {
    const publishWith = async (membership: string | undefined, manifestId: string) => {
      const manifest = exampleManifest('us-northbound-laredo', { manifestId });
      const input = { manifest, results: screeningResultsFor(manifest), shipperHistory: 0, at: AT };
      const { assessment, fastMembership } = buildScoredAssessment(input, US_CONTEXT);
      const record = assessmentRecord(
        assessment,
        { value: codec.encode(RISK, assessment), shipper: 'd', fastMembership },
        US_CONTEXT,
      );
      const headers = { ...record.headers };
      if (membership === undefined) delete headers[FAST_MEMBERSHIP_HEADER];
      else headers[FAST_MEMBERSHIP_HEADER] = membership;
      await bus.publish(RISK, [{ ...record, headers }]);
    };
    await publishWith(undefined, 'TLBV-NOHEADER-01');
    await publishWith(JSON.stringify({ programme: 'SENTRI', membershipId: 'OEA-I-2018-1142' }), 'TLBV-POISON-01');
    await publishAssessment(bus);
    await waitFor(() => service.stats().granted === 1, 5_000, 'the grant after the bad records');
    expect((await readDecisions(bus)).map((d) => d.manifestId)).toEqual([
      exampleManifest('us-northbound-laredo').manifestId,
    ]);
    expect(service.stats().withoutMembership).toBe(1);
    const dlq = (await bus.admin.listTopics()).find((t) => t.topic === `dlq.${RISK}`);
    expect(dlq?.partitions[0]?.high).toBe('1');
    const counted = await service.deadLetters.counter.get();
    expect(counted.values.find((v) => v.labels['service'] === 'pre-clearance-us')?.value).toBe(1);
  });

  it('skips partner records it cannot read or that are no hit, and still revokes afterwards', async () => {
    const fast = await publishAssessment(bus);
    await waitFor(() => service.stats().granted === 1, 5_000, 'the grant');
    await expect(feed.push(mxHit(fast.subject.entityId, { outcome: undefined }))).resolves.toBeUndefined();
    await expect(feed.push(mxHit(fast.subject.entityId, { outcome: 'CLEAR' }))).resolves.toBeUndefined();
    await expect(feed.push(mxHit(fast.subject.entityId, { meta: 'garbled' }))).resolves.toBeUndefined();
    expect(service.stats().revoked).toBe(0);
    await feed.push(mxHit(fast.subject.entityId));
    expect(service.stats().revoked).toBe(1);
  });

  it('dead-letters an own assessment record it cannot decode and goes on', async () => {
    await bus.publish(RISK, [{ key: 'RISK-US-BAD', value: Buffer.from('not avro') }]);
    await publishAssessment(bus);
    await waitFor(() => service.stats().granted === 1, 5_000, 'the grant after the bad record');
    const dlq = await bus.admin.listTopics();
    expect(dlq.find((t) => t.topic === `dlq.${RISK}`)?.partitions[0]?.high).toBe('1');
  });

  it('publishes a batch of grants in one write, and a repeated assessment in it once', async () => {
    await service.stop();
    const records: BusRecord[] = [];
    for (let i = 0; i < 20; i++) {
      const manifest = exampleManifest('us-northbound-laredo');
      const input = { manifest, results: screeningResultsFor(manifest), shipperHistory: 0, at: AT };
      const { assessment, fastMembership } = buildScoredAssessment(input, US_CONTEXT);
      const value = codec.encode(RISK, assessment);
      records.push(assessmentRecord(assessment, { value, shipper: 'digest', fastMembership }, US_CONTEXT));
    }
    await bus.publish(RISK, [...records, records[0]!]);
    const writes: number[] = [];
    const publish = bus.publish.bind(bus);
    bus.publish = async (topic, batch) => {
      if (topic === DECISIONS) writes.push(batch.length);
      return publish(topic, batch);
    };
    service = make();
    await service.start();
    await waitFor(() => service.stats().granted === 20, 5_000, 'twenty grants');
    const decisions = await readDecisions(bus);
    expect(new Set(decisions.map((d) => d.meta.eventId)).size).toBe(20);
    expect(decisions).toHaveLength(20);
    expect(writes).toEqual([20]);
  });
});

describe('pre-clearance service without a gateway', () => {
  it('still grants, partner findings off', async () => {
    const bus = new MemoryBus();
    await bus.start();
    await bus.admin.ensureTopics([RISK, DECISIONS].map((topic) => ({ topic, partitions: 1 })));
    const service = createPreClearanceService({ bus, codec, country: 'US' });
    await service.start();
    await publishAssessment(bus);
    await waitFor(() => service.stats().granted === 1, 5_000, 'the grant');
    await service.stop();
    await bus.stop();
  });
});
