import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const execFileAsync = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const committed = join(root, 'action/dist');

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
  it('is the bundle (and licenses.txt) npm run build:action makes from the current sources', async () => {
    await execFileAsync(process.execPath, [join(root, 'scripts/build-action.mjs'), '--outdir', outDir], { cwd: root });
    for (const file of ['index.cjs', 'licenses.txt']) {
      const same = (await readFile(join(outDir, file))).equals(await readFile(join(committed, file)));
      expect(same, `action/dist/${file} is stale: run npm run build:action`).toBe(true);
    }
    expect(await readFile(join(committed, 'licenses.txt'), 'utf8')).toMatch(/^undici@7\.[\d.]+ \(MIT\)$/m);
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
