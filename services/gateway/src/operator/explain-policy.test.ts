// ExplainPolicy against a MemoryBus: released and withheld explanations with every rule and field
// decision, the view in both payload formats, events inline (both encodings) or stored (found by
// eventId, newest version), the agreements considered for a partner, and every refusal.
import {
  ErrorReason,
  FieldAction,
  PayloadFormat,
  PolicyDecision,
  WithholdingGate,
  type ExplainPolicyRequest,
  type PolicyExplanation,
} from '@puente/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { explainPolicy } from './explain-policy.js';
import {
  codec,
  exampleValue,
  MX_CARGO,
  MX_OPERATOR,
  manifest,
  operatorFixture,
  refusal,
  US_CARGO,
  US_OPERATOR,
  US_PUBLISHER,
  viewSchemaIdOf,
  type OperatorFixture,
} from './testing/fixture.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const CARGO_CONDITION = "meta.classification <= LAW_ENFORCEMENT_SENSITIVE && 'MX' in meta.releasableTo";
const MX_RECIPIENTS = ['ANAM', 'FGR', 'INM', 'SSPC'].map((agency) => ({ country: 'MX', agency }));

const inlineJson = (topic: string, value: unknown): ExplainPolicyRequest['event'] => ({
  $case: 'inline',
  value: {
    payloadFormat: PayloadFormat.AVRO_JSON,
    payload: Buffer.from(JSON.stringify(codec.toAvroJson(topic, value))),
    schemaId: 0,
  },
});
const inlineAvro = (topic: string, value: any): ExplainPolicyRequest['event'] => ({
  $case: 'inline',
  value: { payloadFormat: PayloadFormat.AVRO_CONFLUENT, payload: codec.encode(topic, value), schemaId: 0 },
});
const explainRequest = (fields: Partial<ExplainPolicyRequest>): ExplainPolicyRequest => ({
  topic: US_CARGO,
  target: { $case: 'agreementId', value: 'us-to-mx' },
  viewFormat: PayloadFormat.AVRO_JSON,
  purposes: [],
  ...fields,
});
const only = (explanations: readonly PolicyExplanation[]): PolicyExplanation => {
  expect(explanations).toHaveLength(1);
  return explanations[0]!;
};

describe('explainPolicy', () => {
  let fx: OperatorFixture;
  beforeEach(async () => {
    fx = await operatorFixture();
  });
  afterEach(() => fx.stop());

  describe('explanations', () => {
    it('explains why a RESTRICTED manifest given as Avro JSON is withheld', async () => {
      const restricted = manifest('us-northbound-laredo.json', { classification: 'RESTRICTED' });
      const { explanations } = await explainPolicy(
        fx.context,
        US_OPERATOR,
        explainRequest({ event: inlineJson(US_CARGO, restricted), viewFormat: PayloadFormat.UNSPECIFIED }),
      );
      expect(explanations).toEqual([
        {
          agreementId: 'us-to-mx',
          agreementVersion: '1',
          recipients: MX_RECIPIENTS,
          decision: PolicyDecision.WITHHOLD,
          decidingRule: '',
          summary:
            'withheld: withheld by the classification ceiling of topic us.cargo-manifests.v1 in agreement us-to-mx v1: RESTRICTED is above LAW_ENFORCEMENT_SENSITIVE',
          // A gate withholds it before any rule is evaluated.
          rules: [],
          fields: [],
          viewSchemaId: 0,
          viewFormat: PayloadFormat.UNSPECIFIED,
          viewPayload: Buffer.alloc(0),
          gate: WithholdingGate.CEILING,
        },
      ]);
    });

    it('names the gate of the purposes a partner would declare, and releases for a declared one', async () => {
      const shared = manifest('us-northbound-laredo.json', {});
      const purposes = (shared as any).meta.purposes as string[];
      const undeclared = ['PROSECUTION', 'CRIMINAL_INVESTIGATION'].filter((p) => !purposes.includes(p));
      const [withheld] = (
        await explainPolicy(
          fx.context,
          US_OPERATOR,
          explainRequest({ event: inlineAvro(US_CARGO, shared), purposes: undeclared }),
        )
      ).explanations;
      expect(withheld).toMatchObject({ decision: PolicyDecision.WITHHOLD, gate: WithholdingGate.DECLARED_PURPOSE });
      expect(withheld!.summary).toMatch(/^withheld: withheld by declared purpose/);
      const [released] = (
        await explainPolicy(fx.context, US_OPERATOR, explainRequest({ event: inlineAvro(US_CARGO, shared), purposes }))
      ).explanations;
      expect(released).toMatchObject({ decision: PolicyDecision.RELEASE, gate: WithholdingGate.UNSPECIFIED });
      await expect(
        explainPolicy(
          fx.context,
          US_OPERATOR,
          explainRequest({ event: inlineAvro(US_CARGO, shared), purposes: ['GOSSIP'] }),
        ),
      ).rejects.toThrow("purposes: 'GOSSIP' is not a purpose");
    });

    it('explains what a released manifest given as Avro becomes, field by field, with the view as Avro', async () => {
      const shared = manifest('us-northbound-laredo.json', { manifestId: 'M-EXPLAIN' });
      const { explanations } = await explainPolicy(
        fx.context,
        US_OPERATOR,
        explainRequest({ event: inlineAvro(US_CARGO, shared), viewFormat: PayloadFormat.AVRO_CONFLUENT }),
      );
      const explanation = only(explanations);
      const viewSchemaId = viewSchemaIdOf('us-to-mx', US_CARGO);
      expect({ ...explanation, fields: undefined, viewPayload: undefined }).toEqual({
        agreementId: 'us-to-mx',
        agreementVersion: '1',
        recipients: MX_RECIPIENTS,
        decision: PolicyDecision.RELEASE,
        decidingRule: 'cargo-for-customs',
        // Evaluated for the agreement's first recipient agency.
        summary: `released to MX/ANAM: rule 'cargo-for-customs': ${CARGO_CONDITION}`,
        rules: [{ rule: 'cargo-for-customs', condition: CARGO_CONDITION, matched: true, error: '' }],
        fields: undefined,
        viewSchemaId,
        viewFormat: PayloadFormat.AVRO_CONFLUENT,
        viewPayload: undefined,
        gate: WithholdingGate.UNSPECIFIED,
      });
      const field = (path: string) => explanation.fields.find((f) => f.path === path);
      expect(field('manifestId')).toEqual({
        path: 'manifestId',
        action: FieldAction.KEEP,
        transform: '',
        rule: 'cargo-for-customs',
        byDefault: false,
        domesticOnly: false,
        normalization: '',
        keyIds: [],
      });
      expect(field('driver.documents[*].documentNumber')).toMatchObject({ action: FieldAction.HASH, transform: '' });
      expect(field('driver.dateOfBirth')).toMatchObject({ action: FieldAction.GENERALIZE, transform: 'year' });
      expect(field('consignor.address.street')).toEqual({
        path: 'consignor.address.street',
        action: FieldAction.DROP,
        transform: '',
        rule: '',
        byDefault: true,
        domesticOnly: false,
        normalization: '',
        keyIds: [],
      });
      const payload = explanation.viewPayload;
      expect(payload[0]).toBe(0);
      expect(payload.readInt32BE(1)).toBe(viewSchemaId);
      const view = codec.decode(payload).value as Record<string, any>;
      expect(view['manifestId']).toBe('M-EXPLAIN');
      expect(view['consignor'].address).toBeUndefined();
    });

    it('lists every rule evaluated and masks fields, for every agreement sharing the topic with a partner', async () => {
      const topic = 'us.screening-results.v1';
      const screening = exampleValue(topic, 'screening-results/us-traveller-potential-match.json');
      const { explanations } = await explainPolicy(
        fx.context,
        US_OPERATOR,
        explainRequest({
          topic,
          event: inlineJson(topic, screening),
          target: { $case: 'partner', value: { country: 'MX', agency: 'FGR' } },
        }),
      );
      const explanation = only(explanations);
      expect(explanation).toMatchObject({
        agreementId: 'us-to-mx',
        decision: PolicyDecision.RELEASE,
        decidingRule: 'screening',
        viewFormat: PayloadFormat.AVRO_JSON,
        viewSchemaId: viewSchemaIdOf('us-to-mx', topic),
      });
      expect(explanation.summary).toMatch(/^released to MX\/FGR: rule 'screening'/);
      expect(explanation.rules.map((r) => [r.rule, r.matched])).toEqual([
        ['screening-restricted', false],
        ['screening', true],
      ]);
      expect(explanation.fields.find((f) => f.path === 'traveller.givenNames')).toEqual({
        path: 'traveller.givenNames',
        action: FieldAction.MASK,
        transform: 'initials',
        rule: 'screening',
        byDefault: false,
        domesticOnly: false,
        normalization: '',
        keyIds: [],
      });
      const view = JSON.parse(explanation.viewPayload.toString('utf8'));
      expect(view['screeningId']).toBe(screening['screeningId']);
      expect(JSON.stringify(view)).not.toContain(screening['traveller'].givenNames);
    });

    it('explains the newest stored version of an event found by its eventId', async () => {
      // The two versions sit in different partitions (keys M-OLD and M-NEW hash apart).
      const first = manifest('us-northbound-laredo.json', { manifestId: 'M-OLD' });
      const corrected = { ...manifest('us-northbound-laredo.json', { manifestId: 'M-NEW' }), meta: first['meta'] };
      const published = [
        await fx.publish(US_CARGO, first, { timestamp: T0 }),
        await fx.publish(US_CARGO, manifest('us-northbound-laredo.json'), { timestamp: T0 + 500 }),
        await fx.publish(US_CARGO, corrected, { timestamp: T0 + 1000 }),
      ];
      expect(published[0]!.partition).not.toBe(published[2]!.partition);
      const { explanations } = await explainPolicy(
        fx.context,
        US_OPERATOR,
        explainRequest({
          event: { $case: 'eventId', value: first['meta'].eventId },
          target: { $case: 'partner', value: { country: 'MX', agency: '' } },
        }),
      );
      const explanation = only(explanations);
      expect(explanation).toMatchObject({ agreementId: 'us-to-mx', decision: PolicyDecision.RELEASE });
      expect(explanation.summary).toMatch(/^released to MX\/ANAM: /);
      expect(JSON.parse(explanation.viewPayload.toString('utf8'))['manifestId']).toBe('M-NEW');
    });

    it('explains the newest of two versions of an event on the same partition', async () => {
      // Same key, so the original and its correction sit on one partition, the correction after.
      const first = manifest('us-northbound-laredo.json', { manifestId: 'M-SAME' });
      const corrected = structuredClone(first);
      corrected['consignor'].name = 'Corrected Consignor Ltd';
      const published = [
        await fx.publish(US_CARGO, first, { timestamp: T0 }),
        await fx.publish(US_CARGO, manifest('us-northbound-laredo.json', { manifestId: 'M-SAME' }), {
          timestamp: T0 + 500,
        }),
        await fx.publish(US_CARGO, corrected, { timestamp: T0 + 1000 }),
      ];
      expect(new Set(published.map((p) => p.partition)).size).toBe(1);
      const { explanations } = await explainPolicy(
        fx.context,
        US_OPERATOR,
        explainRequest({ event: { $case: 'eventId', value: first['meta'].eventId } }),
      );
      const view = JSON.parse(only(explanations).viewPayload.toString('utf8'));
      expect(view['consignor'].name).toBe('Corrected Consignor Ltd');
    });

    it('considers no agreement when none shares the topic with the target', async () => {
      const mxManifest = manifest('mx-southbound-ciudad-juarez.json');
      // An agreement that does not cover the topic.
      const byAgreement = await explainPolicy(
        fx.context,
        MX_OPERATOR,
        explainRequest({ topic: MX_CARGO, event: inlineJson(MX_CARGO, mxManifest) }),
      );
      expect(byAgreement.explanations).toEqual([]);
      // An agency the agreement does not name.
      const byAgency = await explainPolicy(
        fx.context,
        US_OPERATOR,
        explainRequest({
          event: inlineJson(US_CARGO, manifest('us-northbound-laredo.json')),
          target: { $case: 'partner', value: { country: 'MX', agency: 'XYZ' } },
        }),
      );
      expect(byAgency.explanations).toEqual([]);
    });

    it("lets a partner operator explain its own country's view of an inline event", async () => {
      const { explanations } = await explainPolicy(
        fx.context,
        MX_OPERATOR,
        explainRequest({ event: inlineJson(US_CARGO, manifest('us-northbound-laredo.json')) }),
      );
      expect(only(explanations).summary).toMatch(/^released to MX\/ANAM: /);
    });
  });

  describe('stored events', () => {
    it('answers an eventId no record carries with EVENT_NOT_FOUND after searching every record', async () => {
      for (let i = 0; i < 3; i++) await fx.publish(US_CARGO, manifest('us-northbound-laredo.json'));
      const eventId = '00000000-0000-4000-8000-000000000000';
      const error = await refusal(
        explainPolicy(fx.context, US_OPERATOR, explainRequest({ event: { $case: 'eventId', value: eventId } })),
      );
      expect(error).toMatchObject({
        code: 'NOT_FOUND',
        reason: ErrorReason.EVENT_NOT_FOUND,
        message: `no event ${eventId} in ${US_CARGO} (searched 3 record(s), all of them)`,
        metadata: { topic: US_CARGO, eventId, scanned: '3', complete: 'true' },
        resourceInfo: {
          resourceType: 'puente.v1.Event',
          resourceName: eventId,
          owner: '',
          description: `no record of ${US_CARGO} searched carries this meta.eventId`,
        },
      });
    });

    it('says when the scan budget ran out before the event was found', async () => {
      await fx.stop();
      fx = await operatorFixture({ limits: { scanBudget: 1 } });
      const values = [0, 1, 2].map(() => manifest('us-northbound-laredo.json', { manifestId: 'M-BUDGET' }));
      for (const value of values) await fx.publish(US_CARGO, value);
      const error = await refusal(
        explainPolicy(
          fx.context,
          US_OPERATOR,
          explainRequest({ event: { $case: 'eventId', value: values[2]!['meta'].eventId } }),
        ),
      );
      expect(error).toMatchObject({
        reason: ErrorReason.EVENT_NOT_FOUND,
        metadata: { scanned: '1', complete: 'false' },
      });
      expect(error.message).toContain('(searched 1 record(s), the budget ran out first)');
    });

    it('answers an unknown topic with TOPIC_NOT_FOUND', async () => {
      const error = await refusal(
        explainPolicy(
          fx.context,
          US_OPERATOR,
          explainRequest({ topic: 'us.nothing.v1', event: { $case: 'eventId', value: 'e-1' } }),
        ),
      );
      expect(error).toMatchObject({ code: 'NOT_FOUND', reason: ErrorReason.TOPIC_NOT_FOUND });
    });
  });

  describe('refusals', () => {
    it('refuses a caller without the operator role', async () => {
      const error = await refusal(
        explainPolicy(
          fx.context,
          US_PUBLISHER,
          explainRequest({ event: inlineJson(US_CARGO, manifest('us-northbound-laredo.json')) }),
        ),
      );
      expect(error).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.ROLE_NOT_ALLOWED });
    });

    it('refuses topics without agreements and requests without a target or an event', async () => {
      const event = inlineJson(US_CARGO, manifest('us-northbound-laredo.json'));
      const deadLetters = await refusal(
        explainPolicy(fx.context, US_OPERATOR, explainRequest({ topic: 'dlq.us.cargo-manifests.v1', event })),
      );
      expect(deadLetters).toMatchObject({
        code: 'PERMISSION_DENIED',
        reason: ErrorReason.TOPIC_NOT_ALLOWED,
        message: "'dlq.us.cargo-manifests.v1' is not an event topic; only event topics have agreements",
      });
      const noTarget = await refusal(
        explainPolicy(fx.context, US_OPERATOR, { ...explainRequest({ event }), target: undefined }),
      );
      expect(noTarget).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: 'agreement_id: name an agreement (agreement_id) or a partner',
      });
      const noEvent = await refusal(explainPolicy(fx.context, US_OPERATOR, explainRequest({})));
      expect(noEvent).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: 'inline: give the event inline or by event_id',
      });
    });

    it("refuses a partner's stored events and agreements that do not share with the operator's country", async () => {
      const stored = await refusal(
        explainPolicy(fx.context, MX_OPERATOR, explainRequest({ event: { $case: 'eventId', value: 'e-1' } })),
      );
      expect(stored).toMatchObject({
        code: 'PERMISSION_DENIED',
        reason: ErrorReason.TOPIC_NOT_ALLOWED,
        message: 'MX/ANAM may not read stored US events; give the event inline',
      });
      const event = inlineJson(US_CARGO, manifest('us-northbound-laredo.json'));
      const otherAgreement = await refusal(
        explainPolicy(
          fx.context,
          MX_OPERATOR,
          explainRequest({ event, target: { $case: 'agreementId', value: 'mx-to-us' } }),
        ),
      );
      expect(otherAgreement).toMatchObject({
        code: 'PERMISSION_DENIED',
        reason: ErrorReason.NO_AGREEMENT,
        message: 'agreement mx-to-us shares MX data with US, not MX',
      });
      const otherPartner = await refusal(
        explainPolicy(
          fx.context,
          MX_OPERATOR,
          explainRequest({ event, target: { $case: 'partner', value: { country: 'US', agency: 'CBP' } } }),
        ),
      );
      expect(otherPartner).toMatchObject({
        code: 'PERMISSION_DENIED',
        reason: ErrorReason.NO_AGREEMENT,
        message: 'MX operators explain US agreements only for MX recipients',
      });
      const unknown = await refusal(
        explainPolicy(
          fx.context,
          US_OPERATOR,
          explainRequest({ event, target: { $case: 'agreementId', value: 'nope' } }),
        ),
      );
      expect(unknown).toMatchObject({
        code: 'NOT_FOUND',
        reason: ErrorReason.AGREEMENT_NOT_FOUND,
        metadata: { agreement: 'nope' },
      });
    });

    it('refuses an inline event it cannot read and a view format it cannot write', async () => {
      const notJson = await refusal(
        explainPolicy(
          fx.context,
          US_OPERATOR,
          explainRequest({
            event: {
              $case: 'inline',
              value: { payloadFormat: PayloadFormat.AVRO_JSON, payload: Buffer.from('{'), schemaId: 0 },
            },
          }),
        ),
      );
      expect(notJson).toMatchObject({ code: 'INVALID_ARGUMENT', reason: ErrorReason.PAYLOAD_UNDECODABLE });
      expect(notJson.message).toMatch(/^inline\.payload is not JSON: /);
      const noFormat = await refusal(
        explainPolicy(
          fx.context,
          US_OPERATOR,
          explainRequest({
            event: {
              $case: 'inline',
              value: { payloadFormat: PayloadFormat.UNSPECIFIED, payload: Buffer.alloc(0), schemaId: 0 },
            },
          }),
        ),
      );
      expect(noFormat).toMatchObject({
        code: 'INVALID_ARGUMENT',
        reason: ErrorReason.REQUEST_INVALID,
        message: 'inline.payload_format: must be AVRO_CONFLUENT or AVRO_JSON',
      });
      const badViewFormat = await refusal(
        explainPolicy(
          fx.context,
          US_OPERATOR,
          explainRequest({
            event: inlineJson(US_CARGO, manifest('us-northbound-laredo.json')),
            viewFormat: PayloadFormat.UNRECOGNIZED,
          }),
        ),
      );
      expect(badViewFormat).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: 'view_format: must be AVRO_CONFLUENT or AVRO_JSON',
      });
    });
  });
});
