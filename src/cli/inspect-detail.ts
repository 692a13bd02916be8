import type { InspectResult, Platform } from '../index.js';

/**
 * What `inspect --json` and `inspect --format manifest-tool` show beyond the library's
 * {@link InspectResult}: each entry's whole OCI platform object and, for manifest-tool's text, the
 * layers of each image. Gathered by `commands/inspect.ts`; formatted here, without I/O.
 */
export interface InspectDetail {
  /** Per entry of a list, or the one image: its platform object, null when unknown. */
  platforms: (Platform | null)[];
  /** Per entry (or the one image): its layers, when they were read (manifest-tool format only). */
  layers?: ({ digest: string; mediaType: string }[] | undefined)[];
}

/** The platform object in the key order of the OCI image spec, with only the fields it has. */
function ociPlatform(p: Platform): Record<string, unknown> {
  const out: Record<string, unknown> = { architecture: p.architecture, os: p.os };
  if (p['os.version']) out['os.version'] = p['os.version'];
  if (p['os.features'] && p['os.features'].length > 0) out['os.features'] = p['os.features'];
  if (p.variant) out.variant = p.variant;
  if (p.features && p.features.length > 0) out.features = p.features;
  return out;
}

/**
 * `inspect --json`: the same shape for an image as for a list, so one jq program reads both. Each
 * entry of `manifests` (one for a single image: itself) has its descriptor, its `platform` as the
 * OCI platform object (`os`, `architecture`, `variant`, `os.version`, `os.features`, `features`),
 * `platformString` (`linux/arm64/v8`, `windows/amd64:10.0.17763.1234`) and `attestation`.
 */
export function inspectJson(result: InspectResult, detail: InspectDetail): Record<string, unknown> {
  const described = result.isList
    ? result.entries.map((entry) => ({
        digest: entry.digest,
        mediaType: entry.mediaType,
        size: entry.size,
        platformString: entry.platform,
        attestation: entry.attestation,
        ...(entry.annotations ? { annotations: entry.annotations } : {}),
      }))
    : [{ digest: result.digest, mediaType: result.mediaType, size: result.bytes.length, platformString: result.platform ?? 'unknown', attestation: false }];
  const manifests = described.map(({ platformString, ...entry }, i) => {
    const platform = detail.platforms[i];
    return { ...entry, platform: platform ? ociPlatform(platform) : null, platformString };
  });
  return { reference: result.reference, digest: result.digest, mediaType: result.mediaType, size: result.bytes.length, isList: result.isList, manifests };
}
