/**
 * Azure Container Registry's token exchange, shared by the client (which exchanges an Azure AD
 * access token for a registry refresh token) and the embedded registry (which can answer it):
 * `POST /oauth2/exchange` with the form `grant_type=access_token&service=&access_token=[&tenant=]`
 * answers `{ "refresh_token": "…" }`; that refresh token then buys access tokens at
 * `POST /oauth2/token` (`grant_type=refresh_token`), the ordinary OAuth2 refresh flow.
 */

export const OAUTH2_EXCHANGE_PATH = '/oauth2/exchange';
export const OAUTH2_TOKEN_PATH = '/oauth2/token';

/** The user name that goes with an ACR refresh token (as Docker's config.json and `az acr login` write it). */
export const ACR_REFRESH_TOKEN_USERNAME = '00000000-0000-0000-0000-000000000000';

/** What an exchange request carries. */
export interface ExchangeRequest {
  /** The registry host, as its token challenge names the service. */
  service: string;
  /** The Azure AD access token being exchanged. */
  accessToken: string;
  /** The Azure AD tenant, when known. */
  tenant?: string;
}

/** The form body of an exchange request. */
export function exchangeForm(request: ExchangeRequest): URLSearchParams {
  const form = new URLSearchParams({ grant_type: 'access_token', service: request.service, access_token: request.accessToken });
  if (request.tenant) form.set('tenant', request.tenant);
  return form;
}

/** Reads an exchange form; a string says what is wrong with it. */
export function parseExchangeForm(form: URLSearchParams): ExchangeRequest | string {
  const grantType = form.get('grant_type');
  if (grantType !== 'access_token') return `grant_type must be "access_token", got ${JSON.stringify(grantType ?? '')}`;
  const service = form.get('service');
  const accessToken = form.get('access_token');
  if (!service) return 'service is required';
  if (!accessToken) return 'access_token is required';
  const tenant = form.get('tenant');
  return tenant ? { service, accessToken, tenant } : { service, accessToken };
}

/** The refresh token of an exchange answer, or undefined when the answer has none. */
export function refreshTokenOf(answer: unknown): string | undefined {
  if (typeof answer !== 'object' || answer === null) return undefined;
  const token = (answer as Record<string, unknown>)['refresh_token'];
  return typeof token === 'string' && token !== '' ? token : undefined;
}
