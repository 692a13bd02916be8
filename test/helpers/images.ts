import { constants as zlibConstants } from 'node:zlib';
import { digestOf, type Digest } from '../../src/oci/digest.js';
import { ValidationError } from '../../src/errors.js';
import { MediaType } from '../../src/oci/media-types.js';
import { randomImage } from '../../src/registry/index.js';
import { RegistryClient, type RegistryClientOptions } from '../../src/client.js';
import { createTar } from './tar.js';

export { writeDirLayout } from './dir-layout.js';
export { writeOciLayout, type OciLayoutEntry } from './oci-layout.js';

/** Which family of media types a test image uses. */
export type ImageFormat = 'oci' | 'docker';

/** Content-addressed bytes with the descriptor fields that point at them. */
export interface BuiltBlob {
  bytes: Buffer;
  digest: Digest;
  size: number;
  mediaType: string;
}

/** A gzipped layer; `diffId` is the digest of its uncompressed tar. */
export interface BuiltLayer extends BuiltBlob {
  diffId: Digest;
}

/** A platform as written in image configs and index descriptors. */
export interface TestPlatform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** A complete single-platform image held in memory. */
export interface BuiltImage {
  format: ImageFormat;
  manifest: BuiltBlob;
  config: BuiltBlob;
  layers: BuiltLayer[];
  platform: TestPlatform;
}

/** An OCI index or Docker manifest list over some images, held in memory. */
export interface BuiltIndex {
  format: ImageFormat;
  bytes: Buffer;
  digest: Digest;
  size: number;
  mediaType: string;
  children: BuiltImage[];
}

/** Input of {@link buildImage}. */
export interface BuildImageOptions {
  os: string;
  architecture: string;
  variant?: string;
  osVersion?: string;
  osFeatures?: string[];
  /** Text of the file in each layer; defaults to a greeting naming the platform, so platforms get distinct blobs. */
  content?: string;
  /** Media type family; default `oci`. */
  format?: ImageFormat;
  /** Number of layers, each holding one file; default 1. */
  layers?: number;
  /** Manifest annotations (OCI format only). */
  annotations?: Record<string, string>;
}

/** `os/architecture[/variant]`, the usual short form of a platform. */
export function platformString(platform: Pick<TestPlatform, 'os' | 'architecture' | 'variant'>): string {
  return [platform.os, platform.architecture, platform.variant].filter(Boolean).join('/');
}

/**
 * Builds a tiny image deterministically: the same options always give the same bytes and
 * digests for manifest, config and layers. Built on the library's `randomImage`, with explicit
 * content: each layer one text file (archived by {@link createTar}, gzipped at level 9).
 */
export function buildImage(options: BuildImageOptions): BuiltImage {
  const format = options.format ?? 'oci';
  if (format !== 'oci' && format !== 'docker') throw new ValidationError(`format must be oci or docker, got ${String(format)}`);
  const layerCount = options.layers ?? 1;
  if (!Number.isInteger(layerCount) || layerCount < 1 || layerCount > 64) {
    throw new ValidationError(`layers must be an integer from 1 to 64, got ${String(options.layers)}`);
  }
  if (!options.os || !options.architecture) throw new ValidationError('buildImage needs both os and architecture');
  if (options.annotations && format !== 'oci') throw new ValidationError('manifest annotations need the oci format');

  const platform: TestPlatform = { architecture: options.architecture, os: options.os };
  if (options.variant !== undefined) platform.variant = options.variant;
  if (options.osVersion !== undefined) platform['os.version'] = options.osVersion;
  if (options.osFeatures !== undefined) platform['os.features'] = [...options.osFeatures];

  const content = options.content ?? `hello from ${platformString(platform)}\n`;
  const fileNames = Array.from({ length: layerCount }, (_, index) => `layer-${index}.txt`);
  const image = randomImage({
    platform,
    format,
    layers: fileNames.map((name, index) => ({ tar: createTar([{ name, content: layerCount === 1 ? content : `${content}layer ${index}\n` }]) })),
    config: { Cmd: ['cat', ...fileNames.map((name) => `/${name}`)] },
    compressionLevel: zlibConstants.Z_BEST_COMPRESSION,
    ...(options.annotations ? { annotations: options.annotations } : {}),
  });
  return { ...image, platform };
}

/**
 * Builds an OCI image index (`oci`) or a Docker manifest list (`docker`) whose entries are the
 * given images with their platforms, in the given order.
 */
export function buildIndex(
  children: readonly BuiltImage[],
  format: ImageFormat = 'oci',
  options: { annotations?: Record<string, string> } = {},
): BuiltIndex {
  if (children.length === 0) throw new ValidationError('an index needs at least one child image');
  if (options.annotations && format !== 'oci') throw new ValidationError('index annotations need the oci format');
  const mediaType = format === 'oci' ? MediaType.OciIndex : MediaType.DockerManifestList;
  const document = {
    schemaVersion: 2,
    mediaType,
    manifests: children.map((child) => ({ ...descriptorOf(child.manifest), platform: child.platform })),
    ...(options.annotations ? { annotations: { ...options.annotations } } : {}),
  };
  const bytes = Buffer.from(JSON.stringify(document), 'utf8');
  return { format, bytes, digest: digestOf(bytes), size: bytes.length, mediaType, children: [...children] };
}

/** Every blob an image consists of (manifest, config, layers). */
export function blobsOf(image: BuiltImage): BuiltBlob[] {
  return [image.manifest, image.config, ...image.layers];
}

function descriptorOf(blob: BuiltBlob): { mediaType: string; digest: Digest; size: number } {
  return { mediaType: blob.mediaType, digest: blob.digest, size: blob.size };
}

/** Builds an image and pushes it to `ref` (blobs, then the manifest) with a client of its own. */
export async function pushBuiltImage(ref: string, options: BuildImageOptions, credentials: RegistryClientOptions['credentials'] = {}): Promise<BuiltImage> {
  const image = buildImage(options);
  const client = new RegistryClient({ dockerConfig: false, credentials });
  try {
    for (const blob of [image.config, ...image.layers]) await client.pushBlob(ref, blob.bytes);
    await client.putManifest(ref, image.manifest.bytes);
  } finally {
    await client.close();
  }
  return image;
}
