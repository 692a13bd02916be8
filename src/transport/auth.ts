import { AuthError, RegistryError, UnsafeRequestError, rememberSecret, type CredentialSource } from '../errors.js';
import type { ResolvedCredential } from '../credentials/index.js';
import { discard } from '../util/streams.js';
import { readBody } from './read-body.js';
import { TokenResponseSchema, parseJson, validate } from '../oci/schemas.js';
import { isInternalHost } from './address.js';
import { findChallenge, parseWwwAuthenticate, scopesFromChallenge } from './headers/challenge.js';
import type { HttpTransport } from './http.js';
import { raceSignal } from '../util/abort.js';
import { realmMayReceiveCredentials } from './realms.js';

/** The registry a request goes to: the name credentials are kept under, and where it is reached. */
export interface RegistryTarget {
  /** Normalised registry name, as in references (`docker.io`, `localhost:5000`). */
  registry: string;
  /** The origin requests go to, e.g. `https://registry-1.docker.io`. */
  origin: string;
}

export interface CredentialResolver {
  resolve(registry: string): Promise<ResolvedCredential | undefined>;
  /** Why the cloud's identity gave no credentials for `registry`, when it was asked and failed. */
  cloudFailure?(registry: string): Error | undefined;
}

interface BearerParams {
  realm: string;
  service: string | undefined;
}

type RegistryAuthState = { kind: 'basic' } | ({ kind: 'bearer' } & BearerParams);

interface CachedToken {
  token: string;
  expiresAt: number;
}

const TOKEN_BODY_LIMIT = 1 << 20;
const DEFAULT_TOKEN_LIFETIME_S = 60;
const CLIENT_ID = 'multiplatform';

/** Merges scopes that name the same resource, so `pull` and `push` on one repository become one scope. */
export function mergeScopes(scopes: Iterable<string>): string[] {
  const byResource = new Map<string, Set<string>>();
  for (const scope of scopes) {
    const lastColon = scope.lastIndexOf(':');
    if (lastColon <= 0) continue;
    const resource = scope.slice(0, lastColon);
    const actions = byResource.get(resource) ?? new Set<string>();
    for (const action of scope.slice(lastColon + 1).split(',')) if (action) actions.add(action);
    byResource.set(resource, actions);
  }
  return [...byResource.entries()].map(([resource, actions]) => `${resource}:${[...actions].sort().join(',')}`).sort();
}

/**
 * Answers registry challenges: Basic with the registry's credentials, Bearer by fetching a token
 * for the request's scopes from the realm. Tokens are cached per realm+service+scopes until shortly
 * before they expire; concurrent requests for the same token share one fetch.
 */
export class Authenticator {
  private readonly states = new Map<string, RegistryAuthState>();
  private readonly tokens = new Map<string, CachedToken>();
  private readonly inflight = new Map<string, Promise<string>>();
  /** Number of token requests sent (for diagnostics and tests). */
  tokenFetches = 0;

  constructor(
    private readonly http: HttpTransport,
    private readonly credentials: CredentialResolver,
    private readonly isInsecure: (host: string) => boolean,
    private readonly trustedRealms: ReadonlySet<string> = new Set(),
  ) {}

  /** The `Authorization` value to send up front, when the registry is known to need one. */
  async authorization(target: RegistryTarget, scopes: string[], signal?: AbortSignal, operation?: string): Promise<string | undefined> {
    const state = this.states.get(target.origin);
    if (!state) return undefined;
    if (state.kind === 'basic') return this.basicHeader(target, 'registry requires Basic authentication', operation);
    return `Bearer ${await this.bearerToken(target, state, scopes, signal, operation)}`;
  }

  /**
   * Handles a 401: learns the scheme from `WWW-Authenticate`, fetches what it asks for and returns
   * the header to retry with. `sent` is what the failed request carried: a refused token is dropped
   * from the cache and fetched anew; Basic credentials that were already refused throw an
   * {@link AuthError} at once. The caller retries once and reports a second 401 with {@link refused}.
   */
  async answerChallenge(
    target: RegistryTarget,
    scopes: string[],
    wwwAuthenticate: string | string[] | undefined,
    sent: string | undefined,
    operation: string,
    signal?: AbortSignal,
  ): Promise<string> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate);
    const bearer = challenges.find((c) => c.scheme === 'bearer' && c.params['realm']);
    const basic = findChallenge(challenges, 'basic');
    if (bearer) {
      const params: BearerParams = { realm: bearer.params['realm']!, service: bearer.params['service'] };
      const state: RegistryAuthState = { kind: 'bearer', ...params };
      this.states.set(target.origin, state);
      const wanted = mergeScopes([...scopes, ...scopesFromChallenge(bearer)]);
      // A refused token (expired early, revoked) is dropped and fetched again once; the caller turns a
      // second 401 into an AuthError through refused().
      if (sent?.startsWith('Bearer ')) this.dropToken(sent);
      return `Bearer ${await this.bearerToken(target, state, wanted, signal, operation)}`;
    }
    if (basic) {
      this.states.set(target.origin, { kind: 'basic' });
      const value = await this.basicHeader(target, 'registry requires Basic authentication', operation);
      if (sent === value) {
        const cred = await this.credentials.resolve(target.registry);
        throw new AuthError(operation, target.registry, cred?.source ?? 'anonymous', 'username or password rejected', { status: 401 });
      }
      return value;
    }
    const cred = await this.credentials.resolve(target.registry);
    throw new AuthError(
      operation,
      target.registry,
      cred?.source ?? 'anonymous',
      challenges.length ? `unsupported challenge scheme(s): ${challenges.map((c) => c.scheme).join(', ')}` : 'HTTP 401 without a usable WWW-Authenticate challenge',
      { status: 401 },
    );
  }

  /**
   * An anonymous caller refused by a registry whose cloud lookup failed: that failure (what to install,
   * what the cloud said) explains the refusal better than the refusal itself.
   */
  private explained(error: AuthError): Error {
    return (error.source === 'anonymous' && this.credentials.cloudFailure?.(error.registry)) || error;
  }

  /** The error for a request that was refused again after its challenge was answered. */
  async refused(target: RegistryTarget, wwwAuthenticate: string | string[] | undefined, operation: string): Promise<Error> {
    const challenges = parseWwwAuthenticate(wwwAuthenticate);
    const error = challenges.map((c) => c.params['error']).find(Boolean);
    const scope = challenges.map((c) => c.params['scope']).find(Boolean);
    const cred = await this.credentials.resolve(target.registry);
    const reason =
      error === 'insufficient_scope'
        ? `insufficient_scope: access to ${scope ?? 'the resource'} was not granted (not found or not authorized: the repository may not exist, or these credentials may not use it)`
        : error
          ? `the registry refused the credentials (${error})`
          : 'the registry refused the credentials';
    return this.explained(new AuthError(operation, target.registry, cred?.source ?? 'anonymous', reason, { status: 401 }));
  }

  /** A cached, unexpired token of the same realm and service whose scopes include every wanted one (a push token serves pulls). */
  private coveringToken(params: BearerParams, wanted: string[]): CachedToken | undefined {
    const prefix = tokenKey(params, []);
    const now = Date.now();
    for (const [key, cached] of this.tokens) {
      if (!key.startsWith(prefix) || cached.expiresAt <= now) continue;
      const granted = key.slice(prefix.length).split(' ').filter(Boolean);
      if (scopesCover(granted, wanted)) return cached;
    }
    return undefined;
  }

  private dropToken(sent: string): void {
    for (const [key, cached] of this.tokens) if (`Bearer ${cached.token}` === sent) this.tokens.delete(key);
  }

  private async basicHeader(target: RegistryTarget, reason: string, operation = `authenticate to ${target.registry}`): Promise<string> {
    const cred = await this.credentials.resolve(target.registry);
    if (!cred || cred.username === undefined || cred.password === undefined) {
      throw this.explained(new AuthError(operation, target.registry, cred?.source ?? 'anonymous', `${reason}, and no username/password was found`, { status: 401 }));
    }
    return `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
  }

  private async bearerToken(
    target: RegistryTarget,
    params: BearerParams,
    scopes: string[],
    signal?: AbortSignal,
    operation = `authenticate to ${target.registry}`,
  ): Promise<string> {
    const wanted = mergeScopes(scopes);
    const key = tokenKey(params, wanted);
    const cached = this.tokens.get(key) ?? this.coveringToken(params, wanted);
    if (cached && cached.expiresAt > Date.now()) return cached.token;
    let fetching = this.inflight.get(key);
    if (!fetching) {
      // The fetch is shared by every request that needs this token, so no one caller's signal may cancel it.
      fetching = this.fetchToken(target, params, wanted, operation)
        .then(({ token, lifetimeS }) => {
          this.tokens.set(key, { token, expiresAt: Date.now() + refreshMarginMs(lifetimeS) });
          return token;
        })
        .finally(() => this.inflight.delete(key));
      this.inflight.set(key, fetching);
    }
    return raceSignal(fetching, signal, operation);
  }

  private async fetchToken(
    target: RegistryTarget,
    params: BearerParams,
    scopes: string[],
    operation: string,
  ): Promise<{ token: string; lifetimeS: number }> {
    const realm = this.checkRealm(target, params.realm, operation);
    const cred = await this.credentials.resolve(target.registry);
    if (cred?.registryToken) return { token: cred.registryToken, lifetimeS: DEFAULT_TOKEN_LIFETIME_S };
    const mayUseCredentials = cred !== undefined && realmMayReceiveCredentials(target, realm, this.trustedRealms);
    const source: CredentialSource = mayUseCredentials && cred ? cred.source : 'anonymous';
    const fail = (reason: string, status?: number) => this.explained(new AuthError(operation, target.registry, source, reason, { status }));

    const attempt = async (): Promise<{ token: string; lifetimeS: number }> => {
      this.tokenFetches++;
      let res;
      if (mayUseCredentials && cred?.identityToken) {
        res = await this.postToken(realm, params, scopes, { grant_type: 'refresh_token', refresh_token: cred.identityToken }, operation);
      } else {
        const url = new URL(realm);
        if (params.service) url.searchParams.set('service', params.service);
        for (const scope of scopes) url.searchParams.append('scope', scope);
        const headers: Record<string, string> = {};
        if (mayUseCredentials && cred?.username !== undefined && cred.password !== undefined) {
          url.searchParams.set('account', cred.username);
          headers['authorization'] = `Basic ${Buffer.from(`${cred.username}:${cred.password}`).toString('base64')}`;
        }
        res = await this.http.send({ method: 'GET', url: url.toString(), headers, operation: `${operation} (token request)`, followRedirects: false });
        if ((res.status === 404 || res.status === 405) && mayUseCredentials && cred?.username !== undefined && cred.password !== undefined) {
          await discard(res.body);
          res = await this.postToken(realm, params, scopes, { grant_type: 'password', username: cred.username, password: cred.password }, operation);
        }
      }
      const body = await readBody(res, TOKEN_BODY_LIMIT, `${operation}: token response`);
      if (res.status === 401 || res.status === 403) {
        throw fail(`the token server at ${new URL(realm).host} refused the credentials (HTTP ${res.status})`, res.status);
      }
      if (res.status >= 400) {
        throw new RegistryError(`${operation} (token request to ${new URL(realm).host})`, res.status, [], {
          retryAfterMs: undefined,
        });
      }
      const parsed = validate(TokenResponseSchema, parseJson(body, `${operation}: token response`), `${operation}: token response`);
      const token = parsed.token || parsed.access_token;
      if (!token) throw fail('the token server answered without a token');
      rememberSecret(token, 'token');
      if (parsed.refresh_token) rememberSecret(parsed.refresh_token);
      const lifetime = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : DEFAULT_TOKEN_LIFETIME_S;
      return { token, lifetimeS: lifetime };
    };
    // Not retried here: the request that needed the token is retried as a whole, and asks again.
    return attempt();
  }

  private postToken(
    realm: string,
    params: BearerParams,
    scopes: string[],
    grant: Record<string, string>,
    operation: string,
  ) {
    const form = new URLSearchParams({ ...grant, client_id: CLIENT_ID, access_type: 'offline' });
    if (params.service) form.set('service', params.service);
    if (scopes.length) form.set('scope', scopes.join(' '));
    return this.http.send({
      method: 'POST',
      url: realm,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.toString(),
      operation: `${operation} (token request)`,
      followRedirects: false,
    });
  }

  /** Refuses realms that would downgrade to plain HTTP or lead a public registry's client to an internal address. */
  private checkRealm(target: RegistryTarget, realm: string, operation: string): string {
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new AuthError(operation, target.registry, 'anonymous', `the registry sent an unusable token realm ${JSON.stringify(realm)}`);
    }
    const registryUrl = new URL(target.origin);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      throw new UnsafeRequestError(`${operation}: refusing token realm with scheme ${url.protocol}`);
    }
    if (url.protocol === 'http:' && (registryUrl.protocol === 'https:' || !this.isInsecure(url.host))) {
      throw new UnsafeRequestError(`${operation}: refusing plain-HTTP token realm ${url.host} for ${target.registry}`);
    }
    if (isInternalHost(url.hostname) && !isInternalHost(registryUrl.hostname)) {
      throw new UnsafeRequestError(`${operation}: refusing token realm at internal address ${url.host} for ${target.registry}`);
    }
    return url.toString();
  }
}

/** True when every action of every wanted scope is among the granted scopes' actions for that resource. */
function scopesCover(granted: string[], wanted: string[]): boolean {
  const actions = new Map<string, Set<string>>();
  for (const scope of granted) {
    const i = scope.lastIndexOf(':');
    actions.set(scope.slice(0, i), new Set(scope.slice(i + 1).split(',')));
  }
  return wanted.every((scope) => {
    const i = scope.lastIndexOf(':');
    const have = actions.get(scope.slice(0, i));
    return have !== undefined && scope.slice(i + 1).split(',').every((a) => have.has(a) || have.has('*'));
  });
}

function tokenKey(params: BearerParams, scopes: string[]): string {
  return `${params.realm}\n${params.service ?? ''}\n${scopes.join(' ')}`;
}

function refreshMarginMs(lifetimeS: number): number {
  const lifetimeMs = lifetimeS * 1000;
  return lifetimeMs - Math.min(10_000, lifetimeMs * 0.1);
}
