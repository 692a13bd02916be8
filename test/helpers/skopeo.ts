import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { redact } from '../../src/errors.js';

/** Credentials for a registry, as `user:password` or an object. */
export type SkopeoCredentials = string | { username: string; password: string };

/** Options of {@link skopeoCopy}. */
export interface SkopeoCopyOptions {
  /** Copy every image of an index (`--all`). */
  all?: boolean;
  /** Force the destination manifest format (converts when it differs). */
  format?: 'v2s2' | 'oci';
  /** Fail instead of changing manifest digests (`--preserve-digests`). */
  preserveDigests?: boolean;
  srcCreds?: SkopeoCredentials;
  destCreds?: SkopeoCredentials;
}

/** A failed skopeo run; the message carries skopeo's stderr, with credentials removed. */
export class SkopeoError extends Error {
  override name = 'SkopeoError';
  constructor(
    message: string,
    readonly exitCode: number | string | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}

const SKOPEO = 'skopeo';
const TIMEOUT_MS = 60_000;

/**
 * `skopeo copy SRC DEST`, e.g. from `oci:DIR:TAG` to `docker://127.0.0.1:PORT/REPO:TAG`.
 * TLS verification is off for `docker://` ends and the signature policy is not consulted.
 */
export async function skopeoCopy(src: string, dest: string, options: SkopeoCopyOptions = {}): Promise<void> {
  const args = ['--insecure-policy', 'copy', '--quiet', '--retry-times', '0'];
  if (isDockerTransport(src)) args.push('--src-tls-verify=false');
  if (isDockerTransport(dest)) args.push('--dest-tls-verify=false');
  if (options.all) args.push('--all');
  if (options.format) args.push('--format', options.format);
  if (options.preserveDigests) args.push('--preserve-digests');
  if (options.srcCreds) args.push('--src-creds', credentialArg(options.srcCreds));
  if (options.destCreds) args.push('--dest-creds', credentialArg(options.destCreds));
  args.push(src, dest);
  await runSkopeo(args, secretsOf(options.srcCreds, options.destCreds));
}

/** `skopeo inspect --raw`: the manifest (or with `config`, the config blob) exactly as stored. */
export async function skopeoInspectRaw(ref: string, options: { creds?: SkopeoCredentials; config?: boolean } = {}): Promise<Buffer> {
  const args = ['inspect', '--raw'];
  if (options.config) args.push('--config');
  args.push(...inspectArgs(ref, options.creds));
  return runSkopeo(args, secretsOf(options.creds));
}

/**
 * `skopeo inspect` parsed: skopeo's summary (Digest, Architecture, Os, Layers…) of an image. With
 * `platform` (`{ os, arch, variant? }`), an index resolves to the child a runtime of that platform
 * would pick (`--override-os`, `--override-arch`, `--override-variant`).
 */
export async function skopeoInspect(
  ref: string,
  options: { creds?: SkopeoCredentials; platform?: { os: string; arch: string; variant?: string } } = {},
): Promise<Record<string, unknown>> {
  const { platform } = options;
  const overrides = platform ? ['--override-os', platform.os, '--override-arch', platform.arch, ...(platform.variant ? ['--override-variant', platform.variant] : [])] : [];
  const stdout = await runSkopeo([...overrides, 'inspect', ...inspectArgs(ref, options.creds)], secretsOf(options.creds));
  return JSON.parse(stdout.toString('utf8')) as Record<string, unknown>;
}

function inspectArgs(ref: string, creds: SkopeoCredentials | undefined): string[] {
  const args: string[] = [];
  if (isDockerTransport(ref)) args.push('--tls-verify=false', '--retry-times', '0');
  if (creds) args.push('--creds', credentialArg(creds));
  args.push(ref);
  return args;
}

function isDockerTransport(ref: string): boolean {
  return ref.startsWith('docker://');
}

function credentialArg(creds: SkopeoCredentials): string {
  return typeof creds === 'string' ? creds : `${creds.username}:${creds.password}`;
}

function secretsOf(...all: Array<SkopeoCredentials | undefined>): string[] {
  return all.flatMap((creds) => {
    if (!creds) return [];
    const pair = credentialArg(creds);
    const password = pair.slice(pair.indexOf(':') + 1);
    return password ? [pair, password] : [pair];
  });
}

function hideSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join('***');
  return redact(out);
}

/**
 * Runs skopeo with a private HOME, TMPDIR, XDG dirs and an empty auth file, so neither the
 * machine's docker/podman logins nor its temp dir leak into or out of a test.
 */
async function runSkopeo(args: string[], secrets: string[]): Promise<Buffer> {
  const home = await mkdtemp(join(tmpdir(), 'mp-skopeo-'));
  try {
    const tmp = join(home, 'tmp');
    await mkdir(tmp);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
      HOME: home,
      TMPDIR: tmp,
      XDG_CONFIG_HOME: join(home, 'config'),
      XDG_RUNTIME_DIR: join(home, 'run'),
      DOCKER_CONFIG: join(home, 'docker'),
      REGISTRY_AUTH_FILE: join(home, 'auth.json'),
    };
    return await new Promise<Buffer>((resolve, reject) => {
      execFile(SKOPEO, args, { env, timeout: TIMEOUT_MS, encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (!error) {
          resolve(stdout);
          return;
        }
        const stderrText = hideSecrets(stderr.toString('utf8').trim(), secrets);
        const code = (error as NodeJS.ErrnoException & { code?: number | string }).code ?? null;
        const why = error.killed ? `timed out after ${TIMEOUT_MS} ms` : `failed (exit ${String(code)})`;
        const command = hideSecrets(`skopeo ${args.join(' ')}`, secrets);
        reject(new SkopeoError(`${command} ${why}: ${stderrText || hideSecrets(error.message, secrets)}`, code, stderrText));
      });
    });
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}
