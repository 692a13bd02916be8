import { booleanFlag, stringFlag, type FlagValues } from '../args.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { buildxMetadata, checkMetadataDirectory, writeMetadataFile } from '../metadata-file.js';

/** How a write is reported: text for people, `--json`, or `-q` (the digest alone). */
export type OutputMode = 'text' | 'json' | 'quiet';

/** The output mode of a command with `--json` and `-q`, which exclude each other. */
export function outputMode(flags: FlagValues, command: string): OutputMode {
  const json = booleanFlag(flags, 'json');
  const quiet = booleanFlag(flags, 'quiet');
  if (json && quiet) throw new UsageError('--json and --quiet cannot be used together', command);
  return json ? 'json' : quiet ? 'quiet' : 'text';
}

/** Checks, before anything is written to a registry, that `--metadata-file` can be created where it names. */
export async function checkMetadataFlag(flags: FlagValues, command: string): Promise<void> {
  const file = stringFlag(flags, 'metadata-file');
  if (file === undefined) return;
  const problem = file === '' ? 'needs a file name' : await checkMetadataDirectory(file);
  if (problem !== undefined) throw new UsageError(`--metadata-file ${problem}`, command);
}

/** A finished write, ready to be shown in each mode. */
export interface WriteReport {
  digest: string;
  mediaType: string;
  size: number;
  dryRun: boolean;
  /** Full references written, for `--metadata-file`. */
  references: readonly string[];
  /** What `--json` prints. */
  json: Record<string, unknown>;
  /** What the text mode prints on stdout. */
  text: string;
  /** What the text mode prints on stderr first (the plan, the entries changed). */
  notes?: string;
}

/**
 * Prints a write in the chosen mode, then, unless it was a dry run, writes `--metadata-file`.
 * A metadata file that cannot be written fails the command (exit 1) after the result is shown,
 * saying that the registry write itself succeeded.
 */
export async function reportWrite(report: WriteReport, mode: OutputMode, flags: FlagValues, io: CliIo): Promise<number> {
  if (mode === 'json') io.stdout.write(`${JSON.stringify(report.json, null, 2)}\n`);
  else if (mode === 'quiet') io.stdout.write(`${report.digest}\n`);
  else {
    if (report.notes) io.stderr.write(report.notes);
    io.stdout.write(report.text);
  }
  const file = stringFlag(flags, 'metadata-file');
  if (file === undefined || report.dryRun) return 0;
  try {
    await writeMetadataFile(file, buildxMetadata(report, report.references));
  } catch (error) {
    throw new Error(`${report.digest} was written, but the metadata file ${file} could not be: ${(error as Error).message}`, { cause: error });
  }
  return 0;
}
