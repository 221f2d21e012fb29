// Markings are gates before any rule (validity, recipient, releasability, ceiling, purpose,
// declared purpose) and `puente.domesticOnly` fields never leave: one test per gate and per
// load error, with the file, line and path an operator needs.
import { describe, expect, it } from 'vitest';

import type { Partner } from './condition.js';
import { PolicyError, type PolicyProblem } from './errors.js';
import { compilePolicySet } from './policy-set.js';
import {
  cargoManifest,
  compileOptions,
  meta,
  NESTED_DOMESTIC,
  nestedDomesticType,
  testCompileOptions,
  topicType,
} from './testing/fixtures.js';

const MX_ANAM: Partner = { country: 'MX', agency: 'ANAM' };
const CARGO = 'us.cargo-manifests.v1';

/** An agreement whose only rule has no condition: whatever is withheld, a gate withheld it. */
function agreement(
  options: { ceiling?: string; topicCeiling?: string; purposes?: string; extra?: string; when?: string } = {},
): string {
  return `id: gated
version: 7
from: US
to: { country: MX, agencies: [ANAM, FGR] }
purposes: [${options.purposes ?? 'CUSTOMS'}]
classificationCeiling: ${options.ceiling ?? 'LAW_ENFORCEMENT_SENSITIVE'}
${options.extra ?? ''}topics:
  ${CARGO}:
${options.topicCeiling ? `    classificationCeiling: ${options.topicCeiling}\n` : ''}    rules:
      - name: everything
${options.when ? `        when: "${options.when}"\n` : ''}        fields:
          meta: keep
          manifestId: keep
`;
}

const policyOf = (text: string, topic = CARGO) =>
  compilePolicySet([{ file: 'gated.yaml', text }], compileOptions).policy('gated', topic)!;

function problemsOf(text: string, options = compileOptions): readonly PolicyProblem[] {
  try {
    compilePolicySet([{ file: 'gated.yaml', text }], options);
  } catch (error) {
    if (error instanceof PolicyError) return error.problems;
    throw error;
  }
  throw new Error('expected the agreement to be refused');
}

/** apply, applyBytes and explain agree on the gate and the reason: one gate function for all three. */
function decide(text: string, event: Record<string, unknown>, partner: Partner = MX_ANAM, now?: number) {
  const policy = policyOf(text);
  const decision = policy.apply(event, partner, now);
  const fromBytes = policy.applyBytes(topicType(CARGO)!.toBuffer(event), 0, partner, now === undefined ? {} : { now });
  const explained = policy.explain(event, partner, now);
  expect(fromBytes?.admitted).toBe(decision.admitted);
  if (!decision.admitted) {
    expect(fromBytes).toMatchObject({ gate: decision.gate, reason: decision.reason });
    expect(explained).toMatchObject({ decision: 'withheld', gate: decision.gate, reason: decision.reason });
  } else {
    expect(explained).toMatchObject({ decision: 'admitted', gate: null });
  }
  return decision;
}

describe('gates before any rule', () => {
  it('admits a record that passes every gate', () => {
    expect(decide(agreement(), cargoManifest())).toMatchObject({ admitted: true, rule: 'everything' });
  });

  it('releasability: withholds a record whose releasableTo lacks the recipient, even with no rule condition', () => {
    const decision = decide(agreement(), cargoManifest({ meta: meta({ releasableTo: ['US'] }) }));
    expect(decision).toEqual({
      admitted: false,
      rule: null,
      gate: 'releasability',
      reason: 'withheld by releasability: the record is releasable to US, not to MX (agreement gated v7)',
    });
    expect(decide(agreement(), cargoManifest({ meta: meta({ releasableTo: [] }) }))).toMatchObject({
      gate: 'releasability',
      reason: expect.stringContaining('releasable to none, not to MX'),
    });
  });

  it('ceiling: withholds a record above the agreement’s classification ceiling, and admits one at it', () => {
    const decision = decide(agreement(), cargoManifest({ meta: meta({ classification: 'RESTRICTED' }) }));
    expect(decision).toMatchObject({
      admitted: false,
      gate: 'ceiling',
      reason:
        'withheld by the classification ceiling of agreement gated v7: RESTRICTED is above LAW_ENFORCEMENT_SENSITIVE',
    });
    const atCeiling = cargoManifest({ meta: meta({ classification: 'LAW_ENFORCEMENT_SENSITIVE' }) });
    expect(decide(agreement(), atCeiling).admitted).toBe(true);
    expect(decide(agreement({ ceiling: 'PUBLIC' }), cargoManifest())).toMatchObject({ gate: 'ceiling' });
    expect(
      decide(agreement({ ceiling: 'RESTRICTED' }), cargoManifest({ meta: meta({ classification: 'RESTRICTED' }) }))
        .admitted,
    ).toBe(true);
  });

  it('ceiling: a topic’s own ceiling lowers the agreement’s for that topic, and the reason names it', () => {
    const lowered = agreement({ ceiling: 'RESTRICTED', topicCeiling: 'SENSITIVE' });
    const les = cargoManifest({ meta: meta({ classification: 'LAW_ENFORCEMENT_SENSITIVE' }) });
    // Without the topic ceiling the agreement's RESTRICTED admits it; with it, the topic's withholds it.
    expect(decide(agreement({ ceiling: 'RESTRICTED' }), les).admitted).toBe(true);
    expect(decide(lowered, les)).toEqual({
      admitted: false,
      rule: null,
      gate: 'ceiling',
      reason:
        'withheld by the classification ceiling of topic us.cargo-manifests.v1 in agreement gated v7: LAW_ENFORCEMENT_SENSITIVE is above SENSITIVE',
    });
    const restricted = cargoManifest({ meta: meta({ classification: 'RESTRICTED' }) });
    expect(decide(lowered, restricted)).toMatchObject({ gate: 'ceiling', reason: expect.stringContaining('topic') });
    expect(decide(lowered, cargoManifest({ meta: meta({ classification: 'SENSITIVE' }) })).admitted).toBe(true);
    // A topic ceiling equal to the agreement's changes nothing.
    expect(decide(agreement({ ceiling: 'RESTRICTED', topicCeiling: 'RESTRICTED' }), restricted).admitted).toBe(true);
    expect(policyOf(lowered).classificationCeiling).toBe('SENSITIVE');
    expect(policyOf(agreement()).classificationCeiling).toBe('LAW_ENFORCEMENT_SENSITIVE');
  });

  it('an unknown classification is above every ceiling', () => {
    const policy = policyOf(agreement({ ceiling: 'RESTRICTED' }));
    expect(policy.apply(cargoManifest({ meta: meta({ classification: 'TOP_SECRET' }) }), MX_ANAM)).toMatchObject({
      gate: 'ceiling',
    });
  });

  it('purpose: withholds a record none of whose purposes the agreement lists', () => {
    const event = cargoManifest({ meta: meta({ purposes: ['TRADE_FACILITATION', 'PROSECUTION'] }) });
    expect(decide(agreement(), event)).toMatchObject({
      gate: 'purpose',
      reason:
        "withheld by purpose: none of the record's purposes (TRADE_FACILITATION, PROSECUTION) is one of agreement gated v7's (CUSTOMS)",
    });
  });

  it('declared purpose: admits only for a purpose the agreement lists and the subscriber declared', () => {
    // The event is for CUSTOMS and BORDER_SECURITY; the agreement allows CUSTOMS and PROSECUTION.
    const text = agreement({ purposes: 'CUSTOMS, PROSECUTION' });
    const event = cargoManifest();
    const declaring = (...purposes: string[]): Partner => ({ ...MX_ANAM, purposes });
    expect(decide(text, event, declaring('CUSTOMS')).admitted).toBe(true);
    expect(decide(text, event, declaring('PROSECUTION', 'CUSTOMS')).admitted).toBe(true);
    // BORDER_SECURITY is the event's, and declared, but not the agreement's; PROSECUTION is not the event's.
    expect(decide(text, event, declaring('BORDER_SECURITY', 'PROSECUTION'))).toMatchObject({
      admitted: false,
      gate: 'declared-purpose',
      reason:
        "withheld by declared purpose: none of the record's purposes under agreement gated v7 (CUSTOMS) was declared by the subscriber (BORDER_SECURITY, PROSECUTION)",
    });
    expect(decide(text, event, declaring())).toMatchObject({ gate: 'declared-purpose' });
    // Declared purposes left out of the decision (an operator's preview): the agreement's gate only.
    expect(decide(text, event, MX_ANAM).admitted).toBe(true);
  });

  it('validity and recipient come first, then releasability, ceiling, purpose, declared purpose, in that order', () => {
    const everythingWrong = cargoManifest({
      meta: meta({ releasableTo: ['US'], classification: 'RESTRICTED', purposes: ['PROSECUTION'] }),
    });
    const window = 'validFrom: 2026-01-01\nvalidUntil: 2027-01-01\n';
    const inForce = Date.UTC(2026, 5, 1);
    const text = agreement({ extra: window });
    const gateOf = (event: Record<string, unknown>, partner: Partner = MX_ANAM, now = inForce) =>
      decide(text, event, partner, now);
    expect(gateOf(everythingWrong, MX_ANAM, Date.UTC(2027, 5, 1))).toMatchObject({
      gate: 'validity',
      reason:
        'agreement gated v7 is not in force (it is valid from 2026-01-01T00:00:00.000Z to 2027-01-01T00:00:00.000Z)',
    });
    expect(gateOf(everythingWrong, { country: 'MX', agency: 'PEMEX' })).toMatchObject({
      gate: 'recipient',
      reason: 'agreement gated v7 does not name agency PEMEX',
    });
    expect(gateOf(everythingWrong, { country: 'US', agency: 'CBP' })).toMatchObject({ gate: 'recipient' });
    expect(gateOf(everythingWrong)).toMatchObject({ gate: 'releasability' });
    const releasable = meta({ classification: 'RESTRICTED', purposes: ['PROSECUTION'] });
    expect(gateOf(cargoManifest({ meta: releasable }))).toMatchObject({ gate: 'ceiling' });
    expect(gateOf(cargoManifest({ meta: { ...releasable, classification: 'SENSITIVE' } }))).toMatchObject({
      gate: 'purpose',
    });
    expect(gateOf(cargoManifest(), { ...MX_ANAM, purposes: ['PROSECUTION'] })).toMatchObject({
      gate: 'declared-purpose',
    });
  });

  it('no rule opens a gate: a condition that is always true still withholds what a gate closes', () => {
    const text = agreement({ when: "true || 'MX' in meta.releasableTo" });
    expect(decide(text, cargoManifest()).admitted).toBe(true);
    expect(decide(text, cargoManifest({ meta: meta({ releasableTo: ['US'] }) }))).toMatchObject({
      gate: 'releasability',
    });
    expect(decide(text, cargoManifest({ meta: meta({ classification: 'RESTRICTED' }) }))).toMatchObject({
      gate: 'ceiling',
    });
  });

  it('a record no rule admits is withheld with gate null, naming the agreement and version', () => {
    const decision = decide(agreement({ when: "meta.originAgency == 'nobody'" }), cargoManifest());
    expect(decision).toEqual({
      admitted: false,
      rule: null,
      gate: null,
      reason: 'no rule of agreement gated v7 admits the record',
    });
  });

  it('exposes the ceiling on the compiled agreement', () => {
    const set = compilePolicySet([{ file: 'gated.yaml', text: agreement() }], compileOptions);
    expect(set.agreement('gated')?.classificationCeiling).toBe('LAW_ENFORCEMENT_SENSITIVE');
  });
});

describe('classificationCeiling at load', () => {
  it('is required, and names the file and line', () => {
    const text = agreement().replace('classificationCeiling: LAW_ENFORCEMENT_SENSITIVE\n', '');
    expect(problemsOf(text)).toEqual([
      {
        file: 'gated.yaml',
        line: 1,
        at: 'classificationCeiling',
        message:
          'is required: the highest classification a record may have to leave (PUBLIC | SENSITIVE | LAW_ENFORCEMENT_SENSITIVE | RESTRICTED)',
      },
    ]);
  });

  it('a topic’s ceiling above the agreement’s is a load error naming file, line and path', () => {
    expect(problemsOf(agreement({ ceiling: 'SENSITIVE', topicCeiling: 'RESTRICTED' }))).toEqual([
      {
        file: 'gated.yaml',
        line: 9,
        at: 'topics.us.cargo-manifests.v1.classificationCeiling',
        message:
          "RESTRICTED is above the agreement's classificationCeiling (SENSITIVE): a topic's ceiling can only lower the agreement's",
      },
    ]);
  });

  it('a topic’s ceiling must be a classification', () => {
    expect(problemsOf(agreement({ topicCeiling: 'SECRET' }))).toEqual([
      {
        file: 'gated.yaml',
        line: 9,
        at: 'topics.us.cargo-manifests.v1.classificationCeiling',
        message: "'SECRET' is not a classification (PUBLIC | SENSITIVE | LAW_ENFORCEMENT_SENSITIVE | RESTRICTED)",
      },
    ]);
  });

  it('must be a classification', () => {
    expect(problemsOf(agreement({ ceiling: 'SECRET' }))).toEqual([
      {
        file: 'gated.yaml',
        line: 6,
        at: 'classificationCeiling',
        message: "'SECRET' is not a classification (PUBLIC | SENSITIVE | LAW_ENFORCEMENT_SENSITIVE | RESTRICTED)",
      },
    ]);
  });
});

describe('puente.domesticOnly', () => {
  const INVESTIGATIONS = 'us.investigations.v1';
  const investigations = (fields: string) => `id: gated
version: 1
from: US
to: MX
purposes: [CRIMINAL_INVESTIGATION]
classificationCeiling: RESTRICTED
topics:
  ${INVESTIGATIONS}:
    rules:
      - name: cases
        fields:
          caseId: keep
${fields}`;

  it('refuses an agreement that keeps or transforms a domestic-only field, with file, line and path', () => {
    const problems = problemsOf(
      investigations('          agentNotes: keep\n          informantReferences: { mask: redact }\n'),
    );
    expect(problems).toEqual([
      {
        file: 'gated.yaml',
        line: 13,
        at: `topics.${INVESTIGATIONS}.rules[0].fields.agentNotes`,
        message:
          "'agentNotes' is marked puente.domesticOnly in record InvestigationEvent: it never leaves its country, so no agreement may keep it; drop it explicitly (agentNotes: drop)",
      },
      {
        file: 'gated.yaml',
        line: 14,
        at: `topics.${INVESTIGATIONS}.rules[0].fields.informantReferences`,
        message: expect.stringContaining('so no agreement may mask:redact it; drop it explicitly'),
      },
    ]);
    expect(problemsOf(investigations('          informantReferences[*]: keep\n'))).toEqual([
      expect.objectContaining({
        line: 13,
        at: `topics.${INVESTIGATIONS}.rules[0].fields.informantReferences[*]`,
        message: expect.stringContaining("'informantReferences[*]: keep' would release it"),
      }),
    ]);
  });

  it('loads when they are dropped or not named, and marks their decisions domesticOnly', () => {
    const policy = policyOf(investigations('          agentNotes: drop\n'), INVESTIGATIONS);
    const event = { ...(topicType(INVESTIGATIONS)!.random() as unknown as Record<string, unknown>) };
    event['meta'] = meta({ purposes: ['CRIMINAL_INVESTIGATION'] });
    const explained = policy.explain(event, MX_ANAM);
    expect(explained.decision).toBe('admitted');
    const byPath = new Map(explained.fields.map((f) => [f.path, f]));
    expect(byPath.get('agentNotes')).toEqual({
      path: 'agentNotes',
      action: 'drop',
      decidedBy: 'agentNotes',
      domesticOnly: true,
    });
    expect(byPath.get('informantReferences[*]')).toEqual({
      path: 'informantReferences[*]',
      action: 'removed',
      decidedBy: null,
      domesticOnly: true,
    });
    expect(byPath.get('caseId')).toMatchObject({ action: 'keep', domesticOnly: false });
  });

  // Domestic-only fields nested under an array of records, to show that an ancestor's action
  // does not carry them out either.
  const NESTED = NESTED_DOMESTIC;
  const nestedType = nestedDomesticType();
  const nestedOptions = testCompileOptions;
  const nested = (fields: string) => investigations(fields).replace(`  ${INVESTIGATIONS}:`, `  ${NESTED}:`);

  it('refuses a keep on a record or on array items above a domestic-only field', () => {
    const ancestor = problemsOf(nested('          subjects: keep\n'), nestedOptions);
    expect(ancestor.map((p) => [p.line, p.at])).toEqual([
      [13, `topics.${NESTED}.rules[0].fields.subjects`],
      [13, `topics.${NESTED}.rules[0].fields.subjects`],
      [13, `topics.${NESTED}.rules[0].fields.subjects`],
    ]);
    expect(ancestor[0]?.message).toBe(
      "'subjects[*].handlerNotes' is marked puente.domesticOnly in record Subject: it never leaves its country, but 'subjects: keep' would release it; drop it explicitly (subjects[*].handlerNotes: drop)",
    );
    expect(ancestor[1]?.message).toContain("'subjects[*].sources' is marked puente.domesticOnly");
    expect(ancestor[2]?.message).toContain(
      "'subjects[*].contact.informant' is marked puente.domesticOnly in record Contact: it never leaves its country, but 'subjects: keep' would release it",
    );
    const items = problemsOf(
      nested(
        '          subjects[*]: keep\n          subjects[*].sources: drop\n          subjects[*].contact.informant: drop\n',
      ),
      nestedOptions,
    );
    expect(items).toEqual([
      expect.objectContaining({
        at: `topics.${NESTED}.rules[0].fields.subjects[*]`,
        message: expect.stringContaining("'subjects[*].handlerNotes' is marked"),
      }),
    ]);
    const beneath = problemsOf(nested('          subjects[*].sources[*]: { mask: last4 }\n'), nestedOptions);
    expect(beneath).toEqual([
      expect.objectContaining({ line: 13, at: `topics.${NESTED}.rules[0].fields.subjects[*].sources[*]` }),
    ]);
  });

  const withWhen = (text: string, when: string) =>
    text.replace('      - name: cases\n', `      - name: cases\n        when: "${when}"\n`);

  it('refuses a condition that reads a domestic-only field, naming file, line and the field', () => {
    const problems = problemsOf(
      withWhen(investigations(''), "event.agentNotes != null && event.agentNotes.contains('informant')"),
    );
    expect(problems).toEqual([
      {
        file: 'gated.yaml',
        line: 11,
        at: `topics.${INVESTIGATIONS}.rules[0].when`,
        message:
          "condition does not compile: reads 'agentNotes', which is marked puente.domesticOnly in record InvestigationEvent: a condition may not read a domestic-only field (whether a record is delivered would reveal it)",
      },
    ]);
    expect(problemsOf(withWhen(investigations(''), 'has(event.informantReferences)'))).toEqual([
      expect.objectContaining({ line: 11, message: expect.stringContaining("reads 'informantReferences'") }),
    ]);
    expect(problemsOf(withWhen(investigations(''), "event['agentNotes'] == 'x'"))[0]?.message).toContain(
      'domestic-only',
    );
    // Fields that are not domestic-only stay readable.
    expect(() =>
      compilePolicySet(
        [{ file: 'gated.yaml', text: withWhen(investigations(''), "event.caseId != ''") }],
        compileOptions,
      ),
    ).not.toThrow();
  });

  it('refuses one beneath lists and nullable records, and hides them from a condition at run time', () => {
    const refused = (when: string) =>
      problemsOf(withWhen(nested('          subjects[*].name: keep\n'), when), nestedOptions);
    expect(refused("event.subjects.exists(s, s.handlerNotes == 'x')")).toEqual([
      expect.objectContaining({ line: 11, message: expect.stringContaining("reads 'handlerNotes'") }),
    ]);
    expect(refused('event.subjects.exists(s, has(s.contact.informant))')[0]?.message).toContain(
      "reads 'informant', which is marked puente.domesticOnly in record Contact",
    );
    expect(refused('event.handler.badge == 1')[0]?.message).toContain("reads 'handler'");
    // A key the name check cannot see (built at run time) finds nothing: the value is not there to read.
    const computed = compilePolicySet(
      [
        {
          file: 'gated.yaml',
          text: withWhen(
            nested('          subjects[*].name: keep\n'),
            "event.subjects.exists(s, has(s.contact) && s.contact['inform' + 'ant'] == 'CI-0099')",
          ),
        },
      ],
      nestedOptions,
    ).policy('gated', NESTED)!;
    const event = (informant: string) => ({
      meta: meta({ purposes: ['CRIMINAL_INVESTIGATION'] }),
      caseId: 'CASE-1',
      subjects: [{ name: 'Ana Sintética', handlerNotes: null, sources: [], contact: { phone: '+52', informant } }],
      handler: { name: 'Agente Ficticio', badge: 'B-17' },
    });
    const decided = [computed.explain(event('CI-0099'), MX_ANAM), computed.explain(event('CI-0001'), MX_ANAM)];
    expect(decided.map((d) => d.decision)).toEqual(['withheld', 'withheld']);
    expect(decided[0]?.evaluations).toEqual(decided[1]?.evaluations);
  });

  it('loads a keep above them when each is dropped explicitly, and never releases them', () => {
    const set = compilePolicySet(
      [
        {
          file: 'gated.yaml',
          text: nested(
            '          subjects: keep\n          subjects[*].handlerNotes: drop\n          subjects[*].sources: drop\n          subjects[*].contact.informant: drop\n          handler: drop\n',
          ),
        },
      ],
      nestedOptions,
    );
    const policy = set.policy('gated', NESTED)!;
    const event = {
      meta: meta({ purposes: ['CRIMINAL_INVESTIGATION'] }),
      caseId: 'CASE-1',
      subjects: [
        {
          name: 'Ana Sintética',
          handlerNotes: 'met at the bridge',
          sources: ['CI-0042'],
          contact: { phone: '+52 000 000 0000', informant: 'CI-0099' },
        },
      ],
      handler: { name: 'Agente Ficticio', badge: 'B-17' },
    };
    const decision = policy.apply(event, MX_ANAM);
    expect(decision).toMatchObject({
      admitted: true,
      view: { caseId: 'CASE-1', subjects: [{ name: 'Ana Sintética', contact: { phone: '+52 000 000 0000' } }] },
    });
    const bytes = policy.applyBytes(nestedType.toBuffer(event), 0, MX_ANAM);
    expect(bytes?.admitted).toBe(true);
    if (!bytes?.admitted) return;
    expect(bytes.viewBytes.toString('latin1')).not.toContain('CI-0042');
    expect(bytes.viewBytes.toString('latin1')).not.toContain('met at the bridge');
    expect(bytes.viewBytes.toString('latin1')).not.toContain('CI-0099');
    expect(bytes.viewBytes.toString('latin1')).not.toContain('B-17');
    expect(bytes.fields.filter((f) => f.domesticOnly)).toEqual([
      { path: 'subjects[*].handlerNotes', action: 'drop', decidedBy: 'subjects[*].handlerNotes', domesticOnly: true },
      { path: 'subjects[*].sources[*]', action: 'drop', decidedBy: 'subjects[*].sources', domesticOnly: true },
      {
        path: 'subjects[*].contact.informant',
        action: 'drop',
        decidedBy: 'subjects[*].contact.informant',
        domesticOnly: true,
      },
      { path: 'handler.name', action: 'drop', decidedBy: 'handler', domesticOnly: true },
      { path: 'handler.badge', action: 'drop', decidedBy: 'handler', domesticOnly: true },
    ]);
    expect(JSON.stringify(policy.viewSchema)).not.toContain('handlerNotes');
  });
});
