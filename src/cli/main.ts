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
  // A command lives well under a second: compiling undici's WebAssembly HTTP parser with the
  // baseline compiler only saves the optimising compile, which would otherwise also delay the exit.
  process.getBuiltinModule('node:v8').setFlagsFromString('--liftoff-only');
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
