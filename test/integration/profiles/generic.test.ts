/**
 * Quirks several registries share, reproduced with faults on a plain embedded registry: each test first shows
 * the behaviour with a plain request, then what the client does with it. See docs/registries.md#everywhere.
 */
import { describe, expect, it } from 'vitest';
import { createRegistryHandler, startRegistry } from '../../../src/registry/index.js';
import { raw } from '../../helpers/registry-helpers.js';
import { profileClient, pushTestImage, unique, useRegistry } from './profile-helpers.js';

const registry = useRegistry({});

describe('Docker-Content-Digest missing', () => {
  it('on a manifest HEAD: the client reads the manifest and computes the digest from its bytes', async () => {
    const client = profileClient();
    const name = unique('generic/app');
    const image = await pushTestImage(client, `${registry.host}/${name}:1`, 'amd64');
    const fault = { method: 'HEAD', path: /\/manifests\//, omitHeaders: ['Docker-Content-Digest'] };
    registry.faults.add(fault);
    const res = await raw(registry, `/v2/${name}/manifests/1`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['docker-content-digest']).toBeUndefined();

    registry.faults.add(fault);
    const gets = registry.stats.byRoute['GET manifest'] ?? 0;
    const descriptor = await client.headManifest(`${registry.host}/${name}:1`);
    expect(descriptor.digest).toBe(image.manifest.digest);
    expect((registry.stats.byRoute['GET manifest'] ?? 0) - gets).toBe(1);
  });

  it('on a manifest GET: the digest comes from the bytes', async () => {
    const client = profileClient();
    const name = unique('generic/get');
    const image = await pushTestImage(client, `${registry.host}/${name}:1`, 'amd64');
    registry.faults.add({ method: 'GET', path: /\/manifests\//, omitHeaders: ['Docker-Content-Digest'] });
    const result = await client.getManifest(`${registry.host}/${name}:1`);
    expect(result.descriptor.digest).toBe(image.manifest.digest);
    const inspected = await client.inspect(`${registry.host}/${name}:1`);
    expect(inspected.digest).toBe(image.manifest.digest);
  });
});

describe('the profile option', () => {
  it('names the known profiles when given another, and checks its settings', async () => {
    await expect(startRegistry({ profile: 'gitlab' as never })).rejects.toThrow(
      'startRegistry: profile must be one of ecr, ghcr, dockerhub, gar, acr, quay, harbor, artifactory, got "gitlab"',
    );
    await expect(startRegistry({ profile: { name: 'ecr', repositories: 'team/app' as never } })).rejects.toThrow(/profile\.repositories must be an array/);
    await expect(createRegistryHandler({ profile: { name: 'dockerhub', pullLimit: -1 } })).rejects.toThrow(
      'createRegistryHandler: profile.pullLimit must be a non-negative integer, got -1',
    );
  });
});
