import { RegistryClient, planLines, parseReference, type CopyResult } from '../../index.js';
import { booleanFlag, listFlag, splitList, stringFlag, type FlagValues } from '../args.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { createProgressDisplay, type ProgressMode } from '../progress.js';
import { withRegistryClient } from './session.js';

export interface CopyCommand {
  positionals: string[];
  flags: FlagValues;
}

/**
 * Runs `copy SOURCE TARGET`: prints the plan, then the progress, then the digest written. Ctrl-C
 * cancels the copy (its upload sessions are cancelled); `run` then reports the interrupt and exits 130.
 */
export async function runCopy({ positionals, flags }: CopyCommand, io: CliIo): Promise<number> {
  const command = 'copy';
  const [source = '', target = ''] = positionals;
  const quiet = booleanFlag(flags, 'quiet');
  const mode = progressMode(stringFlag(flags, 'progress'), quiet, command);
  const platforms = splitList(listFlag(flags, 'platform'), 'platform', command);
  const unwrap = booleanFlag(flags, 'unwrap');
  if (unwrap && platforms.length !== 1) throw new UsageError('--unwrap copies one platform: give exactly one --platform', command);
  const tags = listFlag(flags, 'tag') ?? [];
  const registries = [source, target].filter((end) => !end.startsWith('oci:')).map((end) => registryOf(end, command));
  const settings = { command, flags, io, credentialsRegistry: registryOf(target, command, registries[0]), registries, quiet };
  const display = createProgressDisplay(io, mode);
  let result: CopyResult;
  try {
    result = await withRegistryClient(settings, async (client: RegistryClient, call) => {
      try {
        return await client.copy(source, target, {
          ...call,
          ...(platforms.length > 0 ? { platforms } : {}),
          unwrap,
          referrers: booleanFlag(flags, 'referrers'),
          tags,
          dryRun: booleanFlag(flags, 'dry-run'),
          onProgress: display.listener,
          onPlan: (plan) => display.plan(planLines(plan)),
        });
      } catch (error) {
        if (call.signal?.aborted) {
          display.finish();
          io.stderr.write('multiplatform: copy cancelled; upload sessions were cancelled, and no tag was written\n');
        }
        throw error;
      }
    });
  } finally {
    display.finish();
  }
  if (quiet) {
    io.stdout.write(`${result.digest}\n`);
    return 0;
  }
  const written = result.tags.length > 0 ? result.tags.join(', ') : 'by digest only';
  const verb = result.dryRun ? 'Would copy' : 'Copied';
  io.stdout.write(`${verb} ${result.digest} (${written})${result.rewritten ? `, rewritten: ${result.rewritten}` : ''}\n`);
  if (result.referrers.length > 0) io.stdout.write(`Referrers: ${result.referrers.length}\n`);
  return 0;
}

function progressMode(value: string | undefined, quiet: boolean, command: string): ProgressMode {
  if (quiet) return 'quiet';
  if (value === undefined) return 'auto';
  if (value === 'auto' || value === 'plain' || value === 'quiet') return value;
  throw new UsageError(`--progress must be auto, plain or quiet, not ${JSON.stringify(value)}`, command);
}

/** The registry of a registry end; an `oci:` end has none (`fallback` then). */
function registryOf(end: string, command: string, fallback = ''): string {
  if (end.startsWith('oci:')) return fallback;
  try {
    return parseReference(end).registry;
  } catch (error) {
    throw new UsageError(`${end} is neither a registry reference nor oci:DIR[:TAG]: ${(error as Error).message}`, command);
  }
}
