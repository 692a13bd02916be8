/**
 * pushArtifact's argument checks (each a ValidationError naming the option, with nothing sent to
 * the registry) and the pure shape of an artifact manifest (oci/artifact.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryClient, ValidationError } from '../../src/index.js';
import { EMPTY_DESCRIPTOR, artifactManifest, digestOf } from '../../src/oci/index.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry, type TestImage } from '../../src/registry/index.js';

let registry: RunningRegistry;
let client: RegistryClient;
let image: TestImage;
let repo: string;

beforeAll(async () => {
  registry = await startRegistry();
  client = new RegistryClient({ dockerConfig: false });
  repo = `${registry.host}/artifact-args`;
  image = randomImage({ platform: 'linux/amd64', seed: 'artifact-args' });
  await pushImage(client, `${repo}:v1`, image);
});

afterAll(async () => {
  await client.close();
  await registry.close();
});

describe('pushArtifact argument checks', () => {
  const descriptor = () => ({ mediaType: image.manifest.mediaType, digest: image.manifest.digest, size: image.manifest.size });
  it.each<[string, unknown, string]>([
    ['no options', undefined, 'pushArtifact: options must be an object, got undefined'],
    ['no artifactType', { subject: 'R:v1' }, 'pushArtifact: options.artifactType is required'],
    ['an artifactType that is not a media type', { subject: 'R:v1', artifactType: 'sbom' }, 'pushArtifact: options.artifactType must be a media type'],
    ['an unknown option', { subject: 'R:v1', artifactType: 'application/spdx+json', file: 'x' }, 'pushArtifact: unknown option "file" in options'],
    ['files that are not paths', { subject: 'R:v1', artifactType: 'application/spdx+json', files: [42] }, 'pushArtifact: options.files must be a list of paths'],
    ['a file media type that is not one', { subject: 'R:v1', artifactType: 'application/spdx+json', files: [{ path: 'x', mediaType: 'json' }] }, 'options.files must be'],
    ['layers without bytes', { subject: 'R:v1', artifactType: 'application/spdx+json', layers: [{ data: 'text' }] }, 'pushArtifact: options.layers must be'],
    ['a bad tag', { subject: 'R:v1', artifactType: 'application/spdx+json', tag: 'no spaces' }, 'pushArtifact: options.tag: '],
    ['annotations that are not strings', { subject: 'R:v1', artifactType: 'application/spdx+json', annotations: { a: 1 } }, 'pushArtifact: options.annotations must be an object of string values'],
    ['a subject that is neither', { subject: 42, artifactType: 'application/spdx+json' }, 'pushArtifact: options.subject must be a reference string or Reference or a descriptor'],
    ['a descriptor subject without repository', { subject: 'DESCRIPTOR', artifactType: 'application/spdx+json' }, 'pushArtifact: options.repository is needed'],
    ['a subject in another repository', { subject: 'R:v1', repository: 'OTHER', artifactType: 'application/spdx+json' }, 'is in another repository than'],
  ])('%s', async (_name, options, message) => {
    const before = registry.stats.requests;
    const resolved =
      options === undefined
        ? undefined
        : Object.fromEntries(
            Object.entries(options as Record<string, unknown>).map(([key, value]) => [
              key,
              value === 'R:v1' ? `${repo}:v1` : value === 'DESCRIPTOR' ? descriptor() : value === 'OTHER' ? `${registry.host}/elsewhere` : value,
            ]),
          );

    const error = await client.pushArtifact(resolved as never).then(
      () => undefined,
      (e: unknown) => e,
    );

    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(message);
    expect(registry.stats.requests).toBe(before);
  });

  it('a layer given as a descriptor must be in the repository', async () => {
    const absent = { mediaType: 'application/octet-stream', digest: digestOf('not pushed'), size: 10 };
    const error = await client.pushArtifact({ subject: `${repo}:v1`, artifactType: 'application/spdx+json', layers: [absent] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toContain(`layer ${absent.digest} is given as a descriptor, and ${repo} does not hold that blob`);
  });
});

describe('artifactManifest', () => {
  it('has the empty config, the empty descriptor as its only layer when given none, and no empty annotations', () => {
    const manifest = artifactManifest({ artifactType: 'application/vnd.example', layers: [], annotations: {} });
    expect(JSON.stringify(manifest)).toBe(
      JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.example', config: EMPTY_DESCRIPTOR, layers: [EMPTY_DESCRIPTOR] }),
    );
    expect(EMPTY_DESCRIPTOR).toEqual({ mediaType: 'application/vnd.oci.empty.v1+json', digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', size: 2 });
  });

  it('keeps the subject to its descriptor fields and puts fields in one order whatever the input order', () => {
    const subject = { size: 5, digest: `sha256:${'a'.repeat(64)}`, mediaType: 'application/vnd.oci.image.manifest.v1+json', annotations: { dropped: 'yes' } };
    const a = artifactManifest({ annotations: { k: 'v' }, subject, layers: [EMPTY_DESCRIPTOR], artifactType: 't/x' });
    const b = artifactManifest({ artifactType: 't/x', layers: [EMPTY_DESCRIPTOR], subject, annotations: { k: 'v' } });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(Object.keys(a)).toEqual(['schemaVersion', 'mediaType', 'artifactType', 'config', 'layers', 'subject', 'annotations']);
    expect(a.subject).toEqual({ mediaType: subject.mediaType, digest: subject.digest, size: 5 });
  });
});
