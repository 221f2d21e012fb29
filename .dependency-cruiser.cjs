// Architecture rules, checked by `pnpm test` (`pnpm arch`): the layering of DESIGN.md's layout.
// tests/support/architecture.test.ts proves each rule catches a deliberate violation.
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

/** Workspace packages: folder → the files its package.json exports (its public entry points). */
function workspacePackages() {
  const folders = ['proto', 'deploy/kafka-local', 'tests'];
  for (const parent of ['services', 'services/sdk']) {
    for (const name of readdirSync(join(__dirname, parent))) {
      if (existsSync(join(__dirname, parent, name, 'package.json'))) folders.push(`${parent}/${name}`);
    }
  }
  return folders.map((folder) => {
    const manifest = JSON.parse(readFileSync(join(__dirname, folder, 'package.json'), 'utf8'));
    const entries = [];
    const collect = (target) => {
      if (typeof target === 'string') entries.push(`${folder}/${target.replace(/^\.\//, '')}`);
      else if (target && typeof target === 'object') Object.values(target).forEach(collect);
    };
    collect(manifest.exports ?? {});
    return { folder, name: manifest.name, entries };
  });
}

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const packages = workspacePackages();
const packageFolder = `^(${packages
  .map((p) => escape(p.folder))
  .sort((a, b) => b.length - a.length)
  .join('|')})/`;
const entryFiles = packages.flatMap((p) => p.entries).map((file) => `^${escape(file)}$`);
const folderOf = (name) => packages.find((p) => p.name === name).folder;
const sdk = ['runtime', 'contracts', 'kafka-client', 'bus', 'policy'].map((n) => folderOf(`@puente/${n}`));
const services = packages.map((p) => p.folder).filter((f) => /^services\/[^/]+$/.test(f) && f !== 'services/sdk');

/** Each SDK package may depend only on the SDK packages below it. */
const layering = sdk.map((folder, i) => ({
  name: `layering-${folder.split('/').pop()}`,
  comment: `${folder} may depend only on ${sdk.slice(0, i).join(', ') || 'no other SDK package'} (runtime ← contracts ← kafka-client ← bus ← policy).`,
  severity: 'error',
  from: { path: `^${escape(folder)}/` },
  to: {
    path: `^(${
      sdk
        .slice(i + 1)
        .map(escape)
        .join('|') || '$^'
    })/`,
  },
}));

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import cycles: a cycle means two modules are one concern, or one of them is in the wrong place.',
      severity: 'error',
      from: { path: packageFolder },
      to: { circular: true },
    },
    {
      name: 'only-exports',
      comment: "Another package is imported only through its exports (package.json 'exports'), never its internals.",
      severity: 'error',
      from: { path: packageFolder },
      to: { path: packageFolder, pathNot: ['^$1/', ...entryFiles] },
    },
    {
      name: 'kafkajs-internals-only-in-kafka-client',
      comment: 'Only @puente/kafka-client reaches into kafkajs/src (it checks that our patch is applied).',
      severity: 'error',
      from: { pathNot: `^${escape(folderOf('@puente/kafka-client'))}/` },
      to: { path: 'node_modules/kafkajs/src/' },
    },
    {
      name: 'services-do-not-import-services',
      comment: 'Gateway, screening and risk depend on the SDK packages, never on each other.',
      severity: 'error',
      from: {
        path: `^(${services
          .filter((f) => /gateway|screening|risk/.test(f))
          .map(escape)
          .join('|')})/`,
      },
      to: { path: `^(${services.map(escape).join('|')})/`, pathNot: '^$1/' },
    },
    {
      name: 'sdk-does-not-import-services',
      comment: 'The SDK packages are below every service.',
      severity: 'error',
      from: { path: `^services/sdk/` },
      to: { path: `^(${services.map(escape).join('|')}|proto|tests)/` },
    },
    {
      name: 'no-unresolvable',
      comment:
        'Every import resolves: a package is used only when its package.json declares it, and only through its exports.',
      severity: 'error',
      from: { path: packageFolder },
      to: { couldNotResolve: true },
    },
    {
      name: 'ledger-only-on-runtime',
      comment:
        '@puente/ledger (the disclosure ledger store) may depend only on @puente/runtime: the audit service and the gateway use it, it uses nothing of theirs.',
      severity: 'error',
      from: { path: `^${escape(folderOf('@puente/ledger'))}/` },
      to: {
        path: packageFolder,
        pathNot: [`^${escape(folderOf('@puente/ledger'))}/`, `^${escape(folderOf('@puente/runtime'))}/`],
      },
    },
    {
      name: 'operator-tools-only-over-grpc',
      comment:
        "The operators' tools (services/cli, services/console) speak to the gateway only over gRPC: outside their tests they import no service (gateway, audit, screening, risk, model-port) and neither @puente/ledger nor @puente/bus; @puente/proto, runtime, contracts and policy are theirs to use. Written by path, so it holds before either package exists.",
      severity: 'error',
      from: {
        path: '^services/(cli|console)/',
        pathNot: ['\\.test\\.tsx?$', '^services/(cli|console)/src/testing/'],
      },
      to: {
        path: [
          '^services/(gateway|audit|screening|risk|model-port)/',
          `^${escape(folderOf('@puente/ledger'))}/`,
          `^${escape(folderOf('@puente/bus'))}/`,
          // The package names too: unresolved (not declared by the tool), a name is all there is.
          '^@puente/(gateway|audit|screening|risk|model-port|ledger|bus)(/|$)',
        ],
      },
    },
    ...layering,
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(dist|coverage)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
    moduleSystems: ['es6', 'cjs'],
  },
};
