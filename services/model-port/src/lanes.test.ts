import { describe, expect, it } from 'vitest';

import { countLane, type LaneCounts, laneText } from './lanes.js';

describe('lanes', () => {
  it('counts per country and lane, listed in first-seen order', () => {
    const lanes: LaneCounts = new Map();
    countLane(lanes, 'US', 'GREEN');
    countLane(lanes, 'MX', 'RED');
    countLane(lanes, 'US', 'GREEN');
    expect(laneText(lanes)).toBe('US GREEN 2, MX RED 1');
  });

  it('says none yet before any assessment', () => {
    expect(laneText(new Map())).toBe('none yet');
  });
});
