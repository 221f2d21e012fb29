// The ledger lookup behind retraction notices: one question per superseded event of a batch,
// retried after a failure, a retriable LEDGER_UNAVAILABLE once the retries are spent, and a single
// warning for a country that has no ledger.
import { Writable } from 'node:stream';

import { ErrorReason } from '@puente/proto';
import type { LedgerReader } from '@puente/ledger';
import { createLogger, silentLogger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { GatewayError } from '../grpc/errors.js';
import { createCorrectionLookup } from './correction-lookup.js';
import type { WithheldCorrection } from './record-evaluation.js';

const MX_ANAM = { country: 'MX', agency: 'ANAM' } as const;

function ledgerAnswering(answer: (eventId: string) => boolean | Error) {
  const asked: string[] = [];
  const ledger = {
    country: 'US',
    delivered: async (eventId: string) => {
      asked.push(eventId);
      const result = answer(eventId);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as LedgerReader;
  return { ledger, asked };
}

const correction = (supersedes: string): WithheldCorrection =>
  ({ supersedes, origin: 'US', notice: undefined }) as unknown as WithheldCorrection;

describe('createCorrectionLookup', () => {
  it('answers each correction in order, asking once per superseded event', async () => {
    const { ledger, asked } = ledgerAnswering((id) => id === 'a');
    const lookup = createCorrectionLookup({ ledgers: { US: ledger }, logger: silentLogger() });
    const answers = await lookup.received([correction('a'), correction('b'), correction('a')], MX_ANAM);
    expect(answers).toEqual([true, false, true]);
    expect(asked.sort()).toEqual(['a', 'b']);
  });

  it('retries a failing ledger, then fails retriably with LEDGER_UNAVAILABLE', async () => {
    let failures = 2;
    const flaky = ledgerAnswering(() => (failures-- > 0 ? new Error('down') : true));
    const lookup = createCorrectionLookup({
      ledgers: { US: flaky.ledger },
      logger: silentLogger(),
      retryDelaysMs: [1, 1],
    });
    expect(await lookup.received([correction('a')], MX_ANAM)).toEqual([true]);
    expect(flaky.asked).toHaveLength(3);

    const down = ledgerAnswering(() => new Error('down'));
    const failing = createCorrectionLookup({
      ledgers: { US: down.ledger },
      logger: silentLogger(),
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
    });
    expect(lookup.covers('US')).toBe(true);
    expect(lookup.covers('MX')).toBe(false);
    expect(lookup.covers('MX')).toBe(false);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/no disclosure ledger is configured for MX/);
  });
});
