// VerifyLedger against a fake ledger and checkpoints on a MemoryBus: the chain's verdict, every
// published checkpoint judged (forged signature, unknown key, rewritten head, another country's
// statement, an undecodable record), only the newest past `maxCheckpoints`, verification from a
// checkpoint, and the errors.
import { randomBytes, randomUUID } from 'node:crypto';

import type { AuditCheckpoint } from '@puente/contracts';
import { ErrorReason } from '@puente/proto';
import { auditCheckpointTopic } from '@puente/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { publishCheckpoints, signedCheckpoint, testSigningKey } from './testing/checkpoints.js';
import { fakeLedger, type FakeLedger } from './testing/fake-ledger.js';
import {
  codec,
  MX_OPERATOR,
  operatorFixture,
  refusal,
  US_OPERATOR,
  US_PUBLISHER,
  type OperatorFixture,
} from './testing/fixture.js';
import { verifyLedger, type VerifyLedgerDeps } from './verify-ledger.js';

const US_CHECKPOINTS = auditCheckpointTopic('US');

describe('verifyLedger', () => {
  const key = testSigningKey('us-audit-1');
  const otherKey = testSigningKey('us-audit-1');
  let fx: OperatorFixture;
  let us: FakeLedger;
  let deps: VerifyLedgerDeps;
  beforeEach(async () => {
    fx = await operatorFixture();
    await fx.bus.admin.ensureTopics([
      { topic: US_CHECKPOINTS, partitions: 1 },
      { topic: auditCheckpointTopic('MX'), partitions: 1 },
    ]);
    us = fakeLedger('US');
    us.add(...Array.from({ length: 6 }, () => ({})));
    deps = { ...fx.context, ledgers: { US: us }, checkpointKeys: { US: new Map([[key.keyId, key.publicKey]]) } };
  });
  afterEach(() => fx.stop());

  const headOf = async (n: number): Promise<Buffer> => (await us.entry(n))!.hash;
  const checkpointAt = async (n: number, options: Partial<Parameters<typeof signedCheckpoint>[0]> = {}) =>
    signedCheckpoint({ country: 'US', entryCount: n, headHash: await headOf(n), key, ...options });
  const publish = (...checkpoints: AuditCheckpoint[]) =>
    publishCheckpoints({ bus: fx.bus, codec, country: 'US' }, checkpoints);

  it('reports an intact ledger with its head when no checkpoint was published', async () => {
    const answer = await verifyLedger(deps, US_OPERATOR, { fromCheckpointId: '' });
    expect(answer).toEqual({
      country: 'US',
      intact: true,
      entryCount: '6',
      entriesChecked: '6',
      headHash: await headOf(6),
      firstBadEntry: '0',
      problem: '',
      checkpoints: [],
    });
  });

  it('judges every published checkpoint, oldest first', async () => {
    const good = await checkpointAt(3);
    const forged = await checkpointAt(4, { signWith: otherKey });
    const unknownKey = await checkpointAt(5, { key: testSigningKey('us-audit-9') });
    const rewritten = signedCheckpoint({ country: 'US', entryCount: 2, headHash: randomBytes(32), key });
    const beyond = signedCheckpoint({ country: 'US', entryCount: 9, headHash: randomBytes(32), key });
    const mexican = signedCheckpoint({ country: 'MX', entryCount: 6, headHash: await headOf(6), key });
    const latest = await checkpointAt(6);
    await publish(good, forged, unknownKey, rewritten, beyond, mexican, latest);

    const answer = await verifyLedger(deps, US_OPERATOR, { fromCheckpointId: '' });
    expect(answer.checkpoints.map((c) => [c.checkpointId, c.entryCount, c.keyId, c.valid, c.problem])).toEqual([
      [good.checkpointId, '3', 'us-audit-1', true, ''],
      [forged.checkpointId, '4', 'us-audit-1', false, 'signature does not verify with key us-audit-1'],
      [
        unknownKey.checkpointId,
        '5',
        'us-audit-9',
        false,
        'unknown key us-audit-9 (the gateway holds us-audit-1 for US)',
      ],
      [rewritten.checkpointId, '2', 'us-audit-1', false, 'head differs from entry 2'],
      [beyond.checkpointId, '9', 'us-audit-1', false, 'entry 9 it states as the head does not exist in the ledger'],
      [mexican.checkpointId, '6', 'us-audit-1', false, "states the MX ledger, not US's"],
      [latest.checkpointId, '6', 'us-audit-1', true, ''],
    ]);
    expect(answer.checkpoints[0]?.signedAt).toEqual(good.signedAt);
    // The chain holds; only checkpoints fail.
    expect(answer).toMatchObject({ intact: false, firstBadEntry: '0', entriesChecked: '6' });
    expect(answer.problem).toBe(
      `checkpoint ${forged.checkpointId}: signature does not verify with key us-audit-1; 4 more checkpoints invalid`,
    );
  });

  it('names the first bad entry of a tampered chain while a checkpoint over it still verifies', async () => {
    await publish(await checkpointAt(6));
    us.tamper(4, { fieldsReleased: ['manifestId', 'carrier.name', 'driver.phone'] });
    const answer = await verifyLedger(deps, US_OPERATOR, { fromCheckpointId: '' });
    expect(answer).toMatchObject({
      intact: false,
      firstBadEntry: '4',
      problem: 'entry 4: stored hash does not match its content',
    });
    expect(answer.checkpoints.map((c) => c.valid)).toEqual([true]);
  });

  it('verifies from a checkpoint: its head against the stored entry, then every entry after it', async () => {
    const from = await checkpointAt(4);
    await publish(await checkpointAt(2), from);
    const answer = await verifyLedger(deps, US_OPERATOR, { fromCheckpointId: from.checkpointId });
    expect(answer).toMatchObject({ intact: true, entryCount: '6', entriesChecked: '2', firstBadEntry: '0' });
    expect(us.calls.filter((c) => c.method === 'verify').map((c) => c.args[0])).toEqual([
      { from: { entry: 4, expectedHash: from.headHash } },
    ]);

    // The stored head entry rewritten after the checkpoint was signed: that entry is the bad one.
    us.tamper(4, { hash: randomBytes(32) });
    const rewritten = await verifyLedger(deps, US_OPERATOR, { fromCheckpointId: from.checkpointId });
    expect(rewritten).toMatchObject({ intact: false, firstBadEntry: '4' });
    expect(rewritten.checkpoints.map((c) => c.problem)).toEqual(['', 'head differs from entry 4']);
  });

  it('does not start from a checkpoint whose signature fails: verifies the whole chain and says so', async () => {
    const forged = await checkpointAt(5, { signWith: otherKey });
    await publish(forged);
    const answer = await verifyLedger(deps, US_OPERATOR, { fromCheckpointId: forged.checkpointId });
    expect(answer).toMatchObject({ intact: false, entriesChecked: '6', firstBadEntry: '0' });
    expect(answer.problem).toBe(
      `checkpoint ${forged.checkpointId} cannot be trusted (signature does not verify with key us-audit-1): verified from the first entry instead; ` +
        `checkpoint ${forged.checkpointId}: signature does not verify with key us-audit-1`,
    );
    expect(us.calls.filter((c) => c.method === 'verify').map((c) => c.args)).toEqual([[]]);
  });

  it('refuses a checkpoint id that is not on the topic (NOT_FOUND) or not a UUID', async () => {
    await publish(await checkpointAt(3));
    const missing = randomUUID();
    const notFound = await refusal(verifyLedger(deps, US_OPERATOR, { fromCheckpointId: missing }));
    expect(notFound).toMatchObject({
      code: 'NOT_FOUND',
      reason: ErrorReason.CHECKPOINT_NOT_FOUND,
      message: `no checkpoint ${missing} on us.audit-checkpoints.v1`,
      metadata: { checkpointId: missing, country: 'US' },
      resourceInfo: { resourceType: 'puente.v1.AuditCheckpoint', resourceName: missing },
    });
    const bad = await refusal(verifyLedger(deps, US_OPERATOR, { fromCheckpointId: 'latest' }));
    expect(bad.fieldViolations).toEqual([
      { field: 'from_checkpoint_id', description: "'latest' is not a UUID", reason: 'REQUEST_INVALID' },
    ]);
  });

  it('reports a record of the checkpoint topic that is not a checkpoint', async () => {
    await publish(await checkpointAt(3));
    await fx.publishRaw(US_CHECKPOINTS, { key: 'junk', value: Buffer.from('not avro') });
    const answer = await verifyLedger(deps, US_OPERATOR, { fromCheckpointId: '' });
    expect(answer.intact).toBe(false);
    expect(answer.checkpoints[1]).toMatchObject({ checkpointId: 'junk', valid: false });
    expect(answer.checkpoints[1]?.problem).toMatch(/^record at partition 0 offset 1 is not an AuditCheckpoint: /);
  });

  describe('on a checkpoint topic holding more than maxCheckpoints records', () => {
    const limited = (): VerifyLedgerDeps => ({ ...deps, ledgerLimits: { ...deps.ledgerLimits, maxCheckpoints: 2 } });

    it('judges the newest, skips the oldest, and calls the ledger intact when those hold', async () => {
      // The oldest is even invalid: skipped, it no longer counts.
      const oldest = await checkpointAt(1, { signWith: otherKey });
      const older = await checkpointAt(2);
      const newer = await checkpointAt(5);
      const newest = await checkpointAt(6);
      await publish(oldest, older, newer, newest);
      const answer = await verifyLedger(limited(), US_OPERATOR, { fromCheckpointId: '' });
      expect(answer.checkpoints.map((c) => [c.checkpointId, c.entryCount, c.valid])).toEqual([
        [newer.checkpointId, '5', true],
        [newest.checkpointId, '6', true],
      ]);
      expect(answer).toMatchObject({ intact: true, entriesChecked: '6', firstBadEntry: '0', problem: '' });
    });

    it('still finds an invalid checkpoint among the newest', async () => {
      const forged = await checkpointAt(5, { signWith: otherKey });
      await publish(await checkpointAt(1), await checkpointAt(2), forged, await checkpointAt(6));
      const answer = await verifyLedger(limited(), US_OPERATOR, { fromCheckpointId: '' });
      expect(answer.checkpoints.map((c) => c.entryCount)).toEqual(['5', '6']);
      expect(answer).toMatchObject({
        intact: false,
        firstBadEntry: '0',
        problem: `checkpoint ${forged.checkpointId}: signature does not verify with key us-audit-1`,
      });
    });

    it('verifies from a new checkpoint, and finds none of the skipped ones (NOT_FOUND)', async () => {
      const oldest = await checkpointAt(1);
      const newest = await checkpointAt(4);
      await publish(oldest, await checkpointAt(2), await checkpointAt(3), newest);
      const fromNewest = await verifyLedger(limited(), US_OPERATOR, { fromCheckpointId: newest.checkpointId });
      expect(fromNewest).toMatchObject({ intact: true, entriesChecked: '2', problem: '' });
      expect(fromNewest.checkpoints.map((c) => c.entryCount)).toEqual(['3', '4']);
      const fromOldest = await refusal(verifyLedger(limited(), US_OPERATOR, { fromCheckpointId: oldest.checkpointId }));
      expect(fromOldest).toMatchObject({
        code: 'NOT_FOUND',
        reason: ErrorReason.CHECKPOINT_NOT_FOUND,
        message: `no checkpoint ${oldest.checkpointId} on us.audit-checkpoints.v1 among its newest 2 of 4 records`,
      });
    });

    it('keeps the newest maxCheckpoints over all partitions of the topic', async () => {
      const topic = 'test.us-checkpoints-2';
      await fx.bus.admin.ensureTopics([{ topic, partitions: 2 }]);
      // Entries 1-4 on one partition (its newest 3: 2-4), 5-6 on the other; record times order them.
      const placed: number[] = [];
      for (const n of [1, 2, 3, 4, 5, 6]) {
        const value = codec.encode(US_CHECKPOINTS, await checkpointAt(n));
        const [sent] = await fx.bus.publish(topic, [{ key: n <= 4 ? 'a' : 'd', value, timestamp: 1_000 + n }]);
        placed.push(sent!.partition);
      }
      expect(new Set(placed.slice(0, 4)).size).toBe(1);
      expect(placed[4]).not.toBe(placed[0]);
      const answer = await verifyLedger(
        { ...deps, checkpointTopic: () => topic, ledgerLimits: { ...deps.ledgerLimits, maxCheckpoints: 3 } },
        US_OPERATOR,
        { fromCheckpointId: '' },
      );
      expect(answer.checkpoints.map((c) => c.entryCount)).toEqual(['4', '5', '6']);
      expect(answer).toMatchObject({ intact: true, problem: '' });
    });
  });

  it('reads the checkpoint topic it is given', async () => {
    await publish(await checkpointAt(3));
    await fx.bus.admin.ensureTopics([{ topic: 'test.us-checkpoints', partitions: 2 }]);
    const own = await checkpointAt(5);
    await publishCheckpoints({ bus: fx.bus, codec, country: 'US', topic: 'test.us-checkpoints' }, [own]);
    const answer = await verifyLedger(
      { ...deps, checkpointTopic: (c) => `test.${c.toLowerCase()}-checkpoints` },
      US_OPERATOR,
      {
        fromCheckpointId: '',
      },
    );
    expect(answer.checkpoints.map((c) => [c.checkpointId, c.valid])).toEqual([[own.checkpointId, true]]);
  });

  it('finds every checkpoint invalid when the gateway holds no key for the country', async () => {
    await publish(await checkpointAt(3));
    const answer = await verifyLedger({ ...deps, checkpointKeys: {} }, US_OPERATOR, { fromCheckpointId: '' });
    expect(answer.checkpoints.map((c) => c.problem)).toEqual([
      'unknown key us-audit-1 (the gateway holds no checkpoint keys for US)',
    ]);
    expect(answer.intact).toBe(false);
  });

  it('reads only its own country checkpoint topic and ledger', async () => {
    await publish(await checkpointAt(3));
    const mx = fakeLedger('MX');
    mx.add({});
    us.calls.length = 0;
    const answer = await verifyLedger({ ...deps, ledgers: { US: us, MX: mx } }, MX_OPERATOR, { fromCheckpointId: '' });
    expect(answer).toMatchObject({ country: 'MX', intact: true, entryCount: '1', checkpoints: [] });
    expect(us.calls).toEqual([]);
  });

  it('answers only operators, and only with a ledger for their country', async () => {
    const publisher = await refusal(verifyLedger(deps, US_PUBLISHER, { fromCheckpointId: '' }));
    expect(publisher).toMatchObject({ code: 'PERMISSION_DENIED', reason: ErrorReason.ROLE_NOT_ALLOWED });
    const mx = await refusal(verifyLedger(deps, MX_OPERATOR, { fromCheckpointId: '' }));
    expect(mx).toMatchObject({
      code: 'FAILED_PRECONDITION',
      reason: ErrorReason.LEDGER_UNAVAILABLE,
      metadata: { country: 'MX' },
    });
    expect(us.calls).toEqual([]);
  });
});
