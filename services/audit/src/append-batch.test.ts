// appendBatch's report of what a checkpoint still has to state: every entry appended but those
// disclosing the country's own checkpoints, whether the batch goes in whole or one by one.
import { type ConsumedRecord, createDeadLetters, MemoryBus, type RecordBatch } from '@puente/bus';
import { createCodec, type DisclosureRecord } from '@puente/contracts';
import { auditCheckpointTopic, createLogger, deadLetterTopicOf, DISCLOSURE_TOPIC } from '@puente/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { type AppendBatchOptions, type AppendCounters, appendBatch } from './append-batch.js';
import { disclosureRecord } from './testing/disclosure-records.js';
import { type MemoryLedger, memoryLedger } from './testing/memory-ledger.js';

const codec = createCodec();
const logger = createLogger({ name: 'append-batch-test', level: 'silent' });
const US_CHECKPOINTS = auditCheckpointTopic('US');

const batchOf = (disclosures: readonly DisclosureRecord[], firstOffset = 0): RecordBatch => {
  const records: ConsumedRecord[] = disclosures.map((d, i) => ({
    topic: DISCLOSURE_TOPIC,
    partition: 0,
    offset: String(firstOffset + i),
    key: 'k',
    value: codec.encode(DISCLOSURE_TOPIC, d),
    headers: {},
    timestamp: 0,
  }));
  return { topic: DISCLOSURE_TOPIC, partition: 0, records, highWatermark: String(firstOffset + records.length) };
};

describe('appendBatch', () => {
  let bus: MemoryBus;
  let ledger: MemoryLedger;
  let options: AppendBatchOptions;

  beforeEach(async () => {
    bus = new MemoryBus();
    await bus.start();
    await bus.admin.ensureTopics([{ topic: deadLetterTopicOf(DISCLOSURE_TOPIC), partitions: 1 }]);
    ledger = memoryLedger('US');
    const counters: AppendCounters = {
      records: 0,
      disclosures: 0,
      otherCountry: 0,
      deadLettered: 0,
      entriesAppended: 0,
      duplicates: 0,
    };
    options = {
      codec,
      store: ledger,
      country: 'US',
      checkpointTopic: US_CHECKPOINTS,
      deadLetters: createDeadLetters({ bus, service: 'audit-us', logger }),
      counters,
    };
  });
  afterEach(async () => {
    await bus.stop();
  });

  it('chains disclosures of its checkpoints and reports only the other entries', async () => {
    const batch = [
      disclosureRecord({ events: 2 }),
      disclosureRecord({ sourceTopic: US_CHECKPOINTS }),
      disclosureRecord({ origin: 'MX', sourceTopic: auditCheckpointTopic('MX') }),
      disclosureRecord({ events: 3 }),
    ];
    const result = await appendBatch(batchOf(batch), options);
    expect(result).toMatchObject({ appended: 6, duplicates: 0, appendedOfOtherTopics: 5 });
    expect(ledger.entries.map((e) => e.sourceTopic)).toEqual([
      'us.cargo-manifests.v1',
      'us.cargo-manifests.v1',
      US_CHECKPOINTS,
      'us.cargo-manifests.v1',
      'us.cargo-manifests.v1',
      'us.cargo-manifests.v1',
    ]);

    const onlyCheckpoints = [
      disclosureRecord({ sourceTopic: US_CHECKPOINTS }),
      disclosureRecord({ sourceTopic: US_CHECKPOINTS }),
    ];
    expect(await appendBatch(batchOf(onlyCheckpoints, 4), options)).toMatchObject({
      appended: 2,
      appendedOfOtherTopics: 0,
    });
    // Read again: nothing appended, nothing to report.
    expect(await appendBatch(batchOf(batch), options)).toMatchObject({
      appended: 0,
      duplicates: 3,
      appendedOfOtherTopics: 0,
    });
  });

  it('reports exactly when it appends one by one around a disclosure the ledger refuses', async () => {
    const refused = disclosureRecord({ events: 1 });
    refused.events[0]!.sourceOffset = -1;
    const batch = [
      disclosureRecord({ sourceTopic: US_CHECKPOINTS }),
      refused,
      disclosureRecord({ events: 2 }),
      disclosureRecord({ sourceTopic: US_CHECKPOINTS }),
    ];
    const result = await appendBatch(batchOf(batch), options);
    expect(result).toMatchObject({ appended: 4, appendedOfOtherTopics: 2 });
    expect(options.counters).toMatchObject({ deadLettered: 1, entriesAppended: 4 });
  });
});
