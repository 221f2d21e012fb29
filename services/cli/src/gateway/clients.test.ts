// A bearer token never crosses the network unencrypted without a warning on stderr.
import type { ListTopicsResponse } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import { ExitCode } from '../exit-codes.js';
import { runPuente } from '../testing/index.js';
import { type GatewayClients, isLoopback } from './clients.js';

const noTopics = (): GatewayClients =>
  ({
    operator: {
      listTopics: (_r: unknown, _m: unknown, _o: unknown, cb: (e: null, r: ListTopicsResponse) => void) =>
        cb(null, { topics: [] }),
    },
    share: {},
    close: () => undefined,
  }) as unknown as GatewayClients;

const topics = (env: Record<string, string>, ...flags: string[]) =>
  runPuente(['topics', ...flags], { env, connect: noTopics });

describe('a token sent in plaintext', () => {
  it('is warned about on stderr when the gateway is not this machine', async () => {
    const run = await topics({ PUENTE_ADDRESS: 'gateway.example.mx:50051', PUENTE_TOKEN: 'tok-123' });
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout).toBe('no topics\n');
    expect(run.stderr).toBe(
      'warning: the bearer token goes unencrypted to gateway.example.mx:50051, which is not this machine: ' +
        "give the gateway's CA with --ca (or PUENTE_CA_FILE) to use TLS\n",
    );
    expect(run.stderr).not.toContain('tok-123');
    const json = await topics({ PUENTE_ADDRESS: '10.0.0.7:50051', PUENTE_TOKEN: 'tok-123' }, '--json', '--lang', 'es');
    expect(JSON.parse(json.stderr)).toEqual({
      warning: { reason: 'TOKEN_IN_PLAINTEXT', message: expect.stringContaining('el token va sin cifrar a 10.0.0.7') },
    });
  });

  it('is not warned about on loopback, over TLS, or without a token', async () => {
    for (const address of ['127.0.0.1:50051', 'localhost:50051', '[::1]:50051']) {
      expect((await topics({ PUENTE_ADDRESS: address, PUENTE_TOKEN: 'tok' })).stderr, address).toBe('');
    }
    expect((await topics({ PUENTE_ADDRESS: 'gateway.example.mx:50051' })).stderr).toBe('');
  });

  it('tells loopback from other hosts', () => {
    expect(isLoopback('127.0.0.2:1')).toBe(true);
    expect(isLoopback('unix:/run/puente.sock')).toBe(true);
    expect(isLoopback('127.example.com:1')).toBe(false);
    expect(isLoopback('localhost.example.com:1')).toBe(false);
    expect(isLoopback('[::ffff:10.0.0.1]:1')).toBe(false);
  });
});
