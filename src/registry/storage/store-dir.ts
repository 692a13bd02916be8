import { mkdir, readdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ValidationError } from '../../errors.js';

/** The file that makes a directory a registry store: the registry creates or removes files in a directory only when it holds this. */
export const STORE_MARKER = '.multiplatform-registry';
/** The lock file of a store in use: created exclusively, holding the PID of the process using the store. */
export const STORE_LOCK = '.multiplatform-registry.lock';
/** The store layout this version writes and reads. */
export const STORE_FORMAT = 1;

/** A store directory this process holds the lock of. */
export interface StoreClaim {
  readonly dir: string;
  /** Removes the lock (when it still names this process). Idempotent. */
  release(): Promise<void>;
}

/**
 * Makes `dir` this process's registry store: creates it (or adopts it when empty) with a marker file, refuses a
 * non-empty directory without the marker (someone else's files), and takes the store's lock, refusing a store
 * another live process holds. A lock whose process is gone is taken over.
 * Throws {@link ValidationError} naming the directory and what to do.
 */
export async function claimStoreDir(dir: string): Promise<StoreClaim> {
  const path = resolve(dir);
  await mkdir(path, { recursive: true });
  const entries = await readdir(path);
  const marked = entries.includes(STORE_MARKER);
  if (marked) await checkMarker(path);
  else if (entries.some((name) => name !== STORE_LOCK)) {
    throw new ValidationError(
      `registry storage ${path} is not empty and is not a registry store (it has no ${STORE_MARKER} file); ` +
        'the registry does not write into directories holding other files: use an empty directory or a new path',
    );
  }
  await takeLock(path);
  if (!marked) {
    try {
      await writeFile(join(path, STORE_MARKER), `${JSON.stringify({ format: STORE_FORMAT })}\n`, { flag: 'wx' });
    } catch (e) {
      await releaseLock(path);
      throw e;
    }
  }
  let released: Promise<void> | undefined;
  return { dir: path, release: () => (released ??= releaseLock(path)) };
}

async function checkMarker(path: string): Promise<void> {
  const file = join(path, STORE_MARKER);
  let format: unknown;
  try {
    format = (JSON.parse(await readFile(file, 'utf8')) as { format?: unknown })?.format;
  } catch (e) {
    throw new ValidationError(`registry storage marker ${file} is unreadable (${(e as Error).message})`, { cause: e });
  }
  if (format !== STORE_FORMAT) {
    throw new ValidationError(`registry storage ${path} has format ${JSON.stringify(format)}; this version reads format ${STORE_FORMAT}`);
  }
}

/**
 * The lock files this process holds, shared by every copy of the library loaded in it (ESM and
 * CommonJS builds). A lock naming this process's PID but not listed here was left by an earlier
 * process that had the same PID — common in containers, where a restarted registry is often PID 1 again.
 */
const heldLocks: Set<string> = ((globalThis as Record<symbol, unknown>)[Symbol.for('multiplatform.registry.heldLocks')] ??= new Set<string>()) as Set<string>;

/** Creates the lock file exclusively; an existing one is taken over only when the process it names is gone. */
async function takeLock(path: string): Promise<void> {
  const file = join(path, STORE_LOCK);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(file, `${process.pid}\n`, { flag: 'wx' });
      heldLocks.add(file);
      return;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = await lockHolder(file);
    if (holder === 'gone') continue;
    const leftByEarlierProcess = holder === process.pid && !heldLocks.has(file);
    if (holder === 'unknown' || (isAlive(holder) && !leftByEarlierProcess)) throw inUse(path, file, holder);
    // The process that held the lock is gone: take it over. Another process doing the same at this moment
    // is sorted out by the exclusive create.
    await unlink(file).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'ENOENT') throw e;
    });
  }
  throw inUse(path, file, 'unknown');
}

function inUse(path: string, file: string, holder: number | 'unknown'): ValidationError {
  const who = holder === 'unknown' ? 'another process' : holder === process.pid ? 'another registry in this process' : `process ${holder}`;
  return new ValidationError(
    `registry storage ${path} is in use by ${who} (lock file ${file}); ` +
      'stop that registry or use another directory (if no registry is running there, delete the lock file)',
  );
}

/** The PID in a lock file: `'gone'` when the file no longer exists, `'unknown'` when it names no PID (yet). */
async function lockHolder(file: string): Promise<number | 'gone' | 'unknown'> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw e;
  }
  const pid = Number(text.trim());
  return Number.isSafeInteger(pid) && pid > 0 ? pid : 'unknown';
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function releaseLock(path: string): Promise<void> {
  const file = join(path, STORE_LOCK);
  if ((await lockHolder(file)) !== process.pid || !heldLocks.has(file)) return;
  heldLocks.delete(file);
  await unlink(file).catch(() => {});
}
