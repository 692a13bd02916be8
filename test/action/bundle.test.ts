import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const execFileAsync = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const committed = join(root, 'action/dist/index.cjs');

let outDir: string;

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'mp-action-build-'));
});

afterAll(async () => {
  if (outDir) await rm(outDir, { recursive: true, force: true });
});

async function sources(): Promise<Array<{ file: string; text: string }>> {
  const dir = join(root, 'action/src');
  const files = (await readdir(dir)).filter((file) => file.endsWith('.ts'));
  return Promise.all(files.map(async (file) => ({ file, text: await readFile(join(dir, file), 'utf8') })));
}

describe('the committed action', () => {
  it('is the bundle npm run build:action makes from the current sources', async () => {
    const fresh = join(outDir, 'index.cjs');
    await execFileAsync(process.execPath, [join(root, 'scripts/build-action.mjs'), '--outfile', fresh], { cwd: root });
    const same = (await readFile(fresh)).equals(await readFile(committed));
    expect(same, 'action/dist is stale: run npm run build:action').toBe(true);
  });

  it('imports only the public API, the toolkit and its own files', async () => {
    const allowed = new Set(['@actions/core', '../../src/index.js']);
    for (const { file, text } of await sources()) {
      const specifiers = [...text.matchAll(/^\s*(?:import|export)\b[^'"]*?from\s+'([^']+)'/gm)].map((match) => match[1] as string);
      const outside = specifiers.filter((specifier) => !allowed.has(specifier) && !/^\.\/[\w-]+\.js$/.test(specifier));
      expect(outside, `action/src/${file}`).toEqual([]);
    }
  });

  it('declares in action.yml every input it reads and every output it sets, and runs the committed bundle', async () => {
    const manifest = parse(await readFile(join(root, 'action.yml'), 'utf8')) as {
      inputs: Record<string, unknown>;
      outputs: Record<string, unknown>;
      runs: { using: string; main: string };
    };
    const text = (await sources()).map((source) => source.text).join('\n');
    const read = new Set([...text.matchAll(/(?:getInput|getMultilineInput|getBooleanInput|booleanInput)\('([^']+)'\)/g)].map((match) => match[1]));
    const set = new Set([...text.matchAll(/setOutput\('([^']+)'/g)].map((match) => match[1]));
    expect([...read].sort()).toEqual(Object.keys(manifest.inputs).sort());
    expect([...set].sort()).toEqual(Object.keys(manifest.outputs).sort());
    expect(manifest.runs).toEqual({ using: 'node24', main: 'action/dist/index.cjs' });
  });
});
