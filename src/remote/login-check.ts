import { normalizeRegistry } from '../oci/reference.js';
import { discard } from '../util/streams.js';
import type { CallOptions, RemoteContext } from './context.js';
import { routes } from './routes.js';

/**
 * `GET /v2/` with the client's credentials for `registry`, answering the registry's challenge as
 * any request would (Basic, or a token without scopes), as `docker login` checks a login.
 * Resolves when the registry answers 200; an `AuthError` when it refuses the credentials.
 * A registry that does not ask for credentials accepts any.
 */
export async function checkLogin(ctx: RemoteContext, registry: string, options: CallOptions = {}): Promise<void> {
  const name = normalizeRegistry(registry);
  const res = await ctx.transport.request({
    registry: name,
    method: 'GET',
    path: routes.base(),
    scopes: [],
    operation: `log in to ${name}`,
    expect: [200],
    signal: options.signal,
  });
  await discard(res.body);
}
