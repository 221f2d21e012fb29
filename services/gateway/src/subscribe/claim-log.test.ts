// The claim rules in log order, record by record: who a newer claim supersedes, whom a claim waits
// for, and whose commits count.
import { describe, expect, it } from 'vitest';

import { ClaimLog, claimKey, decodeClaim, subscriptionOfClaimKey } from './claim-log.js';

const S = 'mx.anam.cargo-feed';
const on = (instance: string) => ({
  claim: (stream: string) => ({ kind: 'claim' as const, stream, instance }),
  release: (stream: string) => ({ kind: 'release' as const, stream, instance }),
  took: (stream: string) => ({ kind: 'took' as const, stream, instance }),
});
const A = on('gateway-a');
const B = on('gateway-b');

describe('the claim log', () => {
  it('supersedes the open claims before a new one and fences the old holder once the new one took', () => {
    const log = new ClaimLog();
    log.apply(S, A.claim('a'), 0);
    log.apply(S, A.took('a'), 1);
    expect(log.accepts(S, 'a')).toBe(true);
    expect(log.apply(S, B.claim('b'), 2).superseded).toEqual([{ stream: 'a', instance: 'gateway-a' }]);
    expect(log.standing(S, 'b')).toEqual({ state: 'waiting', on: ['a'] });
    expect(log.accepts(S, 'a')).toBe(true); // until b took it, a's commits (of its acks) still count
    log.apply(S, A.release('a'), 3);
    expect(log.standing(S, 'b')).toEqual({ state: 'clear' });
    log.apply(S, B.took('b'), 4);
    expect(log.accepts(S, 'a')).toBe(false);
    expect(log.accepts(S, 'b')).toBe(true);
    expect(log.accepts(S, undefined)).toBe(true);
  });

  it('lets a took that comes after its stream released take nothing', () => {
    const log = new ClaimLog();
    log.apply(S, A.claim('a'), 0);
    log.apply(S, A.took('a'), 1);
    log.apply(S, B.claim('b'), 2);
    log.apply(S, B.release('b'), 3);
    log.apply(S, B.took('b'), 4); // it gave up while taking: the took was already on its way
    log.apply(S, A.claim('c'), 5);
    // Not b (gone), but a: it never released, and still holds.
    expect(log.standing(S, 'c')).toEqual({ state: 'waiting', on: ['a'] });
    expect(log.accepts(S, 'a')).toBe(true);
    expect(log.accepts(S, 'b')).toBe(false);
  });

  it('waits for a holder whose claim compaction removed until it releases', () => {
    const log = new ClaimLog();
    log.apply(S, A.took('a'), 7); // all compaction kept of a's claim
    expect(log.apply(S, B.claim('b'), 9).superseded).toEqual([{ stream: 'a', instance: 'gateway-a' }]);
    expect(log.standing(S, 'b')).toEqual({ state: 'waiting', on: ['a'] });
    log.apply(S, A.release('a'), 10);
    expect(log.standing(S, 'b')).toEqual({ state: 'clear' });
  });

  it('keeps claim keys apart from subscription ids and skips values it cannot read', () => {
    expect(subscriptionOfClaimKey(claimKey(S))).toBe(S);
    expect(subscriptionOfClaimKey(S)).toBeUndefined();
    expect(decodeClaim(Buffer.from('{"us.cargo":{"0":"5"}}'))).toBeUndefined();
    expect(decodeClaim(Buffer.from('not json'))).toBeUndefined();
  });
});
