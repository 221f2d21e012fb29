// travellerCrossingProblems: each rule of a crossing that Avro cannot state, broken one at a time
// on the repository's own examples, and named by its path.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createCodec } from './codec.js';
import { describeDomainProblems, domainRulesOf, travellerCrossingProblems } from './domain-rules.js';
import { readExamples } from './examples.js';
import type { TravellerCrossing } from './generated/avro-types.js';

const EXAMPLES = fileURLToPath(new URL('../../../../schemas/examples', import.meta.url));
const codec = createCodec();
const crossings = readExamples(EXAMPLES)
  .filter((e) => e.domain === 'traveller-crossings' && e.expectErrors === undefined)
  .map((e) => [e.file, codec.fromFriendlyJson(e.topic, e.value) as TravellerCrossing] as const);

/** The SENTRI member driving north into San Ysidro, changed as a test needs. */
function northbound(change: (crossing: TravellerCrossing) => Partial<TravellerCrossing> = () => ({})) {
  const found = crossings.find(([file]) => file === 'traveller-crossings/us-sentri-northbound-san-ysidro.json');
  if (!found) throw new Error('the San Ysidro example is missing');
  const crossing = structuredClone(found[1]);
  return { ...crossing, ...change(crossing) };
}

const paths = (crossing: TravellerCrossing) => travellerCrossingProblems(crossing).map((p) => p.path);
const MX_PORT = { code: '400', name: 'Tijuana', country: 'MX' } as const;
const document = (documentNumber: string) => ({
  documentType: 'PASSPORT' as const,
  documentNumber,
  issuingCountry: 'MX',
  issuingAuthority: null,
  expiresOn: null,
});

describe('travellerCrossingProblems', () => {
  it('finds nothing wrong with the valid examples of both countries', () => {
    expect(crossings.map(([file]) => file).sort()).toEqual([
      'traveller-crossings/mx-car-southbound-ciudad-juarez.json',
      'traveller-crossings/mx-viajero-confiable-southbound-tijuana.json',
      'traveller-crossings/us-sentri-northbound-san-ysidro.json',
    ]);
    for (const [file, crossing] of crossings) expect(travellerCrossingProblems(crossing), file).toEqual([]);
  });

  it('requires at least one travel document', () => {
    expect(travellerCrossingProblems(northbound(() => ({ travelDocuments: [] })))).toEqual([
      { path: 'travelDocuments', message: 'a crossing presents at least one travel document' },
    ]);
  });

  it.each([
    ['empty', ''],
    ['spaces', '   '],
    ['dashes and an em dash', '- —'],
    ['a zero-width space', '\u200b'],
    ['a no-break space and a soft hyphen', '\u00a0\u00ad'],
  ])('refuses a document number that is %s, naming its index', (_what, documentNumber) => {
    const crossing = northbound((c) => ({ travelDocuments: [c.travelDocuments[0]!, document(documentNumber)] }));
    const problems = travellerCrossingProblems(crossing);
    expect(problems.map((p) => p.path)).toEqual(['travelDocuments[1].documentNumber']);
    expect(problems[0]?.message).toContain('must not be blank');
  });

  it('accepts a number written with spaces and dashes, as the hash normalises it', () => {
    const crossing = northbound(() => ({ travelDocuments: [document('G 4820-1937')] }));
    expect(travellerCrossingProblems(crossing)).toEqual([]);
  });

  it('refuses a blank membership id and a blank crossing id', () => {
    const crossing = northbound((c) => ({
      crossingId: '  ',
      memberships: [c.memberships[0]!, { ...c.memberships[0]!, membershipId: ' - ' }],
    }));
    expect(paths(crossing)).toEqual(['crossingId', 'memberships[1].membershipId']);
  });

  it.each(['PASSENGER_VEHICLE', 'BUS', 'COMMERCIAL_DRIVER'] as const)('requires a vehicle in mode %s', (mode) => {
    expect(travellerCrossingProblems(northbound(() => ({ mode, conveyance: null })))).toEqual([
      { path: 'conveyance', message: `a ${mode} crossing names its vehicle` },
    ]);
  });

  it('lets a crossing in mode OTHER name a vehicle or not', () => {
    expect(paths(northbound(() => ({ mode: 'OTHER', conveyance: null })))).toEqual([]);
    expect(paths(northbound(() => ({ mode: 'OTHER' })))).toEqual([]);
  });

  it('refuses a vehicle on a pedestrian, and accepts a pedestrian without one', () => {
    expect(travellerCrossingProblems(northbound(() => ({ mode: 'PEDESTRIAN' })))).toEqual([
      { path: 'conveyance', message: 'a PEDESTRIAN crossing has no vehicle' },
    ]);
    expect(paths(northbound(() => ({ mode: 'PEDESTRIAN', conveyance: null })))).toEqual([]);
  });

  it('refuses a port outside the country the direction enters', () => {
    const problems = travellerCrossingProblems(northbound(() => ({ portOfEntry: MX_PORT })));
    expect(problems).toEqual([{ path: 'portOfEntry.country', message: 'NORTHBOUND enters US, but the port is in MX' }]);
  });

  it('refuses a crossing published by the country left rather than the one entered', () => {
    const byMexico = northbound((c) => ({ meta: { ...c.meta, originCountry: 'MX' } }));
    expect(travellerCrossingProblems(byMexico)).toEqual([
      {
        path: 'meta.originCountry',
        message: 'a NORTHBOUND crossing is published by the country being entered (US), not MX',
      },
    ]);
  });

  it('names both the publisher and the port when the direction is the odd one out', () => {
    // A Mexican publisher at a Mexican port, but NORTHBOUND: the direction enters the United States.
    const crossing = northbound((c) => ({ meta: { ...c.meta, originCountry: 'MX' }, portOfEntry: MX_PORT }));
    expect(paths(crossing)).toEqual(['meta.originCountry', 'portOfEntry.country']);
  });

  it.each(['SECONDARY_INSPECTION', 'FAST', 'OTHER'] as const)('refuses %s as a requested lane', (laneRequested) => {
    const problems = travellerCrossingProblems(northbound(() => ({ laneRequested })));
    expect(problems).toEqual([
      {
        path: 'laneRequested',
        message: `${laneRequested} is not a lane a traveller queues in (TRUSTED_TRAVELLER, READY_LANE or GENERAL)`,
      },
    ]);
  });

  it.each(['TRUSTED_TRAVELLER', 'READY_LANE', 'GENERAL'] as const)(
    'accepts %s as a requested lane',
    (laneRequested) => {
      expect(paths(northbound(() => ({ laneRequested })))).toEqual([]);
    },
  );

  it('lists every broken rule at once, in field order, and describes them as one sentence each', () => {
    const crossing = northbound((c) => ({
      meta: { ...c.meta, originCountry: 'MX' },
      travelDocuments: [],
      mode: 'BUS',
      conveyance: null,
      portOfEntry: MX_PORT,
      laneRequested: 'SECONDARY_INSPECTION',
    }));
    const problems = travellerCrossingProblems(crossing);
    expect(problems.map((p) => p.path)).toEqual([
      'meta.originCountry',
      'travelDocuments',
      'conveyance',
      'portOfEntry.country',
      'laneRequested',
    ]);
    expect(describeDomainProblems(problems)).toContain(
      'travelDocuments: a crossing presents at least one travel document; conveyance: a BUS crossing names its vehicle',
    );
    expect(describeDomainProblems([])).toBe('');
  });

  it('leaves the crossing it checks unchanged', () => {
    const crossing = northbound(() => ({ travelDocuments: [], laneRequested: 'FAST' }));
    const before = structuredClone(crossing);
    travellerCrossingProblems(crossing);
    expect(crossing).toEqual(before);
  });

  it('are what domainRulesOf gives for the crossing type, and no other type has any', () => {
    const rules = domainRulesOf('org.puente.v1.TravellerCrossing');
    const crossing = northbound(() => ({ travelDocuments: [] }));
    expect(rules?.(crossing)).toEqual(travellerCrossingProblems(crossing));
    expect(domainRulesOf('org.puente.v1.CargoManifest')).toBeUndefined();
    expect(domainRulesOf('TravellerCrossing')).toBeUndefined();
  });
});
