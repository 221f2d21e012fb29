import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';

import { afterEach, describe, expect, it } from 'vitest';

import { buildIsStale, buildStamp, swapInBuild, writeBuildStamp } from './assets.js';

const dirs: string[] = [];
const scratch = () => {
  const dir = mkdtempSync(join(tmpdir(), 'puente-console-assets-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A finished build in `<root>/web-<n>`: index.html saying `n`, and some files so deleting takes a while. */
function stagedBuild(root: string, n: number, files = 100): string {
  const dir = join(root, `web-${n}`);
  mkdirSync(join(dir, 'assets'), { recursive: true });
  for (let i = 0; i < files; i++) writeFileSync(join(dir, 'assets', `chunk-${i}.js`), 'x'.repeat(2048));
  writeFileSync(join(dir, 'index.html'), `build ${n}`);
  return dir;
}

describe('the console’s built front end', () => {
  it('is stale without a stamp, or with a stamp of other dependency versions', () => {
    const build = scratch();
    writeFileSync(join(build, 'index.html'), 'stand-in');
    expect(buildIsStale(build)).toBe(true);
    writeBuildStamp(build);
    expect(buildIsStale(build)).toBe(false);
    const stamp = JSON.parse(buildStamp()) as Record<string, string>;
    expect(Object.keys(stamp).sort()).toEqual(['lit-html', 'uplot', 'vite']);
    writeFileSync(join(build, 'build-stamp.json'), JSON.stringify({ ...stamp, 'lit-html': '0.0.1' }));
    expect(buildIsStale(build)).toBe(true);
  });

  it('swaps a new build in without a moment when none is there, and deletes the one it replaced', async () => {
    const root = scratch();
    const buildDir = join(root, 'web');
    // The older layout, a real folder, replaced first; then builds replacing builds.
    mkdirSync(buildDir);
    writeFileSync(join(buildDir, 'index.html'), 'build 0');
    swapInBuild(stagedBuild(root, 0), buildDir);
    // A reader in another thread looks for index.html as fast as it can while builds are swapped.
    const stop = new Int32Array(new SharedArrayBuffer(4));
    const reader = new Worker(
      `const { existsSync } = require('node:fs');
       const { workerData, parentPort } = require('node:worker_threads');
       const stop = new Int32Array(workerData.stop);
       let misses = 0, looks = 0;
       parentPort.postMessage('ready');
       while (Atomics.load(stop, 0) === 0) { looks++; if (!existsSync(workerData.index)) misses++; }
       parentPort.postMessage({ misses, looks });`,
      { eval: true, workerData: { stop: stop.buffer, index: join(buildDir, 'index.html') } },
    );
    const result = new Promise<{ misses: number; looks: number }>((resolve, reject) => {
      reader.on('message', (message: unknown) => {
        if (message !== 'ready') resolve(message as { misses: number; looks: number });
      });
      reader.on('error', reject);
    });
    await new Promise<void>((resolve) => reader.once('message', () => resolve()));
    let previous = '';
    for (let n = 1; n <= 15; n++) {
      const staged = stagedBuild(root, n);
      swapInBuild(staged, buildDir);
      expect(readFileSync(join(buildDir, 'index.html'), 'utf8')).toBe(`build ${n}`);
      if (previous !== '') expect(existsSync(previous)).toBe(false);
      previous = staged;
    }
    Atomics.store(stop, 0, 1);
    const { misses, looks } = await result;
    await reader.terminate();
    expect(looks).toBeGreaterThan(0);
    expect(misses).toBe(0);
  });
});
