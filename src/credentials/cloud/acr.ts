/**
 * Azure Container Registry: an Azure AD (Entra ID) access token from `DefaultAzureCredential`
 * (environment service principal, workload identity, managed identity, Azure CLI, …) is exchanged
 * at the registry's `/oauth2/exchange` for an ACR refresh token, which then goes through the
 * ordinary OAuth2 refresh flow, as Docker's `identitytoken` does.
 */
import { CredentialsError, rememberSecret } from '../../errors.js';
import { ACR_REFRESH_TOKEN_USERNAME, OAUTH2_EXCHANGE_PATH, exchangeForm, refreshTokenOf } from '../../oci/oauth2-exchange.js';
import type { CloudRegistry } from './hosts.js';
import { loadOptionalSdk, sdkCallFailed } from './sdk.js';
import type { CloudContext, CloudCredential } from './types.js';

const SDK = { packageName: '@azure/identity', registryKind: 'ACR', helper: 'docker-credential-acr-env' } as const;
/** ACR refresh tokens last three hours; fetch a new one well before. */
const REFRESH_TOKEN_LIFETIME_MS = 2 * 60 * 60 * 1000;

/** ACR credentials for `registry`: the zero-GUID user and a refresh token exchanged for an Azure AD token. */
export async function acrCredential(registry: Extract<CloudRegistry, { cloud: 'acr' }>, context: CloudContext): Promise<CloudCredential> {
  const { DefaultAzureCredential } = await loadOptionalSdk(SDK, () => import('@azure/identity'));
  let accessToken;
  try {
    accessToken = await new DefaultAzureCredential().getToken(registry.armScope, { abortSignal: context.signal });
  } catch (error) {
    throw sdkCallFailed(`Azure AD token (${registry.armScope})`, context.registry, error);
  }
  rememberSecret(accessToken.token, 'token');

  const operation = `exchange an Azure AD token for a refresh token of ${context.registry}`;
  const form = exchangeForm({ service: registry.host, accessToken: accessToken.token, tenant: tenantOf(accessToken.token) });
  const answer = await context.postForm(context.registry, OAUTH2_EXCHANGE_PATH, form, operation);
  if (answer.status !== 200) {
    throw new CredentialsError(`${operation}: the registry answered HTTP ${answer.status} to ${OAUTH2_EXCHANGE_PATH}`);
  }
  const refreshToken = refreshTokenOf(parseJsonOrUndefined(answer.body));
  if (!refreshToken) throw new CredentialsError(`${operation}: the answer from ${OAUTH2_EXCHANGE_PATH} has no refresh_token`);
  rememberSecret(refreshToken, 'token');
  const expiresAt = Math.min(accessToken.expiresOnTimestamp, Date.now() + REFRESH_TOKEN_LIFETIME_MS);
  return { username: ACR_REFRESH_TOKEN_USERNAME, identityToken: refreshToken, expiresAt };
}

/** The `tid` claim of a JWT access token, which ACR wants as `tenant`; undefined for an opaque token. */
function tenantOf(token: string): string | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  const claims = parseJsonOrUndefined(Buffer.from(payload, 'base64url').toString('utf8'));
  const tid = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>)['tid'] : undefined;
  return typeof tid === 'string' && tid !== '' ? tid : undefined;
}

function parseJsonOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
