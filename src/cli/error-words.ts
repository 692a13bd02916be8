import { join, resolve } from 'node:path';
import { isAuthError, isNetworkError } from '../errors.js';
import { booleanFlag, stringFlag, type FlagValues } from './args.js';

/**
 * Library messages told in the words of the command line: the flags a user can change rather than
 * the option names of the API. Pure text rules; `run.ts` applies them before printing an error.
 */

/** `[pattern, replacement]` pairs, applied in order, for the option names the library's messages use. */
const OPTION_WORDS: Array<[RegExp, string]> = [
  [/\b(?:spec|createManifestList): mediaType must be "oci" or "docker"/g, '--type must be oci or docker'],
  [/\bspec\.mediaType must be "oci" or "docker"/g, '--type must be oci or docker'],
  [/pass mediaType "oci" or "docker"/g, 'pass --type oci or --type docker'],
  [/\bmediaType "(oci|docker)" was asked for/g, '--type $1 was given'],
  [/\bmediaType "(oci|docker)"/g, '--type $1'],
  [/\bcredentials passed in options\b/g, 'the credentials given with --username and --password'],
];

/** How the library says that it looked for credentials and found none. */
const LIBRARY_NOT_FOUND = 'no username/password was found';

/** What the rules need to know of the command that failed. */
export interface ErrorContext {
  flags: FlagValues;
  env: Record<string, string | undefined>;
}

/** The config.json the command looked in for credentials, as the library locates it. */
export function dockerConfigPath(context: ErrorContext): string | undefined {
  const given = stringFlag(context.flags, 'docker-cfg');
  if (given !== undefined) return /\.json$/i.test(given) ? resolve(given) : join(resolve(given), 'config.json');
  const dir = context.env['DOCKER_CONFIG'];
  if (dir) return join(resolve(dir), 'config.json');
  const home = context.env['HOME'] || context.env['USERPROFILE'];
  return home ? join(home, '.docker', 'config.json') : undefined;
}

/** The message of `error` in CLI words, with a hint for what the user can do when there is one. */
export function inCliWords(error: unknown, context: ErrorContext): string | undefined {
  if (!(error instanceof Error)) return undefined;
  let message = error.message;
  for (const [pattern, replacement] of OPTION_WORDS) message = message.replace(pattern, replacement);
  const htpasswd = stringFlag(context.flags, 'htpasswd');
  if (htpasswd !== undefined) message = message.replace(/^\w+: auth\.(?:basic|token)\.htpasswd: /, `--htpasswd ${htpasswd}: `);
  if (isAuthError(error) && error.source === 'anonymous' && stringFlag(context.flags, 'username') === undefined) {
    const path = dockerConfigPath(context);
    const where = path ? `in ${path}` : 'in Docker config (no HOME or DOCKER_CONFIG is set)';
    const found = `no credentials for ${error.registry} were found ${where}: run 'multiplatform login ${error.registry}' or pass --username with --password-stdin`;
    message = message.includes(LIBRARY_NOT_FOUND) ? message.replace(LIBRARY_NOT_FOUND, found) : `${message}; ${found}`;
  }
  if (isNetworkError(error) && error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' && !booleanFlag(context.flags, 'plain-http')) {
    message = `${error.operation ?? 'request'}: the registry answered HTTPS with something else; if it serves plain HTTP, add --plain-http`;
  }
  return message === error.message ? undefined : message;
}
