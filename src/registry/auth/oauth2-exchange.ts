/**
 * ACR's token exchange on the embedded registry's token server: `POST /oauth2/exchange` takes an
 * Azure AD access token (`grant_type=access_token`) that the configured check accepts and answers a
 * refresh token, which `POST /oauth2/token` (`grant_type=refresh_token`) then turns into access
 * tokens, and which Basic authentication does not take.
 */
import { parseExchangeForm } from '../../oci/oauth2-exchange.js';
import { ApiError } from '../api-error.js';
import { sendJson, type Exchange } from '../http-io.js';
import { oauthError, readForm } from './form.js';

/** Settings of the exchange endpoint. */
export interface OAuth2ExchangeSettings {
  /** True when an Azure AD access token (and the tenant the client named, if any) may be exchanged. */
  acceptAccessToken: (accessToken: string, tenant: string | undefined) => boolean;
}

/** Answers `POST /oauth2/exchange`: a refresh token from `mintRefreshToken` for an accepted access token. */
export async function handleExchange(
  ex: Exchange,
  settings: OAuth2ExchangeSettings,
  service: string,
  mintRefreshToken: () => string,
): Promise<void> {
  if (ex.method !== 'POST') {
    throw ApiError.of(405, 'UNSUPPORTED', `${ex.method} is not supported here`, undefined, { Allow: 'POST' });
  }
  const form = await readForm(ex);
  if (!form) return;
  const request = parseExchangeForm(form);
  if (typeof request === 'string') return oauthError(ex, 400, 'invalid_request', request);
  if (request.service !== service) {
    return oauthError(ex, 400, 'invalid_request', `service must be ${JSON.stringify(service)}, got ${JSON.stringify(request.service)}`);
  }
  let accepted = false;
  try {
    accepted = settings.acceptAccessToken(request.accessToken, request.tenant) === true;
  } catch {
    accepted = false;
  }
  if (!accepted) return oauthError(ex, 401, 'invalid_grant', 'the access token was not accepted');
  await sendJson(ex, 200, { refresh_token: mintRefreshToken() }, { 'Cache-Control': 'no-store' });
}
