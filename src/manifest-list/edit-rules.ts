import { ValidationError } from '../errors.js';
import { digestOf, isDigest } from '../oci/digest.js';
import { REFERENCE_DIGEST, isAttestationEntry } from '../oci/attestation.js';
import { MediaType } from '../oci/media-types.js';
import { entryVariantKey, formatPlatform, normalizePlatform, parsePlatform, platformKey, platformMatches } from '../oci/platform.js';
import { DockerManifestListSchema, OciIndexSchema, checkAnnotations, validate, type Descriptor, type Platform } from '../oci/schemas.js';
import { composeIndex, type ComposedIndex, type IndexEntry } from './compose.js';

/**
 * The pure part of editing an index: which entries stay, where new ones go, which attestation
 * manifests follow the images they describe, and the bytes of the result, in which every entry
 * that stays is written back exactly as it was.
 */

/** An entry of the index being edited: one kept from the old index, or a new one. */
export interface EditEntry extends IndexEntry {
  /** For an entry of the old index: its JSON object exactly as read, written back unchanged. */
  kept?: Record<string, unknown>;
}

/** Which entries `remove` names: the images of a platform (every variant of it), or one entry by digest. */
export type EntrySelector = { platform: Platform } | { digest: string };

/** The changes, in the order they are applied: remove, replace, add. */
export interface EntryEdit {
  remove?: readonly EntrySelector[];
  /** New entries, each image followed by its attestations; each replaces every image of its platform. */
  replace?: readonly EditEntry[];
  /** New entries, each image followed by its attestations; appended. */
  add?: readonly EditEntry[];
}

/** Reads `remove` values: a digest, else a platform string. Throws {@link ValidationError}. */
export function parseSelectors(values: readonly unknown[]): EntrySelector[] {
  return values.map((value, i) => {
    if (typeof value !== 'string' || value === '') throw new ValidationError(`remove[${i}] must be a platform such as linux/arm64 or a digest`);
    return isDigest(value) ? { digest: value } : { platform: normalizePlatform(parsePlatform(value)) };
  });
}

const platformOf = (entry: EditEntry): Platform | undefined => entry.platform ?? entry.descriptor.platform;
const annotationsOf = (entry: EditEntry): Record<string, string> => ({ ...entry.descriptor.annotations, ...entry.annotations });
const isAttestation = (entry: EditEntry): boolean => isAttestationEntry({ platform: platformOf(entry), annotations: annotationsOf(entry) });
const subjectOf = (entry: EditEntry): string | undefined => annotationsOf(entry)[REFERENCE_DIGEST];
const describe = (entry: EditEntry): string => {
  const platform = platformOf(entry);
  return `${platform ? formatPlatform(platform) : 'no platform'} (${entry.descriptor.digest})`;
};

/** `entries` without the images `gone` and the attestation manifests that describe them. */
function without(entries: readonly EditEntry[], gone: ReadonlySet<EditEntry>): EditEntry[] {
  const digests = new Set([...gone].map((e) => e.descriptor.digest));
  return entries.filter((e) => !gone.has(e) && !(isAttestation(e) && digests.has(subjectOf(e) ?? '')));
}

function matches(entry: EditEntry, selector: EntrySelector): boolean {
  if ('digest' in selector) return entry.descriptor.digest === selector.digest;
  const platform = platformOf(entry);
  return !isAttestation(entry) && platform !== undefined && platformMatches(selector.platform, platform);
}

function remove(entries: readonly EditEntry[], selectors: readonly EntrySelector[]): EditEntry[] {
  const gone = new Set<EditEntry>();
  for (const selector of selectors) {
    const found = entries.filter((e) => matches(e, selector));
    if (found.length === 0) {
      const what = 'digest' in selector ? selector.digest : formatPlatform(selector.platform);
      const there = entries.filter((e) => !isAttestation(e)).map(describe);
      throw new ValidationError(`remove ${what}: no entry of the index matches; it has ${there.join(', ') || 'no image entries'}`);
    }
    for (const entry of found) gone.add(entry);
  }
  return without(entries, gone);
}

/** The new entries cut into blocks: an image and the attestations that follow it. */
function blocks(entries: readonly EditEntry[]): EditEntry[][] {
  const out: EditEntry[][] = [];
  for (const entry of entries) {
    const last = out[out.length - 1];
    if (isAttestation(entry) && last !== undefined) last.push(entry);
    else out.push([entry]);
  }
  return out;
}

const imageKey = (entry: EditEntry): string => platformKey(platformOf(entry) as Platform);

function replace(entries: readonly EditEntry[], replacements: readonly EditEntry[]): EditEntry[] {
  const byPlatform = new Map<string, EditEntry[]>();
  for (const block of blocks(replacements)) {
    const key = imageKey(block[0] as EditEntry);
    byPlatform.set(key, [...(byPlatform.get(key) ?? []), ...block]);
  }
  let result = [...entries];
  for (const [key, block] of byPlatform) {
    const old = new Set(result.filter((e) => !isAttestation(e) && platformOf(e) !== undefined && imageKey(e) === key));
    if (old.size === 0) throw new ValidationError(`replace ${key}: the index has no entry for this platform to replace; add it instead`);
    const at = result.findIndex((e) => old.has(e));
    const before = without(result.slice(0, at), old);
    result = [...before, ...block, ...without(result.slice(at), old)];
  }
  return result;
}

function add(entries: readonly EditEntry[], additions: readonly EditEntry[]): EditEntry[] {
  for (const entry of additions) {
    if (isAttestation(entry)) continue;
    const key = entryVariantKey({ platform: platformOf(entry) as Platform, annotations: annotationsOf(entry) });
    const clash = entries.find((e) => e.descriptor.digest === entry.descriptor.digest || (!isAttestation(e) && platformOf(e) !== undefined && entryVariantKey({ platform: platformOf(e) as Platform, annotations: annotationsOf(e) }) === key));
    if (clash !== undefined) throw new ValidationError(`add ${describe(entry)}: the index already has ${describe(clash)}; use replace to change it`);
  }
  return [...entries, ...additions];
}

/**
 * Applies an edit to the entries of an index: removals first (an image goes with the attestation
 * manifests that describe it), then replacements (the new image, with its attestations, takes the
 * place of the first entry of its platform; every entry of that platform goes), then additions at
 * the end (a platform already there is an error). Entries not touched keep their order.
 * Throws {@link ValidationError} for a removal or replacement that matches nothing, or a conflict.
 */
export function editEntries(current: readonly EditEntry[], edit: EntryEdit): { entries: EditEntry[]; removed: EditEntry[] } {
  let entries = remove(current, edit.remove ?? []);
  entries = replace(entries, edit.replace ?? []);
  entries = add(entries, edit.add ?? []);
  const staying = new Set(entries);
  return { entries, removed: current.filter((e) => !staying.has(e)) };
}

/**
 * The bytes of the edited index. Every check of {@link composeIndex} applies (duplicates, orphaned
 * attestations, one media-type family), but only new entries are written in this project's form:
 * each kept entry is its old JSON object unchanged, and the document keeps its other fields and
 * their order. `annotations` are merged over the index's own; a `null` value removes a key.
 */
export function serializeEdited(original: Record<string, unknown>, entries: readonly EditEntry[], annotations: Record<string, string | null> | undefined): ComposedIndex {
  const oci = original.mediaType !== MediaType.DockerManifestList;
  const merged: Record<string, string> = { ...(checkAnnotations(original.annotations, 'index') ?? {}) };
  for (const [key, value] of Object.entries(annotations ?? {})) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  const indexAnnotations = Object.keys(merged).length > 0 ? merged : undefined;
  const checked = composeIndex([...entries], { mediaType: oci ? 'oci' : 'docker', annotations: indexAnnotations });
  const document: Record<string, unknown> = { ...original, manifests: entries.map((e, i) => e.kept ?? checked.index.manifests[i]) };
  if (indexAnnotations) document.annotations = indexAnnotations;
  else delete document.annotations;
  const bytes = Buffer.from(JSON.stringify(document), 'utf8');
  const parsed: unknown = JSON.parse(bytes.toString('utf8'));
  const index = oci ? validate(OciIndexSchema, parsed, 'edited OCI index') : validate(DockerManifestListSchema, parsed, 'edited manifest list');
  const mediaType = oci ? MediaType.OciIndex : MediaType.DockerManifestList;
  const digest = digestOf(bytes);
  return { bytes, digest, size: bytes.length, mediaType, descriptor: { mediaType, digest, size: bytes.length }, index };
}

/** The entries of an index as read: `raw` is the parsed JSON (kept verbatim), `manifests` the validated descriptors in the same order. */
export function keptEntries(raw: readonly Record<string, unknown>[], manifests: readonly Descriptor[]): EditEntry[] {
  return manifests.map((descriptor, i) => ({ descriptor, kept: raw[i] as Record<string, unknown> }));
}
