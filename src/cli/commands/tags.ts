import { parseReference, type Reference } from '../../index.js';
import { booleanFlag, stringFlag } from '../args.js';
import { UsageError } from '../errors.js';
import { formatPush, formatTagList, writeJson } from '../format.js';
import type { CliIo } from '../io.js';
import { escapeValue } from '../terminal-text.js';
import { newTagOperand, referenceOperand, type LifecycleCommand } from './operands.js';
import { withRegistryClient } from './session.js';
import { checkMetadataFlag, outputMode, reportWrite } from './write-report.js';

/** Runs `tag REF NEWTAG…`: one read of the manifest, then writes of the same bytes (one for all tags where the registry takes `?tag=`). */
export async function runTag({ positionals, flags }: LifecycleCommand, io: CliIo): Promise<number> {
  const command = 'tag';
  const mode = outputMode(flags, command);
  const [source = '', ...given] = positionals;
  const ref = referenceOperand(source, 'REF', command);
  const tags = given.map((tag) => newTagOperand(tag, ref, command));
  await checkMetadataFlag(flags, command);
  const settings = { command, flags, io, credentialsRegistry: ref.registry, registries: [ref.registry], quiet: mode !== 'text' };
  const result = await withRegistryClient(settings, (client, call) => client.tag(ref, ...tags, call));
  const written = { ...result, dryRun: false };
  const shown = (reference: string): string => parseReference(reference).familiar();
  return reportWrite({ ...written, references: result.tags, json: writeJson(written), text: formatPush(written, shown) }, mode, flags, io);
}

/** A reference that names exactly a tag: `untag` never deletes by digest. */
function tagToRemove(value: string, command: string): Reference {
  const ref = referenceOperand(value, 'REF', command);
  if (ref.digest !== undefined) {
    throw new UsageError(`untag removes a tag, and ${value} names a digest; it never deletes a manifest (give REPO:TAG)`, command);
  }
  if (ref.tag === undefined) throw new UsageError(`untag needs a tag: ${value} names none (give REPO:TAG)`, command);
  return ref;
}

/** Runs `untag REF`: the tag goes; its manifest and the manifest's other tags stay. */
export async function runUntag({ positionals, flags }: LifecycleCommand, io: CliIo): Promise<number> {
  const command = 'untag';
  const quiet = booleanFlag(flags, 'quiet');
  const ref = tagToRemove(positionals[0] ?? '', command);
  const settings = { command, flags, io, credentialsRegistry: ref.registry, registries: [ref.registry], quiet };
  const { method } = await withRegistryClient(settings, (client, call) => client.deleteTag(ref, call));
  if (quiet) return 0;
  if (method === 'overwrite-and-delete') {
    io.stderr.write('multiplatform: note: the registry does not delete tags, so a placeholder manifest was pushed to the tag and deleted by its digest\n');
  }
  io.stdout.write(`Untagged: ${escapeValue(ref.familiar())}\n`);
  return 0;
}

/** `--filter` as a regular expression. */
function tagFilter(flags: LifecycleCommand['flags'], command: string): RegExp | undefined {
  const source = stringFlag(flags, 'filter');
  if (source === undefined) return undefined;
  try {
    return new RegExp(source);
  } catch (error) {
    throw new UsageError(`--filter ${JSON.stringify(source)} is not a regular expression: ${(error as Error).message}`, command);
  }
}

/** Runs `ls REPO [--filter REGEX]`: the tags, one a line, in the registry's order. */
export async function runLs({ positionals, flags }: LifecycleCommand, io: CliIo): Promise<number> {
  const command = 'ls';
  const value = positionals[0] ?? '';
  const repo = referenceOperand(value, 'REPO', command);
  if (repo.tag !== undefined || repo.digest !== undefined) throw new UsageError(`ls takes a repository, and ${value} names a tag or digest`, command);
  const filter = tagFilter(flags, command);
  const settings = { command, flags, io, credentialsRegistry: repo.registry, registries: [repo.registry], quiet: false };
  const tags = await withRegistryClient(settings, (client, call) => client.listTags(repo, { ...call, ...(filter ? { filter } : {}) }));
  io.stdout.write(formatTagList(tags));
  return 0;
}
