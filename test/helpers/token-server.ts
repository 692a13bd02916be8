import { execFile } from 'node:child_process';
import { generateKeyPairSync, randomBytes, timingSafeEqual, X509Certificate, type KeyObject } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { libtrustKeyId, signEs256Jwt } from './jwt.js';

const execFileAsync = promisify(execFile);

/** How the JWT header tells the registry which key signed it. */
export type KeyIdentification = 'kid' | 'x5c';

/** Options of {@link startTokenServer}. */
export interface TokenServerOptions {
  /** The registry's service name; tokens carry it as `aud`. */
  service: string;
  /** The `iss` claim, which the registry checks. */
  issuer: string;
  /** Accounts allowed to log in: username → password. */
  users: Record<string, string>;
  /** Lifetime of access tokens in seconds; default 300. */
  tokenLifetimeSeconds?: number;
  /** Default `kid` (libtrust fingerprint); `x5c` embeds the certificate instead. */
  keyIdentification?: KeyIdentification;
  /** Repository actions granted to requests without credentials; default none. */
  anonymousActions?: string[];
  /** Directory for the key and certificate; default a fresh temp dir removed by `stop()`. */
  dir?: string;
}

/** How a token was asked for. */
export type GrantKind = 'basic' | 'anonymous' | 'password' | 'refresh_token';

/** Counters of a token server, for tests that check a client's token cache. */
export interface TokenServerStats {
  /** Every request to `/token`, answered or refused. */
  requests: number;
  /** Tokens handed out. */
  issued: number;
  /** Requests refused (bad credentials, bad request). */
  rejected: number;
  /** Requests per way of asking: GET with Basic auth, GET without credentials, POST password / refresh_token grants. */
  byGrant: Record<GrantKind, number>;
  /** Requests per repository named in their scopes (use a unique repository per test to avoid counting other tests). */
  byRepository: Record<string, number>;
  /** Scheme of the last `Authorization` header sent to `/token` (`Basic`, `Bearer`…), or null when there was none. */
  lastAuthorizationScheme: string | null;
  /** Scopes of the last request, as sent. */
  lastScopes: string[];
}

/** A running token server. */
export interface TokenServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The token endpoint, for the registry's `auth.token.realm`. */
  realm: string;
  /** `GET` returns {@link TokenServerStats} as JSON. */
  statsUrl: string;
  port: number;
  service: string;
  issuer: string;
  /** PEM certificate of the signing key, for the registry's `rootcertbundle`. */
  certPath: string;
  readonly stats: TokenServerStats;
  resetStats(): void;
  stop(): Promise<void>;
}

interface ParsedScope {
  raw: string;
  type: string;
  name: string;
  actions: string[];
}

interface Grant {
  subject: string;
  kind: GrantKind;
  authenticated: boolean;
}

class TokenRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const REPOSITORY_ACTIONS = new Set(['pull', 'push', 'delete', '*']);
const MAX_FORM_BYTES = 64 * 1024;

function emptyStats(): TokenServerStats {
  return {
    requests: 0,
    issued: 0,
    rejected: 0,
    byGrant: { basic: 0, anonymous: 0, password: 0, refresh_token: 0 },
    byRepository: {},
    lastAuthorizationScheme: null,
    lastScopes: [],
  };
}

/**
 * Starts a Docker-style token server on 127.0.0.1 (random port) that signs ES256 JWTs the way
 * CNCF distribution accepts them. It serves `GET /token` (Basic auth or anonymous) and the
 * OAuth2 `POST /token` (password and refresh_token grants), plus `GET /stats`.
 */
export async function startTokenServer(options: TokenServerOptions): Promise<TokenServer> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'mp-token-')));
  try {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const keyPath = join(dir, 'token-key.pem');
    const certPath = join(dir, 'token-cert.pem');
    await writeFile(keyPath, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    await createSelfSignedCertificate(keyPath, certPath);
    const certificate = new X509Certificate(await readFile(certPath, 'utf8'));
    const header =
      (options.keyIdentification ?? 'kid') === 'kid'
        ? { kid: libtrustKeyId(publicKey) }
        : { x5c: [certificate.raw.toString('base64')] };

    const issuer = new TokenIssuer(options, privateKey, header);
    const server = createServer((req, res) => {
      issuer.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: 'server_error', error_description: String(error) });
        else res.destroy();
      });
    });
    const port = await listen(server);
    const url = `http://127.0.0.1:${port}`;
    let stopped = false;
    return {
      url,
      realm: `${url}/token`,
      statsUrl: `${url}/stats`,
      port,
      service: options.service,
      issuer: options.issuer,
      certPath,
      get stats() {
        return issuer.stats;
      },
      resetStats: () => issuer.resetStats(),
      async stop() {
        if (stopped) return;
        stopped = true;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        if (ownsDir) await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    if (ownsDir) await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

class TokenIssuer {
  stats = emptyStats();
  private readonly refreshTokens = new Map<string, string>();
  private readonly lifetime: number;

  constructor(
    private readonly options: TokenServerOptions,
    private readonly privateKey: KeyObject,
    private readonly jwtHeader: Record<string, unknown>,
  ) {
    this.lifetime = options.tokenLifetimeSeconds ?? 300;
  }

  resetStats(): void {
    this.stats = emptyStats();
  }

  async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://token.invalid');
    if (url.pathname === '/stats' && req.method === 'GET') {
      sendJson(res, 200, this.stats);
      return;
    }
    if (url.pathname !== '/token') {
      sendJson(res, 404, { error: 'not_found' });
      return;
    }
    this.stats.requests++;
    this.stats.lastAuthorizationScheme = req.headers.authorization?.split(' ')[0] ?? null;
    try {
      if (req.method === 'GET') this.handleGet(req, url, res);
      else if (req.method === 'POST') await this.handlePost(req, res);
      else throw new TokenRequestError(405, 'invalid_request', `method ${req.method ?? '?'} not allowed`);
    } catch (error) {
      if (!(error instanceof TokenRequestError)) throw error;
      this.stats.rejected++;
      const headers: Record<string, string> = error.status === 401 ? { 'www-authenticate': 'Basic realm="token"' } : {};
      sendJson(res, error.status, { error: error.code, error_description: error.message }, headers);
    }
  }

  private handleGet(req: IncomingMessage, url: URL, res: ServerResponse): void {
    const params = url.searchParams;
    const scopes = this.readScopes(params.getAll('scope'));
    this.checkService(params.get('service'));
    const grant = this.authenticateHeader(req.headers.authorization, params.get('account'));
    this.stats.byGrant[grant.kind]++;
    const access = this.grantAccess(grant, scopes);
    const { token, expiresIn, issuedAt } = this.issue(grant.subject, access);
    const body: Record<string, unknown> = { token, access_token: token, expires_in: expiresIn, issued_at: issuedAt };
    if (grant.authenticated && params.get('offline_token') === 'true') body.refresh_token = this.refreshTokenFor(grant.subject);
    sendJson(res, 200, body);
  }

  private async handlePost(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
    if (contentType !== 'application/x-www-form-urlencoded') {
      throw new TokenRequestError(400, 'invalid_request', 'POST /token needs an application/x-www-form-urlencoded body');
    }
    const form = new URLSearchParams(await readBody(req));
    const scopes = this.readScopes(form.getAll('scope'));
    this.checkService(form.get('service'));
    if (!form.get('client_id')) throw new TokenRequestError(400, 'invalid_request', 'client_id is required');

    const grantType = form.get('grant_type');
    let subject: string;
    if (grantType === 'password') {
      this.stats.byGrant.password++;
      const username = form.get('username') ?? '';
      if (!this.passwordMatches(username, form.get('password') ?? '')) {
        throw new TokenRequestError(401, 'invalid_grant', 'incorrect username or password');
      }
      subject = username;
    } else if (grantType === 'refresh_token') {
      this.stats.byGrant.refresh_token++;
      const known = this.refreshTokens.get(form.get('refresh_token') ?? '');
      if (known === undefined) throw new TokenRequestError(401, 'invalid_grant', 'unknown refresh token');
      subject = known;
    } else {
      throw new TokenRequestError(400, 'unsupported_grant_type', `grant_type ${JSON.stringify(grantType)} is not supported`);
    }

    const access = this.grantAccess({ subject, kind: grantType, authenticated: true }, scopes);
    const { token, expiresIn, issuedAt } = this.issue(subject, access);
    const body: Record<string, unknown> = {
      access_token: token,
      scope: access.map((entry) => `${entry.type}:${entry.name}:${entry.actions.join(',')}`).join(' '),
      expires_in: expiresIn,
      issued_at: issuedAt,
    };
    if (form.get('access_type') === 'offline') body.refresh_token = this.refreshTokenFor(subject);
    sendJson(res, 200, body);
  }

  private readScopes(values: string[]): ParsedScope[] {
    const raw = values.flatMap((value) => value.split(' ')).filter((value) => value.length > 0);
    this.stats.lastScopes = raw;
    const scopes = raw.map(parseScope);
    for (const scope of scopes) {
      if (scope.type === 'repository') this.stats.byRepository[scope.name] = (this.stats.byRepository[scope.name] ?? 0) + 1;
    }
    return scopes;
  }

  private checkService(service: string | null): void {
    if (service !== null && service !== this.options.service) {
      throw new TokenRequestError(400, 'invalid_request', `unknown service ${JSON.stringify(service)}`);
    }
  }

  private authenticateHeader(authorization: string | undefined, account: string | null): Grant {
    if (authorization === undefined) return { subject: '', kind: 'anonymous', authenticated: false };
    const match = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization.trim());
    if (!match?.[1]) throw new TokenRequestError(401, 'invalid_client', 'the token endpoint takes Basic credentials only');
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const username = colon < 0 ? decoded : decoded.slice(0, colon);
    const password = colon < 0 ? '' : decoded.slice(colon + 1);
    if (!this.passwordMatches(username, password)) {
      throw new TokenRequestError(401, 'invalid_client', 'incorrect username or password');
    }
    if (account !== null && account !== username) {
      throw new TokenRequestError(400, 'invalid_request', 'account does not match the authenticated user');
    }
    return { subject: username, kind: 'basic', authenticated: true };
  }

  private passwordMatches(username: string, password: string): boolean {
    const expected = Object.hasOwn(this.options.users, username) ? this.options.users[username] : undefined;
    if (expected === undefined) return false;
    const a = Buffer.from(expected);
    const b = Buffer.from(password);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  private grantAccess(grant: Grant, scopes: ParsedScope[]): Array<{ type: string; name: string; actions: string[] }> {
    const access: Array<{ type: string; name: string; actions: string[] }> = [];
    for (const scope of scopes) {
      let actions: string[] = [];
      if (scope.type === 'repository') {
        const allowed = grant.authenticated ? REPOSITORY_ACTIONS : new Set(this.options.anonymousActions ?? []);
        actions = scope.actions.filter((action) => REPOSITORY_ACTIONS.has(action) && allowed.has(action));
      } else if (scope.type === 'registry' && scope.name === 'catalog' && grant.authenticated) {
        actions = scope.actions.filter((action) => action === '*');
      }
      if (actions.length > 0) access.push({ type: scope.type, name: scope.name, actions: [...new Set(actions)] });
    }
    return access;
  }

  private issue(subject: string, access: unknown[]): { token: string; expiresIn: number; issuedAt: string } {
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000);
    const claims = {
      iss: this.options.issuer,
      sub: subject,
      aud: this.options.service,
      exp: now + this.lifetime,
      nbf: now,
      iat: now,
      jti: randomBytes(16).toString('hex'),
      access,
    };
    this.stats.issued++;
    return {
      token: signEs256Jwt(this.jwtHeader, claims, this.privateKey),
      expiresIn: this.lifetime,
      issuedAt: new Date(now * 1000).toISOString(),
    };
  }

  private refreshTokenFor(subject: string): string {
    const token = randomBytes(24).toString('base64url');
    this.refreshTokens.set(token, subject);
    return token;
  }
}

/** Splits `type[(class)]:name:actions`; the name may itself contain colons (`host:port/repo`). */
function parseScope(raw: string): ParsedScope {
  const first = raw.indexOf(':');
  const last = raw.lastIndexOf(':');
  if (first <= 0 || last === first) throw new TokenRequestError(400, 'invalid_scope', `malformed scope ${JSON.stringify(raw)}`);
  const type = raw.slice(0, first).replace(/\(.*\)$/, '');
  const name = raw.slice(first + 1, last);
  const actions = raw
    .slice(last + 1)
    .split(',')
    .filter((action) => action.length > 0);
  if (name.length === 0) throw new TokenRequestError(400, 'invalid_scope', `scope ${JSON.stringify(raw)} names no resource`);
  return { raw, type, name, actions };
}

async function createSelfSignedCertificate(keyPath: string, certPath: string): Promise<void> {
  try {
    await execFileAsync('openssl', ['req', '-x509', '-new', '-key', keyPath, '-subj', '/CN=token', '-days', '2', '-out', certPath], {
      timeout: 30_000,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl could not create the token server's certificate (is openssl installed?): ${stderr || String(error)}`, {
      cause: error,
    });
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > MAX_FORM_BYTES) throw new TokenRequestError(413, 'invalid_request', 'request body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const bytes = Buffer.from(JSON.stringify(body));
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': bytes.length, 'cache-control': 'no-store', ...headers });
  res.end(bytes);
}
