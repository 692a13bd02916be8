// The seed walkthrough in one process: per-platform images are pushed to a registry and combined
// into one multi-platform tag, with no Docker daemon and no external service.
// Run with `npm run demo` (it builds the package first).
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { RegistryClient } from 'multiplatform';
import { startRegistry } from 'multiplatform/registry';

const sha256 = (bytes) => `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

/** A one-file POSIX tar archive with fixed metadata, so the same text always gives the same layer. */
function tarOf(name, text) {
  const content = Buffer.from(text);
  const header = Buffer.alloc(512);
  const field = (value, offset, length) => header.write(value, offset, length, 'ascii');
  field(name, 0, 100);
  field('0000644\0', 100, 8);
  field('0000000\0', 108, 8);
  field('0000000\0', 116, 8);
  field(content.length.toString(8).padStart(11, '0') + '\0', 124, 12);
  field('00000000000\0', 136, 12);
  field('        ', 148, 8);
  field('0', 156, 1);
  field('ustar\0', 257, 6);
  field('00', 263, 2);
  const checksum = header.reduce((sum, byte) => sum + byte, 0);
  field(checksum.toString(8).padStart(6, '0') + '\0 ', 148, 8);
  const padding = Buffer.alloc((512 - (content.length % 512)) % 512);
  return Buffer.concat([header, content, padding, Buffer.alloc(1024)]);
}

/** A tiny image for one platform: a layer holding the program's "binary", a config and a manifest. */
function buildImage(platform, program) {
  const tar = tarOf(program, `#!/bin/quotes for ${platform.os}/${platform.architecture}\n`);
  const layer = gzipSync(tar);
  const config = Buffer.from(
    JSON.stringify({
      architecture: platform.architecture,
      os: platform.os,
      ...(platform.variant ? { variant: platform.variant } : {}),
      ...(platform.osVersion ? { 'os.version': platform.osVersion } : {}),
      config: { Entrypoint: [`./${program}`], ExposedPorts: { '8080/tcp': {} } },
      rootfs: { type: 'layers', diff_ids: [sha256(tar)] },
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', digest: sha256(layer), size: layer.length }],
    }),
  );
  return { layer, config, manifest };
}

const started = performance.now();
const registry = await startRegistry();
console.log(`Embedded registry listening at ${registry.url}\n`);
const client = new RegistryClient({ dockerConfig: false });
const repo = `${registry.host}/magnuslarsson/quotes`;

try {
  const platforms = [
    { tag: '24-go-linux-amd64', os: 'linux', architecture: 'amd64', program: 'quotes-linux-amd64' },
    { tag: '24-go-linux-arm64', os: 'linux', architecture: 'arm64', variant: 'v8', program: 'quotes-linux-arm64' },
    { tag: '24-go-windows-amd64', os: 'windows', architecture: 'amd64', osVersion: '10.0.17763.1234', program: 'quotes-windows-amd64.exe' },
  ];
  for (const platform of platforms) {
    const image = buildImage(platform, platform.program);
    await client.pushBlob(repo, image.layer);
    await client.pushBlob(repo, image.config);
    const pushed = await client.putManifest(`${repo}:${platform.tag}`, image.manifest);
    console.log(`Pushed ${repo}:${platform.tag}  ${pushed.digest}`);
  }

  // The platforms are not given: they are read from each image's config, Windows os.version included.
  const list = await client.pushManifestList({
    image: `${repo}:24-go`,
    tags: ['latest'],
    manifests: platforms.map((p) => ({ image: `${repo}:${p.tag}` })),
  });
  console.log(`\nPushed the multi-platform list ${repo}:24-go (and :latest)`);
  console.log(`Digest: ${list.digest} ${list.size}\n`);

  const info = await client.inspect(`${repo}:24-go`);
  console.log(`Image: ${repo}:24-go`);
  console.log(` * Manifest List: ${info.isList ? 'Yes' : 'No'}`);
  console.log(' * Supported platforms:');
  for (const entry of info.entries.filter((e) => !e.attestation)) console.log(`   - ${entry.platform}`);
  console.log(`\nDone in ${Math.round(performance.now() - started)} ms.`);
} finally {
  await client.close();
  await registry.close();
}
