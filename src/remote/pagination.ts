/**
 * Following a registry's `Link: <…>; rel="next"` pagination (tag lists, the catalog, the referrers
 * API): each link is used as given, must stay on the registry's origin, may not lead back to a page
 * already fetched, and the number of pages is bounded.
 */
import type { RemoteContext } from './context.js';
import type { RegistryRequest } from '../transport/registry-transport.js';
import { MultiplatformError } from '../errors.js';
import { nextLink } from '../transport/headers/link.js';

/** The first page's request, and how far to follow. */
export interface PagedRequest extends Pick<RegistryRequest, 'registry' | 'path' | 'query' | 'headers' | 'scopes' | 'signal'> {
  /** What is being listed, for messages; each page adds `(page N)`. */
  operation: string;
  /** Largest body of one page, in bytes. */
  pageLimit: number;
  /** Pages fetched at most; a chain longer than that fails. */
  maxPages: number;
}

/**
 * Fetches the first page and every page its `Link` chain leads to, handing each body to `onPage`
 * (`what` names the page for messages). `onPage` returning `false` stops there. A link back to a page already fetched
 * (the first included) is a registry bug: the listing fails rather than returning pages twice or
 * stopping at an end nobody can vouch for.
 */
export async function followPages(ctx: RemoteContext, request: PagedRequest, onPage: (body: Buffer, what: string) => boolean | void): Promise<void> {
  const { registry, scopes, signal, operation } = request;
  let path: string | undefined = request.path;
  let query = request.query;
  /** Page number by the URL that answered it. */
  const fetched = new Map<string, number>();
  for (let page = 1; path !== undefined; page++) {
    if (page > request.maxPages) throw new MultiplatformError(`${operation}: more than ${request.maxPages} pages`);
    const what = `${operation} (page ${page})`;
    const { response: res, bytes } = await ctx.transport.requestBytes(
      { registry, method: 'GET', path, ...(query ? { query } : {}), ...(request.headers ? { headers: request.headers } : {}), scopes, operation: what, expect: [200], signal },
      request.pageLimit,
    );
    if (onPage(bytes, what) === false) return;
    fetched.set(res.url, page);
    const next = nextLink(res.headers['link'], res.url);
    if (next === undefined) return;
    const earlier = fetched.get(next);
    if (earlier !== undefined) {
      throw new MultiplatformError(`${operation}: the registry's pagination loops (the Link header of page ${page} leads back to page ${earlier}); the listing is incomplete or repeats`);
    }
    // The registry's link is used as given (it carries its own cursor); it must stay on the registry.
    const origin = await ctx.transport.origin(registry, signal);
    if (new URL(next).origin !== origin) throw new MultiplatformError(`${operation}: pagination link leads to another origin`);
    path = next;
    query = undefined;
  }
}
