import type { CallOptions, RemoteContext } from './context.js';
import { CATALOG_SCOPE, pullScope, routes } from './routes.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import { MultiplatformError } from '../errors.js';
import { normalizeRegistry } from '../oci/reference.js';
import { CatalogSchema, TagListSchema, parseJson, validate } from '../oci/schemas.js';
import { nextLink } from '../transport/headers/link.js';

const PAGE_LIMIT = 16 * 1024 * 1024;
const MAX_PAGES = 10_000;

export interface ListOptions extends CallOptions {
  /** Page size to ask for (`n`); registries may ignore it. */
  pageSize?: number;
}

/** Every tag of a repository, following `Link` pagination. */
export async function listTags(ctx: RemoteContext, repo: ReferenceInput, options: ListOptions = {}): Promise<string[]> {
  const ref = toReference(repo);
  const tags: string[] = [];
  await paginate(ctx, ref.registry, routes.tags(ref), [pullScope(ref)], `list tags of ${ref.registry}/${ref.repository}`, options, (body, what) => {
    const page = validate(TagListSchema, parseJson(body, what), what);
    tags.push(...(page.tags ?? []));
  });
  return tags;
}

/** Every repository of a registry (`/v2/_catalog`), following `Link` pagination. */
export async function catalog(ctx: RemoteContext, registry: string, options: ListOptions = {}): Promise<string[]> {
  const name = normalizeRegistry(registry);
  const repositories: string[] = [];
  await paginate(ctx, name, routes.catalog(), [CATALOG_SCOPE], `list repositories of ${name}`, options, (body, what) => {
    const page = validate(CatalogSchema, parseJson(body, what), what);
    repositories.push(...(page.repositories ?? []));
  });
  return repositories;
}

/**
 * Fetches `firstPath` and every page its `Link: <…>; rel="next"` chain leads to, handing each body
 * to `onPage`. A link back to a page already fetched (the first included) is a registry bug: the
 * listing fails rather than returning pages twice or stopping at an end nobody can vouch for.
 */
async function paginate(
  ctx: RemoteContext,
  registry: string,
  firstPath: string,
  scopes: string[],
  operation: string,
  options: ListOptions,
  onPage: (body: Buffer, what: string) => void,
): Promise<void> {
  let path: string | undefined = firstPath;
  let query: Record<string, string | undefined> = { n: options.pageSize?.toString() };
  /** Page number by the URL that answered it. */
  const fetched = new Map<string, number>();
  for (let page = 1; path !== undefined; page++) {
    if (page > MAX_PAGES) throw new MultiplatformError(`${operation}: more than ${MAX_PAGES} pages`);
    const what = `${operation} (page ${page})`;
    const { response: res, bytes } = await ctx.transport.requestBytes({ registry, method: 'GET', path, query, scopes, operation: what, expect: [200], signal: options.signal }, PAGE_LIMIT);
    onPage(bytes, what);
    fetched.set(res.url, page);
    const next = nextLink(res.headers['link'], res.url);
    if (next === undefined) return;
    const earlier = fetched.get(next);
    if (earlier !== undefined) {
      throw new MultiplatformError(`${operation}: the registry's pagination loops (the Link header of page ${page} leads back to page ${earlier}); the listing is incomplete or repeats`);
    }
    // The registry's link is used as given (it carries n and last); it must stay on the registry.
    const origin = await ctx.transport.origin(registry, options.signal);
    if (new URL(next).origin !== origin) throw new MultiplatformError(`${operation}: pagination link leads to another origin`);
    path = next;
    query = {};
  }
}
