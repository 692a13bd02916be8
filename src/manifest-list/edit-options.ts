import { ValidationError } from '../errors.js';
import { checkAnnotations, isRecord } from '../oci/schemas.js';
import { parseSelectors, type EntrySelector } from './edit-rules.js';
import { parseChild, type ParsedChild } from './spec.js';
import type { EditManifestListOptions } from './types.js';

/** Options of an edit that passed every check that needs no request. */
export interface ParsedEdit {
  add: ParsedChild[];
  replace: ParsedChild[];
  remove: EntrySelector[];
  annotations?: Record<string, string | null>;
  dryRun: boolean;
  force: boolean;
}

function list(value: unknown, name: string): unknown[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ValidationError(`editManifestList: ${name} must be a list`);
  return value;
}

function flag(value: unknown, name: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ValidationError(`editManifestList: ${name} must be true or false`);
  return value;
}

/** Checks the options of {@link RegistryClient.editManifestList} before any request; asking for no change is a {@link ValidationError}. */
export function parseEditOptions(options: EditManifestListOptions): ParsedEdit {
  if (!isRecord(options)) throw new ValidationError('editManifestList: options must be an object ({ add, replace, remove, annotations })');
  const parsed: ParsedEdit = {
    add: list(options.add, 'add').map((s, i) => parseChild(s, `editManifestList: add[${i}]`)),
    replace: list(options.replace, 'replace').map((s, i) => parseChild(s, `editManifestList: replace[${i}]`)),
    remove: parseSelectors(list(options.remove, 'remove')),
    dryRun: flag(options.dryRun, 'dryRun'),
    force: flag(options.force, 'force'),
  };
  if (options.annotations !== undefined) {
    if (!isRecord(options.annotations)) throw new ValidationError('editManifestList: annotations must be an object of strings (null removes a key)');
    const given = Object.entries(options.annotations as Record<string, unknown>);
    const nulls = given.filter(([, v]) => v === null).map(([key]) => [key, null] as const);
    const set = Object.fromEntries(given.filter(([, v]) => v !== null));
    parsed.annotations = { ...checkAnnotations(set, 'editManifestList: annotations'), ...Object.fromEntries(nulls) };
  }
  if (parsed.add.length + parsed.replace.length + parsed.remove.length === 0 && parsed.annotations === undefined) {
    throw new ValidationError('editManifestList: nothing to change; give add, replace, remove or annotations');
  }
  return parsed;
}
