// Lanes risk management assigned, counted per "<country> <lane>" for the summary line.
import type { Country } from '@puente/runtime';

export type LaneCounts = Map<string, number>;

export function countLane(lanes: LaneCounts, country: Country, recommendedLane: string): void {
  const lane = `${country} ${recommendedLane}`;
  lanes.set(lane, (lanes.get(lane) ?? 0) + 1);
}

/** "US GREEN 3, MX RED 1" in first-seen order, or "none yet". */
export function laneText(lanes: LaneCounts): string {
  return [...lanes].map(([lane, n]) => `${lane} ${n}`).join(', ') || 'none yet';
}
