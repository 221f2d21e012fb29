// The front end's built files. The server serves web/ as Vite builds it; when the build is
// missing or older than any source (a fresh clone, an edited page), it is built first with Vite's
// JS API, into a fresh folder renamed into place, so a process serving the old build, or another
// building at the same time, never sees half a build. CI runs no separate build step.
import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CONSOLE_ROOT = fileURLToPath(new URL('../', import.meta.url));
export const WEB_SOURCE_DIR = join(CONSOLE_ROOT, 'web');
export const WEB_BUILD_DIR = join(CONSOLE_ROOT, 'dist', 'web');

/** Newest modification time (ms) of any file under the given paths. */
function newestMtime(paths: readonly string[]): number {
  let newest = 0;
  const visit = (path: string): void => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  for (const path of paths) visit(path);
  return newest;
}

const sources = () => [join(WEB_SOURCE_DIR, 'index.html'), join(WEB_SOURCE_DIR, 'src'), join(WEB_SOURCE_DIR, 'i18n')];

/** Whether the build is missing or older than its sources. */
export function buildIsStale(buildDir = WEB_BUILD_DIR): boolean {
  const index = join(buildDir, 'index.html');
  if (!existsSync(index)) return true;
  return statSync(index).mtimeMs < newestMtime(sources());
}

export interface BuildOutcome {
  readonly built: boolean;
  /** Time the build took; 0 when it was up to date. */
  readonly ms: number;
}

/** Builds the front end when needed; returns whether it did and how long it took. */
export async function ensureWebBuild(buildDir = WEB_BUILD_DIR): Promise<BuildOutcome> {
  if (!buildIsStale(buildDir)) return { built: false, ms: 0 };
  const started = performance.now();
  const { build } = await import('vite');
  const staging = `${buildDir}.${randomUUID().slice(0, 8)}`;
  try {
    await build({
      root: WEB_SOURCE_DIR,
      configFile: false,
      logLevel: 'warn',
      base: '/',
      build: { outDir: staging, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 200 },
    });
    rmSync(buildDir, { recursive: true, force: true });
    try {
      renameSync(staging, buildDir);
    } catch (error) {
      // Another process renamed its build into place first: theirs is as new as ours.
      if (!existsSync(join(buildDir, 'index.html'))) throw error;
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return { built: true, ms: Math.round(performance.now() - started) };
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json',
  '.ico': 'image/x-icon',
};

/** The built file a URL path names (index.html for any page path), or undefined. */
export function assetFor(urlPath: string, buildDir = WEB_BUILD_DIR): { file: string; type: string } | undefined {
  const clean = decodeURIComponent(urlPath.split('?')[0] ?? '/');
  if (clean.includes('..') || clean.includes('\0')) return undefined;
  const candidate = join(buildDir, clean);
  const dot = clean.lastIndexOf('.');
  const ext = dot > clean.lastIndexOf('/') ? clean.slice(dot) : '';
  if (ext !== '' && existsSync(candidate) && statSync(candidate).isFile()) {
    return { file: candidate, type: types[ext] ?? 'application/octet-stream' };
  }
  if (ext !== '') return undefined;
  return { file: join(buildDir, 'index.html'), type: types['.html']! };
}
