/**
 * Listing referrers (distribution-spec "Listing Referrers"): through the referrers API, or the
 * `<alg>-<hex>` fallback tag on registries without it. Whether a registry has the API is decided
 * in referrers-api.ts; keeping the tag up to date after a push is part of putManifest
 * (manifests.ts); the pure rules are in oci/referrers.ts.
 */
import type { CallOptions, RemoteContext } from './context.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import { parseDigest } from '../oci/digest.js';
import { headManifest, readFallbackIndex } from './manifests.js';
import { referrersTag } from '../oci/referrers.js';
import type { Descriptor } from '../oci/schemas.js';
import { knownReferrersApi, requestReferrers } from './referrers-api.js';

/** Options of {@link listReferrers}. */
export interface ReferrersOptions extends CallOptions {
  /** Only referrers whose `artifactType` is this. */
  artifactType?: string;
}

/**
 * The manifests that refer to `subject` through their `subject` field. Asks the referrers API
 * (`GET /v2/<name>/referrers/<digest>`); a registry without it (404 or 400, or an answer that is
 * not an OCI index) is read through the fallback tag `<alg>-<hex>`, and no such tag means no
 * referrers. Once a repository is known to lack the API, only the tag is read. The answer is
 * read with the manifest size cap; `artifactType` is filtered here when the registry did not filter.
 */
export async function listReferrers(ctx: RemoteContext, input: ReferenceInput, options: ReferrersOptions = {}): Promise<Descriptor[]> {
  const ref = toReference(input);
  const subject = ref.digest ?? parseDigest((await headManifest(ctx, ref, options)).digest);
  const wanted = (list: Descriptor[]) => (options.artifactType === undefined ? list : list.filter((d) => d.artifactType === options.artifactType));
  if ((await knownReferrersApi(ctx, ref)) !== false) {
    const answer = await requestReferrers(ctx, ref, subject, { artifactType: options.artifactType, signal: options.signal });
    if (answer.supported) return wanted(answer.index.manifests);
  }
  const index = await readFallbackIndex(ctx, ref.withTag(referrersTag(subject)), options);
  return wanted(index?.manifests ?? []);
}
