import type { IndexFormat } from './compose.js';
import { convertManifest } from './convert.js';
import type { Digest } from '../oci/digest.js';
import { ValidationError } from '../errors.js';
import { REFERENCE_DIGEST } from '../oci/attestation.js';
import type { PreparedEntry, ResolvedEntry } from './entries.js';

/**
 * Converts every entry that is not of the `to` family (see {@link convertManifest}). An image that
 * attestation manifests refer to cannot be converted: its digest would change and the
 * attestations, which name it inside their signed content, would no longer describe it.
 */
export function convertEntries(entries: readonly ResolvedEntry[], to: IndexFormat): PreparedEntry[] {
  const attested = new Set(entries.flatMap((e) => (e.attestation && e.annotations?.[REFERENCE_DIGEST] ? [e.annotations[REFERENCE_DIGEST]] : [])));
  return entries.map((entry): PreparedEntry => {
    const converted = convertManifest(entry.manifest, entry.bytes, to, entry.image);
    if (!converted.changed) return entry;
    if (attested.has(entry.descriptor.digest)) {
      throw new ValidationError(
        `${entry.image}: cannot convert it to ${to === 'oci' ? 'OCI' : 'Docker'} media types: attestation manifests refer to its digest, which conversion changes; use mediaType "${to === 'oci' ? 'docker' : 'oci'}"`,
      );
    }
    return {
      ...entry,
      bytes: converted.bytes,
      manifest: converted.manifest,
      descriptor: { mediaType: converted.mediaType, digest: converted.digest, size: converted.size },
      convertedFrom: entry.descriptor.digest as Digest,
    };
  });
}
