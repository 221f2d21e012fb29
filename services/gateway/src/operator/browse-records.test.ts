// BrowseRecords against a MemoryBus: each selector, the newest records, page tokens (round trip,
// forged and foreign ones refused), limits, access refusals, and the rendering of raw records and
// of views in both payload formats — views audited as disclosures, withheld records omitted.
import { ErrorReason, PayloadFormat, type BrowseRecordsRequest, type BrowsedRecord } from '@puente/proto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { browseRecords, OPERATOR_BROWSE_SUBSCRIPTION } from './browse-records.js';
import { queryFingerprint, writePageToken } from './page-token.js';
import {
  codec,
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
const US_TO_MX_VIEW = viewSchemaIdOf('us-to-mx', US_CARGO);

const request = (fields: Partial<BrowseRecordsRequest>): BrowseRecordsRequest => ({
  topic: US_CARGO,
  limit: 0,
  payloadFormat: PayloadFormat.AVRO_JSON,
  viewAgreementId: '',
  pageToken: '',
  ...fields,
});
const byKey = (key: string, fields: Partial<BrowseRecordsRequest> = {}) =>
  request({ selector: { $case: 'key', value: key }, ...fields });
const json = (record: BrowsedRecord | undefined): Record<string, any> =>
  JSON.parse(record?.payload.toString('utf8') ?? 'null');

describe('browseRecords', () => {
  let fx: OperatorFixture;
  beforeEach(async () => {
    fx = await operatorFixture();
  });
  afterEach(() => fx.stop());

  /** Publishes `count` manifests on one key, a second apart from T0 + `from` seconds. */
  const publishMany = async (manifestId: string, count: number, from = 0) => {
    const out = [];
    for (let i = 0; i < count; i++) {
      const value = manifest('us-northbound-laredo.json', { manifestId });
      out.push({ value, ...(await fx.publish(US_CARGO, value, { timestamp: T0 + (from + i) * 1000 })) });
    }
    return out;
  };

  describe('raw records of an own topic', () => {
    it('renders a record as Avro JSON with its text headers, found by event id', async () => {
      const value = manifest('us-northbound-laredo.json', { manifestId: 'M-JSON' });
      const eventId = value['meta'].eventId as string;
      const published = await fx.publish(US_CARGO, value, {
        timestamp: T0,
        headers: { ce_id: eventId, ce_type: 'org.puente.v1.CargoManifest', binary: Buffer.from([0xff, 0xfe, 0x00]) },
      });
      const answer = await browseRecords(
        fx.context,
        US_OPERATOR,
        request({ selector: { $case: 'eventId', value: eventId } }),
      );
      expect(answer.nextPageToken).toBe('');
      expect(answer.records).toHaveLength(1);
      const record = answer.records[0]!;
      expect({ ...record, payload: undefined }).toEqual({
        topic: US_CARGO,
        partition: published.partition,
        offset: published.offset,
        key: 'M-JSON',
        timestamp: new Date(T0),
        // The binary header is left out.
        headers: { ce_id: eventId, ce_type: 'org.puente.v1.CargoManifest' },
        eventId,
        schemaId: codec.schemaIdOf(US_CARGO),
        payloadFormat: PayloadFormat.AVRO_JSON,
        payload: undefined,
        decodeError: '',
      });
      const avroJson = json(record);
      expect(avroJson['manifestId']).toBe('M-JSON');
      // Avro JSON: the nullable driver wrapped in its type's full name, raw document numbers, millis.
      expect(avroJson['driver']['org.puente.v1.Person'].documents[0].documentNumber).toBe('41928375');
      expect(avroJson['estimatedArrival']).toBe(Date.parse('2025-11-27T15:30:00.000Z'));
      expect(codec.fromAvroJson(US_CARGO, avroJson)).toEqual(value);
      // An own raw browse is no disclosure.
      expect(fx.audited).toEqual([]);
    });

    it('returns the stored bytes as AVRO_CONFLUENT, with the writer schema id', async () => {
      const value = manifest('us-northbound-laredo.json', { manifestId: 'M-AVRO' });
      await fx.publish(US_CARGO, value);
      const { records } = await browseRecords(
        fx.context,
        US_OPERATOR,
        byKey('M-AVRO', { payloadFormat: PayloadFormat.AVRO_CONFLUENT }),
      );
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        schemaId: codec.schemaIdOf(US_CARGO),
        decodeError: '',
      });
      expect(records[0]!.payload.equals(codec.encode(US_CARGO, value as any))).toBe(true);
    });

    it('reads an unspecified format as AVRO_JSON and refuses any other', async () => {
      await publishMany('M-FMT', 1);
      const { records } = await browseRecords(
        fx.context,
        US_OPERATOR,
        byKey('M-FMT', { payloadFormat: PayloadFormat.UNSPECIFIED }),
      );
      expect(records[0]?.payloadFormat).toBe(PayloadFormat.AVRO_JSON);
      expect(json(records[0])['manifestId']).toBe('M-FMT');
      // Checked before the topic is looked up: an unknown topic does not hide a bad format.
      const error = await refusal(
        browseRecords(
          fx.context,
          US_OPERATOR,
          request({ topic: 'us.nothing.v1', payloadFormat: PayloadFormat.UNRECOGNIZED }),
        ),
      );
      expect(error).toMatchObject({
        code: 'INVALID_ARGUMENT',
        reason: ErrorReason.REQUEST_INVALID,
        message: 'payload_format: must be AVRO_CONFLUENT or AVRO_JSON',
        fieldViolations: [
          { field: 'payload_format', description: 'must be AVRO_CONFLUENT or AVRO_JSON', reason: 'REQUEST_INVALID' },
        ],
      });
    });

    it('returns undecodable records as stored, with the reason', async () => {
      const notAvro = await fx.publishRaw(US_CARGO, { key: 'M-BAD', value: Buffer.from('not avro'), timestamp: T0 });
      await fx.publishRaw(US_CARGO, { key: 'M-BAD', value: null, timestamp: T0 + 1 });
      const { records } = await browseRecords(fx.context, US_OPERATOR, byKey('M-BAD'));
      expect(records).toHaveLength(2);
      expect(records[0]).toMatchObject({
        offset: notAvro.offset,
        key: 'M-BAD',
        eventId: '',
        schemaId: 0,
        payloadFormat: PayloadFormat.UNSPECIFIED,
      });
      expect(records[0]!.payload.toString('utf8')).toBe('not avro');
      expect(records[0]!.decodeError).not.toBe('');
      expect(records[1]).toMatchObject({ decodeError: 'empty record value', payloadFormat: PayloadFormat.UNSPECIFIED });
      expect(records[1]!.payload).toHaveLength(0);
    });

    it("decodes a dead letter as its source topic's schema and shows its reason headers", async () => {
      const value = manifest('us-northbound-laredo.json', { manifestId: 'M-DLQ' });
      await fx.publishRaw('dlq.us.cargo-manifests.v1', {
        key: 'M-DLQ',
        value: codec.encode(US_CARGO, value as any),
        headers: { 'dlq.reason': 'policy failed' },
      });
      const { records } = await browseRecords(fx.context, US_OPERATOR, request({ topic: 'dlq.us.cargo-manifests.v1' }));
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        topic: 'dlq.us.cargo-manifests.v1',
        headers: { 'dlq.reason': 'policy failed' },
        eventId: value['meta'].eventId,
        schemaId: codec.schemaIdOf(US_CARGO),
        decodeError: '',
      });
      expect(json(records[0])['manifestId']).toBe('M-DLQ');
    });
  });

  describe('selectors and limits', () => {
    it('without a selector returns the newest records across partitions, oldest first, with no page token', async () => {
      const older = await publishMany('M-NEW', 4);
      const other = manifest('us-northbound-laredo.json', { manifestId: 'M-OTHER' });
      await fx.publish(US_CARGO, other, { timestamp: T0 + 10_000 });
      const answer = await browseRecords(fx.context, US_OPERATOR, request({ limit: 2 }));
      expect(answer.records.map((r) => r.eventId)).toEqual([older[3]!.value['meta'].eventId, other['meta'].eventId]);
      expect(answer.nextPageToken).toBe('');
    });

    it('selects an offset range of one partition', async () => {
      const published = await publishMany('M-OFF', 4);
      const partition = published[0]!.partition;
      const range = await browseRecords(
        fx.context,
        US_OPERATOR,
        request({ selector: { $case: 'offsets', value: { partition, startOffset: '1', endOffset: '3' } } }),
      );
      expect(range.records.map((r) => r.offset)).toEqual(['1', '2']);
      expect(range.nextPageToken).toBe('');
      const open = await browseRecords(
        fx.context,
        US_OPERATOR,
        request({ selector: { $case: 'offsets', value: { partition, startOffset: '2' } } }),
      );
      expect(open.records.map((r) => r.offset)).toEqual(['2', '3']);
      const missing = await refusal(
        browseRecords(fx.context, US_OPERATOR, request({ selector: { $case: 'offsets', value: { partition: 7 } } })),
      );
      expect(missing).toMatchObject({
        code: 'INVALID_ARGUMENT',
        reason: ErrorReason.REQUEST_INVALID,
        message: 'offsets.partition: us.cargo-manifests.v1 has no partition 7',
      });
    });

    it('selects a time range from every partition, merged by timestamp', async () => {
      const keys = ['M-A', 'M-B', 'M-C', 'M-D', 'M-E', 'M-F'];
      for (const [i, key] of keys.entries()) {
        const value = manifest('us-northbound-laredo.json', { manifestId: key });
        await fx.publish(US_CARGO, value, { timestamp: T0 + i * 1000 });
      }
      const { records } = await browseRecords(
        fx.context,
        US_OPERATOR,
        request({
          selector: { $case: 'times', value: { startTime: new Date(T0 + 1000), endTime: new Date(T0 + 5000) } },
        }),
      );
      expect(records.map((r) => r.key)).toEqual(['M-B', 'M-C', 'M-D', 'M-E']);
      expect(records.map((r) => r.timestamp?.getTime())).toEqual([1, 2, 3, 4].map((s) => T0 + s * 1000));
      // The premise: the records interleave partitions, so partition order would differ from time order.
      const partitions = records.map((r) => r.partition);
      expect(partitions).not.toEqual([...partitions].sort((a, b) => a - b));
    });

    it('applies the default and the maximum limit', async () => {
      await fx.stop();
      fx = await operatorFixture({ limits: { defaultLimit: 1, maxLimit: 2 } });
      await publishMany('M-LIM', 4);
      expect((await browseRecords(fx.context, US_OPERATOR, byKey('M-LIM'))).records).toHaveLength(1);
      expect((await browseRecords(fx.context, US_OPERATOR, byKey('M-LIM', { limit: 50 }))).records).toHaveLength(2);
    });

    it('stops at the scan budget and continues from there with the page token', async () => {
      await fx.stop();
      fx = await operatorFixture({ limits: { scanBudget: 2 } });
      const published = await publishMany('M-BUDGET', 4);
      const lastOnly = request({ selector: { $case: 'times', value: { startTime: new Date(T0 + 3000) } } });
      // Two records read, neither selected: an empty page that is not the end.
      const first = await browseRecords(fx.context, US_OPERATOR, lastOnly);
      expect(first.records).toEqual([]);
      expect(first.nextPageToken).not.toBe('');
      const second = await browseRecords(fx.context, US_OPERATOR, { ...lastOnly, pageToken: first.nextPageToken });
      expect(second.records.map((r) => r.offset)).toEqual([published[3]!.offset]);
      expect(second.nextPageToken).toBe('');
    });
  });

  describe('page tokens', () => {
    it('pages through a selection without repeating or skipping a record', async () => {
      const published = await publishMany('M-PAGE', 5);
      const first = await browseRecords(fx.context, US_OPERATOR, byKey('M-PAGE', { limit: 2 }));
      expect(first.records.map((r) => r.offset)).toEqual(['0', '1']);
      expect(first.nextPageToken).not.toBe('');
      const second = await browseRecords(
        fx.context,
        US_OPERATOR,
        byKey('M-PAGE', { limit: 2, pageToken: first.nextPageToken }),
      );
      expect(second.records.map((r) => r.offset)).toEqual(['2', '3']);
      const third = await browseRecords(
        fx.context,
        US_OPERATOR,
        byKey('M-PAGE', { limit: 2, pageToken: second.nextPageToken }),
      );
      expect(third.records.map((r) => r.offset)).toEqual(['4']);
      expect(third.nextPageToken).toBe('');
      expect([...first.records, ...second.records, ...third.records].map((r) => r.eventId)).toEqual(
        published.map((p) => p.value['meta'].eventId),
      );
    });

    it('accepts a token with another limit or payload format: they are not part of the query', async () => {
      await publishMany('M-PAGE2', 4);
      const first = await browseRecords(fx.context, US_OPERATOR, byKey('M-PAGE2', { limit: 1 }));
      const rest = await browseRecords(
        fx.context,
        US_OPERATOR,
        byKey('M-PAGE2', { limit: 10, payloadFormat: PayloadFormat.AVRO_CONFLUENT, pageToken: first.nextPageToken }),
      );
      expect(rest.records.map((r) => r.offset)).toEqual(['1', '2', '3']);
      expect(rest.nextPageToken).toBe('');
    });

    it('refuses a forged token and a token of another query', async () => {
      await publishMany('M-TOK', 3);
      const first = await browseRecords(fx.context, US_OPERATOR, byKey('M-TOK', { limit: 1 }));
      const notThisQuery = {
        code: 'INVALID_ARGUMENT',
        reason: ErrorReason.REQUEST_INVALID,
        message: 'page_token: not a page token of this query (topic, selector and view must be the same)',
        fieldViolations: [
          {
            field: 'page_token',
            description: 'not a page token of this query (topic, selector and view must be the same)',
            reason: 'REQUEST_INVALID',
          },
        ],
      };
      const garbage = await refusal(
        browseRecords(fx.context, US_OPERATOR, byKey('M-TOK', { pageToken: 'bm90IGEgdG9rZW4' })),
      );
      expect(garbage).toMatchObject(notThisQuery);
      const otherKey = await refusal(
        browseRecords(fx.context, US_OPERATOR, byKey('M-OTHER', { pageToken: first.nextPageToken })),
      );
      expect(otherKey).toMatchObject(notThisQuery);
      const otherView = await refusal(
        browseRecords(
          fx.context,
          US_OPERATOR,
          byKey('M-TOK', { viewAgreementId: 'us-to-mx', pageToken: first.nextPageToken }),
        ),
      );
      expect(otherView).toMatchObject(notThisQuery);

      // The query's own fingerprint with a position that is not an offset.
      const decoded = JSON.parse(Buffer.from(first.nextPageToken, 'base64url').toString('utf8'));
      const partition = Object.keys(decoded.p)[0]!;
      for (const position of [-1, 1.5, 'x']) {
        const forged = Buffer.from(
          JSON.stringify({ q: decoded.q, p: { ...decoded.p, [partition]: position } }),
        ).toString('base64url');
        const error = await refusal(browseRecords(fx.context, US_OPERATOR, byKey('M-TOK', { pageToken: forged })));
        expect(error).toMatchObject(notThisQuery);
      }
    });

    it('refuses a page token for the newest records, which have no next page', async () => {
      const newest = request({});
      const token = writePageToken(queryFingerprint(newest), { '0': 0 });
      const error = await refusal(browseRecords(fx.context, US_OPERATOR, { ...newest, pageToken: token }));
      expect(error).toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: 'page_token: the newest records have no next page',
      });
    });
  });

  describe('views of a partner topic', () => {
    it('renders the agreement view as Avro JSON, omits withheld records and audits what it shows', async () => {
      const restricted = manifest('us-northbound-laredo.json', { classification: 'RESTRICTED', manifestId: 'M-VIEW' });
      const shared = manifest('us-northbound-laredo.json', { manifestId: 'M-VIEW' });
      await fx.publish(US_CARGO, restricted, { timestamp: T0, headers: { ce_id: 'x' } });
      const published = await fx.publish(US_CARGO, shared, { timestamp: T0 + 1000, headers: { ce_id: 'y' } });

      const { records, nextPageToken } = await browseRecords(
        fx.context,
        MX_OPERATOR,
        byKey('M-VIEW', { viewAgreementId: 'us-to-mx' }),
      );
      expect(nextPageToken).toBe('');
      expect(records).toHaveLength(1);
      const record = records[0]!;
      expect({ ...record, payload: undefined }).toEqual({
        topic: US_CARGO,
        partition: published.partition,
        offset: published.offset,
        // The view keeps manifestId as is, so the key is shown.
        key: 'M-VIEW',
        timestamp: new Date(T0 + 1000),
        headers: {},
        eventId: shared['meta'].eventId,
        schemaId: US_TO_MX_VIEW,
        payloadFormat: PayloadFormat.AVRO_JSON,
        payload: undefined,
        decodeError: '',
      });
      const view = json(record);
      expect(view['consignor'].name).toBe(shared['consignor'].name);
      expect(view['consignor'].address).toBeUndefined();
      const documentNumber = view['driver']['org.puente.v1.view.us_to_mx.CargoManifest_driver'].documents[0]
        .documentNumber as string;
      expect(documentNumber).toMatch(/^usmx-dev-1:[A-Za-z0-9_-]{43}$/);
      expect(record.payload.toString('utf8')).not.toContain('41928375');

      expect(fx.audited).toHaveLength(1);
      expect(fx.audited[0]).toMatchObject({
        principal: MX_OPERATOR,
        subscriptionId: OPERATOR_BROWSE_SUBSCRIPTION,
        viewSchemaId: US_TO_MX_VIEW,
        eventId: shared['meta'].eventId,
        decision: { rule: 'cargo-for-customs' },
      });
      expect(fx.audited[0]!.record.offset).toBe(published.offset);
      expect(fx.audited[0]!.feed.agreement.id).toBe('us-to-mx');
    });

    it('shows the view of the one agreement sharing the topic when the request names none, never the raw record', async () => {
      const shared = manifest('us-northbound-laredo.json', { manifestId: 'M-VIEW-DEFAULT' });
      await fx.publish(US_CARGO, shared);
      const named = await browseRecords(
        fx.context,
        MX_OPERATOR,
        byKey('M-VIEW-DEFAULT', { viewAgreementId: 'us-to-mx' }),
      );
      const unnamed = await browseRecords(fx.context, MX_OPERATOR, byKey('M-VIEW-DEFAULT'));
      expect(unnamed.records.map((r) => r.schemaId)).toEqual([US_TO_MX_VIEW]);
      expect(unnamed.records.map((r) => r.payload.toString('utf8'))).toEqual(
        named.records.map((r) => r.payload.toString('utf8')),
      );
      expect(unnamed.records[0]?.payload.toString('utf8')).not.toContain('41928375');
      expect(fx.audited.map((d) => d.feed.agreement.id)).toEqual(['us-to-mx', 'us-to-mx']);
    });

    it('renders the view as Confluent-framed Avro in the view schema', async () => {
      const shared = manifest('us-northbound-laredo.json', { manifestId: 'M-VIEW-AVRO' });
      await fx.publish(US_CARGO, shared);
      const { records } = await browseRecords(
        fx.context,
        MX_OPERATOR,
        request({
          selector: { $case: 'eventId', value: shared['meta'].eventId },
          viewAgreementId: 'us-to-mx',
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
        }),
      );
      expect(records).toHaveLength(1);
      const payload = records[0]!.payload;
      expect(records[0]).toMatchObject({ payloadFormat: PayloadFormat.AVRO_CONFLUENT, schemaId: US_TO_MX_VIEW });
      expect(payload[0]).toBe(0);
      expect(payload.readInt32BE(1)).toBe(US_TO_MX_VIEW);
      const view = codec.decode(payload).value as Record<string, any>;
      expect(view['manifestId']).toBe('M-VIEW-AVRO');
      expect(view['consignor'].address).toBeUndefined();
      expect(payload.toString('latin1')).not.toContain('41928375');
    });

    it('shows an undecodable partner record only as its error, never its bytes, and does not audit it', async () => {
      await fx.publishRaw(US_CARGO, { key: 'M-VIEW-BAD', value: Buffer.from('secret bytes') });
      const { records } = await browseRecords(
        fx.context,
        MX_OPERATOR,
        byKey('M-VIEW-BAD', { viewAgreementId: 'us-to-mx' }),
      );
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        key: '',
        headers: {},
        eventId: '',
        schemaId: 0,
        payloadFormat: PayloadFormat.UNSPECIFIED,
      });
      expect(records[0]!.payload).toHaveLength(0);
      expect(records[0]!.decodeError).not.toBe('');
      expect(fx.audited).toEqual([]);
    });

    it("previews an own topic as the agreement's first recipient agency receives it", async () => {
      await fx.publish(US_CARGO, manifest('us-northbound-laredo.json', { manifestId: 'M-PREVIEW' }));
      const { records } = await browseRecords(
        fx.context,
        US_OPERATOR,
        byKey('M-PREVIEW', { viewAgreementId: 'us-to-mx' }),
      );
      expect(records[0]).toMatchObject({ schemaId: US_TO_MX_VIEW, headers: {} });
      expect(json(records[0])['consignor'].address).toBeUndefined();
      expect(fx.audited.map((d) => [d.principal.name, d.subscriptionId])).toEqual([
        ['dev-us-cbp-operator', OPERATOR_BROWSE_SUBSCRIPTION],
      ]);
    });
  });

  describe('refusals', () => {
    it('refuses a caller without the operator role', async () => {
      const error = await refusal(browseRecords(fx.context, US_PUBLISHER, request({})));
      expect(error).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.ROLE_NOT_ALLOWED });
    });

    it("refuses a partner's dead letters, and answers an unknown topic with TOPIC_NOT_FOUND", async () => {
      const partnerDeadLetters = await refusal(
        browseRecords(fx.context, MX_OPERATOR, request({ topic: 'dlq.us.cargo-manifests.v1' })),
      );
      expect(partnerDeadLetters).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.TOPIC_NOT_ALLOWED });
      const unknown = await refusal(browseRecords(fx.context, US_OPERATOR, request({ topic: 'us.nothing.v1' })));
      expect(unknown).toMatchObject({
        code: 'NOT_FOUND',
        reason: ErrorReason.TOPIC_NOT_FOUND,
        metadata: { topic: 'us.nothing.v1' },
      });
    });
  });
});
