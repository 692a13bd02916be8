import { InvalidDigestError, InvalidReferenceError, ValidationError, parseDigest, parsePlatform, parseReference, type Reference } from '../../index.js';
import { validateTag } from '../../oci/index.js';
import { splitList, type FlagValues } from '../args.js';
import { UsageError } from '../errors.js';

/**
 * The operands of the index-lifecycle commands, checked before any request: a malformed
 * reference, platform, digest or tag is a usage error (exit status 2) that names the argument.
 */

/** A parsed command line of one of the index-lifecycle commands. */
export interface LifecycleCommand {
  positionals: string[];
  flags: FlagValues;
}

/** Runs `parse`; a malformed input it reports becomes a {@link UsageError} about `what`. */
function asUsage<T>(parse: () => T, what: string, command: string): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof InvalidReferenceError || error instanceof InvalidDigestError || error instanceof ValidationError) throw new UsageError(`${what}: ${error.message}`, command);
    throw error;
  }
}

/** A reference argument (`REF`, `SOURCE`, `-t`). */
export function referenceOperand(value: string, what: string, command: string): Reference {
  return asUsage(() => parseReference(value), what, command);
}

/** The platforms of a repeatable, comma-separated `--platform`, each checked; empty when not given. */
export function platformOperands(values: readonly string[] | undefined, command: string): string[] {
  const platforms = splitList(values, 'platform', command);
  for (const platform of platforms) asUsage(() => parsePlatform(platform), '--platform', command);
  return platforms;
}

/** The digests of a repeatable `--digest`, each checked. */
export function digestOperands(values: readonly string[] | undefined, command: string): string[] {
  return (values ?? []).map((value) => asUsage(() => parseDigest(value), '--digest', command));
}

/**
 * A new tag for the repository of `ref`: a bare tag (`1.0`) or a full reference in the same
 * repository (`reg.example/app:1.0`), which must name a tag and no digest.
 */
export function newTagOperand(value: string, ref: Reference, command: string): string {
  if (!/[/:@]/.test(value)) return asUsage(() => validateTag(value), 'NEWTAG', command);
  const named = referenceOperand(value, 'NEWTAG', command);
  const repository = (r: Reference) => `${r.registry}/${r.repository}`;
  if (repository(named) !== repository(ref)) {
    throw new UsageError(`NEWTAG ${value} is in another repository; tag writes only in the repository of REF (${ref.familiar()})`, command);
  }
  if (named.digest !== undefined || named.tag === undefined) throw new UsageError(`NEWTAG ${value} must name a tag and no digest`, command);
  return named.tag;
}

/** `--type oci|docker`, or undefined when not given. */
export function indexTypeOperand(value: string | undefined, command: string): 'oci' | 'docker' | undefined {
  if (value === undefined || value === 'oci' || value === 'docker') return value;
  throw new UsageError(`--type must be oci or docker, got ${JSON.stringify(value)}`, command);
}
