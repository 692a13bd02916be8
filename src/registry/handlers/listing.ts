import { MediaType } from '../../oci/media-types.js';
import { ApiError } from '../api-error.js';
import { existingRepository, type RegistryContext } from '../context.js';
import { checkDigest } from '../grammar.js';
import { sendJson, type Exchange } from '../http-io.js';
import { compareAscii } from '../storage/state.js';

/** One page of a sorted list, after `last` and at most `n` long, with the `last` of the next page when more remain. */
export function paginate(sorted: string[], query: URLSearchParams): { items: string[]; nextLast?: string; n?: number } {
  const nValue = query.get('n');
  let n: number | undefined;
  if (nValue !== null && nValue !== '') {
    n = Number(nValue);
    if (!/^\d+$/.test(nValue) || !Number.isSafeInteger(n)) {
      throw ApiError.of(400, 'UNSUPPORTED', `n must be a non-negative integer, got ${JSON.stringify(nValue.slice(0, 50))}`);
    }
  }
  const last = query.get('last');
  const start = last ? sorted.findIndex((item) => compareAscii(item, last) > 0) : 0;
  const rest = start === -1 ? [] : sorted.slice(start);
  if (n === undefined) return { items: rest };
  const items = rest.slice(0, n);
  const nextLast = n > 0 && rest.length > n ? items[items.length - 1] : undefined;
  return nextLast === undefined ? { items, n } : { items, nextLast, n };
}

function linkHeader(path: string, n: number, last: string): string {
  return `<${path}?n=${n}&last=${encodeURIComponent(last)}>; rel="next"`;
}

function pagingQuery({ n, last }: { n: number; last: string | undefined }): URLSearchParams {
  const query = new URLSearchParams({ n: String(n) });
  if (last !== undefined) query.set('last', last);
  return query;
}

/** `GET /v2/<name>/tags/list` with `n`/`last` pagination and a `Link` to the next page. */
export async function listTags(ctx: RegistryContext, ex: Exchange, name: string): Promise<void> {
  const repository = existingRepository(ctx, name);
  const paging = ctx.behaviour?.tagPaging;
  const query = paging ? pagingQuery(paging.page(ex.query)) : ex.query;
  const page = paginate([...repository.tags.keys()].sort(compareAscii), query);
  const headers: Record<string, string> = {};
  if (page.nextLast !== undefined && page.n !== undefined) {
    const path = `/v2/${name}/tags/list`;
    headers.Link = paging ? paging.link(path, page.n, page.nextLast) : linkHeader(path, page.n, page.nextLast);
  }
  await sendJson(ex, 200, { name, tags: page.items }, headers);
}

/** `GET /v2/_catalog` with `n`/`last` pagination and a `Link` to the next page. */
export async function listRepositories(ctx: RegistryContext, ex: Exchange): Promise<void> {
  const page = paginate(ctx.state.names(), ex.query);
  const headers: Record<string, string> = {};
  if (page.nextLast !== undefined && page.n !== undefined) headers.Link = linkHeader('/v2/_catalog', page.n, page.nextLast);
  await sendJson(ex, 200, { repositories: page.items }, headers);
}

/**
 * `GET /v2/<name>/referrers/<digest>`: an OCI index of the manifests in this repository whose `subject` is
 * `digest`, in push order, optionally filtered by `artifactType`. Never 404: an unknown repository has no referrers.
 * With `referrersPageSize`, at most that many per answer and a `Link` to the page after the last digest listed
 * (`?last=`); a `last` no longer listed ends the list.
 */
export async function listReferrers(ctx: RegistryContext, ex: Exchange, name: string, rawDigest: string): Promise<void> {
  const digest = checkDigest(rawDigest, 'subject digest');
  const filter = ex.query.get('artifactType');
  const repository = ctx.state.get(name);
  const manifests = [];
  for (const record of repository?.manifests.values() ?? []) {
    if (record.subject !== digest) continue;
    if (filter && record.artifactType !== filter) continue;
    manifests.push({
      mediaType: record.mediaType,
      digest: record.digest,
      size: record.size,
      ...(record.artifactType ? { artifactType: record.artifactType } : {}),
      ...(record.annotations ? { annotations: record.annotations } : {}),
    });
  }
  const headers: Record<string, string> = { 'Content-Type': MediaType.OciIndex };
  if (filter) headers['OCI-Filters-Applied'] = 'artifactType';
  const last = ex.query.get('last');
  const start = last === null ? 0 : manifests.findIndex((m) => m.digest === last) + 1;
  const rest = start === 0 && last !== null ? [] : manifests.slice(start);
  const page = rest.slice(0, ctx.referrersPageSize);
  if (page.length < rest.length) {
    const query = new URLSearchParams({ ...(filter ? { artifactType: filter } : {}), last: page[page.length - 1]!.digest });
    headers.Link = `</v2/${name}/referrers/${digest}?${query.toString()}>; rel="next"`;
  }
  await sendJson(ex, 200, { schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: page }, headers);
}
