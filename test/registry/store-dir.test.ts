// A `storage: { dir }` registry owns only what it created: it refuses a directory holding someone
// else's files, marks the directories it adopts, and locks its store so that a second registry (in
// this process or another) is refused instead of deleting the first one's uploads.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isValidationError } from '../../src/errors.js';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { spawnManaged, type ManagedProcess } from '../helpers/processes.js';
import { eventually, pushImage, raw, sha256, useTempDir } from '../helpers/registry-helpers.js';

const temp = useTempDir('mp-registry-store-');
const MARKER = '.multiplatform-registry';
const LOCK = '.multiplatform-registry.lock';

/** A directory holding files of the user's, including folders named like the registry's working folders. */
async function userDirectory(name: string): Promise<string> {
  const dir = join(temp.path, name);
  await mkdir(join(dir, 'tmp'), { recursive: true });
  await mkdir(join(dir, 'uploads'), { recursive: true });
  await writeFile(join(dir, 'tmp', 'draft.txt'), 'draft');
  await writeFile(join(dir, 'uploads', 'photo.jpg'), 'photo');
  await writeFile(join(dir, 'notes.txt'), 'notes');
  return dir;
}

async function expectUserFilesIntact(dir: string): Promise<void> {
  expect(await readFile(join(dir, 'tmp', 'draft.txt'), 'utf8')).toBe('draft');
  expect(await readFile(join(dir, 'uploads', 'photo.jpg'), 'utf8')).toBe('photo');
  expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('notes');
}

const refused = (pattern: RegExp) => (e: unknown) => isValidationError(e) && pattern.test((e as Error).message);

const open: RunningRegistry[] = [];
let child: ManagedProcess | undefined;
afterEach(async () => {
  await Promise.all(open.splice(0).map((r) => r.close()));
  await child?.stop();
  child = undefined;
});

async function start(dir: string): Promise<RunningRegistry> {
  const registry = await startRegistry({ storage: { dir } });
  open.push(registry);
  return registry;
}

describe('a directory that is not a registry store', () => {
  it('is refused, naming it and what to do, and nothing in it is touched', async () => {
    const dir = await userDirectory('foreign');
    const before = (await readdir(dir)).sort();
    await expect(startRegistry({ storage: { dir } })).rejects.toSatisfy(
      refused(new RegExp(`${dir}.*not empty.*not a registry store.*empty directory or a new path`)),
    );
    expect((await readdir(dir)).sort()).toEqual(before);
    await expectUserFilesIntact(dir);
  });

  it('an empty or missing directory becomes a store: marked with its format, locked while open', async () => {
    for (const dir of [join(temp.path, 'missing', 'deep'), join(temp.path, 'empty')]) {
      await mkdir(join(temp.path, 'empty'), { recursive: true });
      const registry = await start(dir);
      expect(JSON.parse(await readFile(join(dir, MARKER), 'utf8'))).toEqual({ format: 1 });
      expect((await readFile(join(dir, LOCK), 'utf8')).trim()).toBe(String(process.pid));
      await pushImage(registry, 'a/b', 'v1');
      await open.pop()!.close();
      expect(existsSync(join(dir, LOCK))).toBe(false);
      const again = await start(dir);
      expect((await raw(again, '/v2/a/b/tags/list')).json().tags).toEqual(['v1']);
    }
  });

  it('a marker of another format is refused', async () => {
    const dir = join(temp.path, 'future');
    await mkdir(dir);
    await writeFile(join(dir, MARKER), '{"format": 99}');
    await expect(startRegistry({ storage: { dir } })).rejects.toSatisfy(refused(/format 99; this version reads format 1/));
    expect(existsSync(join(dir, LOCK))).toBe(false);
  });
});

describe('files of the user inside a store', () => {
  it('survive start and stop', async () => {
    const dir = join(temp.path, 'shared');
    await (await start(dir)).close();
    open.pop();
    await writeFile(join(dir, 'notes.txt'), 'notes');
    await mkdir(join(dir, 'mine'));
    await writeFile(join(dir, 'mine', 'keep.txt'), 'keep');
    const registry = await start(dir);
    await pushImage(registry, 'a/b', 'v1');
    await open.pop()!.close();
    expect(await readFile(join(dir, 'notes.txt'), 'utf8')).toBe('notes');
    expect(await readFile(join(dir, 'mine', 'keep.txt'), 'utf8')).toBe('keep');
  });
});

describe('one registry per store', () => {
  it('a second registry in this process is refused and the first one keeps its upload', async () => {
    const dir = join(temp.path, 'twice');
    const first = await start(dir);
    const session = await raw(first, '/v2/a/b/blobs/uploads/', { method: 'POST' });
    const location = session.headers.location as string;
    expect((await raw(first, location, { method: 'PATCH', body: 'half ' })).status).toBe(202);
    await expect(startRegistry({ storage: { dir } })).rejects.toSatisfy(
      refused(new RegExp(`${dir} is in use by another registry in this process.*stop that registry or use another directory`)),
    );
    expect((await raw(first, location, { method: 'PATCH', body: 'and half' })).status).toBe(202);
    const content = 'half and half';
    const done = await raw(first, `${location}?digest=${sha256(content)}`, { method: 'PUT' });
    expect(done.status).toBe(201);
    expect((await raw(first, `/v2/a/b/blobs/${sha256(content)}`)).text).toBe(content);
  });

  it('a store held by another process is refused; once that process is killed, its lock is taken over', async () => {
    const main = resolve(import.meta.dirname, '../../dist/cli/main.js');
    expect(existsSync(main), `${main} is missing: build first (npx tsup)`).toBe(true);
    const dir = join(temp.path, 'other-process');
    const holder = spawnManaged(process.execPath, [main, 'registry', '--port', '0', '--dir', dir]);
    child = holder;
    await eventually(async () => expect(holder.output()).toMatch(/^http:\/\/\S+\n/m), 15_000);
    await expect(startRegistry({ storage: { dir } })).rejects.toSatisfy(refused(new RegExp(`in use by process ${holder.pid}`)));
    process.kill(holder.pid, 'SIGKILL');
    await holder.exited;
    expect((await readFile(join(dir, LOCK), 'utf8')).trim()).toBe(String(holder.pid));
    await start(dir);
    expect((await readFile(join(dir, LOCK), 'utf8')).trim()).toBe(String(process.pid));
  });

  it('a lock naming this process that it does not hold (left by an earlier process with the same PID) is taken over', async () => {
    const dir = join(temp.path, 'same-pid');
    await (await start(dir)).close();
    open.pop();
    await writeFile(join(dir, LOCK), `${process.pid}\n`);
    const registry = await start(dir);
    expect((await raw(registry, '/v2/')).status).toBe(200);
    expect((await readFile(join(dir, LOCK), 'utf8')).trim()).toBe(String(process.pid));
  });

  it('a lock naming a process that has exited is taken over', async () => {
    const dir = join(temp.path, 'stale');
    await (await start(dir)).close();
    open.pop();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.once('exit', r));
    await writeFile(join(dir, LOCK), `${gone.pid}\n`);
    const registry = await start(dir);
    expect((await raw(registry, '/v2/')).status).toBe(200);
  });
});
