// kafkajs's own log lines, routed to our logger: one structured event per line, its namespace kept.
import { logLevel, type LogEntry } from 'kafkajs';

import type { Logger } from '@puente/runtime';

const kafkaLevelToPino = (level: logLevel): 'error' | 'warn' | 'info' | 'debug' =>
  level === logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : level === logLevel.INFO ? 'info' : 'debug';

/** A kafkajs `logCreator` writing to `logger`. */
export function routeLogs(logger: Logger) {
  return () =>
    ({ namespace, level, log }: LogEntry): void => {
      const { message, timestamp: _timestamp, ...extra } = log;
      logger[kafkaLevelToPino(level)]({ kafkajs: namespace, ...extra }, message);
    };
}
