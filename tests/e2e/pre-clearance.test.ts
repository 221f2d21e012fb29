// The cargo FAST lane across the border, on a real Kafka with a real gateway over gRPC: the US risk
// service assesses a pre-cleared shipment of a verified OEA shipper FAST and the US pre-clearance
// service grants it; Mexico's screening then finds a potential watchlist match of the same trip's
// consignee. The US service receives that result only as the mx-to-us agreement's policy view,
// subscribing through the gateway as a partner system, and revokes the grant with a superseding
// assessment, which Mexico in turn receives on its us-to-mx feed.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { credentials } from '@grpc/grpc-js';
import { KafkaBus } from '@puente/bus';
import { testKafkaBrokers } from '@puente/bus/testing';
import {
  createCodec,
  type CargoManifest,
  type PreClearanceDecision,
  type RiskAssessment,
  type ScreeningResult,
} from '@puente/contracts';
import { readDevTokens } from '@puente/gateway/dev';
import { devAgreementText, startTestGateway, type TestGateway } from '@puente/gateway/testing';
import { StartPosition } from '@puente/proto';
import {
  createGatewayPartnerFeed,
  createPreClearanceService,
  createRiskService,
  defaultRiskFiles,
  loadRiskRules,
  loadTrustedShippers,
  type PartnerFeed,
  type PartnerRecord,
  type PreClearanceService,
  type RiskService,
} from '@puente/risk';
import { waitFor } from '@puente/runtime/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const codec = createCodec();
const tokens = readDevTokens();
const run = randomUUID().slice(0, 8);

/**
 * The development agreements, with mx-to-us keeping the two screening-result fields the US
 * pre-clearance service needs (the trip and the party's role), unless it already does: helper A
 * adds them to deploy/policies for issue 18; until then this test serves its own copy.
 */
function agreementsDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'puente-preclear-'));
  let mxToUs = devAgreementText('mx-to-us.yaml');
  if (!/^\s+manifestReference: keep$/m.test(mxToUs)) {
    const anchor = /^(\s+)shipmentReference: keep$/m;
    if (!anchor.test(mxToUs)) throw new Error('mx-to-us.yaml: no screening rule keeping shipmentReference to extend');
    mxToUs = mxToUs.replace(anchor, '$1shipmentReference: keep\n$1manifestReference: keep\n$1partyRole: keep');
  }
  writeFileSync(join(dir, 'mx-to-us.yaml'), mxToUs);
  writeFileSync(join(dir, 'us-to-mx.yaml'), devAgreementText('us-to-mx.yaml'));
  return dir;
}

/** Every value now on a topic, read outside any group. */
async function readAll<T>(bus: KafkaBus, topic: string): Promise<T[]> {
  const info = (await bus.admin.listTopics()).find((t) => t.topic === topic);
  const wanted = (info?.partitions ?? []).filter((p) => BigInt(p.high) > BigInt(p.low));
  if (wanted.length === 0) return [];
  const left = new Map(wanted.map((p) => [p.partition, BigInt(p.high)]));
  const out: T[] = [];
  const reader = await bus.readFrom({
    topic,
    positions: wanted.map((p) => ({ partition: p.partition, offset: p.low })),
    handler: async (batch) => {
      for (const r of batch.records) {
        if (r.value) out.push(codec.decode(r.value, { topic }).value as T);
        if (BigInt(r.offset) + 1n >= (left.get(batch.partition) ?? 0n)) left.delete(batch.partition);
      }
    },
  });
  await waitFor(() => left.size === 0, 60_000, `reading ${topic}`);
  await reader.stop();
  return out;
}

function clearResults(manifest: CargoManifest): ScreeningResult[] {
  const roles: ('consignor' | 'consignee' | 'carrier' | 'driver')[] = ['consignor', 'consignee', 'carrier'];
  if (manifest.driver) roles.push('driver');
  return roles.map((role) => ({
    meta: { ...manifest.meta, eventId: randomUUID(), correlationId: manifest.meta.eventId },
    screeningId: `${manifest.manifestId}/${role}`,
    subjectType: role === 'driver' ? 'TRAVELLER' : 'PARTY',
    traveller: role === 'driver' ? manifest.driver : null,
    conveyance: null,
    shipmentReference: null,
    party: role === 'driver' ? null : manifest[role],
    crossingReference: null,
    manifestReference: manifest.manifestId,
    partyRole: role === 'driver' ? 'DRIVER' : (role.toUpperCase() as 'CONSIGNOR' | 'CONSIGNEE' | 'CARRIER'),
    portOfEntry: manifest.portOfEntry,
    screeningSystem: 'CBP ATS',
    lists: [{ listId: 'OFAC-SDN', name: 'OFAC Specially Designated Nationals', owner: 'U.S. Treasury OFAC' }],
    outcome: 'CLEAR',
    score: 0.1,
    matchedEntry: null,
    ruleId: 'E2E',
    referredForInspection: false,
  }));
}

describe('pre-clearance revoked by the other country’s screening (real Kafka, real gateway)', () => {
  let bus: KafkaBus;
  let gateway: TestGateway;
  let risk: RiskService;
  let preClearance: PreClearanceService;
  let usFeed: PartnerFeed;
  let mxFeed: PartnerFeed;
  const mxSees: PartnerRecord[] = [];
  const policiesDir = agreementsDir();

  beforeAll(async () => {
    bus = new KafkaBus({ brokers: testKafkaBrokers(), clientId: `e2e-preclear-${run}`, heartbeatIntervalMs: 500 });
    await bus.start();
    gateway = await startTestGateway({ bus, codec, policiesDir });
    const files = defaultRiskFiles('US');
    risk = createRiskService({
      bus,
      codec,
      country: 'US',
      rules: loadRiskRules(files.rulesFile),
      trustedShippers: loadTrustedShippers(files.trustedShippersFile),
      groupId: `e2e.preclear.risk.${run}`,
      joinTimeoutMs: 5_000,
    });
    usFeed = createGatewayPartnerFeed({
      address: gateway.address,
      credentials: credentials.createInsecure(),
      token: tokens.get('dev-us-cbp-subscriber'),
      subscription: `e2e-preclear-us-${run}`,
      feeds: ['mx-to-us/mx.screening-results.v1'],
      startPosition: StartPosition.LATEST,
      startTimeoutMs: 30_000,
    });
    preClearance = createPreClearanceService({
      bus,
      codec,
      country: 'US',
      partnerFeed: usFeed,
      groupId: `e2e.preclear.us.${run}`,
    });
    // Mexico's own partner system, on the feed us-to-mx shares today (risk assessments).
    mxFeed = createGatewayPartnerFeed({
      address: gateway.address,
      credentials: credentials.createInsecure(),
      token: tokens.get('dev-mx-anam-subscriber'),
      subscription: `e2e-preclear-mx-${run}`,
      feeds: ['us-to-mx/us.risk-assessments.v1'],
      startPosition: StartPosition.LATEST,
      startTimeoutMs: 30_000,
    });
    await risk.start();
    await preClearance.start();
    await mxFeed.start(async (record) => void mxSees.push(record));
  });

  afterAll(async () => {
    await mxFeed?.stop();
    await preClearance?.stop();
    await risk?.stop();
    await gateway?.stop(1_000);
    await bus?.stop();
    rmSync(policiesDir, { recursive: true, force: true });
  });

  it('grants FAST, then revokes it on Mexico’s hit with a superseding assessment both countries see', async () => {
    const example = JSON.parse(
      readFileSync(`${root}schemas/examples/cargo-manifests/us-northbound-laredo.json`, 'utf8'),
    ) as { value: unknown };
    const base = codec.fromFriendlyJson('us.cargo-manifests.v1', example.value);
    const manifestId = `TLBV-E2E-${run}`;
    const manifest: CargoManifest = { ...base, manifestId, meta: { ...base.meta, eventId: randomUUID() } };
    expect(manifest.preClearanceStatus).toBe('CLEARED');
    await bus.publish('us.cargo-manifests.v1', [
      { key: manifestId, value: codec.encode('us.cargo-manifests.v1', manifest) },
    ]);
    await bus.publish(
      'us.screening-results.v1',
      clearResults(manifest).map((r) => ({ key: manifestId, value: codec.encode('us.screening-results.v1', r) })),
    );

    const decisionsOf = async () =>
      (await readAll<PreClearanceDecision>(bus, 'us.pre-clearance-decisions.v1')).filter(
        (d) => d.manifestId === manifestId,
      );
    await waitFor(async () => (await decisionsOf()).length === 1, 60_000, 'the US grant');
    const [grant] = await decisionsOf();
    expect(grant).toMatchObject({
      decision: 'GRANTED',
      lane: 'FAST',
      manifestEventId: manifest.meta.eventId,
      trustedShipper: { programme: 'OEA', membershipId: 'OEA-I-2018-1142' },
    });

    // Mexico's screening of the same trip's consignee: a potential match on its own list.
    const hit: ScreeningResult = {
      ...clearResults(manifest)[1]!,
      meta: {
        eventId: randomUUID(),
        occurredAt: new Date(),
        originCountry: 'MX',
        originAgency: 'ANAM',
        classification: 'LAW_ENFORCEMENT_SENSITIVE',
        releasableTo: ['MX', 'US'],
        purposes: ['BORDER_SECURITY', 'CUSTOMS'],
        correlationId: null,
        supersedes: null,
      },
      screeningId: `${manifestId}/consignee`,
      screeningSystem: 'ANAM SIAVE',
      outcome: 'POTENTIAL_MATCH',
      score: 0.88,
      matchedEntry: {
        listId: 'UIF-LPB',
        entryId: 'LPB-2231',
        matchedName: 'IMPORTADORA FICTICIA',
        matchedOn: ['name'],
      },
      referredForInspection: true,
    };
    await bus.publish('mx.screening-results.v1', [
      { key: hit.screeningId, value: codec.encode('mx.screening-results.v1', hit) },
    ]);

    await waitFor(async () => (await decisionsOf()).length === 2, 60_000, 'the US revocation');
    const revoked = (await decisionsOf())[1]!;
    expect(revoked).toMatchObject({
      decision: 'REVOKED',
      lane: 'SECONDARY_INSPECTION',
      meta: { supersedes: grant!.meta.eventId, originCountry: 'US', classification: 'LAW_ENFORCEMENT_SENSITIVE' },
      cause: {
        subjectType: 'PARTY',
        topic: 'mx.screening-results.v1',
        entityId: hit.screeningId,
        eventId: hit.meta.eventId,
      },
    });
    const factor = revoked.factors.find((f) => f.code === 'PRE_CLEARANCE_REVOKED_BY_PARTNER_SCREENING');
    expect(factor?.description).toMatch(/MX \(ANAM\).*potential watchlist match of the consignee on UIF-LPB/);

    const assessments = (await readAll<RiskAssessment>(bus, 'us.risk-assessments.v1')).filter(
      (a) => a.subject.entityId === manifestId,
    );
    expect(assessments.map((a) => a.portLane)).toEqual(['FAST', 'SECONDARY_INSPECTION']);
    const [fast, superseding] = assessments as [RiskAssessment, RiskAssessment];
    expect(superseding).toMatchObject({
      assessmentId: fast.assessmentId,
      subject: fast.subject,
      recommendedLane: 'SECONDARY_INSPECTION',
      meta: { supersedes: fast.meta.eventId },
    });

    // Mexico sees the change on its own feed of US risk assessments, as the agreement's view.
    await waitFor(
      () => mxSees.some((r) => (r.view['meta'] as { supersedes?: unknown }).supersedes === fast.meta.eventId),
      60_000,
      'MX to receive the superseding assessment',
    );
    const seen = mxSees.find((r) => (r.view['meta'] as { supersedes?: unknown }).supersedes === fast.meta.eventId)!;
    expect(seen.view['recommendedLane']).toBe('SECONDARY_INSPECTION');
    expect((seen.view['factors'] as { code: string }[]).map((f) => f.code)).toContain(
      'PRE_CLEARANCE_REVOKED_BY_PARTNER_SCREENING',
    );
  });
});
