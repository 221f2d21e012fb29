import { describe, expect, it } from 'vitest';

import { riskTopicsOf } from './topics.js';

describe('riskTopicsOf', () => {
  it('names the v1 topics of the country the service runs for', () => {
    expect(riskTopicsOf('MX')).toEqual({
      manifestTopic: 'mx.cargo-manifests.v1',
      resultTopic: 'mx.screening-results.v1',
      outputTopic: 'mx.risk-assessments.v1',
    });
    expect(riskTopicsOf('US').outputTopic).toBe('us.risk-assessments.v1');
  });
});
