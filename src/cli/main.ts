/**
 * Entry point of the `multiplatform` command. Kept tiny: the library (and undici) is loaded only
 * by the commands that talk to a registry.
 */
import { processIo } from './io.js';
import { run } from './run.js';

process.exitCode = await run(process.argv.slice(2), processIo());
