// The per-caller stream limit: counted per caller name, refused beyond the limit with
// STREAM_LIMIT_REACHED, and a release counts once however often it is called.
import { ErrorReason } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import type { Principal } from './auth/identity.js';
import { GatewayError } from './grpc/errors.js';
import { createStreamLimit } from './share-stream-limit.js';

const caller = (name: string): Principal => ({
  country: 'US',
  agency: 'CBP',
  roles: ['subscriber'],
  name,
  via: 'token',
});

function refusal(open: () => unknown): GatewayError {
  try {
    open();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('createStreamLimit', () => {
  it('refuses a caller beyond its limit, with the limit named, while others still open streams', () => {
    const open = createStreamLimit(2);
    open(caller('a'));
    open(caller('a'));
    const error = refusal(() => open(caller('a')));
    expect(error.code).toBe('RESOURCE_EXHAUSTED');
    expect(error.reason).toBe(ErrorReason.STREAM_LIMIT_REACHED);
    expect(error.message).toBe('a already holds 2 open streams; at most 2 are allowed');
    expect(error.metadata).toEqual({ limit: '2' });
    expect(() => open(caller('b'))).not.toThrow();
  });

  it('frees a stream on release, once however often the release is called', () => {
    const open = createStreamLimit(2);
    const first = open(caller('a'));
    open(caller('a'));
    first();
    first();
    first();
    expect(() => open(caller('a'))).not.toThrow();
    expect(() => open(caller('a'))).toThrow(GatewayError);
  });
});
