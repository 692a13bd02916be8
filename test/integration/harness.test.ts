import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { digestOf } from '../../src/oci/digest.js';
import { MediaType } from '../../src/oci/media-types.js';
import { startDistribution, type DistributionRegistry } from '../helpers/distribution.js';
import { buildImage, buildIndex, writeDirLayout, writeOciLayout, type BuiltImage, type BuiltIndex, type OciLayoutEntry } from '../helpers/images.js';
import { decodeJwt } from '../helpers/jwt.js';
import { WATCHDOG_SCRIPT } from '../helpers/processes.js';
import { readTokenStats, sharedRegistries, type RegistryCoordinates, type SharedRegistries } from '../helpers/registries.js';
import { SkopeoError, skopeoCopy, skopeoInspect, skopeoInspectRaw, type SkopeoCredentials } from '../helpers/skopeo.js';
import { createTar } from '../helpers/tar.js';

const execFileAsync = promisify(execFile);

const sha256 = (bytes: Buffer): string => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
const uniqueRepo = (prefix: string): string => `harness/${prefix}-${randomBytes(4).toString('hex')}`;

const tempDirs: string[] = [];
async function layoutOf(entries: OciLayoutEntry[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'mp-layout-'));
  tempDirs.push(dir);
  await writeOciLayout(dir, entries);
  return dir;
}
/**
 * A skopeo source for an image or index: an OCI layout for OCI media types, the `dir:`
 * transport for Docker ones (skopeo 1.9's `oci:` transport ignores Docker media types).
 */
async function sourceOf(content: BuiltImage | BuiltIndex): Promise<string> {
  if (content.format === 'oci') {
    const entry: OciLayoutEntry = 'manifest' in content ? { tag: 'src', image: content } : { tag: 'src', index: content };
    return `oci:${await layoutOf([entry])}:src`;
  }
  const dir = await mkdtemp(join(tmpdir(), 'mp-dir-'));
  tempDirs.push(dir);
  await writeDirLayout(dir, content);
  return `dir:${dir}`;
}

afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

function credsOf(registry: RegistryCoordinates): SkopeoCredentials | undefined {
  return registry.username && registry.password ? { username: registry.username, password: registry.password } : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // An exited child nobody has reaped yet (e.g. re-parented in a container without an init) is not running.
  const stat = existsSync(`/proc/${pid}/stat`) ? readFileSync(`/proc/${pid}/stat`, 'utf8') : '';
  return !/^\d+ \(.*\) Z/.test(stat);
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (condition()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return condition();
}

describe('test images', () => {
  it('are deterministic: the same input gives the same bytes and digests', () => {
    const options = { os: 'linux', architecture: 'arm64', variant: 'v8', layers: 2 } as const;
    const a = buildImage(options);
    const b = buildImage({ ...options });
    expect(a.manifest.bytes.equals(b.manifest.bytes)).toBe(true);
    expect(a.manifest.digest).toBe(b.manifest.digest);
    expect(a.config.digest).toBe(b.config.digest);
    expect(a.layers.map((layer) => layer.digest)).toEqual(b.layers.map((layer) => layer.digest));
    expect(buildIndex([a], 'oci').digest).toBe(buildIndex([b], 'oci').digest);
  });

  it('differ between platforms and formats', () => {
    const amd64 = buildImage({ os: 'linux', architecture: 'amd64' });
    const arm64 = buildImage({ os: 'linux', architecture: 'arm64' });
    const dockerAmd64 = buildImage({ os: 'linux', architecture: 'amd64', format: 'docker' });
    expect(new Set([amd64.manifest.digest, arm64.manifest.digest, dockerAmd64.manifest.digest]).size).toBe(3);
    expect(amd64.layers[0]?.digest).not.toBe(arm64.layers[0]?.digest);
    expect(dockerAmd64.manifest.mediaType).toBe(MediaType.DockerManifest);
    expect(dockerAmd64.config.mediaType).toBe(MediaType.DockerConfig);
    expect(dockerAmd64.layers[0]?.mediaType).toBe(MediaType.DockerLayerGzip);
  });

  it('have digests, sizes and diff_ids that match their bytes', () => {
    const image = buildImage({ os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1', osFeatures: ['win32k'], layers: 3 });
    const manifest = JSON.parse(image.manifest.bytes.toString('utf8')) as {
      mediaType: string;
      config: { digest: string; size: number };
      layers: Array<{ digest: string; size: number }>;
    };
    const config = JSON.parse(image.config.bytes.toString('utf8')) as Record<string, unknown> & { rootfs: { type: string; diff_ids: string[] } };
    expect(manifest.mediaType).toBe(MediaType.OciManifest);
    expect(image.manifest.digest).toBe(sha256(image.manifest.bytes));
    expect(manifest.config).toMatchObject({ digest: sha256(image.config.bytes), size: image.config.bytes.length });
    expect(manifest.layers.map((l) => l.digest)).toEqual(image.layers.map((l) => sha256(l.bytes)));
    expect(config.rootfs).toEqual({ type: 'layers', diff_ids: image.layers.map((l) => sha256(gunzipSync(l.bytes))) });
    expect(config).toMatchObject({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1', 'os.features': ['win32k'] });
    expect(image.platform).toEqual({ os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.1', 'os.features': ['win32k'] });
  });

  it('have layers that GNU tar reads as one root-owned 0644 file dated 1970, gzipped without name or time', async () => {
    const image = buildImage({ os: 'linux', architecture: 'riscv64', content: 'exact content\n' });
    const layer = image.layers[0];
    if (!layer) throw new Error('no layer');
    // gzip header: magic, deflate, no flags (so no file name), mtime 0, OS Unix
    expect([...layer.bytes.subarray(0, 10)]).toEqual([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3]);
    const dir = await mkdtemp(join(tmpdir(), 'mp-tar-'));
    tempDirs.push(dir);
    const tarPath = join(dir, 'layer.tar');
    await writeFile(tarPath, gunzipSync(layer.bytes));
    const { stdout: listing } = await execFileAsync('tar', ['--numeric-owner', '--full-time', '-tvf', tarPath], { env: { TZ: 'UTC', PATH: process.env.PATH } });
    expect(listing.trim()).toBe('-rw-r--r-- 0/0              14 1970-01-01 00:00:00 layer-0.txt');
    await execFileAsync('tar', ['-xf', tarPath, '-C', dir]);
    expect(await readFile(join(dir, 'layer-0.txt'), 'utf8')).toBe('exact content\n');
  });

  it('tar archives sort names and end with two zero blocks', async () => {
    const tar = createTar([
      { name: 'b.txt', content: 'B' },
      { name: 'a.txt', content: Buffer.from('AA') },
    ]);
    expect(tar.length).toBe(4 * 512 + 2 * 512);
    expect(tar.subarray(tar.length - 1024).every((byte) => byte === 0)).toBe(true);
    const dir = await mkdtemp(join(tmpdir(), 'mp-tar-'));
    tempDirs.push(dir);
    await writeFile(join(dir, 'x.tar'), tar);
    const { stdout } = await execFileAsync('tar', ['-tf', join(dir, 'x.tar')]);
    expect(stdout).toBe('a.txt\nb.txt\n');
    expect(() => createTar([{ name: 'x'.repeat(101), content: '' }])).toThrow(/1 to 100 bytes/);
    expect(() => createTar([{ name: '../evil', content: '' }])).toThrow(/relative/);
  });

  it('build OCI indexes and Docker manifest lists with platforms', () => {
    const children = [buildImage({ os: 'linux', architecture: 'amd64' }), buildImage({ os: 'linux', architecture: 'arm', variant: 'v7' })];
    const oci = buildIndex(children, 'oci', { annotations: { 'org.example': 'yes' } });
    const list = buildIndex(children.map((c) => buildImage({ os: c.platform.os, architecture: c.platform.architecture, variant: c.platform.variant, format: 'docker' })), 'docker');
    const parsed = JSON.parse(oci.bytes.toString('utf8')) as { mediaType: string; manifests: Array<{ digest: string; platform: unknown }>; annotations: unknown };
    expect(parsed.mediaType).toBe(MediaType.OciIndex);
    expect(parsed.manifests.map((m) => m.digest)).toEqual(children.map((c) => c.manifest.digest));
    expect(parsed.manifests[1]?.platform).toEqual({ architecture: 'arm', os: 'linux', variant: 'v7' });
    expect(parsed.annotations).toEqual({ 'org.example': 'yes' });
    expect(list.mediaType).toBe(MediaType.DockerManifestList);
    expect(oci.digest).toBe(digestOf(oci.bytes));
    expect(() => buildIndex([])).toThrow(/at least one/);
  });

  it('write an OCI layout with ref.name annotations that skopeo reads', async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64' });
    const dir = await layoutOf([{ tag: 'v1', image }]);
    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as { manifests: Array<{ digest: string; annotations: Record<string, string> }> };
    expect(index.manifests[0]).toMatchObject({ digest: image.manifest.digest, annotations: { 'org.opencontainers.image.ref.name': 'v1' } });
    expect((await readdir(join(dir, 'blobs', 'sha256'))).sort()).toEqual(
      [image.manifest, image.config, ...image.layers].map((b) => b.digest.slice(7)).sort(),
    );
    const raw = await skopeoInspectRaw(`oci:${dir}:v1`);
    expect(raw.equals(image.manifest.bytes)).toBe(true);
  });
});

describe.each(['plain', 'basic', 'token'] as const)('shared %s registry', (name) => {
  let registries: SharedRegistries;
  let registry: RegistryCoordinates;
  beforeAll(() => {
    registries = sharedRegistries();
    registry = registries[name];
  });

  it('answers GET /v2/ the way its auth mode says', async () => {
    const response = await fetch(`${registry.url}/v2/`);
    const challenge = response.headers.get('www-authenticate') ?? '';
    if (registry.auth === 'none') {
      expect(response.status).toBe(200);
    } else if (registry.auth === 'basic') {
      expect(response.status).toBe(401);
      expect(challenge).toMatch(/^Basic realm=/);
    } else {
      expect(response.status).toBe(401);
      expect(challenge).toContain(`Bearer realm="${registry.tokenUrl}"`);
      expect(challenge).toContain(`service="${registry.service}"`);
    }
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it.each(['oci', 'docker'] as const)('takes a %s image from skopeo and serves the exact manifest bytes back', async (format) => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', format, content: `${name} ${format}\n` });
    const ref = `docker://${registry.host}/${uniqueRepo(format)}:v1`;
    await skopeoCopy(await sourceOf(image), ref, { destCreds: credsOf(registry), preserveDigests: true });

    const raw = await skopeoInspectRaw(ref, { creds: credsOf(registry) });
    expect(sha256(raw)).toBe(image.manifest.digest);
    const config = await skopeoInspectRaw(ref, { creds: credsOf(registry), config: true });
    expect(config.equals(image.config.bytes)).toBe(true);
    const summary = await skopeoInspect(ref, { creds: credsOf(registry) });
    expect(summary).toMatchObject({ Digest: image.manifest.digest, Architecture: 'amd64', Os: 'linux' });
  });

  it.each(['oci', 'docker'] as const)('takes a multi-platform %s index with skopeo --all', async (format) => {
    const children = [
      buildImage({ os: 'linux', architecture: 'amd64', format }),
      buildImage({ os: 'linux', architecture: 'arm64', variant: 'v8', format }),
    ];
    const index = buildIndex(children, format);
    const repo = uniqueRepo(`${format}-index`);
    await skopeoCopy(await sourceOf(index), `docker://${registry.host}/${repo}:multi`, { all: true, destCreds: credsOf(registry), preserveDigests: true });

    const raw = await skopeoInspectRaw(`docker://${registry.host}/${repo}:multi`, { creds: credsOf(registry) });
    expect(sha256(raw)).toBe(index.digest);
    const child = await skopeoInspectRaw(`docker://${registry.host}/${repo}@${children[1]?.manifest.digest}`, { creds: credsOf(registry) });
    expect(child.equals(children[1]?.manifest.bytes ?? Buffer.alloc(0))).toBe(true);
  });
});

describe('skopeo helpers', () => {
  it('convert an OCI image to Docker media types with format v2s2', async () => {
    const registry = sharedRegistries().plain;
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: 'convert me\n' });
    const ref = `docker://${registry.host}/${uniqueRepo('converted')}:v1`;
    await skopeoCopy(await sourceOf(image), ref, { format: 'v2s2' });
    const manifest = JSON.parse((await skopeoInspectRaw(ref)).toString('utf8')) as { mediaType: string; config: { digest: string; mediaType: string } };
    expect(manifest.mediaType).toBe(MediaType.DockerManifest);
    expect(manifest.config).toMatchObject({ digest: image.config.digest, mediaType: MediaType.DockerConfig });
  });

  it('fail with a SkopeoError that carries stderr', async () => {
    const failure = await skopeoInspectRaw(`oci:/nonexistent-${randomBytes(4).toString('hex')}:x`).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SkopeoError);
    expect((failure as SkopeoError).stderr).not.toBe('');
    expect((failure as SkopeoError).message).toContain('skopeo inspect --raw oci:/nonexistent-');
  });
});

describe('shared basic registry', () => {
  it('refuses wrong and missing credentials, without leaking the password', async () => {
    const registry = sharedRegistries().basic;
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: 'basic refusal\n' });
    const layout = await layoutOf([{ tag: 'latest', image }]);
    const dest = `docker://${registry.host}/${uniqueRepo('denied')}:v1`;
    const wrong = `wrong-${randomBytes(6).toString('hex')}`;

    const failure = await skopeoCopy(`oci:${layout}:latest`, dest, { destCreds: { username: registry.username ?? '', password: wrong } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(SkopeoError);
    expect((failure as SkopeoError).message).toMatch(/unauthorized|authentication required/i);
    expect((failure as SkopeoError).message).not.toContain(wrong);
    await expect(skopeoCopy(`oci:${layout}:latest`, dest)).rejects.toThrow(/unauthorized|authentication required/i);

    const basic = Buffer.from(`${registry.username}:${wrong}`).toString('base64');
    expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: `Basic ${basic}` } })).status).toBe(401);
    const good = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    expect((await fetch(`${registry.url}/v2/`, { headers: { authorization: `Basic ${good}` } })).status).toBe(200);
  });
});

describe('shared token registry', () => {
  let registry: RegistryCoordinates;
  beforeAll(() => {
    registry = sharedRegistries().token;
  });

  async function getToken(query: string, basic?: { username: string; password: string }): Promise<Response> {
    const headers: Record<string, string> = basic
      ? { authorization: `Basic ${Buffer.from(`${basic.username}:${basic.password}`).toString('base64')}` }
      : {};
    return fetch(`${registry.tokenUrl}?service=${encodeURIComponent(registry.service ?? '')}&${query}`, { headers });
  }

  const user = (): { username: string; password: string } => ({ username: registry.username ?? '', password: registry.password ?? '' });

  it('rejects an anonymous push', async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: 'anonymous\n' });
    const layout = await layoutOf([{ tag: 'latest', image }]);
    const repo = uniqueRepo('anonymous');
    await expect(skopeoCopy(`oci:${layout}:latest`, `docker://${registry.host}/${repo}:v1`)).rejects.toThrow(/unauthorized|authentication required|denied/i);
    const stats = await readTokenStats(registry);
    expect(stats.byRepository[repo]).toBeGreaterThan(0);
  });

  it('counts skopeo token requests per grant and repository, and records the Basic scheme', async () => {
    const before = await readTokenStats(registry);
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: 'counted\n' });
    const layout = await layoutOf([{ tag: 'latest', image }]);
    const repo = uniqueRepo('counted');
    await skopeoCopy(`oci:${layout}:latest`, `docker://${registry.host}/${repo}:v1`, { destCreds: credsOf(registry) });
    const after = await readTokenStats(registry);
    expect(after.byGrant.basic).toBeGreaterThan(before.byGrant.basic);
    expect(after.byRepository[repo]).toBeGreaterThan(0);
    expect(after.requests).toBeGreaterThan(before.requests);
  });

  it('issues GET tokens the registry accepts, with the granted access only', async () => {
    const image = buildImage({ os: 'linux', architecture: 'amd64', content: 'get token\n' });
    const layout = await layoutOf([{ tag: 'latest', image }]);
    const repo = uniqueRepo('get-token');
    await skopeoCopy(`oci:${layout}:latest`, `docker://${registry.host}/${repo}:v1`, { destCreds: credsOf(registry) });
    const manifestUrl = `${registry.url}/v2/${repo}/manifests/v1`;
    const accept = { accept: MediaType.OciManifest };

    const granted = await getToken(`scope=${encodeURIComponent(`repository:${repo}:pull`)}&account=${registry.username}&offline_token=true`, user());
    expect(granted.status).toBe(200);
    const body = (await granted.json()) as { token: string; access_token: string; expires_in: number; issued_at: string; refresh_token?: string };
    expect(body.access_token).toBe(body.token);
    expect(body.expires_in).toBe(300);
    expect(typeof body.refresh_token).toBe('string');
    const { header, claims } = decodeJwt(body.token);
    expect(header).toMatchObject({ alg: 'ES256' });
    expect(header.kid).toMatch(/^([A-Z2-7]{4}:){11}[A-Z2-7]{4}$/);
    expect(claims).toMatchObject({ aud: registry.service, sub: registry.username, access: [{ type: 'repository', name: repo, actions: ['pull'] }] });
    const pulled = await fetch(manifestUrl, { headers: { ...accept, authorization: `Bearer ${body.token}` } });
    expect(pulled.status).toBe(200);
    expect(pulled.headers.get('docker-content-digest')).toBe(image.manifest.digest);
    // A pull-only token must not allow a push.
    const push = await fetch(`${registry.url}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${body.token}` } });
    expect(push.status).toBe(401);

    const anonymous = await getToken(`scope=${encodeURIComponent(`repository:${repo}:pull`)}`);
    expect(anonymous.status).toBe(200);
    const anonymousToken = ((await anonymous.json()) as { token: string }).token;
    expect(decodeJwt(anonymousToken).claims.access).toEqual([]);
    const refused = await fetch(manifestUrl, { headers: { ...accept, authorization: `Bearer ${anonymousToken}` } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toContain('insufficient_scope');

    const stats = await readTokenStats(registry);
    expect(stats.lastAuthorizationScheme).toBeNull();
    expect(stats.lastScopes).toEqual([`repository:${repo}:pull`]);
  });

  it('grants several scopes at once, and catalog access', async () => {
    const response = await getToken(
      ['repository:a/b:pull,push', 'repository:c/d:pull', 'registry:catalog:*'].map((s) => `scope=${encodeURIComponent(s)}`).join('&'),
      user(),
    );
    const token = ((await response.json()) as { token: string }).token;
    expect(decodeJwt(token).claims.access).toEqual([
      { type: 'repository', name: 'a/b', actions: ['pull', 'push'] },
      { type: 'repository', name: 'c/d', actions: ['pull'] },
      { type: 'registry', name: 'catalog', actions: ['*'] },
    ]);
    const catalog = await fetch(`${registry.url}/v2/_catalog`, { headers: { authorization: `Bearer ${token}` } });
    expect(catalog.status).toBe(200);
  });

  it('refuses wrong Basic credentials and malformed requests', async () => {
    expect((await getToken('scope=repository:x:pull', { username: user().username, password: 'wrong-password' })).status).toBe(401);
    expect((await getToken('scope=garbage', user())).status).toBe(400);
    expect((await fetch(`${registry.tokenUrl}?service=other`, {})).status).toBe(400);
  });

  it('serves the OAuth2 password and refresh_token grants', async () => {
    const repo = uniqueRepo('oauth');
    const post = (fields: Record<string, string>): Promise<Response> =>
      fetch(registry.tokenUrl ?? '', { method: 'POST', body: new URLSearchParams({ service: registry.service ?? '', ...fields }) });
    const before = await readTokenStats(registry);

    const first = await post({ grant_type: 'password', client_id: 'harness', access_type: 'offline', username: user().username, password: user().password, scope: `repository:${repo}:pull,push` });
    expect(first.status).toBe(200);
    const firstBody = (await first.json()) as { access_token: string; refresh_token: string; scope: string; expires_in: number; issued_at: string };
    expect(firstBody.scope).toBe(`repository:${repo}:pull,push`);
    expect(firstBody.refresh_token).toBeTruthy();
    expect(Number.isNaN(Date.parse(firstBody.issued_at))).toBe(false);
    const upload = await fetch(`${registry.url}/v2/${repo}/blobs/uploads/`, { method: 'POST', headers: { authorization: `Bearer ${firstBody.access_token}` } });
    expect(upload.status).toBe(202);

    const refreshed = await post({ grant_type: 'refresh_token', client_id: 'harness', refresh_token: firstBody.refresh_token, scope: `repository:${repo}:pull` });
    expect(refreshed.status).toBe(200);
    const refreshedBody = (await refreshed.json()) as { access_token: string; refresh_token?: string };
    expect(refreshedBody.refresh_token).toBeUndefined();
    expect(decodeJwt(refreshedBody.access_token).claims.access).toEqual([{ type: 'repository', name: repo, actions: ['pull'] }]);

    expect((await post({ grant_type: 'password', username: 'tester', password: 'x' })).status).toBe(400); // no client_id
    expect((await post({ grant_type: 'password', client_id: 'harness', username: user().username, password: 'wrong' })).status).toBe(401);
    expect((await post({ grant_type: 'refresh_token', client_id: 'harness', refresh_token: 'never-issued' })).status).toBe(401);
    expect((await post({ grant_type: 'client_credentials', client_id: 'harness' })).status).toBe(400);

    const after = await readTokenStats(registry);
    expect(after.byGrant.password - before.byGrant.password).toBeGreaterThanOrEqual(2);
    expect(after.byGrant.refresh_token - before.byGrant.refresh_token).toBeGreaterThanOrEqual(2);
  });
});

describe('startDistribution', () => {
  const started: DistributionRegistry[] = [];
  afterAll(async () => {
    await Promise.all(started.map((registry) => registry.stop()));
  });

  it('runs a token registry whose tokens name their key by x5c, and stops it completely', async () => {
    const registry = await startDistribution({ auth: 'token', storage: 'inmemory', keyIdentification: 'x5c', tokenLifetimeSeconds: 60 });
    started.push(registry);
    expect(isAlive(registry.pid)).toBe(true);
    const creds = { username: registry.username ?? '', password: registry.password ?? '' };
    const image = buildImage({ os: 'linux', architecture: 's390x' });
    const layout = await layoutOf([{ tag: 'latest', image }]);
    const ref = `docker://${registry.host}/x5c/image:v1`;
    await skopeoCopy(`oci:${layout}:latest`, ref, { destCreds: creds });
    expect(sha256(await skopeoInspectRaw(ref, { creds }))).toBe(image.manifest.digest);
    expect(registry.tokenServer?.stats.byGrant.basic).toBeGreaterThan(0);

    const response = await fetch(`${registry.tokenServer?.realm}?scope=repository:x5c/image:pull`);
    const token = ((await response.json()) as { token: string; expires_in: number }).token;
    expect(decodeJwt(token).header.x5c).toHaveLength(1);
    expect(decodeJwt(token).claims.exp).toBe((decodeJwt(token).claims.iat as number) + 60);

    await registry.stop();
    expect(isAlive(registry.pid)).toBe(false);
    expect(existsSync(registry.dir)).toBe(false);
    await expect(fetch(`${registry.url}/v2/`)).rejects.toThrow();
    await expect(fetch(registry.tokenServer?.statsUrl ?? '')).rejects.toThrow();
    await registry.stop(); // twice is fine
  });

  it('keeps filesystem storage in its own directory', async () => {
    const registry = await startDistribution({ auth: 'none' });
    started.push(registry);
    const image = buildImage({ os: 'linux', architecture: 'ppc64le' });
    const layout = await layoutOf([{ tag: 'latest', image }]);
    await skopeoCopy(`oci:${layout}:latest`, `docker://${registry.host}/fs/image:v1`);
    expect(existsSync(join(registry.dir, 'data', 'docker', 'registry', 'v2', 'repositories', 'fs', 'image'))).toBe(true);
    await registry.stop();
    expect(isAlive(registry.pid)).toBe(false);
  });

  it('rejects an unknown auth mode with a clear error', async () => {
    await expect(startDistribution({ auth: 'kerberos' as 'none' })).rejects.toThrow(/unknown registry auth mode "kerberos"/);
  });
});

describe('process watchdog', () => {
  it('kills the managed process and removes its dir when its parent dies without cleaning up', async () => {
    const leftover = await mkdtemp(join(tmpdir(), 'mp-watchdog-'));
    tempDirs.push(leftover);
    // A shell stands in for a test process: it starts a long sleep plus the watchdog, then is SIGKILLed.
    const script = 'sleep 300 & echo $!; /bin/sh -c "$1" watchdog $$ $! "$2" & wait';
    const parent = spawn('/bin/sh', ['-c', script, 'parent', WATCHDOG_SCRIPT, leftover], { stdio: ['ignore', 'pipe', 'ignore'] });
    const childPid = await new Promise<number>((resolve, reject) => {
      parent.stdout.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      parent.once('error', reject);
    });
    try {
      expect(isAlive(childPid)).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(isAlive(childPid)).toBe(true); // the watchdog leaves it alone while the parent lives
      expect(existsSync(leftover)).toBe(true);
      parent.kill('SIGKILL');
      expect(await waitFor(() => !isAlive(childPid), 8000)).toBe(true);
      expect(await waitFor(() => !existsSync(leftover), 5000)).toBe(true);
    } finally {
      if (isAlive(childPid)) process.kill(childPid, 'SIGKILL');
      if (parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
    }
  });
});
