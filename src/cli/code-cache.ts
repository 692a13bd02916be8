/**
 * Loads a CommonJS file of the package (undici's bundled parts) with a V8 code cache kept on disk
 * between runs of the command. A run compiles the functions it calls; the cache written after such a
 * run holds all of them, so the next run neither parses the file nor compiles those functions again.
 * Node 22.1+ has a compile cache of its own (`module.enableCompileCache()`), but it stores only what
 * was compiled when the file was loaded, not the functions compiled afterwards; Node 20 has none.
 *
 * Only the command uses this: a library does not write into its user's home. Nothing here may fail
 * the command: an unreadable, unwritable or stale cache means the file is compiled as usual.
 */
import { VERSION } from '../version.js';

/** Where a cache of `file` lives, or undefined when the environment names no home for it. */
export function codeCachePath(file: string, source: string, env: Record<string, string | undefined>): string | undefined {
  const { join, basename, isAbsolute } = process.getBuiltinModule('node:path');
  // As the XDG base directory spec says, a relative XDG_CACHE_HOME is ignored.
  const xdg = env.XDG_CACHE_HOME && isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : undefined;
  const base = xdg ?? (env.HOME && isAbsolute(env.HOME) ? join(env.HOME, '.cache') : undefined);
  if (!base) return undefined;
  // V8 rejects a cache made by another V8 or for another source on its own; the key keeps the
  // caches of several Node versions and package versions from overwriting each other.
  const hash = process.getBuiltinModule('node:crypto').createHash('sha256').update(source).digest('hex').slice(0, 16);
  return join(base, 'multiplatform', `${basename(file)}-${VERSION}-${process.version}-${process.arch}-${hash}.v8cache`);
}

/** What {@link preloadWithCodeCache} did, for tests and diagnostics. */
export type CodeCacheOutcome = 'used' | 'written' | 'rejected and rewritten' | 'no cache' | 'failed';

/**
 * Compiles and runs the CommonJS `file` as `require` would, using and keeping a V8 code cache, and
 * puts the module into `require.cache`, so that a later `require(file)` gets it without compiling.
 * When the cache was missing or rejected, a new one is written when the process exits. Resolves the
 * outcome through `report` at exit; never throws (on any failure the file is left to `require`).
 */
export function preloadWithCodeCache(file: string, env: Record<string, string | undefined>, report?: (outcome: CodeCacheOutcome) => void): void {
  try {
    const { readFileSync } = process.getBuiltinModule('node:fs');
    const { dirname } = process.getBuiltinModule('node:path');
    const vm = process.getBuiltinModule('node:vm');
    const Module = process.getBuiltinModule('node:module') as unknown as new (id: string) => CommonJsModule;
    const requireFromFile = process.getBuiltinModule('node:module').createRequire(file);
    if (requireFromFile.cache[file]) return;
    const source = readFileSync(file, 'utf8');
    const cachePath = codeCachePath(file, source, env);
    const cachedData = cachePath === undefined ? undefined : readIfPresent(cachePath);
    // The same wrapper as Node's CommonJS loader puts around a file.
    const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) { ${source}\n});`, {
      filename: file,
      ...(cachedData ? { cachedData } : {}),
      importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
    });
    const wrapper = script.runInThisContext() as (exports: unknown, require: NodeJS.Require, module: CommonJsModule, filename: string, dirname: string) => void;
    const module = new Module(file);
    module.filename = file;
    requireFromFile.cache[file] = module as NodeJS.Module;
    try {
      wrapper.call(module.exports, module.exports, requireFromFile, module, file, dirname(file));
    } catch (error) {
      delete requireFromFile.cache[file];
      throw error;
    }
    module.loaded = true;
    const outcome: CodeCacheOutcome =
      cachePath === undefined ? 'no cache' : !cachedData ? 'written' : script.cachedDataRejected ? 'rejected and rewritten' : 'used';
    if (cachePath !== undefined && outcome !== 'used') process.once('exit', () => writeCache(cachePath, script, report, outcome));
    else if (report) process.once('exit', () => report(outcome));
  } catch {
    report?.('failed');
  }
}

/** The fields of a CommonJS module object this sets. */
interface CommonJsModule {
  exports: unknown;
  filename: string;
  loaded: boolean;
}

function readIfPresent(path: string): Buffer | undefined {
  try {
    return process.getBuiltinModule('node:fs').readFileSync(path);
  } catch {
    return undefined;
  }
}

/** Writes the cache atomically (a temporary file renamed into place); a failure leaves no cache. */
function writeCache(path: string, script: import('node:vm').Script, report: ((outcome: CodeCacheOutcome) => void) | undefined, outcome: CodeCacheOutcome): void {
  const fs = process.getBuiltinModule('node:fs');
  const temporary = `${path}.${process.pid}.tmp`;
  try {
    fs.mkdirSync(process.getBuiltinModule('node:path').dirname(path), { recursive: true });
    fs.writeFileSync(temporary, script.createCachedData());
    fs.renameSync(temporary, path);
    report?.(outcome);
  } catch {
    try {
      fs.rmSync(temporary, { force: true });
    } catch {
      // nothing more to undo
    }
    report?.('failed');
  }
}
