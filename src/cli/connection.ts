import type { RegistryClientOptions } from '../index.js';
import { booleanFlag, stringFlag, type FlagValues } from './args.js';
import { parseDuration } from './duration.js';
import { UsageError } from './errors.js';
import type { CliIo } from './io.js';
import { escapeMessage } from './terminal-text.js';
import { httpLogger } from './http-log.js';

/** Credentials given on the command line, for one registry. */
export interface CommandLineCredentials {
  username: string;
  password: string;
}

/**
 * The `--username`, `--password` and `--password-stdin` flags, checked for consistency. The
 * password read from stdin loses one trailing newline (`echo "$TOKEN" | …` works).
 * @throws {UsageError} when a username comes without a password or the other way round, or when
 *   both `--password` and `--password-stdin` are given.
 */
export async function readCredentials(flags: FlagValues, io: CliIo, command: string): Promise<CommandLineCredentials | undefined> {
  const username = stringFlag(flags, 'username');
  const inline = stringFlag(flags, 'password');
  const fromStdin = booleanFlag(flags, 'password-stdin');
  if (inline !== undefined && fromStdin) throw new UsageError('--password and --password-stdin cannot be used together', command);
  if (username === undefined) {
    if (inline !== undefined || fromStdin) throw new UsageError('a password needs --username', command);
    return undefined;
  }
  if (username === '') throw new UsageError('--username must not be empty', command);
  if (inline === undefined && !fromStdin) throw new UsageError('--username needs --password or --password-stdin', command);
  let password = inline ?? '';
  if (fromStdin) password = (await io.readStdin()).replace(/\r?\n$/, '');
  if (password === '') throw new UsageError(fromStdin ? 'the password read from standard input is empty' : '--password must not be empty', command);
  return { username, password };
}

/** Inputs of {@link clientOptions}. */
export interface ConnectionSettings {
  /** The registry the command-line credentials are for (the target's, or the inspected image's). */
  credentialsRegistry: string;
  credentials: CommandLineCredentials | undefined;
  /** Every registry the command names; `--insecure` applies to these only. */
  registries: readonly string[];
  flags: FlagValues;
  io: CliIo;
  /** Print retries and registry warnings to stderr. */
  verbose: boolean;
}

/** The `onHttp` listener `--debug` or `--verbose` asks for, if either was given. */
export function httpLoggerFor(flags: FlagValues, io: CliIo): RegistryClientOptions['onHttp'] {
  if (booleanFlag(flags, 'debug')) return httpLogger(io, 'headers');
  if (booleanFlag(flags, 'verbose')) return httpLogger(io, 'steps');
  return undefined;
}

/** `--timeout DURATION` in ms; zero means no deadline. */
function timeoutMs(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined) throw new UsageError(`--timeout must be a duration such as 30s, 5m, 1h or 1500 (milliseconds), got ${JSON.stringify(value)}`);
  return ms;
}

/**
 * Client options for a command: command-line credentials for one registry (Docker's config
 * serves every other registry, and this one when no flags were given), `--docker-cfg`,
 * `--insecure` for the registries the command names, and `--timeout` as the deadline of each call.
 */
export function clientOptions(settings: ConnectionSettings): RegistryClientOptions {
  const { flags, io } = settings;
  const options: RegistryClientOptions = { env: io.env };
  if (settings.credentials) options.credentials = { [settings.credentialsRegistry]: settings.credentials };
  const dockerCfg = stringFlag(flags, 'docker-cfg');
  if (dockerCfg !== undefined) options.dockerConfig = dockerCfg;
  // Both reach the named registries over plain HTTP when they do not speak TLS; see docs/cli.md.
  if (booleanFlag(flags, 'insecure') || booleanFlag(flags, 'plain-http')) options.insecure = [...new Set(settings.registries)];
  const onHttp = httpLoggerFor(flags, io);
  if (onHttp) options.onHttp = onHttp;
  const timeout = stringFlag(flags, 'timeout');
  if (timeout !== undefined) options.timeoutMs = timeoutMs(timeout);
  if (settings.verbose) {
    options.onRetry = ({ attempt, error }) => {
      io.stderr.write(`multiplatform: ${escapeMessage(error.message)}; retrying (attempt ${attempt + 1})\n`);
    };
    options.onWarning = (warning, operation) => {
      io.stderr.write(`multiplatform: warning from the registry (${operation}): ${escapeMessage(warning)}\n`);
    };
  }
  return options;
}
