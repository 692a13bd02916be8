/**
 * `client.copy`: reads the source's manifest (and the children of an index, and with `referrers`
 * the manifests that refer to each), keeps the platforms asked for or unwraps one, asks the target
 * what it lacks (the plan), then mounts or streams every lacking blob (bounded, verified), writes
 * the manifests children first, and the top manifest last at each tag. With `dryRun` it stops at
 * the plan. The target gets the source's exact bytes; only a platform filter or unwrap changes the
 * top manifest, and the result says so.
 */
import type { CallOptions, RemoteContext } from '../remote/context.js';
import { TransferReporter, type BlobAction, type ProgressListener } from '../remote/progress.js';
import { isImageIndex, parseManifest, type Manifest } from '../oci/manifest.js';
import { isNonDistributableLayer } from '../oci/media-types.js';
import { formatPlatform } from '../oci/platform.js';
import type { Descriptor, Platform } from '../oci/schemas.js';
import { MultiplatformError, TargetDigestMismatchError, ValidationError } from '../errors.js';
import { mapPool } from '../util/pool.js';
import type { CopyPlan, PlannedBlob, PlannedManifest } from './plan.js';
import { entriesForPlatforms, entryToUnwrap, rewriteIndex, type Rewrite } from './select.js';
import { openStore, type CopyEndpoint, type ImageStore, type ReadManifest } from './stores.js';
import { levelsChildrenFirst } from './order.js';

/** Options of `client.copy`. */
export interface CopyOptions extends CallOptions {
  /** Copy only these platforms' children of an index (`'linux/amd64'`); the index is rewritten, so its digest changes. */
  platforms?: string[];
  /** Copy the one platform named in `platforms` as a plain image manifest at the target tag. */
  unwrap?: boolean;
  /** Also copy the manifests that refer to each copied manifest (signatures, SBOMs, attestations), and theirs. */
  referrers?: boolean;
  /** Tags to write at the target, besides the one the target names (default: the source's tag). */
  tags?: string[];
  /** Work out the plan and write nothing. */
  dryRun?: boolean;
  /** Receives the transfer's progress: each blob's bytes, and blobs done of the total. */
  onProgress?: ProgressListener;
  /** Receives the plan once it is made, before anything is written (also on a dry run). */
  onPlan?: (plan: CopyPlan) => void;
}

/** What a copy did (or, with `dryRun`, would do). */
export interface CopyResult {
  /** Digest of the manifest the target's tags name. */
  digest: string;
  mediaType: string;
  size: number;
  /** Set when that manifest is not the source's: `platforms` kept some children, or `unwrap` took one. */
  rewritten?: Rewrite;
  /** Tags written at the target. */
  tags: string[];
  /** Digests of the referrers copied. */
  referrers: string[];
  plan: CopyPlan;
  dryRun: boolean;
}

/** A manifest to copy, with what it is. */
interface Item extends ReadManifest {
  role: PlannedManifest['role'];
  manifest: Manifest;
  platform?: Platform;
}

export async function copy(ctx: RemoteContext, sourceEndpoint: CopyEndpoint, targetEndpoint: CopyEndpoint, options: CopyOptions = {}): Promise<CopyResult> {
  const { signal } = options;
  const source = await openStore(ctx, sourceEndpoint, 'source');
  const target = await openStore(ctx, targetEndpoint, 'target');
  const what = `copy ${source.label} to ${target.label}`;

  const { top, children, rewritten } = await readSelection(ctx, source, options, what);
  if (target.digest !== undefined && target.digest !== top.descriptor.digest) {
    throw new TargetDigestMismatchError(String(targetEndpoint), target.digest, top.descriptor.digest);
  }
  const items = [...children, top];
  if (options.referrers) items.push(...(await readReferrers(ctx, source, items, signal)));
  const tags = targetTags(source, target, options.tags);
  const plan = await makePlan(ctx, source, target, items, { top, tags, rewritten });
  options.onPlan?.(plan);
  if (!options.dryRun) {
    await transferBlobs(ctx, source, target, plan.blobs, options);
    await putManifests(ctx, target, items, plan, tags, signal, what);
  }
  return {
    digest: top.descriptor.digest,
    mediaType: top.descriptor.mediaType,
    size: top.descriptor.size,
    ...(rewritten ? { rewritten } : {}),
    tags,
    referrers: items.filter((item) => item.role === 'referrer').map((item) => item.descriptor.digest),
    plan,
    dryRun: options.dryRun === true,
  };
}

/** The top manifest to write (the source's, its index rewritten, or one child unwrapped) and the children it needs. */
async function readSelection(ctx: RemoteContext, source: ImageStore, options: CopyOptions, what: string): Promise<{ top: Item; children: Item[]; rewritten?: Rewrite }> {
  const { signal } = options;
  const reference = source.digest ?? source.tag;
  if (reference === undefined) throw new ValidationError(`${what}: name the source's tag or digest (${source.label}:TAG)`);
  const read = await source.getManifest(reference, signal);
  const manifest = parse(read, source);
  if (!isImageIndex(manifest)) {
    if (options.platforms !== undefined || options.unwrap) throw new ValidationError(`${what}: the source is a single image, not an index: platforms and unwrap apply to an index`);
    return { top: { ...read, manifest, role: 'top' }, children: [] };
  }
  if (options.unwrap) {
    const entry = entryToUnwrap(manifest, options.platforms, what);
    const child = await readItem(source, entry, 'top', signal);
    return { top: child, children: await readChildren(ctx, source, child, signal), rewritten: 'unwrap' };
  }
  const entries = options.platforms === undefined ? manifest.manifests : entriesForPlatforms(manifest, options.platforms, what);
  const top = entries === manifest.manifests ? read : rewriteIndex(read, entries);
  const topItem: Item = { ...top, manifest: parse(top, source), role: 'top' };
  return { top: topItem, children: await readChildren(ctx, source, topItem, signal), ...(top === read ? {} : { rewritten: 'platforms' as const }) };
}

/** The children of an index (and theirs, for an index of indexes); nothing for an image. */
async function readChildren(ctx: RemoteContext, source: ImageStore, parent: Item, signal?: AbortSignal): Promise<Item[]> {
  if (!isImageIndex(parent.manifest)) return [];
  const children = await mapPool(parent.manifest.manifests, ctx.concurrency, (entry) => readItem(source, entry, 'child', signal), signal);
  const nested = await Promise.all(children.map((child) => readChildren(ctx, source, child, signal)));
  return [...nested.flat(), ...children];
}

async function readItem(source: ImageStore, entry: Descriptor, role: Item['role'], signal?: AbortSignal): Promise<Item> {
  const read = await source.getManifest(entry.digest, signal);
  return { ...read, manifest: parse(read, source), role, ...(entry.platform ? { platform: entry.platform } : {}) };
}

/** Every manifest that refers to one of `items`, and those that refer to them, each once. */
async function readReferrers(ctx: RemoteContext, source: ImageStore, items: readonly Item[], signal?: AbortSignal): Promise<Item[]> {
  const seen = new Set(items.map((item) => item.descriptor.digest));
  const found: Item[] = [];
  let subjects = items.map((item) => item.descriptor.digest);
  while (subjects.length > 0) {
    const listed = (await mapPool(subjects, ctx.concurrency, (digest) => source.listReferrers(digest, signal), signal)).flat();
    const fresh = listed.filter((entry) => !seen.has(entry.digest) && seen.add(entry.digest));
    const read = await mapPool(fresh, ctx.concurrency, (entry) => readItem(source, entry, 'referrer', signal), signal);
    const withChildren = (await Promise.all(read.map(async (item) => [...(await readChildren(ctx, source, item, signal)).map((c) => ({ ...c, role: 'referrer' as const })), item]))).flat();
    found.push(...withChildren);
    subjects = read.map((item) => item.descriptor.digest);
  }
  return found;
}

function parse(read: ReadManifest, store: ImageStore): Manifest {
  return parseManifest(read.bytes, read.descriptor.mediaType, `${store.label}@${read.descriptor.digest}`);
}

/** The target's tags: `tags`, else the tag the target names, else the source's tag; none means by digest only. */
function targetTags(source: ImageStore, target: ImageStore, extra: readonly string[] | undefined): string[] {
  const first = target.tag ?? (target.digest === undefined ? source.tag : undefined);
  return [...new Set([...(first === undefined ? [] : [first]), ...(extra ?? [])])];
}

/** Blobs a manifest needs copied: config and layers (an index has none), without the non-distributable ones. */
function blobsOf(manifest: Manifest): { blobs: Descriptor[]; foreign: Descriptor[] } {
  if (isImageIndex(manifest)) return { blobs: [], foreign: [] };
  const layers = manifest.layers as Descriptor[];
  const foreign = layers.filter((layer) => isNonDistributableLayer(layer));
  return { blobs: [manifest.config as Descriptor, ...layers.filter((layer) => !foreign.includes(layer))], foreign };
}

async function makePlan(
  ctx: RemoteContext,
  source: ImageStore,
  target: ImageStore,
  items: readonly Item[],
  fields: { top: Item; tags: string[]; rewritten?: Rewrite },
): Promise<CopyPlan> {
  const blobs = new Map<string, Descriptor>();
  const foreign = new Map<string, Descriptor>();
  for (const item of items) {
    const parts = blobsOf(item.manifest);
    for (const blob of parts.blobs) if (!blobs.has(blob.digest)) blobs.set(blob.digest, blob);
    for (const layer of parts.foreign) foreign.set(layer.digest, layer);
  }
  const mount = target.canMount(source);
  const plannedBlobs = await mapPool([...blobs.values()], ctx.concurrency, async (blob): Promise<PlannedBlob> => {
    const action: BlobAction = (await target.hasBlob(blob)) ? 'skip' : mount ? 'mount' : 'copy';
    return { digest: blob.digest, size: blob.size, mediaType: blob.mediaType, action };
  });
  const manifests = await mapPool(items, ctx.concurrency, async (item): Promise<PlannedManifest> => ({
    digest: item.descriptor.digest,
    size: item.descriptor.size,
    mediaType: item.descriptor.mediaType,
    role: item.role,
    ...(item.platform ? { platform: formatPlatform(item.platform) } : {}),
    // The top manifest is always written: its tags must point at it.
    present: item.role !== 'top' && (await target.hasManifest(item.descriptor.digest)),
  }));
  const { top } = fields;
  return {
    source: source.label,
    target: target.label,
    digest: top.descriptor.digest,
    mediaType: top.descriptor.mediaType,
    tags: fields.tags,
    ...(fields.rewritten ? { rewritten: fields.rewritten } : {}),
    manifests,
    blobs: plannedBlobs,
    foreign: [...foreign.values()],
  };
}

/**
 * Mounts (bounded by `ctx.concurrency`) and copies (bounded by `ctx.transferConcurrency`) every blob
 * the plan says the target lacks, reporting progress. The first failure stops the rest.
 */
async function transferBlobs(ctx: RemoteContext, source: ImageStore, target: ImageStore, blobs: readonly PlannedBlob[], options: CopyOptions): Promise<void> {
  const report = new TransferReporter(options.onProgress, blobs);
  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const run = (action: BlobAction, limit: number, work: (blob: PlannedBlob) => Promise<void>) =>
    mapPool(
      blobs.filter((blob) => blob.action === action),
      limit,
      async (blob) => {
        report.start(blob, action, target.label);
        await work(blob);
        report.done(blob, action);
      },
      signal,
    ).catch((error: unknown) => {
      stop.abort(error);
      throw error;
    });
  report.begin();
  for (const blob of blobs.filter((b) => b.action === 'skip')) report.done(blob, 'skip');
  const settled = await Promise.allSettled([
    run('mount', ctx.concurrency, (blob) => target.mountBlob(blob, source, signal)),
    run('copy', ctx.transferConcurrency, (blob) =>
      target.putBlob(blob, source.blobSource(blob, signal), {
        signal,
        onBytes: report.bytesOf(blob),
      }),
    ),
  ]);
  const failure = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failure) throw failure.reason;
}

/**
 * Children first, then the top manifest at each tag (so no tag names something incomplete), then referrers.
 * Within each group an index is written only after the manifests it lists: a registry may refuse an
 * index whose children it does not have yet.
 */
async function putManifests(ctx: RemoteContext, target: ImageStore, items: readonly Item[], plan: CopyPlan, tags: readonly string[], signal: AbortSignal | undefined, what: string): Promise<void> {
  const present = new Set(plan.manifests.filter((m) => m.present).map((m) => m.digest));
  const put = async (item: Item, itemTags: readonly string[]) => {
    try {
      await target.putManifest(item, itemTags, signal, item.role === 'top');
    } catch (error) {
      throw explainForeign(error, item, plan, what);
    }
  };
  const pending = (role: Item['role']) => items.filter((item) => item.role === role && !present.has(item.descriptor.digest));
  const putInLevels = async (group: readonly Item[]) => {
    for (const level of levelsChildrenFirst(group)) await mapPool(level, ctx.concurrency, (item) => put(item, []), signal);
  };
  await putInLevels(pending('child'));
  const top = items.find((item) => item.role === 'top')!;
  await put(top, tags);
  await putInLevels(pending('referrer'));
}

/** A manifest with non-distributable layers that the target refuses gets an error naming those layers. */
function explainForeign(error: unknown, item: Item, plan: CopyPlan, what: string): unknown {
  const foreign = blobsOf(item.manifest).foreign;
  if (foreign.length === 0 || !(error instanceof MultiplatformError) || plan.foreign.length === 0) return error;
  const layers = foreign.map((layer) => `${layer.digest}${layer.urls?.length ? ` (${layer.urls[0]})` : ''}`).join(', ');
  return new MultiplatformError(`${what}: the target refused manifest ${item.descriptor.digest}, which has non-distributable layers that are never copied: ${layers}; the target must accept foreign layer URLs`, { cause: error });
}

