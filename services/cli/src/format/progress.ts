// A progress bar on stderr, for people at a terminal only (never in pipes or logs).
import type { Writable } from 'node:stream';

export interface Progress {
  update(done: number): void;
  finish(): void;
}

export function createProgress(stream: Writable, total: number, enabled: boolean): Progress {
  if (!enabled || total === 0) return { update: () => undefined, finish: () => undefined };
  const width = 30;
  let last = -1;
  const draw = (done: number) => {
    const filled = Math.round((done / total) * width);
    if (filled === last && done !== total) return;
    last = filled;
    stream.write(`\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${done}/${total}`);
  };
  draw(0);
  return { update: draw, finish: () => stream.write('\n') };
}
