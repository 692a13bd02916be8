/**
 * Artifacts on real registries: `pushArtifact` and the `attach` / `referrers` commands against CNCF
 * distribution 2.8 (no referrers API: the client keeps the `<alg>-<hex>` fallback tag, read back
 * here with skopeo) and the embedded registry (referrers API: no tag is written). skopeo reads the
 * artifact manifest back. Last, a registry that answers `OCI-Subject` on the PUT but has no
 * referrers API (the embedded registry with its referrers route answering 404): the client must
 * not trust the header, and keeps the fallback tag there too.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MediaType, type Descriptor } from '../../src/index.js';
import { EMPTY_DESCRIPTOR, digestOf, referrersTag, type Digest } from '../../src/oci/index.js';
import { pushImage, randomImage, startRegistry, type TestImage } from '../../src/registry/index.js';
import { runCli } from '../cli/in-process.js';
import { skopeoInspectRaw } from '../helpers/skopeo.js';
import { allTargets, targetFromCoordinates, type RegistryTarget } from '../helpers/targets.js';

const SBOM = 'application/spdx+json';
const SIGNATURE = 'application/vnd.example.signature.v1';
const TITLE = 'org.opencontainers.image.title';

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp-artifacts-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function fileWith(name: string, content: string): Promise<{ path: string; bytes: Buffer }> {
  const path = join(dir, `${randomBytes(3).toString('hex')}-${name}`);
  const bytes = Buffer.from(content);
  await writeFile(path, bytes);
  return { path, bytes };
}

async function pushSubject(target: RegistryTarget, repo: string): Promise<TestImage> {
  const image = randomImage({ platform: 'linux/amd64', seed: repo });
  const client = target.client();
  try {
    await pushImage(client, `${repo}:v1`, image);
  } finally {
    await client.close();
  }
  return image;
}

async function rawManifest(target: RegistryTarget, ref: string): Promise<Record<string, unknown>> {
  return JSON.parse((await skopeoInspectRaw(`docker://${ref}`, { creds: target.skopeoCreds })).toString('utf8')) as Record<string, unknown>;
}

const targets = await allTargets();

describe.each(targets)('artifacts on $name', (target) => {
  const client = target.client();
  afterAll(() => client.close());
  const hasReferrersApi = target.kind === 'embedded';

  it('pushArtifact writes an OCI 1.1 artifact beside its subject; skopeo reads it; listReferrers finds it', async () => {
    const repo = `${target.host}/${unique('artifacts')}`;
    const image = await pushSubject(target, repo);
    const sbom = await fileWith('sbom.spdx.json', '{"spdxVersion":"SPDX-2.3"}');
    const annotations = { 'org.opencontainers.image.created': '2024-05-01T00:00:00Z', 'org.example.build': '42' };

    const pushed = await client.pushArtifact({ subject: `${repo}:v1`, artifactType: SBOM, files: [{ path: sbom.path, mediaType: SBOM }], annotations });

    const manifest = await rawManifest(target, `${repo}@${pushed.digest}`);
    expect(manifest).toEqual({
      schemaVersion: 2,
      mediaType: MediaType.OciManifest,
      artifactType: SBOM,
      config: EMPTY_DESCRIPTOR,
      layers: [{ mediaType: SBOM, digest: digestOf(sbom.bytes), size: sbom.bytes.length, annotations: { [TITLE]: sbom.path.split('/').pop() } }],
      subject: { mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size },
      annotations,
    });
    expect(pushed).toEqual({ mediaType: MediaType.OciManifest, digest: pushed.digest, size: pushed.size, artifactType: SBOM });
    expect((await client.getBlobBytes(repo, digestOf(sbom.bytes))).equals(sbom.bytes)).toBe(true);

    const entry: Descriptor = { mediaType: MediaType.OciManifest, digest: pushed.digest, size: pushed.size, artifactType: SBOM, annotations };
    expect(await client.listReferrers(`${repo}@${image.manifest.digest}`)).toEqual([entry]);
    // A fresh client finds out for itself whether the registry has the API.
    const fresh = target.client();
    try {
      expect(await fresh.listReferrers(`${repo}:v1`, { artifactType: SBOM })).toEqual([entry]);
      expect(await fresh.listReferrers(`${repo}:v1`, { artifactType: SIGNATURE })).toEqual([]);
    } finally {
      await fresh.close();
    }
    const tag = referrersTag(image.manifest.digest);
    if (hasReferrersApi) {
      expect(await client.manifestExists(`${repo}:${tag}`)).toBe(false);
    } else {
      const index = await rawManifest(target, `${repo}:${tag}`);
      expect(index).toEqual({ schemaVersion: 2, mediaType: MediaType.OciIndex, manifests: [entry] });
    }
  });

  it('gives the same digest for the same artifact, and lists it once; a second artifact joins it', async () => {
    const repo = `${target.host}/${unique('artifacts-again')}`;
    const image = await pushSubject(target, repo);
    const file = await fileWith('notes.txt', 'release notes\n');
    const options = { subject: `${repo}@${image.manifest.digest}`, artifactType: 'application/vnd.example.notes.v1', files: [file.path] };

    const first = await client.pushArtifact(options);
    const again = await client.pushArtifact(options);
    const signature = await client.pushArtifact({
      subject: { mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size },
      repository: repo,
      artifactType: SIGNATURE,
      layers: [{ data: Buffer.from('signature bytes'), mediaType: 'application/octet-stream' }],
      tag: 'signature',
    });

    expect(again.digest).toBe(first.digest);
    const listed = await client.listReferrers(`${repo}@${image.manifest.digest}`);
    expect(listed.map((d) => d.digest).sort()).toEqual([first.digest, signature.digest].sort());
    expect((await client.headManifest(`${repo}:signature`)).digest).toBe(signature.digest);
    const layer = (await rawManifest(target, `${repo}@${first.digest}`)).layers as Descriptor[];
    expect(layer[0]?.mediaType).toBe('application/octet-stream');
    if (!hasReferrersApi) {
      const index = (await rawManifest(target, `${repo}:${referrersTag(image.manifest.digest)}`)) as { manifests: Descriptor[] };
      expect(index.manifests.map((d) => d.digest)).toEqual([first.digest, signature.digest]);
    }
  });

  it('attach pushes files and prints the digest; referrers lists them as a table and as JSON', async () => {
    const repo = `${target.host}/${unique('attach')}`;
    const image = await pushSubject(target, repo);
    const sbom = await fileWith('sbom.json', '{"bomFormat":"CycloneDX"}');
    const home = await mkdtemp(join(dir, 'home-'));
    const login = target.username ? ['--username', target.username, '--password-stdin'] : [];
    const cli = (argv: string[]) => runCli([...argv, ...login], { env: { HOME: home, PATH: process.env.PATH }, stdin: target.password ?? '' });

    const attached = await cli([
      'attach',
      `${repo}:v1`,
      '--artifact-type',
      'application/vnd.cyclonedx+json',
      '--file-type',
      'application/vnd.cyclonedx+json',
      '--annotation',
      'org.opencontainers.image.created=2024-06-01T00:00:00Z',
      sbom.path,
    ]);
    expect(attached.stderr).toContain('attached application/vnd.cyclonedx+json');
    expect(attached.code).toBe(0);
    const digest = attached.stdout.trim() as Digest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    const manifest = await rawManifest(target, `${repo}@${digest}`);
    expect(manifest.subject).toEqual({ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size });
    expect((manifest.layers as Descriptor[])[0]?.mediaType).toBe('application/vnd.cyclonedx+json');

    const asJson = await cli(['attach', `${repo}:v1`, '--artifact-type', SIGNATURE, '--annotation', 'org.example.signer=ci', '--json']);
    expect(asJson.code).toBe(0);
    const signature = JSON.parse(asJson.stdout) as Descriptor & { reference: string };
    expect(signature).toMatchObject({ mediaType: MediaType.OciManifest, artifactType: SIGNATURE, reference: `${repo}@${signature.digest}` });

    const table = await cli(['referrers', `${repo}:v1`]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^DIGEST\s+ARTIFACT TYPE\s+SIZE\s+ANNOTATIONS$/);
    expect(lines.slice(1)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${digest}\\s+application/vnd\\.cyclonedx\\+json\\s+\\d+\\s+created=2024-06-01T00:00:00Z$`)),
        expect.stringMatching(new RegExp(`^${signature.digest}\\s+${SIGNATURE.replace(/\./g, '\\.')}\\s+\\d+$`)),
      ]),
    );
    expect(lines).toHaveLength(3);

    const filtered = await cli(['referrers', `${repo}@${image.manifest.digest}`, '--artifact-type', SIGNATURE, '--json']);
    expect(JSON.parse(filtered.stdout)).toEqual([{ mediaType: MediaType.OciManifest, digest: signature.digest, size: signature.size, artifactType: SIGNATURE, annotations: { 'org.example.signer': 'ci' } }]);

    const none = await cli(['referrers', `${repo}:v1`, '--artifact-type', 'application/vnd.example.none']);
    expect(none).toMatchObject({ code: 0, stdout: '' });
    expect(none.stderr).toContain('nothing refers to');
  });
});

describe('a registry that answers OCI-Subject but has no referrers API', () => {
  it('gets the fallback tag all the same, and listing reads it', async () => {
    const registry = await startRegistry();
    try {
      registry.faults.add({ method: 'GET', path: /\/referrers\//, status: 404, body: '404 page not found\n', times: Infinity });
      const target = targetFromCoordinates('embedded, referrers API off', { host: registry.host, auth: 'none' }, 'embedded');
      const repo = `${registry.host}/${unique('oci-subject')}`;
      const image = await pushSubject(target, repo);
      const client = target.client();
      try {
        const probe = await fetch(`${registry.url}/v2/${repo.slice(registry.host.length + 1)}/referrers/${image.manifest.digest}`);
        expect(probe.status).toBe(404);
        // The registry's own answer to a manifest with subject carries OCI-Subject.
        const empty = Buffer.from('{}');
        await client.pushBlob(repo, empty);
        const manual = Buffer.from(
          JSON.stringify({ schemaVersion: 2, mediaType: MediaType.OciManifest, artifactType: SBOM, config: EMPTY_DESCRIPTOR, layers: [EMPTY_DESCRIPTOR], subject: { mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size } }),
        );
        const put = await fetch(`${registry.url}/v2/${repo.slice(registry.host.length + 1)}/manifests/${digestOf(manual)}`, {
          method: 'PUT',
          headers: { 'content-type': MediaType.OciManifest },
          body: manual,
        });
        expect(put.status).toBe(201);
        expect(put.headers.get('oci-subject')).toBe(image.manifest.digest);

        const pushed = await client.pushArtifact({ subject: `${repo}:v1`, artifactType: SIGNATURE, annotations: { 'org.example.signer': 'ci' } });

        const tag = referrersTag(image.manifest.digest);
        const index = (await client.getManifest(`${repo}:${tag}`)).manifest as { manifests: Descriptor[] };
        expect(index.manifests.map((d) => d.digest)).toEqual([pushed.digest]);
        expect((await client.listReferrers(`${repo}:v1`)).map((d) => d.digest)).toEqual([pushed.digest]);
      } finally {
        await client.close();
      }
    } finally {
      await registry.close();
    }
  });
});
