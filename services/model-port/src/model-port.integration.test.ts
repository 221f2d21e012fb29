// The model port built and started in-process, as `pnpm start` does, on a MemoryBus: agencies
// publish through the gateway's gRPC port, both partners receive policy views, lanes are
// assigned. (tests/e2e/embedded-start.test.ts checks that the process then stops cleanly.)
import { MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { freePort, waitFor } from '@puente/runtime/testing';
import { afterEach, describe, expect, it } from 'vitest';

import { startModelPort, type ModelPort } from './model-port.js';

describe('startModelPort', () => {
  let bus: MemoryBus | undefined;
  let modelPort: ModelPort | undefined;

  afterEach(async () => {
    await modelPort?.stop();
    await bus?.stop();
  });

  it('shares events across the border and assigns lanes, then stops', async () => {
    bus = new MemoryBus();
    await bus.start();
    const lines: string[] = [];
    const metricsPort = await freePort();
    modelPort = await startModelPort({
      bus,
      codec: createCodec(),
      gatewayPort: 0,
      metricsPort,
      ratePerSecond: 20,
      seed: 7,
      print: (line) => lines.push(line),
      printError: (line) => lines.push(line),
      summaryIntervalMs: 250,
    });
    expect(modelPort.gatewayPort).toBeGreaterThan(0);
    expect(lines[0]).toContain(`gateway    127.0.0.1:${modelPort.gatewayPort}`);
    expect(lines[0]).toContain('seed 7');

    await waitFor(
      () => lines.some((line) => /summary: [1-9]\d* published.*lanes: (?!none)/.test(line)),
      60_000,
      `a summary with events and lanes:\n${lines.join('\n')}`,
    );
    for (const view of [/MX\/ANAM\s+← us-to-mx\/us\.cargo-manifests\.v1/, /US\/CBP\s+← mx-to-us\//]) {
      await waitFor(() => lines.some((line) => view.test(line)), 60_000, `${view}:\n${lines.join('\n')}`);
    }
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/puente_delivered_total\{agreement="us-to-mx"/);
  });
});
