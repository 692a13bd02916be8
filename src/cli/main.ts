/**
 * Entry point of the `multiplatform` command. Kept tiny: the library (and undici) is loaded only
 * by the commands that talk to a registry.
 */
import * as nodeModule from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { processIo } from './io.js';
import { run } from './run.js';

// A command lives well under a second: compiling undici's WebAssembly HTTP parser with the baseline
// compiler only saves the optimising compile, which would otherwise also delay the exit.
setFlagsFromString('--liftoff-only');
// Node 22.1+ can keep compiled code of the bundle on disk between runs; older Nodes lack the call.
(nodeModule as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const code = await run(process.argv.slice(2), processIo());
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise<void>((resolve) => stream.write('', () => resolve()))));
process.exit(code);
