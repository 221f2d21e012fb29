// View schema ids: the catalog's id when its latest schema of the subject is the view's schema,
// otherwise one id per distinct schema text for this process, registered with the codec.
import type { AvroCodec } from '@puente/contracts';
import type { TopicPolicy } from '@puente/policy';
import { describe, expect, it } from 'vitest';

import { createViewSchemaIds, VIEW_ID_BASE } from './view-schema-ids.js';

const policy = (viewSchema: unknown, viewSubject = 'view-value') =>
  ({ viewSchema, viewSubject }) as unknown as TopicPolicy;

function fakeCodec(catalog: Record<string, { id: number; text: string }>) {
  const added: [number, string][] = [];
  const codec = {
    catalog: {
      latest: (subject: string) => {
        const entry = catalog[subject];
        if (!entry) throw new Error(`no subject ${subject}`);
        return { id: entry.id };
      },
      schemaText: (id: number) => Object.values(catalog).find((e) => e.id === id)?.text,
    },
    addSchema: (id: number, text: string) => void added.push([id, text]),
  } as unknown as AvroCodec;
  return { codec, added };
}

describe('createViewSchemaIds', () => {
  it("keeps the catalog's id when the subject's latest schema is the view's", () => {
    const schema = { type: 'record', name: 'V', fields: [] };
    const { codec, added } = fakeCodec({ 'view-value': { id: 42, text: JSON.stringify(schema) } });
    expect(createViewSchemaIds(codec)(policy(schema))).toBe(42);
    expect(added).toEqual([]);
  });

  it('gives other schemas one id per distinct text, registered once with the codec', () => {
    const { codec, added } = fakeCodec({ 'view-value': { id: 42, text: '"older"' } });
    const viewSchemaId = createViewSchemaIds(codec);
    const a = { type: 'record', name: 'A', fields: [] };
    const b = { type: 'record', name: 'B', fields: [] };
    expect(viewSchemaId(policy(a))).toBe(VIEW_ID_BASE + 1);
    expect(viewSchemaId(policy(b, 'unknown-subject'))).toBe(VIEW_ID_BASE + 2);
    const samePolicy = policy(a);
    expect(viewSchemaId(samePolicy)).toBe(VIEW_ID_BASE + 1);
    expect(viewSchemaId(samePolicy)).toBe(VIEW_ID_BASE + 1);
    expect(added.map(([id]) => id)).toEqual([VIEW_ID_BASE + 1, VIEW_ID_BASE + 2, VIEW_ID_BASE + 1]);
  });
});
