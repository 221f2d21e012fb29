import { describe, expect, it } from 'vitest';
import { ErrorReason } from '@puente/proto';

import { GatewayError } from '../grpc/errors.js';
import { declaredPurposes } from './purposes.js';

const refusal = (run: () => unknown): GatewayError => {
  try {
    run();
  } catch (error) {
    if (error instanceof GatewayError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
};

describe('declared purposes', () => {
  it('keeps known purposes in the order given, once each', () => {
    expect(declaredPurposes(['CUSTOMS', 'BORDER_SECURITY', 'CUSTOMS'], 'start.purposes', true)).toEqual([
      'CUSTOMS',
      'BORDER_SECURITY',
    ]);
  });

  it('names the field and the unknown purpose', () => {
    const error = refusal(() => declaredPurposes(['CUSTOMS', 'curiosity'], 'start.purposes', true));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.reason).toBe(ErrorReason.REQUEST_INVALID);
    expect(error.message).toContain("start.purposes: 'curiosity' is not a purpose");
  });

  it('refuses none when they are required, accepts none when not', () => {
    expect(refusal(() => declaredPurposes([], 'start.purposes', true)).message).toMatch(
      /^start\.purposes: declare the purposes/,
    );
    expect(declaredPurposes([], 'purposes', false)).toEqual([]);
  });
});
