/**
 * Loads a cloud SDK only when a registry of that cloud needs it, so that `import 'multiplatform'`
 * never loads one. Each is an optional peer dependency: when it is absent the error says what to
 * install. Failures of SDK calls are reported the same way.
 */
import { CredentialsError } from '../../errors.js';

/** One optional SDK: its package and what it replaces, for the message when it is absent. */
export interface OptionalSdk {
  packageName: string;
  /** The registry, as the message names it: `ECR`, `Artifact Registry`, `ACR`. */
  registryKind: string;
  /** The helper binary users would otherwise install: `docker-credential-ecr-login`. */
  helper: string;
}

/**
 * Imports `sdk` with `load` (a dynamic `import()` of the package). A package that cannot be found
 * becomes a {@link CredentialsError} naming the npm command; one that fails to load, a
 * CredentialsError quoting why.
 */
export async function loadOptionalSdk<T>(sdk: OptionalSdk, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    if (!isMissingPackage(error, sdk.packageName)) throw sdkCallFailed(`loading ${sdk.packageName}`, sdk.registryKind, error);
    throw new CredentialsError(
      `to log in to ${sdk.registryKind} without ${sdk.helper}, install ${sdk.packageName} (npm install ${sdk.packageName}), ` +
        'or configure credentials for this registry (the credentials option, docker login, or a credential helper)',
      { cause: error },
    );
  }
}

function isMissingPackage(error: unknown, packageName: string): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return false;
  // Only the package itself: a dependency of it that is missing is a broken install, reported as it is.
  return typeof message === 'string' && new RegExp(`['"]${escapeRegExp(packageName)}['"/]`).test(message);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

const MAX_REASON_CHARS = 300;

/**
 * The error for an SDK call that failed: names the registry and the call, and the SDK's own error
 * name and message (SDK messages describe what is missing or refused, not secrets), cut short.
 */
export function sdkCallFailed(call: string, registry: string, error: unknown): CredentialsError {
  const { name, message } = (error ?? {}) as { name?: unknown; message?: unknown };
  const what = [typeof name === 'string' ? name : '', typeof message === 'string' ? message : String(error)].filter(Boolean).join(': ');
  const reason = what.length > MAX_REASON_CHARS ? `${what.slice(0, MAX_REASON_CHARS)}…` : what;
  return new CredentialsError(`${call} for ${registry} failed: ${reason}`, { cause: error });
}
