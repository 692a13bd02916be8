/**
 * An OCI image layout on disk (image-spec "image-layout"): `oci-layout`, `index.json` whose entries
 * are tagged with `org.opencontainers.image.ref.name`, and `blobs/<alg>/<hex>` for every blob and
 * manifest. Every file is written to a temporary name beside it, flushed to disk and renamed into
 * place (the directory flushed after), so a reader never sees half a file, not even after a crash;
 * the store deletes only the temporary files it created.
 */
import { randomHex } from '../util/random-hex.js';
import { createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, stat, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, addAbortSignal } from 'node:stream';
import { Digester, digestAlgorithm, digestOf, parseDigest, type Digest } from '../oci/digest.js';
import { DigestMismatchError, SchemaError, ValidationError, isAbortError } from '../errors.js';
import { abortError } from '../util/abort.js';
import { isTag } from '../oci/grammar.js';
import { MediaType } from '../oci/media-types.js';
import type { Descriptor } from '../oci/schemas.js';

/** The annotation that names a tag in `index.json`. */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

const LAYOUT_FILE = JSON.stringify({ imageLayoutVersion: '1.0.0' });

interface IndexJson {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
  [other: string]: unknown;
}

/** How {@link LayoutStore.putBlob} writes: `signal` stops it, `onBytes` hears the bytes written so far. */
export interface BlobWriteOptions {
  signal?: AbortSignal;
  onBytes?: (bytesDone: number) => void;
}

/** A manifest read from the layout: its exact bytes and descriptor. */
export interface StoredManifest {
  bytes: Buffer;
  descriptor: Descriptor & { mediaType: string };
}

/** One OCI image layout directory. */
export class LayoutStore {
  /** Writes of `index.json` run one after the other within this process. */
  #indexWrites: Promise<unknown> = Promise.resolve();

  constructor(readonly dir: string) {}

  /** `oci:DIR`, as messages name the layout. */
  get label(): string {
    return `oci:${this.dir}`;
  }

  /** Creates the layout's skeleton (directory, `oci-layout`, an empty `index.json`) where it is missing. */
  async init(): Promise<void> {
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    if (!(await exists(join(this.dir, 'oci-layout')))) await this.#writeAtomically(join(this.dir, 'oci-layout'), LAYOUT_FILE);
    if (!(await exists(join(this.dir, 'index.json')))) {
      await this.#writeAtomically(join(this.dir, 'index.json'), JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [] }));
    }
  }

  /** The entries of `index.json`. A directory that is not a layout is a {@link ValidationError}. */
  async entries(): Promise<Descriptor[]> {
    return (await this.#readIndex()).manifests;
  }

  /** Tags of the layout, in `index.json` order. */
  async listTags(): Promise<string[]> {
    return (await this.entries()).flatMap((entry) => {
      const name = entry.annotations?.[REF_NAME_ANNOTATION];
      return name === undefined ? [] : [name];
    });
  }

  /** The descriptor a tag names in `index.json`. */
  async resolveTag(tag: string): Promise<Descriptor> {
    const found = (await this.entries()).find((entry) => entry.annotations?.[REF_NAME_ANNOTATION] === tag);
    if (!found) throw new ValidationError(`${this.label}: no manifest is tagged ${tag} in index.json`);
    return found;
  }

  /** Reads a manifest by tag or digest; its bytes are checked against the digest. */
  async getManifest(reference: string): Promise<StoredManifest> {
    const isDigest = reference.includes(':');
    const entry = isDigest ? undefined : await this.resolveTag(reference);
    const digest = parseDigest(entry?.digest ?? reference);
    const bytes = await this.#readBlobFile(digest);
    const actual = digestOf(bytes, digestAlgorithm(digest));
    if (actual !== digest) throw new DigestMismatchError(`read manifest ${digest} from ${this.label}`, { digest }, { digest: actual });
    const mediaType = entry?.mediaType ?? mediaTypeOf(bytes, `${this.label}@${digest}`);
    return { bytes, descriptor: { mediaType, digest, size: bytes.length } };
  }

  /**
   * True when the layout holds the blob (or manifest). With `size` (when known, not negative), only when
   * its file has that size: a file cut short (a full disk, a copy interrupted by hand) is not the blob.
   */
  async hasBlob(digest: string, size?: number): Promise<boolean> {
    const info = await stat(this.#blobPath(parseDigest(digest))).catch(() => undefined);
    return info !== undefined && info.isFile() && (size === undefined || size < 0 || info.size === size);
  }

  /** Streams a blob, verified against its digest and size as it flows. */
  async openBlob(descriptor: Descriptor, offset = 0): Promise<Readable> {
    const path = this.#blobPath(parseDigest(descriptor.digest));
    if (!(await exists(path))) throw new ValidationError(`${this.label}: blob ${descriptor.digest} is not in the layout`);
    return createReadStream(path, { start: offset, highWaterMark: 1 << 20 });
  }

  /**
   * Writes a blob from a stream: hashed while written to a temporary file, flushed to disk and renamed
   * into place only when digest and size match. A blob already present (at its size) is not written
   * again. `signal` stops the write at once: the temporary file is removed and nothing appears under the
   * blob's name.
   */
  async putBlob(descriptor: Descriptor, source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, options: BlobWriteOptions = {}): Promise<void> {
    const { signal, onBytes } = options;
    const digest = parseDigest(descriptor.digest);
    const operation = `write blob ${digest} to ${this.label}`;
    if (signal?.aborted) throw abortError(signal, operation);
    const path = this.#blobPath(digest);
    if (await this.hasBlob(digest, descriptor.size)) return;
    await mkdir(join(this.dir, 'blobs', digestAlgorithm(digest)), { recursive: true });
    const temp = tempName(path);
    const digester = new Digester(digestAlgorithm(digest));
    try {
      await writeDurably(temp, async (file) => {
        const input = Readable.from(source);
        if (signal) addAbortSignal(signal, input);
        for await (const piece of input as AsyncIterable<Uint8Array>) {
          digester.update(piece);
          await writeWhole(file, piece);
          onBytes?.(digester.size);
        }
      });
      const actual = digester.digest();
      if (actual !== digest || (descriptor.size >= 0 && digester.size !== descriptor.size)) {
        throw new DigestMismatchError(operation, { digest, size: descriptor.size }, { digest: actual, size: digester.size });
      }
      if (signal?.aborted) throw abortError(signal, operation);
      await rename(temp, path);
      await syncDirectory(dirname(path));
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      if (signal?.aborted && !isAbortError(error)) throw abortError(signal, operation);
      throw error;
    }
  }

  /** Writes a manifest's bytes as a blob and, for each of `tags`, points that tag at it in `index.json`. */
  async putManifest(bytes: Buffer, descriptor: Descriptor & { mediaType: string }, tags: readonly string[] = [], signal?: AbortSignal): Promise<void> {
    await this.putBlob(descriptor, [bytes], { signal });
    if (signal?.aborted) throw abortError(signal, `tag manifest ${descriptor.digest} in ${this.label}`);
    if (tags.length > 0) await this.updateIndex((manifests) => tagged(manifests, descriptor, tags));
  }

  /** Adds an untagged entry to `index.json` (a referrer kept beside its subject), unless one has the digest already. */
  async addEntry(descriptor: Descriptor): Promise<void> {
    await this.updateIndex((manifests) => (manifests.some((entry) => entry.digest === descriptor.digest && !entry.annotations?.[REF_NAME_ANNOTATION]) ? manifests : [...manifests, descriptor]));
  }

  /** Rewrites `index.json` through `change` (one change at a time), keeping its other fields. */
  async updateIndex(change: (manifests: Descriptor[]) => Descriptor[]): Promise<void> {
    const run = this.#indexWrites.then(async () => {
      const index = await this.#readIndex();
      const manifests = change(index.manifests);
      if (manifests === index.manifests) return;
      await this.#writeAtomically(join(this.dir, 'index.json'), JSON.stringify({ ...index, manifests }));
    });
    this.#indexWrites = run.catch(() => undefined);
    return run;
  }

  async #readIndex(): Promise<IndexJson> {
    const path = join(this.dir, 'index.json');
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') throw new ValidationError(`${this.label} is not an OCI image layout: it has no index.json`, { cause: error });
      throw error;
    }
    let index: unknown;
    try {
      index = JSON.parse(text);
    } catch (error) {
      throw new SchemaError(`${path}`, [`not JSON: ${(error as Error).message}`]);
    }
    const manifests = (index as { manifests?: unknown } | null)?.manifests;
    if (typeof index !== 'object' || index === null || !Array.isArray(manifests)) throw new SchemaError(path, ['expected an object with a manifests array']);
    return index as IndexJson;
  }

  #blobPath(digest: Digest): string {
    const [algorithm, hex] = digest.split(':') as [string, string];
    return join(this.dir, 'blobs', algorithm, hex);
  }

  async #readBlobFile(digest: Digest): Promise<Buffer> {
    try {
      return await readFile(this.#blobPath(digest));
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') throw new ValidationError(`${this.label}: manifest ${digest} is not in the layout`, { cause: error });
      throw error;
    }
  }

  async #writeAtomically(path: string, content: string): Promise<void> {
    const temp = tempName(path);
    try {
      await writeDurably(temp, (file) => file.writeFile(content));
      await rename(temp, path);
      await syncDirectory(dirname(path));
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw error;
    }
  }
}

/** `index.json` entries with each of `tags` moved to `descriptor` (a tag names one entry only). */
function tagged(manifests: readonly Descriptor[], descriptor: Descriptor & { mediaType: string }, tags: readonly string[]): Descriptor[] {
  for (const tag of tags) if (!isTag(tag)) throw new ValidationError(`${JSON.stringify(tag)} is not a valid tag`);
  const names = new Set(tags);
  const kept = manifests.filter((entry) => !names.has(entry.annotations?.[REF_NAME_ANNOTATION] ?? ''));
  const { mediaType, digest, size } = descriptor;
  return [...kept, ...tags.map((tag) => ({ mediaType, digest, size, annotations: { [REF_NAME_ANNOTATION]: tag } }))];
}

function mediaTypeOf(bytes: Buffer, what: string): string {
  try {
    const mediaType = (JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown }).mediaType;
    if (typeof mediaType === 'string') return mediaType;
  } catch {
    // Reported below.
  }
  throw new SchemaError(what, ['the manifest has no mediaType field']);
}

/**
 * Creates `path` (never an existing file), lets `write` fill it, and flushes it to disk before closing,
 * so that a rename into place after a crash never exposes a name whose bytes were still in the cache.
 */
async function writeDurably(path: string, write: (file: FileHandle) => Promise<void>): Promise<void> {
  const file = await open(path, 'wx');
  try {
    await write(file);
    await file.sync();
  } finally {
    await file.close();
  }
}

/** Writes all of `piece`: one write may take only part of it, and the digest was taken of the whole. */
async function writeWhole(file: FileHandle, piece: Uint8Array): Promise<void> {
  for (let offset = 0; offset < piece.byteLength; ) offset += (await file.write(piece, offset)).bytesWritten;
}

/**
 * Flushes a directory's entries (a rename into it) to disk. Where a directory cannot be opened for
 * that (Windows), the rename stands as the file system keeps it.
 */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Not supported here: nothing more to do.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

function tempName(path: string): string {
  return `${path}.tmp-${process.pid}-${randomHex(4)}`;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
