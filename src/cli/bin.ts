/**
 * The file the `multiplatform` command starts from, built as CommonJS (dist/cli/bin.cjs).
 *
 * `multiplatform --version` is answered here, before anything else loads: Node sets up its ES
 * module loader for an ES module entry, and that alone costs `--version` about a tenth of the time
 * Node itself takes to start (on Node 22: 108 ms against 96 ms for this file, `node -e 0` being
 * 90 ms). Every other command line, `--version` among other arguments included, goes to the
 * command itself (main.js), which parses it fully.
 */
import { VERSION } from '../version.js';

const args = process.argv.slice(2);
if (args.length === 1 && args[0] === '--version') {
  process.stdout.write(`${VERSION}\n`);
} else {
  // Node 22.1+ keeps the compiled code of the command's files between runs, when asked before
  // they load (main.js asks again, for when it is run directly; older Nodes lack the call).
  if (!process.env.NODE_DISABLE_COMPILE_CACHE) (require('node:module') as { enableCompileCache?: () => unknown }).enableCompileCache?.();
  // main.js is an ES module with top-level await: `import()`, never `require()`. A file that fails to
  // load is reported as Node reports an entry point that fails, and the command exits 1.
  import('./main.js').catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  });
}
