// The command line without a gateway: parsing, usage errors and their exit codes, languages,
// JSON output, and policy lint (local by design).
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import { ExitCode } from './exit-codes.js';
import { runPuente } from './testing/index.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'puente-cli-'));
// No gateway listens here: a command that got as far as calling one would exit 3, not 2.
const nowhere = { env: { PUENTE_ADDRESS: '127.0.0.1:9' } };

describe('usage errors exit 2 before any call to the gateway', () => {
  it.each([
    [['tail']],
    [['tail', 'us.cargo-manifests.v1', '--from', 'yesterday']],
    [['tail', 'us.cargo-manifests.v1', '--from', 'earliest', '--key', 'K']],
    [['tail', 'us.cargo-manifests.v1', '--limit', '-3']],
    [['topics', '--bogus']],
    [['topics', '--lang', 'fr']],
    [['audit', 'list', '--since', 'last week']],
    [['audit', 'list', '--recipient', 'Mexico']],
    [['lag', '--subscriber', 'M']],
    [['policy', 'explain', '--agreement', 'us-to-mx']],
    [['publish', 'us.cargo-manifests.v1', '--file', 'no-such-file.jsonl']],
    [['policy']],
  ])('%j', async (argv) => {
    const run = await runPuente(argv, nowhere);
    expect(run.code).toBe(ExitCode.USAGE);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(run.stderr.trim()).not.toBe('');
  });

  it('says what is wrong in the chosen language', async () => {
    const en = await runPuente(['tail', 'us.cargo-manifests.v1', '--from', 'yesterday'], nowhere);
    expect(en.stderr).toContain("--from must be earliest, latest, an ISO-8601 time or an offset, not 'yesterday'");
    const es = await runPuente(['tail', 'us.cargo-manifests.v1', '--from', 'yesterday', '--lang', 'es'], nowhere);
    expect(es.stderr).toContain("--from debe ser earliest, latest, una hora ISO-8601 o un offset, no 'yesterday'");
    const fromLocale = await runPuente(['tail', 'x', '--from', 'ayer'], {
      env: { ...nowhere.env, LANG: 'es_MX.UTF-8' },
    });
    expect(fromLocale.stderr).toContain('--from debe ser');
  });

  it('prints help with exit 0', async () => {
    const run = await runPuente(['tail', '--help']);
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout).toContain('--event-id <id>');
  });

  it('reports errors as JSON on stderr with --json', async () => {
    const run = await runPuente(['tail', 'x', '--from', 'nope', '--json'], nowhere);
    expect(JSON.parse(run.stderr)).toEqual({
      error: { reason: 'USAGE', message: expect.stringContaining("not 'nope'"), details: [], exitCode: 2 },
    });
    expect(run.stdout).toBe('');
  });

  it('takes shared options before the command too (kubectl style); the one nearest the command wins', async () => {
    const before = await runPuente(['--json', '--lang', 'es', 'tail', 'x', '--from', 'nope'], nowhere);
    expect(JSON.parse(before.stderr).error.message).toContain('--from debe ser');
    const nearest = await runPuente(['--lang', 'es', 'tail', 'x', '--from', 'nope', '--lang', 'en'], nowhere);
    expect(nearest.stderr).toContain('--from must be');
    const address = await runPuente(['--address', '127.0.0.1:7', 'topics', '--address', '127.0.0.1:9']);
    expect(address.stderr).toContain('127.0.0.1:9');
  });

  it('exits 3, naming the address, when the gateway cannot be reached', async () => {
    const run = await runPuente(['topics'], nowhere);
    expect(run.code).toBe(ExitCode.UNAVAILABLE);
    expect(run.stderr).toContain('cannot reach the gateway at 127.0.0.1:9');
  });
});

describe('policy lint', () => {
  const agreement = readFileSync(`${root}deploy/policies/us-to-mx.yaml`, 'utf8');

  it('passes the development agreements and notes the key it did not check', async () => {
    const run = await runPuente(['policy', 'lint', `${root}deploy/policies`]);
    expect(run.code).toBe(ExitCode.OK);
    expect(run.stdout).toContain('2 agreement file(s): no problems');
    expect(run.stderr).toContain('PUENTE_HASH_KEY_US_MX is not set');
    const withKeys = await runPuente([
      'policy',
      'lint',
      `${root}deploy/policies`,
      '--keys',
      `${root}deploy/policies/dev-keys.env`,
    ]);
    expect(withKeys.code).toBe(ExitCode.OK);
    expect(withKeys.stderr).toBe('');
  });

  it('checks a key that is set, and names a malformed one', async () => {
    const run = await runPuente(['policy', 'lint', `${root}deploy/policies/us-to-mx.yaml`, '--json'], {
      env: { PUENTE_HASH_KEY_US_MX: 'c2hvcnQ=' },
    });
    expect(run.code).toBe(ExitCode.NEGATIVE);
    const report = JSON.parse(run.stdout);
    expect(report.problems).toContainEqual(
      expect.objectContaining({ at: 'hashKeys.current', message: expect.stringContaining('decodes to 5 bytes') }),
    );
  });

  it('names every problem of an invalid agreement by file, line and path', async () => {
    const file = join(dir, 'broken.yaml');
    const broken = agreement
      .replace('manifestId: keep', 'manifestId: keep-it')
      .replace("'MX' in meta.releasableTo", "'MX' in meta.releasableToo");
    writeFileSync(file, broken);
    const lineOf = (needle: string) => broken.split('\n').findIndex((l) => l.includes(needle)) + 1;
    const run = await runPuente(['policy', 'lint', 'broken.yaml', '--json'], { cwd: dir });
    expect(run.code).toBe(ExitCode.NEGATIVE);
    const report = JSON.parse(run.stdout);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          file: 'broken.yaml',
          line: lineOf('keep-it'),
          at: expect.stringContaining('manifestId'),
        }),
        expect.objectContaining({
          file: 'broken.yaml',
          line: lineOf('releasableToo'),
          at: expect.stringContaining('when'),
        }),
      ]),
    );
    const table = await runPuente(['policy', 'lint', 'broken.yaml'], { cwd: dir });
    expect(table.stdout).toContain(`broken.yaml:${lineOf('keep-it')}`);
    expect(table.stderr).toContain('2 problem(s)');
  });
});
