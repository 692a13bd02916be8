import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { ValidationError } from '../../src/errors.js';

/** A child process that is stopped by its PID and never outlives the test run. */
export interface ManagedProcess {
  pid: number;
  /** The last 64 KiB of its stdout and stderr, interleaved. */
  output(): string;
  /** Null while it runs. */
  exitStatus(): { code: number | null; signal: NodeJS.Signals | null } | null;
  /** Resolves when it has exited. */
  readonly exited: Promise<void>;
  /** SIGTERM, then SIGKILL after `graceMs` (default 3000); resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

const OUTPUT_LIMIT = 64 * 1024;
/** Running children, with the private dir to remove if this process exits before stopping them. */
const live = new Map<ChildProcess, string | undefined>();
let exitHandlerInstalled = false;

/**
 * A `/bin/sh` script (arguments: parent PID, child PID, optional directory) that runs beside
 * each managed process and kills it if the parent disappears without cleaning up (SIGKILL, a
 * worker terminated by SIGTERM, a crash), then removes the directory. It notices by being
 * re-parented, which also works while the dead parent is still an unreaped zombie.
 */
export const WATCHDOG_SCRIPT = `
parent=$1 child=$2 leftover=$3
while :; do
  read -r _ _ _ ppid _ < /proc/$$/stat || exit 0
  [ "$ppid" = "$parent" ] || break
  kill -0 "$child" 2>/dev/null || exit 0
  sleep 1
done
if kill -TERM "$child" 2>/dev/null; then
  waited=0
  while kill -0 "$child" 2>/dev/null; do
    if [ "$waited" -ge 6 ]; then kill -KILL "$child" 2>/dev/null; break; fi
    waited=$((waited + 1))
    sleep 0.5
  done
fi
[ -n "$leftover" ] && rm -rf -- "$leftover"
exit 0
`;

/** Kills every managed process synchronously; used on process exit. */
function killAllNow(): void {
  for (const [child, dir] of live) {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
  live.clear();
}

function installExitHandler(): void {
  if (exitHandlerInstalled) return;
  exitHandlerInstalled = true;
  process.on('exit', killAllNow);
}

/**
 * Spawns a long-running program (never through a shell), tracks it so that it is killed when
 * this process exits, and starts a watchdog that kills it if this process dies abruptly.
 * Fails fast with a clear message when `cleanupDirOnCrash` is not an absolute path.
 */
export function spawnManaged(
  command: string,
  args: readonly string[],
  options: {
    cwd?: string;
    env?: NodeJS.ProcessEnv;
    /** A private temp dir the watchdog removes after killing the process (never a shared path). */
    cleanupDirOnCrash?: string;
  } = {},
): ManagedProcess {
  if (options.cleanupDirOnCrash !== undefined && !/^\/.+\/.+/.test(options.cleanupDirOnCrash)) {
    throw new ValidationError(`cleanupDirOnCrash must be an absolute path below a directory, got ${JSON.stringify(options.cleanupDirOnCrash)}`);
  }
  installExitHandler();
  const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);

  let status: { code: number | null; signal: NodeJS.Signals | null } | null = null;
  let spawnError: Error | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('error', (error) => {
      spawnError = error;
      if (child.pid === undefined) {
        status = { code: null, signal: null };
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      status = { code, signal };
      live.delete(child);
      resolve();
    });
  });
  if (child.pid === undefined) {
    // spawn failed (ENOENT…); 'error' fires on the next tick
    return {
      pid: -1,
      output: () => (spawnError ? String(spawnError) : `could not start ${command}`),
      exitStatus: () => status ?? { code: null, signal: null },
      exited,
      stop: async () => {
        await exited;
      },
    };
  }
  live.set(child, options.cleanupDirOnCrash);
  const pid = child.pid;
  const watchdog = spawn('/bin/sh', ['-c', WATCHDOG_SCRIPT, 'watchdog', String(process.pid), String(pid), options.cleanupDirOnCrash ?? ''], { stdio: 'ignore' });
  watchdog.on('error', () => undefined);
  watchdog.unref();
  if (watchdog.pid !== undefined) live.set(watchdog, undefined);
  watchdog.once('exit', () => live.delete(watchdog));

  const stopWatchdog = (): void => {
    if (watchdog.pid !== undefined && watchdog.exitCode === null && watchdog.signalCode === null) watchdog.kill('SIGKILL');
  };

  return {
    pid,
    output: () => (spawnError ? `${output}\n${String(spawnError)}` : output),
    exitStatus: () => status,
    exited,
    async stop(graceMs = 3000) {
      stopWatchdog();
      if (status !== null) return;
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // exited between the check and the signal; 'exit' is on its way
      }
      const timer = setTimeout(() => {
        if (status === null) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            // exited meanwhile
          }
        }
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
