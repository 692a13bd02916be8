/**
 * The generated checks (scripts/generate-validators.mjs) against TypeBox itself: the generated
 * files are what the generator writes from the TypeBox schemas today, every generated check agrees
 * with `TypeCompiler.Compile(schema).Check`, and src/util/schema-problems.ts describes a failure as
 * TypeBox's `Errors` does (same paths, same messages, same order) — on valid documents and on every
 * single-field mutation of them.
 */
import { readFileSync } from 'node:fs';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without declarations
import { TARGETS, generate } from '../../scripts/generate-validators.mjs';
import * as ociDefinitions from '../../src/oci/schema-definitions.js';
import * as configDefinitions from '../../src/credentials/docker-config-schema.js';
import * as ociChecks from '../../src/oci/schema-checks.generated.js';
import * as configChecks from '../../src/credentials/docker-config-check.generated.js';
import { schemaProblems, type CompiledSchema } from '../../src/util/schema-problems.js';
import { validate, OciIndexSchema } from '../../src/oci/schemas.js';
import { SchemaError } from '../../src/errors.js';

const digest = `sha256:${'a'.repeat(64)}`;
const descriptor = { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest, size: 7, annotations: { a: 'b' }, platform: { architecture: 'amd64', os: 'linux', 'os.features': ['x'] } };

/** A valid document for each schema, to mutate. */
const SAMPLES: Record<string, unknown> = {
  PlatformSchema: { architecture: 'arm64', os: 'linux', variant: 'v8', features: ['f'] },
  DescriptorSchema: descriptor,
  OciManifestSchema: { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: descriptor, layers: [descriptor, descriptor], subject: descriptor, annotations: { k: 'v' } },
  OciIndexSchema: { schemaVersion: 2, manifests: [descriptor], artifactType: 'a/b' },
  DockerManifestSchema: { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: descriptor, layers: [descriptor] },
  DockerManifestListSchema: { schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.list.v2+json', manifests: [descriptor] },
  ImageConfigSchema: { architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digest] } },
  ErrorBodySchema: { errors: [{ code: 'DENIED', message: 'no', detail: { x: 1 } }] },
  TokenResponseSchema: { token: 't', expires_in: 300, issued_at: 'now' },
  TagListSchema: { name: 'a/b', tags: ['1', '2'] },
  CatalogSchema: { repositories: null },
  DockerConfigSchema: { auths: { 'ghcr.io': { auth: 'eA==' }, 'https://a/b~c': { username: 'u' } }, credsStore: 'desktop', credHelpers: { 'x.io': 'ecr-login' } },
};

const WRONG_VALUES: unknown[] = [undefined, null, 1, -1, 1.5, Number.NaN, 'x', '', true, [], [1], {}, { a: 1 }, new Date(0), new Uint8Array(1)];

/** The document with the value at `path` replaced (undefined: deleted). */
function mutate(doc: unknown, path: Array<string | number>, value: unknown): unknown {
  if (path.length === 0) return value;
  const copy: any = Array.isArray(doc) ? [...doc] : { ...(doc as object) };
  const [head, ...rest] = path;
  if (rest.length === 0 && value === undefined && !Array.isArray(copy)) delete copy[head!];
  else copy[head!] = mutate(copy[head!], rest, value);
  return copy;
}

/** Every path into a document. */
function paths(doc: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const here = [prefix];
  if (Array.isArray(doc)) return here.concat(...doc.map((item, i) => paths(item, [...prefix, i])));
  if (typeof doc === 'object' && doc !== null) return here.concat(...Object.entries(doc).map(([key, item]) => paths(item, [...prefix, key])));
  return here;
}

const cases = [
  ...Object.entries(ociDefinitions as Record<string, unknown>).filter(([n]) => n.endsWith('Schema')).map(([name, schema]) => ({ name, schema: schema as TSchema, generated: (ociChecks as Record<string, CompiledSchema>)[name]! })),
  { name: 'DockerConfigSchema', schema: configDefinitions.DockerConfigSchema as TSchema, generated: configChecks.DockerConfigSchema },
];

describe('generated schema checks', () => {
  it('are up to date with the TypeBox schemas', async () => {
    for (const target of TARGETS as Array<{ to: string }>) {
      expect(readFileSync(new URL(`../../${target.to}`, import.meta.url), 'utf8'), `${target.to} is stale: run node scripts/generate-validators.mjs`).toBe(await generate(target));
    }
  });

  it('cover every schema, and each has a sample', () => {
    expect(cases.map((c) => c.name).sort()).toEqual(Object.keys(SAMPLES).sort());
    for (const c of cases) expect(c.generated, c.name).toBeDefined();
  });

  for (const { name, schema, generated } of cases) {
    it(`${name}: the check and the problems agree with TypeBox on the sample and each mutation of it`, () => {
      const reference = TypeCompiler.Compile(schema);
      const sample = SAMPLES[name];
      expect(generated.check(sample)).toBe(true);
      let failures = 0;
      for (const path of paths(sample)) {
        for (const wrong of WRONG_VALUES) {
          const doc = mutate(sample, path, wrong);
          const ok = reference.Check(doc);
          expect(generated.check(doc), `${name} at /${path.join('/')} = ${String(wrong)}`).toBe(ok);
          const expected = [...reference.Errors(doc)].map((e) => ({ path: e.path, message: e.message }));
          expect([...schemaProblems(generated.json, doc)], `${name} at /${path.join('/')} = ${String(wrong)}`).toEqual(expected);
          if (!ok) failures++;
        }
      }
      expect(failures).toBeGreaterThan(0);
    });
  }
});

describe('validate', () => {
  it('throws SchemaError naming what was checked and where each problem is', () => {
    const bad = { schemaVersion: 2, manifests: [{ mediaType: 'x', digest: 'nope', size: -1 }] };
    expect(() => validate(OciIndexSchema, bad, 'index')).toThrow(SchemaError);
    expect(() => validate(OciIndexSchema, bad, 'index')).toThrow(/index.*\/manifests\/0\/digest: Expected string to match.*\/manifests\/0\/size: Expected integer to be greater or equal to 0/s);
    expect(validate(OciIndexSchema, SAMPLES.OciIndexSchema, 'index')).toBe(SAMPLES.OciIndexSchema);
  });
});
