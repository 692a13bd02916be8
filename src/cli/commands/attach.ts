import { stat } from 'node:fs/promises';
import { isMediaType } from '../../oci/index.js';
import { booleanFlag, listFlag, stringFlag, type FlagValues } from '../args.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';
import { escapeValue } from '../terminal-text.js';
import { referenceOperand, type LifecycleCommand } from './operands.js';
import { withRegistryClient } from './session.js';

const COMMAND = 'attach';

/** A media type flag's value, checked; undefined when the flag is absent. */
export function mediaTypeFlag(flags: FlagValues, name: string, command: string): string | undefined {
  const value = stringFlag(flags, name);
  if (value !== undefined && !isMediaType(value)) {
    throw new UsageError(`--${name} must be a media type such as application/vnd.example.sbom.v1+json, got ${JSON.stringify(value)}`, command);
  }
  return value;
}

/** `--annotation KEY=VALUE…` as an object; a key given twice or without `=` is a usage error. */
function annotationFlags(values: readonly string[] | undefined): Record<string, string> | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const annotations: Record<string, string> = {};
  for (const value of values) {
    const separator = value.indexOf('=');
    if (separator <= 0) throw new UsageError(`--annotation needs KEY=VALUE, got ${JSON.stringify(value)}`, COMMAND);
    const key = value.slice(0, separator);
    if (Object.hasOwn(annotations, key)) throw new UsageError(`--annotation ${key} is given twice`, COMMAND);
    annotations[key] = value.slice(separator + 1);
  }
  return annotations;
}

/** Each FILE must be a readable regular file before anything is sent. */
async function checkFiles(paths: readonly string[]): Promise<void> {
  for (const path of paths) {
    let isFile: boolean;
    try {
      isFile = (await stat(path)).isFile();
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new UsageError(`FILE ${path}: ${code === 'ENOENT' ? 'no such file' : (error as Error).message}`, COMMAND);
    }
    if (!isFile) throw new UsageError(`FILE ${path} is not a regular file`, COMMAND);
  }
}

/**
 * Runs `attach REF --artifact-type T [--annotation K=V…] [--file-type M] FILE…`: pushes the files as
 * an artifact whose subject is REF, into REF's repository; prints the artifact's digest (with
 * `--json`, its descriptor and the reference it was pushed to).
 */
export async function runAttach({ positionals, flags }: LifecycleCommand, io: CliIo): Promise<number> {
  const [refText = '', ...files] = positionals;
  const subject = referenceOperand(refText, 'REF', COMMAND);
  const artifactType = mediaTypeFlag(flags, 'artifact-type', COMMAND);
  if (artifactType === undefined) throw new UsageError('attach needs --artifact-type, e.g. --artifact-type application/spdx+json', COMMAND);
  const fileType = mediaTypeFlag(flags, 'file-type', COMMAND);
  const annotations = annotationFlags(listFlag(flags, 'annotation'));
  if (files.length === 0 && annotations === undefined) throw new UsageError('attach needs a FILE or an --annotation: an artifact with neither says nothing', COMMAND);
  await checkFiles(files);
  const json = booleanFlag(flags, 'json');

  const settings = { command: COMMAND, flags, io, credentialsRegistry: subject.registry, registries: [subject.registry], quiet: json };
  const pushed = await withRegistryClient(settings, (client, call) =>
    client.pushArtifact({
      ...call,
      subject,
      artifactType,
      files: files.map((path) => (fileType === undefined ? path : { path, mediaType: fileType })),
      ...(annotations ? { annotations } : {}),
    }),
  );
  const reference = subject.atDigest(pushed.digest).familiar();
  if (json) {
    io.stdout.write(`${JSON.stringify({ ...pushed, reference }, null, 2)}\n`);
    return 0;
  }
  io.stderr.write(`multiplatform: attached ${escapeValue(artifactType)} to ${escapeValue(subject.familiar())}: ${escapeValue(reference)}\n`);
  io.stdout.write(`${escapeValue(pushed.digest)}\n`);
  return 0;
}
