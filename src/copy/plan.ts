/**
 * The plan of a copy, as pure data: what each blob and manifest needs (copied, mounted, or skipped
 * because the target has it), with sizes. A dry run returns it; the CLI prints it before the
 * transfer starts.
 */
import type { BlobAction } from '../remote/progress.js';
import type { Descriptor } from '../oci/schemas.js';
import type { Rewrite } from './select.js';

/** One blob of the copy and what it needs. */
export interface PlannedBlob {
  digest: string;
  size: number;
  mediaType: string;
  action: BlobAction;
}

/** One manifest of the copy: the top one, a child of the index, or a referrer. */
export interface PlannedManifest {
  digest: string;
  size: number;
  mediaType: string;
  role: 'top' | 'child' | 'referrer';
  /** `os/arch[/variant]` of an index child. */
  platform?: string;
  /** True when the target already has it. */
  present: boolean;
}

/** What a copy does, decided before anything is written. */
export interface CopyPlan {
  /** How the source and the target are named (`registry/repo` or `oci:DIR`). */
  source: string;
  target: string;
  /** The digest the target's tags will name. */
  digest: string;
  mediaType: string;
  /** Tags written at the target (none: the top manifest is written by digest only). */
  tags: string[];
  /** Set when the top manifest is not the source's (platforms kept, or one platform unwrapped). */
  rewritten?: Rewrite;
  manifests: PlannedManifest[];
  blobs: PlannedBlob[];
  /** Non-distributable layers: listed in the manifests, never fetched from their URLs nor uploaded. */
  foreign: Descriptor[];
}

/** Totals of a plan by action: how many blobs and bytes. */
export function planTotals(plan: CopyPlan): Record<BlobAction, { blobs: number; bytes: number }> {
  const totals = { copy: { blobs: 0, bytes: 0 }, mount: { blobs: 0, bytes: 0 }, skip: { blobs: 0, bytes: 0 } };
  for (const blob of plan.blobs) {
    totals[blob.action].blobs++;
    totals[blob.action].bytes += Math.max(0, blob.size);
  }
  return totals;
}

/** The plan as lines a person reads: one per blob and manifest, then the totals. */
export function planLines(plan: CopyPlan): string[] {
  const totals = planTotals(plan);
  const what = plan.manifests.some((m) => m.role === 'child') ? 'index' : 'image';
  const tags = plan.tags.length > 0 ? ` as ${plan.tags.join(', ')}` : ' by digest';
  const lines = [`copy ${what} ${plan.digest} from ${plan.source} to ${plan.target}${tags}${plan.rewritten ? ` (rewritten: ${plan.rewritten}, so its digest differs from the source's)` : ''}`];
  for (const blob of plan.blobs) lines.push(`  ${blob.action.padEnd(5)} blob     ${blob.digest}  ${formatBytes(blob.size)}`);
  for (const layer of plan.foreign) lines.push(`  keep  foreign  ${layer.digest}  ${formatBytes(layer.size)} (non-distributable: not copied)`);
  for (const manifest of plan.manifests) {
    const label = manifest.role === 'top' ? 'manifest' : manifest.role === 'child' ? `child ${manifest.platform ?? ''}`.trim() : 'referrer';
    lines.push(`  ${(manifest.present ? 'skip' : 'put').padEnd(5)} ${label.padEnd(8)} ${manifest.digest}  ${formatBytes(manifest.size)}`);
  }
  lines.push(
    `blobs: ${totals.copy.blobs} to copy (${formatBytes(totals.copy.bytes)}), ${totals.mount.blobs} to mount (${formatBytes(totals.mount.bytes)}), ${totals.skip.blobs} already there; manifests: ${plan.manifests.filter((m) => !m.present).length} to put`,
  );
  return lines;
}

/** `512 B`, `1.5 KiB`, `400.0 MiB`. */
export function formatBytes(size: number): string {
  if (size < 0) return 'size unknown';
  if (size < 1024) return `${size} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = size / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}
