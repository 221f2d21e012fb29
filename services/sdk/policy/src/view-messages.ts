// Words for the view compiler's error messages: how a schema type is named, and which known field
// name an unknown one probably meant.
import type { Type } from 'avsc';

import { internalsOf } from '@puente/contracts/avsc';

export function describeType(type: Type): string {
  const t = internalsOf(type);
  if (t.typeName === 'record' || t.typeName === 'enum') return `${t.typeName} ${t.name?.split('.').pop() ?? ''}`;
  if (t.typeName.startsWith('logical:')) return t.typeName.slice('logical:'.length);
  return t.typeName;
}

export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const d = editDistance(name.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length] ?? 0;
}
