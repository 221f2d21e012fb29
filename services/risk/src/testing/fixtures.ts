// Test fixtures: cargo manifests from schemas/examples (with fresh ids) and the screening results
// the screening service would publish for them, following its contract (key = manifestId,
// screeningId = <manifestId>/<role>, correlationId = the manifest's eventId).
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import { createCodec, readExamples } from '@puente/contracts';
import type { AvroCodec, CargoManifest, ScreeningOutcome, ScreeningResult } from '@puente/contracts';

import { expectedRoles } from '../risk-rules.js';
import type { PartyRole } from '../risk-rules.js';

const examplesDir = fileURLToPath(new URL('../../../../schemas/examples', import.meta.url));
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

let cached: Map<string, CargoManifest> | undefined;

/** A cargo manifest example by file name (e.g. `us-northbound-laredo`), with a fresh eventId. */
export function exampleManifest(
  name: 'us-northbound-laredo' | 'us-northbound-otay-mesa-produce' | 'mx-southbound-ciudad-juarez',
  overrides: Partial<CargoManifest> = {},
  codec: AvroCodec = createCodec(),
): CargoManifest {
  if (!cached) {
    cached = new Map();
    for (const example of readExamples(examplesDir)) {
      if (example.domain !== 'cargo-manifests' || example.expectErrors) continue;
      const base = example.file.replace(/^cargo-manifests\//, '').replace(/\.json$/, '');
      cached.set(base, codec.fromFriendlyJson(example.topic, example.value) as CargoManifest);
    }
  }
  const manifest = cached.get(name);
  if (!manifest) throw new Error(`no cargo manifest example ${name}`);
  const copy = structuredClone(manifest);
  return { ...copy, meta: { ...copy.meta, eventId: randomUUID() }, ...overrides };
}

/** One screening result per expected party, CLEAR unless `outcomes` says otherwise. */
export function screeningResultsFor(
  manifest: CargoManifest,
  outcomes: Partial<Record<PartyRole, ScreeningOutcome>> = {},
): ScreeningResult[] {
  return expectedRoles(manifest).map((role) => {
    const outcome = outcomes[role] ?? 'CLEAR';
    const party = role === 'driver' ? null : manifest[role];
    return {
      meta: {
        eventId: randomUUID(),
        occurredAt: new Date(),
        originCountry: manifest.meta.originCountry,
        originAgency: manifest.meta.originCountry === 'US' ? 'CBP' : 'ANAM',
        classification: 'LAW_ENFORCEMENT_SENSITIVE',
        releasableTo: ['US', 'MX'],
        purposes: ['BORDER_SECURITY'],
        correlationId: manifest.meta.eventId,
        supersedes: null,
      },
      screeningId: `${manifest.manifestId}/${role}`,
      subjectType: role === 'driver' ? 'TRAVELLER' : 'PARTY',
      traveller: role === 'driver' ? manifest.driver : null,
      conveyance: null,
      shipmentReference: null,
      party,
      crossingReference: null,
      manifestReference: manifest.manifestId,
      partyRole:
        role === 'driver'
          ? 'DRIVER'
          : role === 'consignor'
            ? 'CONSIGNOR'
            : role === 'consignee'
              ? 'CONSIGNEE'
              : 'CARRIER',
      portOfEntry: manifest.portOfEntry,
      screeningSystem: manifest.meta.originCountry === 'US' ? 'CBP ATS' : 'ANAM SIAVE',
      lists: [{ listId: 'OFAC-SDN', name: 'OFAC Specially Designated Nationals', owner: 'U.S. Treasury OFAC' }],
      outcome,
      score: outcome === 'CLEAR' ? 0.12 : outcome === 'POTENTIAL_MATCH' ? 0.86 : 0.97,
      matchedEntry:
        outcome === 'CLEAR'
          ? null
          : { listId: 'OFAC-SDN', entryId: 'SDN-48213', matchedName: 'SYNTHETIC ENTRY', matchedOn: ['name'] },
      ruleId: 'TEST-RULE-1',
      referredForInspection: outcome !== 'CLEAR',
    };
  });
}
