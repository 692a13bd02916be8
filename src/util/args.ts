/**
 * Runtime checks of the arguments of public methods, for JavaScript callers whom the types do not
 * reach. Each failure is a {@link ValidationError} that names the method, the argument and what was
 * expected, e.g. `getManifest: ref must be a reference string or Reference, got number`. Messages
 * name the type of a wrong value, never the value itself (it may be a secret).
 */
import { ValidationError } from '../errors.js';

/** The type of `value` as a message shows it: `number`, `null`, `array`, `Promise`, `object`, … */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value !== 'object') return typeof value;
  const constructorName = (Object.getPrototypeOf(value) as { constructor?: { name?: unknown } } | null)?.constructor?.name;
  return typeof constructorName === 'string' && constructorName !== 'Object' && constructorName !== '' ? constructorName : 'object';
}

/** `method: name must be expected, got <type>`. */
export function argumentError(method: string, name: string, expected: string, value: unknown): ValidationError {
  return new ValidationError(`${method}: ${name} must be ${expected}, got ${typeName(value)}`);
}

/** Throws {@link argumentError} unless `accepts(value)`. */
export function checkArgument(method: string, name: string, value: unknown, accepts: (value: unknown) => boolean, expected: string): void {
  if (!accepts(value)) throw argumentError(method, name, expected, value);
}

export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export const isAbortSignal = (value: unknown): value is AbortSignal =>
  isPlainObject(value) && typeof value.aborted === 'boolean' && typeof (value as { addEventListener?: unknown }).addEventListener === 'function';

export const isPositiveInteger = (value: unknown): boolean => Number.isSafeInteger(value) && (value as number) > 0;

export const isNonNegativeNumber = (value: unknown): boolean => typeof value === 'number' && Number.isFinite(value) && value >= 0;

export const isStringArray = (value: unknown): boolean => Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * Checks an options argument: absent, or an object whose `signal` (when given) is an AbortSignal
 * and whose `timeoutMs` (when given) is a non-negative number. `required` makes absence an error too.
 */
export function checkOptions(method: string, name: string, value: unknown, required = false): void {
  if (value === undefined && !required) return;
  checkArgument(method, name, value, isPlainObject, required ? 'an object' : 'an object or undefined');
  const { signal, timeoutMs } = value as { signal?: unknown; timeoutMs?: unknown };
  if (signal !== undefined) checkArgument(method, `${name}.signal`, signal, isAbortSignal, 'an AbortSignal');
  if (timeoutMs !== undefined) checkArgument(method, `${name}.timeoutMs`, timeoutMs, isNonNegativeNumber, 'a non-negative number of milliseconds (0: no deadline)');
}

/** How the fields of an options object are checked: `[accepts, expected]` by field name. */
export type FieldChecks = Record<string, readonly [accepts: (value: unknown) => boolean, expected: string]>;

/**
 * Checks every field of an options object against `checks`; a field not listed is an error that
 * names it, with `hints[field]` appended when given (for names people reach for by mistake).
 */
export function checkFields(method: string, name: string, value: Record<string, unknown>, checks: FieldChecks, hints: Record<string, string> = {}): void {
  for (const [field, fieldValue] of Object.entries(value)) {
    const check = checks[field];
    if (check === undefined) {
      const hint = Object.hasOwn(hints, field) ? `; ${hints[field]}` : '';
      throw new ValidationError(`${method}: unknown option ${JSON.stringify(field)} in ${name}${hint}`);
    }
    if (fieldValue === undefined) continue;
    checkArgument(method, `${name}.${field}`, fieldValue, check[0], check[1]);
  }
}
