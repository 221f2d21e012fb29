// The ledger lookup behind retraction notices: one question per superseded event of a batch, on
// the correction's topic, only once the ledger has chained the disclosures written so far (else
// waited for, then LEDGER_UNAVAILABLE), retried after a failure, a retriable LEDGER_UNAVAILABLE
// once the retries are spent, and a single warning for a country that has no ledger.
import { Writable } from 'node:stream';

import { ErrorReason } from '@puente/proto';
import type { LedgerReader } from '@puente/ledger';
import { createLogger, silentLogger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { GatewayError } from '../grpc/errors.js';
import { createCorrectionLookup } from './correction-lookup.js';
import type { WithheldCorrection } from './record-evaluation.js';

const MX_ANAM = { country: 'MX', agency: 'ANAM' } as const;

/** The disclosure topic's ends in these tests: partition 0 at 10, partition 1 empty. */
const ENDS = [
  { partition: 0, high: '10' },
  { partition: 1, high: '0' },
];
const disclosureEnds = async () => ENDS;

function ledgerAnswering(answer: (eventId: string) => boolean | Error, read: { offset: string } = { offset: '10' }) {
  const asked: string[] = [];
  const topics: (string | undefined)[] = [];
  const ledger = {
    country: 'US',
    delivered: async (eventId: string, _recipient: unknown, sourceTopic?: string) => {
      asked.push(eventId);
      topics.push(sourceTopic);
      const result = answer(eventId);
      if (result instanceof Error) throw result;
      return result;
    },
    positions: async (topic: string) => [{ topic, partition: 0, offset: read.offset }],
  } as unknown as LedgerReader;
  return { ledger, asked, topics };
}

const correction = (supersedes: string): WithheldCorrection =>
  ({ supersedes, topic: 'us.cargo-manifests.v1', origin: 'US', notice: undefined }) as unknown as WithheldCorrection;

describe('createCorrectionLookup', () => {
  it('answers each correction in order, asking once per superseded event', async () => {
    const { ledger, asked } = ledgerAnswering((id) => id === 'a');
    const lookup = createCorrectionLookup({ ledgers: { US: ledger }, logger: silentLogger(), disclosureEnds });
    const answers = await lookup.received([correction('a'), correction('b'), correction('a')], MX_ANAM);
    expect(answers).toEqual([true, false, true]);
    expect(asked.sort()).toEqual(['a', 'b']);
  });

  it('asks about the correction’s own topic only', async () => {
    const { ledger, topics } = ledgerAnswering(() => true);
    const lookup = createCorrectionLookup({ ledgers: { US: ledger }, logger: silentLogger(), disclosureEnds });
    await lookup.received([correction('a')], MX_ANAM);
    expect(topics).toEqual(['us.cargo-manifests.v1']);
  });

  it('believes "not received" only from a ledger that has chained every disclosure written so far', async () => {
    // The audit service is behind (partition 0 read up to 7 of 10): waited for, then answered.
    const read = { offset: '7' };
    const { ledger, asked } = ledgerAnswering(() => false, read);
    const lookup = createCorrectionLookup({
      ledgers: { US: ledger },
      logger: silentLogger(),
      disclosureEnds,
      catchUpPollMs: 5,
    });
    const answer = lookup.received([correction('a')], MX_ANAM);
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(asked).toEqual([]);
    read.offset = '10';
    expect(await answer).toEqual([false]);
    expect(asked).toEqual(['a']);

    // It stays behind: a retriable LEDGER_UNAVAILABLE naming the partition, and nothing asked.
    const stuck = ledgerAnswering(() => false, { offset: '3' });
    const waiting = createCorrectionLookup({
      ledgers: { US: stuck.ledger },
      logger: silentLogger(),
      disclosureEnds,
      catchUpTimeoutMs: 30,
      catchUpPollMs: 5,
    });
    const error = await waiting.received([correction('a')], MX_ANAM).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', reason: ErrorReason.LEDGER_UNAVAILABLE, retriable: true });
    expect((error as GatewayError).message).toMatch(/has not chained the disclosures .* partition\(s\) 0\)/);
    expect(stuck.asked).toEqual([]);
  });

  it('retries a failing ledger, then fails retriably with LEDGER_UNAVAILABLE', async () => {
    let failures = 2;
    const flaky = ledgerAnswering(() => (failures-- > 0 ? new Error('down') : true));
    const lookup = createCorrectionLookup({
      ledgers: { US: flaky.ledger },
      logger: silentLogger(),
      disclosureEnds,
      retryDelaysMs: [1, 1],
    });
    expect(await lookup.received([correction('a')], MX_ANAM)).toEqual([true]);
    expect(flaky.asked).toHaveLength(3);

    const down = ledgerAnswering(() => new Error('down'));
    const failing = createCorrectionLookup({
      ledgers: { US: down.ledger },
      logger: silentLogger(),
      disclosureEnds,
      retryDelaysMs: [1, 1],
    });
    const error = await failing.received([correction('a')], MX_ANAM).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GatewayError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', reason: ErrorReason.LEDGER_UNAVAILABLE, retriable: true });
    expect((error as GatewayError).message).toMatch(/US disclosure ledger cannot say who received event a/);
    expect(down.asked).toHaveLength(3);
  });

  it('covers only countries with a ledger, warning once for each without', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push((JSON.parse(chunk.toString('utf8')) as { msg: string }).msg);
        done();
      },
    });
    const { ledger } = ledgerAnswering(() => true);
    const lookup = createCorrectionLookup({
      ledgers: { US: ledger },
      logger: createLogger({ name: 'lookup-test', destination }),
      disclosureEnds,
    });
    expect(lookup.covers('US')).toBe(true);
    expect(lookup.covers('MX')).toBe(false);
    expect(lookup.covers('MX')).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no disclosure ledger is configured for MX/);
  });
});
