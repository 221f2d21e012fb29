// What the CLI makes of a failed gateway call: reason, message, violations and exit code, with
// canned grpc-js errors and a fake OperatorService (no gateway).
import { Metadata, status } from '@grpc/grpc-js';
import type { ListAgreementsResponse } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import { ExitCode } from '../exit-codes.js';
import { createMessages } from '../i18n/messages.js';
import { runPuente } from '../testing/index.js';
import type { GatewayClients } from './clients.js';
import { fromGatewayError } from './errors.js';

const messages = createMessages('en');
const serviceError = (code: status, details: string, message = `${code} ${status[code]}: ${details}`) =>
  Object.assign(new Error(message), { code, details, metadata: new Metadata() });

describe('gateway errors', () => {
  it('keeps the status text when the gateway sent no details (not an empty message)', () => {
    const error = fromGatewayError(serviceError(status.INTERNAL, '', '13 INTERNAL: stream reset'), 'gw:1', messages);
    expect(error).toMatchObject({ exitCode: ExitCode.UNAVAILABLE, reason: 'INTERNAL' });
    expect(error.message).toBe('13 INTERNAL: stream reset');
  });

  it('names an unreachable gateway by address, exit 3', () => {
    const error = fromGatewayError(serviceError(status.UNAVAILABLE, 'connect ECONNREFUSED'), 'gw:1', messages);
    expect(error).toMatchObject({ exitCode: ExitCode.UNAVAILABLE, reason: 'UNAVAILABLE' });
    expect(error.message).toBe('cannot reach the gateway at gw:1: connect ECONNREFUSED');
  });
});

describe('--as a country no agreement shares the topic with', () => {
  const noAgreements = (): GatewayClients =>
    ({
      operator: {
        listAgreements: (_r: unknown, _m: unknown, _o: unknown, cb: (e: null, r: ListAgreementsResponse) => void) =>
          cb(null, { agreements: [] }),
      },
      share: {},
      close: () => undefined,
    }) as unknown as GatewayClients;

  it("is not found (exit 5) under a reason of the CLI's own, without the gateway refusal's hint", async () => {
    const run = await runPuente(['tail', 'us.cargo-manifests.v1', '--as', 'CA', '--json'], {
      env: { PUENTE_ADDRESS: 'gateway.test:1' },
      connect: noAgreements,
    });
    expect(run.code).toBe(ExitCode.NOT_FOUND);
    expect(JSON.parse(run.stderr).error.reason).toBe('NO_AGREEMENT_FOR_COUNTRY');
    const human = await runPuente(['topic', 'describe', 'us.cargo-manifests.v1', '--as', 'CA'], {
      env: { PUENTE_ADDRESS: 'gateway.test:1' },
      connect: noAgreements,
    });
    expect(human.stderr).toBe('error: NO_AGREEMENT_FOR_COUNTRY: no agreement shares us.cargo-manifests.v1 with CA\n');
  });
});
