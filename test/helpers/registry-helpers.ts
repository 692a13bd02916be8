// Shared helpers of the test/registry/*.test.ts files: a raw HTTP client (no URL normalisation, so
// `../` reaches the server as sent), blob and manifest pushers, and a tiny tar writer.
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { RunningRegistry } from '../../src/registry/index.js';

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  text: string;
  json: () => any;
}

export interface RawRequest {
  method?: string;
  headers?: Record<string, string | number>;
  /** A body sent in one piece (with Content-Length unless a header says otherwise), or in pieces (chunked). */
  body?: Buffer | string | Buffer[];
  /** Pause between the pieces of a body given as an array (default 5 ms). */
  gapMs?: number;
}

/** Sends one request on a fresh connection; `target` is a base URL and `path` is sent byte for byte. */
export function raw(target: string | RunningRegistry, path: string, init: RawRequest = {}): Promise<RawResponse> {
  const base = new URL(typeof target === 'string' ? target : target.url);
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: base.hostname, port: base.port, method: init.method ?? 'GET', path, headers: init.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('aborted', () => reject(new Error('response aborted')));
        res.on('end', () => {
          if (!res.complete) {
            reject(new Error('response incomplete'));
            return;
          }
          const body = Buffer.concat(chunks);
          const text = body.toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text, json: () => JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    const body = init.body;
    if (Array.isArray(body)) {
      (async () => {
        for (const piece of body) {
          req.write(piece);
          await new Promise((r) => setTimeout(r, init.gapMs ?? 5));
        }
        req.end();
      })().catch(reject);
    } else {
      req.end(body);
    }
  });
}

export const sha256 = (data: Buffer | string): string => `sha256:${createHash('sha256').update(data).digest('hex')}`;

/** The spec error codes of a response body. */
export function codes(res: RawResponse): string[] {
  return (res.json().errors as Array<{ code: string }>).map((e) => e.code);
}

/** Pushes a blob with a single monolithic POST; returns its digest. */
export async function pushBlob(registry: RunningRegistry | string, repo: string, content: Buffer | string, headers: Record<string, string> = {}): Promise<string> {
  const digest = sha256(content);
  const res = await raw(registry, `/v2/${repo}/blobs/uploads/?digest=${digest}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/octet-stream', ...headers },
    body: content,
  });
  if (res.status !== 201) throw new Error(`pushBlob ${repo}: ${res.status} ${res.text}`);
  return digest;
}

export interface BuiltImage {
  config: Buffer;
  layer: Buffer;
  manifest: Buffer;
  digest: string;
  mediaType: string;
}

/** An OCI image manifest (bytes and digest) for a config and a layer, with optional extra fields. */
export function imageManifest(config: Buffer, layer: Buffer, extra: Record<string, unknown> = {}): { bytes: Buffer; digest: string } {
  const document = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
    layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    ...extra,
  };
  const bytes = Buffer.from(JSON.stringify(document, null, 2));
  return { bytes, digest: sha256(bytes) };
}

/** Pushes config, layer and manifest of a small image to `repo:tag`. */
export async function pushImage(registry: RunningRegistry | string, repo: string, tag: string, seed = 'x', extra: Record<string, unknown> = {}): Promise<BuiltImage> {
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', seed }));
  const layer = Buffer.from(`layer-${seed}`);
  await pushBlob(registry, repo, config);
  await pushBlob(registry, repo, layer);
  const manifest = imageManifest(config, layer, extra);
  const res = await raw(registry, `/v2/${repo}/manifests/${tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/vnd.oci.image.manifest.v1+json' },
    body: manifest.bytes,
  });
  if (res.status !== 201) throw new Error(`pushImage ${repo}:${tag}: ${res.status} ${res.text}`);
  return { config, layer, manifest: manifest.bytes, digest: manifest.digest, mediaType: 'application/vnd.oci.image.manifest.v1+json' };
}

/** Puts a manifest document; returns the raw response. */
export function putManifest(registry: RunningRegistry | string, repo: string, reference: string, document: unknown, contentType?: string): Promise<RawResponse> {
  const bytes = Buffer.isBuffer(document) ? document : Buffer.from(typeof document === 'string' ? document : JSON.stringify(document));
  const mediaType = contentType ?? (document as { mediaType?: string }).mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
  return raw(registry, `/v2/${repo}/manifests/${reference}`, { method: 'PUT', headers: { 'Content-Type': mediaType }, body: bytes });
}

/** A POSIX ustar archive of regular files (enough for a container layer). */
export function tar(files: Array<{ name: string; content: Buffer | string }>): Buffer {
  const blocks: Buffer[] = [];
  for (const file of files) {
    const content = Buffer.from(file.content);
    const header = Buffer.alloc(512);
    header.write(file.name, 0, 100, 'utf8');
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write(content.length.toString(8).padStart(11, '0') + '\0', 124);
    header.write('00000000000\0', 136);
    header.write('        ', 148);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    let sum = 0;
    for (const byte of header) sum += byte;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    blocks.push(header, content, Buffer.alloc((512 - (content.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}

/** Retries `check` (which throws while its condition does not hold) for up to `timeoutMs`. */
export async function eventually(check: () => Promise<void>, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await check();
      return;
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

/** Polls `check` every 10 ms for up to 2 s; throws naming `what` when it never holds. */
export async function waitUntil(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** A fresh temporary directory for the test file, removed after all its tests. */
export function useTempDir(prefix: string): { readonly path: string } {
  const dir = { path: '' };
  beforeAll(async () => {
    dir.path = await mkdtemp(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    if (dir.path) await rm(dir.path, { recursive: true, force: true });
  });
  return dir;
}

/**
 * Records every unhandled rejection and uncaught exception of this process while the test file's tests run
 * (registered in `beforeAll`, removed in `afterAll`): a registry must never let a request produce one.
 */
export function recordUnhandledErrors(): unknown[] {
  const recorded: unknown[] = [];
  const record = (reason: unknown): void => void recorded.push(reason);
  beforeAll(() => {
    process.on('unhandledRejection', record);
    process.on('uncaughtException', record);
  });
  afterAll(() => {
    process.off('unhandledRejection', record);
    process.off('uncaughtException', record);
  });
  return recorded;
}
