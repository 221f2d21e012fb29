// Record data reaching a terminal: control sequences are shown as escapes, never interpreted.
import type { BrowseRecordsResponse, DescribeTopicResponse, ListTopicsResponse } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import type { GatewayClients } from '../gateway/clients.js';
import { jsonLines, runPuente } from '../testing/index.js';
import { printable } from './printable.js';
import { renderTable } from './table.js';

const TOPIC = 'us.cargo-manifests.v1';
/** A window title, a screen clear (C1 CSI), a bell, and a right-to-left override. */
const KEY = 'K\u001b]0;pwned\u0007\u009b2J\u202eevil';
const SHOWN = 'K\\x1b]0;pwned\\x07\\x9b2J\\u{202e}evil';

const answer =
  <T>(value: T) =>
  (_r: unknown, _m: unknown, _o: unknown, cb: (e: null, r: T) => void) =>
    cb(null, value);

const gateway = (): GatewayClients =>
  ({
    operator: {
      describeTopic: answer<Partial<DescribeTopicResponse>>({ partitions: [] }),
      browseRecords: answer<BrowseRecordsResponse>({
        nextPageToken: '',
        records: [
          {
            topic: TOPIC,
            partition: 0,
            offset: '7',
            key: KEY,
            timestamp: new Date('2026-12-07T00:00:00Z'),
            eventId: 'e\u001b[2J',
            schemaId: 1,
            payload: Buffer.from(JSON.stringify({ note: 'x\u009b31m' })),
            decodeError: '',
          } as BrowseRecordsResponse['records'][number],
        ],
      }),
      listTopics: answer<Partial<ListTopicsResponse>>({
        topics: [{ name: `${TOPIC}\u001b[2J`, valueSubject: '', latestSchemaId: 0 } as never],
      }),
    },
    share: {},
    close: () => undefined,
  }) as unknown as GatewayClients;

const run = (argv: string[], tty = false) =>
  runPuente(argv, { env: { PUENTE_ADDRESS: 'gateway.test:1' }, connect: gateway, tty });

describe('control characters in data', () => {
  it('are escaped in tail output, on a terminal too (only our own colours pass)', async () => {
    for (const tty of [false, true]) {
      const { stdout } = await run(['tail', TOPIC], tty);
      expect(stdout).toContain(`key=${SHOWN}`);
      expect(stdout).toContain('eventId=e\\x1b[2J');
      expect(stdout).toContain('"note": "x\\x9b31m"');
      // eslint-disable-next-line no-control-regex -- the characters that must not reach the terminal
      expect(stdout).not.toMatch(/[\u0007\u009b\u202e]|\u001b\[2J|\u001b\]/);
      if (tty) expect(stdout).toContain('\u001b[2m'); // dim header: ours
    }
  });

  it('are kept as they are in --json (JSON escapes for scripts)', async () => {
    const { stdout } = await run(['tail', TOPIC, '--json']);
    expect(jsonLines(stdout)[0]).toMatchObject({ key: KEY, value: { note: 'x\u009b31m' } });
  });

  it('are escaped in tables, columns still aligned', async () => {
    const { stdout } = await run(['topics']);
    expect(stdout).toContain(`${TOPIC}\\x1b[2J`);
    expect(stdout).not.toContain('\u001b');
    const table = renderTable(
      ['A', 'B'],
      [
        ['\u0007', 'x'],
        ['abcd', 'y'],
      ],
    ).split('\n');
    expect(table[1]!.indexOf('p')).toBe(table[2]!.indexOf('q'));
  });

  it('keeps newlines and, only with colour on, the colours the CLI writes', () => {
    expect(printable('a\nb\tc\r', false)).toBe('a\nb\\x09c\\x0d');
    expect(printable('\u001b[31mno\u001b[39m', true)).toBe('\u001b[31mno\u001b[39m');
    expect(printable('\u001b[31mno\u001b[39m', false)).toBe('\\x1b[31mno\\x1b[39m');
  });
});
