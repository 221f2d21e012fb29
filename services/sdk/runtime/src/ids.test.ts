import { describe, expect, it } from 'vitest';

import { nameBasedUuid } from './ids.js';

describe('nameBasedUuid', () => {
  it('is RFC 4122 version 5: the DNS namespace and "python.org" give the published UUID', () => {
    // The example of Python's uuid module documentation: uuid5(NAMESPACE_DNS, 'python.org').
    expect(nameBasedUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'python.org')).toBe(
      '886313e1-3b8a-5372-9b90-0c9aee199e5d',
    );
  });

  it('gives the same id for the same inputs and another for another name or namespace', () => {
    const ns = '6f1c2e4a-93b7-4d0e-8a55-2c7d9e1f4b38';
    expect(nameBasedUuid(ns, 'a')).toBe(nameBasedUuid(ns, 'a'));
    expect(nameBasedUuid(ns, 'a')).not.toBe(nameBasedUuid(ns, 'b'));
    expect(nameBasedUuid(ns, 'a')).not.toBe(nameBasedUuid('6ba7b810-9dad-11d1-80b4-00c04fd430c8', 'a'));
  });

  it('refuses a namespace that is not a UUID, naming it', () => {
    expect(() => nameBasedUuid('risk', 'a')).toThrow(/namespace .* must be a UUID, not 'risk'/);
  });
});
