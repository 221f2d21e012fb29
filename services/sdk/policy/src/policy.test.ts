import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { compilePolicySet } from './policy-set.js';
import { PolicyError } from './errors.js';
import { cargoManifest, compileOptions, meta, POLICIES_DIR, REPO, topicType } from './testing/fixtures.js';
import { parseSchema } from '@puente/contracts';
import { createCodec } from '@puente/contracts';
import { readExamples } from '@puente/contracts';

const EXAMPLES_DIR = `${REPO}schemas/examples`;
const codec = createCodec();

const MX_ANAM = { country: 'MX', agency: 'ANAM' };
const realAgreements = () =>
  compilePolicySet(
    ['us-to-mx.yaml', 'mx-to-us.yaml'].map((name) => ({
      file: `deploy/policies/${name}`,
      text: readFileSync(`${POLICIES_DIR}/${name}`, 'utf8'),
    })),
    compileOptions,
  );

function agreement(topics: string, extra = ''): string {
  return `id: test-us-mx
version: 1
from: US
to: MX
purposes: [CUSTOMS]
classificationCeiling: RESTRICTED
hashKeys: { current: { id: test-1, env: PUENTE_HASH_KEY_US_MX } }
${extra}topics:
${topics}`;
}

function compileOne(yaml: string) {
  return compilePolicySet([{ file: 'test.yaml', text: yaml }], compileOptions);
}

function loadErrors(yaml: string): PolicyError {
  try {
    compileOne(yaml);
  } catch (error) {
    if (error instanceof PolicyError) return error;
    throw error;
  }
  throw new Error('expected the agreement to be rejected');
}

describe('the real agreements', () => {
  it('load, validate and compile', () => {
    const set = realAgreements();
    expect(set.agreements.map((a) => a.id)).toEqual(['us-to-mx', 'mx-to-us']);
    expect(
      set
        .feedsFor(MX_ANAM)
        .map((feed) => feed.policy.topic)
        .sort(),
    ).toEqual([
      'us.audit-checkpoints.v1',
      'us.cargo-manifests.v1',
      'us.investigations.v1',
      'us.pre-clearance-decisions.v1',
      'us.prosecutions.v1',
      'us.risk-assessments.v1',
      'us.screening-results.v1',
      'us.traveller-crossings.v1',
      'us.trusted-travellers.v1',
    ]);
    expect(set.feedsFor({ country: 'MX', agency: 'UNKNOWN' })).toEqual([]);
    expect(set.feedsFor({ country: 'US', agency: 'CBP' }).every((f) => f.policy.topic.startsWith('mx.'))).toBe(true);
  });

  it('shares a cargo manifest with names kept, the licence hashed and the birth date generalised', () => {
    const policy = realAgreements().policy('us-to-mx', 'us.cargo-manifests.v1');
    const event = cargoManifest();
    const decision = policy?.apply(event, MX_ANAM);
    expect(decision?.admitted).toBe(true);
    if (!decision?.admitted) return;
    const view = decision.view as Record<string, any>;
    expect(view['consignor'].name).toBe('Acme Synthetic Exports LLC');
    expect(view['consignor'].address).toBeUndefined();
    expect(view['driver'].dateOfBirth).toBe('1984');
    expect(view['driver'].documents[0].documentNumber).toMatch(/^usmx-dev-1:[A-Za-z0-9_-]{43}$/);
    expect(view['driver'].documents[0].documentNumber).not.toContain('55512345');
    expect(view['driver'].aliases).toBeUndefined();
    expect(view['driver'].address).toBeUndefined();
    expect(view['conveyance'].vehicleIdentificationNumber).toBeUndefined();
    expect(view['goods'][0].declaredValue).toBe('48200.00');
    const viewType = parseSchema(policy!.viewSchema as never);
    expect(viewType.isValid(view)).toBe(true);
  });

  it('withholds records by condition, partner and purpose, and explains why', () => {
    const policy = realAgreements().policy('us-to-mx', 'us.cargo-manifests.v1')!;
    const restricted = cargoManifest({ meta: meta({ classification: 'RESTRICTED' }) });
    expect(policy.apply(restricted, MX_ANAM)).toMatchObject({ admitted: false });
    const notReleasable = cargoManifest({ meta: meta({ releasableTo: ['US'] }) });
    expect(policy.apply(notReleasable, MX_ANAM).admitted).toBe(false);
    const otherAgency = policy.apply(cargoManifest(), { country: 'MX', agency: 'PEMEX' });
    expect(otherAgency).toMatchObject({
      admitted: false,
      reason: expect.stringContaining('does not name agency PEMEX'),
    });
    const noPurpose = cargoManifest({ meta: meta({ purposes: ['TRADE_FACILITATION'] }) });
    expect(policy.apply(noPurpose, MX_ANAM).admitted).toBe(true);
    const explained = policy.explain(restricted, MX_ANAM);
    // The topic's ceiling (LAW_ENFORCEMENT_SENSITIVE) withholds it before the rule's own cap is evaluated.
    expect(explained).toMatchObject({ decision: 'withheld', gate: 'ceiling', evaluations: [] });
    expect(explained.reason).toContain('classification ceiling of topic us.cargo-manifests.v1');
    const admitted = policy.explain(cargoManifest(), MX_ANAM);
    expect(admitted.decision).toBe('admitted');
    const byPath = new Map(admitted.fields.map((f) => [f.path, f]));
    expect(byPath.get('driver.documents[*].documentNumber')).toEqual({
      path: 'driver.documents[*].documentNumber',
      action: 'hash',
      decidedBy: 'driver.documents[*].documentNumber',
      domesticOnly: false,
      normalization: 'document-number',
      keyIds: ['usmx-dev-1'],
    });
    expect(byPath.get('consignor.address.street')).toMatchObject({ action: 'removed', decidedBy: null });
    expect(byPath.get('carrier.address.street')).toMatchObject({ action: 'keep', decidedBy: 'carrier' });
    expect(byPath.get('meta.classification')).toMatchObject({ action: 'keep', decidedBy: 'meta' });
  });

  it('takes the same decisions and writes the same views from the events’ Avro as from their values', () => {
    const set = realAgreements();
    const examples = readExamples(EXAMPLES_DIR).filter((e) => e.expectErrors === undefined);
    let checked = 0;
    for (const feed of [...set.feedsFor(MX_ANAM), ...set.feedsFor({ country: 'US', agency: 'CBP' })]) {
      const { policy } = feed;
      const rootType = topicType(policy.topic)!;
      const viewType = parseSchema(policy.viewSchema as never);
      const partner = { country: feed.agreement.to.country, agency: feed.agreement.to.agencies?.[0] ?? 'ANY' };
      for (const example of examples.filter((e) => e.topic === policy.topic)) {
        const value = codec.fromFriendlyJson(policy.topic, example.value) as Record<string, unknown>;
        // Admitted as it is, withheld when RESTRICTED, and withheld for another country.
        const variants = [value, { ...value, meta: { ...(value['meta'] as object), classification: 'RESTRICTED' } }];
        for (const event of variants) {
          for (const who of [partner, { country: 'XX', agency: 'NONE' }]) {
            const decision = policy.apply(event, who);
            const fromBytes = policy.applyBytes(rootType.toBuffer(event), 0, who);
            expect(fromBytes, `${example.file} for ${who.country}`).toBeDefined();
            expect(fromBytes?.admitted).toBe(decision.admitted);
            expect(fromBytes?.rule).toBe(decision.rule);
            if (decision.admitted && fromBytes?.admitted) {
              expect(fromBytes.viewBytes.equals(viewType.toBuffer(decision.view)), example.file).toBe(true);
              checked++;
            }
          }
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(5);
  });

  it('withhold a RESTRICTED record by the topic ceiling on every topic but screening results, in both directions', () => {
    const set = realAgreements();
    const examples = readExamples(EXAMPLES_DIR).filter((e) => e.expectErrors === undefined);
    const seen: string[] = [];
    for (const feed of [...set.feedsFor(MX_ANAM), ...set.feedsFor({ country: 'US', agency: 'CBP' })]) {
      const { policy, agreement: compiled } = feed;
      const partner = { country: compiled.to.country, agency: compiled.to.agencies?.[0] ?? 'ANY' };
      const screening = policy.topic.endsWith('.screening-results.v1');
      expect(compiled.classificationCeiling).toBe('RESTRICTED');
      expect(policy.classificationCeiling, policy.topic).toBe(screening ? 'RESTRICTED' : 'LAW_ENFORCEMENT_SENSITIVE');
      for (const example of examples.filter((e) => e.topic === policy.topic)) {
        const value = codec.fromFriendlyJson(policy.topic, example.value) as Record<string, unknown>;
        const at = (classification: string) => ({
          ...value,
          meta: { ...(value['meta'] as object), classification, releasableTo: [partner.country] },
        });
        const restricted = policy.explain(at('RESTRICTED'), partner);
        if (screening) {
          // Shared without the score by the rule that asks for RESTRICTED.
          expect(restricted, example.file).toMatchObject({ decision: 'admitted', rule: 'screening-restricted' });
        } else {
          expect(restricted, example.file).toMatchObject({
            decision: 'withheld',
            gate: 'ceiling',
            reason: `withheld by the classification ceiling of topic ${policy.topic} in agreement ${compiled.id} v${compiled.version}: RESTRICTED is above LAW_ENFORCEMENT_SENSITIVE`,
          });
        }
        // Below the ceiling, the rules decide as before.
        expect(policy.explain(at('LAW_ENFORCEMENT_SENSITIVE'), partner).gate, example.file).toBeNull();
        seen.push(policy.topic);
      }
    }
    expect(new Set(seen).size).toBeGreaterThanOrEqual(10);
  });

  it('writes views larger than its starting buffer, and keeps no huge buffer after', () => {
    const policy = realAgreements().policy('us-to-mx', 'us.cargo-manifests.v1')!;
    const rootType = topicType('us.cargo-manifests.v1')!;
    const viewType = parseSchema(policy.viewSchema as never);
    const base = cargoManifest();
    const item = (base['goods'] as Record<string, unknown>[])[0]!;
    for (const count of [400, 20_000, 3]) {
      const event = { ...base, goods: Array.from({ length: count }, (_, i) => ({ ...item, lineNumber: i + 1 })) };
      const decision = policy.apply(event, MX_ANAM);
      const fromBytes = policy.applyBytes(rootType.toBuffer(event), 0, MX_ANAM);
      if (!decision.admitted || !fromBytes?.admitted) throw new Error('fixture withheld');
      expect(fromBytes.viewBytes.length).toBeGreaterThan(count > 3 ? 8 * 1024 : 0);
      expect(fromBytes.viewBytes.equals(viewType.toBuffer(decision.view)), `${count} goods`).toBe(true);
    }
  });

  it('leaves to the decoding path what it cannot confirm from bytes: a condition reading `event`, damaged bytes', () => {
    const readsEvent = compileOne(
      agreement(`  us.cargo-manifests.v1:
    rules:
      - when: "event.manifestId != ''"
        fields:
          manifestId: keep
`),
    ).policy('test-us-mx', 'us.cargo-manifests.v1')!;
    const rootType = topicType('us.cargo-manifests.v1')!;
    const bytes = rootType.toBuffer(cargoManifest());
    expect(readsEvent.applyBytes(bytes, 0, MX_ANAM)).toBeUndefined();
    const policy = realAgreements().policy('us-to-mx', 'us.cargo-manifests.v1')!;
    expect(policy.applyBytes(bytes, 0, MX_ANAM)?.admitted).toBe(true);
    expect(policy.applyBytes(bytes.subarray(0, bytes.length - 1), 0, MX_ANAM)).toBeUndefined();
    expect(policy.applyBytes(Buffer.concat([bytes, Buffer.from([0])]), 0, MX_ANAM)).toBeUndefined();
    // Withheld by its meta, but damaged after it: not "withheld", so decoding reports the damage.
    const restricted = rootType.toBuffer(cargoManifest({ meta: meta({ classification: 'RESTRICTED' }) }));
    expect(policy.applyBytes(restricted, 0, MX_ANAM)).toMatchObject({ admitted: false });
    expect(policy.applyBytes(restricted.subarray(0, restricted.length - 1), 0, MX_ANAM)).toBeUndefined();
  });

  it('merges two screening rules into one view: score present only outside RESTRICTED', () => {
    const policy = realAgreements().policy('us-to-mx', 'us.screening-results.v1')!;
    const fields = (policy.viewSchema['fields'] as { name: string; type: unknown }[]).map((f) => [f.name, f.type]);
    expect(Object.fromEntries(fields)['score']).toEqual(['null', 'double']);
  });
});

describe('load-time validation', () => {
  it('names file, line and path for a misspelt field, with a suggestion', () => {
    const error = loadErrors(
      agreement(`  us.cargo-manifests.v1:
    rules:
      - name: r
        fields:
          meta: keep
          consigne.name: keep
`),
    );
    expect(error.problems).toHaveLength(1);
    expect(error.problems[0]).toMatchObject({ file: 'test.yaml', line: 14 });
    expect(error.message).toContain("unknown field 'consigne' in record CargoManifest (did you mean 'consignee'?)");
  });

  it('lists every problem at once: unknown topic, bad transform, bad condition, bad action, missing key', () => {
    const error = loadErrors(
      `id: test-us-mx
version: 1
from: US
to: MX
purposes: [CUSTOMS]
classificationCeiling: RESTRICTED
hashKeys: { current: { id: test-1, env: PUENTE_HASH_KEY_NOT_SET } }
topics:
  us.unknown.v1:
    rules:
      - fields: { meta: keep }
  mx.cargo-manifests.v1:
    rules:
      - fields: { meta: keep }
  us.cargo-manifests.v1:
    rules:
      - name: r
        when: "meta.classification <= "
        fields:
          meta: keep
          manifestId: { generalize: year }
          driver: hash
          goods.hsCode: keep
          direction: hash
          seals: frobnicate
`,
    );
    const text = error.problems.map((p) => `${p.line ?? '-'} ${p.at ?? ''} ${p.message}`).join('\n');
    expect(text).toMatch(
      /^7 hashKeys\.current environment variable PUENTE_HASH_KEY_NOT_SET \(HMAC key test-1\) is not set/m,
    );
    expect(text).toMatch(/^9 topics\.us\.unknown\.v1 unknown topic/m);
    expect(text).toMatch(/^12 topics\.mx\.cargo-manifests\.v1 is MX data/m);
    expect(text).toMatch(/^18 .*when condition does not compile/m);
    expect(text).toMatch(/^21 .*generalize applies to dates and timestamps, not to string/m);
    expect(text).toMatch(/^22 .*hash cannot apply to record Person; name its fields instead/m);
    expect(text).toMatch(/^23 .*'goods' is an array: address its elements as goods\[\*\]\.hsCode/m);
    expect(text).toMatch(/^24 .*hash of an enum is reversed/m);
    expect(text).toMatch(/^25 .*'frobnicate' must be keep, drop, hash/m);
    expect(error.problems.every((p) => p.file === 'test.yaml')).toBe(true);
  });

  it('refuses hash without a key variable and YAML that is not an agreement', () => {
    const noKey = loadErrors(`id: a
version: 1
from: US
to: MX
purposes: [CUSTOMS]
classificationCeiling: SENSITIVE
topics:
  us.cargo-manifests.v1:
    rules:
      - fields: { meta: keep, manifestId: hash }
`);
    expect(noKey.message).toContain('id: must be a lower-case id');
    expect(noKey.message).toContain('rules use hash, but the agreement names no hashKeys');
    expect(loadErrors('id: [unclosed').message).toContain('test.yaml:1: YAML:');
    expect(loadErrors('- a list').message).toContain('an agreement is a YAML mapping');
  });

  it('refuses a document number kept raw on the new topics, on the field or through an ancestor, naming file, line and path', () => {
    const error = loadErrors(
      agreement(`  us.traveller-crossings.v1:
    rules:
      - name: crossings
        fields:
          meta: keep
          travelDocuments[*].documentNumber: keep
          traveller: keep
          memberships: keep
  us.trusted-travellers.v1:
    rules:
      - name: registry
        fields:
          meta: keep
          membershipId: keep
          holder.documents[*]: keep
`),
    );
    const problems = error.problems.map((p) => [p.file, p.line, p.at]);
    expect(problems).toEqual([
      ['test.yaml', 15, 'topics.us.traveller-crossings.v1.rules[0].fields.traveller'],
      ['test.yaml', 14, 'topics.us.traveller-crossings.v1.rules[0].fields.travelDocuments[*].documentNumber'],
      ['test.yaml', 16, 'topics.us.traveller-crossings.v1.rules[0].fields.memberships'],
      ['test.yaml', 22, 'topics.us.trusted-travellers.v1.rules[0].fields.membershipId'],
      ['test.yaml', 23, 'topics.us.trusted-travellers.v1.rules[0].fields.holder.documents[*]'],
    ]);
    expect(error.message).toContain(
      "'travelDocuments[*].documentNumber' is a document number in record IdentityDocument: it leaves only hashed with the bilateral key",
    );
    expect(error.message).toContain(
      "'traveller.documents[*].documentNumber' is a document number in record IdentityDocument, but 'traveller: keep' would release it raw",
    );
    expect(error.message).toContain(
      "'memberships[*].membershipId' is a document number in record TrustedTravellerMembership",
    );
  });

  it('loads a document number hashed, masked or dropped, and an ancestor kept when the number is hashed beneath it', () => {
    const set = compileOne(
      agreement(`  us.traveller-crossings.v1:
    rules:
      - name: crossings
        fields:
          meta: keep
          traveller: keep
          traveller.documents[*].documentNumber: { hash: document-number }
          travelDocuments[*].documentNumber: { mask: last4 }
          memberships: keep
          memberships[*].membershipId: drop
`),
    );
    expect(set.policy('test-us-mx', 'us.traveller-crossings.v1')).toBeDefined();
  });

  it('refuses unknown paths and impossible transforms on the new schemas, naming file, line and path', () => {
    const error = loadErrors(
      agreement(`  us.traveller-crossings.v1:
    rules:
      - name: crossings
        fields:
          meta: keep
          travelDocuments[*].passportNumber: { hash: document-number }
          travelDocuments.documentType: keep
          mode: hash
          arrivedAt: { mask: initials }
          laneRequested: { generalize: year }
  us.pre-clearance-decisions.v1:
    rules:
      - name: decisions
        fields:
          meta: keep
          trustedShiper: keep
          cause: { hash: document-number }
`),
    );
    const text = error.problems.map((p) => `${p.file}:${p.line ?? '-'} ${p.at ?? ''} ${p.message}`).join('\n');
    const rule = 'topics.us.traveller-crossings.v1.rules[0].fields';
    expect(text).toContain(
      `test.yaml:14 ${rule}.travelDocuments[*].passportNumber unknown field 'passportNumber' in record IdentityDocument`,
    );
    expect(text).toContain(
      `test.yaml:14 ${rule}.travelDocuments 'travelDocuments' is an array: address its elements as travelDocuments[*].documentType`,
    );
    expect(text).toContain(`test.yaml:16 ${rule}.mode hash of an enum is reversed`);
    expect(text).toContain(
      `test.yaml:17 ${rule}.arrivedAt mask applies to strings and whole numbers, not to timestamp-millis`,
    );
    expect(text).toContain(
      `test.yaml:18 ${rule}.laneRequested generalize applies to dates and timestamps, not to enum PortLane`,
    );
    expect(text).toContain(
      "test.yaml:24 topics.us.pre-clearance-decisions.v1.rules[0].fields.trustedShiper unknown field 'trustedShiper' in record PreClearanceDecision (did you mean 'trustedShipper'?)",
    );
    expect(text).toMatch(
      /^test\.yaml:25 topics\.us\.pre-clearance-decisions\.v1\.rules\[0\]\.fields\.cause hash cannot apply to record SubjectReference/m,
    );
    expect(error.problems).toHaveLength(7);
  });

  it('refuses two agreements with one id', () => {
    const text = agreement(`  us.cargo-manifests.v1:
    rules:
      - fields: { meta: keep }
`);
    expect(() =>
      compilePolicySet(
        [
          { file: 'a.yaml', text },
          { file: 'b.yaml', text },
        ],
        compileOptions,
      ),
    ).toThrow(/agreement id 'test-us-mx' is also used by a.yaml/);
  });
});

describe('field actions', () => {
  const apply = (fields: string, event = cargoManifest()) => {
    const set = compileOne(
      agreement(`  us.cargo-manifests.v1:
    rules:
      - name: r
        fields:
${fields
  .trim()
  .split('\n')
  .map((line) => `          ${line.trim()}`)
  .join('\n')}
`),
    );
    const policy = set.policy('test-us-mx', 'us.cargo-manifests.v1')!;
    const decision = policy.apply(event, MX_ANAM);
    if (!decision.admitted) throw new Error(decision.reason);
    expect(parseSchema(policy.viewSchema as never).isValid(decision.view)).toBe(true);
    return decision.view as Record<string, any>;
  };

  it('keep copies a subtree; a more specific path overrides it; everything else is removed', () => {
    const view = apply(`
      manifestId: keep
      driver: keep
      driver.address: drop
      driver.documents[*].documentNumber: { mask: last4 }
    `);
    expect(Object.keys(view).sort()).toEqual(['driver', 'manifestId']);
    expect(view['driver'].address).toBeUndefined();
    expect(view['driver'].givenNames).toBe('Rosa Elena');
    expect(view['driver'].documents[0].documentNumber).toBe('***********2345');
    expect(view['driver'].documents[0].issuingAuthority).toBe('TX DPS');
  });

  it('masks initials, redacts, generalizes timestamps to the month, passes nulls through', () => {
    const view = apply(`
      manifestId: { mask: redact }
      estimatedArrival: { generalize: month }
      driver.givenNames: { mask: initials }
      driver.secondSurname: { mask: initials }
      customsBroker.name: keep
    `);
    expect(view).toEqual({
      manifestId: '[REDACTED]',
      estimatedArrival: '2026-11',
      driver: { givenNames: 'R. E.', secondSurname: 'B.' },
      customsBroker: null,
    });
  });

  it('hashes each element of an array of strings, and a null driver stays null', () => {
    const view = apply(
      `
      driver.aliases: hash
      conveyance.trailerIds[*]: hash
    `,
      cargoManifest({ driver: null }),
    );
    expect(view['driver']).toBeNull();
    expect(view['conveyance'].trailerIds).toHaveLength(1);
    expect(view['conveyance'].trailerIds[0]).toMatch(/^test-1:[A-Za-z0-9_-]{43}$/);
  });

  it('derives a deterministic view schema with re-typed fields and no withheld names', () => {
    const fields = `
      manifestId: keep
      driver.documents[*].documentNumber: hash
      driver.dateOfBirth: { generalize: year }
    `;
    const schemaOf = () => {
      const set = compileOne(
        agreement(`  us.cargo-manifests.v1:
    rules:
      - fields:
${fields
  .trim()
  .split('\n')
  .map((line) => `          ${line.trim()}`)
  .join('\n')}
`),
      );
      return set.policy('test-us-mx', 'us.cargo-manifests.v1')!.viewSchema;
    };
    const schema = schemaOf();
    expect(JSON.stringify(schemaOf())).toBe(JSON.stringify(schema));
    const text = JSON.stringify(schema);
    expect(text).not.toContain('licensePlate');
    expect(text).not.toContain('"aliases"');
    expect(schema['name']).toBe('org.puente.v1.view.test_us_mx.CargoManifest');
    const driver = (schema['fields'] as { name: string; type: any }[]).find((f) => f.name === 'driver');
    expect(driver?.type[1].fields.map((f: { name: string }) => f.name)).toEqual(['dateOfBirth', 'documents']);
    expect(driver?.type[1].fields[0].type).toEqual(['null', 'string']);
    expect(driver?.type[1].fields[1].type.items.fields).toEqual([
      expect.objectContaining({ name: 'documentNumber', type: 'string' }),
    ]);
  });
});

describe('a condition that errors', () => {
  it('withholds the record (default deny) and explains the error', () => {
    const set = compileOne(
      agreement(`  us.cargo-manifests.v1:
    rules:
      - name: needs-driver
        when: "event.driver.surname == 'Quintanilla'"
        fields: { manifestId: keep }
`),
    );
    const policy = set.policy('test-us-mx', 'us.cargo-manifests.v1')!;
    expect(policy.apply(cargoManifest(), MX_ANAM).admitted).toBe(true);
    const withoutDriver = cargoManifest({ driver: null });
    expect(policy.apply(withoutDriver, MX_ANAM).admitted).toBe(false);
    const explained = policy.explain(withoutDriver, MX_ANAM);
    expect(explained.evaluations[0]?.result).toEqual({ error: expect.any(String) });
  });
});

describe('validity window', () => {
  it('withholds everything outside the agreement window', () => {
    const set = compileOne(
      agreement(
        `  us.cargo-manifests.v1:
    rules:
      - fields: { manifestId: keep }
`,
        'validFrom: 2026-01-01\nvalidUntil: 2027-01-01\n',
      ),
    );
    const policy = set.policy('test-us-mx', 'us.cargo-manifests.v1')!;
    expect(policy.apply(cargoManifest(), MX_ANAM, Date.UTC(2026, 5, 1)).admitted).toBe(true);
    expect(policy.apply(cargoManifest(), MX_ANAM, Date.UTC(2027, 5, 1))).toMatchObject({
      admitted: false,
      reason: expect.stringContaining('not in force'),
    });
  });
});

void topicType;
