import { randomBytes } from 'node:crypto';
import { rememberSecret } from '../../errors.js';
import { ApiError } from '../api-error.js';
import { isRepositoryName } from '../../oci/grammar.js';
import { header, sendJson, type Exchange } from '../http-io.js';
import { formatScope, parseScopes, type Access } from './access.js';
import type { Authenticator } from './authenticator.js';
import { BASIC_REALM } from './basic.js';
import { credentialsMatch, parseBasicAuthorization, parseBearerAuthorization, type Accounts } from './credentials.js';
import { oauthError, readForm } from './form.js';
import { handleExchange, type OAuth2ExchangeSettings } from './oauth2-exchange.js';
import { OAUTH2_EXCHANGE_PATH, OAUTH2_TOKEN_PATH } from '../../oci/oauth2-exchange.js';

/** Settings of the built-in token server. */
export interface TokenAuthSettings {
  /** Without credentials, every token request is granted what it asks for. */
  credentials?: Accounts;
  service: string;
  lifetimeSeconds: number;
  /** ACR's token exchange: the realm becomes `/oauth2/token` and `/oauth2/exchange` is served. */
  oauth2Exchange?: OAuth2ExchangeSettings;
}

interface IssuedToken {
  /** `type:name` → granted actions. */
  grants: Map<string, Set<string>>;
  expiresAt: number;
}

type Identity = 'user' | 'anonymous';

const REPOSITORY_ACTIONS = ['pull', 'push', 'delete'];
const MAX_TOKENS = 10_000;
const TOKEN_PATH = '/token';

/**
 * Token authentication as Docker's token spec describes it, with the registry as its own token server:
 * `GET /token?service=&scope=` (Basic credentials optional; anonymous callers get `pull` only) and the OAuth2
 * `POST /token` (password and refresh_token grants). Tokens are opaque random strings remembered with their scopes.
 */
export class TokenAuthenticator implements Authenticator {
  private readonly tokens = new Map<string, IssuedToken>();
  private readonly refreshTokens = new Map<string, Identity>();

  constructor(
    private readonly settings: TokenAuthSettings,
    private readonly fallbackOrigin: () => string,
  ) {}

  authorize(ex: Exchange, access: Access[]): ApiError | undefined {
    const token = parseBearerAuthorization(header(ex, 'authorization'));
    const issued = token === undefined ? undefined : this.tokens.get(token);
    if (!issued || issued.expiresAt <= Date.now()) {
      if (issued && token) this.tokens.delete(token);
      const error = token === undefined ? undefined : 'invalid_token';
      return this.challenge(ex, access, error, token === undefined ? 'authentication required' : 'token is unknown or expired');
    }
    const missing = access.filter((a) => !covers(issued, a));
    if (missing.length > 0) {
      return this.challenge(ex, access, 'insufficient_scope', `token lacks ${formatScope(missing)}`, { required: formatScope(missing) });
    }
    return undefined;
  }

  private challenge(ex: Exchange, access: Access[], error: string | undefined, message: string, detail?: unknown): ApiError {
    const realmPath = this.settings.oauth2Exchange ? OAUTH2_TOKEN_PATH : TOKEN_PATH;
    const parts = [`realm="${this.origin(ex)}${realmPath}"`, `service="${this.settings.service}"`];
    if (access.length > 0) parts.push(`scope="${formatScope(access)}"`);
    if (error) parts.push(`error="${error}"`);
    return ApiError.of(401, 'UNAUTHORIZED', message, detail, { 'WWW-Authenticate': `Bearer ${parts.join(',')}` });
  }

  /** The origin the client used (its Host header), so the realm is reachable however the registry was addressed. */
  private origin(ex: Exchange): string {
    const host = header(ex, 'host');
    return host && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? `http://${host}` : this.fallbackOrigin();
  }

  async handleToken(ex: Exchange): Promise<void> {
    const exchange = this.settings.oauth2Exchange;
    if (ex.path !== TOKEN_PATH && !exchange) throw ApiError.of(404, 'UNSUPPORTED', `no such endpoint: ${ex.path}`);
    if (ex.path === OAUTH2_EXCHANGE_PATH && exchange) {
      await handleExchange(ex, exchange, this.settings.service, () => this.newRefreshToken('user'));
      return;
    }
    if (ex.method === 'POST') {
      await this.handleOAuth(ex);
      return;
    }
    const given = parseBasicAuthorization(header(ex, 'authorization'));
    let identity: Identity;
    if (!this.settings.credentials) identity = 'user';
    else if (!given) identity = 'anonymous';
    else if (credentialsMatch(given, this.settings.credentials)) identity = 'user';
    else {
      throw ApiError.of(401, 'UNAUTHORIZED', 'invalid username or password', undefined, {
        'WWW-Authenticate': `Basic realm="${BASIC_REALM}"`,
      });
    }
    const offline = ex.query.get('offline_token') === 'true' && identity === 'user';
    await this.issue(ex, identity, parseScopes(ex.query.getAll('scope')), offline ? this.newRefreshToken(identity) : undefined);
  }

  private async handleOAuth(ex: Exchange): Promise<void> {
    const form = await readForm(ex);
    if (!form) return;
    if (!form.get('client_id')) return oauthError(ex, 400, 'invalid_request', 'client_id is required');
    const scopes = parseScopes(form.getAll('scope'));
    const grantType = form.get('grant_type');
    if (grantType === 'password') {
      const username = form.get('username');
      const password = form.get('password');
      if (username === null || password === null) return oauthError(ex, 400, 'invalid_request', 'username and password are required');
      const expected = this.settings.credentials;
      if (expected && !credentialsMatch({ username, password }, expected)) {
        return oauthError(ex, 401, 'invalid_grant', 'invalid username or password');
      }
      return this.issue(ex, 'user', scopes, this.newRefreshToken('user'));
    }
    if (grantType === 'refresh_token') {
      const refreshToken = form.get('refresh_token') ?? '';
      const identity = this.refreshTokens.get(refreshToken);
      if (!identity) return oauthError(ex, 401, 'invalid_grant', 'unknown refresh token');
      return this.issue(ex, identity, scopes, refreshToken);
    }
    return oauthError(ex, 400, 'unsupported_grant_type', `unsupported grant_type ${JSON.stringify(grantType ?? '')}`);
  }

  private async issue(ex: Exchange, identity: Identity, requested: Access[], refreshToken: string | undefined): Promise<void> {
    const now = Date.now();
    const lifetime = this.settings.lifetimeSeconds;
    const token = `mpt_${randomBytes(24).toString('base64url')}`;
    rememberSecret(token, 'token');
    this.prune(now);
    this.tokens.set(token, { grants: grant(requested, identity), expiresAt: now + lifetime * 1000 });
    const body: Record<string, unknown> = {
      token,
      access_token: token,
      expires_in: lifetime,
      issued_at: new Date(now).toISOString(),
    };
    if (refreshToken) body.refresh_token = refreshToken;
    await sendJson(ex, 200, body, { 'Cache-Control': 'no-store' });
  }

  private newRefreshToken(identity: Identity): string {
    const refreshToken = `mpr_${randomBytes(24).toString('base64url')}`;
    rememberSecret(refreshToken);
    this.refreshTokens.set(refreshToken, identity);
    return refreshToken;
  }

  /** Forgets expired tokens, and the oldest ones past {@link MAX_TOKENS}. */
  private prune(now: number): void {
    for (const [token, issued] of this.tokens) if (issued.expiresAt <= now) this.tokens.delete(token);
    while (this.tokens.size >= MAX_TOKENS) {
      const oldest = this.tokens.keys().next().value;
      if (oldest === undefined) break;
      this.tokens.delete(oldest);
    }
  }
}

/** What a caller gets of what it asked for: users get pull, push, delete and the catalog; anonymous callers get pull. */
function grant(requested: Access[], identity: Identity): Map<string, Set<string>> {
  const grants = new Map<string, Set<string>>();
  for (const access of requested) {
    let actions: string[];
    if (access.type === 'registry') {
      if (access.name !== 'catalog' || identity !== 'user') continue;
      actions = access.actions.includes('*') ? ['*'] : [];
    } else {
      if (!isRepositoryName(access.name)) continue;
      const asked = access.actions.includes('*') ? REPOSITORY_ACTIONS : access.actions;
      const allowed = identity === 'user' ? REPOSITORY_ACTIONS : ['pull'];
      actions = asked.filter((a) => allowed.includes(a));
    }
    if (actions.length === 0) continue;
    const key = `${access.type}:${access.name}`;
    const set = grants.get(key) ?? new Set<string>();
    for (const action of actions) set.add(action);
    grants.set(key, set);
  }
  return grants;
}

function covers(issued: IssuedToken, access: Access): boolean {
  const granted = issued.grants.get(`${access.type}:${access.name}`);
  return !!granted && access.actions.every((a) => granted.has(a));
}
