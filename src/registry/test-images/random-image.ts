import { constants as zlib, gzipSync } from 'node:zlib';
import { ValidationError } from '../../errors.js';
import { digestOf, type Digest } from '../../oci/digest.js';
import { MediaType } from '../../oci/media-types.js';
import { parsePlatform } from '../../oci/platform.js';
import { contentBytes } from './seeded-bytes.js';
import { tarArchive, type LayerFile } from './tar.js';

/** The platform of a test image, as its config and an index entry write it. */
export interface ImagePlatform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** What one layer holds: files (archived by {@link randomImage}) or a whole uncompressed tar archive. */
export type LayerContent = { files: LayerFile[] } | { tar: Uint8Array };

/** Options of {@link randomImage}. */
export interface RandomImageOptions {
  /** `os/arch[/variant][:os.version]` (e.g. `linux/arm64/v8`) or the platform object. */
  platform: string | ImagePlatform;
  /** Media types: `oci` (default) or `docker` (a Docker image manifest v2). */
  format?: 'oci' | 'docker';
  /** How many layers of generated content (default 1), or the content of each layer. */
  layers?: number | LayerContent[];
  /** Bytes of generated content per layer (default 1024), one file `layer-N` each. */
  layerSize?: number;
  /** Makes generated content the same on every run; without it, generated content is random. */
  seed?: string | number;
  /** The config's runtime part (`Cmd`, `Entrypoint`, `Env`, `ExposedPorts`, …); absent by default. */
  config?: Record<string, unknown>;
  /** Manifest annotations (`oci` format only). */
  annotations?: Record<string, string>;
  /** gzip level of the layers, 0 to 9; default zlib's own (6). */
  compressionLevel?: number;
}

/** Bytes with the descriptor fields that point at them. */
export interface ImageBlob {
  bytes: Buffer;
  digest: Digest;
  size: number;
  mediaType: string;
}

/** A gzipped layer; `diffId` is the digest of its uncompressed tar. */
export interface ImageLayer extends ImageBlob {
  diffId: Digest;
}

/** A single-platform image held in memory, ready for {@link pushImage}. */
export interface TestImage {
  format: 'oci' | 'docker';
  platform: ImagePlatform;
  config: ImageBlob;
  layers: ImageLayer[];
  manifest: ImageBlob;
}

const MEDIA_TYPES = {
  oci: { manifest: MediaType.OciManifest, config: MediaType.OciConfig, layer: MediaType.OciLayerGzip },
  docker: { manifest: MediaType.DockerManifest, config: MediaType.DockerConfig, layer: MediaType.DockerLayerGzip },
} as const;
const DEFAULT_LAYER_SIZE = 1024;
const MAX_LAYERS = 128;
const MAX_LAYER_SIZE = 64 * 1024 * 1024;

/**
 * Builds a single-platform image in memory: gzipped tar layers, a config naming the platform and
 * listing the layers' diff IDs, and a manifest, each with its digest. The same options with a `seed`
 * (or explicit layer content) give the same bytes every time. Push it with {@link pushImage}.
 *
 * @example
 * const image = randomImage({ platform: 'linux/arm64/v8', layers: 2, seed: 'test-1' });
 * await pushImage(client, `${registry.host}/app:arm64`, image);
 */
export function randomImage(options: RandomImageOptions): TestImage {
  const { format = 'oci', layerSize = DEFAULT_LAYER_SIZE, compressionLevel = zlib.Z_DEFAULT_COMPRESSION } = checkOptions(options);
  const types = MEDIA_TYPES[format];
  const platform = platformOf(options.platform);
  const seed = options.seed === undefined ? undefined : String(options.seed);
  const contents = typeof options.layers === 'object' ? options.layers : generatedLayers(options.layers ?? 1, layerSize, seed);
  const layers = contents.map((content) => layerOf(content, types.layer, compressionLevel));

  const config = blobOf(
    JSON.stringify({
      ...platform,
      ...(options.config !== undefined ? { config: options.config } : {}),
      rootfs: { type: 'layers', diff_ids: layers.map((layer) => layer.diffId) },
    }),
    types.config,
  );
  const manifest = blobOf(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: types.manifest,
      config: descriptorOf(config),
      layers: layers.map(descriptorOf),
      ...(options.annotations !== undefined ? { annotations: { ...options.annotations } } : {}),
    }),
    types.manifest,
  );
  return { format, platform, config, layers, manifest };
}

function generatedLayers(count: number, size: number, seed: string | undefined): LayerContent[] {
  return Array.from({ length: count }, (_, index) => ({
    files: [{ name: `layer-${index}`, content: contentBytes(size, seed, `layer ${index}`) }],
  }));
}

/**
 * A gzipped layer. gzip's header carries the OS that compressed it; it is pinned to 3 (Unix), so
 * the same content gives the same digest on every system.
 */
function layerOf(content: LayerContent, mediaType: string, level: number): ImageLayer {
  const tar = 'tar' in content ? Buffer.from(content.tar) : tarArchive(content.files);
  const gzipped = gzipSync(tar, { level });
  gzipped[9] = 3;
  return { ...blobOf(gzipped, mediaType), diffId: digestOf(tar) };
}

/** The platform with its fields in the order image configs write them. */
function platformOf(input: string | ImagePlatform): ImagePlatform {
  const given = typeof input === 'string' ? parsePlatform(input) : input;
  const platform: ImagePlatform = { architecture: given.architecture, os: given.os };
  if (given.variant !== undefined) platform.variant = given.variant;
  if (given['os.version'] !== undefined) platform['os.version'] = given['os.version'];
  if (given['os.features'] !== undefined) platform['os.features'] = [...given['os.features']];
  return platform;
}

function blobOf(data: Buffer | string, mediaType: string): ImageBlob {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  return { bytes, digest: digestOf(bytes), size: bytes.length, mediaType };
}

function descriptorOf(blob: ImageBlob): { mediaType: string; digest: Digest; size: number } {
  return { mediaType: blob.mediaType, digest: blob.digest, size: blob.size };
}

function checkOptions(options: RandomImageOptions): RandomImageOptions {
  const invalid = (message: string): never => {
    throw new ValidationError(`randomImage: ${message}`);
  };
  if (options === null || typeof options !== 'object') invalid('options must be an object');
  const { platform, format, layers, layerSize, seed, config, annotations, compressionLevel } = options;
  if (typeof platform === 'object' && platform !== null) {
    if (typeof platform.os !== 'string' || platform.os === '' || typeof platform.architecture !== 'string' || platform.architecture === '') {
      invalid('platform needs os and architecture');
    }
  } else if (typeof platform !== 'string') invalid('platform must be "os/arch[/variant]" or { os, architecture, ... }');
  if (format !== undefined && format !== 'oci' && format !== 'docker') invalid(`format must be 'oci' or 'docker', got ${String(format)}`);
  if (typeof layers === 'number' && (!Number.isInteger(layers) || layers < 1 || layers > MAX_LAYERS)) {
    invalid(`layers must be an integer from 1 to ${MAX_LAYERS}, got ${String(layers)}`);
  }
  if (Array.isArray(layers)) {
    if (layers.length === 0 || layers.length > MAX_LAYERS) invalid(`layers must list 1 to ${MAX_LAYERS} layers`);
    for (const layer of layers) {
      const ok = layer !== null && typeof layer === 'object' && (('tar' in layer && layer.tar instanceof Uint8Array) || ('files' in layer && Array.isArray(layer.files)));
      if (!ok) invalid('each entry of layers must be { files: [{ name, content }] } or { tar: Uint8Array }');
    }
  } else if (layers !== undefined && typeof layers !== 'number') invalid('layers must be a number or an array of layer contents');
  if (layerSize !== undefined && (!Number.isInteger(layerSize) || layerSize < 0 || layerSize > MAX_LAYER_SIZE)) {
    invalid(`layerSize must be an integer from 0 to ${MAX_LAYER_SIZE}, got ${String(layerSize)}`);
  }
  if (seed !== undefined && typeof seed !== 'string' && typeof seed !== 'number') invalid('seed must be a string or a number');
  if (config !== undefined && (config === null || typeof config !== 'object' || Array.isArray(config))) invalid('config must be an object');
  if (annotations !== undefined) {
    if (format === 'docker') invalid('annotations need the oci format');
    if (annotations === null || typeof annotations !== 'object' || Object.values(annotations).some((v) => typeof v !== 'string')) {
      invalid('annotations must map strings to strings');
    }
  }
  if (compressionLevel !== undefined && (!Number.isInteger(compressionLevel) || compressionLevel < 0 || compressionLevel > 9)) {
    invalid(`compressionLevel must be an integer from 0 to 9, got ${String(compressionLevel)}`);
  }
  return options;
}
