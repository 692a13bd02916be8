import { InvalidReferenceError, RegistryClient, parseReference, type Reference } from '../../index.js';
import { booleanFlag, stringFlag, type FlagValues } from '../args.js';
import { clientOptions, readCredentials } from '../connection.js';
import { UsageError } from '../errors.js';
import { formatInspect, inspectJson } from '../format.js';
import type { CliIo } from '../io.js';

const COMMAND = 'inspect';

/** A parsed `inspect` command line. */
export interface InspectCommand {
  positionals: string[];
  flags: FlagValues;
}

/**
 * Runs `inspect REF`: mquery's summary, or with `--raw` the manifest bytes exactly as stored, or
 * with `--json` the inspect result without the bytes; resolves to the exit status.
 */
export async function runInspect(inspect: InspectCommand, io: CliIo): Promise<number> {
  const { flags } = inspect;
  const raw = booleanFlag(flags, 'raw');
  const json = booleanFlag(flags, 'json');
  const quiet = booleanFlag(flags, 'quiet');
  if ([raw, json, quiet].filter(Boolean).length > 1) throw new UsageError('--raw, --json and --quiet cannot be combined', COMMAND);

  const name = inspect.positionals[0] ?? '';
  let ref: Reference;
  try {
    ref = parseReference(name);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new UsageError(error.message, COMMAND);
    throw error;
  }
  const credentials = await readCredentials(flags, io, COMMAND);
  if (stringFlag(flags, 'password') !== undefined && !quiet && !raw && !json) {
    io.stderr.write('multiplatform: warning: a password on the command line can be read by other users; prefer --password-stdin\n');
  }
  const client = new RegistryClient(
    clientOptions({ credentialsRegistry: ref.registry, credentials, registries: [ref.registry], flags, io, verbose: !quiet }),
  );
  const interrupts = io.watchInterrupts?.();
  const call = interrupts ? { signal: interrupts.signal } : undefined;
  try {
    if (raw) {
      const { bytes } = await client.getManifest(ref, call);
      io.stdout.write(bytes);
      return 0;
    }
    const result = await client.inspect(ref, call);
    if (json) {
      io.stdout.write(`${JSON.stringify(inspectJson(result), null, 2)}\n`);
    } else if (quiet) {
      io.stdout.write(`${result.digest}\n`);
    } else {
      const { text, hiddenAttestations } = formatInspect(result, name);
      io.stdout.write(text);
      if (hiddenAttestations > 0) {
        const what = hiddenAttestations === 1 ? 'attestation manifest' : 'attestation manifests';
        io.stderr.write(`multiplatform: note: ${hiddenAttestations} ${what} not listed (see them with --json)\n`);
      }
    }
    return 0;
  } finally {
    interrupts?.dispose();
    await client.close();
  }
}
