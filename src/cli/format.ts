import { formatPlatform, type InspectResult, type PlannedChild, type PushManifestListResult } from '../index.js';
import { escapeValue } from './terminal-text.js';

/**
 * Output of the commands, as text for people and as JSON for programs. Pure functions of the
 * library's results; nothing here does I/O. Every value put into a line of text goes through
 * `escapeValue`, since most come from a registry: a platform holding `\r\n` must not add a line.
 */

/** `inspect` for people, in mquery's shape, and how many attestation entries it left out. */
export interface InspectText {
  text: string;
  hiddenAttestations: number;
}

/**
 * Formats an inspect result the way mquery prints it:
 *
 * ```
 * Image: golang:1.22
 *  * Manifest List: Yes
 *  * Supported platforms:
 *    - linux/amd64
 *    - windows/amd64:10.0.17763.1234
 * ```
 *
 * A single image shows ` * Manifest List: No` and ` * Supports: linux/amd64`. Attestation
 * manifests (BuildKit's `unknown/unknown` entries) are not platforms, so they are left out and
 * counted in `hiddenAttestations`.
 *
 * @param name the reference as the user wrote it (mquery echoes its input)
 */
export function formatInspect(result: InspectResult, name: string): InspectText {
  const lines = [`Image: ${escapeValue(name)}`];
  let hiddenAttestations = 0;
  if (result.isList) {
    lines.push(' * Manifest List: Yes', ' * Supported platforms:');
    for (const entry of result.entries) {
      if (entry.attestation) {
        hiddenAttestations++;
        continue;
      }
      lines.push(`   - ${escapeValue(entry.platform)}`);
    }
  } else {
    lines.push(' * Manifest List: No', ` * Supports: ${escapeValue(result.platform ?? 'unknown')}`);
  }
  return { text: `${lines.join('\n')}\n`, hiddenAttestations };
}

/** `inspect --json`: the result without the manifest bytes, with the manifest's size. */
export function inspectJson(result: InspectResult): Record<string, unknown> {
  const out: Record<string, unknown> = {
    reference: result.reference,
    digest: result.digest,
    mediaType: result.mediaType,
    size: result.bytes.length,
    isList: result.isList,
  };
  if (result.isList) out.entries = result.entries;
  else out.platform = result.platform ?? null;
  return out;
}

/** `push --json`: `{ digest, mediaType, size, tags }`, plus `skipped` when missing images were allowed. */
export function pushJson(result: PushManifestListResult, options: { ignoreMissing: boolean }): Record<string, unknown> {
  const out: Record<string, unknown> = { digest: result.digest, mediaType: result.mediaType, size: result.size, tags: result.tags };
  if (options.ignoreMissing) out.skipped = result.skipped;
  if (result.dryRun) {
    out.dryRun = true;
    out.index = result.index;
    out.plan = result.plan;
  }
  return out;
}

/**
 * `push` for people, like manifest-tool: `Digest: sha256:… SIZE`, then one `Tagged: REF` line
 * per tag written. `tagRef` turns a tag into the reference shown.
 */
export function formatPush(result: PushManifestListResult, tagRef: (tag: string) => string): string {
  const lines = [`Digest: ${escapeValue(result.digest)} ${result.size}`];
  for (const tag of result.tags) lines.push(`${result.dryRun ? 'Would tag' : 'Tagged'}: ${escapeValue(tagRef(tag))}`);
  return `${lines.join('\n')}\n`;
}

function describeAction(child: PlannedChild): string {
  const blobs = child.blobs.length;
  const count = `${blobs} blob${blobs === 1 ? '' : 's'}`;
  switch (child.action) {
    case 'present':
      return 'already in the target repository';
    case 'mount':
      return `mount ${count}`;
    case 'copy':
      return `copy ${count}`;
    case 'convert':
      return `convert to the index's media type${blobs > 0 ? `, bring ${count}` : ''}`;
  }
}

/** One line per child and what was (or would be) done with it, then its blobs, indented. */
export function formatPlan(plan: readonly PlannedChild[]): string {
  const lines: string[] = [];
  for (const child of plan) {
    const platform = child.platform ? escapeValue(formatPlatform(child.platform)) : 'platform unknown';
    lines.push(`  ${escapeValue(child.image)} (${platform}) ${escapeValue(child.digest)}: ${describeAction(child)}`);
    for (const blob of child.blobs) lines.push(`      ${escapeValue(blob.digest)} ${blob.size} bytes`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/**
 * `push --dry-run` for people: the plan, the index that would be written (indented for reading;
 * the digest is of the compact bytes), then the digest and tags as a real push prints them.
 */
export function formatDryRun(result: PushManifestListResult, tagRef: (tag: string) => string): string {
  const parts = ['Dry run: nothing was written.', 'Plan:', formatPlan(result.plan).trimEnd() || '  (nothing to do)'];
  if (result.skipped.length > 0) parts.push(`Skipped (missing): ${result.skipped.map(escapeValue).join(', ')}`);
  parts.push(`Index (${escapeValue(result.mediaType)}):`, JSON.stringify(result.index, null, 2));
  return `${parts.join('\n')}\n${formatPush(result, tagRef)}`;
}
