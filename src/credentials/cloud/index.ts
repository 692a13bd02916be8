/**
 * Credentials from a cloud's own identity, for registries of Amazon ECR, Google Artifact Registry
 * / Container Registry and Azure Container Registry, without a credential helper binary. Each
 * cloud's SDK is an optional peer dependency, loaded only when its registry is used and no other
 * credentials were found. See docs/cloud-credentials.md.
 */
import { CredentialsError } from '../../errors.js';
import { acrCredential } from './acr.js';
import { ecrCredential } from './ecr.js';
import { gcpCredential } from './gcp.js';
import { cloudRegistryOf, type CloudRegistry } from './hosts.js';
import type { CloudContext, CloudCredential, FormAnswer, RegistryFormPost } from './types.js';

export { cloudRegistryOf, type CloudRegistry } from './hosts.js';
export type { CloudCredential, RegistryFormPost, FormAnswer } from './types.js';

/** Which cloud's identity provided credentials. */
export type CloudName = CloudRegistry['cloud'];

/** How a cloud lookup is made. */
export interface CloudLookupOptions {
  /** How ACR's token exchange reaches the registry (default: HTTPS with Node's `fetch`). */
  postForm?: RegistryFormPost;
  /** How long the whole lookup may take before it fails. */
  timeoutMs: number;
}

/**
 * Credentials for `registry` from its cloud's identity, or undefined when the registry belongs to
 * no cloud this module knows.
 * @throws CredentialsError when the SDK is not installed, the cloud refuses, or it takes longer than `timeoutMs`.
 */
export async function cloudCredential(registry: string, options: CloudLookupOptions): Promise<(CloudCredential & { cloud: CloudName }) | undefined> {
  const cloudRegistry = cloudRegistryOf(registry);
  if (!cloudRegistry) return undefined;
  const controller = new AbortController();
  const context: CloudContext = { registry, postForm: options.postForm ?? postFormOverHttps, signal: controller.signal };
  const timedOut = new Promise<never>((_, reject) => {
    controller.signal.addEventListener('abort', () =>
      reject(new CredentialsError(`${cloudRegistry.cloud.toUpperCase()} credentials for ${registry}: the cloud's SDK did not answer within ${options.timeoutMs} ms`)),
    );
  });
  timedOut.catch(() => undefined);
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    return await Promise.race([lookUp(cloudRegistry, context), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

async function lookUp(cloudRegistry: CloudRegistry, context: CloudContext): Promise<CloudCredential & { cloud: CloudName }> {
  switch (cloudRegistry.cloud) {
    case 'ecr':
      return { ...(await ecrCredential(cloudRegistry, context)), cloud: 'ecr' };
    case 'gcp':
      return { ...(await gcpCredential(cloudRegistry, context)), cloud: 'gcp' };
    case 'acr':
      return { ...(await acrCredential(cloudRegistry, context)), cloud: 'acr' };
  }
}

const FORM_POST_TIMEOUT_MS = 30_000;

/** Without a client's transport (a CredentialStore used on its own): HTTPS to the registry host with Node's `fetch`. */
async function postFormOverHttps(registry: string, path: string, form: URLSearchParams, operation: string): Promise<FormAnswer> {
  try {
    const signal = AbortSignal.timeout(FORM_POST_TIMEOUT_MS);
    const response = await fetch(`https://${registry}${path}`, { method: 'POST', body: form, redirect: 'manual', signal });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    throw new CredentialsError(`${operation}: POST https://${registry}${path} failed (${(error as Error).name})`, { cause: error });
  }
}
