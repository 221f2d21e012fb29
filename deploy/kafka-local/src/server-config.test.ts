import { describe, expect, it } from 'vitest';
import { parseJavaMajor } from './java-runtime.js';
import { randomClusterId, renderServerProperties } from './server-config.js';

function parseProperties(text: string): Map<string, string> {
  const entries = text
    .split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line): [string, string] => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]);
  return new Map(entries);
}

describe('renderServerProperties', () => {
  const props = parseProperties(
    renderServerProperties({ port: 40123, controllerPort: 40124, logDir: '/data/kafka-logs' }),
  );

  it('configures one combined KRaft node on loopback', () => {
    expect(props.get('process.roles')).toBe('broker,controller');
    expect(props.get('node.id')).toBe('1');
    expect(props.get('controller.quorum.voters')).toBe('1@127.0.0.1:40124');
    expect(props.get('listeners')).toBe('PLAINTEXT://127.0.0.1:40123,CONTROLLER://127.0.0.1:40124');
    expect(props.get('advertised.listeners')).toBe('PLAINTEXT://127.0.0.1:40123');
    expect(props.get('log.dirs')).toBe('/data/kafka-logs');
  });

  it('lets a single replica satisfy internal topics and acks=all', () => {
    expect(props.get('offsets.topic.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.replication.factor')).toBe('1');
    expect(props.get('transaction.state.log.min.isr')).toBe('1');
    expect(props.get('min.insync.replicas')).toBe('1');
  });

  it('never creates topics implicitly', () => {
    expect(props.get('auto.create.topics.enable')).toBe('false');
  });
});

describe('randomClusterId', () => {
  it('is 16 bytes of unpadded base64url not starting with a dash', () => {
    for (let i = 0; i < 200; i++) {
      const id = randomClusterId();
      expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
      expect(Buffer.from(id, 'base64url')).toHaveLength(16);
    }
  });
});

describe('parseJavaMajor', () => {
  it('reads modern and 1.x version strings', () => {
    expect(parseJavaMajor('openjdk version "17.0.15" 2025-04-15')).toBe(17);
    expect(parseJavaMajor('openjdk version "21" 2023-09-19')).toBe(21);
    expect(parseJavaMajor('java version "1.8.0_412"')).toBe(8);
    expect(parseJavaMajor('no java here')).toBeUndefined();
  });
});
