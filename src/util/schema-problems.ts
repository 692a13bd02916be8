/**
 * Describes why a value does not match a schema, for the schemas this library generates checking
 * code for (scripts/generate-validators.mjs). The checks themselves are generated; this walks the
 * plain JSON Schema only after a check failed, with TypeBox's messages and JSON-pointer paths
 * (test/oci/schema-checks.test.ts compares the two), so TypeBox need not be loaded at run time.
 */

/** The subset of JSON Schema that TypeBox emits for the schemas here. */
export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  patternProperties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  const?: unknown;
  pattern?: string;
  minimum?: number;
}

/** A generated check and the schema it checks. */
export interface CompiledSchema {
  readonly check: (value: unknown) => boolean;
  readonly json: JsonSchema;
}

/** One reason a value does not match: where (a JSON pointer, '' for the top) and what was expected. */
export interface SchemaProblem {
  path: string;
  message: string;
}

const isObjectLike = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const escapeKey = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/** Every problem of `value` against `schema`, in the order TypeBox's `Errors` gives them. */
export function* schemaProblems(schema: JsonSchema, value: unknown, path = ''): Generator<SchemaProblem> {
  if (schema.anyOf) {
    if (!schema.anyOf.some((variant) => schemaProblems(variant, value, path).next().done)) {
      yield { path, message: 'Expected union value' };
    }
    return;
  }
  if ('const' in schema) {
    if (value !== schema.const) yield { path, message: `Expected ${typeof schema.const === 'string' ? `'${schema.const}'` : String(schema.const)}` };
    return;
  }
  switch (schema.type) {
    case 'object':
      if (!isObjectLike(value) || (schema.patternProperties && (value instanceof Date || value instanceof Uint8Array))) {
        yield { path, message: 'Expected object' };
        return;
      }
      if (schema.patternProperties) {
        const [pattern, valueSchema] = Object.entries(schema.patternProperties)[0]!;
        const regex = new RegExp(pattern);
        for (const [key, item] of Object.entries(value)) if (regex.test(key)) yield* schemaProblems(valueSchema, item, `${path}/${escapeKey(key)}`);
        return;
      }
      yield* objectProblems(schema, value, path);
      return;
    case 'array':
      if (!Array.isArray(value)) {
        yield { path, message: 'Expected array' };
        return;
      }
      for (let i = 0; i < value.length; i++) if (schema.items) yield* schemaProblems(schema.items, value[i], `${path}/${i}`);
      return;
    case 'string':
      if (typeof value !== 'string') yield { path, message: 'Expected string' };
      else if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) yield { path, message: `Expected string to match '${schema.pattern}'` };
      return;
    case 'integer':
      if (!Number.isInteger(value)) yield { path, message: 'Expected integer' };
      else if (schema.minimum !== undefined && !((value as number) >= schema.minimum)) yield { path, message: `Expected integer to be greater or equal to ${schema.minimum}` };
      return;
    case 'number':
      if (!Number.isFinite(value)) yield { path, message: 'Expected number' };
      return;
    case 'null':
      if (value !== null) yield { path, message: 'Expected null' };
      return;
  }
}

function* objectProblems(schema: JsonSchema, value: Record<string, unknown>, path: string): Generator<SchemaProblem> {
  const required = schema.required ?? [];
  const present = Object.getOwnPropertyNames(value);
  for (const key of required) if (!present.includes(key)) yield { path: `${path}/${escapeKey(key)}`, message: 'Expected required property' };
  for (const [key, property] of Object.entries(schema.properties ?? {})) {
    if (required.includes(key) || value[key] !== undefined) yield* schemaProblems(property, value[key], `${path}/${escapeKey(key)}`);
  }
}
