import { readFile } from 'node:fs/promises';
import { PROFILE_NAMES, serveRegistry, type ProfileName, type ServeRegistryOptions } from '../../registry/index.js';
import { booleanFlag, stringFlag, type FlagValues } from '../args.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

const COMMAND = 'registry';

/** A parsed `registry` command line. */
export interface RegistryCommand {
  flags: FlagValues;
}

/**
 * Runs `registry`: serves an embedded registry until SIGINT or SIGTERM, printing its URL on stdout;
 * resolves to the exit status (0 after a clean stop).
 */
export async function runRegistry(command: RegistryCommand, io: CliIo): Promise<number> {
  const options = serveOptions(command.flags);
  const auth = await authOption(command.flags);
  if (auth) options.auth = auth;
  const { watchInterrupts } = io;
  if (!watchInterrupts) throw new Error('the registry command runs until interrupted, but this process cannot be interrupted');
  await serveRegistry(options, { stdout: io.stdout, stderr: io.stderr, watchInterrupts: () => watchInterrupts.call(io) });
  return 0;
}

function serveOptions(flags: FlagValues): ServeRegistryOptions {
  const options: ServeRegistryOptions = { verbose: booleanFlag(flags, 'verbose') || booleanFlag(flags, 'debug') };
  const port = stringFlag(flags, 'port');
  if (port !== undefined) options.port = parsePort(port);
  const host = stringFlag(flags, 'host');
  if (host !== undefined) options.host = nonEmpty(host, 'host');
  const dir = stringFlag(flags, 'dir');
  if (dir !== undefined) options.dir = nonEmpty(dir, 'dir');
  const profile = stringFlag(flags, 'profile');
  if (profile !== undefined) options.profile = profileName(profile);
  return options;
}

function profileName(text: string): ProfileName {
  if (!(PROFILE_NAMES as string[]).includes(text)) {
    throw new UsageError(`--profile must be one of ${PROFILE_NAMES.join(', ')}, got ${JSON.stringify(text)}`, COMMAND);
  }
  return text as ProfileName;
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got ${JSON.stringify(text)}`, COMMAND);
  return port;
}

function nonEmpty(value: string, flag: string): string {
  if (value === '') throw new UsageError(`--${flag} needs a value`, COMMAND);
  return value;
}

/** `--user USER:PASS` or `--htpasswd FILE`, for Basic auth or, with `--token-auth`, for the token server. */
async function authOption(flags: FlagValues): Promise<ServeRegistryOptions['auth']> {
  const user = stringFlag(flags, 'user');
  const htpasswdFile = stringFlag(flags, 'htpasswd');
  const token = booleanFlag(flags, 'token-auth');
  if (user !== undefined && htpasswdFile !== undefined) throw new UsageError('--user and --htpasswd cannot be used together', COMMAND);
  let accounts: { username: string; password: string } | { htpasswd: string } | undefined;
  if (user !== undefined) {
    const colon = user.indexOf(':');
    if (colon <= 0) throw new UsageError(`--user must be USER:PASSWORD, got ${colon === 0 ? 'no user name' : 'no ":"'}`, COMMAND);
    accounts = { username: user.slice(0, colon), password: user.slice(colon + 1) };
  } else if (htpasswdFile !== undefined) {
    accounts = { htpasswd: await readHtpasswd(htpasswdFile) };
  }
  if (token) return { token: accounts ?? {} };
  return accounts ? { basic: accounts } : undefined;
}

async function readHtpasswd(file: string): Promise<string> {
  try {
    return await readFile(nonEmpty(file, 'htpasswd'), 'utf8');
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new UsageError(`cannot read --htpasswd file ${file}: ${reason}`, COMMAND);
  }
}
