import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { codes, imageManifest, pushBlob, pushImage, putManifest, raw, sha256 } from '../helpers/registry-helpers.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';
const DOCKER_LIST = 'application/vnd.docker.distribution.manifest.list.v2+json';

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry({ maxManifestBytes: 64 * 1024 });
});
afterAll(async () => {
  await registry.close();
});

describe('manifest push and pull', () => {
  it('PUT by tag returns 201 with Location and digest; GET/HEAD by tag and digest return the exact bytes', async () => {
    const image = await pushImage(registry, 'm/app', 'v1');
    for (const ref of ['v1', image.digest]) {
      const get = await raw(registry, `/v2/m/app/manifests/${ref}`);
      expect(get.status).toBe(200);
      expect(get.body).toEqual(image.manifest);
      expect(get.headers['content-type']).toBe(OCI_MANIFEST);
      expect(get.headers['docker-content-digest']).toBe(image.digest);
      expect(get.headers['content-length']).toBe(String(image.manifest.length));
      const head = await raw(registry, `/v2/m/app/manifests/${ref}`, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.body.length).toBe(0);
      expect(head.headers['content-length']).toBe(String(image.manifest.length));
      expect(head.headers['docker-content-digest']).toBe(image.digest);
    }
  });

  it('PUT response headers', async () => {
    const config = Buffer.from('{"architecture":"arm64","os":"linux"}');
    const layer = Buffer.from('layer');
    await pushBlob(registry, 'm/headers', config);
    await pushBlob(registry, 'm/headers', layer);
    const manifest = imageManifest(config, layer);
    const res = await putManifest(registry, 'm/headers', 'latest', manifest.bytes, OCI_MANIFEST);
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v2/m/headers/manifests/${manifest.digest}`);
    expect(res.headers['docker-content-digest']).toBe(manifest.digest);
    expect(res.headers['oci-subject']).toBeUndefined();
  });

  it('PUT by digest must match the body', async () => {
    const image = await pushImage(registry, 'm/bydigest', 'tmp');
    const ok = await putManifest(registry, 'm/bydigest', image.digest, image.manifest, OCI_MANIFEST);
    expect(ok.status).toBe(201);
    const wrong = await putManifest(registry, 'm/bydigest', sha256('other'), image.manifest, OCI_MANIFEST);
    expect(wrong.status).toBe(400);
    expect(codes(wrong)).toEqual(['DIGEST_INVALID']);
  });

  it('PUT by digest with ?tag= creates the tags and reports them in OCI-Tag', async () => {
    const image = await pushImage(registry, 'm/tagparams', 'base');
    const res = await raw(registry, `/v2/m/tagparams/manifests/${image.digest}?tag=1.0&tag=1`, {
      method: 'PUT',
      headers: { 'Content-Type': OCI_MANIFEST },
      body: image.manifest,
    });
    expect(res.status).toBe(201);
    expect(res.headers['oci-tag']).toBe('1.0, 1');
    expect((await raw(registry, '/v2/m/tagparams/tags/list')).json().tags).toEqual(['1', '1.0', 'base']);
  });

  it('PUT by digest with a bad ?tag= among good ones is a 400 TAG_INVALID naming it, and writes nothing', async () => {
    const config = Buffer.from('{"architecture":"amd64","os":"linux","tagparams":"bad"}');
    const layer = Buffer.from('tagparams layer');
    await pushBlob(registry, 'm/tagparams-bad', config);
    await pushBlob(registry, 'm/tagparams-bad', layer);
    const manifest = imageManifest(config, layer);
    const res = await raw(registry, `/v2/m/tagparams-bad/manifests/${manifest.digest}?tag=good&tag=-bad&tag=fine`, {
      method: 'PUT',
      headers: { 'Content-Type': OCI_MANIFEST },
      body: manifest.bytes,
    });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['TAG_INVALID']);
    expect(res.json().errors[0].detail.tag).toBe('-bad');
    expect((await raw(registry, '/v2/m/tagparams-bad/tags/list')).json().tags).toEqual([]);
    expect((await raw(registry, `/v2/m/tagparams-bad/manifests/${manifest.digest}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('PUT by digest lists a ?tag= named twice once in OCI-Tag', async () => {
    const image = await pushImage(registry, 'm/tagparams-twice', 'base');
    const res = await raw(registry, `/v2/m/tagparams-twice/manifests/${image.digest}?tag=a&tag=b&tag=a`, {
      method: 'PUT',
      headers: { 'Content-Type': OCI_MANIFEST },
      body: image.manifest,
    });
    expect(res.headers['oci-tag']).toBe('a, b');
  });

  it('PUT by tag with ?tag= is refused (400 UNSUPPORTED) and writes nothing', async () => {
    const image = await pushImage(registry, 'm/tagparams-bytag', 'base');
    const res = await raw(registry, `/v2/m/tagparams-bytag/manifests/other?tag=more`, {
      method: 'PUT',
      headers: { 'Content-Type': OCI_MANIFEST },
      body: image.manifest,
    });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['UNSUPPORTED']);
    expect(res.headers['oci-tag']).toBeUndefined();
    expect((await raw(registry, '/v2/m/tagparams-bytag/tags/list')).json().tags).toEqual(['base']);
  });

  it('Content-Type with parameters is accepted; GET answers without them', async () => {
    const image = await pushImage(registry, 'm/params', 'a');
    const res = await putManifest(registry, 'm/params', 'b', image.manifest, `${OCI_MANIFEST}; charset=utf-8`);
    expect(res.status).toBe(201);
    expect((await raw(registry, '/v2/m/params/manifests/b')).headers['content-type']).toBe(OCI_MANIFEST);
  });

  it('an OCI manifest without mediaType is accepted under its Content-Type', async () => {
    const config = Buffer.from('{"architecture":"amd64","os":"linux","x":1}');
    await pushBlob(registry, 'm/nomediatype', config);
    const doc = { schemaVersion: 2, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length }, layers: [] };
    const res = await putManifest(registry, 'm/nomediatype', 'x', doc, OCI_MANIFEST);
    expect(res.status).toBe(201);
  });

  it('Docker schema2 manifest and manifest list', async () => {
    const config = Buffer.from('{"architecture":"amd64","os":"linux","docker":true}');
    const layer = Buffer.from('docker layer');
    await pushBlob(registry, 'm/docker', config);
    await pushBlob(registry, 'm/docker', layer);
    const manifest = {
      schemaVersion: 2,
      mediaType: DOCKER_MANIFEST,
      config: { mediaType: 'application/vnd.docker.container.image.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.docker.image.rootfs.diff.tar.gzip', digest: sha256(layer), size: layer.length }],
    };
    const bytes = Buffer.from(JSON.stringify(manifest));
    expect((await putManifest(registry, 'm/docker', 'amd64', bytes, DOCKER_MANIFEST)).status).toBe(201);
    const list = {
      schemaVersion: 2,
      mediaType: DOCKER_LIST,
      manifests: [{ mediaType: DOCKER_MANIFEST, digest: sha256(bytes), size: bytes.length, platform: { architecture: 'amd64', os: 'linux' } }],
    };
    const res = await putManifest(registry, 'm/docker', 'latest', list, DOCKER_LIST);
    expect(res.status).toBe(201);
    expect((await raw(registry, '/v2/m/docker/manifests/latest')).headers['content-type']).toBe(DOCKER_LIST);
  });

  it('an OCI index referencing child manifests', async () => {
    const amd = await pushImage(registry, 'm/multi', 'amd64', 'amd');
    const arm = await pushImage(registry, 'm/multi', 'arm64', 'arm');
    const index = {
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: amd.digest, size: amd.manifest.length, platform: { architecture: 'amd64', os: 'linux' } },
        { mediaType: OCI_MANIFEST, digest: arm.digest, size: arm.manifest.length, platform: { architecture: 'arm64', os: 'linux' } },
      ],
    };
    const res = await putManifest(registry, 'm/multi', 'latest', index, OCI_INDEX);
    expect(res.status).toBe(201);
    const get = await raw(registry, '/v2/m/multi/manifests/latest');
    expect(get.json().manifests).toHaveLength(2);
  });

  it('foreign layers (with urls) need not exist', async () => {
    const config = Buffer.from('{"architecture":"amd64","os":"windows"}');
    await pushBlob(registry, 'm/foreign', config);
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [
        {
          mediaType: 'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
          digest: sha256('foreign'),
          size: 7,
          urls: ['https://example.com/layer'],
        },
      ],
    };
    expect((await putManifest(registry, 'm/foreign', 'v1', doc)).status).toBe(201);
  });

  it('unknown manifests and repositories', async () => {
    await pushImage(registry, 'm/known', 'v1');
    const tag = await raw(registry, '/v2/m/known/manifests/nope');
    expect(tag.status).toBe(404);
    expect(codes(tag)).toEqual(['MANIFEST_UNKNOWN']);
    const digest = await raw(registry, `/v2/m/known/manifests/${sha256('nope')}`);
    expect(codes(digest)).toEqual(['MANIFEST_UNKNOWN']);
    const repo = await raw(registry, '/v2/m/unknown/manifests/v1');
    expect(repo.status).toBe(404);
    expect(codes(repo)).toEqual(['NAME_UNKNOWN']);
    expect((await raw(registry, '/v2/m/known/manifests/nope', { method: 'HEAD' })).status).toBe(404);
  });
});

describe('manifest validation', () => {
  let config: Buffer;
  let layer: Buffer;
  beforeAll(async () => {
    config = Buffer.from('{"architecture":"amd64","os":"linux","v":"validation"}');
    layer = Buffer.from('validation layer');
    await pushBlob(registry, 'v/app', config);
    await pushBlob(registry, 'v/app', layer);
  });

  it('malformed JSON is MANIFEST_INVALID', async () => {
    const res = await putManifest(registry, 'v/app', 'bad', '{"schemaVersion": 2,', OCI_MANIFEST);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['MANIFEST_INVALID']);
  });

  it('a schema violation is MANIFEST_INVALID with the problems in detail', async () => {
    const res = await putManifest(registry, 'v/app', 'bad', { schemaVersion: 2, mediaType: OCI_MANIFEST, config: { digest: 'x' } });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['MANIFEST_INVALID']);
    expect(res.json().errors[0].detail.problems.length).toBeGreaterThan(0);
  });

  it('a mediaType disagreeing with Content-Type is MANIFEST_INVALID', async () => {
    const { bytes } = imageManifest(config, layer);
    const res = await putManifest(registry, 'v/app', 'bad', bytes, OCI_INDEX);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['MANIFEST_INVALID']);
    expect(res.json().errors[0].message).toMatch(/does not match Content-Type/);
  });

  it('both manifests and layers is MANIFEST_INVALID', async () => {
    const doc = JSON.parse(imageManifest(config, layer).bytes.toString());
    doc.manifests = [];
    const res = await putManifest(registry, 'v/app', 'bad', doc, OCI_MANIFEST);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['MANIFEST_INVALID']);
  });

  it('an unsupported digest algorithm inside a descriptor is MANIFEST_INVALID', async () => {
    const doc = JSON.parse(imageManifest(config, layer).bytes.toString());
    doc.layers[0].digest = 'md5:' + 'a'.repeat(32);
    const res = await putManifest(registry, 'v/app', 'bad', doc, OCI_MANIFEST);
    expect(codes(res)).toEqual(['MANIFEST_INVALID']);
  });

  it('a wrong or missing Content-Type is UNSUPPORTED (415)', async () => {
    const { bytes } = imageManifest(config, layer);
    for (const type of ['application/json', 'application/vnd.docker.distribution.manifest.v1+prettyjws']) {
      const res = await putManifest(registry, 'v/app', 'bad', bytes, type);
      expect(res.status, type).toBe(415);
      expect(codes(res)).toEqual(['UNSUPPORTED']);
    }
    const none = await raw(registry, '/v2/v/app/manifests/bad', { method: 'PUT', body: bytes });
    expect(none.status).toBe(415);
  });

  it('missing config, layers and child manifests are MANIFEST_BLOB_UNKNOWN, one error each', async () => {
    const missingLayer = Buffer.from('not pushed');
    const missingConfig = Buffer.from('{"not":"pushed"}');
    const res = await putManifest(registry, 'v/app', 'bad', imageManifest(missingConfig, missingLayer).bytes, OCI_MANIFEST);
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN']);
    expect(res.json().errors.map((e: { detail: { digest: string } }) => e.detail.digest)).toEqual([sha256(missingConfig), sha256(missingLayer)]);

    const index = { schemaVersion: 2, mediaType: OCI_INDEX, manifests: [{ mediaType: OCI_MANIFEST, digest: sha256('no manifest'), size: 3 }] };
    const indexRes = await putManifest(registry, 'v/app', 'bad', index);
    expect(codes(indexRes)).toEqual(['MANIFEST_BLOB_UNKNOWN']);
  });

  it('blobs from another repository do not count', async () => {
    const res = await putManifest(registry, 'v/other', 'x', imageManifest(config, layer).bytes, OCI_MANIFEST);
    expect(codes(res)).toEqual(['MANIFEST_BLOB_UNKNOWN', 'MANIFEST_BLOB_UNKNOWN']);
  });

  it('a manifest over maxManifestBytes is 413 SIZE_INVALID, with or without Content-Length', async () => {
    const big = Buffer.alloc(100 * 1024, 0x20);
    const declared = await putManifest(registry, 'v/app', 'big', big, OCI_MANIFEST);
    expect(declared.status).toBe(413);
    expect(codes(declared)).toEqual(['SIZE_INVALID']);
    const streamed = await raw(registry, '/v2/v/app/manifests/big', {
      method: 'PUT',
      headers: { 'Content-Type': OCI_MANIFEST },
      body: [big.subarray(0, 50_000), big.subarray(50_000)],
    });
    expect(streamed.status).toBe(413);
    expect(codes(streamed)).toEqual(['SIZE_INVALID']);
  });

  it('invalid tags and digests in the URL', async () => {
    const { bytes } = imageManifest(config, layer);
    const tag = await putManifest(registry, 'v/app', '-bad', bytes, OCI_MANIFEST);
    expect(tag.status).toBe(400);
    expect(codes(tag)).toEqual(['TAG_INVALID']);
    const longTag = await raw(registry, `/v2/v/app/manifests/${'a'.repeat(129)}`, { method: 'DELETE' });
    expect(codes(longTag)).toEqual(['TAG_INVALID']);
    const digest = await raw(registry, '/v2/v/app/manifests/sha256:1234', { method: 'DELETE' });
    expect(codes(digest)).toEqual(['DIGEST_INVALID']);
    const extraTag = await raw(registry, `/v2/v/app/manifests/${sha256(bytes)}?tag=.bad`, { method: 'PUT', headers: { 'Content-Type': OCI_MANIFEST }, body: bytes });
    expect(codes(extraTag)).toEqual(['TAG_INVALID']);
  });

  it('nothing was stored by the failed pushes', async () => {
    const tags = await raw(registry, '/v2/v/app/tags/list');
    expect(tags.json().tags).toEqual([]);
    expect((await raw(registry, '/v2/v/other/tags/list')).status).toBe(404);
  });
});

describe('manifest delete', () => {
  it('DELETE by tag removes only that tag', async () => {
    const image = await pushImage(registry, 'd/app', 'one');
    await putManifest(registry, 'd/app', 'two', image.manifest, OCI_MANIFEST);
    const res = await raw(registry, '/v2/d/app/manifests/one', { method: 'DELETE' });
    expect(res.status).toBe(202);
    expect((await raw(registry, '/v2/d/app/manifests/one')).status).toBe(404);
    expect((await raw(registry, '/v2/d/app/manifests/two')).status).toBe(200);
    expect((await raw(registry, `/v2/d/app/manifests/${image.digest}`)).status).toBe(200);
    expect((await raw(registry, '/v2/d/app/manifests/one', { method: 'DELETE' })).status).toBe(404);
  });

  it('DELETE by digest removes the manifest and every tag pointing at it', async () => {
    const image = await pushImage(registry, 'd/bydigest', 'a');
    await putManifest(registry, 'd/bydigest', 'b', image.manifest, OCI_MANIFEST);
    const other = await pushImage(registry, 'd/bydigest', 'c', 'other');
    const res = await raw(registry, `/v2/d/bydigest/manifests/${image.digest}`, { method: 'DELETE' });
    expect(res.status).toBe(202);
    expect((await raw(registry, `/v2/d/bydigest/manifests/${image.digest}`)).status).toBe(404);
    expect((await raw(registry, '/v2/d/bydigest/manifests/a')).status).toBe(404);
    expect((await raw(registry, '/v2/d/bydigest/manifests/b')).status).toBe(404);
    expect((await raw(registry, '/v2/d/bydigest/tags/list')).json().tags).toEqual(['c']);
    expect((await raw(registry, `/v2/d/bydigest/manifests/${other.digest}`)).status).toBe(200);
    const again = await raw(registry, `/v2/d/bydigest/manifests/${image.digest}`, { method: 'DELETE' });
    expect(codes(again)).toEqual(['MANIFEST_UNKNOWN']);
    const unknownRepo = await raw(registry, `/v2/d/nothing/manifests/${image.digest}`, { method: 'DELETE' });
    expect(codes(unknownRepo)).toEqual(['NAME_UNKNOWN']);
  });

  it('a manifest deleted in one repository stays in another', async () => {
    const image = await pushImage(registry, 'd/x', 'v');
    await pushImage(registry, 'd/y', 'v');
    await raw(registry, `/v2/d/x/manifests/${image.digest}`, { method: 'DELETE' });
    const res = await raw(registry, '/v2/d/y/manifests/v');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(image.manifest);
  });
});

describe('tag list and catalog', () => {
  let reg: RunningRegistry;
  beforeAll(async () => {
    reg = await startRegistry();
    const image = await pushImage(reg, 'list/app', 'b');
    for (const tag of ['a', 'C', 'c', '1.0', 'latest']) await putManifest(reg, 'list/app', tag, image.manifest, OCI_MANIFEST);
    for (const name of ['list/z', 'list/a', 'other']) await pushBlob(reg, name, `blob of ${name}`);
  });
  afterAll(async () => {
    await reg.close();
  });

  it('lists all tags in ASCII order', async () => {
    const res = await raw(reg, '/v2/list/app/tags/list');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ name: 'list/app', tags: ['1.0', 'C', 'a', 'b', 'c', 'latest'] });
    expect(res.headers.link).toBeUndefined();
  });

  it('pages with n and last, following the Link header', async () => {
    const seen: string[] = [];
    let path: string | undefined = '/v2/list/app/tags/list?n=4';
    const links: string[] = [];
    while (path) {
      const res = await raw(reg, path);
      expect(res.status).toBe(200);
      seen.push(...res.json().tags);
      const link = res.headers.link as string | undefined;
      if (link) links.push(link);
      path = link ? /^<([^>]+)>; rel="next"$/.exec(link)?.[1] : undefined;
    }
    expect(seen).toEqual(['1.0', 'C', 'a', 'b', 'c', 'latest']);
    expect(links).toEqual(['</v2/list/app/tags/list?n=4&last=b>; rel="next"']);
  });

  it('n=0 gives an empty list without Link; last alone skips; a bad n is refused', async () => {
    const zero = await raw(reg, '/v2/list/app/tags/list?n=0');
    expect(zero.json().tags).toEqual([]);
    expect(zero.headers.link).toBeUndefined();
    expect((await raw(reg, '/v2/list/app/tags/list?last=b')).json().tags).toEqual(['c', 'latest']);
    expect((await raw(reg, '/v2/list/app/tags/list?n=6')).headers.link).toBeUndefined();
    expect((await raw(reg, '/v2/list/app/tags/list?n=-1')).status).toBe(400);
  });

  it('tags of an unknown repository is NAME_UNKNOWN', async () => {
    const res = await raw(reg, '/v2/list/none/tags/list');
    expect(res.status).toBe(404);
    expect(codes(res)).toEqual(['NAME_UNKNOWN']);
  });

  it('the catalog lists repositories in order, paginated with Link', async () => {
    const all = await raw(reg, '/v2/_catalog');
    expect(all.json()).toEqual({ repositories: ['list/a', 'list/app', 'list/z', 'other'] });
    const first = await raw(reg, '/v2/_catalog?n=2');
    expect(first.json().repositories).toEqual(['list/a', 'list/app']);
    expect(first.headers.link).toBe('</v2/_catalog?n=2&last=list%2Fapp>; rel="next"');
    const next = await raw(reg, /^<([^>]+)>/.exec(first.headers.link as string)?.[1] as string);
    expect(next.json().repositories).toEqual(['list/z', 'other']);
    expect(next.headers.link).toBeUndefined();
  });
});

describe('referrers', () => {
  let subject: string;
  beforeAll(async () => {
    const image = await pushImage(registry, 'r/app', 'v1');
    subject = image.digest;
  });

  async function pushArtifact(repo: string, artifactType: string | undefined, configType: string, annotations?: Record<string, string>) {
    const empty = Buffer.from('{}');
    await pushBlob(registry, repo, empty);
    const blob = Buffer.from(`payload ${artifactType} ${configType} ${JSON.stringify(annotations)}`);
    await pushBlob(registry, repo, blob);
    const doc: Record<string, unknown> = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: configType, digest: sha256(empty), size: 2 },
      layers: [{ mediaType: 'application/octet-stream', digest: sha256(blob), size: blob.length }],
      subject: { mediaType: OCI_MANIFEST, digest: subject, size: 100 },
    };
    if (artifactType) doc.artifactType = artifactType;
    if (annotations) doc.annotations = annotations;
    const bytes = Buffer.from(JSON.stringify(doc));
    const res = await putManifest(registry, repo, sha256(bytes), bytes, OCI_MANIFEST);
    expect(res.status).toBe(201);
    expect(res.headers['oci-subject']).toBe(subject);
    return { digest: sha256(bytes), size: bytes.length };
  }

  it('lists manifests whose subject is the digest, with artifactType and annotations', async () => {
    const sbom = await pushArtifact('r/app', 'application/vnd.example.sbom', 'application/vnd.oci.empty.v1+json', { 'org.example': 'yes' });
    const sig = await pushArtifact('r/app', undefined, 'application/vnd.example.signature.config');
    const res = await raw(registry, `/v2/r/app/referrers/${subject}`);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe(OCI_INDEX);
    expect(res.headers['oci-filters-applied']).toBeUndefined();
    expect(res.json()).toEqual({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: [
        { mediaType: OCI_MANIFEST, digest: sbom.digest, size: sbom.size, artifactType: 'application/vnd.example.sbom', annotations: { 'org.example': 'yes' } },
        { mediaType: OCI_MANIFEST, digest: sig.digest, size: sig.size, artifactType: 'application/vnd.example.signature.config' },
      ],
    });
    const filtered = await raw(registry, `/v2/r/app/referrers/${subject}?artifactType=application/vnd.example.sbom`);
    expect(filtered.headers['oci-filters-applied']).toBe('artifactType');
    expect(filtered.json().manifests.map((m: { digest: string }) => m.digest)).toEqual([sbom.digest]);
  });

  it('a subject that does not exist is accepted (push in either order)', async () => {
    const repo = 'r/orphan';
    const empty = Buffer.from('{}');
    await pushBlob(registry, repo, empty);
    const doc = {
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      artifactType: 'application/vnd.example.thing',
      config: { mediaType: 'application/vnd.oci.empty.v1+json', digest: sha256(empty), size: 2 },
      layers: [],
      subject: { mediaType: OCI_MANIFEST, digest: sha256('not pushed'), size: 1 },
    };
    const res = await putManifest(registry, repo, 'art', doc);
    expect(res.status).toBe(201);
    expect((await raw(registry, `/v2/${repo}/referrers/${sha256('not pushed')}`)).json().manifests).toHaveLength(1);
  });

  it('no referrers (or an unknown repository) gives an empty index, never 404; a bad digest is 400', async () => {
    const none = await raw(registry, `/v2/r/app/referrers/${sha256('nothing refers to this')}`);
    expect(none.status).toBe(200);
    expect(none.json().manifests).toEqual([]);
    const unknownRepo = await raw(registry, `/v2/r/missing/referrers/${subject}`);
    expect(unknownRepo.status).toBe(200);
    expect(unknownRepo.json().manifests).toEqual([]);
    const bad = await raw(registry, '/v2/r/app/referrers/sha256:zz');
    expect(bad.status).toBe(400);
    expect(codes(bad)).toEqual(['DIGEST_INVALID']);
  });

  it('a deleted referrer disappears from the list', async () => {
    const art = await pushArtifact('r/app', 'application/vnd.example.temp', 'application/vnd.oci.empty.v1+json');
    await raw(registry, `/v2/r/app/manifests/${art.digest}`, { method: 'DELETE' });
    const res = await raw(registry, `/v2/r/app/referrers/${subject}?artifactType=application/vnd.example.temp`);
    expect(res.json().manifests).toEqual([]);
  });
});
