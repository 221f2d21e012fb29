// The front end's built files. The server serves web/ as Vite builds it; when the build is
// missing, older than any source, or made with other versions of the build's dependencies (a fresh
// clone, an edited page, an upgraded vite/lit-html/uplot), it is built first with Vite's JS API
// into a fresh folder, and a symlink `dist/web` is swapped onto it in one rename, so a process
// serving the old build, or another building at the same time, never sees half a build or none.
// CI runs no separate build step.
import { randomUUID } from 'node:crypto';
import {
  existsSync,
  lstatSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
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

/** The packages whose versions shape the bundle: another version of one makes the build stale. */
const BUILD_DEPENDENCIES = ['vite', 'lit-html', 'uplot'] as const;
const STAMP_FILE = 'build-stamp.json';

/** The installed versions of the build's dependencies, as the stamp a build carries. */
export function buildStamp(): string {
  // Read from the package's own node_modules links: lit-html's exports hide its package.json.
  const versions: Record<string, string> = {};
  for (const name of BUILD_DEPENDENCIES) {
    const manifest = readFileSync(join(CONSOLE_ROOT, 'node_modules', name, 'package.json'), 'utf8');
    versions[name] = (JSON.parse(manifest) as { version: string }).version;
  }
  return JSON.stringify(versions);
}

function stampOf(buildDir: string): string | undefined {
  try {
    return readFileSync(join(buildDir, STAMP_FILE), 'utf8');
  } catch {
    return undefined;
  }
}

/** Whether the build is missing, older than its sources, or made with other dependency versions. */
export function buildIsStale(buildDir = WEB_BUILD_DIR): boolean {
  const index = join(buildDir, 'index.html');
  if (!existsSync(index)) return true;
  if (stampOf(buildDir) !== buildStamp()) return true;
  return statSync(index).mtimeMs < newestMtime(sources());
}

/** Marks a build as made with the installed dependency versions. */
export function writeBuildStamp(dir: string): void {
  writeFileSync(join(dir, STAMP_FILE), buildStamp());
}

/**
 * Puts a finished build in place: `buildDir` becomes (or stays) a symlink, replaced by a rename,
 * which is atomic: a reader finds the old build or the new one, never neither. The build it
 * replaced is then deleted (a build dir of an older layout, a real folder, is replaced once).
 */
export function swapInBuild(staged: string, buildDir: string): void {
  let previous: string | undefined;
  if (existsSync(buildDir) || isSymlink(buildDir)) {
    if (isSymlink(buildDir)) previous = join(dirname(buildDir), readlinkSync(buildDir));
    else rmSync(buildDir, { recursive: true, force: true });
  }
  const link = `${buildDir}.${randomUUID().slice(0, 8)}.link`;
  symlinkSync(basename(staged), link, 'dir');
  renameSync(link, buildDir);
  if (previous !== undefined && previous !== staged) rmSync(previous, { recursive: true, force: true });
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
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
  // A sibling of the link, so the link's target is relative and the folder can move.
  const staging = `${buildDir}-${randomUUID().slice(0, 8)}`;
  try {
    await build({
      root: WEB_SOURCE_DIR,
      configFile: false,
      logLevel: 'warn',
      base: '/',
      build: { outDir: staging, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 200 },
    });
    writeBuildStamp(staging);
    swapInBuild(staging, buildDir);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    throw error;
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

/**
 * The built file a URL path names (index.html for any page path), or undefined. The path is the
 * server's, already percent-decoded once: decoding it again would read `%25` as an escape.
 */
export function assetFor(decodedPath: string, buildDir = WEB_BUILD_DIR): { file: string; type: string } | undefined {
  const clean = decodedPath;
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
