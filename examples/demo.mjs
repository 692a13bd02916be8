// The seed walkthrough in one process: per-platform images are pushed to a registry and combined
// into one multi-platform tag, with no Docker daemon and no external service.
// Run with `npm run demo` (it builds the package first).
import { RegistryClient } from 'multiplatform';
import { pushImage, randomImage, startRegistry } from 'multiplatform/registry';

/** A tiny image for one platform: one layer holding the program's "binary", and a config that runs it. */
function quotesImage(platform) {
  return randomImage({
    platform: { os: platform.os, architecture: platform.architecture, variant: platform.variant, 'os.version': platform.osVersion },
    layers: [{ files: [{ name: platform.program, content: `#!/bin/quotes for ${platform.os}/${platform.architecture}\n` }] }],
    config: { Entrypoint: [`./${platform.program}`], ExposedPorts: { '8080/tcp': {} } },
  });
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
    const pushed = await pushImage(client, `${repo}:${platform.tag}`, quotesImage(platform));
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
