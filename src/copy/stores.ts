/**
 * The two ends a copy speaks to, behind one small interface: a repository of a registry (over
 * remote/) and an OCI image layout on disk (over layout/). The copy orchestrator never calls
 * remote/ itself.
 */
import type { Readable } from 'node:stream';
import type { RemoteContext } from '../remote/context.js';
import { blobExists } from '../remote/blobs.js';
import { mountBlob, pushSized, remoteBlobSource } from '../remote/blob-push.js';
import { getManifest, manifestExists, putManifest } from '../remote/manifests.js';
import { listReferrers } from '../remote/referrers.js';
import type { SizedSource } from '../remote/upload-session.js';
import { LayoutStore } from '../layout/store.js';
import { parseManifest } from '../oci/manifest.js';
import { hasSubject, referrerDescriptor } from '../oci/referrers.js';
import { isReference, parseReference, type Reference } from '../oci/reference.js';
import { isTag } from '../oci/grammar.js';
import type { Descriptor } from '../oci/schemas.js';
import { ValidationError } from '../errors.js';

/** Where a copy reads or writes: `registry/repo[:tag][@digest]`, `oci:DIR[:TAG]`, or a {@link Reference}. */
export type CopyEndpoint = string | Reference;

/** A manifest as read: exact bytes and descriptor. */
export interface ReadManifest {
  bytes: Buffer;
  descriptor: Descriptor & { mediaType: string };
}

/** What a copy needs of either end. */
export interface ImageStore {
  readonly kind: 'registry' | 'layout';
  /** How messages and the plan name this end. */
  readonly label: string;
  /** The tag the endpoint names, if any. */
  readonly tag?: string;
  /** The digest the endpoint names, if any. */
  readonly digest?: string;
  getManifest(reference: string, signal?: AbortSignal): Promise<ReadManifest>;
  hasManifest(digest: string, signal?: AbortSignal): Promise<boolean>;
  /**
   * Writes a manifest by digest, and at each of `tags`; `top` marks what the copy was asked for (a layout
   * lists it in index.json even without a tag, so that a copy by digest is not left unlisted).
   */
  putManifest(manifest: ReadManifest, tags: readonly string[], signal?: AbortSignal, top?: boolean): Promise<void>;
  /** True when this end has the blob; its `size`, when known, lets a layout tell a truncated file from the blob. */
  hasBlob(blob: { digest: string; size?: number }, signal?: AbortSignal): Promise<boolean>;
  /** The blob as a source that can be opened again at any offset. */
  blobSource(descriptor: Descriptor, signal?: AbortSignal): SizedSource;
  /** Writes a blob from `source` (known absent), reporting the bytes done. */
  putBlob(descriptor: Descriptor, source: SizedSource, options: { signal?: AbortSignal; onBytes?: (bytesDone: number) => void }): Promise<void>;
  /** True when blobs of `from` can be mounted here (another repository of the same registry). */
  canMount(from: ImageStore): boolean;
  mountBlob(descriptor: Descriptor, from: ImageStore, signal?: AbortSignal): Promise<void>;
  /** Manifests whose `subject` is `digest`. */
  listReferrers(digest: string, signal?: AbortSignal): Promise<Descriptor[]>;
}

const LAYOUT_PREFIX = 'oci:';

/** Opens one end of a copy. `oci:DIR[:TAG]` is a layout (created when it is a target); anything else a registry reference. */
export async function openStore(ctx: RemoteContext, endpoint: CopyEndpoint, role: 'source' | 'target'): Promise<ImageStore> {
  if (isReference(endpoint)) return new RegistryStore(ctx, endpoint);
  if (endpoint.startsWith(LAYOUT_PREFIX)) {
    const { dir, tag } = parseLayoutEndpoint(endpoint);
    const store = new LayoutImageStore(new LayoutStore(dir), tag);
    if (role === 'target') await store.layout.init();
    return store;
  }
  return new RegistryStore(ctx, parseReference(endpoint));
}

/** `oci:DIR[:TAG]`: the part after the last `:` is a tag when it is a valid one and holds no `/`. */
export function parseLayoutEndpoint(endpoint: string): { dir: string; tag?: string } {
  const rest = endpoint.slice(LAYOUT_PREFIX.length);
  const colon = rest.lastIndexOf(':');
  const candidate = colon >= 0 ? rest.slice(colon + 1) : '';
  const { dir, tag } = colon > 0 && isTag(candidate) ? { dir: rest.slice(0, colon), tag: candidate } : { dir: rest, tag: undefined };
  if (dir === '') throw new ValidationError(`${endpoint}: an OCI layout is written oci:DIR[:TAG]`);
  return tag === undefined ? { dir } : { dir, tag };
}

class RegistryStore implements ImageStore {
  readonly kind = 'registry';
  constructor(
    private readonly ctx: RemoteContext,
    readonly ref: Reference,
  ) {}
  get label(): string {
    return `${this.ref.registry}/${this.ref.repository}`;
  }
  get tag(): string | undefined {
    return this.ref.tag;
  }
  get digest(): string | undefined {
    return this.ref.digest;
  }
  async getManifest(reference: string, signal?: AbortSignal): Promise<ReadManifest> {
    const ref = reference.includes(':') ? this.ref.atDigest(reference) : this.ref.withTag(reference);
    const { bytes, descriptor } = await getManifest(this.ctx, ref, { signal });
    return { bytes, descriptor };
  }
  hasManifest(digest: string, signal?: AbortSignal): Promise<boolean> {
    return manifestExists(this.ctx, this.ref.atDigest(digest), { signal });
  }
  async putManifest(manifest: ReadManifest, tags: readonly string[], signal?: AbortSignal): Promise<void> {
    const options = { signal, mediaType: manifest.descriptor.mediaType };
    if (tags.length === 0) await putManifest(this.ctx, this.ref.atDigest(manifest.descriptor.digest), manifest.bytes, options);
    for (const tag of tags) await putManifest(this.ctx, this.ref.withTag(tag), manifest.bytes, options);
  }
  hasBlob(blob: { digest: string }, signal?: AbortSignal): Promise<boolean> {
    return blobExists(this.ctx, this.ref, blob.digest, { signal, forPush: true });
  }
  blobSource(descriptor: Descriptor, signal?: AbortSignal): SizedSource {
    return remoteBlobSource(this.ctx, this.ref, descriptor, signal);
  }
  async putBlob(descriptor: Descriptor, source: SizedSource, options: { signal?: AbortSignal; onBytes?: (bytesDone: number) => void }): Promise<void> {
    await pushSized(this.ctx, this.ref, descriptor, source, { ...options, knownAbsent: true });
  }
  canMount(from: ImageStore): boolean {
    return from instanceof RegistryStore && from.ref.registry === this.ref.registry && from.ref.repository !== this.ref.repository;
  }
  async mountBlob(descriptor: Descriptor, from: ImageStore, signal?: AbortSignal): Promise<void> {
    const source = (from as RegistryStore).ref;
    await mountBlob(this.ctx, this.ref, descriptor.digest, { from: source, size: descriptor.size, mediaType: descriptor.mediaType, signal, knownAbsent: true });
  }
  listReferrers(digest: string, signal?: AbortSignal): Promise<Descriptor[]> {
    return listReferrers(this.ctx, this.ref.atDigest(digest), { signal });
  }
}

class LayoutImageStore implements ImageStore {
  readonly kind = 'layout';
  constructor(
    readonly layout: LayoutStore,
    readonly tag: string | undefined,
  ) {}
  get label(): string {
    return this.layout.label;
  }
  getManifest(reference: string): Promise<ReadManifest> {
    return this.layout.getManifest(reference);
  }
  hasManifest(digest: string): Promise<boolean> {
    return this.layout.hasBlob(digest);
  }
  async putManifest(manifest: ReadManifest, tags: readonly string[], signal?: AbortSignal, top = false): Promise<void> {
    await this.layout.putManifest(manifest.bytes, manifest.descriptor, tags, signal);
    if (tags.length > 0) return;
    const parsed = parseManifest(manifest.bytes, manifest.descriptor.mediaType, `${this.label}@${manifest.descriptor.digest}`);
    // A referrer has no tag; index.json keeps it beside its subject, as oras does.
    if (hasSubject(parsed)) await this.layout.addEntry(referrerDescriptor(parsed, manifest.descriptor));
    else if (top) await this.layout.addEntry(manifest.descriptor);
  }
  hasBlob(blob: { digest: string; size?: number }): Promise<boolean> {
    return this.layout.hasBlob(blob.digest, blob.size);
  }
  blobSource(descriptor: Descriptor): SizedSource {
    return { size: descriptor.size, open: (offset) => this.layout.openBlob(descriptor, offset) as Promise<Readable> };
  }
  async putBlob(descriptor: Descriptor, source: SizedSource, options: { signal?: AbortSignal; onBytes?: (bytesDone: number) => void }): Promise<void> {
    await this.layout.putBlob(descriptor, await source.open(0), options);
  }
  canMount(): boolean {
    return false;
  }
  mountBlob(): Promise<void> {
    return Promise.reject(new ValidationError(`${this.label}: a layout cannot mount blobs`));
  }
  /** Untagged index.json entries whose manifest's `subject` is `digest`. */
  async listReferrers(digest: string): Promise<Descriptor[]> {
    const found: Descriptor[] = [];
    for (const entry of await this.layout.entries()) {
      if (entry.annotations?.['org.opencontainers.image.ref.name'] !== undefined) continue;
      const { bytes, descriptor } = await this.layout.getManifest(entry.digest);
      const manifest = parseManifest(bytes, descriptor.mediaType, `${this.label}@${entry.digest}`);
      if (hasSubject(manifest) && manifest.subject.digest === digest) found.push(entry);
    }
    return found;
  }
}
