import { assertPartialPlatform } from '../oci/platform.js';
import type { IndexFormat } from './compose.js';
import { InvalidReferenceError, ValidationError } from '../errors.js';
import type { ManifestListSpec } from './types.js';
import { parseReference, validateTag, type Reference } from '../oci/reference.js';
import { checkAnnotations, isRecord, type Platform } from '../oci/schemas.js';

/** One child of the spec, its reference parsed. */
export interface ParsedChild {
  /** The reference as the spec wrote it (used in messages and the plan). */
  image: string;
  ref: Reference;
  platform?: Partial<Platform>;
  annotations?: Record<string, string>;
}

/** A spec that passed every check that needs no request. */
export interface ParsedSpec {
  target: Reference;
  /** Tags to write, in order (the target's own tag first). Empty when the target is pinned by digest only. */
  tags: string[];
  children: ParsedChild[];
  annotations?: Record<string, string>;
  mediaType?: IndexFormat;
  dryRun: boolean;
  ignoreMissing: boolean;
  /** False: platforms the spec states in full are trusted without reading the image config. */
  verifyPlatforms: boolean;
}

function reference(value: unknown, where: string): Reference {
  if (typeof value !== 'string' || value === '') throw new ValidationError(`${where} must be a non-empty image reference string`);
  try {
    return parseReference(value);
  } catch (error) {
    if (error instanceof InvalidReferenceError) throw new InvalidReferenceError(value, `${error.reason} (${where})`);
    throw error;
  }
}

/** A YAML `annotations:` with nothing after it arrives as null: taken as absent. */
const annotations = (value: unknown, where: string): Record<string, string> | undefined => checkAnnotations(value ?? undefined, where);

function flag(value: unknown, where: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ValidationError(`${where} must be true or false`);
  return value;
}

function extraTags(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new ValidationError('spec.tags must be a list of tags');
  return value.map((tag: unknown, i) => {
    try {
      return validateTag(tag as string);
    } catch (error) {
      if (error instanceof InvalidReferenceError) throw new ValidationError(`spec.tags[${i}]: ${error.reason}`);
      throw error;
    }
  });
}

/**
 * Checks one child (`{ image, platform?, annotations? }`, or a bare reference string) and parses its
 * reference; `where` names it in messages.
 */
export function parseChild(child: unknown, where: string): ParsedChild {
  if (typeof child === 'string') return { image: child, ref: reference(child, where) };
  if (!isRecord(child)) throw new ValidationError(`${where} must be an object with an image`);
  const ref = reference(child.image, `${where}.image`);
  const parsed: ParsedChild = { image: child.image as string, ref };
  if (child.platform !== undefined && child.platform !== null) {
    // Checked here, before any request: a malformed platform must not surface after the lookups.
    assertPartialPlatform(child.platform, `${where}.platform`);
    parsed.platform = child.platform;
  }
  const childAnnotations = annotations(child.annotations, where);
  if (childAnnotations) parsed.annotations = childAnnotations;
  return parsed;
}

/**
 * Checks a manifest-list spec and parses every reference in it, before anything is requested:
 * a malformed reference is an {@link InvalidReferenceError} naming where it is in the spec; any
 * other problem (no children, a bad tag, a malformed platform or annotations, an unknown
 * mediaType) is a {@link ValidationError}.
 */
export function parseSpec(spec: ManifestListSpec): ParsedSpec {
  if (!isRecord(spec)) throw new ValidationError('the manifest list spec must be an object');
  const target = reference(spec.image, 'spec.image');
  if (!Array.isArray(spec.manifests) || spec.manifests.length === 0) {
    throw new ValidationError('spec.manifests must list at least one image');
  }
  const children = spec.manifests.map((child: unknown, i) => parseChild(child, `spec.manifests[${i}]`));

  const mediaType: unknown = spec.mediaType;
  if (mediaType !== undefined && mediaType !== 'oci' && mediaType !== 'docker') {
    throw new ValidationError(`spec.mediaType must be "oci" or "docker", got ${JSON.stringify(mediaType)}`);
  }
  const indexAnnotations = annotations(spec.annotations, 'spec');
  if (mediaType === 'docker' && (indexAnnotations || children.some((c) => c.annotations))) {
    throw new ValidationError('a Docker manifest list cannot carry annotations; remove them or use mediaType "oci"');
  }

  const own = target.tag ?? (target.digest ? undefined : 'latest');
  const tags = [...new Set([...(own === undefined ? [] : [own]), ...extraTags(spec.tags)])];

  const parsed: ParsedSpec = {
    target,
    tags,
    children,
    dryRun: flag(spec.dryRun, 'spec.dryRun'),
    ignoreMissing: flag(spec.ignoreMissing, 'spec.ignoreMissing'),
    verifyPlatforms: spec.verifyPlatforms === undefined || flag(spec.verifyPlatforms, 'spec.verifyPlatforms'),
  };
  if (indexAnnotations) parsed.annotations = indexAnnotations;
  if (mediaType !== undefined) parsed.mediaType = mediaType;
  return parsed;
}
