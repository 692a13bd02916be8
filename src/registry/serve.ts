import { ValidationError } from '../errors.js';
import { startRegistry } from './server.js';
import type { RegistryOptions } from './types.js';
import type { ProfileName } from './faults/profiles/index.js';

/** What {@link serveRegistry} runs: where to listen, where to keep content and whether to log requests. */
export interface ServeRegistryOptions {
  /** Port to listen on; default 0 (a free port chosen by the system). */
  port?: number;
  /** Address to listen on; default `127.0.0.1`. */
  host?: string;
  /** Keep blobs and repositories in this directory, so they survive a restart; default: in memory. */
  dir?: string;
  /** Log every request to `stderr`. */
  verbose?: boolean;
  /** Basic or token authentication, as {@link RegistryOptions.auth}; default none. */
  auth?: RegistryOptions['auth'];
  /** Behave as this real registry does where it differs from the spec (see `RegistryOptions.profile`). */
  profile?: ProfileName;
}

/** The process around {@link serveRegistry}, injected so that it can run inside a test. */
export interface ServeRegistryIo {
  /** Receives the registry's URL, alone on a line, for scripts to read. */
  stdout: { write(text: string): unknown };
  /** Receives `listening on <url>`, the request log of `verbose` and the closing line. */
  stderr: { write(text: string): unknown };
  /** Starts listening for the interrupts that stop the registry (SIGINT, SIGTERM); `dispose` stops listening. */
  watchInterrupts(): { signal: AbortSignal; dispose(): void };
}

/**
 * Runs a registry until interrupted: starts it, prints its URL, waits for the interrupt `io` reports, then
 * closes it. Resolves once closed; rejects with `ValidationError` for bad options and `NetworkError` when the
 * registry cannot listen (e.g. the port is taken).
 */
export async function serveRegistry(options: ServeRegistryOptions, io: ServeRegistryIo): Promise<void> {
  checkArguments(options, io);
  const interrupts = io.watchInterrupts();
  try {
    const registry = await startRegistry(registryOptions(options, io));
    io.stderr.write(`listening on ${registry.url}\n`);
    io.stdout.write(`${registry.url}\n`);
    const reason = await interrupted(interrupts.signal);
    io.stderr.write(`${reason}, closing\n`);
    await registry.close();
  } finally {
    interrupts.dispose();
  }
}

function registryOptions({ port, host, dir, verbose, auth, profile }: ServeRegistryOptions, io: ServeRegistryIo): RegistryOptions {
  return {
    ...(auth !== undefined ? { auth } : {}),
    ...(profile !== undefined ? { profile } : {}),
    ...(port !== undefined ? { port } : {}),
    ...(host !== undefined ? { host } : {}),
    ...(dir !== undefined ? { storage: { dir } } : {}),
    ...(verbose ? { log: (line: string) => void io.stderr.write(`${line}\n`) } : {}),
  };
}

/** Resolves with what stopped the registry, in words, once `signal` is aborted. */
function interrupted(signal: AbortSignal): Promise<string> {
  const reasonOf = (): string => (signal.reason instanceof Error && signal.reason.name !== 'AbortError' ? signal.reason.message : 'stopped');
  if (signal.aborted) return Promise.resolve(reasonOf());
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(reasonOf()), { once: true }));
}

function checkArguments(options: ServeRegistryOptions, io: ServeRegistryIo): void {
  if (options === null || typeof options !== 'object') throw new ValidationError('serveRegistry: options must be an object');
  if (options.verbose !== undefined && typeof options.verbose !== 'boolean') throw new ValidationError('serveRegistry: options.verbose must be a boolean');
  if (options.dir !== undefined && (typeof options.dir !== 'string' || options.dir === '')) {
    throw new ValidationError('serveRegistry: options.dir must be a non-empty string');
  }
  const writable = (stream: unknown): boolean => typeof (stream as { write?: unknown } | undefined)?.write === 'function';
  if (io === null || typeof io !== 'object' || !writable(io.stdout) || !writable(io.stderr) || typeof io.watchInterrupts !== 'function') {
    throw new ValidationError('serveRegistry: io needs stdout, stderr and watchInterrupts()');
  }
}
