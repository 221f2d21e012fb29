import { type Delivery, PayloadFormat } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import { partnerDeliveryLine } from './partners.js';

const delivery = (view: Record<string, unknown>, key: string): Delivery => ({
  cursor: 'c1',
  feed: 'us-to-mx/us.cargo-manifests.v1',
  topic: 'us.cargo-manifests.v1',
  partition: 0,
  offset: '1',
  key,
  eventId: 'e1',
  schemaId: 1,
  payloadFormat: PayloadFormat.AVRO_JSON,
  payload: Buffer.from(JSON.stringify(view)),
  agreementVersion: '1',
});

describe('partnerDeliveryLine', () => {
  it('shows the feed, the key, the top-level fields and how many values are hashed', () => {
    const hash = 'A'.repeat(43);
    const view = { manifestId: 'M-1', driver: { name: hash, passport: hash }, carrier: { name: 'X' } };
    expect(partnerDeliveryLine('MX/ANAM', delivery(view, 'M-1'))).toBe(
      `  MX/ANAM ← ${'us-to-mx/us.cargo-manifests.v1'.padEnd(34)} M-1  3 top-level fields, 2 hashed`,
    );
  });

  it('says when the agreement withholds the key', () => {
    expect(partnerDeliveryLine('US/CBP', delivery({}, ''))).toContain(' (key withheld)  0 top-level fields, 0 hashed');
  });
});
