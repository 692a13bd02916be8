/**
 * Amazon ECR: `GetAuthorizationToken` through the AWS SDK's default credential chain (environment,
 * shared config and SSO, web identity, container and instance roles), as
 * docker-credential-ecr-login does. The token is base64 `AWS:<password>`, valid for 12 hours.
 */
import { CredentialsError, rememberSecret } from '../../errors.js';
import type { CloudRegistry } from './hosts.js';
import { loadOptionalSdk, sdkCallFailed } from './sdk.js';
import type { CloudContext, CloudCredential } from './types.js';

const SDK = { packageName: '@aws-sdk/client-ecr', registryKind: 'ECR', helper: 'docker-credential-ecr-login' } as const;
const DEFAULT_LIFETIME_MS = 12 * 60 * 60 * 1000;

/** ECR credentials for `registry`: user `AWS` and the password `GetAuthorizationToken` returns. */
export async function ecrCredential(registry: Extract<CloudRegistry, { cloud: 'ecr' }>, context: CloudContext): Promise<CloudCredential> {
  const { ECRClient, GetAuthorizationTokenCommand } = await loadOptionalSdk(SDK, () => import('@aws-sdk/client-ecr'));
  const call = `ECR GetAuthorizationToken (${registry.region}, account ${registry.accountId})`;
  const client = new ECRClient({ region: registry.region });
  let answer;
  try {
    answer = await client.send(new GetAuthorizationTokenCommand({ registryIds: [registry.accountId] }), { abortSignal: context.signal });
  } catch (error) {
    throw sdkCallFailed(call, context.registry, error);
  } finally {
    client.destroy();
  }
  const data = answer.authorizationData?.[0];
  const { username, password } = decodeAuthorizationToken(data?.authorizationToken, call, context.registry);
  const expiresAt = data?.expiresAt instanceof Date ? data.expiresAt.getTime() : Date.now() + DEFAULT_LIFETIME_MS;
  return { username, password, expiresAt };
}

function decodeAuthorizationToken(token: string | undefined, call: string, registry: string): { username: string; password: string } {
  if (!token) throw new CredentialsError(`${call} for ${registry} answered without an authorization token`);
  rememberSecret(token, 'token');
  const text = Buffer.from(token, 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon <= 0 || colon === text.length - 1) {
    throw new CredentialsError(`${call} for ${registry} answered a token that is not base64 "user:password"`);
  }
  const password = text.slice(colon + 1);
  rememberSecret(password, 'token');
  return { username: text.slice(0, colon), password };
}
