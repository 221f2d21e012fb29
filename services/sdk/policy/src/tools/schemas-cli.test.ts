// The schemas CLI (`pnpm schemas:check`) as a process: a non-zero exit and the message on stale
// input, "schemas OK" on the repository.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { REPO_GENERATED, REPO_SCHEMAS, scratchSchemas, type ScratchSchemas } from '@puente/contracts/testing';
import { afterEach, describe, expect, it } from 'vitest';

const CLI = fileURLToPath(new URL('./schemas-cli.ts', import.meta.url));
const REPO = fileURLToPath(new URL('../../../../../', import.meta.url));

describe('schemas CLI', () => {
  let scratch: ScratchSchemas | undefined;
  afterEach(() => scratch?.remove());
  it('the CLI exits non-zero with the message on stale input', () => {
    scratch = scratchSchemas();
    scratch.editType('Seal', (json) => ({ ...json, doc: 'Changed.' }));
    const tsx = join(REPO, 'node_modules', '.bin', 'tsx');
    const run = spawnSync(tsx, [CLI, 'check', '--schemas', scratch.schemasDir, '--generated', scratch.generatedDir], {
      encoding: 'utf8',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('is stale — run `pnpm schemas:generate`');
    const ok = spawnSync(tsx, [CLI, 'check', '--schemas', REPO_SCHEMAS, '--generated', REPO_GENERATED], {
      encoding: 'utf8',
    });
    expect(ok.stdout).toContain('schemas OK');
    expect(ok.status).toBe(0);
  });
});
