// Test support for the produce-limits tests: a Kafka admin stub that answers DescribeCluster and
// DescribeConfigs as told (or refuses, as an unauthorised client is refused), and a logger whose
// lines the test reads back.
import { Writable } from 'node:stream';

import { createLogger, type Logger } from '@puente/runtime';

export interface ConfigAnswers {
  /** The topic's max.message.bytes; undefined: describing the topic is refused. */
  readonly topic?: string;
  /** The brokers' limits (the second broker one byte more); undefined: refused. */
  readonly broker?: { readonly message: string; readonly socket: string };
}

interface Resource {
  type: number;
  name: string;
  configNames: string[];
}

/** Sets `describeCluster` and `describeConfigs` on `admin`; returns the resources asked for. */
export function answerConfigs(admin: Record<string, unknown>, answers: ConfigAnswers): string[] {
  const asked: string[] = [];
  admin['describeCluster'] = () => Promise.resolve({ brokers: [{ nodeId: 1 }, { nodeId: 2 }], controller: 1 });
  admin['describeConfigs'] = ({ resources }: { resources: Resource[] }) => {
    asked.push(...resources.map((r) => `${r.type}:${r.name}`));
    const kind = resources[0]?.type === 2 ? 'topic' : 'broker';
    if (kind === 'topic') {
      if (answers.topic === undefined) return Promise.reject(new Error('not authorized to describe configs'));
      return Promise.resolve({
        resources: [{ configEntries: [{ configName: 'max.message.bytes', configValue: answers.topic }] }],
      });
    }
    const broker = answers.broker;
    if (broker === undefined) return Promise.reject(new Error('not authorized to describe configs'));
    return Promise.resolve({
      resources: resources.map((_, i) => ({
        configEntries: [
          // Two brokers configured differently: the least of each limit holds for both.
          { configName: 'message.max.bytes', configValue: String(Number(broker.message) + i) },
          { configName: 'socket.request.max.bytes', configValue: String(Number(broker.socket) + i) },
        ],
      })),
    });
  };
  return asked;
}

export interface LogLine {
  readonly level: number;
  readonly msg: string;
  readonly topic?: string;
  readonly limit?: number;
}

/** A logger writing JSON lines into `lines`. */
export function capturedLogger(): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as LogLine);
      done();
    },
  });
  return { logger: createLogger({ name: 'test', destination }), lines };
}
