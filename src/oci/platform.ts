import { ValidationError } from '../errors.js';
import { isRecord, type ImageConfig, type Platform } from './schemas.js';

/**
 * Platform strings and objects: parsing `os/arch[/variant][:os.version]`, formatting them back,
 * and normalising the spellings that tools disagree on (`aarch64` vs `arm64`, missing ARM variants).
 *
 * This project always writes an explicit variant for ARM: `arm64` becomes `arm64/v8` and `arm`
 * becomes `arm/v7`, as Docker's manifest tooling does. containerd drops the `v8` instead; both
 * spellings compare equal here, only the written form is fixed.
 */

const PART = /^[A-Za-z0-9._-]+$/;
const OS_VERSION = /^[A-Za-z0-9._+-]+$/;
const WHITESPACE = /\s/;

function invalidPlatform(input: string, reason: string): ValidationError {
  return new ValidationError(`invalid platform ${JSON.stringify(input)}: ${reason}`);
}

/**
 * Parses `os/arch[/variant]` with an optional `:os.version` suffix, e.g. `linux/arm64/v8` or
 * `windows/amd64:10.0.17763.1234`. The fields are returned as written; pass the result through
 * {@link normalizePlatform} to compare or store it. Throws {@link ValidationError} naming the input.
 */
export function parsePlatform(s: string): Platform {
  if (typeof s !== 'string' || s.length === 0) throw invalidPlatform(String(s), 'empty platform');
  if (WHITESPACE.test(s)) throw invalidPlatform(s, 'must not contain whitespace');
  const colon = s.indexOf(':');
  const path = colon === -1 ? s : s.slice(0, colon);
  const osVersion = colon === -1 ? undefined : s.slice(colon + 1);
  if (osVersion !== undefined && !OS_VERSION.test(osVersion)) {
    throw invalidPlatform(s, osVersion === '' ? 'empty os.version after ":"' : `invalid os.version ${JSON.stringify(osVersion)}`);
  }
  const parts = path.split('/');
  if (parts.length < 2) throw invalidPlatform(s, 'expected os/architecture[/variant]');
  if (parts.length > 3) throw invalidPlatform(s, 'too many "/"-separated parts (expected os/architecture[/variant])');
  const [os = '', architecture = '', variant] = parts;
  for (const [name, value] of [['os', os], ['architecture', architecture], ['variant', variant]] as const) {
    if (value === undefined) continue;
    if (value === '') throw invalidPlatform(s, `empty ${name}`);
    if (!PART.test(value)) throw invalidPlatform(s, `invalid characters in ${name} ${JSON.stringify(value)}`);
  }
  return orderPlatform({ architecture, os, 'os.version': osVersion, variant });
}

/**
 * Formats a platform the way `mquery` and `docker manifest inspect` show it: `linux/amd64`,
 * `linux/arm64/v8`, `windows/amd64:10.0.17763.1234`. Features are not part of the string.
 */
export function formatPlatform(p: Platform): string {
  const variant = p.variant ? `/${p.variant}` : '';
  const osVersion = p['os.version'] ? `:${p['os.version']}` : '';
  return `${p.os}/${p.architecture}${variant}${osVersion}`;
}

interface ArchVariant {
  architecture: string;
  variant: string | undefined;
}

/**
 * Canonical architecture and variant, without filling in default ARM variants
 * (so callers can tell a variant someone stated from one we assumed).
 */
function canonicalArch(architecture: string, variant: string | undefined): ArchVariant {
  const arch = architecture.toLowerCase();
  let v = variant ? variant.toLowerCase() : undefined;
  switch (arch) {
    case 'x86_64':
    case 'x86-64':
    case 'amd64':
      // v1 is the amd64 baseline, so `amd64/v1` and `amd64` are the same platform.
      return { architecture: 'amd64', variant: v === 'v1' ? undefined : v };
    case 'aarch64':
    case 'arm64':
      if (v !== undefined && /^\d+$/.test(v)) v = `v${v}`;
      return { architecture: 'arm64', variant: v };
    case 'armhf':
      return { architecture: 'arm', variant: 'v7' };
    case 'armel':
      return { architecture: 'arm', variant: 'v6' };
    case 'arm':
      if (v !== undefined && /^\d+$/.test(v)) v = `v${v}`;
      return { architecture: 'arm', variant: v };
    case 'i386':
      return { architecture: '386', variant: v };
    default:
      return { architecture: arch, variant: v };
  }
}

function defaultVariant(architecture: string): string | undefined {
  if (architecture === 'arm64') return 'v8';
  if (architecture === 'arm') return 'v7';
  return undefined;
}

function canonicalOs(os: string): string {
  const lower = os.toLowerCase();
  return lower === 'macos' ? 'darwin' : lower;
}

/** Copies a platform with keys in the order this project writes them, omitting absent and empty fields. */
function orderPlatform(p: {
  architecture: string;
  os: string;
  'os.version'?: string | undefined;
  'os.features'?: string[] | undefined;
  variant?: string | undefined;
  features?: string[] | undefined;
}): Platform {
  const out: Platform = { architecture: p.architecture, os: p.os };
  if (p['os.version']) out['os.version'] = p['os.version'];
  if (p['os.features'] && p['os.features'].length > 0) out['os.features'] = [...p['os.features']];
  if (p.variant) out.variant = p.variant;
  if (p.features && p.features.length > 0) out.features = [...p.features];
  return out;
}

function checkField(what: string, name: string, value: unknown, required: boolean): void {
  if (value === undefined && !required) return;
  if (typeof value !== 'string' || value === '') {
    throw new ValidationError(`${what}: platform.${name} must be a non-empty string, got ${JSON.stringify(value) ?? 'undefined'}`);
  }
  // '/' and ':' would make the platform string ambiguous; whitespace is never meaningful here.
  if (/[\s/:]/.test(value) && name !== 'os.version') {
    throw new ValidationError(`${what}: platform.${name} ${JSON.stringify(value)} must not contain "/", ":" or whitespace`);
  }
  if (name === 'os.version' && WHITESPACE.test(value)) {
    throw new ValidationError(`${what}: platform.os.version ${JSON.stringify(value)} must not contain whitespace`);
  }
}

function checkList(what: string, name: string, value: unknown): void {
  if (value === undefined) return;
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string' || v === '' || WHITESPACE.test(v))) {
    throw new ValidationError(`${what}: platform.${name} must be a list of non-empty strings without whitespace`);
  }
}

/**
 * Checks that `p` is a platform object: non-empty os and architecture, optional variant and
 * os.version strings, optional lists of feature strings; no "/", ":" or whitespace in os,
 * architecture or variant. Throws {@link ValidationError} naming `what`.
 */
export function assertPlatform(p: unknown, what = 'invalid platform'): asserts p is Platform {
  if (!isRecord(p)) throw new ValidationError(`${what}: platform must be an object`);
  checkField(what, 'os', p.os, true);
  checkField(what, 'architecture', p.architecture, true);
  checkField(what, 'variant', p.variant === '' ? undefined : p.variant, false);
  checkField(what, 'os.version', p['os.version'] === '' ? undefined : p['os.version'], false);
  checkList(what, 'os.features', p['os.features']);
  checkList(what, 'features', p.features);
}

/**
 * Checks the fields a partial platform (as a spec may give it) does have: each must be well formed,
 * none is required. Throws {@link ValidationError} naming `what`.
 */
export function assertPartialPlatform(p: unknown, what: string): asserts p is Partial<Platform> {
  if (!isRecord(p)) throw new ValidationError(`${what}: platform must be an object`);
  checkField(what, 'os', p.os, false);
  checkField(what, 'architecture', p.architecture, false);
  checkField(what, 'variant', p.variant || undefined, false);
  checkField(what, 'os.version', p['os.version'] || undefined, false);
  checkList(what, 'os.features', p['os.features']);
  checkList(what, 'features', p.features);
}

/**
 * Normalises a platform as containerd and the OCI image-spec expect: lowercase os, architecture
 * and variant; `x86_64`/`x86-64` → `amd64`, `aarch64` → `arm64`, `i386` → `386`, `armhf` → `arm/v7`,
 * `armel` → `arm/v6`, `macos` → `darwin`; `amd64/v1` → `amd64`; numeric ARM variants get a `v`.
 * ARM platforms without a variant get the default one (`arm64` → `v8`, `arm` → `v7`), as Docker's
 * manifest tooling writes them. `os.version`, `os.features` and `features` are kept as given.
 *
 * Returns a new object with keys in a fixed order (architecture, os, os.version, os.features,
 * variant, features); absent or empty fields are omitted. Throws {@link ValidationError} naming
 * `what` when os or architecture is missing or a field is malformed.
 */
export function normalizePlatform(p: Platform, what = 'invalid platform'): Platform {
  assertPlatform(p, what);
  const { architecture, variant } = canonicalArch(p.architecture, p.variant || undefined);
  return orderPlatform({
    architecture,
    os: canonicalOs(p.os),
    'os.version': p['os.version'],
    'os.features': p['os.features'],
    variant: variant ?? defaultVariant(architecture),
    features: p.features,
  });
}

function sameSet(a: string[] | undefined, b: string[] | undefined): boolean {
  const left = new Set(a ?? []);
  const right = new Set(b ?? []);
  return left.size === right.size && [...left].every((x) => right.has(x));
}

/** True when both platforms are the same after {@link normalizePlatform}; features compare as sets. */
export function platformsEqual(a: Platform, b: Platform): boolean {
  const x = normalizePlatform(a);
  const y = normalizePlatform(b);
  return (
    x.os === y.os &&
    x.architecture === y.architecture &&
    x.variant === y.variant &&
    x['os.version'] === y['os.version'] &&
    sameSet(x['os.features'], y['os.features']) &&
    sameSet(x.features, y.features)
  );
}

const sortedUnique = (list: string[] | undefined): string[] => [...new Set(list ?? [])].sort();

/**
 * A string that is equal for two platforms exactly when {@link platformsEqual} says they are equal,
 * for duplicate detection: the normalised `os/arch[/variant][:os.version]`, followed by the
 * feature sets when there are any.
 */
export function platformKey(p: Platform): string {
  const n = normalizePlatform(p);
  let key = formatPlatform(n);
  const osFeatures = sortedUnique(n['os.features']);
  const features = sortedUnique(n.features);
  if (osFeatures.length > 0) key += ` os.features=${JSON.stringify(osFeatures)}`;
  if (features.length > 0) key += ` features=${JSON.stringify(features)}`;
  return key;
}

/**
 * True when an index entry's platform is what a runtime asking for `wanted` would accept: the same
 * os, architecture and variant after {@link normalizePlatform} (so `linux/arm64` matches an entry
 * that records `arm64/v8` or no variant); `os.version`, `os.features` and `features` are compared
 * only when `wanted` names them (features: the entry must have every one asked for).
 */
export function platformMatches(wanted: Platform, candidate: Platform): boolean {
  const w = normalizePlatform(wanted);
  const c = normalizePlatform(candidate);
  if (w.os !== c.os || w.architecture !== c.architecture || w.variant !== c.variant) return false;
  if (w['os.version'] !== undefined && w['os.version'] !== c['os.version']) return false;
  const has = (list: string[] | undefined, wantedList: string[] | undefined) => (wantedList ?? []).every((x) => (list ?? []).includes(x));
  return has(c['os.features'], w['os.features']) && has(c.features, w.features);
}

/**
 * Annotation podman and buildah put on an index entry whose layers are zstd-compressed, when the
 * same image is also in the index with gzip layers (the gzip entry first, so clients that know no
 * zstd pick it).
 */
export const ZSTD_COMPRESSION_ANNOTATION = 'io.github.containers.compression.zstd';

/**
 * A string equal for two index entries exactly when a runtime could not tell them apart: the
 * {@link platformKey} (so `os.version`, `os.features` and `features` already tell variants apart),
 * plus ` zstd` for an entry annotated as the zstd-compressed sibling of an image.
 */
export function entryVariantKey(entry: { platform: Platform; annotations?: Record<string, string> | undefined }): string {
  const zstd = entry.annotations?.[ZSTD_COMPRESSION_ANNOTATION] === 'true';
  return zstd ? `${platformKey(entry.platform)} zstd` : platformKey(entry.platform);
}

/** The platform an image config describes (os, architecture, variant, os.version, os.features), normalised. */
export function platformFromConfig(config: ImageConfig): Platform {
  if (typeof config !== 'object' || config === null) throw new ValidationError('image config: not an object');
  if (!config.os || !config.architecture) {
    throw new ValidationError('image config: has no os and architecture, so its platform is unknown');
  }
  return normalizePlatform({
    architecture: config.architecture,
    os: config.os,
    'os.version': config['os.version'],
    'os.features': config['os.features'],
    variant: config.variant,
  });
}

/**
 * Combines the platform a spec gives for a child image with the one read from the child's config.
 * The spec wins, but must not contradict the config: when both give os, architecture, variant or
 * os.version and the values differ after normalisation, a {@link ValidationError} names `what`
 * (the child reference) and both values. Fields the spec leaves out come from the config; a spec
 * that says `arm64` without a variant agrees with a config saying `arm64/v8`. Throws when neither
 * side gives os and architecture.
 */
export function mergePlatform(spec: Partial<Platform> | undefined, fromConfig: Platform | undefined, what: string): Platform {
  const given = spec ?? {};
  const config = fromConfig === undefined ? undefined : normalizePlatform(fromConfig, `${what} (image config)`);
  assertPartialPlatform(given, what);

  const conflict = (field: string, specValue: string, configValue: string): ValidationError =>
    new ValidationError(
      `${what}: the spec says platform ${field} ${JSON.stringify(specValue)} but the image config says ${JSON.stringify(configValue)}`,
    );

  const os = given.os ? canonicalOs(given.os) : undefined;
  if (os !== undefined && config && os !== config.os) throw conflict('os', os, config.os);

  let architecture: string | undefined;
  let variant: string | undefined;
  if (given.architecture) {
    ({ architecture, variant } = canonicalArch(given.architecture, given.variant || undefined));
    if (config && architecture !== config.architecture) throw conflict('architecture', architecture, config.architecture);
  } else if (given.variant && config) {
    variant = canonicalArch(config.architecture, given.variant).variant;
  } else if (given.variant) {
    variant = given.variant.toLowerCase();
  }
  if (variant !== undefined && config?.variant !== undefined && variant !== config.variant) {
    throw conflict('variant', variant, config.variant);
  }

  const osVersion = given['os.version'] || undefined;
  if (osVersion !== undefined && config?.['os.version'] !== undefined && osVersion !== config['os.version']) {
    throw conflict('os.version', osVersion, config['os.version']);
  }

  const finalOs = os ?? config?.os;
  const finalArchitecture = architecture ?? config?.architecture;
  if (!finalOs || !finalArchitecture) {
    throw new ValidationError(`${what}: no platform known; give os and architecture in the spec or push an image config that has them`);
  }
  return normalizePlatform(
    {
      architecture: finalArchitecture,
      os: finalOs,
      'os.version': osVersion ?? config?.['os.version'],
      'os.features': given['os.features'] ?? config?.['os.features'],
      variant: variant ?? config?.variant,
      features: given.features ?? config?.features,
    },
    what,
  );
}

/** True for the `unknown/unknown` platform BuildKit gives attestation manifests in an index. */
export function isAttestationPlatform(p: Platform | undefined): boolean {
  return p !== undefined && p !== null && p.os === 'unknown' && p.architecture === 'unknown';
}
