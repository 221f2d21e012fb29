// The architecture rules of .dependency-cruiser.cjs hold for the whole workspace, and each of
// them catches a deliberate violation: a probe file importing across a boundary is written into
// the tree, cruised alone, and removed.
import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const depcruise = join(root, 'node_modules', '.bin', 'depcruise');

interface Violation {
  readonly from: string;
  readonly to: string;
  readonly rule: { readonly name: string };
}

async function cruise(paths: readonly string[]): Promise<Violation[]> {
  const { stdout } = await promisify(execFile)(
    depcruise,
    ['--config', '.dependency-cruiser.cjs', '--output-type', 'json', ...paths],
    { cwd: root, maxBuffer: 256 * 1024 * 1024 },
  ).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

/** Deliberate violations: a probe file each, and the rule that must catch it (undefined: none may). */
const probes: readonly { readonly path: string; readonly source: string; readonly rule: string | undefined | null }[] =
  [
    {
      path: 'services/sdk/runtime/src/zz-probe-cycle-a.ts',
      source: "import { b } from './zz-probe-cycle-b.js';\nexport const a = () => b;\n",
      rule: 'no-circular',
    },
    {
      // The other half of the cycle (reported once, from the first file).
      path: 'services/sdk/runtime/src/zz-probe-cycle-b.ts',
      source: "import { a } from './zz-probe-cycle-a.js';\nexport const b = () => a;\n",
      rule: null,
    },
    {
      path: 'services/gateway/src/zz-probe-internals.ts',
      source: "export * from '../../sdk/bus/src/memory-bus.js';\n",
      rule: 'only-exports',
    },
    {
      path: 'services/gateway/src/zz-probe-deep.ts',
      source: "export * from '@puente/bus/src/memory-bus.js';\n",
      rule: 'no-unresolvable',
    },
    {
      path: 'services/sdk/bus/src/zz-probe-kafkajs.ts',
      source: "export * from 'kafkajs/src/errors.js';\n",
      rule: 'kafkajs-internals-only-in-kafka-client',
    },
    {
      path: 'services/sdk/kafka-client/src/zz-probe-kafkajs.ts',
      source: "export * from 'kafkajs/src/errors.js';\n",
      rule: undefined,
    },
    {
      path: 'services/screening/src/zz-probe-service.ts',
      source: "export * from '../../risk/src/index.js';\n",
      rule: 'services-do-not-import-services',
    },
    {
      path: 'services/risk/src/zz-probe-service.ts',
      source: "export * from '../../gateway/src/index.js';\n",
      rule: 'services-do-not-import-services',
    },
    {
      path: 'services/sdk/contracts/src/zz-probe-layer.ts',
      source: "export * from '../../policy/src/index.js';\n",
      rule: 'layering-contracts',
    },
    {
      path: 'services/sdk/runtime/src/zz-probe-layer.ts',
      source: "export * from '../../bus/src/index.js';\n",
      rule: 'layering-runtime',
    },
    {
      path: 'services/sdk/ledger/src/zz-probe-layer.ts',
      source: "export * from '../../contracts/src/index.js';\n",
      rule: 'ledger-only-on-runtime',
    },
    {
      path: 'services/sdk/ledger/src/zz-probe-runtime.ts',
      source: "export * from '@puente/runtime';\n",
      rule: undefined,
    },
    {
      path: 'services/sdk/bus/src/zz-probe-service.ts',
      source: "export * from '../../../gateway/src/index.js';\n",
      rule: 'sdk-does-not-import-services',
    },
  ];

/** Writes every probe into the tree, cruises them together once, removes them. */
async function cruiseProbes(): Promise<Violation[]> {
  for (const { path, source } of probes) writeFileSync(join(root, path), source);
  try {
    return await cruise(probes.map((p) => p.path));
  } finally {
    for (const { path } of probes) rmSync(join(root, path), { force: true });
  }
}

describe('architecture rules', { timeout: 180_000 }, () => {
  it('hold for the whole workspace', async () => {
    const violations = await cruise(['services', 'proto/src', 'deploy/kafka-local/src', 'tests']);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('each catch their deliberate violation', async () => {
    const violations = await cruiseProbes();
    for (const { path, rule } of probes) {
      const caught = violations.filter((v) => v.from === path).map((v) => v.rule.name);
      if (rule) expect(caught, path).toContain(rule);
      else if (rule === undefined) expect(caught, path).toEqual([]);
    }
  });
});
