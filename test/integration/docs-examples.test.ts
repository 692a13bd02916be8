import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/index.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import {
  analyzeBlock,
  extractCodeBlocks,
  extractDocBlocks,
  registriesNamed,
  type BlockFacts,
  type DocBlock,
} from '../helpers/doc-blocks.js';
import { buildImage, type BuiltImage } from '../helpers/images.js';

/*
 * The code examples of README.md and docs/*.md, used the way a reader uses them.
 *
 * 1. Typecheck. Every ```ts / ```js block becomes its own module in a temporary project under
 *    .tmp/, whose tsconfig (strict, NodeNext, the project's options) maps `multiplatform` and
 *    `multiplatform/registry` to src/. One tsc run checks all of them; an error is reported at
 *    its line in the page.
 * 2. Run. A block that needs nothing but a registry at `localhost:5000` is run as an ES module with
 *    node, from a file under .tmp/ so that `import … from 'multiplatform'` resolves to the built
 *    package (dist/, built by tsup before the tests). `localhost:5000` is replaced by the
 *    embedded registry this file starts, which holds `localhost:5000/app:1.0` (a tiny linux/amd64
 *    image); the block's working directory holds that image's `manifest.json`, HOME points there
 *    (so no Docker login of this machine is used), and `'/tmp/…'` paths are moved into it. A
 *    block that defines vitest tests (`it(…)`) is run with vitest instead. A complete program
 *    must exit by itself; a fragment (a block without imports of its own, continuing the page) is
 *    ended once it has finished.
 *    Where a page shows a value as `expression; // 'value'` or `console.log(expression); // 'value'`
 *    (a literal, optionally followed by a remark in parentheses), the run checks that the expression
 *    gives that value. Other output comments are prose; what they show is in EXPECTED_OUTPUT.
 *    `process.env.X` that are unset get stand-in values (a block that would send them to a registry
 *    on the internet does not run). Blocks that would need the internet, or placeholders (`…`)
 *    filled in, are only typechecked; the test output lists them with the reason.
 *
 * Fragments. Before each block comes a prelude with what it uses without declaring it:
 *  - the variables the pages share (CONTEXT: `client`, `registry`, `spec`, `expect`);
 *  - for a block that imports nothing from the package itself, the package's exports it names.
 *    A block that imports from `multiplatform` is a complete program and must import what it uses.
 * A block that only declares types (e.g. `interface RunningRegistry`) is also checked against the
 * real type of that name: what the page shows must be true of the real one.
 */

const ROOT = resolve(import.meta.dirname, '../..');
const PACKAGE_ENTRIES = [
  { specifier: 'multiplatform', source: join(ROOT, 'src/index.ts') },
  { specifier: 'multiplatform/oci', source: join(ROOT, 'src/oci/index.ts') },
  { specifier: 'multiplatform/registry', source: join(ROOT, 'src/registry/index.ts') },
] as const;
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const VITEST = join(ROOT, 'node_modules/vitest/vitest.mjs');
const LOCAL_REGISTRY = 'localhost:5000';
const RUN_TIMEOUT_MS = 30_000;

/** A variable the pages use across blocks: its type for typechecking, and how to make one for a run. */
interface ContextVariable {
  declare: string[];
  /** Absent when the variable cannot be made here. */
  define?: string[];
}

const CONTEXT: Record<string, ContextVariable> = {
  client: {
    declare: ["declare const client: import('multiplatform').RegistryClient;"],
    define: ["import { RegistryClient as __RegistryClient } from 'multiplatform';", 'const client = new __RegistryClient();'],
  },
  registry: {
    declare: ["declare const registry: import('multiplatform/registry').RunningRegistry;"],
    define: ["import { startRegistry as __startRegistry } from 'multiplatform/registry';", 'const registry = await __startRegistry();'],
  },
  spec: { declare: ["declare const spec: import('multiplatform').ManifestListSpec;"] },
  expect: { declare: ["import { expect } from 'vitest';"], define: ["import { expect } from 'vitest';"] },
};

/**
 * What some runs must print: output the pages show in a comment as prose rather than as a value.
 * Keyed by page and a piece of the block's code, so the entry follows the block when lines move.
 */
const EXPECTED_OUTPUT: Array<{ file: string; code: string; stdout: RegExp }> = [
  { file: 'docs/auth.md', code: 'client.tokenRequests', stdout: /^0\n$/ }, // the embedded registry here has no auth
  { file: 'docs/blobs.md', code: 'console.log(pushed)', stdout: /^\{\s+digest: 'sha256:2cf24dba[0-9a-f]{56}',\s+size: 5,\s+mediaType: 'application\/octet-stream',\s+outcome: 'uploaded'\s+\}\n$/ },
  { file: 'docs/errors.md', code: "'no such image:'", stdout: /^no such image: \[ 'MANIFEST_UNKNOWN' \]\n$/ },
  { file: 'docs/manifests.md', code: 'console.log(descriptor)', stdout: /mediaType: 'application\/vnd\.oci\.image\.manifest\.v1\+json',\s+digest: 'sha256:[0-9a-f]{64}',\s+size: \d+/ },
  { file: 'docs/credentials.md', code: 'new CredentialStore', stdout: /^anonymous\n$/ },
  { file: 'docs/registry.md', code: 'console.log(registry.url)', stdout: /^http:\/\/127\.0\.0\.1:\d+\n127\.0\.0\.1:\d+\n$/ },
];

interface PlannedBlock {
  block: DocBlock;
  facts: BlockFacts;
  /** Context variables the block uses without declaring them. */
  context: string[];
  /** Package exports a fragment uses without importing them, by entry. */
  autoImports: Map<string, string[]>;
  /** How it is run, or why it is only typechecked. */
  run: { mode: 'node' | 'vitest' } | { mode: 'typecheck-only'; reason: string };
  /** File name stem in the temporary project. */
  id: string;
}

interface Diagnostic {
  file: string;
  line: number;
  column: number;
  message: string;
}

const blocks = extractDocBlocks(ROOT);
const exportsByEntry = new Map<string, Set<string>>(PACKAGE_ENTRIES.map((entry) => [entry.specifier, exportedNames(entry.source)]));
const plans = blocks.map(planBlock);

let work: string;
let registry: RunningRegistry;
let seeded: BuiltImage;
let diagnostics: Diagnostic[] = [];
let typecheckOutput = '';
let typecheckStatus: number | null = null;
const outcomes: string[] = [];

/** A block that must not typecheck: proves that `multiplatform` resolves to src/ and that errors reach their page line. */
const CANARY = planBlock(
  extractCodeBlocks("```ts\nimport { RegistryClient } from 'multiplatform';\n\nnew RegistryClient({ noSuchOption: true });\n```\n", 'canary.md')[0] as DocBlock,
  98,
);

/** Names exported by a package entry file (`export { a, type B } from …`, `export function c`). */
function exportedNames(file: string): Set<string> {
  const source = ts.createSourceFile(file, ts.sys.readFile(file) ?? '', ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  for (const statement of source.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause && ts.isNamedExports(statement.exportClause)) {
      for (const element of statement.exportClause.elements) names.add(element.name.text);
    } else if (
      (ts.isFunctionDeclaration(statement) || ts.isClassDeclaration(statement) || ts.isInterfaceDeclaration(statement) || ts.isTypeAliasDeclaration(statement)) &&
      statement.name &&
      ts.getCombinedModifierFlags(statement) & ts.ModifierFlags.Export
    ) {
      names.add(statement.name.text);
    }
  }
  return names;
}

function planBlock(block: DocBlock, ordinal: number): PlannedBlock {
  const facts = analyzeBlock(block.code);
  const free = [...facts.identifiers].filter((name) => !facts.declared.has(name));
  const context = free.filter((name) => Object.hasOwn(CONTEXT, name));
  const importsPackage = facts.imports.some((specifier) => exportsByEntry.has(specifier));
  const autoImports = new Map<string, string[]>();
  if (!importsPackage) {
    for (const name of free) {
      if (context.includes(name)) continue;
      const entry = PACKAGE_ENTRIES.find((candidate) => exportsByEntry.get(candidate.specifier)?.has(name));
      if (entry) autoImports.set(entry.specifier, [...(autoImports.get(entry.specifier) ?? []), name]);
    }
  }
  const id = `${String(ordinal).padStart(2, '0')}-${block.file.replace(/[^a-z0-9]+/gi, '-')}-L${block.fenceLine}`;
  return { block, facts, context, autoImports, run: runMode(facts, context), id };
}

function runMode(facts: BlockFacts, context: string[]): PlannedBlock['run'] {
  const reasons: string[] = [];
  const remote = registriesNamed(facts.strings).filter((host) => host !== LOCAL_REGISTRY);
  const usesClient = facts.identifiers.has('RegistryClient') || context.includes('client');
  if (facts.declaresTypesOnly) reasons.push('declares types only (checked against the real types)');
  if (usesClient && remote.length > 0) reasons.push(`needs ${remote.join(', ')}`);
  if (facts.strings.some((text) => text.includes('…'))) reasons.push('holds placeholder values (…)');
  const unavailable = context.filter((name) => CONTEXT[name]?.define === undefined);
  if (unavailable.length > 0) reasons.push(`continues an earlier block that only typechecks (uses ${unavailable.map((n) => `\`${n}\``).join(', ')})`);
  if (reasons.length > 0) return { mode: 'typecheck-only', reason: reasons.join('; ') };
  return { mode: facts.definesTests && facts.imports.includes('vitest') ? 'vitest' : 'node' };
}

/** `process.env.NAME` the block reads: a run sets each one that is unset to a stand-in value. */
function environmentNames(code: string): string[] {
  return [...code.matchAll(/\bprocess\.env\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] ?? '');
}

function importLines(plan: PlannedBlock): string[] {
  return [...plan.autoImports].map(([specifier, names]) => `import { ${names.join(', ')} } from '${specifier}';`);
}

/** The module tsc checks for a block, and how many prelude lines come before the block's first line. */
function typecheckModule(plan: PlannedBlock): { text: string; preludeLines: number } {
  const prelude = [...importLines(plan), ...plan.context.flatMap((name) => CONTEXT[name]?.declare ?? [])];
  const shapeChecks = plan.facts.declaresTypesOnly
    ? plan.facts.declaredTypes.flatMap((name) => {
        const entry = PACKAGE_ENTRIES.find((candidate) => exportsByEntry.get(candidate.specifier)?.has(name));
        return entry ? [`export const __real${name}FitsThePage = (real: import('${entry.specifier}').${name}): ${name} => real;`] : [];
      })
    : [];
  return { text: [...prelude, plan.block.code, ...shapeChecks, 'export {};', ''].join('\n'), preludeLines: prelude.length };
}

/** The block as run: prelude, the local registry's address, and a check for every value the page shows. */
function runnableModule(plan: PlannedBlock, dir: string): string {
  let code = plan.block.code;
  const shown = [...plan.facts.shownValues].sort((a, b) => b.start - a.start);
  for (const value of shown) {
    const where = `${plan.block.file}:${plan.block.firstLine + value.line}`;
    code = `${code.slice(0, value.start)}__shown(${value.expression}, ${value.literal}, ${JSON.stringify(where)})${code.slice(value.end)}`;
  }
  code = code.replaceAll(LOCAL_REGISTRY, registry.host).replaceAll("'/tmp/", `'${dir}/`);
  const prelude = [...importLines(plan), ...plan.context.flatMap((name) => CONTEXT[name]?.define ?? [])];
  if (shown.length > 0) {
    prelude.push(
      "import { inspect as __inspect, isDeepStrictEqual as __equal } from 'node:util';",
      'function __shown(actual, expected, where) {',
      '  if (!__equal(actual, expected)) {',
      '    console.error(`${where}: the page shows ${__inspect(expected)}, the code gives ${__inspect(actual)}`);',
      '    process.exitCode = 1;',
      '  }',
      '  return actual;',
      '}',
    );
  }
  const source = [...prelude, code, 'export {};', ''].join('\n');
  return ts.transpileModule(source, {
    fileName: `${plan.id}.${plan.block.kind === 'ts' ? 'mts' : 'mjs'}`,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

/** `file(line,col): error TSnnnn: message` lines of `tsc --pretty false` run in `cwd`, with their continuation lines. */
function parseDiagnostics(output: string, cwd: string): Diagnostic[] {
  const found: Diagnostic[] = [];
  for (const line of output.split('\n')) {
    const match = /^(.+?)\((\d+),(\d+)\): error (TS\d+: .*)$/.exec(line);
    if (match) found.push({ file: resolve(cwd, match[1] ?? ''), line: Number(match[2]), column: Number(match[3]), message: match[4] ?? '' });
    else if (line.startsWith(' ') && found.length > 0) (found.at(-1) as Diagnostic).message += `\n${line}`;
  }
  return found;
}

interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/** Runs node with `args`; kills the child (by its handle) if it outlives `timeoutMs`. */
function runNode(args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }): Promise<ProcessResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: options.cwd, env: options.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr, timedOut });
    });
  });
}

/** The environment of a run: this one without vitest's variables, HOME in the run's directory, stand-ins for `variables`. */
function runEnvironment(home: string, variables: string[]): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('VITEST') && key !== 'DOCKER_CONFIG' && key !== 'NODE_OPTIONS') env[key] = value;
  }
  env.HOME = home;
  for (const name of variables) env[name] ??= `stand-in-${name.toLowerCase()}`;
  return env;
}

async function seedRegistry(): Promise<BuiltImage> {
  const image = buildImage({ os: 'linux', architecture: 'amd64' });
  const client = new RegistryClient({ dockerConfig: false });
  try {
    const repo = `${registry.host}/app`;
    for (const blob of [image.config, ...image.layers]) await client.pushBlob(repo, blob.bytes, { digest: blob.digest });
    await client.putManifest(`${repo}:1.0`, image.manifest.bytes);
  } finally {
    await client.close();
  }
  return image;
}

async function runBlock(plan: PlannedBlock): Promise<ProcessResult> {
  const dir = join(work, 'run', plan.id);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'manifest.json'), seeded.manifest.bytes);
  const env = runEnvironment(dir, environmentNames(plan.block.code));
  const code = runnableModule(plan, dir);
  if (plan.run.mode === 'vitest') {
    await writeFile(join(dir, 'example.test.mjs'), code);
    await writeFile(join(dir, 'vitest.config.mjs'), "export default { test: { include: ['example.test.mjs'] } };\n");
    return runNode([VITEST, 'run', '--root', dir, '--config', join(dir, 'vitest.config.mjs')], { cwd: dir, env, timeoutMs: RUN_TIMEOUT_MS * 2 });
  }
  await writeFile(join(dir, 'example.mjs'), code);
  if (plan.facts.imports.length > 0) return runNode(['example.mjs'], { cwd: dir, env, timeoutMs: RUN_TIMEOUT_MS });
  // A fragment is part of a longer program: end it once it has run (a registry it starts keeps node alive).
  await writeFile(join(dir, 'fragment.mjs'), "await import('./example.mjs');\nprocess.exit();\n");
  return runNode(['fragment.mjs'], { cwd: dir, env, timeoutMs: RUN_TIMEOUT_MS });
}

describe('extractCodeBlocks', () => {
  it('finds ts/js blocks with their page line, indented and tilde fences included, and skips others', () => {
    const page = [
      '# Title', //                      1
      '```ts', //                        2
      "const a = 1;", //                 3
      '```', //                          4
      '```sh', //                        5
      'echo hi', //                      6
      '```', //                          7
      '- item', //                       8
      '', //                             9
      '  ```typescript', //             10
      '  const b = 2;', //              11
      '    nested();', //               12
      '  ```', //                       13
      '~~~~mjs title', //               14
      '```', //                         15
      '~~~~', //                        16
      '```js', //                       17
      'unclosed();', //                 18
    ].join('\n');
    const found = extractCodeBlocks(page, 'x.md');
    expect(found.map((b) => [b.location, b.kind, b.code])).toEqual([
      ['x.md:2', 'ts', 'const a = 1;\n'],
      ['x.md:10', 'ts', 'const b = 2;\n  nested();\n'],
      ['x.md:14', 'js', '```\n'],
      ['x.md:17', 'js', 'unclosed();\n'],
    ]);
    expect(found[1]?.firstLine).toBe(11);
  });

  it('finds the examples of every page that has some', () => {
    const pages = new Set(blocks.map((block) => block.file));
    expect(pages).toContain('README.md');
    expect(pages).toContain('docs/manifests.md');
    expect(blocks.length).toBeGreaterThanOrEqual(20);
  });
});

describe('documentation examples', () => {
  beforeAll(async () => {
    for (const built of ['dist/index.js', 'dist/registry/index.js']) {
      if (!existsSync(join(ROOT, built))) throw new Error(`${built} is missing: build first with \`npx tsup\` (the test command does)`);
    }
    await mkdir(join(ROOT, '.tmp'), { recursive: true });
    work = await mkdtemp(join(ROOT, '.tmp', 'docs-examples-'));
    registry = await startRegistry();
    seeded = await seedRegistry();

    const project = join(work, 'typecheck');
    await mkdir(project, { recursive: true });
    const modules = new Map<string, { plan: PlannedBlock; preludeLines: number }>();
    for (const plan of [...plans, CANARY]) {
      const { text, preludeLines } = typecheckModule(plan);
      const file = join(project, `${plan.id}.${plan.block.kind === 'ts' ? 'mts' : 'mjs'}`);
      await writeFile(file, text);
      modules.set(file, { plan, preludeLines });
    }
    const baseOptions = JSON.parse(await readFile(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: Record<string, unknown> };
    const tsconfig = {
      compilerOptions: {
        ...baseOptions.compilerOptions,
        // Examples show a value and move on; the project's unused-name rules are for its own code.
        noUnusedLocals: false,
        noUnusedParameters: false,
        noEmit: true,
        allowJs: true,
        checkJs: true,
        paths: Object.fromEntries(PACKAGE_ENTRIES.map((entry) => [entry.specifier, [entry.source]])),
      },
      files: [...modules.keys()],
    };
    await writeFile(join(project, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
    const result = await runNode([TSC, '--noEmit', '--pretty', 'false', '-p', project], { cwd: project, env: process.env, timeoutMs: 100_000 });
    typecheckOutput = result.stdout + result.stderr;
    typecheckStatus = result.code;
    diagnostics = parseDiagnostics(typecheckOutput, project).map((diagnostic) => {
      const module = modules.get(diagnostic.file);
      if (!module) return diagnostic;
      const blockLine = diagnostic.line - module.preludeLines;
      const codeLines = module.plan.block.code.split('\n').length - 1;
      if (blockLine >= 1 && blockLine <= codeLines) return { ...diagnostic, file: module.plan.block.file, line: module.plan.block.firstLine + blockLine - 1 };
      const where = blockLine < 1 ? 'in the prelude' : 'the real type does not fit what the page declares';
      return { ...diagnostic, file: module.plan.block.file, line: module.plan.block.fenceLine, message: `(${where}) ${diagnostic.message}` };
    });
  });

  afterAll(async () => {
    await registry?.close();
    if (work) await rm(work, { recursive: true, force: true });
    const ran = outcomes.filter((line) => line.startsWith('ran')).length;
    console.log([`${blocks.length} documentation blocks, all typechecked; ${ran} run here:`, ...outcomes].join('\n  '));
  });

  it('typechecks: a wrong option in a block is an error at its page line', () => {
    expect(typecheckStatus, typecheckOutput).toBe(2); // tsc's "errors found"
    const canary = diagnostics.filter((d) => d.file === 'canary.md');
    expect(canary.map((d) => [d.line, d.message.includes("'noSuchOption'")]), typecheckOutput).toEqual([[4, true]]);
  });

  it('typechecks without errors outside the pages (the package itself)', () => {
    const elsewhere = diagnostics.filter((d) => !d.file.endsWith('.md'));
    // Errors in src/ are the package's, not the pages'; they are reported so that a broken build is not mistaken for a doc problem.
    expect(elsewhere.map((d) => `${d.file}:${d.line}: ${d.message}`)).toEqual([]);
  });

  for (const plan of plans) {
    it(`typechecks ${plan.block.location}`, () => {
      const mine = diagnostics.filter((d) => d.file === plan.block.file && d.line >= plan.block.fenceLine && d.line <= plan.block.fenceLine + plan.block.code.split('\n').length);
      expect(mine.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`)).toEqual([]);
      // tsc that checked nothing (a broken tsconfig, a crash) reports no errors either; the canary tells.
      expect(diagnostics.some((d) => d.file === 'canary.md'), typecheckOutput).toBe(true);
    });
  }

  for (const plan of plans) {
    const { run } = plan;
    if (run.mode === 'typecheck-only') {
      outcomes.push(`typechecked only  ${plan.block.location}: ${run.reason}`);
      it.skip(`runs ${plan.block.location} (typechecked only: ${run.reason})`, () => {});
      continue;
    }
    outcomes.push(`ran               ${plan.block.location}${run.mode === 'vitest' ? ' (with vitest)' : ''}`);
    it(`runs ${plan.block.location}${run.mode === 'vitest' ? ' with vitest' : ''}`, async () => {
      const result = await runBlock(plan);
      const report = `${plan.block.location} (run as ${join(work, 'run', plan.id)})\nexit ${String(result.code)}${result.timedOut ? ' after the timeout: it did not exit by itself' : ''}\nstdout:\n${result.stdout}\nstderr:\n${result.stderr}`;
      expect(result.code, report).toBe(0);
      for (const expected of EXPECTED_OUTPUT) {
        if (expected.file === plan.block.file && plan.block.code.includes(expected.code)) expect(result.stdout, report).toMatch(expected.stdout);
      }
    });
  }

  it('fails a run whose shown value is wrong, and passes it when the value is right', async () => {
    const [wrong, right] = ["'abc'.length; // 2 (the length)", "console.log('abc'.length); // 3"].map((line) => {
      const block = extractCodeBlocks(`# Synthetic\n\n\`\`\`ts\n${line}\n\`\`\`\n`, 'synthetic.md')[0] as DocBlock;
      return planBlock(block, 99);
    }) as [PlannedBlock, PlannedBlock];
    const failed = await runBlock(wrong);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('synthetic.md:4: the page shows 2, the code gives 3');
    const passed = await runBlock({ ...right, id: `${right.id}-right` });
    expect([passed.code, passed.stdout]).toEqual([0, '3\n']);
  });

  it('has an expected output only for blocks that exist and run', () => {
    for (const expected of EXPECTED_OUTPUT) {
      const matching = plans.filter((plan) => plan.block.file === expected.file && plan.block.code.includes(expected.code));
      expect(matching.map((plan) => plan.run.mode), `${expected.file}: ${expected.code}`).toEqual(['node']);
    }
  });
});
