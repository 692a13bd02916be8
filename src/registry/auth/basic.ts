import { ApiError } from '../api-error.js';
import { header, type Exchange } from '../http-io.js';
import type { Access } from './access.js';
import type { Authenticator } from './authenticator.js';
import { credentialsMatch, parseBasicAuthorization, type Accounts } from './credentials.js';

export const BASIC_REALM = 'multiplatform';

/** HTTP Basic authentication: every request needs the configured username and password (or one the htpasswd accounts accept). */
export class BasicAuthenticator implements Authenticator {
  constructor(private readonly credentials: Accounts) {}

  authorize(ex: Exchange, _access: Access[]): ApiError | undefined {
    const given = parseBasicAuthorization(header(ex, 'authorization'));
    if (credentialsMatch(given, this.credentials)) return undefined;
    return ApiError.of(
      401,
      'UNAUTHORIZED',
      given ? 'invalid username or password' : 'authentication required',
      undefined,
      { 'WWW-Authenticate': `Basic realm="${BASIC_REALM}"` },
    );
  }
}
