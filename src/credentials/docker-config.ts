/**
 * Finding, reading and checking Docker's config.json. Only the parts that matter for
 * credentials are read (`auths`, `credsStore`, `credHelpers`); other keys are ignored.
 */
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { CredentialsError, rememberSecret } from '../errors.js';
import { parseJsonText } from '../util/json-syntax.js';
import { schemaProblems } from '../util/schema-problems.js';
import { DockerConfigSchema } from './docker-config-check.generated.js';
import type { DockerConfigJson } from './docker-config-schema.js';

/** One `auths` entry with its `auth` field decoded. */
export interface DockerAuthEntry {
  /** The key as written in the file (`https://index.docker.io/v1/`, `ghcr.io`, …). */
  key: string;
  username?: string;
  password?: string;
  identityToken?: string;
  registryToken?: string;
}

/** The credential settings of one config.json, in file order. */
export interface DockerConfigFile {
  path: string;
  auths: DockerAuthEntry[];
  /** The default helper; absent when unset or empty. */
  credsStore?: string;
  /** Per-registry helpers; an empty `helper` means "use `auths`, not `credsStore`", as in Docker. */
  credHelpers: Array<{ key: string; helper: string }>;
}

/** A helper name becomes part of a program name, so it must not be able to name a path. */
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * The config.json path to read or write, or undefined when none applies. A directory (as
 * `DOCKER_CONFIG` names, or a path that does not exist and does not end in `.json`) gets
 * `config.json` appended.
 */
export async function locateDockerConfig(
  option: string | false | undefined,
  env: Record<string, string | undefined>,
): Promise<string | undefined> {
  if (option === false) return undefined;
  if (option !== undefined) {
    const path = resolve(option);
    const info = await stat(path).catch(() => undefined);
    // A path that does not exist yet is a directory (as Docker's --config), unless it names a .json file.
    const isDirectory = info ? info.isDirectory() : !/\.json$/i.test(path);
    return isDirectory ? join(path, 'config.json') : path;
  }
  const dockerConfigDir = env['DOCKER_CONFIG'];
  if (dockerConfigDir) return join(resolve(dockerConfigDir), 'config.json');
  const home = env['HOME'] || env['USERPROFILE'];
  return home ? join(home, '.docker', 'config.json') : undefined;
}

/** Reads and checks a config.json; undefined when the file does not exist. */
export async function loadDockerConfig(path: string): Promise<DockerConfigFile | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    const why = code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (code ?? 'read failed');
    throw new CredentialsError(`cannot read Docker config ${path}: ${why}`, { cause: e });
  }
  return parseDockerConfig(text, path);
}

const isDockerConfigJson = (value: unknown): value is DockerConfigJson => DockerConfigSchema.check(value);

/** Parses and checks the text of a config.json read from `path` (used in messages). */
export function parseDockerConfig(text: string, path: string): DockerConfigFile {
  const body = text.replace(/^\uFEFF/, '');
  // Docker accepts an empty file as an empty config.
  if (body.trim() === '') return { path, auths: [], credHelpers: [] };

  const raw = parseJsonText(body, (where) => new CredentialsError(`Docker config ${path} is not valid JSON: ${where}`));

  const config = dropNulls(raw);
  if (!isDockerConfigJson(config)) {
    const problems = [...schemaProblems(DockerConfigSchema.json, config)]
      .slice(0, 5)
      .map((error) => `${readablePath(error.path)}: ${error.message}`);
    throw new CredentialsError(`Docker config ${path} has an unexpected shape: ${problems.join('; ')}`);
  }

  const auths = Object.entries(config.auths ?? {}).map(([key, entry]) => decodeAuthEntry(key, entry, path));
  const credHelpers = Object.entries(config.credHelpers ?? {}).map(([key, helper]) => {
    if (helper !== '') checkHelperName(helper, `credHelpers[${JSON.stringify(key)}]`, path);
    return { key, helper };
  });
  const credsStore = config.credsStore || undefined;
  if (credsStore !== undefined) checkHelperName(credsStore, 'credsStore', path);
  return { path, auths, credsStore, credHelpers };
}

/** Turns a JSON pointer (`/auths/https:~1~1ghcr.io/auth`) into `auths["https://ghcr.io"].auth`. */
function readablePath(pointer: string): string {
  if (pointer === '' || pointer === '/') return '(top level)';
  return pointer
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((segment, index) =>
      /^[A-Za-z_$][\w$]*$/.test(segment) ? `${index === 0 ? '' : '.'}${segment}` : `[${JSON.stringify(segment)}]`,
    )
    .join('');
}

/** Go's decoder reads `null` as "absent"; do the same for the fields this module reads. */
function dropNulls(raw: unknown): unknown {
  if (!isPlainObject(raw)) return raw;
  const out: Record<string, unknown> = { ...raw };
  for (const key of ['auths', 'credsStore', 'credHelpers']) if (out[key] === null) delete out[key];
  if (isPlainObject(out['auths'])) {
    out['auths'] = Object.fromEntries(
      Object.entries(out['auths']).map(([key, entry]) => [key, entry === null ? {} : entry]),
    );
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkHelperName(name: string, field: string, path: string): void {
  if (!HELPER_NAME.test(name)) {
    throw new CredentialsError(
      `Docker config ${path}: ${field} must be a helper name such as "pass" or "osxkeychain" (letters, digits, '.', '_', '-')`,
    );
  }
}

function decodeAuthEntry(
  key: string,
  entry: { auth?: string; username?: string; password?: string; identitytoken?: string; registrytoken?: string },
  path: string,
): DockerAuthEntry {
  rememberSecret(entry.auth);
  rememberSecret(entry.password);
  rememberSecret(entry.identitytoken);
  rememberSecret(entry.registrytoken);

  let username = entry.username;
  let password = entry.password;
  // As in Docker, a non-empty `auth` wins over separate username/password fields.
  if (entry.auth) {
    const decoded = decodeBasicAuth(entry.auth, `auths[${JSON.stringify(key)}].auth`, path);
    username = decoded.username;
    password = decoded.password;
    rememberSecret(password);
  }
  return {
    key,
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(entry.identitytoken ? { identityToken: entry.identitytoken } : {}),
    ...(entry.registrytoken ? { registryToken: entry.registrytoken } : {}),
  };
}

/** Decodes Docker's `auth` field: base64 of `user:password`, where only the first ':' separates. */
function decodeBasicAuth(value: string, field: string, path: string): { username: string; password: string } {
  const padded = value.includes('=');
  if (!BASE64.test(value) || (padded ? value.length % 4 !== 0 : value.length % 4 === 1)) {
    throw new CredentialsError(`Docker config ${path}: ${field} is not valid base64`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(value, 'base64'));
  } catch {
    throw new CredentialsError(`Docker config ${path}: ${field} does not decode to UTF-8 text`);
  }
  const colon = text.indexOf(':');
  if (colon < 0) {
    throw new CredentialsError(`Docker config ${path}: ${field} must encode "username:password" but has no ':'`);
  }
  // Docker trims NUL padding that some tools leave after the password.
  return { username: text.slice(0, colon), password: text.slice(colon + 1).replace(/^\0+|\0+$/g, '') };
}
