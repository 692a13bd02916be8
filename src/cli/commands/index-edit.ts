import { parseReference, type EditManifestListOptions, type EditManifestListResult } from '../../index.js';
import { booleanFlag, listFlag } from '../args.js';
import { UsageError } from '../errors.js';
import { editJson, formatEdit, formatEditChanges } from '../format.js';
import type { CliIo } from '../io.js';
import { digestOperands, platformOperands, referenceOperand, type LifecycleCommand } from './operands.js';
import { withRegistryClient } from './session.js';
import { checkMetadataFlag, outputMode, reportWrite, type OutputMode } from './write-report.js';

/** The three edits: `add` and `replace` take sources, `remove` takes `--platform` and `--digest`. */
export type IndexEdit = 'add' | 'replace' | 'remove';

/** The options of `editManifestList` the command line asks for, every operand checked. */
export function editOptions(edit: IndexEdit, { positionals, flags }: LifecycleCommand): EditManifestListOptions {
  const command = `index ${edit}`;
  const common = { ...(booleanFlag(flags, 'dry-run') ? { dryRun: true } : {}), ...(booleanFlag(flags, 'force') ? { force: true } : {}) };
  if (edit !== 'remove') {
    const sources = positionals.slice(1);
    for (const source of sources) referenceOperand(source, 'SOURCE', command);
    return { [edit]: sources, ...common };
  }
  const remove = [...platformOperands(listFlag(flags, 'platform'), command), ...digestOperands(listFlag(flags, 'digest'), command)];
  if (remove.length === 0) throw new UsageError('index remove needs --platform or --digest to say which entries to remove', command);
  return { remove, ...common };
}

/** The library's "moved tag" error, told in the command's words. */
function withForceFlag(error: unknown): unknown {
  if (!(error instanceof Error) || !error.message.endsWith('pass force to overwrite')) return error;
  return new Error(error.message.replace(/pass force to overwrite$/, 'run again with --force to overwrite'), { cause: error });
}

function report(result: EditManifestListResult, mode: OutputMode) {
  const written = parseReference(result.written);
  return {
    ...result,
    references: [result.written],
    json: editJson(result),
    text: formatEdit(result, { shown: written.familiar(), byTag: written.tag !== undefined }),
    ...(mode === 'text' ? { notes: formatEditChanges(result) } : {}),
  };
}

/** Runs `index add|replace REF SOURCE…` or `index remove REF (--platform P | --digest D)…`; resolves to the exit status. */
export async function runIndexEdit(edit: IndexEdit, command: LifecycleCommand, io: CliIo): Promise<number> {
  const name = `index ${edit}`;
  const mode = outputMode(command.flags, name);
  const named = referenceOperand(command.positionals[0] ?? '', 'REF', name);
  // As everywhere in Docker, a REF with neither tag nor digest means its `latest` tag (written back there).
  const ref = named.tag === undefined && named.digest === undefined ? named.withTag('latest') : named;
  const options = editOptions(edit, command);
  await checkMetadataFlag(command.flags, name);
  const registries = [ref.registry, ...command.positionals.slice(1).map((s) => parseReference(s).registry)];
  const settings = { command: name, flags: command.flags, io, credentialsRegistry: ref.registry, registries, quiet: mode !== 'text' };
  const result = await withRegistryClient(settings, (client, call) => client.editManifestList(ref, options, call).catch((error: unknown) => Promise.reject(withForceFlag(error))));
  return reportWrite(report(result, mode), mode, command.flags, io);
}
