import { describe, expect, it } from 'vitest';
import { checkBackward, formatIssue } from './compatibility.js';
import { parseSchema } from './parse-options.js';

const NS = 'org.puente.v1';
const country = { type: 'enum', name: 'Country', namespace: NS, symbols: ['US', 'MX'] };
const item = (extra: object[] = []) => ({
  type: 'record',
  name: 'GoodsItem',
  namespace: NS,
  fields: [
    { name: 'hsCode', type: 'string' },
    { name: 'value', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    ...extra,
  ],
});
const manifest = (fields: object[], goods: object = item()) =>
  parseSchema({
    type: 'record',
    name: 'CargoManifest',
    namespace: NS,
    fields: [
      { name: 'manifestId', type: 'string' },
      { name: 'origin', type: country },
      { name: 'goods', type: { type: 'array', items: goods } },
      ...fields,
    ],
  } as never);

const v1 = manifest([
  { name: 'count', type: 'int' },
  { name: 'note', type: ['null', 'string'], default: null },
]);
const problems = (reader: ReturnType<typeof manifest>, writer = v1) =>
  checkBackward(reader, writer).map((i) => `${i.path}: ${i.problem}`);

describe('BACKWARD compatibility', () => {
  it('accepts what Avro resolution allows: optional additions, removals, promotions, widening', () => {
    expect(problems(v1)).toEqual([]);
    expect(
      problems(
        manifest([
          { name: 'count', type: 'int' },
          { name: 'note', type: ['null', 'string'], default: null },
          { name: 'seal', type: ['null', 'string'], default: null },
        ]),
      ),
    ).toEqual([]);
    expect(problems(manifest([{ name: 'count', type: 'int' }]))).toEqual([]);
    expect(
      problems(
        manifest([
          { name: 'count', type: 'long' },
          { name: 'note', type: ['null', 'string'], default: null },
        ]),
      ),
    ).toEqual([]);
    expect(
      problems(
        manifest([
          { name: 'count', type: ['null', 'int'], default: null },
          { name: 'note', type: ['null', 'string'], default: null },
        ]),
      ),
    ).toEqual([]);
    expect(
      problems(
        manifest(
          [
            { name: 'count', type: 'int' },
            { name: 'note', type: ['null', 'string'], default: null },
          ],
          item([{ name: 'un', type: ['null', 'string'], default: null }]),
        ),
      ),
    ).toEqual([]);
  });

  it('names a field added without a default, also inside arrays', () => {
    expect(
      problems(
        manifest([
          { name: 'count', type: 'int' },
          { name: 'foo', type: 'string' },
        ]),
      ),
    ).toEqual(['foo: added without a default']);
    expect(problems(manifest([{ name: 'count', type: 'int' }], item([{ name: 'unNumber', type: 'string' }])))).toEqual([
      'goods[].unNumber: added without a default',
    ]);
  });

  it('names type changes and fields that became required', () => {
    expect(problems(manifest([{ name: 'count', type: 'string' }]))).toEqual(['count: changed type from int to string']);
    expect(
      problems(
        manifest([
          { name: 'count', type: 'int' },
          { name: 'note', type: 'string' },
        ]),
      ),
    ).toEqual(['note: became required (was null | string, now string)']);
    expect(
      problems(
        manifest([
          { name: 'count', type: 'int' },
          { name: 'note', type: ['null', 'int'], default: null },
        ]),
      ),
    ).toEqual(['note: no longer accepts string (was null | string, now null | int)']);
  });

  it('names lost enum symbols unless the reader enum has a default', () => {
    const reader = (symbols: string[], extra: object = {}) =>
      parseSchema({
        type: 'record',
        name: 'CargoManifest',
        namespace: NS,
        fields: [
          { name: 'manifestId', type: 'string' },
          { name: 'origin', type: { ...country, symbols, ...extra } },
          { name: 'goods', type: { type: 'array', items: item() } },
          { name: 'count', type: 'int' },
        ],
      } as never);
    expect(problems(reader(['US']))).toEqual([
      "origin: lost enum symbol(s) 'MX' of org.puente.v1.Country and the enum has no default",
    ]);
    expect(problems(reader(['US', 'OTHER'], { default: 'OTHER' }))).toEqual([]);
    expect(problems(reader(['US', 'MX', 'CA']))).toEqual([]);
  });

  it('refuses decimal rescaling and narrowing that Avro resolution would let through silently', () => {
    const goods = (precision: number, scale: number) => ({
      ...item(),
      fields: [
        { name: 'hsCode', type: 'string' },
        { name: 'value', type: { type: 'bytes', logicalType: 'decimal', precision, scale } },
      ],
    });
    expect(problems(manifest([{ name: 'count', type: 'int' }], goods(12, 3)))).toEqual([
      'goods[].value: changed decimal scale from 2 to 3, which would rescale every value',
    ]);
    expect(problems(manifest([{ name: 'count', type: 'int' }], goods(10, 2)))).toEqual([
      'goods[].value: narrowed decimal precision from 12 to 10',
    ]);
    expect(problems(manifest([{ name: 'count', type: 'int' }], goods(16, 2)))).toEqual([]);
  });

  it('names renamed records unless aliased', () => {
    const renamed = (aliases?: string[]) =>
      parseSchema({
        type: 'record',
        name: 'Manifest',
        namespace: NS,
        ...(aliases ? { aliases } : {}),
        fields: [{ name: 'manifestId', type: 'string' }],
      } as never);
    expect(problems(renamed())).toEqual([
      ': renamed record org.puente.v1.CargoManifest to org.puente.v1.Manifest without an alias',
    ]);
    expect(problems(renamed([`${NS}.CargoManifest`]))).toEqual([]);
  });

  it('formats issues with the versions involved', () => {
    expect(formatIssue('CargoManifest', { path: 'foo', problem: 'added without a default' }, 2, 1)).toBe(
      "CargoManifest: field 'foo' added without a default: a v2 reader cannot read v1 data",
    );
  });
});
