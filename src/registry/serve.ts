import { startRegistry } from './server.js';
import type { RegistryOptions } from './types.js';

const USAGE = `Usage: multiplatform registry [--port N] [--host H] [--dir DIR] [--verbose]

Runs an OCI registry (distribution-spec v1.1, plain HTTP) until interrupted.

Options:
  --port N     port to listen on (default 0: any free port)
  --host H     address to listen on (default 127.0.0.1)
  --dir DIR    keep blobs and repositories in DIR, so they survive a restart (default: in memory)
  --verbose    log every request to stderr
  --help       show this help
`;

/** Where {@link runRegistryCommand} writes, and an optional way to stop it other than a signal. */
export interface RegistryCommandIo {
  stdout?: { write(text: string): unknown };
  stderr?: { write(text: string): unknown };
  /** Stops the registry like SIGINT would. */
  signal?: AbortSignal;
}

type Parsed = { help: true } | { help: false; options: RegistryOptions; verbose: boolean };

function parseArgs(argv: string[]): Parsed {
  const options: RegistryOptions = {};
  let verbose = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq !== -1 ? arg.slice(0, eq) : arg;
    const inline = arg.startsWith('--') && eq !== -1 ? arg.slice(eq + 1) : undefined;
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new Error(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        return { help: true };
      case '--port': {
        const text = value();
        const port = Number(text);
        if (!/^\d+$/.test(text) || port > 65535) throw new Error(`--port must be a number from 0 to 65535, got ${JSON.stringify(text)}`);
        options.port = port;
        break;
      }
      case '--host':
        options.host = value();
        break;
      case '--dir':
        options.storage = { dir: value() };
        break;
      case '--verbose':
        verbose = true;
        break;
      default:
        throw new Error(`unknown argument ${JSON.stringify(arg)}`);
    }
  }
  return { help: false, options, verbose };
}

/**
 * The `registry` command: starts a registry, prints `listening on <url>` to stderr and the URL to stdout,
 * and serves until SIGINT or SIGTERM. Resolves to the exit code (0 after a clean stop, 2 for bad arguments,
 * 1 when the registry cannot start).
 */
export async function runRegistryCommand(argv: string[], io: RegistryCommandIo = {}): Promise<number> {
  const streams = { stdout: io.stdout ?? process.stdout, stderr: io.stderr ?? process.stderr };
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    streams.stderr.write(`multiplatform registry: ${(e as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (parsed.help) {
    streams.stdout.write(USAGE);
    return 0;
  }
  const options: RegistryOptions = {
    ...parsed.options,
    ...(parsed.verbose ? { log: (line: string) => void streams.stderr.write(`${line}\n`) } : {}),
  };
  let registry;
  try {
    registry = await startRegistry(options);
  } catch (e) {
    streams.stderr.write(`multiplatform registry: ${(e as Error).message}\n`);
    return 1;
  }
  streams.stderr.write(`listening on ${registry.url}\n`);
  streams.stdout.write(`${registry.url}\n`);
  const reason = await new Promise<string>((resolve) => {
    const stop = (received: string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      io.signal?.removeEventListener('abort', onAbort);
      resolve(received);
    };
    const onAbort = (): void => stop('abort');
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
    if (io.signal?.aborted) stop('abort');
    else io.signal?.addEventListener('abort', onAbort);
  });
  streams.stderr.write(`${reason === 'abort' ? 'stopped' : `received ${reason}`}, closing\n`);
  await registry.close();
  return 0;
}
