import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node, type Pair } from 'yaml';
import type { ManifestListChildSpec, ManifestListSpec, Platform } from '../index.js';
import { SpecFileError, type SpecProblem } from './errors.js';
import { didYouMean } from './suggest.js';

/**
 * Reading manifest-tool's `from-spec` YAML format into a {@link ManifestListSpec}:
 *
 * ```yaml
 * image: registry.example/app:1.0
 * tags: ["1", "latest"]
 * annotations: { org.opencontainers.image.source: https://example.com/app }
 * manifests:
 *   - image: registry.example/app:1.0-linux-amd64
 *     platform: { architecture: amd64, os: linux }
 *   - image: registry.example/app:1.0-windows-amd64
 *     platform: { architecture: amd64, os: windows, osversion: 10.0.17763.1234 }
 *     annotations: { com.example.note: server core }
 * ```
 */

/** Optional semantic checks of values; each throws an error whose message says what is wrong. */
export interface SpecChecks {
  /** Checks an image reference (`image`, `manifests[].image`). */
  reference?: (value: string) => void;
  /** Checks an extra tag (`tags[]`). */
  tag?: (value: string) => void;
}

type Field = 'string' | 'strings' | 'map' | 'platform' | 'manifests';

const ROOT_FIELDS: Record<string, Field> = { image: 'string', tags: 'strings', manifests: 'manifests', annotations: 'map' };
const CHILD_FIELDS: Record<string, Field> = { image: 'string', platform: 'platform', annotations: 'map' };
/** manifest-tool's names (Go field names lowercased), then the OCI spellings, which are accepted too. */
const PLATFORM_FIELDS: Record<string, { key: keyof Platform; list: boolean }> = {
  architecture: { key: 'architecture', list: false },
  os: { key: 'os', list: false },
  variant: { key: 'variant', list: false },
  features: { key: 'features', list: true },
  osversion: { key: 'os.version', list: false },
  osfeatures: { key: 'os.features', list: true },
  'os.version': { key: 'os.version', list: false },
  'os.features': { key: 'os.features', list: true },
};

/** Collects problems with their positions while the document is walked. */
class Reader {
  readonly problems: SpecProblem[] = [];
  private readonly lineStarts: number[] = [0];

  constructor(
    private readonly text: string,
    readonly file: string,
    private readonly doc: Document,
    readonly checks: SpecChecks,
  ) {
    for (let i = 0; i < text.length; i++) if (text[i] === '\n') this.lineStarts.push(i + 1);
  }

  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = Math.ceil((low + high) / 2);
      if ((this.lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - (this.lineStarts[low] ?? 0) + 1 };
  }

  report(node: Node | Pair | null | undefined, path: string, message: string, fallbackOffset = 0): void {
    const range = node && 'range' in node ? node.range : node && 'key' in node && isNodeLike(node.key) ? node.key.range : undefined;
    const offset = Math.min(range?.[0] ?? fallbackOffset, this.text.length);
    this.problems.push({ file: this.file, ...this.position(offset), path, message });
  }

  /** Follows aliases (`*name`) to the node they point at. */
  resolve(node: unknown): Node | null {
    if (isAlias(node)) return (node.resolve(this.doc) as Node | undefined) ?? null;
    return isNodeLike(node) ? node : null;
  }
}

function isNodeLike(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && 'range' in value;
}

function describe(node: Node | null): string {
  if (node === null) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    if (node.value === null) return 'an empty value';
    return typeof node.value === 'string' ? 'a string' : `${typeof node.value} ${String(node.source ?? node.value)}`;
  }
  return 'an unsupported value';
}

/**
 * A scalar as text. Numbers and booleans keep the text they were written with (so `tags: [1.0]`
 * means the tag "1.0", as in manifest-tool).
 */
function readString(reader: Reader, raw: unknown, path: string, parent: Node): string | undefined {
  const node = reader.resolve(raw);
  if (!isScalar(node) || node.value === null || node.value === undefined || typeof node.value === 'object') {
    reader.report(node ?? parent, path, `expected a string, got ${describe(node)}`);
    return undefined;
  }
  if (typeof node.value === 'string') return node.value;
  return typeof node.source === 'string' ? node.source : String(node.value);
}

function readNonEmptyString(reader: Reader, raw: unknown, path: string, parent: Node): string | undefined {
  const value = readString(reader, raw, path, parent);
  if (value === '') {
    reader.report(reader.resolve(raw) ?? parent, path, 'must not be empty');
    return undefined;
  }
  return value;
}

function readStringList(reader: Reader, raw: unknown, path: string, parent: Node): string[] | undefined {
  const node = reader.resolve(raw);
  if (!isSeq(node)) {
    reader.report(node ?? parent, path, `expected a list of strings, got ${describe(node)}`);
    return undefined;
  }
  const values: string[] = [];
  node.items.forEach((item, index) => {
    const value = readNonEmptyString(reader, item, `${path}[${index}]`, node);
    if (value !== undefined) values.push(value);
  });
  return values;
}

function readStringMap(reader: Reader, raw: unknown, path: string, parent: Node): Record<string, string> | undefined {
  const node = reader.resolve(raw);
  if (!isMap(node)) {
    reader.report(node ?? parent, path, `expected a mapping of strings to strings, got ${describe(node)}`);
    return undefined;
  }
  const out: Record<string, string> = {};
  for (const pair of node.items) {
    const key = readNonEmptyString(reader, pair.key, `${path} key`, node);
    if (key === undefined) continue;
    const value = readString(reader, pair.value, `${path}[${JSON.stringify(key)}]`, reader.resolve(pair.key) ?? node);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/** The fields of a mapping by name; unknown and non-string keys are reported. */
function fieldsOf(reader: Reader, map: Node & { items: Pair[] }, path: string, known: readonly string[]): Map<string, { pair: Pair; key: Node }> {
  const fields = new Map<string, { pair: Pair; key: Node }>();
  for (const pair of map.items) {
    const keyNode = reader.resolve(pair.key);
    const name = isScalar(keyNode) && keyNode.value !== null ? String(keyNode.value) : undefined;
    if (name === undefined || keyNode === null) {
      reader.report(keyNode ?? map, path, `field names must be strings, got ${describe(keyNode)}`);
      continue;
    }
    const fieldPath = path ? `${path}.${name}` : name;
    if (!known.includes(name)) {
      const hint = didYouMean(name, known) || ` (known fields: ${known.join(', ')})`;
      reader.report(keyNode, fieldPath, `unknown field${hint}`);
      continue;
    }
    fields.set(name, { pair, key: keyNode });
  }
  return fields;
}

function requireField(reader: Reader, fields: Map<string, unknown>, name: string, map: Node, path: string): boolean {
  if (fields.has(name)) return true;
  reader.report(map, path, `missing required field ${JSON.stringify(name)}`);
  return false;
}

function check(reader: Reader, run: ((value: string) => void) | undefined, value: string | undefined, node: unknown, path: string, parent: Node): void {
  if (run === undefined || value === undefined) return;
  try {
    run(value);
  } catch (error) {
    reader.report(reader.resolve(node) ?? parent, path, error instanceof Error ? error.message : String(error));
  }
}

function readPlatform(reader: Reader, raw: unknown, path: string, parent: Node): Partial<Platform> | undefined {
  const node = reader.resolve(raw);
  if (node !== null && isScalar(node) && node.value === null) return undefined; // `platform:` with nothing after it
  if (!isMap(node)) {
    reader.report(node ?? parent, path, `expected a mapping (architecture, os, variant, …), got ${describe(node)}`);
    return undefined;
  }
  const fields = fieldsOf(reader, node, path, Object.keys(PLATFORM_FIELDS));
  const platform: Record<string, string | string[]> = {};
  const seen = new Map<string, string>();
  for (const [name, { pair, key }] of fields) {
    const field = PLATFORM_FIELDS[name];
    if (!field) continue;
    const fieldPath = `${path}.${name}`;
    const other = seen.get(field.key);
    if (other !== undefined) {
      reader.report(key, fieldPath, `gives ${field.key} again (already given as ${other})`);
      continue;
    }
    seen.set(field.key, name);
    const value = field.list ? readStringList(reader, pair.value, fieldPath, key) : readNonEmptyString(reader, pair.value, fieldPath, key);
    if (value !== undefined) platform[field.key] = value;
  }
  return Object.keys(platform).length > 0 ? (platform as Partial<Platform>) : undefined;
}

function readChild(reader: Reader, raw: unknown, path: string, parent: Node): ManifestListChildSpec | undefined {
  const node = reader.resolve(raw);
  if (!isMap(node)) {
    reader.report(node ?? parent, path, `expected a mapping with image and platform, got ${describe(node)}`);
    return undefined;
  }
  const fields = fieldsOf(reader, node, path, Object.keys(CHILD_FIELDS));
  if (!requireField(reader, fields, 'image', node, path)) return undefined;
  const imageField = fields.get('image');
  const image = readNonEmptyString(reader, imageField?.pair.value, `${path}.image`, imageField?.key ?? node);
  check(reader, reader.checks.reference, image, imageField?.pair.value, `${path}.image`, node);
  const child: ManifestListChildSpec = { image: image ?? '' };
  const platformField = fields.get('platform');
  if (platformField) {
    const platform = readPlatform(reader, platformField.pair.value, `${path}.platform`, platformField.key);
    if (platform) child.platform = platform;
  }
  const annotationsField = fields.get('annotations');
  if (annotationsField) {
    const annotations = readStringMap(reader, annotationsField.pair.value, `${path}.annotations`, annotationsField.key);
    if (annotations) child.annotations = annotations;
  }
  return child;
}

function readRoot(reader: Reader, root: Node | null): ManifestListSpec {
  const spec: ManifestListSpec = { image: '', manifests: [] };
  if (!isMap(root)) {
    reader.report(root, '', `expected a mapping with image and manifests at the top, got ${describe(root)}`);
    return spec;
  }
  const fields = fieldsOf(reader, root, '', Object.keys(ROOT_FIELDS));
  if (requireField(reader, fields, 'image', root, '')) {
    const field = fields.get('image');
    spec.image = readNonEmptyString(reader, field?.pair.value, 'image', field?.key ?? root) ?? '';
    if (spec.image) check(reader, reader.checks.reference, spec.image, field?.pair.value, 'image', root);
  }
  const tagsField = fields.get('tags');
  if (tagsField) {
    const tags = readStringList(reader, tagsField.pair.value, 'tags', tagsField.key);
    if (tags) {
      spec.tags = tags;
      const seq = reader.resolve(tagsField.pair.value);
      const items = isSeq(seq) ? seq.items : [];
      tags.forEach((tag, index) => check(reader, reader.checks.tag, tag, items[index], `tags[${index}]`, tagsField.key));
    }
  }
  if (requireField(reader, fields, 'manifests', root, '')) {
    const field = fields.get('manifests');
    const node = reader.resolve(field?.pair.value);
    if (!isSeq(node)) {
      reader.report(node ?? field?.key ?? root, 'manifests', `expected a list of images, got ${describe(node)}`);
    } else if (node.items.length === 0) {
      reader.report(node, 'manifests', 'must list at least one image');
    } else {
      node.items.forEach((item, index) => {
        const child = readChild(reader, item, `manifests[${index}]`, node);
        if (child) spec.manifests.push(child);
      });
    }
  }
  const annotationsField = fields.get('annotations');
  if (annotationsField) {
    const annotations = readStringMap(reader, annotationsField.pair.value, 'annotations', annotationsField.key);
    if (annotations) spec.annotations = annotations;
  }
  return spec;
}

/**
 * Converts the text of a manifest-tool spec file into a {@link ManifestListSpec}: `image`, `tags`,
 * `annotations`, and `manifests[]` with `image`, `annotations` and an optional `platform`
 * (`architecture`, `os`, `variant`, `features`, `osversion` → `os.version`, `osfeatures` →
 * `os.features`; the OCI spellings `os.version` and `os.features` are accepted too).
 *
 * Scalars are read as the text written, so `tags: [1.0]` is the tag `"1.0"`. Nothing else of the
 * spec is interpreted here: platforms are checked and normalised by the library.
 *
 * @param text the file's content
 * @param file the name used in messages (`FILE:LINE:COLUMN: …`)
 * @param checks optional checks of references and tags, reported at their position
 * @throws {SpecFileError} listing every problem: YAML syntax errors, unknown fields (with a
 *   suggestion when one is close), missing fields and values of the wrong type, each with its
 *   line, column and path (`manifests[1].platform.os`).
 */
export function parseSpecFile(text: string, file: string, checks: SpecChecks = {}): ManifestListSpec {
  const documents = parseAllDocuments(text, { prettyErrors: false, uniqueKeys: true });
  const list = Array.isArray(documents) ? documents : [];
  const first = list[0];
  if (first === undefined) {
    throw new SpecFileError([{ file, line: 1, column: 1, path: '', message: 'the file is empty; expected image and manifests' }]);
  }
  const reader = new Reader(text, file, first, checks);
  const syntax = list.flatMap((doc) => doc.errors);
  if (syntax.length > 0) {
    for (const error of syntax) {
      reader.problems.push({ file, ...reader.position(error.pos[0]), path: '', message: error.message });
    }
    throw new SpecFileError(reader.problems);
  }
  if (list.length > 1) {
    const second = list[1];
    const offset = second?.contents?.range?.[0] ?? 0;
    throw new SpecFileError([{ file, ...reader.position(offset), path: '', message: 'expected one YAML document, found several' }]);
  }
  const spec = readRoot(reader, reader.resolve(first.contents));
  if (reader.problems.length > 0) throw new SpecFileError(reader.problems);
  return spec;
}
