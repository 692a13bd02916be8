import { readFile } from 'node:fs/promises';
import {
  isMissingChildrenError,
  InvalidReferenceError,
  RegistryClient,
  ValidationError,
  parsePlatform,
  parseReference,
  type ManifestListSpec,
  type Reference,
} from '../../index.js';
import { validateTag } from '../../oci/index.js';
import { booleanFlag, listFlag, splitList, stringFlag, type FlagValues } from '../args.js';
import { clientOptions, readCredentials } from '../connection.js';
import { MultiLineError, UsageError } from '../errors.js';
import { formatDryRun, formatPlan, formatPush, pushJson } from '../format.js';
import type { CliIo } from '../io.js';
import { createProgressDisplay } from '../progress.js';
import { parseSpecFile } from '../spec-file.js';
import { withChildNames } from '../child-names.js';
import { expandTemplate, hasPlaceholder } from '../template.js';

/** A parsed `push from-spec` or `push from-args` command line. */
export interface PushCommand {
  mode: 'from-spec' | 'from-args';
  positionals: string[];
  flags: FlagValues;
}

function parseRef(value: string, what: string, command: string): Reference {
  try {
    return parseReference(value);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new UsageError(`${what}: ${error.message}`, command);
    throw error;
  }
}

/** What `push from-spec -` calls standard input in messages. */
const STDIN_NAME = '<stdin>';

async function specFromFile(file: string, io: CliIo, flags: FlagValues): Promise<ManifestListSpec> {
  if (file === '-') {
    if (booleanFlag(flags, 'password-stdin')) {
      throw new UsageError('the spec (-) and --password-stdin cannot both be read from standard input', 'push from-spec');
    }
    return parseSpec(await io.readStdin(), STDIN_NAME);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`cannot read spec file ${file}: ${reason}`, 'push from-spec');
  }
  return parseSpec(text, file);
}

function parseSpec(text: string, file: string): ManifestListSpec {
  return parseSpecFile(text, file, { reference: (value) => void parseReference(value), tag: (value) => void validateTag(value) });
}

/**
 * Builds the spec of `push from-args`: one child per platform, its image the template expanded
 * for that platform, its platform the one given (as manifest-tool does).
 */
export function specFromArgs(flags: FlagValues): ManifestListSpec {
  const command = 'push from-args';
  const platforms = splitList(listFlag(flags, 'platforms'), 'platforms', command);
  const template = stringFlag(flags, 'template');
  const target = stringFlag(flags, 'target');
  const missing = [platforms.length === 0 && '--platforms', template === undefined && '--template', target === undefined && '--target'].filter(Boolean);
  if (missing.length > 0 || template === undefined || target === undefined) {
    throw new UsageError(`push from-args needs ${missing.join(', ')}`, command);
  }
  if (!hasPlaceholder(template) && platforms.length > 1) {
    throw new UsageError(`--template ${JSON.stringify(template)} has no OS, ARCH or VARIANT placeholder, so every platform would get the same image`, command);
  }
  const manifests = platforms.map((text) => {
    let platform;
    try {
      platform = parsePlatform(text);
    } catch (error) {
      if (error instanceof ValidationError) throw new UsageError(`--platforms: ${error.message}`, command);
      throw error;
    }
    const image = expandTemplate(template, platform);
    parseRef(image, `--template expanded for ${text}`, command);
    return { image, platform };
  });
  const tags = splitList(listFlag(flags, 'tags'), 'tags', command);
  for (const tag of tags) {
    try {
      validateTag(tag);
    } catch (error) {
      throw new UsageError(`--tags: ${(error as Error).message}`, command);
    }
  }
  parseRef(target, '--target', command);
  return { image: target, manifests, ...(tags.length > 0 ? { tags } : {}) };
}

function applyFlags(spec: ManifestListSpec, flags: FlagValues, command: string): ManifestListSpec {
  const type = stringFlag(flags, 'type');
  if (type !== undefined && type !== 'oci' && type !== 'docker') {
    throw new UsageError(`--type must be oci or docker, got ${JSON.stringify(type)}`, command);
  }
  return {
    ...spec,
    ...(type ? { mediaType: type } : {}),
    ...(booleanFlag(flags, 'dry-run') ? { dryRun: true } : {}),
    ...(booleanFlag(flags, 'ignore-missing') ? { ignoreMissing: true } : {}),
    ...(booleanFlag(flags, 'no-verify-platforms') ? { verifyPlatforms: false } : {}),
  };
}

/** Rewrites the missing-images error for the command line: one image a line, and the flag that skips them. */
function withCliHint(error: unknown, ignoringMissing: boolean): unknown {
  if (!isMissingChildrenError(error)) return error;
  const { missing, total } = error;
  const head = missing.length === 1 && total === 1 ? 'the image was not found:' : `${missing.length} of ${total} images ${missing.length === 1 ? 'was' : 'were'} not found:`;
  const lines = [head, ...missing.map((ref) => `  ${ref}`)];
  if (!ignoringMissing && missing.length < total) lines.push('  (use --ignore-missing to push the list without them)');
  return new MultiLineError(lines.join('\n'), { cause: error });
}

/** Runs `push from-spec` or `push from-args`; resolves to the exit status. */
export async function runPush(push: PushCommand, io: CliIo): Promise<number> {
  const command = `push ${push.mode}`;
  const { flags } = push;
  const json = booleanFlag(flags, 'json');
  const quiet = booleanFlag(flags, 'quiet');
  if (json && quiet) throw new UsageError('--json and --quiet cannot be used together', command);

  const file = push.positionals[0] ?? '';
  const spec = applyFlags(push.mode === 'from-spec' ? await specFromFile(file, io, flags) : specFromArgs(flags), flags, command);
  const target = parseRef(spec.image, 'image', command);
  const children = spec.manifests.map((child) => parseRef(child.image, 'image', command));
  const credentials = await readCredentials(flags, io, command);
  if (stringFlag(flags, 'password') !== undefined && !quiet) {
    io.stderr.write('multiplatform: warning: a password on the command line can be read by other users; prefer --password-stdin\n');
  }

  const client = new RegistryClient(
    clientOptions({
      credentialsRegistry: target.registry,
      credentials,
      registries: [target.registry, ...children.map((c) => c.registry)],
      flags,
      io,
      verbose: !quiet,
    }),
  );
  const interrupts = io.watchInterrupts?.();
  const display = createProgressDisplay(io, quiet || json ? 'quiet' : 'auto');
  let result;
  try {
    result = await client.pushManifestList(spec, { ...(interrupts ? { signal: interrupts.signal } : {}), onProgress: display.listener });
  } catch (error) {
    throw withCliHint(await withChildNames(error, client, spec.manifests.map((child) => child.image)), spec.ignoreMissing === true);
  } finally {
    display.finish();
    interrupts?.dispose();
    await client.close();
  }

  const tagRef = (tag: string): string => (/[/:@]/.test(tag) ? tag : target.withTag(tag).familiar());
  if (!quiet && !json) {
    for (const skipped of result.skipped) io.stderr.write(`multiplatform: warning: skipped missing image ${skipped}\n`);
  }
  if (json) {
    io.stdout.write(`${JSON.stringify(pushJson(result, { ignoreMissing: spec.ignoreMissing === true }), null, 2)}\n`);
  } else if (quiet) {
    io.stdout.write(`${result.digest}\n`);
  } else if (result.dryRun) {
    io.stdout.write(formatDryRun(result, tagRef));
  } else {
    const plan = formatPlan(result.plan);
    if (plan) io.stderr.write(`multiplatform: ${result.plan.length} image${result.plan.length === 1 ? '' : 's'} in the list:\n${plan}`);
    io.stdout.write(formatPush(result, tagRef));
  }
  return 0;
}
