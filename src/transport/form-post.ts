/**
 * A form POST to a path on a registry's own origin, reached as every other request to it is
 * (HTTPS, or plain HTTP for an insecure registry; the client's proxy and dispatcher). Used by the
 * credential store for ACR's token exchange, which happens before any registry request carries it.
 */
import type { FormAnswer, RegistryFormPost } from '../credentials/cloud/index.js';
import type { Endpoints } from './endpoints.js';
import type { HttpTransport } from './http.js';
import { readBody } from './read-body.js';

const ANSWER_LIMIT = 1 << 20;
const FORM_POST_TIMEOUT_MS = 30_000;

/** A {@link RegistryFormPost} over the client's transport. */
export function registryFormPost(http: HttpTransport, endpoints: Endpoints): RegistryFormPost {
  return async (registry, path, form, operation): Promise<FormAnswer> => {
    const signal = AbortSignal.timeout(FORM_POST_TIMEOUT_MS);
    const origin = await endpoints.origin(registry, signal);
    const res = await http.send({
      method: 'POST',
      url: `${origin}${path}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      operation,
      followRedirects: false,
      signal,
    });
    const body = await readBody(res, ANSWER_LIMIT, operation, signal);
    return { status: res.status, body: body.toString('utf8') };
  };
}
