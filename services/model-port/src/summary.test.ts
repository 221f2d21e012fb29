import { DEV_TOKENS_FILE } from '@puente/gateway/dev';
import { describe, expect, it } from 'vitest';

import { bannerText, summaryLine } from './summary.js';

describe('bannerText', () => {
  it('names the gateway, metrics, tokens, agreements, ledgers, rate and seed', () => {
    const text = bannerText({
      gatewayPort: 50051,
      metricsPort: 9464,
      agreements: [
        { id: 'us-to-mx', version: 3 },
        { id: 'mx-to-us', version: 1 },
      ],
      ratePerSecond: 4,
      seed: 7,
    });
    expect(text.split('\n')).toEqual([
      'Puente model port — embedded (MemoryBus, no Kafka needed)',
      '  gateway    127.0.0.1:50051 (gRPC: puente.v1.ShareService; health and reflection on)',
      '  metrics    http://127.0.0.1:9464/metrics',
      `  tokens     ${DEV_TOKENS_FILE} (development fixture; send as "authorization: Bearer <token>")`,
      '  agreements us-to-mx v3, mx-to-us v1',
      '  ledgers    US and MX in embedded PGlite (in memory); checkpoints signed with development keys (puente.v1.OperatorService: VerifyLedger, WhoReceived, ListDisclosures)',
      'Synthetic agencies publish about 4 events/s (seed 7); partners print what their agreement lets them see. Ctrl-C stops.',
      '',
    ]);
  });
});

describe('summaryLine', () => {
  it('sums each counter over its labels, counts a missing one as 0, and lists the lanes', () => {
    const metrics = [
      { name: 'puente_published_total', values: [{ value: 3 }, { value: 4 }] },
      { name: 'puente_delivered_total', values: [{ value: 5 }] },
      { name: 'puente_acked_total', values: [] },
      { name: 'puente_other_total', values: [{ value: 99 }] },
    ];
    expect(summaryLine(metrics, new Map([['US GREEN', 2]]))).toBe(
      '— summary: 7 published by agencies, 5 shared across the border, 0 withheld by policy, 0 acknowledged; lanes: US GREEN 2 —',
    );
  });
});
