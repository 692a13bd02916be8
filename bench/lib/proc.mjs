/** Running external programs: timed, never through a shell, with a clear error when they fail. */
import { spawn } from 'node:child_process';
import { nowMs } from './stats.mjs';

const OUTPUT_LIMIT = 1 << 20;

/**
 * Runs a program to completion. Resolves with its exit code, output and wall time in ms
 * (from spawn to exit); rejects when it cannot start, exits non-zero (unless `allowFailure`),
 * or outlives `timeoutMs` (it is killed by PID then).
 */
export function run(command, args, options = {}) {
  const { cwd, env, input, timeoutMs = 300_000, allowFailure = false } = options;
  return new Promise((resolve, reject) => {
    const start = nowMs();
    const child = spawn(command, args, { cwd, env: env ?? process.env, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      if (stdout.length < OUTPUT_LIMIT) stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      if (stderr.length < OUTPUT_LIMIT) stderr += chunk;
    });
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`could not run ${command}: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      const ms = nowMs() - start;
      if ((code !== 0 || signal) && !allowFailure) {
        const detail = (stderr.trim() || stdout.trim()).split('\n').slice(-15).join('\n');
        reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit ${code}`}) after ${Math.round(ms)} ms:\n${detail}`));
        return;
      }
      resolve({ code, signal, stdout, stderr, ms });
    });
  });
}

/** The first line a program prints for its version flag, or `not installed`. */
export async function versionOf(command, args = ['--version']) {
  try {
    const { stdout, stderr } = await run(command, args, { timeoutMs: 20_000, allowFailure: true });
    return (stdout.trim() || stderr.trim()).split('\n')[0] || 'unknown';
  } catch {
    return 'not installed';
  }
}
