// The model port built and started in-process, as `pnpm start` does, on a MemoryBus: agencies
// publish through the gateway's gRPC port, both partners receive policy views, lanes are
// assigned, and each country's embedded ledger chains what was disclosed. (tests/e2e/embedded-start.test.ts checks that the process then stops cleanly.)
import { createServer } from 'node:net';

import { credentials, Metadata } from '@grpc/grpc-js';
import { MemoryBus } from '@puente/bus';
import { createCodec } from '@puente/contracts';
import { readDevTokens } from '@puente/gateway/dev';
import { OperatorServiceClient, type VerifyLedgerResponse } from '@puente/proto';
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
      consolePort: 0,
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

    // The console answers at the address printed, and a US operator signed in sees the topics.
    await modelPort.consoleSettled;
    expect(modelPort.consoleUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(lines).toContainEqual(expect.stringContaining(`console    ${modelPort.consoleUrl} — operators sign in`));
    expect(await fetch(modelPort.consoleUrl).then((r) => r.text())).toContain('<div id="app">');
    const signIn = await fetch(`${modelPort.consoleUrl}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: readDevTokens().get('dev-us-cbp-operator') }),
    });
    expect(await signIn.json()).toEqual({ country: 'US' });
    const topics = (await fetch(`${modelPort.consoleUrl}/api/topics`, {
      headers: { cookie: (signIn.headers.get('set-cookie') ?? '').split(';')[0]! },
    }).then((r) => r.json())) as { topics: { name: string; access: string }[] };
    expect(topics.topics).toContainEqual(expect.objectContaining({ name: 'us.cargo-manifests.v1', access: 'RAW' }));
    expect(topics.topics).toContainEqual(expect.objectContaining({ name: 'mx.cargo-manifests.v1', access: 'VIEW' }));

    // The US ledger holds what MX received, intact, with the US audit service's checkpoints.
    const operator = new OperatorServiceClient(`127.0.0.1:${modelPort.gatewayPort}`, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${readDevTokens().get('dev-us-cbp-operator') ?? ''}`);
    const verify = () =>
      new Promise<VerifyLedgerResponse>((resolve, reject) =>
        operator.verifyLedger({ fromCheckpointId: '' }, metadata, (error, response) =>
          error ? reject(error) : resolve(response),
        ),
      );
    try {
      let verdict: VerifyLedgerResponse | undefined;
      await waitFor(
        async () => Number((verdict = await verify()).entryCount) > 0 && verdict.intact,
        30_000,
        `entries in the US ledger: ${JSON.stringify(verdict)}`,
      );
      expect(verdict).toMatchObject({ country: 'US', intact: true, firstBadEntry: '0', problem: '' });
      expect(verdict?.entriesChecked).toBe(verdict?.entryCount);
    } finally {
      operator.close();
    }
  });

  it('runs without the console when the console cannot start, saying so in one line', async () => {
    // The port the user chose for the console is taken: the console fails, the rest carries on.
    const consolePort = await freePort();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(consolePort, '127.0.0.1', resolve));
    try {
      bus = new MemoryBus();
      await bus.start();
      const lines: string[] = [];
      const errors: string[] = [];
      modelPort = await startModelPort({
        bus,
        codec: createCodec(),
        gatewayPort: 0,
        metricsPort: await freePort(),
        ratePerSecond: 20,
        seed: 8,
        print: (line) => lines.push(line),
        printError: (line) => errors.push(line),
        summaryIntervalMs: 250,
        consolePort,
        consolePortIsDefault: false,
      });
      await modelPort.consoleSettled;
      expect(errors.filter((line) => line.includes('console'))).toEqual([
        `  console    did not start (the console cannot listen on 127.0.0.1:${consolePort} (in use): set PUENTE_CONSOLE_PORT to a free port); the rest of Puente runs without it`,
      ]);
      expect(modelPort.consoleUrl).toBe('');
      await waitFor(
        () => lines.some((line) => /summary: [1-9]\d* published/.test(line)),
        60_000,
        `events published without the console:\n${lines.join('\n')}`,
      );
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
