// The shared vocabulary of @puente/runtime is the catalog's: the same countries as the `Country`
// Avro enum, and every catalogued topic named by its topic builders.
import {
  auditCheckpointTopic,
  COUNTRIES,
  DISCLOSURE_TOPIC,
  DOMAINS,
  domainTopic,
  type Country as RuntimeCountry,
} from '@puente/runtime';
import { describe, expect, expectTypeOf, it } from 'vitest';

import { enumSymbols, topicNames, type Country } from './index.js';

describe('shared vocabulary', () => {
  it('has the countries of the Country enum, in its order', () => {
    expect([...COUNTRIES]).toEqual([...enumSymbols.Country]);
    expectTypeOf<RuntimeCountry>().toEqualTypeOf<Country>();
  });

  it('names every catalogued topic with its builders, and nothing the catalog lacks', () => {
    const built = [
      DISCLOSURE_TOPIC,
      ...COUNTRIES.map(auditCheckpointTopic),
      ...COUNTRIES.flatMap((c) => DOMAINS.map((d) => domainTopic(c, d))),
    ];
    expect(built.sort()).toEqual([...topicNames].sort());
  });
});
