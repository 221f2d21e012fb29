import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { waitFor } from '@puente/runtime/testing';
import type { PolicyError } from './errors.js';
import { createPolicyStore, type PolicyStore } from './policy-set.js';
import { compileOptions } from './testing/fixtures.js';

const agreement = (version: number, extraField = '') => `id: reload-test
version: ${version}
from: US
to: MX
purposes: [CUSTOMS]
classificationCeiling: SENSITIVE
topics:
  us.cargo-manifests.v1:
    rules:
      - fields:
          manifestId: keep
${extraField}`;

describe('policy store hot reload', () => {
  let dir: string;
  let store: PolicyStore | undefined;

  afterEach(async () => {
    await store?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('swaps in a valid new version and keeps the old one when the new is invalid', async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-policies-'));
    await writeFile(join(dir, 'a.yaml'), agreement(1));
    const rejected: PolicyError[] = [];
    let reloads = 0;
    store = createPolicyStore({
      ...compileOptions,
      dir,
      debounceMs: 20,
      onReload: () => reloads++,
      onRejected: (error) => rejected.push(error),
    });
    await store.start();
    expect(store.current().agreement('reload-test')?.version).toBe(1);

    await writeFile(join(dir, 'a.yaml'), agreement(2, '          direction: keep\n'));
    await waitFor(() => store?.current().agreement('reload-test')?.version === 2, 5_000, 'version 2 in force');
    const policy = store.current().policy('reload-test', 'us.cargo-manifests.v1');
    expect((policy?.viewSchema['fields'] as { name: string }[]).map((f) => f.name)).toEqual([
      'manifestId',
      'direction',
    ]);

    await writeFile(join(dir, 'a.yaml'), agreement(3, '          direcion: keep\n'));
    await waitFor(() => rejected.length > 0, 5_000, 'the invalid version to be reported');
    expect(rejected[0]?.message).toContain("unknown field 'direcion'");
    expect(rejected[0]?.message).toContain(`${join(dir, 'a.yaml')}:12`);
    expect(store.current().agreement('reload-test')?.version).toBe(2);
    expect(reloads).toBeGreaterThanOrEqual(2);
  });

  it('refuses a reload in which an agreement changed but kept its version, and takes it once the version is raised', async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-policies-'));
    await writeFile(join(dir, 'a.yaml'), agreement(3));
    const rejected: PolicyError[] = [];
    store = createPolicyStore({ ...compileOptions, dir, onRejected: (error) => rejected.push(error) });
    await store.start();
    const before = store.current().agreement('reload-test')!;
    expect(before.sourceDigest).toMatch(/^[0-9a-f]{64}$/);

    // The same text again: nothing changed, nothing refused.
    await store.reload();
    expect(rejected).toEqual([]);

    await writeFile(join(dir, 'a.yaml'), agreement(3, '          direction: keep\n'));
    await store.reload();
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.message).toContain('agreement reload-test changed but is still version 3: raise version');
    expect(rejected[0]?.problems[0]).toMatchObject({ file: join(dir, 'a.yaml'), at: 'version' });
    expect(store.current().agreement('reload-test')?.sourceDigest).toBe(before.sourceDigest);
    expect(store.current().policy('reload-test', 'us.cargo-manifests.v1')?.viewSchema['fields']).toHaveLength(1);

    await writeFile(join(dir, 'a.yaml'), agreement(4, '          direction: keep\n'));
    await store.reload();
    expect(rejected).toHaveLength(1);
    expect(store.current().agreement('reload-test')?.version).toBe(4);
    expect(store.current().agreement('reload-test')?.sourceDigest).not.toBe(before.sourceDigest);
  });

  it('keeps the highest version seen per id: an agreement removed and re-added under that version with other text is refused', async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-policies-'));
    const other = agreement(1).replace('id: reload-test', 'id: other-agreement');
    await writeFile(join(dir, 'a.yaml'), agreement(2));
    await writeFile(join(dir, 'b.yaml'), other);
    const rejected: PolicyError[] = [];
    store = createPolicyStore({ ...compileOptions, dir, onRejected: (error) => rejected.push(error) });
    await store.start();
    const v2 = store.current().agreement('reload-test')!;

    await unlink(join(dir, 'a.yaml'));
    await store.reload();
    expect(store.current().agreement('reload-test')).toBeUndefined();
    expect(rejected).toEqual([]);

    // Back under version 2 with other text: version 2 already names v2's text.
    await writeFile(join(dir, 'a.yaml'), agreement(2, '          direction: keep\n'));
    await store.reload();
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.problems).toEqual([
      {
        file: join(dir, 'a.yaml'),
        at: 'version',
        message:
          'agreement reload-test changed but is still version 2: raise version (version 2 already names another text, even if it was removed since)',
      },
    ]);
    expect(store.current().agreement('reload-test')).toBeUndefined();
    expect(store.current().agreement('other-agreement')).toBeDefined();

    // Back with the very text version 2 named: nothing changed, it is taken.
    await writeFile(join(dir, 'a.yaml'), agreement(2));
    await store.reload();
    expect(rejected).toHaveLength(1);
    expect(store.current().agreement('reload-test')?.sourceDigest).toBe(v2.sourceDigest);
  });

  it('refuses a version lower than the highest seen, with new text or the old one, and the set in force stays', async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-policies-'));
    await writeFile(join(dir, 'a.yaml'), agreement(1));
    const rejected: PolicyError[] = [];
    store = createPolicyStore({ ...compileOptions, dir, onRejected: (error) => rejected.push(error) });
    await store.start();
    await writeFile(join(dir, 'a.yaml'), agreement(2, '          direction: keep\n'));
    await store.reload();
    const v2 = store.current().agreement('reload-test')!;
    expect(v2.version).toBe(2);

    for (const text of [agreement(1, '          portOfEntry: keep\n'), agreement(1)]) {
      await writeFile(join(dir, 'a.yaml'), text);
      await store.reload();
      expect(rejected.at(-1)?.problems).toEqual([
        {
          file: join(dir, 'a.yaml'),
          at: 'version',
          message:
            'agreement reload-test is version 1, below version 2 already loaded: versions only increase, so write version 3 or higher',
        },
      ]);
      expect(store.current().agreement('reload-test')).toBe(v2);
    }
    expect(rejected).toHaveLength(2);

    await writeFile(join(dir, 'a.yaml'), agreement(3, '          portOfEntry: keep\n'));
    await store.reload();
    expect(rejected).toHaveLength(2);
    expect(store.current().agreement('reload-test')?.version).toBe(3);
  });

  it('refuses to start on an invalid folder, listing the problems', async () => {
    dir = await mkdtemp(join(tmpdir(), 'puente-policies-'));
    await writeFile(join(dir, 'a.yaml'), agreement(1, '          nope: keep\n'));
    store = createPolicyStore({ ...compileOptions, dir });
    await expect(store.start()).rejects.toThrow(/unknown field 'nope'/);
  });
});
