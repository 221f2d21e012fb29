// The architecture rules of .dependency-cruiser.cjs hold for the whole workspace, and each of
// them catches a deliberate violation: a probe file importing across a boundary is written into
// the tree, cruised alone, and removed.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
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

const TOOLS_RULE = 'operator-tools-only-over-grpc';

/**
 * Deliberate violations: a probe file each, and the rule that must catch it (undefined: none may;
 * null: not checked), or the rule that must spare it (`spares`: other rules may still report it).
 */
interface Probe {
  readonly path: string;
  readonly source: string;
  readonly rule: string | undefined | null;
  readonly spares?: string;
}

/**
 * The operators' tools reach the gateway only over gRPC. Their packages may not exist yet (the
 * probes make their folders): every forbidden import is caught, from the CLI and the console,
 * by relative path and by package name; what they may use and their tests are spared.
 */
const toolProbes: readonly Probe[] = [
  ...[
    ['cli', 'gateway', "'../../gateway/src/index.js'"],
    ['console', 'gateway', "'@puente/gateway'"],
    ['cli', 'audit', "'@puente/audit'"],
    ['console', 'audit', "'../../audit/src/index.js'"],
    ['cli', 'screening', "'../../screening/src/index.js'"],
    ['console', 'risk', "'@puente/risk'"],
    ['cli', 'model-port', "'../../model-port/src/index.js'"],
    ['console', 'ledger', "'@puente/ledger'"],
    ['cli', 'ledger', "'../../sdk/ledger/src/index.js'"],
    ['cli', 'bus', "'@puente/bus'"],
    ['console', 'bus', "'../../sdk/bus/src/index.js'"],
  ].map(([tool, target, from]) => ({
    path: `services/${tool}/src/zz-probe-${target}.ts`,
    source: `export * from ${from};\n`,
    rule: TOOLS_RULE,
  })),
  // A deeper file of a tool, and a .tsx one.
  { path: 'services/console/src/app/zz-probe-deep.tsx', source: "export * from '@puente/bus';\n", rule: TOOLS_RULE },
  ...['proto', 'runtime', 'contracts', 'policy'].map((name) => ({
    path: `services/cli/src/zz-probe-allowed-${name}.ts`,
    source: `export * from '@puente/${name}';\n`,
    rule: null,
    spares: TOOLS_RULE,
  })),
  {
    path: 'services/cli/src/zz-probe.test.ts',
    source: "export * from '@puente/bus';\n",
    rule: null,
    spares: TOOLS_RULE,
  },
  {
    path: 'services/console/src/testing/zz-probe.ts',
    source: "export * from '../../../gateway/src/index.js';\n",
    rule: null,
    spares: TOOLS_RULE,
  },
  // The gateway itself may use the ledger and the bus: the rule is the tools' alone.
  {
    path: 'services/gateway/src/zz-probe-bus.ts',
    source: "export * from '@puente/bus';\n",
    rule: null,
    spares: TOOLS_RULE,
  },
];

const probes: readonly Probe[] = [
  ...toolProbes,
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

/** The folder of `path` nearest the root that does not exist yet, if any: made for a probe, removed after. */
function missingFolder(path: string): string | undefined {
  let missing: string | undefined;
  for (let folder = dirname(path); folder !== '.' && !existsSync(join(root, folder)); folder = dirname(folder)) {
    missing = folder;
  }
  return missing;
}

/** Writes every probe into the tree (making folders it lacks), cruises them together once, removes them. */
async function cruiseProbes(): Promise<Violation[]> {
  const made = new Set(probes.map((p) => missingFolder(p.path)).filter((f): f is string => f !== undefined));
  for (const { path, source } of probes) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), source);
  }
  try {
    return await cruise(probes.map((p) => p.path));
  } finally {
    for (const { path } of probes) rmSync(join(root, path), { force: true });
    for (const folder of made) rmSync(join(root, folder), { recursive: true, force: true });
  }
}

describe('architecture rules', { timeout: 180_000 }, () => {
  it('hold for the whole workspace', async () => {
    const violations = await cruise(['services', 'proto/src', 'deploy/kafka-local/src', 'tests']);
    expect(violations.map((v) => `${v.rule.name}: ${v.from} → ${v.to}`)).toEqual([]);
  });

  it('each catch their deliberate violation', async () => {
    const violations = await cruiseProbes();
    for (const { path, rule, spares } of probes) {
      const caught = violations.filter((v) => v.from === path).map((v) => v.rule.name);
      if (rule) expect(caught, path).toContain(rule);
      else if (rule === undefined) expect(caught, path).toEqual([]);
      if (spares) expect(caught, path).not.toContain(spares);
    }
  });
});
