// The patch check against real kafkajs installs: the one pnpm makes (patched), the same package
// with patches/kafkajs@2.2.4.patch reversed (as npm would install it), with one hook's file
// reversed, and with another version number. Each is a copy of the installed package in a
// temporary directory; git reverses the repository's own patch file on it.
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { KafkaClientError } from './errors.js';
import { KAFKAJS_VERSION, kafkajsPatchProblem, PATCHED_HOOKS, requireFromInstalledKafkajs } from './kafkajs-patch.mjs';
import { assertKafkajsPatched, loadPatchedKafkajs } from './patch-check.js';

const fromHere = createRequire(import.meta.url);
const installedKafkajs = dirname(realpathSync(fromHere.resolve('kafkajs/package.json')));
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const patchFile = fileURLToPath(new URL(`../../../../patches/kafkajs@${KAFKAJS_VERSION}.patch`, import.meta.url));

let root: string;

/** A copy of the installed kafkajs at `<root>/<install>/node_modules/kafkajs`; its directory. */
function copyKafkajs(install: string): string {
  const dir = join(root, install, 'node_modules', 'kafkajs');
  cpSync(installedKafkajs, dir, { recursive: true });
  return dir;
}

/** Reverses our patch on a kafkajs copy, for every file or only `file`. */
function unpatch(dir: string, file?: string): void {
  execFileSync('git', ['apply', '-R', ...(file === undefined ? [] : [`--include=${file}`]), patchFile], {
    cwd: dir,
    stdio: 'pipe',
  });
}

const requireFrom = (dir: string) => createRequire(join(dir, 'package.json'));

/** What assertKafkajsPatched throws for the kafkajs at `dir` (undefined if nothing). */
function thrownFor(dir: string): unknown {
  try {
    assertKafkajsPatched(requireFrom(dir));
    return undefined;
  } catch (error) {
    return error;
  }
}

/** One sentence: one line, a full stop at its end and none followed by a space before it. */
function expectOneSentence(message: string): void {
  expect(message).not.toMatch(/\n/);
  expect(message).toMatch(/\.$/);
  expect(message.slice(0, -1)).not.toMatch(/[.!?]\s/);
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'kafkajs-patch-check-'));
});

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('kafkajs patch check', () => {
  it('passes the patched kafkajs that pnpm installs', () => {
    expect(thrownFor(installedKafkajs)).toBeUndefined();
    expect(() => assertKafkajsPatched(requireFromInstalledKafkajs())).not.toThrow();
    expect(loadPatchedKafkajs()('./package.json')).toMatchObject({ version: KAFKAJS_VERSION });
  });

  it('refuses kafkajs without our patch in one sentence naming the missing hook and saying to install with pnpm', () => {
    const dir = copyKafkajs('unpatched');
    unpatch(dir);
    const error = thrownFor(dir);
    expect(error).toBeInstanceOf(KafkaClientError);
    const { code, message } = error as KafkaClientError;
    expect(code).toBe('KAFKAJS_NOT_PATCHED');
    expectOneSentence(message);
    const [module, hook] = PATCHED_HOOKS[0];
    expect(message).toContain(`kafkajs/${module} has no ${hook}`);
    expect(message).toContain('install the workspace with pnpm');
  });

  it.each(PATCHED_HOOKS)('names %s’s %s when only that file lacks our patch', (module, hook) => {
    const dir = copyKafkajs(`without-${hook}`);
    unpatch(dir, module);
    const error = thrownFor(dir);
    expect(error).toMatchObject({ code: 'KAFKAJS_NOT_PATCHED' });
    const { message } = error as KafkaClientError;
    expectOneSentence(message);
    expect(message).toContain(`kafkajs/${module} has no ${hook}`);
    for (const [, other] of PATCHED_HOOKS) if (other !== hook) expect(message).not.toContain(other);
  });

  it('refuses another kafkajs version in one sentence naming both versions and saying to install with pnpm', () => {
    const dir = copyKafkajs('other-version');
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...manifest, version: '2.2.5' }));
    const error = thrownFor(dir);
    expect(error).toBeInstanceOf(KafkaClientError);
    const { code, message } = error as KafkaClientError;
    expect(code).toBe('KAFKAJS_NOT_PATCHED');
    expectOneSentence(message);
    expect(message).toContain('kafkajs 2.2.5 is installed');
    expect(message).toContain(`built on kafkajs ${KAFKAJS_VERSION}`);
    expect(message).toContain('install the workspace with pnpm');
  });

  it('stops a producer thread told to encode in one pass on an unpatched kafkajs with that sentence, not a TypeError', async () => {
    // ProducerThread starts the produce-worker.mjs beside it, which resolves the installed (patched)
    // kafkajs. So the worker runs here as npm would install the package: this package's JavaScript
    // in a directory whose node_modules holds the unpatched kafkajs and the other dependencies.
    const install = join(root, 'npm-install');
    const kafkajs = copyKafkajs('npm-install');
    unpatch(kafkajs);
    mkdirSync(join(install, 'src'));
    for (const file of readdirSync(join(packageDir, 'src')).filter((name) => name.endsWith('.mjs')))
      cpSync(join(packageDir, 'src', file), join(install, 'src', file));
    const { dependencies } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    for (const name of Object.keys(dependencies).filter((name) => name !== 'kafkajs')) {
      mkdirSync(dirname(join(install, 'node_modules', name)), { recursive: true });
      symlinkSync(realpathSync(join(packageDir, 'node_modules', name)), join(install, 'node_modules', name), 'dir');
    }

    // What ProducerThread starts the thread with once installKafkajsHooks() has run.
    const worker = new Worker(join(install, 'src', 'produce-worker.mjs'), {
      workerData: {
        clientId: 'patch-check-test',
        brokers: ['127.0.0.1:1'],
        connectionTimeout: 300,
        requestTimeout: 1_000,
        retry: { retries: 0, initialRetryTime: 50, maxRetryTime: 100 },
        producers: 1,
        onePassEncoding: true,
      },
      execArgv: [],
    });
    const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
    const error = await new Promise<unknown>((resolve) => worker.once('error', resolve));
    expect(await exited).not.toBe(0);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe(kafkajsPatchProblem(requireFrom(kafkajs)));
    expectOneSentence((error as Error).message);
  });
});
