import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { createProgress } from './progress.js';

function capture() {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
  return { stream, text: () => text };
}

describe('the publish progress bar', () => {
  it('draws on a terminal, redrawing in place, and ends the line', async () => {
    const out = capture();
    const progress = createProgress(out.stream, 4, true);
    progress.update(2);
    progress.update(4);
    progress.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toContain('\r[###############---------------] 2/4');
    expect(out.text().endsWith('\r[##############################] 4/4\n')).toBe(true);
  });

  it('writes nothing when not on a terminal', async () => {
    const out = capture();
    const progress = createProgress(out.stream, 4, false);
    progress.update(4);
    progress.finish();
    await new Promise((resolve) => setImmediate(resolve));
    expect(out.text()).toBe('');
  });
});
