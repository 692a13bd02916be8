/**
 * Everything the benchmark must undo however it ends: processes it started (stopped by PID) and
 * temp dirs it made. Normal ends call `cleanupAll()`; a crash or Ctrl-C runs the same steps
 * synchronously from the exit handler.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const pids = new Set();
const dirs = new Set();
let installed = false;

function install() {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.once(signal, () => {
      cleanupAll();
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

/** A fresh private temp dir, removed at the end of the run. */
export function makeTempDir(prefix) {
  install();
  const dir = mkdtempSync(join(tmpdir(), `mp-bench-${prefix}-`));
  dirs.add(dir);
  return dir;
}

/** Removes a temp dir made by {@link makeTempDir} now. */
export function removeTempDir(dir) {
  rmSync(dir, { recursive: true, force: true });
  dirs.delete(dir);
}

/** Remembers a long-running child's PID so that it is killed if the run ends early. */
export function trackPid(pid) {
  install();
  pids.add(pid);
}

/** Forgets a PID once its process has been stopped. */
export function untrackPid(pid) {
  pids.delete(pid);
}

/** Kills every tracked process by PID and removes every temp dir (synchronous, idempotent). */
export function cleanupAll() {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  pids.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}
