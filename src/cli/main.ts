/**
 * Entry point of the `multiplatform` command. Kept tiny: the library (and undici) is loaded only
 * by the commands that talk to a registry.
 */
import { preloadWithCodeCache } from './code-cache.js';
import { processIo } from './io.js';
import { run } from './run.js';

/**
 * Set up before a command loads its code; `--version` and `--help` skip it, as `node:v8` alone
 * (it loads `node:stream`) costs them more than a tenth of their time.
 */
function prepareForCommand(command: readonly string[]): void {
  // A command lives well under a second: undici's WebAssembly HTTP parser is compiled with the
  // baseline compiler only. Its main function is otherwise optimised on a background thread (≈ 0.25 s
  // of CPU and 25 MB), which the exit then waits for. `--liftoff-only` stops that up to V8 12 (Node
  // 20, 22); V8 13 (Node 24) tiers up regardless, unless the function's tiering budget is never spent.
  const v8 = process.getBuiltinModule('node:v8');
  v8.setFlagsFromString('--liftoff-only');
  // (A flag the running V8 does not know is reported on stderr: both exist in V8 11.3 to 13.6.)
  v8.setFlagsFromString(`--wasm-tiering-budget=${2 ** 31 - 1}`);
  if (process.env.NODE_DISABLE_COMPILE_CACHE) return;
  // Node 22.1+ can keep compiled code of the bundle on disk between runs; older Nodes lack the call.
  (process.getBuiltinModule('node:module') as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  // undici's parts (required at the first request) with a code cache of what the last run compiled;
  // the embedded registry sends no request.
  if (command[0] !== 'registry') {
    preloadWithCodeCache(process.getBuiltinModule('node:url').fileURLToPath(new URL('../undici-parts.cjs', import.meta.url)), process.env);
  }
}

const code = await run(process.argv.slice(2), { ...processIo(), beforeCommand: prepareForCommand });
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))));
process.exit(code);
