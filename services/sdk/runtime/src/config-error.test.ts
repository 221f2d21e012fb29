import { describe, expect, it } from 'vitest';

import { ConfigError } from './config-error.js';
import { PuenteError } from './errors.js';

describe('ConfigError', () => {
  it('lists every problem in its message, one per line, and keeps the list', () => {
    const error = new ConfigError('screening', ['KAFKA_BROKERS: Required', 'PUENTE_COUNTRY: Invalid option']);
    expect(error.message).toBe(
      'invalid screening configuration:\n  - KAFKA_BROKERS: Required\n  - PUENTE_COUNTRY: Invalid option',
    );
    expect(error.problems).toEqual(['KAFKA_BROKERS: Required', 'PUENTE_COUNTRY: Invalid option']);
  });

  it('is a PuenteError named ConfigError that no retry can fix', () => {
    const error = new ConfigError('gateway', ['x: y']);
    expect(error).toBeInstanceOf(PuenteError);
    expect(error.name).toBe('ConfigError');
    expect(error.code).toBe('INVALID_CONFIG');
    expect(error.retriable).toBe(false);
  });
});
