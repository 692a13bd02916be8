/**
 * A layout-to-layout copy stops when its signal aborts, mid-file: the copy rejects with an AbortError,
 * no temporary file is left, and nothing half-written sits under a blob's name or a tag.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { isAbortError } from '../../src/errors.js';
import { LayoutStore } from '../../src/layout/store.js';
import { MediaType } from '../../src/oci/media-types.js';
import { digestOf } from '../../src/oci/digest.js';
import { randomLayerImage } from './random-layer-image.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp-layout-abort-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A layout holding, at tag v1, an image of one random layer of `size` bytes. */
async function layoutWithBigLayer(path: string, size: number): Promise<{ layerDigest: string }> {
  const store = new LayoutStore(path);
  await store.init();
  const { layer, config, manifest } = randomLayerImage(size);
  await store.putBlob({ mediaType: MediaType.OciConfig, digest: digestOf(config), size: config.length }, [config]);
  await store.putBlob({ mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: digestOf(layer), size: layer.length }, [layer]);
  await store.putManifest(manifest, { mediaType: MediaType.OciManifest, digest: digestOf(manifest), size: manifest.length }, ['v1']);
  return { layerDigest: digestOf(layer) };
}

it('stops a layout-to-layout copy mid-file when aborted, leaving no temporary or partial file and no tag', async () => {
  const { layerDigest } = await layoutWithBigLayer(join(dir, 'src'), 32 * 1024 * 1024);
  const client = new RegistryClient({ dockerConfig: false, env: {} });
  const controller = new AbortController();
  let bytesAtAbort = -1;

  const outcome = await client
    .copy(`oci:${join(dir, 'src')}:v1`, `oci:${join(dir, 'dst')}:v1`, {
      signal: controller.signal,
      onProgress: (event) => {
        if (event.type === 'blob-progress' && event.digest === layerDigest && bytesAtAbort < 0 && event.bytesDone > 0) {
          bytesAtAbort = event.bytesDone;
          controller.abort();
        }
      },
    })
    .then(
      () => 'copied',
      (error: unknown) => error,
    );
  await client.close();

  expect(bytesAtAbort).toBeGreaterThan(0);
  expect(isAbortError(outcome), String(outcome)).toBe(true);
  const blobs = await readdir(join(dir, 'dst', 'blobs', 'sha256'));
  expect(blobs.filter((name) => name.includes('.tmp'))).toEqual([]);
  expect(blobs).not.toContain(layerDigest.slice('sha256:'.length));
  const index = JSON.parse(await readFile(join(dir, 'dst', 'index.json'), 'utf8')) as { manifests: unknown[] };
  expect(index.manifests).toEqual([]);
});
