import { classifyFailure } from '@puente/bus';
import { AvroError, createCodec } from '@puente/contracts';
import { NOT_AVRO, unknownSchemaIdRecord } from '@puente/contracts/testing';
import { DISCLOSURE_TOPIC } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { checkpointRecord } from './checkpoint-record.js';
import { decodeDisclosure } from './disclosure-input.js';
import { AuditError } from './errors.js';
import { disclosureRecord, legacyDisclosureBytes } from './testing/disclosure-records.js';
import { testSigningKey } from './testing/signing-key.js';

function captured(work: () => unknown): unknown {
  try {
    work();
  } catch (error) {
    return error;
  }
  throw new Error('expected it to throw');
}

const codec = createCodec();

describe('decoding a disclosure record', () => {
  it('turns a batched record into one disclosure with every event, digests kept', () => {
    const record = disclosureRecord({ origin: 'MX', events: 3, kind: 'RETRACTION' });
    const input = decodeDisclosure(codec, codec.encode(DISCLOSURE_TOPIC, record));
    expect(input).toMatchObject({
      disclosureId: record.disclosureId,
      kind: 'RETRACTION',
      originCountry: 'MX',
      sourceTopic: 'mx.cargo-manifests.v1',
      recipient: { country: 'US', agency: 'CBP', subscription: 'cargo', principal: 'CN=partner' },
      agreementId: 'mx-to-us',
      agreementVersion: '1',
      ruleId: 'cargo-for-customs',
      viewSchemaId: null,
      declaredPurposes: ['CUSTOMS'],
      fieldsReleased: ['meta', 'manifestId', 'goods'],
      fieldsTransformed: [
        { path: 'driver.dateOfBirth', action: 'GENERALIZE', method: 'year', normalization: null, keyIds: [] },
      ],
      fieldsRemoved: ['driver.address'],
      deliveredAt: record.deliveredAt,
    });
    expect(input.events).toEqual(
      record.events.map((e) => ({
        eventId: e.eventId,
        entityId: e.entityId,
        sourcePartition: e.sourcePartition,
        sourceOffset: String(e.sourceOffset),
        supersedes: null,
        digest: e.digest,
      })),
    );
  });

  it.each([1, 2] as const)(
    'turns a single-event record of schema version %i into one event without a digest',
    (version) => {
      const record = disclosureRecord({ origin: 'US', events: 1 });
      const event = record.events[0]!;
      const input = decodeDisclosure(codec, legacyDisclosureBytes(codec, version, record));
      expect(input.kind).toBe('DELIVERY');
      expect(input.originCountry).toBe('US');
      expect(input.declaredPurposes).toEqual(version === 1 ? [] : ['CUSTOMS']);
      expect(input.events).toEqual([
        {
          eventId: event.eventId,
          entityId: event.entityId,
          sourcePartition: event.sourcePartition,
          sourceOffset: String(event.sourceOffset),
          supersedes: null,
          digest: null,
        },
      ]);
    },
  );

  it('refuses a record with neither events nor a single event, naming what is missing', () => {
    const record = { ...disclosureRecord(), events: [], sourceEventId: null, entityId: 'MAN-1' };
    const failure = captured(() => decodeDisclosure(codec, codec.encode(DISCLOSURE_TOPIC, record)));
    expect(failure).toBeInstanceOf(AuditError);
    expect(failure).toMatchObject({ code: 'NOT_A_DISCLOSURE', retriable: false });
    expect((failure as Error).message).toContain(record.disclosureId);
    expect((failure as Error).message).toContain('sourceEventId, sourcePartition, sourceOffset');
  });

  it('refuses a kind the ledger does not know', () => {
    const bytes = codec.encode(DISCLOSURE_TOPIC, disclosureRecord({ kind: 'OTHER' }));
    expect(() => decodeDisclosure(codec, bytes)).toThrow(/kind OTHER is neither DELIVERY nor RETRACTION/);
    // Not the bus's fault, so dead letters take it rather than retrying forever.
    expect(classifyFailure(captured(() => decodeDisclosure(codec, bytes)))).toBe('unevaluable');
  });

  it('refuses what is not a disclosure record with the codec’s own errors', () => {
    expect(() => decodeDisclosure(codec, null)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    expect(() => decodeDisclosure(codec, NOT_AVRO)).toThrow(expect.objectContaining({ code: 'MALFORMED' }));
    expect(() => decodeDisclosure(codec, unknownSchemaIdRecord())).toThrow(
      expect.objectContaining({ code: 'UNKNOWN_SCHEMA_ID' }),
    );
    // Another topic's record (a checkpoint) framed with its own schema id: not a disclosure.
    const checkpoint = checkpointRecord({
      country: 'US',
      head: { entryCount: 1, headHash: Buffer.alloc(32, 1) },
      key: testSigningKey(),
      signedAt: new Date(),
    });
    const notADisclosure = codec.encode('us.audit-checkpoints.v1', checkpoint);
    expect(() => decodeDisclosure(codec, notADisclosure)).toThrow(AvroError);
    expect(classifyFailure(captured(() => decodeDisclosure(codec, notADisclosure)))).toBe('invalid');
  });
});
