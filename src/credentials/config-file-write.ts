/**
 * Writing Docker's config.json without ever leaving it half-written: the new text goes to a
 * temporary file in the same directory, which then replaces the old one in a single rename.
 */
import { randomHex } from '../util/random-hex.js';
import { chmod, mkdir, open, readFile, realpath, rename, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CredentialsError } from '../errors.js';

/** The mode Docker gives a config.json it creates: readable by its owner only. */
const NEW_FILE_MODE = 0o600;
const NEW_DIR_MODE = 0o700;

/** A config.json as read for rewriting: its text (undefined when there is no file) and where it really lives. */
export interface ConfigFileText {
  /** The path asked for. */
  path: string;
  /** Where writes go: the file a symlink at `path` points to, else `path`. */
  target: string;
  text: string | undefined;
  /** The permission bits to keep, when the file exists. */
  mode: number | undefined;
}

/** Reads a config.json for rewriting; a missing file is not an error. */
export async function readConfigFileText(path: string): Promise<ConfigFileText> {
  let target = path;
  try {
    target = await realpath(path);
  } catch {
    // No file yet (or a dangling link): write where it was asked for.
  }
  try {
    const [text, info] = await Promise.all([readFile(target, 'utf8'), stat(target)]);
    return { path, target, text, mode: info.mode & 0o777 };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return { path, target, text: undefined, mode: undefined };
    const why = code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'read failed');
    throw new CredentialsError(`cannot read Docker config ${path}: ${why}`, { cause: e });
  }
}

/**
 * Replaces the file with `text` atomically: written and flushed to a temporary file beside it,
 * then renamed over it. The file keeps its permission bits; a new file (and directory) is private.
 * @throws {CredentialsError} naming the path when the directory or file cannot be written.
 */
export async function writeConfigFileText(file: ConfigFileText, text: string): Promise<void> {
  const dir = dirname(file.target);
  const temp = join(dir, `.${basename(file.target)}.${process.pid}.${randomHex(6)}.tmp`);
  const mode = file.mode ?? NEW_FILE_MODE;
  try {
    await mkdir(dir, { recursive: true, mode: NEW_DIR_MODE });
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The umask may have narrowed the mode given to open().
    await chmod(temp, mode);
    await rename(temp, file.target);
  } catch (e) {
    await unlink(temp).catch(() => {});
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : (code ?? 'write failed');
    throw new CredentialsError(`cannot write Docker config ${file.path}: ${why}; it was left as it was`, { cause: e });
  }
}
