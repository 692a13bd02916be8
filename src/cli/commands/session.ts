import { RegistryClient, type CallOptions } from '../../index.js';
import { stringFlag, type FlagValues } from '../args.js';
import { clientOptions, readCredentials } from '../connection.js';
import type { CliIo } from '../io.js';

/** What a command needs to talk to registries. */
export interface SessionSettings {
  command: string;
  flags: FlagValues;
  io: CliIo;
  /** The registry `--username` and `--password` are for. */
  credentialsRegistry: string;
  /** Every registry the command names (`--insecure` applies to these). */
  registries: readonly string[];
  /** No diagnostics but errors. */
  quiet: boolean;
}

/**
 * Runs `operation` with a client built from the connection flags and a signal that Ctrl-C or
 * SIGTERM aborts; the client is closed and the interrupt watch ended however it finishes.
 */
export async function withRegistryClient<T>(settings: SessionSettings, operation: (client: RegistryClient, call: CallOptions) => Promise<T>): Promise<T> {
  const { command, flags, io, quiet } = settings;
  const credentials = await readCredentials(flags, io, command);
  if (stringFlag(flags, 'password') !== undefined && !quiet) {
    io.stderr.write('multiplatform: warning: a password on the command line can be read by other users; prefer --password-stdin\n');
  }
  const client = new RegistryClient(
    clientOptions({ credentialsRegistry: settings.credentialsRegistry, credentials, registries: settings.registries, flags, io, verbose: !quiet }),
  );
  const interrupts = io.watchInterrupts?.();
  try {
    return await operation(client, interrupts ? { signal: interrupts.signal } : {});
  } finally {
    interrupts?.dispose();
    await client.close();
  }
}
