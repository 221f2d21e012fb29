import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { CliError, ExitCode } from '../exit-codes.js';
import { createMessages } from '../i18n/messages.js';
import { runPuente } from '../testing/index.js';
import { DEFAULT_ADDRESS, resolveConnection } from './connection.js';

const messages = createMessages('en');
const dir = mkdtempSync(join(tmpdir(), 'puente-config-'));
const config = join(dir, 'config.yaml');
writeFileSync(join(dir, 'ctx-token'), 'token-from-context-file\n');
writeFileSync(join(dir, 'env-token'), 'token-from-env-file');
writeFileSync(join(dir, 'flag-token'), '  token-from-flag-file  \n');
writeFileSync(join(dir, 'empty-token'), '\n');
writeFileSync(join(dir, 'ca.pem'), 'CA');
writeFileSync(
  config,
  [
    'current-context: us',
    'contexts:',
    '  us: { address: us-gw:443, token: token-from-us-context, ca: ca.pem }',
    '  mx: { address: mx-gw:443, tokenFile: ctx-token }',
  ].join('\n'),
);

const resolve = (flags: object, env: Record<string, string> = {}) =>
  resolveConnection({ flags, env: { PUENTE_CONFIG: config, ...env }, homedir: dir, cwd: dir, messages });

function usageErrorOf(run: () => unknown): CliError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(CliError);
    expect((error as CliError).exitCode).toBe(ExitCode.USAGE);
    return error as CliError;
  }
  throw new Error('expected a usage error');
}

describe('connection settings: flag, then environment, then config context', () => {
  it('takes the current context when nothing else is given, paths relative to the config file', () => {
    const c = resolve({});
    expect(c).toMatchObject({ address: 'us-gw:443', configured: true, token: 'token-from-us-context' });
    expect(c.tls?.ca.toString()).toBe('CA');
  });

  it('lets the environment beat the context and a flag beat the environment', () => {
    expect(resolve({}, { PUENTE_ADDRESS: 'env-gw:1', PUENTE_TOKEN: 'env-token' })).toMatchObject({
      address: 'env-gw:1',
      token: 'env-token',
    });
    expect(
      resolve({ address: 'flag-gw:2', token: 'flag-token' }, { PUENTE_ADDRESS: 'env-gw:1', PUENTE_TOKEN: 'env-token' }),
    ).toMatchObject({ address: 'flag-gw:2', token: 'flag-token' });
  });

  it('reads token files, trimmed, at each layer; a token beats a file of the same layer', () => {
    expect(resolve({ tokenFile: 'flag-token' }, { PUENTE_TOKEN: 'env-token' }).token).toBe('token-from-flag-file');
    expect(resolve({}, { PUENTE_TOKEN_FILE: 'env-token' }).token).toBe('token-from-env-file');
    expect(resolve({}, { PUENTE_TOKEN_FILE: 'env-token', PUENTE_TOKEN: 'plain' }).token).toBe('plain');
    expect(resolve({ context: 'mx' }).token).toBe('token-from-context-file');
  });

  it('chooses the context by flag, then PUENTE_CONTEXT, then current-context', () => {
    expect(resolve({}, { PUENTE_CONTEXT: 'mx' }).address).toBe('mx-gw:443');
    expect(resolve({ context: 'us' }, { PUENTE_CONTEXT: 'mx' }).address).toBe('us-gw:443');
  });

  it('defaults to the plaintext local gateway without a config file', () => {
    const c = resolveConnection({ flags: {}, env: {}, homedir: join(dir, 'nowhere'), cwd: dir, messages });
    expect(c).toMatchObject({ address: DEFAULT_ADDRESS, configured: false, token: undefined, tls: undefined });
  });

  it('names what is wrong: an unknown context, a missing or empty file, a malformed config', () => {
    expect(usageErrorOf(() => resolve({ context: 'ca' })).message).toBe(
      `no context 'ca' in ${config} (contexts: us, mx)`,
    );
    expect(usageErrorOf(() => resolve({ tokenFile: 'missing' })).message).toBe(
      `cannot read ${join(dir, 'missing')}: no such file`,
    );
    expect(usageErrorOf(() => resolve({ tokenFile: 'empty-token' })).message).toContain('is empty');
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'contexts:\n  us: { adress: x }\n');
    expect(usageErrorOf(() => resolve({ context: 'us' }, { PUENTE_CONFIG: bad })).message).toContain(
      'contexts.us.adress: unknown key',
    );
    expect(usageErrorOf(() => resolve({}, { PUENTE_CONFIG: join(dir, 'absent.yaml') })).message).toContain(
      'cannot read config file',
    );
  });

  it('names a config file that is not YAML by line and column, never quoting it (it may hold a token)', async () => {
    const secret = 's3cr3t-operator-token';
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, `current-context: us\ncontexts:\n  us:\n    token: ${secret}\n   address: [\n`);
    const tagged = join(dir, 'tagged.yaml');
    writeFileSync(tagged, `current-context: us\ncontexts:\n  us:\n    token: !vault ${secret}\n`);
    for (const [file, where] of [
      [broken, 'line 5, column 1'],
      [tagged, 'line 4, column 12'],
    ] as const) {
      const run = await runPuente(['topics'], { env: { PUENTE_CONFIG: file } });
      expect(run.code).toBe(ExitCode.USAGE);
      expect(run.stderr).toContain(`config file ${file} is not valid YAML at ${where}`);
      expect(run.stderr).not.toContain(secret);
    }
  });

  it('never puts the token in a message', () => {
    const error = usageErrorOf(() => resolve({ token: 'sekrit-token-value', context: 'nope' }));
    expect(error.message).not.toContain('sekrit');
  });
});
