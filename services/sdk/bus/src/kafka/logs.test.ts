import { Writable } from 'node:stream';

import { logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';

import { createLogger } from '@puente/runtime';
import { routeLogs } from './logs.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const logger = createLogger({ name: 'test', destination, level: 'debug' });
  return { lines, log: routeLogs(logger)() };
}

describe('routeLogs', () => {
  it("writes one line per kafkajs entry at the matching level, with kafkajs's fields and namespace", () => {
    const { lines, log } = capture();
    const entry = (level: logLevel, message: string) => ({
      namespace: 'Connection',
      level,
      label: 'X',
      log: { timestamp: '2024-01-01T00:00:00.000Z', message, broker: 'b:9092', clientId: 'c' },
    });
    log(entry(logLevel.ERROR, 'failed'));
    log(entry(logLevel.WARN, 'slow'));
    log(entry(logLevel.INFO, 'connected'));
    log(entry(logLevel.DEBUG, 'request'));
    expect(lines.map((line) => [line['level'], line['msg']])).toEqual([
      [50, 'failed'],
      [40, 'slow'],
      [30, 'connected'],
      [20, 'request'],
    ]);
    expect(lines[0]).toMatchObject({ kafkajs: 'Connection', broker: 'b:9092', clientId: 'c' });
    // Our logger stamps its own time: kafkajs's is left out.
    expect(lines[0]?.['timestamp']).toBeUndefined();
  });
});
