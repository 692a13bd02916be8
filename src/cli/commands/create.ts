import { ValidationError, parseReference, type CreateManifestListOptions, type CreateManifestListResult } from '../../index.js';
import { booleanFlag, listFlag, stringFlag } from '../args.js';
import { withChildNames } from '../child-names.js';
import { UsageError } from '../errors.js';
import { formatDryRun, formatPlan, formatPush, writeJson } from '../format.js';
import type { CliIo } from '../io.js';
import { indexTypeOperand, platformOperands, referenceOperand, type LifecycleCommand } from './operands.js';
import { withRegistryClient } from './session.js';
import { checkMetadataFlag, outputMode, reportWrite, type OutputMode } from './write-report.js';

const COMMAND = 'create';

/** The options of `createManifestList` the command line asks for, every operand checked. */
export function createOptions({ positionals, flags }: LifecycleCommand): CreateManifestListOptions {
  const tags = listFlag(flags, 'tag') ?? [];
  if (tags.length === 0) throw new UsageError('create needs at least one -t REF to write the index to', COMMAND);
  for (const tag of tags) {
    if (referenceOperand(tag, '-t', COMMAND).digest !== undefined) throw new UsageError(`-t ${tag} names a digest; give a tag to write the index to`, COMMAND);
  }
  for (const source of positionals) referenceOperand(source, 'SOURCE', COMMAND);
  const platforms = platformOperands(listFlag(flags, 'platform'), COMMAND);
  const annotations = listFlag(flags, 'annotation');
  const mediaType = indexTypeOperand(stringFlag(flags, 'type'), COMMAND);
  return {
    tags,
    sources: positionals,
    ...(platforms.length > 0 ? { platforms } : {}),
    ...(annotations ? { annotations } : {}),
    ...(mediaType ? { mediaType } : {}),
    ...(booleanFlag(flags, 'append') ? { append: true } : {}),
    ...(booleanFlag(flags, 'dry-run') ? { dryRun: true } : {}),
  };
}

/** An annotation the library refuses is the command line's mistake: exit 2, named by its flag. */
function annotationUsage(error: unknown): unknown {
  return error instanceof ValidationError && error.message.startsWith('annotation') ? new UsageError(`--annotation: ${error.message}`, COMMAND) : error;
}

const familiar = (reference: string): string => parseReference(reference).familiar();

function report(result: CreateManifestListResult, mode: OutputMode) {
  const count = result.children.length;
  const notes = mode === 'text' && !result.dryRun ? `multiplatform: ${count} entr${count === 1 ? 'y' : 'ies'} in the index:\n${formatPlan(result.plan)}` : undefined;
  return {
    ...result,
    references: result.tags,
    json: writeJson(result),
    text: result.dryRun ? formatDryRun(result, familiar) : formatPush(result, familiar),
    ...(notes ? { notes } : {}),
  };
}

/** Runs `create -t REF… SOURCE…`; resolves to the exit status. */
export async function runCreate(command: LifecycleCommand, io: CliIo): Promise<number> {
  const mode = outputMode(command.flags, COMMAND);
  const options = createOptions(command);
  await checkMetadataFlag(command.flags, COMMAND);
  const first = referenceOperand(options.tags[0] as string, '-t', COMMAND);
  const registries = [...options.tags, ...command.positionals].map((r) => parseReference(r).registry);
  const settings = { command: COMMAND, flags: command.flags, io, credentialsRegistry: first.registry, registries, quiet: mode !== 'text' };
  const result = await withRegistryClient(settings, (client, call) =>
    client.createManifestList(options, call).catch(async (error: unknown) => Promise.reject(annotationUsage(await withChildNames(error, client, command.positionals)))),
  );
  return reportWrite(report(result, mode), mode, command.flags, io);
}
