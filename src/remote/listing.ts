import type { CallOptions, RemoteContext } from './context.js';
import { CATALOG_SCOPE, pullScope, routes } from './routes.js';
import { toReference, type ReferenceInput } from '../oci/reference.js';
import { normalizeRegistry } from '../oci/reference.js';
import { CatalogSchema, TagListSchema, parseJson, validate } from '../oci/schemas.js';
import { followPages } from './pagination.js';

const PAGE_LIMIT = 16 * 1024 * 1024;
const MAX_PAGES = 10_000;

export interface ListOptions extends CallOptions {
  /** Page size to ask for (`n`); registries may ignore it. */
  pageSize?: number;
}

/** Every tag of a repository, following `Link` pagination (pagination.ts). */
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

/** A tag or repository list, page by page, with the caller's page size. */
function paginate(
  ctx: RemoteContext,
  registry: string,
  path: string,
  scopes: string[],
  operation: string,
  options: ListOptions,
  onPage: (body: Buffer, what: string) => void,
): Promise<void> {
  const request = { registry, path, query: { n: options.pageSize?.toString() }, scopes, operation, pageLimit: PAGE_LIMIT, maxPages: MAX_PAGES, signal: options.signal };
  return followPages(ctx, request, onPage);
}
