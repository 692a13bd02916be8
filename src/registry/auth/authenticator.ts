import type { ApiError } from '../api-error.js';
import type { Exchange } from '../http-io.js';
import type { Access } from './access.js';

/** Decides whether a request may proceed. */
export interface Authenticator {
  /** Undefined when the request is allowed, else the 401 to answer (with its `WWW-Authenticate` challenge). */
  authorize(ex: Exchange, access: Access[]): ApiError | undefined;
  /** Serves the token endpoint (`/token`); only token authentication has one. */
  handleToken?(ex: Exchange): Promise<void>;
}

/** No authentication: everything is allowed. */
export const openAccess: Authenticator = { authorize: () => undefined };
