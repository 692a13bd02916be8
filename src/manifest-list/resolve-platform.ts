import type { CallOptions, RemoteContext } from '../remote/context.js';
import { MultiplatformError } from '../errors.js';
import { isImageIndex } from '../oci/manifest.js';
import { getManifest } from '../remote/manifests.js';
import { assertPlatform, formatPlatform, normalizePlatform, parsePlatform, platformMatches } from '../oci/platform.js';
import { isAttestationEntry } from '../oci/attestation.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import type { Descriptor, Platform } from '../oci/schemas.js';
import { readConfigPlatform } from './config-platform.js';

/**
 * The descriptor a runtime asking for `platform` would pull from `input`.
 *
 * For an index: the first image entry whose platform {@link platformMatches} (so a gzip entry
 * listed before its zstd sibling wins, as in a runtime), copied from the index as it is; only the
 * index is read (one GET), never the child, so a pull quota such as Docker Hub's is not spent on it.
 * For a single image: its own descriptor, with the platform of its config, when that platform
 * matches: this reads the config blob too. No match is a {@link MultiplatformError} that lists the
 * platforms there are.
 */
export async function resolvePlatform(ctx: RemoteContext, input: ReferenceInput, platform: string | Platform, options: CallOptions = {}): Promise<Descriptor> {
  const ref = toReference(input);
  const wanted = wantedPlatform(platform);
  const { manifest, descriptor } = await getManifest(ctx, ref, { signal: options.signal });
  if (isImageIndex(manifest)) {
    const images = manifest.manifests.filter((entry) => !isAttestationEntry(entry) && entry.platform !== undefined);
    const match = images.find((entry) => platformMatches(wanted, entry.platform as Platform));
    if (match !== undefined) return { ...match };
    const there = images.map((entry) => formatPlatform(entry.platform as Platform));
    throw new MultiplatformError(`${ref.toString()} has no entry for ${formatPlatform(wanted)}; it has ${there.length > 0 ? there.join(', ') : 'no platform entries'}`);
  }
  const own = await readConfigPlatform(ctx, ref, manifest, ref.toString(), options.signal);
  if (own !== undefined && platformMatches(wanted, own)) return { ...descriptor, platform: own };
  throw new MultiplatformError(
    `${ref.toString()} is a single image for ${own === undefined ? 'no known platform' : formatPlatform(own)}, not ${formatPlatform(wanted)}`,
  );
}

function wantedPlatform(platform: string | Platform): Platform {
  if (typeof platform === 'string') return normalizePlatform(parsePlatform(platform));
  assertPlatform(platform, 'resolvePlatform: platform');
  return normalizePlatform(platform);
}
