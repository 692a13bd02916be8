import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FaultInjector } from './faults/faults.js';
import type { ProfileOption } from './faults/profiles/index.js';

/** Options of {@link createRegistryHandler}: what the registry stores and whom it serves. */
export interface RegistryHandlerOptions {
  /**
   * Where content lives: `'memory'` (default) or a directory, where blobs and repositories are kept and
   * survive a restart with the same directory.
   */
  storage?: { dir: string } | 'memory';
  /**
   * Authentication: `basic` requires these credentials on every request; `token` makes the registry its own
   * token server (`/token`), with optional credentials (anonymous callers then get pull only). Instead of one
   * username and password, `htpasswd` takes the text of an htpasswd file of bcrypt entries (`htpasswd -B`).
   */
  auth?:
    | { basic: { username: string; password: string } | { htpasswd: string } }
    | {
        token: {
          username?: string;
          password?: string;
          htpasswd?: string;
          service?: string;
          lifetimeSeconds?: number;
          /**
           * ACR's token exchange: the realm becomes `/oauth2/token`, and `POST /oauth2/exchange` trades an Azure AD
           * access token that `acceptAccessToken` accepts for a refresh token (`grant_type=refresh_token` at
           * `/oauth2/token` then grants push and pull).
           */
          oauth2Exchange?: { acceptAccessToken: (accessToken: string, tenant: string | undefined) => boolean };
        };
      };
  /** Largest manifest accepted, in bytes; default 4 MiB. Larger pushes get 413 `SIZE_INVALID`. */
  maxManifestBytes?: number;
  /**
   * Most manifests in one referrers answer (`GET /v2/<name>/referrers/<digest>`); default: all in one
   * answer. With fewer than there are, the answer carries a `Link: <…>; rel="next"` to the rest, as the
   * distribution spec allows, so clients' paging can be tried against a real server.
   */
  referrersPageSize?: number;
  /**
   * Largest body of one upload request (`POST ?digest=`, `PATCH`, final `PUT`), in bytes; default unlimited.
   * A larger request gets 416 `REQUESTED_RANGE_NOT_SATISFIABLE` and leaves the upload as it was, as GHCR
   * answers requests over 4 MiB (so clients must send large blobs in chunks no larger than this).
   */
  maxUploadRequestBytes?: number;
  /**
   * Limits on blob upload sessions (`POST /v2/<name>/blobs/uploads/` until the final `PUT` or a `DELETE`).
   * A new session past a limit gets 429 `TOOMANYREQUESTS`, naming the limit.
   */
  uploadSessions?: {
    /** Open sessions per repository; default 100. */
    perRepository?: number;
    /** Open sessions in the whole registry; default 1000. */
    total?: number;
    /** A session no request has touched for this many seconds is discarded with its bytes; default 900 (15 minutes). */
    idleSeconds?: number;
  };
  /** Receives one line per request and any unexpected error. */
  log?: (line: string) => void;
  /**
   * Behave as a real registry does where it differs from the spec (see docs/registries.md): `'ecr'`, `'ghcr'`,
   * `'dockerhub'`, `'gar'`, `'acr'`, `'quay'`, `'harbor'` or `'artifactory'`, or `{ name, ...settings }` with
   * `repositories` (ECR: the repositories created beforehand) or `pullLimit` (Docker Hub: pulls before 429).
   */
  profile?: ProfileOption;
}

/** Options of {@link startRegistry}: those of {@link createRegistryHandler} and where to listen. */
export interface RegistryOptions extends RegistryHandlerOptions {
  /** Port to listen on; default 0 (a free port chosen by the system). */
  port?: number;
  /** Address to listen on; default `127.0.0.1`. */
  host?: string;
}

/** Request counters of a running registry. */
export interface RegistryStats {
  /** Every request received, including token requests and requests answered with a fault. */
  requests: number;
  /** Requests to the token endpoint. */
  tokenRequests: number;
  /** Requests per endpoint, keyed `METHOD endpoint`: `GET base`, `HEAD blob`, `POST upload`, `PATCH upload`, `PUT manifest`, `GET tags`, `GET catalog`, `GET referrers`, `GET token`, ... */
  byRoute: Record<string, number>;
}

/** A registry started by {@link startRegistry}. */
export interface RunningRegistry {
  /** Base URL, e.g. `http://127.0.0.1:39213`. */
  url: string;
  /** `host:port`, as used in image references, e.g. `127.0.0.1:39213/app:1.0`. */
  host: string;
  port: number;
  /** Injects failures into the next matching requests. */
  faults: FaultInjector;
  stats: RegistryStats;
  /** Stops listening, drops open connections and upload sessions, and waits for stored state to be written. */
  close(): Promise<void>;
}

/** A registry without a server of its own, made by {@link createRegistryHandler}: mount {@link RegistryHandler.handle} in any `node:http` server. */
export interface RegistryHandler {
  /** Answers one request; never throws, whatever the request. Bound, so it can be passed as is to `createServer`. */
  readonly handle: (req: IncomingMessage, res: ServerResponse) => void;
  /** Injects failures into the next matching requests. */
  readonly faults: FaultInjector;
  readonly stats: RegistryStats;
  /**
   * Waits for the requests in progress (cutting short injected delays), drops open upload sessions, writes the
   * stored state and releases the storage. Requests arriving afterwards get `503`. Does not close the server
   * the handler is mounted in.
   */
  close(): Promise<void>;
}
