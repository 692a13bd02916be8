import {
  CredentialStore,
  RegistryClient,
  normaliseRegistryHost,
  removeDockerLogin,
  saveDockerLogin,
  type RegistryClientOptions,
} from '../../index.js';
import { booleanFlag, stringFlag, type FlagValues } from '../args.js';
import { httpLoggerFor, readCredentials } from '../connection.js';
import { UsageError } from '../errors.js';
import type { CliIo } from '../io.js';

/** A parsed `login` or `logout` command line. */
export interface LoginCommand {
  positionals: string[];
  flags: FlagValues;
}

/** The registry `docker login` means without an argument. */
const DOCKER_HUB = 'docker.io';

function registryOf(command: LoginCommand, name: string): string {
  const given = command.positionals[0] ?? DOCKER_HUB;
  const host = normaliseRegistryHost(given);
  if (host === '' || /[\s@]/.test(host)) throw new UsageError(`REGISTRY must be a host such as ghcr.io or localhost:5000, got ${JSON.stringify(given)}`, name);
  return host;
}

/**
 * Runs `login [REGISTRY]`: checks the credentials with the registry (`GET /v2/` and its challenge),
 * and only when it accepts them saves them as `docker login` does (credential helper, else `auths`).
 * Without `--username`, checks the credentials already saved instead and writes nothing.
 */
export async function runLogin(command: LoginCommand, io: CliIo): Promise<number> {
  const registry = registryOf(command, 'login');
  const { flags } = command;
  const given = await readCredentials(flags, io, 'login');
  if (stringFlag(flags, 'password') !== undefined) {
    io.stderr.write('multiplatform: warning: a password on the command line can be read by other users; prefer --password-stdin\n');
  }
  const dockerConfig = stringFlag(flags, 'docker-cfg');
  const options: RegistryClientOptions = { env: io.env, ...(dockerConfig !== undefined ? { dockerConfig } : {}) };
  if (booleanFlag(flags, 'insecure') || booleanFlag(flags, 'plain-http')) options.insecure = [registry];
  const onHttp = httpLoggerFor(flags, io);
  if (onHttp) options.onHttp = onHttp;

  if (given === undefined) {
    const saved = await new CredentialStore({ env: io.env, ...(dockerConfig !== undefined ? { dockerConfig } : {}) }).resolve(registry);
    if (!saved) throw new UsageError(`no saved credentials for ${registry}; give --username with --password-stdin`, 'login');
    await check(options, registry, io);
    io.stdout.write('Login Succeeded\n');
    return 0;
  }

  await check({ ...options, credentials: { [registry]: given }, dockerConfig: false }, registry, io);
  const saved = await saveDockerLogin({ registry, username: given.username, password: given.password, env: io.env, ...(dockerConfig !== undefined ? { dockerConfig } : {}) });
  if (saved.helper) {
    io.stderr.write(`multiplatform: credentials for ${registry} saved with docker-credential-${saved.helper}\n`);
  } else {
    io.stderr.write(`multiplatform: warning: the password for ${registry} is saved unencrypted in ${saved.configPath}; configure a credential helper (credsStore) to avoid this\n`);
  }
  io.stdout.write('Login Succeeded\n');
  return 0;
}

async function check(options: RegistryClientOptions, registry: string, io: CliIo): Promise<void> {
  const client = new RegistryClient(options);
  const interrupts = io.watchInterrupts?.();
  try {
    await client.checkLogin(registry, interrupts ? { signal: interrupts.signal } : undefined);
  } finally {
    interrupts?.dispose();
    await client.close();
  }
}

/**
 * Runs `logout [REGISTRY]`: erases the credentials from the configured helper and drops the
 * registry's `auths` entries. Credentials in `DOCKER_AUTH_CONFIG` cannot be removed; a note says so.
 */
export async function runLogout(command: LoginCommand, io: CliIo): Promise<number> {
  const registry = registryOf(command, 'logout');
  const dockerConfig = stringFlag(command.flags, 'docker-cfg');
  const result = await removeDockerLogin({ registry, env: io.env, ...(dockerConfig !== undefined ? { dockerConfig } : {}) });
  io.stdout.write(result.removed ? `Removing login credentials for ${registry}\n` : `Not logged in to ${registry}\n`);
  if (booleanFlag(command.flags, 'verbose') || booleanFlag(command.flags, 'debug')) {
    const where = result.helper ? `docker-credential-${result.helper} and ${result.configPath}` : result.configPath;
    io.stderr.write(`multiplatform: looked for ${result.key} in ${where}\n`);
  }
  const remaining = await new CredentialStore({ env: io.env, ...(dockerConfig !== undefined ? { dockerConfig } : {}) })
    .resolve(registry)
    .catch(() => undefined);
  if (remaining?.configPath === '$DOCKER_AUTH_CONFIG') {
    io.stderr.write(`multiplatform: note: DOCKER_AUTH_CONFIG still holds credentials for ${registry}; they are used until it is unset\n`);
  }
  return 0;
}
