/**
 * Google Artifact Registry and Container Registry: an OAuth2 access token from Application Default
 * Credentials (`GOOGLE_APPLICATION_CREDENTIALS`, gcloud's application-default login, workload
 * identity, the metadata server), sent as the password of the user `oauth2accesstoken`, as
 * docker-credential-gcr does.
 */
import { CredentialsError, rememberSecret } from '../../errors.js';
import type { CloudRegistry } from './hosts.js';
import { loadOptionalSdk, sdkCallFailed } from './sdk.js';
import type { CloudContext, CloudCredential } from './types.js';

const SDK = { packageName: 'google-auth-library', registryKind: 'Artifact Registry', helper: 'docker-credential-gcr' } as const;
const SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const ACCESS_TOKEN_USERNAME = 'oauth2accesstoken';
/** Google's access tokens last an hour; used when the library does not say. */
const DEFAULT_LIFETIME_MS = 60 * 60 * 1000;

/** Artifact Registry credentials for `registry` from Application Default Credentials. */
export async function gcpCredential(_registry: Extract<CloudRegistry, { cloud: 'gcp' }>, context: CloudContext): Promise<CloudCredential> {
  const { GoogleAuth } = await loadOptionalSdk(SDK, () => import('google-auth-library'));
  const call = 'Google Application Default Credentials (access token)';
  let token: string | null | undefined;
  let expiry: number | null | undefined;
  try {
    const client = await new GoogleAuth({ scopes: [SCOPE] }).getClient();
    token = (await client.getAccessToken()).token;
    expiry = client.credentials.expiry_date;
  } catch (error) {
    throw sdkCallFailed(call, context.registry, error);
  }
  if (!token) throw new CredentialsError(`${call} for ${context.registry} answered without a token`);
  rememberSecret(token, 'token');
  return { username: ACCESS_TOKEN_USERNAME, password: token, expiresAt: typeof expiry === 'number' ? expiry : Date.now() + DEFAULT_LIFETIME_MS };
}
