import { digestAlgorithm, digestOf, type Digest } from '../../oci/digest.js';
import { formatOciTag, OCI_TAG_HEADER, TAG_PARAMETER } from '../../oci/tag-parameters.js';
import { ApiError } from '../api-error.js';
import { collectGarbage, existingRepository, type RegistryContext } from '../context.js';
import { checkTag, lookupManifestReference, parseManifestReference, type ManifestReference } from '../grammar.js';
import { contentLength, header, readBody, send, type Exchange } from '../http-io.js';
import { checkManifest, type CheckedManifest } from '../manifest-check.js';
import type { ManifestRecord, Repository } from '../storage/state.js';

const manifestUnknown = (reference: string): ApiError =>
  ApiError.of(404, 'MANIFEST_UNKNOWN', `manifest ${reference} is not known to this repository`, { reference });

function resolve(repository: Repository, reference: string): ManifestRecord {
  const ref = lookupManifestReference(reference);
  if (!ref) {
    throw ApiError.of(404, 'MANIFEST_UNKNOWN', `${JSON.stringify(reference.slice(0, 200))} is neither a tag nor a digest, so it names no manifest`, {
      reference: reference.slice(0, 200),
    });
  }
  const digest = ref.kind === 'digest' ? ref.digest : repository.tags.get(ref.tag);
  const record = digest === undefined ? undefined : repository.manifests.get(digest);
  if (!record) throw manifestUnknown(reference);
  return record;
}

/**
 * `GET`/`HEAD /v2/<name>/manifests/<reference>`: the stored bytes with the media type they were pushed with (`Accept`
 * is not used to convert). A malformed reference is a 404 `MANIFEST_UNKNOWN`, not a 400.
 */
export async function getManifest(ctx: RegistryContext, ex: Exchange, name: string, reference: string): Promise<void> {
  const repository = existingRepository(ctx, name);
  const record = resolve(repository, reference);
  const headers = {
    'Content-Type': record.mediaType,
    'Docker-Content-Digest': record.digest,
    'Content-Length': record.size,
    ETag: `"${record.digest}"`,
  };
  if (ex.method === 'HEAD') {
    await send(ex, { status: 200, headers });
    return;
  }
  const bytes = await ctx.store.readAll(record.digest);
  if (!bytes) throw manifestUnknown(reference);
  await send(ex, { status: 200, headers, body: bytes });
}

/**
 * `PUT /v2/<name>/manifests/<reference>`. By digest, each `?tag=` also points that tag at the manifest, and
 * every tag applied is answered in `OCI-Tag`; all of them are checked before anything is read or stored.
 */
export async function putManifest(ctx: RegistryContext, ex: Exchange, name: string, reference: string): Promise<void> {
  const ref = parseManifestReference(reference);
  const extraTags = tagParameters(ex, ref);
  const bytes = await readManifestBody(ex, ctx.maxManifestBytes);
  const checked = checkManifest(bytes, header(ex, 'content-type'));
  const digest = digestOf(bytes, ref.kind === 'digest' ? digestAlgorithm(ref.digest) : 'sha256');
  if (ref.kind === 'digest' && digest !== ref.digest) {
    throw ApiError.of(400, 'DIGEST_INVALID', `manifest has digest ${digest}, not ${ref.digest}`, { expected: ref.digest, actual: digest });
  }
  checkReferences(ctx.state.get(name), checked);
  const refusal = ctx.behaviour?.refuseManifest?.(checked, bytes, name);
  if (refusal) throw refusal;
  await ctx.locks.run(digest, async () => {
    await ctx.store.putBytes(digest, bytes);
    const repository = ctx.state.getOrCreate(name);
    repository.manifests.set(digest, toRecord(digest, bytes.byteLength, checked));
    for (const tag of ref.kind === 'tag' ? [ref.tag] : extraTags) repository.tags.set(tag, digest);
  });
  await ctx.persist();
  const headers: Record<string, string | number | string[]> = {
    Location: `/v2/${name}/manifests/${digest}`,
    'Docker-Content-Digest': digest,
    'Content-Length': 0,
  };
  if (checked.subject && ctx.behaviour?.acknowledgesSubject !== false) headers['OCI-Subject'] = checked.subject;
  if (extraTags.length > 0) headers[OCI_TAG_HEADER] = formatOciTag(extraTags);
  await send(ex, { status: 201, headers });
}

/**
 * The `?tag=` values of a manifest PUT, each checked (400 `TAG_INVALID` naming the first bad one), duplicates
 * dropped. The spec defines them on a PUT by digest only; on a PUT by tag they are refused (400 `UNSUPPORTED`)
 * rather than ignored, so a client never takes tags for written that were not.
 */
function tagParameters(ex: Exchange, ref: ManifestReference): string[] {
  const tags = [...new Set(ex.query.getAll(TAG_PARAMETER).map(checkTag))];
  if (tags.length > 0 && ref.kind === 'tag') {
    throw ApiError.of(400, 'UNSUPPORTED', `?${TAG_PARAMETER}= is accepted on a manifest PUT by digest only, not by tag ${ref.tag}`, { tags });
  }
  return tags;
}

/** Reads the body, refusing (413 `SIZE_INVALID`) anything over `limit` without buffering past it. */
async function readManifestBody(ex: Exchange, limit: number): Promise<Buffer> {
  const tooLarge = (): ApiError =>
    ApiError.of(413, 'SIZE_INVALID', `manifest exceeds the ${limit}-byte limit of this registry`, { limit });
  const declared = contentLength(ex);
  if (declared !== undefined && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  const { sinkError } = await readBody(ex.req, (chunk) => {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  });
  if (sinkError) throw sinkError;
  return Buffer.concat(chunks, size);
}

/** Every blob and child manifest must already be in the repository (the subject need not be). */
function checkReferences(repository: Repository | undefined, checked: CheckedManifest): void {
  const missing = checked.references.filter(({ digest, kind }) => {
    if (!repository) return true;
    if (kind === 'blob') return !repository.blobs.has(digest);
    if (kind === 'manifest') return !repository.manifests.has(digest);
    return !repository.references(digest);
  });
  if (missing.length === 0) return;
  throw new ApiError(
    400,
    missing.map(({ digest, kind }) => ({
      code: 'MANIFEST_BLOB_UNKNOWN' as const,
      message: `${kind === 'blob' ? 'blob' : 'manifest'} ${digest} is not in the repository`,
      detail: { digest },
    })),
  );
}

function toRecord(digest: Digest, size: number, checked: CheckedManifest): ManifestRecord {
  const record: ManifestRecord = { digest, mediaType: checked.mediaType, size };
  if (checked.subject) record.subject = checked.subject;
  if (checked.artifactType) record.artifactType = checked.artifactType;
  if (checked.annotations) record.annotations = checked.annotations;
  return record;
}

/** `DELETE /v2/<name>/manifests/<reference>`: by digest removes the manifest and every tag pointing at it; by tag removes only the tag. */
export async function deleteManifest(ctx: RegistryContext, ex: Exchange, name: string, reference: string): Promise<void> {
  const ref = parseManifestReference(reference);
  const repository = existingRepository(ctx, name);
  if (ref.kind === 'tag') {
    if (!repository.tags.delete(ref.tag)) throw manifestUnknown(reference);
  } else {
    if (!repository.manifests.has(ref.digest)) throw manifestUnknown(reference);
    repository.deleteManifest(ref.digest);
  }
  await ctx.persist();
  if (ref.kind === 'digest') await collectGarbage(ctx, ref.digest);
  await send(ex, { status: 202, headers: { 'Content-Length': 0 } });
}
