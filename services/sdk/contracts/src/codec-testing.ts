// A tiny two-version catalog for the codec pieces' unit tests: topic `parcels.v1` whose subject
// has v1 (schema id 101) and v2 (id 102, an added optional `note`), and an unrelated record
// (id 103) that no topic uses.
import { createSchemaCatalog, type CatalogData, type SchemaCatalog } from './catalog.js';

export const PARCELS = 'parcels.v1';
export const PARCELS_V1 = 101;
export const PARCELS_V2 = 102;
export const UNRELATED = 103;

const parcelFields = [
  { name: 'parcelId', type: 'string' },
  { name: 'weightKg', type: 'double' },
];

export const parcelsV1Text = JSON.stringify({
  type: 'record',
  name: 'Parcel',
  namespace: 'test',
  fields: parcelFields,
});
export const parcelsV2Text = JSON.stringify({
  type: 'record',
  name: 'Parcel',
  namespace: 'test',
  fields: [...parcelFields, { name: 'note', type: ['null', 'string'], default: null }],
});
export const unrelatedText = JSON.stringify({
  type: 'record',
  name: 'Other',
  namespace: 'test',
  fields: [{ name: 'n', type: 'int' }],
});

const schema = (type: string, text: string) => ({ type, fingerprint: 'sha256:test', schema: text });

export const tinyCatalogData: CatalogData = {
  topics: { [PARCELS]: { valueType: 'test.Parcel', keyField: 'parcelId' } },
  subjects: {
    [`${PARCELS}-value`]: {
      topic: PARCELS,
      versions: [
        { version: 1, id: PARCELS_V1, fingerprint: 'sha256:test' },
        { version: 2, id: PARCELS_V2, fingerprint: 'sha256:test' },
      ],
    },
  },
  schemas: {
    [String(PARCELS_V1)]: schema('test.Parcel', parcelsV1Text),
    [String(PARCELS_V2)]: schema('test.Parcel', parcelsV2Text),
    [String(UNRELATED)]: schema('test.Other', unrelatedText),
  },
};

export function tinyCatalog(): SchemaCatalog {
  return createSchemaCatalog(tinyCatalogData);
}
