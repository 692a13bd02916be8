import { getBlobBytes } from '../remote/blobs.js';
import type { RemoteContext } from '../remote/context.js';
import type { ImageManifest } from '../oci/manifest.js';
import { MediaType } from '../oci/media-types.js';
import { platformFromConfig } from '../oci/platform.js';
import type { Reference } from '../oci/reference.js';
import { ImageConfigSchema, parseJson, validate, type Platform } from '../oci/schemas.js';

const IMAGE_CONFIG_TYPES = new Set<string>([MediaType.OciConfig, MediaType.DockerConfig]);

/**
 * Reads an image's config blob from `repo` (capped at `ctx.maxManifestBytes`, digest verified) and
 * returns the platform it describes, normalised. Undefined when the config is not an image config
 * (an artifact's) or names no os and architecture; a config that is not JSON, or whose platform
 * fields have the wrong types, is a {@link SchemaError} naming `what`.
 */
export async function readConfigPlatform(
  ctx: RemoteContext,
  repo: Reference,
  manifest: ImageManifest,
  what: string,
  signal: AbortSignal | undefined,
): Promise<Platform | undefined> {
  if (!IMAGE_CONFIG_TYPES.has(manifest.config.mediaType)) return undefined;
  const label = `image config of ${what}`;
  const document = parseJson(await getBlobBytes(ctx, repo, manifest.config, ctx.maxManifestBytes, { signal }), label);
  if (typeof document !== 'object' || document === null || Array.isArray(document)) return undefined;
  const { os, architecture } = document as Record<string, unknown>;
  if (typeof os !== 'string' || os === '' || typeof architecture !== 'string' || architecture === '') return undefined;
  return platformFromConfig(validate(ImageConfigSchema, document, label));
}
