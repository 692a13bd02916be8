/**
 * Runs a Docker credential helper (`docker-credential-NAME get`): the server URL goes
 * to stdin, `{ "ServerURL", "Username", "Secret" }` comes back on stdout. Helpers print
 * secrets on stdout, so nothing they print is ever put into an error message.
 */
import { spawn } from 'node:child_process';
import { CredentialsError, rememberSecret } from '../errors.js';

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

/**
 * Asks a credential helper for the registry's credentials; undefined when the helper
 * has none. Throws {@link CredentialsError} when the helper is missing, fails, hangs or
 * answers something other than the expected JSON.
 */
export function runCredentialHelper(run: HelperRun): Promise<HelperCredential | undefined> {
  const program = `docker-credential-${run.helper}`;
  const subject = `credential helper ${program} (${run.configuredIn}) for ${run.registry}`;
  const reproduce = `run \`echo ${run.serverUrl} | ${program} get\` to see its output`;

  return new Promise((resolvePromise, rejectPromise) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let outputBytes = 0;

    // Its own process group (POSIX) so that a timeout also stops anything the helper started.
    const ownGroup = process.platform !== 'win32';
    const child = spawn(program, ['get'], {
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
    const finish = (outcome: () => HelperCredential | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        resolvePromise(outcome());
      } catch (e) {
        rejectPromise(e);
      }
    };
    const fail = (reason: string, cause?: unknown): void => {
      stopChild();
      child.stdout?.destroy();
      child.stderr?.destroy();
      finish(() => {
        throw new CredentialsError(`${subject} ${reason}`, cause === undefined ? undefined : { cause });
      });
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
      finish(() => {
        const out = Buffer.concat(stdout).toString('utf8');
        if (code !== 0) {
          if (NOT_FOUND.test(out) || NOT_FOUND.test(Buffer.concat(stderr).toString('utf8'))) return undefined;
          const how = code === null ? `was terminated by ${signal ?? 'a signal'}` : `exited with code ${code}`;
          throw new CredentialsError(`${subject} failed: it ${how}; ${reproduce}`);
        }
        return parseHelperAnswer(out, subject, reproduce);
      });
    });

    // A helper that exits without reading its input makes this write fail; 'close' reports the outcome.
    child.stdin?.on('error', () => {});
    child.stdin?.end(run.serverUrl);
  });
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
