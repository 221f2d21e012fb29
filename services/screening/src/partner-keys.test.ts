import { fileURLToPath } from 'node:url';

import type { Logger } from '@puente/runtime';
import { describe, expect, it } from 'vitest';

import { createDocumentHasher } from './document-hasher.js';
import { createPartnerKeyCheck, partnerKeyMismatch } from './partner-keys.js';
import { sharedKeyIds, shareWatchlists } from './shared-watchlists.js';
import { ringOf } from './testing/crossings.js';
import { loadWatchlists } from './watchlists.js';

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));
const mx = loadWatchlists(repo('deploy/watchlists/mx.yaml'));
const now = () => 1_000;
const oldRing = ringOf('usmx-1', 'the old bilateral key');
const newRing = ringOf('usmx-2', 'the new bilateral key');
const onOld = createDocumentHasher({ ring: oldRing, now });
const onNew = createDocumentHasher({ ring: newRing, now });
const rotating = createDocumentHasher({
  ring: { current: newRing.current, previous: { ...oldRing.current, until: 2_000 } },
  now,
});

function warnings() {
  const lines: { fields: Record<string, unknown>; message: string }[] = [];
  const logger = { warn: (fields: Record<string, unknown>, message: string) => void lines.push({ fields, message }) };
  return { lines, logger: logger as unknown as Logger };
}

describe("the partner's key ids", () => {
  it('lists the key ids a shared set was hashed with', () => {
    expect(sharedKeyIds(shareWatchlists(mx, rotating))).toEqual(['usmx-2', 'usmx-1']);
    expect(sharedKeyIds(shareWatchlists(mx, onOld))).toEqual(['usmx-1']);
  });

  it('is a mismatch only when no key id is shared', () => {
    expect(partnerKeyMismatch(shareWatchlists(mx, onOld), onNew)).toEqual({
      partnerKeyIds: ['usmx-1'],
      keyIds: ['usmx-2'],
    });
    // Either side in its overlap still has a key in common with the other.
    expect(partnerKeyMismatch(shareWatchlists(mx, onOld), rotating)).toBeUndefined();
    expect(partnerKeyMismatch(shareWatchlists(mx, rotating), onNew)).toBeUndefined();
    // Lists without any document hash have nothing to mismatch.
    const noDocuments = { ...mx, kind: 'shared' as const, lists: mx.lists.filter((l) => l.listId === 'SAT-69B') };
    expect(partnerKeyMismatch(noDocuments, onNew)).toBeUndefined();
  });

  it('warns once per partner file, naming both sides’ key ids, and again for a new file that still mismatches', () => {
    const { lines, logger } = warnings();
    const check = createPartnerKeyCheck(onNew, logger);
    const first = shareWatchlists(mx, onOld);
    check(first);
    check(first);
    expect(lines).toHaveLength(1);
    expect(lines[0]?.fields).toMatchObject({ partnerKeyIds: ['usmx-1'], keyIds: ['usmx-2'] });
    expect(lines[0]?.message).toMatch(/hashed under none of this service's keys/);
    check(shareWatchlists(mx, rotating));
    expect(lines).toHaveLength(1);
    check(shareWatchlists(mx, onOld));
    expect(lines).toHaveLength(2);
  });

  it('warns when the overlap ends and the partner is still on the old key alone', () => {
    const { lines, logger } = warnings();
    let at = 1_000;
    const ours = createDocumentHasher({
      ring: { current: newRing.current, previous: { ...oldRing.current, until: 2_000 } },
      now: () => at,
    });
    const check = createPartnerKeyCheck(ours, logger);
    const partner = shareWatchlists(mx, onOld);
    check(partner);
    expect(lines).toHaveLength(0);
    at = 2_000;
    check(partner);
    expect(lines.map((l) => l.fields['keyIds'])).toEqual([['usmx-2']]);
  });
});
