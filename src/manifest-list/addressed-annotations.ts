import { ValidationError } from '../errors.js';
import { normalizePlatform, parsePlatform, platformMatches } from '../oci/platform.js';
import type { Platform } from '../oci/schemas.js';

/**
 * Annotations addressed as docker/metadata-action and `docker buildx imagetools create` write them:
 * `[type[platforms]:]key=value`. For an index built from existing images, `index:` (or no type)
 * goes on the index and `manifest-descriptor:` on the entries that point at the images; the images'
 * own manifests are never rewritten, so `manifest:` is refused, as is `index-descriptor:` (a
 * registry keeps no descriptor of an index; only an OCI layout's `index.json` does).
 */

/** One `manifest-descriptor:` annotation, limited to some platforms when `platforms` is set. */
export interface DescriptorAnnotation {
  key: string;
  value: string;
  platforms?: Platform[];
}

/** The annotations of a create, by where they go. */
export interface AddressedAnnotations {
  index: Record<string, string>;
  descriptors: DescriptorAnnotation[];
}

const TYPED = /^(index|manifest|manifest-descriptor|index-descriptor)(?:\[([^\]]*)\])?:(.*)$/s;

/** Reads annotations given as lines (`index:k=v`) or as an object (all on the index). Throws {@link ValidationError} naming the line. */
export function parseAddressedAnnotations(input: readonly string[] | Record<string, string> | undefined): AddressedAnnotations {
  const out: AddressedAnnotations = { index: {}, descriptors: [] };
  if (input === undefined) return out;
  if (!Array.isArray(input)) {
    for (const [key, value] of Object.entries(input)) {
      if (typeof value !== 'string') throw new ValidationError(`annotation ${JSON.stringify(key)} must be a string, got ${typeof value}`);
      out.index[key] = value;
    }
    return out;
  }
  for (const line of input as readonly unknown[]) {
    if (typeof line !== 'string') throw new ValidationError(`annotations must be strings such as "index:key=value", got ${typeof line}`);
    const typed = TYPED.exec(line);
    const [type, platformList, rest] = typed ? [typed[1], typed[2], typed[3] as string] : ['index', undefined, line];
    const equals = rest.indexOf('=');
    if (equals <= 0) throw new ValidationError(`annotation ${JSON.stringify(line)}: expected [type:]key=value`);
    const key = rest.slice(0, equals);
    const value = rest.slice(equals + 1);
    const platforms = platformList === undefined ? undefined : parsePlatforms(platformList, line);
    switch (type) {
      case 'index':
        if (platforms !== undefined) throw new ValidationError(`annotation ${JSON.stringify(line)}: index annotations take no platforms`);
        out.index[key] = value;
        break;
      case 'manifest-descriptor':
        out.descriptors.push({ key, value, ...(platforms ? { platforms } : {}) });
        break;
      case 'manifest':
        throw new ValidationError(
          `annotation ${JSON.stringify(line)}: creating an index rewrites no image manifest, so "manifest:" has nowhere to go; use "index:" or "manifest-descriptor:"`,
        );
      default:
        throw new ValidationError(`annotation ${JSON.stringify(line)}: a registry keeps no descriptor of an index; use "index:" or "manifest-descriptor:"`);
    }
  }
  return out;
}

function parsePlatforms(list: string, line: string): Platform[] {
  const items = list.split(',').map((item) => item.trim());
  if (items.some((item) => item === '')) throw new ValidationError(`annotation ${JSON.stringify(line)}: empty platform in [${list}]`);
  return items.map((item) => normalizePlatform(parsePlatform(item)));
}

/** The `manifest-descriptor:` annotations that apply to an image entry of `platform` (attestation entries get none). */
export function descriptorAnnotationsFor(annotations: readonly DescriptorAnnotation[], platform: Platform): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value, platforms } of annotations) {
    if (platforms === undefined || platforms.some((wanted) => platformMatches(wanted, platform))) out[key] = value;
  }
  return out;
}
