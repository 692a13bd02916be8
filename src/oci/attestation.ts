import { isAttestationPlatform } from './platform.js';
import type { Descriptor } from './schemas.js';

/** Annotation BuildKit puts on attestation manifests in an index: what kind of reference the entry is. */
export const REFERENCE_TYPE = 'vnd.docker.reference.type';
/** Annotation BuildKit puts on attestation manifests: the digest of the image they describe. */
export const REFERENCE_DIGEST = 'vnd.docker.reference.digest';
export const ATTESTATION_MANIFEST = 'attestation-manifest';

/** True for an index entry that is a BuildKit attestation manifest (platform `unknown/unknown` or the attestation annotation). */
export function isAttestationEntry(descriptor: Pick<Descriptor, 'platform' | 'annotations'>): boolean {
  return isAttestationPlatform(descriptor.platform) || descriptor.annotations?.[REFERENCE_TYPE] === ATTESTATION_MANIFEST;
}
