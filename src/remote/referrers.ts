/**
 * Listing referrers (distribution-spec "Listing Referrers"): through the referrers API, or the
 * `<alg>-<hex>` fallback tag on registries without it. Keeping that tag up to date after a push is
 * part of putManifest (manifests.ts); the pure rules are in oci/referrers.ts.
 */
import type { CallOptions, RemoteContext } from './context.js';
import { pullScope, routes } from './routes.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import { parseDigest } from '../oci/digest.js';
import { RegistryError } from '../errors.js';
import { headManifest, readFallbackIndex } from './manifests.js';
import { MediaType } from '../oci/media-types.js';
import { referrersTag } from '../oci/referrers.js';
import { OciIndexSchema, parseJson, validate, type Descriptor } from '../oci/schemas.js';

/** Options of {@link listReferrers}. */
export interface ReferrersOptions extends CallOptions {
  /** Only referrers whose `artifactType` is this. */
  artifactType?: string;
}

/**
 * The manifests that refer to `subject` through their `subject` field. Asks the referrers API
 * (`GET /v2/<name>/referrers/<digest>`); a registry without it (404 or 400) is read through the
 * fallback tag `<alg>-<hex>`, and no such tag means no referrers. The answer is an index read with
 * the manifest size cap; `artifactType` is filtered here when the registry did not filter.
 */
export async function listReferrers(ctx: RemoteContext, input: ReferenceInput, options: ReferrersOptions = {}): Promise<Descriptor[]> {
  const ref = toReference(input);
  const subject = ref.digest ?? parseDigest((await headManifest(ctx, ref, options)).digest);
  const operation = `GET referrers of ${ref.registry}/${ref.repository}@${subject}`;
  const wanted = (list: Descriptor[]) => (options.artifactType === undefined ? list : list.filter((d) => d.artifactType === options.artifactType));
  let bytes: Buffer;
  try {
    const request = {
      registry: ref.registry,
      method: 'GET' as const,
      path: routes.referrers(ref, subject),
      query: { artifactType: options.artifactType },
      headers: { accept: MediaType.OciIndex },
      scopes: [pullScope(ref)],
      operation,
      expect: [200],
      signal: options.signal,
    };
    ({ bytes } = await ctx.transport.requestBytes(request, ctx.maxManifestBytes));
  } catch (error) {
    if (!(error instanceof RegistryError && (error.status === 404 || error.status === 400))) throw error;
    const index = await readFallbackIndex(ctx, ref.withTag(referrersTag(subject)), options);
    return wanted(index?.manifests ?? []);
  }
  const index = validate(OciIndexSchema, parseJson(bytes, operation), operation);
  return wanted(index.manifests);
}
