/**
 * Runs Docker credential helpers: `docker-credential-NAME get` (the server URL goes to stdin,
 * `{ "ServerURL", "Username", "Secret" }` comes back on stdout), `store` and `erase`. Helpers print
 * secrets on stdout, so nothing they print is ever put into an error message.
 */
import type * as ChildProcess from 'node:child_process';
import { CredentialsError, rememberSecret } from '../errors.js';

/**
 * `node:child_process`, loaded at the first helper run rather than at import: it (with `node:dgram`,
 * which it loads) is ≈ 10 ms of every start-up, and most programs never run a helper.
 */
function childProcess(): typeof ChildProcess {
  return process.getBuiltinModule('node:child_process');
}

/** What a helper answered: a user name and password, or an identity token. */
export interface HelperCredential {
  username?: string;
  password?: string;
  identityToken?: string;
}

/** How and why a helper is run, for the call and for error messages. */
export interface HelperRun {
  /** Helper name (`pass` runs `docker-credential-pass`). */
  helper: string;
  /** What to write to the helper's stdin. */
  serverUrl: string;
  /** The registry the credentials are for, as the user named it. */
  registry: string;
  /** Where the helper was configured, e.g. `credsStore in /home/me/.docker/config.json`. */
  configuredIn: string;
  env: Record<string, string | undefined>;
  timeoutMs: number;
}

/** The username Docker helpers use to say that `Secret` is an identity token. */
const IDENTITY_TOKEN_USERNAME = '<token>';
const MAX_OUTPUT_BYTES = 1024 * 1024;
const NOT_FOUND = /credentials not found/i;

/** Where a helper was configured, for messages: `credHelpers["ghcr.io"] in PATH` or `credsStore in PATH`. */
export function helperSetting(credHelpersEntry: { key: string } | undefined, configPath: string): string {
  return credHelpersEntry ? `credHelpers[${JSON.stringify(credHelpersEntry.key)}] in ${configPath}` : `credsStore in ${configPath}`;
}

/** What a helper process printed and how it ended. */
interface HelperOutcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** `docker-credential-NAME`, and how its failures are introduced in messages. */
function describe(run: HelperRun, action: HelperAction): { program: string; subject: string; reproduce: string } {
  const program = `docker-credential-${run.helper}`;
  const subject = `credential helper ${program} (${run.configuredIn}) for ${run.registry}`;
  const input = action === 'store' ? `'{"ServerURL":"${run.serverUrl}","Username":"…","Secret":"…"}'` : run.serverUrl;
  return { program, subject, reproduce: `run \`echo ${input} | ${program} ${action}\` to see its output` };
}

/** The actions of the credential helper protocol. */
export type HelperAction = 'get' | 'store' | 'erase';

/**
 * Runs `docker-credential-NAME ACTION` with `input` on stdin and collects its output. Throws
 * {@link CredentialsError} when the helper is missing, cannot be started, hangs or prints too much;
 * how it exited is for the caller to judge.
 */
function runHelperProcess(run: HelperRun, action: HelperAction, input: string): Promise<HelperOutcome> {
  const { program, subject } = describe(run, action);

  return new Promise((resolvePromise, rejectPromise) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outputBytes = 0;

    // Its own process group (POSIX) so that a timeout also stops anything the helper started.
    const ownGroup = process.platform !== 'win32';
    const child = childProcess().spawn(program, [action], {
      env: definedOnly(run.env),
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: ownGroup,
      windowsHide: true,
    });

    // Only called before 'close', so the group still holds the helper or what it started.
    const stopChild = (): void => {
      if (child.pid === undefined) return;
      try {
        if (ownGroup) process.kill(-child.pid, 'SIGKILL');
        else if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      } catch {
        // already gone
      }
    };
    const fail = (reason: string, cause?: unknown): void => {
      stopChild();
      child.stdout?.destroy();
      child.stderr?.destroy();
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      rejectPromise(new CredentialsError(`${subject} ${reason}`, cause === undefined ? undefined : { cause }));
    };

    timer = setTimeout(() => fail(`did not answer within ${run.timeoutMs} ms and was stopped`), run.timeoutMs);

    const collect = (into: Buffer[]) => (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > MAX_OUTPUT_BYTES) fail(`printed more than ${MAX_OUTPUT_BYTES} bytes and was stopped`);
      else into.push(chunk);
    };
    child.stdout?.on('data', collect(stdout));
    child.stderr?.on('data', collect(stderr));

    child.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') {
        fail(`is not installed: no executable named ${program} on PATH; install it or change ${run.configuredIn}`, error);
      } else if (error.code === 'EACCES') {
        fail(`cannot be run: ${program} on PATH is not executable`, error);
      } else {
        fail(`could not be started (${error.code ?? 'unknown error'})`, error);
      }
    });

    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') });
    });

    // A helper that exits without reading its input makes this write fail; 'close' reports the outcome.
    child.stdin?.on('error', () => {});
    child.stdin?.end(input);
  });
}

/** True when the helper said it holds nothing for the server. */
function saysNotFound(outcome: HelperOutcome): boolean {
  return NOT_FOUND.test(outcome.stdout) || NOT_FOUND.test(outcome.stderr);
}

/** The error for a helper that exited unsuccessfully; never quotes what it printed. */
function exitError(run: HelperRun, action: HelperAction, outcome: HelperOutcome): CredentialsError {
  const { subject, reproduce } = describe(run, action);
  const how = outcome.code === null ? `was terminated by ${outcome.signal ?? 'a signal'}` : `exited with code ${outcome.code}`;
  return new CredentialsError(`${subject} failed: it ${how}; ${reproduce}`);
}

/**
 * Asks a credential helper for the registry's credentials; undefined when the helper
 * has none. Throws {@link CredentialsError} when the helper is missing, fails, hangs or
 * answers something other than the expected JSON.
 */
export async function runCredentialHelper(run: HelperRun): Promise<HelperCredential | undefined> {
  const outcome = await runHelperProcess(run, 'get', run.serverUrl);
  if (outcome.code !== 0) {
    if (saysNotFound(outcome)) return undefined;
    throw exitError(run, 'get', outcome);
  }
  const { subject, reproduce } = describe(run, 'get');
  return parseHelperAnswer(outcome.stdout, subject, reproduce);
}

/**
 * Hands credentials to a helper (`docker-credential-NAME store`, with
 * `{ "ServerURL", "Username", "Secret" }` on stdin), as `docker login` does.
 * @throws {CredentialsError} when the helper is missing, fails or hangs.
 */
export async function storeWithCredentialHelper(run: HelperRun, username: string, secret: string): Promise<void> {
  rememberSecret(secret);
  const outcome = await runHelperProcess(run, 'store', JSON.stringify({ ServerURL: run.serverUrl, Username: username, Secret: secret }));
  if (outcome.code !== 0) throw exitError(run, 'store', outcome);
}

/**
 * Asks a helper to forget the server's credentials (`docker-credential-NAME erase`), as
 * `docker logout` does; resolves false when the helper held none.
 * @throws {CredentialsError} when the helper is missing, fails or hangs.
 */
export async function eraseWithCredentialHelper(run: HelperRun): Promise<boolean> {
  const outcome = await runHelperProcess(run, 'erase', run.serverUrl);
  if (outcome.code === 0) return true;
  if (saysNotFound(outcome)) return false;
  throw exitError(run, 'erase', outcome);
}

function parseHelperAnswer(out: string, subject: string, reproduce: string): HelperCredential | undefined {
  let answer: unknown;
  try {
    answer = JSON.parse(out);
  } catch {
    throw new CredentialsError(`${subject} printed output that is not JSON; ${reproduce}`);
  }
  if (typeof answer !== 'object' || answer === null || Array.isArray(answer)) {
    throw new CredentialsError(`${subject} printed JSON that is not an object; ${reproduce}`);
  }
  const { Username: username, Secret: secret } = answer as Record<string, unknown>;
  if (typeof secret !== 'string' || (username !== undefined && username !== null && typeof username !== 'string')) {
    throw new CredentialsError(`${subject} printed JSON without a string "Secret" and "Username"; ${reproduce}`);
  }
  rememberSecret(secret);
  if (secret === '') return undefined;
  if (username === IDENTITY_TOKEN_USERNAME) return { identityToken: secret };
  return { ...(username ? { username } : {}), password: secret };
}

function definedOnly(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value;
  return out;
}
