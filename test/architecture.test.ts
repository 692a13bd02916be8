/**
 * The layer rule of ARCHITECTURE.md, read from the import lines under src/:
 *
 *   cli ─► index/client ─► manifest-list ─► remote ─► transport ─► credentials ─► oci ─► util ─► errors, version
 *   registry (the server) ─► oci, util, errors, version
 *   the pure files of manifest-list ─► oci, util, errors and each other
 *   oci ─► no undici, node:http(s), node:tls, node:fs or child processes (node:net only for isIP)
 *   faces (index.ts, oci/index.ts, registry/index.ts) re-export from any layer; only cli/ and faces import a face
 *
 * and no import circles at all.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../src', import.meta.url));

type Layer = 'base' | 'util' | 'oci' | 'credentials' | 'transport' | 'remote' | 'layout' | 'copy' | 'manifest-list' | 'manifest-list-pure' | 'client' | 'cli' | 'registry' | 'face';

/** Layers each layer may import, besides its own. */
const ALLOWED: Record<Layer, Layer[]> = {
  base: [],
  util: ['base'],
  oci: ['util', 'base'],
  credentials: ['oci', 'util', 'base'],
  transport: ['credentials', 'oci', 'util', 'base'],
  remote: ['transport', 'credentials', 'oci', 'util', 'base'],
  layout: ['oci', 'util', 'base'],
  copy: ['layout', 'remote', 'transport', 'credentials', 'oci', 'util', 'base'],
  'manifest-list-pure': ['oci', 'util', 'base'],
  'manifest-list': ['manifest-list-pure', 'remote', 'transport', 'credentials', 'oci', 'util', 'base'],
  client: ['copy', 'layout', 'manifest-list', 'manifest-list-pure', 'remote', 'transport', 'credentials', 'oci', 'util', 'base'],
  cli: ['face', 'base'],
  registry: ['oci', 'util', 'base'],
  face: ['client', 'copy', 'layout', 'manifest-list', 'manifest-list-pure', 'remote', 'transport', 'credentials', 'oci', 'util', 'base', 'registry', 'face'],
};

const PURE_MANIFEST_LIST = new Set(['compose.ts', 'convert.ts', 'spec.ts', 'types.ts', 'entries.ts', 'merge-rules.ts', 'addressed-annotations.ts', 'edit-rules.ts', 'edit-options.ts']);
const FACES = new Set(['index.ts', 'oci/index.ts', 'registry/index.ts']);
/** Modules the pure `multiplatform/oci` entry must never load. */
const IO_MODULES = /^(undici|node:(http|https|http2|tls|fs|fs\/promises|child_process|dgram))$/;

export function layerOf(file: string): Layer {
  if (FACES.has(file)) return 'face';
  if (file === 'errors.ts' || file === 'version.ts') return 'base';
  if (file === 'client.ts') return 'client';
  const top = file.split('/')[0]!;
  if (top === 'manifest-list') return PURE_MANIFEST_LIST.has(file.slice('manifest-list/'.length)) ? 'manifest-list-pure' : 'manifest-list';
  if (['util', 'oci', 'credentials', 'transport', 'remote', 'layout', 'copy', 'cli', 'registry'].includes(top)) return top as Layer;
  throw new Error(`${file}: not in any layer; put it in one of the folders of ARCHITECTURE.md`);
}

/** Import specifiers of a file: static, re-export, side-effect and dynamic imports. */
export function importsOf(source: string): string[] {
  const found: string[] = [];
  const patterns = [/\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g, /^\s*import\s*['"]([^'"]+)['"]/gm];
  for (const pattern of patterns) for (const match of source.matchAll(pattern)) found.push(match[1]!);
  return found;
}

export type Graph = Map<string, { local: string[]; packages: string[] }>;

/** Every file under `dir` (relative paths) with its local imports (resolved, relative to `dir`) and package imports. */
export function readGraph(dir: string): Graph {
  const graph: Graph = new Map();
  const walk = (folder: string): void => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|cjs)$/.test(entry.name)) {
        const file = relative(dir, path);
        const local: string[] = [];
        const packages: string[] = [];
        for (const spec of importsOf(readFileSync(path, 'utf8'))) {
          if (spec.startsWith('.')) local.push(relative(dir, resolve(dirname(path), spec)).replace(/\.js$/, '.ts'));
          else packages.push(spec);
        }
        graph.set(file, { local, packages });
      }
    }
  };
  walk(dir);
  return graph;
}

/** Every import the layer rule forbids, as `from -> to (why)`. */
export function forbiddenEdges(graph: Graph): string[] {
  const problems: string[] = [];
  for (const [file, { local, packages }] of graph) {
    const from = layerOf(file);
    for (const target of local) {
      const to = layerOf(target);
      if (to === from && from !== 'face') continue;
      if (to === 'face' && from !== 'cli' && from !== 'face') problems.push(`${file} -> ${target} (only cli/ imports a public entry)`);
      else if (to !== 'face' && !ALLOWED[from].includes(to)) problems.push(`${file} -> ${target} (${from} may not import ${to})`);
    }
    if (from === 'oci' || from === 'manifest-list-pure') {
      for (const spec of packages) if (IO_MODULES.test(spec)) problems.push(`${file} -> ${spec} (${from} is pure: no I/O modules)`);
    }
  }
  return problems;
}

/** Strongly connected components of more than one file (Tarjan), each sorted. */
export function importCircles(graph: Graph): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const circles: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node)?.local ?? []) {
      if (!graph.has(target)) continue;
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) low.set(node, Math.min(low.get(node)!, index.get(target)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) circles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return circles;
}

describe('the layer rule of src/', () => {
  const graph = readGraph(SRC);

  it('reads every file of src/ and its imports', () => {
    expect(graph.size).toBeGreaterThan(80);
    expect(graph.get('client.ts')?.local).toContain('transport/registry-transport.ts');
  });

  it('has no import the rule forbids', () => {
    expect(forbiddenEdges(graph)).toEqual([]);
  });

  it('has no import circles', () => {
    expect(importCircles(graph)).toEqual([]);
  });

  it('puts the top of src/ in order: only the entry, the client, errors, version and folders', () => {
    const top = readdirSync(SRC, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => e.name).sort();
    expect(top).toEqual(['client.ts', 'errors.ts', 'index.ts', 'version.ts']);
  });
});

describe('the checker itself', () => {
  const graphOf = (files: Record<string, string>) => {
    const graph: Graph = new Map();
    for (const [file, source] of Object.entries(files)) {
      const local: string[] = [];
      const packages: string[] = [];
      for (const spec of importsOf(source)) {
        if (spec.startsWith('.')) local.push(join(dirname(file), spec).replace(/\.js$/, '.ts'));
        else packages.push(spec);
      }
      graph.set(file, { local, packages });
    }
    return graph;
  };

  it('catches an arrow that runs back up, a server that reaches into the client, and I/O in oci/', () => {
    const graph = graphOf({
      'oci/reference.ts': "import { request } from 'undici';\nimport { x } from '../remote/manifests.js';",
      'remote/manifests.ts': "import type { Reference } from '../oci/reference.js';",
      'registry/handler.ts': "export { y } from '../transport/http.js';",
      'transport/http.ts': "const m = await import('../manifest-list/push.js');",
      'manifest-list/push.ts': '',
      'manifest-list/compose.ts': "import '../remote/manifests.js';",
      'util/pool.ts': "import { RegistryClient } from '../index.js';",
      'index.ts': '',
    });
    expect(forbiddenEdges(graph).sort()).toEqual([
      'manifest-list/compose.ts -> remote/manifests.ts (manifest-list-pure may not import remote)',
      'oci/reference.ts -> remote/manifests.ts (oci may not import remote)',
      'oci/reference.ts -> undici (oci is pure: no I/O modules)',
      'registry/handler.ts -> transport/http.ts (registry may not import transport)',
      'transport/http.ts -> manifest-list/push.ts (transport may not import manifest-list)',
      'util/pool.ts -> index.ts (only cli/ imports a public entry)',
    ]);
  });

  it('finds a circle of three files and leaves a chain alone', () => {
    const graph = graphOf({
      'manifest-list/a.ts': "import { b } from './b.js';",
      'manifest-list/b.ts': "import { c } from './c.js';",
      'manifest-list/c.ts': "import type { a } from './a.js';",
      'manifest-list/d.ts': "import { a } from './a.js';",
    });
    expect(importCircles(graph)).toEqual([['manifest-list/a.ts', 'manifest-list/b.ts', 'manifest-list/c.ts']]);
  });
});
