import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { RemoteContext } from '../../src/remote/context.js';
import { convertManifest } from '../../src/manifest-list/convert.js';
import { digestOf } from '../../src/oci/digest.js';
import { AbortError, InvalidReferenceError, MissingChildrenError, RegistryError, UnsupportedMediaTypeError, ValidationError } from '../../src/errors.js';
import type { ManifestListSpec } from '../../src/manifest-list/types.js';
import { parseManifest, type ImageManifest } from '../../src/oci/manifest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { pushManifestList } from '../../src/manifest-list/push.js';
import { isAttestationEntry } from '../../src/oci/attestation.js';
import { mapPool } from '../../src/util/pool.js';
import type { PlannedEntry } from '../../src/manifest-list/entries.js';
import { KeyedLock } from '../../src/util/keyed-lock.js';
import { carryOut } from '../../src/manifest-list/transfer.js';
import { parseReference } from '../../src/oci/reference.js';
import { parseSpec } from '../../src/manifest-list/spec.js';
import type { HttpResponse } from '../../src/transport/http.js';
import { readCapped } from '../../src/util/streams.js';
import type { RegistryRequest, RegistryTransport } from '../../src/transport/registry-transport.js';

/** A context whose transport fails the test if any request is made. */
function noRequestContext(): { ctx: RemoteContext; requests: () => number } {
  let count = 0;
  const transport = {
    request: () => {
      count++;
      throw new Error('no request may be made');
    },
  } as unknown as RegistryTransport;
  return { ctx: { transport, maxManifestBytes: 1 << 20, chunkSize: 1 << 20, concurrency: 4, transferConcurrency: 2, locks: new KeyedLock() }, requests: () => count };
}

async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

const child = (image: string) => ({ image });

describe('pushManifestList input checks (before any request)', () => {
  const cases: Array<[string, unknown, typeof InvalidReferenceError | typeof ValidationError, RegExp]> = [
    ['a malformed target', { image: 'Bad/Upper:1', manifests: [child('r.io/a:1')] }, InvalidReferenceError, /"Bad\/Upper:1".*spec\.image/],
    ['a malformed child', { image: 'r.io/app:1', manifests: [child('r.io/a:1'), child('r.io/b:bad tag')] }, InvalidReferenceError, /spec\.manifests\[1\]\.image/],
    ['no children', { image: 'r.io/app:1', manifests: [] }, ValidationError, /at least one image/],
    ['children that are not a list', { image: 'r.io/app:1', manifests: 'r.io/a:1' }, ValidationError, /at least one image/],
    ['an invalid extra tag', { image: 'r.io/app:1', tags: ['ok', '-bad'], manifests: [child('r.io/a:1')] }, ValidationError, /spec\.tags\[1\]/],
    ['an unknown mediaType', { image: 'r.io/app:1', mediaType: 'v2s2', manifests: [child('r.io/a:1')] }, ValidationError, /"oci" or "docker"/],
    ['annotations with a Docker list', { image: 'r.io/app:1', mediaType: 'docker', annotations: { a: 'b' }, manifests: [child('r.io/a:1')] }, ValidationError, /cannot carry annotations/],
    ['non-string annotations', { image: 'r.io/app:1', manifests: [{ image: 'r.io/a:1', annotations: { n: 1 } }] }, ValidationError, /spec\.manifests\[0\]: annotation "n" must be a string, got 1/],
    ['a platform that is not an object', { image: 'r.io/app:1', manifests: [{ image: 'r.io/a:1', platform: 'linux/amd64' }] }, ValidationError, /platform must be an object/],
    ['a platform field that is not a string', { image: 'r.io/app:1', manifests: [{ image: 'r.io/a:1', platform: { os: 5 } }] }, ValidationError, /spec\.manifests\[0\]\.platform/],
    ['a platform os with a slash', { image: 'r.io/app:1', manifests: [{ image: 'r.io/a:1', platform: { os: 'linux/amd64', architecture: 'amd64' } }] }, ValidationError, /spec\.manifests\[0\]\.platform/],
    ['a non-boolean dryRun', { image: 'r.io/app:1', dryRun: 'yes', manifests: [child('r.io/a:1')] }, ValidationError, /dryRun must be true or false/],
  ];

  it.each(cases)('rejects %s', async (_name, spec, type, message) => {
    const { ctx, requests } = noRequestContext();
    const error = await rejectionOf(pushManifestList(ctx, spec as ManifestListSpec));
    expect(error).toBeInstanceOf(type);
    expect(error.message).toMatch(message);
    expect(requests()).toBe(0);
  });
});

describe('parseSpec', () => {
  it('puts the target tag first, then extra tags without repeats', () => {
    const parsed = parseSpec({ image: 'r.io/app:1.0', tags: ['latest', '1.0', '1'], manifests: [child('r.io/a:1')] });
    expect(parsed.tags).toEqual(['1.0', 'latest', '1']);
    expect(parsed.target.toString()).toBe('r.io/app:1.0');
  });

  it('writes latest for a target with neither tag nor digest, and no own tag for a digest-only target', () => {
    expect(parseSpec({ image: 'r.io/app', manifests: [child('r.io/a:1')] }).tags).toEqual(['latest']);
    const digest = digestOf('x');
    expect(parseSpec({ image: `r.io/app@${digest}`, manifests: [child('r.io/a:1')] }).tags).toEqual([]);
    expect(parseSpec({ image: `r.io/app@${digest}`, tags: ['t'], manifests: [child('r.io/a:1')] }).tags).toEqual(['t']);
  });

  it('keeps the flags, mediaType, annotations and child platforms', () => {
    const parsed = parseSpec({
      image: 'r.io/app:1',
      dryRun: true,
      ignoreMissing: true,
      mediaType: 'oci',
      annotations: { 'org.opencontainers.image.version': '1' },
      manifests: [{ image: 'other.io/a:1', platform: { os: 'linux', architecture: 'arm64' }, annotations: { x: 'y' } }],
    });
    expect(parsed).toMatchObject({ dryRun: true, ignoreMissing: true, mediaType: 'oci', annotations: { 'org.opencontainers.image.version': '1' } });
    expect(parsed.children[0]).toMatchObject({ image: 'other.io/a:1', platform: { os: 'linux', architecture: 'arm64' }, annotations: { x: 'y' } });
    expect(parsed.children[0]?.ref.registry).toBe('other.io');
  });
});

describe('MissingChildrenError', () => {
  it('lists every missing child and hints at ignoreMissing when some were found', () => {
    const error = new MissingChildrenError(['r.io/a:1', 'r.io/b:2'], 3);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.message).toBe('2 of 3 child images were not found: r.io/a:1, r.io/b:2 (pass ignoreMissing to push the list without them)');
    expect(error.missing).toEqual(['r.io/a:1', 'r.io/b:2']);
  });

  it('says so when none was found', () => {
    expect(new MissingChildrenError(['a.io/x:1', 'a.io/y:1'], 2).message).toBe('none of the 2 child images was found: a.io/x:1, a.io/y:1');
    expect(new MissingChildrenError(['a.io/x:1'], 1).message).toBe('the child image was not found: a.io/x:1');
  });
});

describe('mapPool', () => {
  it('keeps the input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapPool([30, 5, 20, 1, 10, 2, 15], 3, async (ms, i) => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, ms));
      running--;
      return i * 10;
    });
    expect(results).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(peak).toBe(3);
  });

  it('starts nothing new after a failure, lets running calls settle, then throws the first failure', async () => {
    const started: number[] = [];
    let settled = 0;
    const error = await rejectionOf(
      mapPool([0, 1, 2, 3, 4, 5], 2, async (n) => {
        started.push(n);
        await new Promise((resolve) => setTimeout(resolve, n === 0 ? 5 : 20));
        settled++;
        if (n === 0) throw new Error('first');
        if (n === 1) throw new Error('second');
        return n;
      }),
    );
    expect(error.message).toBe('first');
    expect(started).toEqual([0, 1]);
    expect(settled).toBe(2);
  });

  it('refuses to start work once the signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const calls: number[] = [];
    const error = await rejectionOf(mapPool([1, 2], 2, async (n) => calls.push(n), controller.signal));
    expect(error).toBeInstanceOf(AbortError);
    expect(calls).toEqual([]);
  });

  it('returns an empty list for no items', async () => {
    expect(await mapPool([], 4, async () => 1)).toEqual([]);
  });
});

function manifestOf(document: unknown): { manifest: ImageManifest; bytes: Buffer } {
  const bytes = Buffer.from(JSON.stringify(document));
  return { manifest: parseManifest(bytes, undefined, 'test manifest') as ImageManifest, bytes };
}

const config = { digest: digestOf('config'), size: 120 };
const layer = { digest: digestOf('layer'), size: 3000 };
const rawLayer = { digest: digestOf('raw layer'), size: 10240 };

describe('convertManifest', () => {
  const oci = manifestOf({
    schemaVersion: 2,
    mediaType: MediaType.OciManifest,
    config: { mediaType: MediaType.OciConfig, ...config },
    layers: [
      { mediaType: MediaType.OciLayerGzip, ...layer, annotations: { 'org.example.layer': 'base' } },
      { mediaType: MediaType.OciLayer, ...rawLayer },
    ],
    annotations: { 'org.opencontainers.image.base.name': 'alpine' },
  });

  it('rewrites OCI to Docker media types, keeping blob digests and dropping annotations', () => {
    const out = convertManifest(oci.manifest, oci.bytes, 'docker', 'r.io/a:1');
    expect(out.changed).toBe(true);
    expect(out.droppedAnnotations).toBe(true);
    expect(out.mediaType).toBe(MediaType.DockerManifest);
    expect(JSON.parse(out.bytes.toString('utf8'))).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, ...config },
      layers: [
        { mediaType: MediaType.DockerLayerGzip, ...layer },
        { mediaType: 'application/vnd.docker.image.rootfs.diff.tar', ...rawLayer },
      ],
    });
    expect(out.digest).toBe(digestOf(out.bytes));
    expect(out.size).toBe(out.bytes.length);
    expect(parseManifest(out.bytes, MediaType.DockerManifest, 'converted').mediaType).toBe(MediaType.DockerManifest);
  });

  it('rewrites Docker to OCI and back to the same Docker bytes', () => {
    const docker = convertManifest(oci.manifest, oci.bytes, 'docker', 'r.io/a:1');
    const back = convertManifest(docker.manifest, docker.bytes, 'oci', 'r.io/a:1');
    expect(back.mediaType).toBe(MediaType.OciManifest);
    expect(back.manifest.config.mediaType).toBe(MediaType.OciConfig);
    expect(back.manifest.layers.map((l) => l.mediaType)).toEqual([MediaType.OciLayerGzip, MediaType.OciLayer]);
    expect(back.droppedAnnotations).toBe(false);
    const again = convertManifest(back.manifest, back.bytes, 'docker', 'r.io/a:1');
    expect(again.bytes.equals(docker.bytes)).toBe(true);
  });

  it('is deterministic and leaves a manifest of the wanted family untouched', () => {
    const a = convertManifest(oci.manifest, oci.bytes, 'docker', 'x');
    const b = convertManifest(oci.manifest, oci.bytes, 'docker', 'x');
    expect(a.digest).toBe(b.digest);
    const same = convertManifest(oci.manifest, oci.bytes, 'oci', 'x');
    expect(same.changed).toBe(false);
    expect(same.bytes).toBe(oci.bytes);
    expect(same.digest).toBe(digestOf(oci.bytes));
  });

  it.each([
    ['zstd layers', { mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', ...layer }],
    ['non-distributable layers', { mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip', ...layer, urls: ['https://x.example/l'] }],
    ['attestation layers', { mediaType: 'application/vnd.in-toto+json', ...layer }],
  ])('refuses %s when converting to Docker, naming the child and the type', (_name, badLayer) => {
    const { manifest, bytes } = manifestOf({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciConfig, ...config }, layers: [badLayer] });
    const error = (() => {
      try {
        convertManifest(manifest, bytes, 'docker', 'r.io/a:zstd');
      } catch (e) {
        return e as Error;
      }
      throw new Error('expected a throw');
    })();
    expect(error).toBeInstanceOf(UnsupportedMediaTypeError);
    expect(error.message).toContain('r.io/a:zstd');
    expect(error.message).toContain(badLayer.mediaType);
    expect(error.message).toMatch(/no Docker equivalent/);
  });

  it('refuses Docker foreign layers when converting to OCI', () => {
    const { manifest, bytes } = manifestOf({
      schemaVersion: 2,
      mediaType: MediaType.DockerManifest,
      config: { mediaType: MediaType.DockerConfig, ...config },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip', ...layer, urls: ['https://mcr.example/l'] }],
    });
    expect(() => convertManifest(manifest, bytes, 'oci', 'win')).toThrow(/foreign.*no OCI equivalent/);
  });

  it('refuses artifact configs, subject and artifactType when converting to Docker', () => {
    const artifact = manifestOf({ schemaVersion: 2, mediaType: MediaType.OciManifest, config: { mediaType: MediaType.OciEmpty, ...config }, layers: [] });
    expect(() => convertManifest(artifact.manifest, artifact.bytes, 'docker', 'sig')).toThrow(UnsupportedMediaTypeError);
    const withSubject = manifestOf({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      config: { mediaType: MediaType.OciConfig, ...config },
      layers: [],
      subject: { mediaType: MediaType.OciManifest, digest: digestOf('s'), size: 1 },
    });
    expect(() => convertManifest(withSubject.manifest, withSubject.bytes, 'docker', 'ref')).toThrow(/ref: has a subject/);
    const typed = manifestOf({ schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: 'application/x.sbom', config: { mediaType: MediaType.OciConfig, ...config }, layers: [] });
    expect(() => convertManifest(typed.manifest, typed.bytes, 'docker', 'sbom')).toThrow(/artifactType application\/x\.sbom/);
  });
});

describe('isAttestationEntry', () => {
  it('recognises BuildKit attestation entries by platform or annotation', () => {
    expect(isAttestationEntry({ platform: { os: 'unknown', architecture: 'unknown' } })).toBe(true);
    expect(isAttestationEntry({ annotations: { 'vnd.docker.reference.type': 'attestation-manifest' } })).toBe(true);
    expect(isAttestationEntry({ platform: { os: 'linux', architecture: 'amd64' } })).toBe(false);
    expect(isAttestationEntry({})).toBe(false);
  });
});

/**
 * An in-memory, read-only registry behind a fake transport: it serves manifests and blobs by
 * `repository/reference`, answers 404 for anything else, refuses every write, and records the
 * largest number of requests in flight at once.
 */
class ReadOnlyRegistry {
  readonly manifests = new Map<string, { bytes: Buffer; mediaType: string }>();
  readonly blobs = new Map<string, Buffer>();
  readonly methods: string[] = [];
  inFlight = 0;
  peak = 0;

  addImage(repository: string, tag: string, platform: { os: string; architecture: string }): string {
    const config = Buffer.from(JSON.stringify({ ...platform, rootfs: { type: 'layers', diff_ids: [] } }));
    const layer = Buffer.from(`layer of ${repository}:${tag}`);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.OciManifest,
        config: { mediaType: MediaType.OciConfig, digest: digestOf(config), size: config.length },
        layers: [{ mediaType: MediaType.OciLayerGzip, digest: digestOf(layer), size: layer.length }],
      }),
    );
    this.blobs.set(`${repository}/${digestOf(config)}`, config);
    this.blobs.set(`${repository}/${digestOf(layer)}`, layer);
    for (const reference of [tag, digestOf(manifest)]) this.manifests.set(`${repository}/${reference}`, { bytes: manifest, mediaType: MediaType.OciManifest });
    return `registry.test/${repository}:${tag}`;
  }

  context(concurrency: number): RemoteContext {
    const transport = {
      request: (req: RegistryRequest) => this.request(req),
      requestBytes: async (req: RegistryRequest, limit: number) => {
        const response = await this.request(req);
        return { response, bytes: await readCapped(response.body, limit, req.operation) };
      },
    } as unknown as RegistryTransport;
    return { transport, maxManifestBytes: 1 << 20, chunkSize: 1 << 20, concurrency, transferConcurrency: concurrency, locks: new KeyedLock() };
  }

  private async request(req: RegistryRequest): Promise<HttpResponse> {
    this.methods.push(req.method);
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    try {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new Error(`write attempted: ${req.method} ${req.path}`);
      const match = /^\/v2\/(.+)\/(manifests|blobs)\/([^/]+)$/.exec(req.path);
      const key = match ? `${match[1]}/${match[3]}` : '';
      const found = match?.[2] === 'manifests' ? this.manifests.get(key) : match ? { bytes: this.blobs.get(key), mediaType: 'application/octet-stream' } : undefined;
      if (!found?.bytes) throw new RegistryError(req.operation, 404, [{ code: match?.[2] === 'blobs' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN' }]);
      const body = Object.assign(Readable.from(req.method === 'HEAD' ? [] : [found.bytes]), { dump: async () => undefined });
      return {
        status: 200,
        headers: { 'content-type': found.mediaType, 'content-length': String(found.bytes.length), 'docker-content-digest': digestOf(found.bytes) },
        body: body as unknown as HttpResponse['body'],
        url: `https://registry.test${req.path}`,
      };
    } finally {
      this.inFlight--;
    }
  }
}

describe('pushManifestList with a read-only fake registry', () => {
  const architectures = ['amd64', 'arm64', 'riscv64', 's390x', 'ppc64le', '386', 'mips64le', 'loong64'];

  it('dryRun sends only reads, at most ctx.concurrency at a time, and plans a mount of every blob', async () => {
    const registry = new ReadOnlyRegistry();
    const manifests = architectures.map((architecture) => ({ image: registry.addImage(`src/${architecture}`, 'v1', { os: 'linux', architecture }) }));

    const result = await pushManifestList(registry.context(3), { image: 'registry.test/app:1', manifests, dryRun: true });

    expect(result.dryRun).toBe(true);
    expect(result.plan).toHaveLength(architectures.length);
    expect(result.plan.every((p) => p.action === 'mount' && p.blobs.length === 2)).toBe(true);
    expect(result.plan[1]?.platform).toEqual({ architecture: 'arm64', os: 'linux', variant: 'v8' });
    expect(new Set(registry.methods)).toEqual(new Set(['GET', 'HEAD']));
    expect(registry.peak).toBe(3);
  });

  it('looks every child up before failing, and lists all the missing ones', async () => {
    const registry = new ReadOnlyRegistry();
    const present = registry.addImage('src/a', 'v1', { os: 'linux', architecture: 'amd64' });
    const manifests = [{ image: 'registry.test/src/b:v1' }, { image: present }, { image: 'registry.test/src/c:v1' }];

    const error = await rejectionOf(pushManifestList(registry.context(1), { image: 'registry.test/app:1', manifests }));

    expect(error).toBeInstanceOf(MissingChildrenError);
    expect((error as MissingChildrenError).missing).toEqual(['registry.test/src/b:v1', 'registry.test/src/c:v1']);
    expect(registry.methods).toEqual(['GET', 'GET', 'GET']);
  });

  it('gives the same digest for the same children, whatever the concurrency', async () => {
    const registry = new ReadOnlyRegistry();
    const manifests = architectures.map((architecture) => ({ image: registry.addImage(`src/${architecture}`, 'v1', { os: 'linux', architecture }) }));
    const spec = { image: 'registry.test/app:1', manifests, dryRun: true };
    const serial = await pushManifestList(registry.context(1), spec);
    const parallel = await pushManifestList(registry.context(8), spec);
    expect(parallel.digest).toBe(serial.digest);
    expect(parallel.bytes.equals(serial.bytes)).toBe(true);
  });
});

describe('carrying out a plan', () => {
  it('stops starting blob copies once a mount has failed, and reports the mount failure', async () => {
    const content = (i: number) => Buffer.from(`blob ${i}`);
    const blob = (i: number) => ({ mediaType: MediaType.OciLayerGzip, digest: digestOf(content(i)), size: content(i).length });
    const byDigest = new Map(Array.from({ length: 11 }, (_, i) => [digestOf(content(i)), content(i)] as const));
    const downloads: string[] = [];
    const reply = (status: number, url: string, body: Buffer = Buffer.alloc(0), headers: Record<string, string> = {}): HttpResponse => ({
      status,
      headers: { 'content-length': String(body.length), ...headers },
      body: Object.assign(Readable.from(body.length ? [body] : []), { dump: async () => undefined }) as unknown as HttpResponse['body'],
      url,
    });
    const transport = {
      origin: async (registry: string) => `https://${registry}`,
      retryPolicy: { retries: 0, minDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1, statuses: new Set<number>() },
      request: async (req: RegistryRequest): Promise<HttpResponse> => {
        const url = new URL(req.path, `https://${req.registry}`).toString();
        if (req.query?.['mount']) throw new RegistryError(req.operation, 500, [{ code: 'UNKNOWN', message: 'mount broke' }]);
        // Copies work, slowly: download from the source, then a chunked upload to the target.
        await new Promise((resolve) => setTimeout(resolve, 30));
        if (req.method === 'GET' && req.registry === 'elsewhere.test') {
          downloads.push(req.path);
          const bytes = byDigest.get((req.path.split('/').pop() ?? '') as ReturnType<typeof digestOf>);
          return bytes ? reply(200, url, bytes) : reply(404, url);
        }
        if (req.method === 'POST' || req.method === 'PATCH') return reply(202, url, undefined, { location: 'https://target.test/v2/app/blobs/uploads/session' });
        if (req.method === 'PUT') return reply(201, url);
        return reply(404, url);
      },
    } as unknown as RegistryTransport;
    const ctx: RemoteContext = { transport, maxManifestBytes: 1 << 20, chunkSize: 1 << 20, concurrency: 4, transferConcurrency: 2, locks: new KeyedLock() };
    const target = parseReference('target.test/app:1');
    const entry = (source: string, blobs: ReturnType<typeof blob>[]) =>
      ({ source: parseReference(source), blobs, manifestPresent: true }) as unknown as PlannedEntry;
    const planned = [entry('target.test/other:1', [blob(0)]), entry('elsewhere.test/app:1', Array.from({ length: 10 }, (_, i) => blob(i + 1)))];

    const error = await rejectionOf(carryOut(ctx, target, planned));

    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toContain('mount broke');
    // Give anything still running in the background time to show itself.
    await new Promise((resolve) => setTimeout(resolve, 400));
    // At most the first wave of copies downloaded anything: the other eight never started.
    expect(downloads.length).toBeLessThanOrEqual(2);
  });
});
