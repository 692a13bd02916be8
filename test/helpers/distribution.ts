import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { ValidationError } from '../../src/errors.js';
import { spawnManaged, type ManagedProcess } from './processes.js';
import { startTokenServer, type KeyIdentification, type TokenServer } from './token-server.js';

const execFileAsync = promisify(execFile);

/** The CNCF distribution binary of the Debian `docker-registry` package. */
export const DISTRIBUTION_BINARY = '/usr/bin/docker-registry';

/** How a test registry authenticates clients. */
export type RegistryAuth = 'none' | 'basic' | 'token';

/** Options of {@link startDistribution}. */
export interface DistributionOptions {
  auth: RegistryAuth;
  /** Default `filesystem` (under the registry's own temp dir). */
  storage?: 'filesystem' | 'inmemory';
  /** Token mode: lifetime of issued tokens in seconds (default 300). */
  tokenLifetimeSeconds?: number;
  /** Token mode: how JWTs name their signing key (default `kid`). */
  keyIdentification?: KeyIdentification;
  /** Token mode: repository actions granted without credentials (default none). */
  anonymousActions?: string[];
  /** Milliseconds to wait for `GET /v2/` to answer; default 15000. */
  startTimeoutMs?: number;
}

/** A running registry. */
export interface DistributionRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the registry part of image references. */
  host: string;
  port: number;
  pid: number;
  /** Its private temp dir (config, storage, htpasswd, token keys). */
  dir: string;
  auth: RegistryAuth;
  /** Basic and token modes: the account that may push and pull. */
  username?: string;
  password?: string;
  /** Token mode only. */
  tokenServer?: TokenServer;
  /** The registry's log so far (for failure messages). */
  output(): string;
  /** Stops registry and token server, removes `dir`. Safe to call twice. */
  stop(): Promise<void>;
}

const TEST_USER = 'tester';
const TOKEN_SERVICE = 'multiplatform-test-registry';
const TOKEN_ISSUER = 'multiplatform-test-token-issuer';
const MAX_PORT_ATTEMPTS = 5;

/**
 * Starts CNCF distribution on 127.0.0.1 with a free port, its own config and storage in a
 * fresh temp dir, and deletes enabled. Basic mode uses a bcrypt htpasswd file; token mode
 * also starts a {@link startTokenServer token server}. Both share one random password.
 */
export async function startDistribution(options: DistributionOptions): Promise<DistributionRegistry> {
  const { auth } = options;
  if (auth !== 'none' && auth !== 'basic' && auth !== 'token') throw new ValidationError(`unknown registry auth mode ${JSON.stringify(auth)}`);
  const storage = options.storage ?? 'filesystem';
  if (storage !== 'filesystem' && storage !== 'inmemory') throw new ValidationError(`unknown registry storage ${JSON.stringify(storage)}`);
  if (!existsSync(DISTRIBUTION_BINARY)) {
    throw new Error(`${DISTRIBUTION_BINARY} is missing: install the docker-registry package (scripts/test.sh does)`);
  }

  const dir = await mkdtemp(join(tmpdir(), 'mp-registry-'));
  let tokenServer: TokenServer | undefined;
  try {
    const password = auth === 'none' ? undefined : randomBytes(12).toString('hex');
    const authConfig = await prepareAuth(auth, dir, password, options, (server) => (tokenServer = server));
    const dataDir = join(dir, 'data');
    if (storage === 'filesystem') await mkdir(dataDir);

    let lastFailure = '';
    for (let attempt = 1; attempt <= MAX_PORT_ATTEMPTS; attempt++) {
      const port = await findFreePort();
      const configPath = join(dir, 'config.yml');
      await writeFile(configPath, stringify(registryConfig(port, storage, dataDir, authConfig)));
      const registry = spawnManaged(DISTRIBUTION_BINARY, ['serve', configPath], { cwd: dir, cleanupDirOnCrash: dir });
      const ready = await waitUntilReady(registry, port, options.startTimeoutMs ?? 15_000);
      if (ready === 'ready') {
        return makeHandle({ registry, port, dir, auth, password, tokenServer });
      }
      await registry.stop();
      lastFailure = `${ready}\n${registry.output()}`;
      if (!/address already in use/i.test(registry.output())) break;
    }
    throw new Error(`docker-registry (${auth}) did not start: ${lastFailure.trim()}`);
  } catch (error) {
    await tokenServer?.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

async function prepareAuth(
  auth: RegistryAuth,
  dir: string,
  password: string | undefined,
  options: DistributionOptions,
  onTokenServer: (server: TokenServer) => void,
): Promise<Record<string, unknown> | undefined> {
  if (auth === 'none' || password === undefined) return undefined;
  if (auth === 'basic') {
    const htpasswdPath = join(dir, 'htpasswd');
    await writeFile(htpasswdPath, await bcryptEntry(TEST_USER, password), { mode: 0o600 });
    return { htpasswd: { realm: 'multiplatform-test', path: htpasswdPath } };
  }
  const server = await startTokenServer({
    service: TOKEN_SERVICE,
    issuer: TOKEN_ISSUER,
    users: { [TEST_USER]: password },
    tokenLifetimeSeconds: options.tokenLifetimeSeconds,
    keyIdentification: options.keyIdentification,
    anonymousActions: options.anonymousActions,
    dir,
  });
  onTokenServer(server);
  return { token: { realm: server.realm, service: TOKEN_SERVICE, issuer: TOKEN_ISSUER, rootcertbundle: server.certPath } };
}

function registryConfig(port: number, storage: 'filesystem' | 'inmemory', dataDir: string, auth: Record<string, unknown> | undefined): Record<string, unknown> {
  return {
    version: 0.1,
    log: { level: 'info', accesslog: { disabled: true } },
    storage: {
      ...(storage === 'filesystem' ? { filesystem: { rootdirectory: dataDir } } : { inmemory: {} }),
      delete: { enabled: true },
      cache: { blobdescriptor: 'inmemory' },
      maintenance: { uploadpurging: { enabled: false } },
    },
    http: { addr: `127.0.0.1:${port}`, secret: randomBytes(16).toString('hex') },
    ...(auth ? { auth } : {}),
  };
}

async function bcryptEntry(user: string, password: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync('htpasswd', ['-Bbn', user, password], { timeout: 30_000 });
    return stdout.trim() + '\n';
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`htpasswd failed (is apache2-utils installed?): ${stderr.trim() || (error as Error).message}`.split(password).join('***'));
  }
}

/** A port that was free a moment ago (the registry may still lose a race for it: callers retry). */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `GET /v2/` until it answers 200 or 401; returns a failure description otherwise. */
async function waitUntilReady(registry: ManagedProcess, port: number, timeoutMs: number): Promise<'ready' | string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exit = registry.exitStatus();
    if (exit !== null) return `it exited (code ${String(exit.code)}, signal ${String(exit.signal)})`;
    const status = await probe(port);
    if (status === 200 || status === 401) {
      // The port may belong to another process that answers /v2/; make sure ours is still alive.
      return registry.exitStatus() === null ? 'ready' : 'it exited while starting';
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return `no answer from GET /v2/ within ${timeoutMs} ms`;
}

function probe(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/v2/', method: 'GET', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

function makeHandle(parts: {
  registry: ManagedProcess;
  port: number;
  dir: string;
  auth: RegistryAuth;
  password: string | undefined;
  tokenServer: TokenServer | undefined;
}): DistributionRegistry {
  const { registry, port, dir, auth, password, tokenServer } = parts;
  let stopping: Promise<void> | undefined;
  const handle: DistributionRegistry = {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    port,
    pid: registry.pid,
    dir,
    auth,
    output: () => registry.output(),
    stop() {
      stopping ??= (async () => {
        try {
          await registry.stop();
          await tokenServer?.stop();
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      })();
      return stopping;
    },
  };
  if (password !== undefined) {
    handle.username = TEST_USER;
    handle.password = password;
  }
  if (tokenServer) handle.tokenServer = tokenServer;
  return handle;
}
