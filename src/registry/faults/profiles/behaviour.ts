import type { ApiError } from '../../api-error.js';
import type { CheckedManifest } from '../../manifest-check.js';
import type { Route } from '../../router.js';
import type { RegistryState } from '../../storage/state.js';

/** What a profile sees of a request: enough to decide, never the connection itself. */
export interface ProfileRequest {
  readonly method: string;
  readonly route: Route;
  readonly query: URLSearchParams;
  /** Request headers, lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** Where the request came in, e.g. `http://127.0.0.1:40123`. */
  readonly origin: string;
  readonly state: RegistryState;
  /** True when the caller's credentials would let it push to the repository the request names. */
  readonly mayPush: boolean;
}

/** How a profile pages the tag list: what it makes of the client's query, and the `Link` it sends. */
export interface TagPaging {
  /** The `n` and `last` the registry actually uses for this request. */
  page(query: URLSearchParams): { n: number; last: string | undefined };
  /** The `Link` header value leading to the page after `last`. */
  link(path: string, n: number, last: string): string;
}

/**
 * The ways one real registry differs from the distribution spec, as hooks the embedded registry calls.
 * Every hook is optional; without one the registry behaves as it always does. A behaviour may keep
 * state (counters, rate windows): {@link RegistryProfile.create} makes a fresh one per registry.
 */
export interface RegistryBehaviour {
  /** The `WWW-Authenticate` of a 401 from the registry's authentication, instead of its own. */
  challenge?(origin: string, ours: string): string;
  /** Headers added to every response (rate-limit counters, say); called before and again after {@link refuse}. */
  headers?(request: ProfileRequest): Record<string, string>;
  /** An answer in place of the real one (after authentication, before faults and the handler), or undefined. */
  refuse?(request: ProfileRequest): ApiError | undefined;
  /** The last check of a manifest PUT, just before it is stored: a refusal, or undefined to store it. */
  refuseManifest?(manifest: CheckedManifest, bytes: Buffer, name: string): ApiError | undefined;
  /** Whether a cross-repository mount may link `digest` from `from` (the spec's rule: `from` has the blob). */
  mountable?(state: RegistryState, from: string, digest: string): boolean;
  /** False when the registry does not answer a manifest with `subject` with `OCI-Subject` (it has no referrers API). */
  acknowledgesSubject?: boolean;
  /** The registry's own tag-list paging. */
  tagPaging?: TagPaging;
}

/** A named registry profile, with the public sources its quirks are taken from. */
export interface RegistryProfile {
  readonly name: string;
  /** One line: which registry and what differs. */
  readonly describe: string;
  /** Public documents and issue threads each quirk is reproduced from. */
  readonly sources: readonly string[];
  /** Largest upload request body, when the registry has one (see `maxUploadRequestBytes`). */
  readonly maxUploadRequestBytes?: number;
  /** Authentication schemes the real registry uses; another configured scheme is refused at start. */
  readonly authSchemes?: ReadonlyArray<'basic' | 'token'>;
  create(settings: ProfileSettings): RegistryBehaviour;
}

/** Settings a profile takes beside its name (see `RegistryHandlerOptions.profile`). */
export interface ProfileSettings {
  /** Pulls (manifest GETs) allowed before 429, for profiles whose registry counts them (default: the real figure). */
  pullLimit?: number;
  /** Repositories created beforehand (the ECR console or API), for profiles whose registry needs them. */
  repositories?: readonly string[];
}
