/**
 * Tiny single-platform OCI images for the compose benchmark (the library's randomImage): one small
 * layer and a config that names the platform, so every image (and so every index entry) is distinct.
 */
import { pushImage, randomImage } from 'multiplatform/registry';

/**
 * 32 distinct platforms, in the order the benchmark takes them (N = 2 uses the first two).
 * Windows entries differ by `os.version`, as real Windows images of different releases do.
 */
export const PLATFORMS = [
  { os: 'linux', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v8' },
  { os: 'linux', architecture: 'arm', variant: 'v7' },
  { os: 'linux', architecture: 'arm', variant: 'v6' },
  { os: 'linux', architecture: '386' },
  { os: 'linux', architecture: 'ppc64le' },
  { os: 'linux', architecture: 's390x' },
  { os: 'linux', architecture: 'riscv64' },
  { os: 'windows', architecture: 'amd64', 'os.version': '10.0.17763.6414' },
  { os: 'windows', architecture: 'amd64', 'os.version': '10.0.20348.2762' },
  { os: 'windows', architecture: 'amd64', 'os.version': '10.0.26100.2033' },
  { os: 'windows', architecture: 'arm64', variant: 'v8', 'os.version': '10.0.26100.2033' },
  { os: 'linux', architecture: 'arm', variant: 'v5' },
  { os: 'linux', architecture: 'amd64', variant: 'v2' },
  { os: 'linux', architecture: 'amd64', variant: 'v3' },
  { os: 'linux', architecture: 'mips64le' },
  { os: 'linux', architecture: 'mips64' },
  { os: 'linux', architecture: 'mipsle' },
  { os: 'linux', architecture: 'loong64' },
  { os: 'linux', architecture: 'ppc64' },
  { os: 'freebsd', architecture: 'amd64', 'os.version': '14.1' },
  { os: 'freebsd', architecture: 'arm64', variant: 'v8', 'os.version': '14.1' },
  { os: 'freebsd', architecture: 'amd64', 'os.version': '13.4' },
  { os: 'freebsd', architecture: 'riscv64', 'os.version': '14.1' },
  { os: 'openbsd', architecture: 'amd64' },
  { os: 'netbsd', architecture: 'amd64' },
  { os: 'netbsd', architecture: 'arm64', variant: 'v8' },
  { os: 'illumos', architecture: 'amd64' },
  { os: 'solaris', architecture: 'amd64' },
  { os: 'aix', architecture: 'ppc64' },
  { os: 'dragonfly', architecture: 'amd64' },
  { os: 'linux', architecture: 'arm64', variant: 'v9' },
];

/** `os-arch[-variant][-osversion]`, usable in a tag. */
export function platformTag(platform) {
  return [platform.os, platform.architecture, platform.variant, platform['os.version']].filter(Boolean).join('-');
}

/** One tiny image for `platform`, the same bytes on every run (seeded by its tag). */
export function tinyImage(platform) {
  const tag = platformTag(platform);
  return randomImage({ platform, layers: [{ files: [{ name: 'hello', content: `hello from ${tag}\n` }] }], config: { Cmd: ['/hello'] } });
}

/**
 * Pushes one tiny image per platform into `repo` (tag = {@link platformTag}) with the library's
 * client and returns the references, in platform order.
 */
export async function pushChildren(client, repo, platforms) {
  return Promise.all(
    platforms.map(async (platform) => {
      const ref = `${repo}:${platformTag(platform)}`;
      await pushImage(client, ref, tinyImage(platform));
      return ref;
    }),
  );
}
