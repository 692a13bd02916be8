import { type CallOptions, type RemoteContext } from '../remote/context.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import type { Digest } from '../oci/digest.js';
import type { InspectedEntry, InspectResult } from './types.js';
import { isImageIndex } from '../oci/manifest.js';
import { getManifest } from '../remote/manifests.js';
import { formatPlatform } from '../oci/platform.js';
import { isAttestationEntry } from '../oci/attestation.js';
import { readConfigPlatform } from './config-platform.js';
import type { Descriptor } from '../oci/schemas.js';

const UNKNOWN_PLATFORM = 'unknown/unknown';

/**
 * Reports what a reference is, as `mquery` does: for a manifest list or OCI index, every entry
 * with its platform string (`linux/arm64/v8`, `windows/amd64:10.0.17763.1234`; `unknown/unknown`
 * for BuildKit attestation manifests, which are flagged, and for entries that record no platform);
 * for a single image, the platform its config describes. Platforms of list entries are shown as
 * the list records them, without normalisation. Reads only: one GET of the manifest, plus one of
 * the config for a single image.
 */
export async function inspect(ctx: RemoteContext, input: ReferenceInput, options: CallOptions = {}): Promise<InspectResult> {
  const ref = toReference(input);
  const { manifest, descriptor, bytes } = await getManifest(ctx, ref, { signal: options.signal });
  const result: InspectResult = {
    reference: ref.toString(),
    digest: descriptor.digest as Digest,
    mediaType: descriptor.mediaType,
    isList: isImageIndex(manifest),
    entries: [],
    bytes,
  };
  if (isImageIndex(manifest)) {
    result.entries = manifest.manifests.map(inspectedEntry);
    return result;
  }
  const platform = await readConfigPlatform(ctx, ref, manifest, ref.toString(), options.signal);
  if (platform !== undefined) result.platform = formatPlatform(platform);
  return result;
}

function inspectedEntry(descriptor: Descriptor): InspectedEntry {
  const entry: InspectedEntry = {
    platform: descriptor.platform ? formatPlatform(descriptor.platform) : UNKNOWN_PLATFORM,
    digest: descriptor.digest as Digest,
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    attestation: isAttestationEntry(descriptor),
  };
  if (descriptor.annotations !== undefined && Object.keys(descriptor.annotations).length > 0) entry.annotations = { ...descriptor.annotations };
  return entry;
}
