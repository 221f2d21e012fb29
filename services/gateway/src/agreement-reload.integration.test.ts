// The gateway process (main.ts) and its agreements folder, on a real Kafka: a changed agreement
// whose version was not raised is refused, counted and logged, and the version in force keeps
// serving; the same change with its version raised ends a live subscription AGREEMENT_REVOKED.
import { copyFileSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { credentials, Metadata, status, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import {
  ErrorReason,
  errorReasonOf,
  fromRpcStatus,
  PayloadFormat,
  rpcStatusFromError,
  ShareServiceClient,
  StartPosition,
  type SubscribeResponse,
} from '@puente/proto';
import { freePort, type ServiceProcess, waitFor } from '@puente/runtime/testing';
import { afterAll, describe, expect, it } from 'vitest';

import { DEV_POLICIES_DIR } from './dev/dev-wiring.js';
import { readDevTokens } from './dev/dev-tokens.js';
import { devAgreementText, startGatewayProcess, withoutTopic, withVersion } from './testing/index.js';

const TOPIC = 'us.cargo-manifests.v1';
const FEED = `us-to-mx/${TOPIC}`;
const tokens = readDevTokens();
const US_TO_MX = devAgreementText('us-to-mx.yaml');

/** Replaces the file in one step, as an editor or a deployment does. */
function writeAgreement(dir: string, text: string): void {
  const staging = join(dir, '.us-to-mx.yaml.tmp');
  writeFileSync(staging, text);
  renameSync(staging, join(dir, 'us-to-mx.yaml'));
}

describe('the gateway process and its agreements folder', () => {
  const processes: ServiceProcess[] = [];
  const dirs: string[] = [];
  afterAll(async () => {
    for (const running of processes) await running.stop('SIGKILL').catch(() => undefined);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('refuses and counts a change that keeps its version, then applies it with the version raised', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'puente-agreements-'));
    dirs.push(dir);
    for (const name of readdirSync(DEV_POLICIES_DIR).filter((n) => n.endsWith('.yaml')))
      copyFileSync(join(DEV_POLICIES_DIR, name), join(dir, name));
    const [port, metricsPort] = [await freePort(), await freePort()];
    const running = await startGatewayProcess(port, {
      PUENTE_POLICIES_DIR: dir,
      PUENTE_METRICS_PORT: String(metricsPort),
    });
    processes.push(running);
    const rejected = async () => {
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      return Number(/^puente_agreement_reloads_rejected_total (\d+)$/m.exec(text)?.[1] ?? NaN);
    };
    expect(await rejected()).toBe(0);

    const client = new ShareServiceClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${tokens.get('dev-mx-anam-subscriber') ?? ''}`);
    const call = client.subscribe(metadata);
    let started = false;
    let error: ServiceError | undefined;
    call.on('data', (message: SubscribeResponse) => {
      if (message.kind?.$case === 'started') started = true;
    });
    call.on('error', (e: ServiceError) => (error = e));
    const ended = new Promise<StatusObject>((resolve) => call.on('status', resolve));
    call.write({
      kind: {
        $case: 'start',
        value: {
          subscription: 'reload-process',
          feeds: [FEED],
          payloadFormat: PayloadFormat.AVRO_CONFLUENT,
          startPosition: StartPosition.LATEST,
          maxUnacked: 10,
          maxBatchSize: 10,
          purposes: ['CUSTOMS'],
        },
      },
    });
    await waitFor(() => started, 20_000, 'the subscription to start');

    // The feed removed, version not raised: refused, counted and logged; the stream stays open.
    writeAgreement(dir, withoutTopic(US_TO_MX, TOPIC));
    await waitFor(async () => (await rejected()) === 1, 10_000, 'the refused reload to be counted');
    // The counter is read over HTTP; the log line may reach this process's pipe a moment later.
    await waitFor(
      () => running.output().includes('changed agreement rejected; previous version stays in force'),
      10_000,
      'the refused reload to be logged',
    );
    expect(running.output()).toContain('raise version');
    expect(error).toBeUndefined();

    // The same change with its version raised: applied, and the live stream ends.
    writeAgreement(dir, withVersion(withoutTopic(US_TO_MX, TOPIC), 2));
    const result = await ended;
    expect(result.code).toBe(status.PERMISSION_DENIED);
    const rpc = error && rpcStatusFromError(error);
    expect(errorReasonOf(rpc ? fromRpcStatus(rpc) : {})).toBe(ErrorReason.AGREEMENT_REVOKED);
    expect(result.details).toContain(FEED);
    expect(await rejected()).toBe(1);
    client.close();
    expect(await running.stop('SIGTERM')).toBe(0);
  });
});
