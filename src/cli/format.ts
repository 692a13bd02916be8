import { formatPlatform, type EditManifestListResult, type IndexChild, type InspectResult, type PlannedChild, type PushManifestListResult } from '../index.js';
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

/** An index (or manifest) that was written, or in a dry run would be, and the references it went to. */
export interface WrittenView {
  digest: string;
  mediaType: string;
  size: number;
  tags: readonly string[];
  dryRun: boolean;
}

/** A dry run's view: what would be written, the index itself and the plan. */
export interface DryRunView extends WrittenView {
  index: unknown;
  plan: readonly PlannedChild[];
  skipped?: readonly string[];
}

/** `--json` of a write: `{ digest, mediaType, size, tags }`, then `extra`; a dry run adds the index and the plan. */
export function writeJson(result: WrittenView & Partial<Pick<DryRunView, 'index' | 'plan'>>, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { digest: result.digest, mediaType: result.mediaType, size: result.size, tags: result.tags, ...extra };
  if (result.dryRun) {
    out.dryRun = true;
    out.index = result.index;
    out.plan = result.plan;
  }
  return out;
}

/** `push --json`: `{ digest, mediaType, size, tags }`, plus `skipped` when missing images were allowed. */
export function pushJson(result: PushManifestListResult, options: { ignoreMissing: boolean }): Record<string, unknown> {
  return writeJson(result, options.ignoreMissing ? { skipped: result.skipped } : {});
}

/** `index add|replace|remove --json`: the write, the digest of the index edited, and the entries added and removed. */
export function editJson(result: EditManifestListResult): Record<string, unknown> {
  return writeJson({ ...result, tags: [result.written] }, { previousDigest: result.previousDigest, added: result.added, removed: result.removed });
}

/**
 * `push` for people, like manifest-tool: `Digest: sha256:… SIZE`, then one `Tagged: REF` line
 * per tag written. `tagRef` turns a tag into the reference shown.
 */
export function formatPush(result: WrittenView, tagRef: (tag: string) => string): string {
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
export function formatDryRun(result: DryRunView, tagRef: (tag: string) => string): string {
  const parts = ['Dry run: nothing was written.', 'Plan:', formatPlan(result.plan).trimEnd() || '  (nothing to do)'];
  if (result.skipped && result.skipped.length > 0) parts.push(`Skipped (missing): ${result.skipped.map(escapeValue).join(', ')}`);
  parts.push(`Index (${escapeValue(result.mediaType)}):`, JSON.stringify(result.index, null, 2));
  return `${parts.join('\n')}\n${formatPush(result, tagRef)}`;
}

function describeEntry(child: IndexChild): string {
  const what = child.attestation ? 'attestation' : child.platform ? escapeValue(formatPlatform(child.platform)) : 'platform unknown';
  return `${what} ${escapeValue(child.digest)}`;
}

/** The entries an edit removed and added, as diagnostics: `multiplatform: removed linux/s390x sha256:…`. */
export function formatEditChanges(result: Pick<EditManifestListResult, 'added' | 'removed' | 'dryRun'>): string {
  const [removed, added] = result.dryRun ? ['would remove', 'would add'] : ['removed', 'added'];
  const lines = [...result.removed.map((c) => `${removed} ${describeEntry(c)}`), ...result.added.map((c) => `${added} ${describeEntry(c)}`)];
  return lines.map((line) => `multiplatform: ${line}\n`).join('');
}

/**
 * `index add|replace|remove` for people: as `push` (`Digest:`, then `Tagged: REF`), or, for an
 * index edited by digest (a REF without a tag), `Pushed: REPO@DIGEST`. A dry run shows the index.
 */
export function formatEdit(result: EditManifestListResult, written: { shown: string; byTag: boolean }): string {
  const view = { ...result, tags: written.byTag ? [written.shown] : [] };
  if (result.dryRun) return formatDryRun(view, (ref) => ref);
  const pushed = written.byTag ? '' : `Pushed: ${escapeValue(written.shown)}\n`;
  return `${formatPush(view, (ref) => ref)}${pushed}`;
}

/** `ls`: one tag a line. */
export function formatTagList(tags: readonly string[]): string {
  return tags.map((tag) => `${escapeValue(tag)}\n`).join('');
}
