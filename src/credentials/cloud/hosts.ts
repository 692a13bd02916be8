/**
 * Which cloud a registry host belongs to. Pure: the host is compared without its port, so a
 * stand-in reached as `host:port` is classified as the cloud host it names.
 */

/** A registry host recognised as one cloud's, with what that cloud's token request needs. */
export type CloudRegistry =
  | { cloud: 'ecr'; host: string; accountId: string; region: string }
  | { cloud: 'gcp'; host: string }
  | { cloud: 'acr'; host: string; armScope: string };

/** `123456789012.dkr.ecr.us-east-1.amazonaws.com`, `….dkr.ecr-fips.…`, and China's `.amazonaws.com.cn`. */
const ECR_HOST = /^(\d{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;
/** Artifact Registry (`europe-west1-docker.pkg.dev`) and Container Registry (`gcr.io`, `eu.gcr.io`, …). */
const GCP_HOST = /^(?:[a-z0-9-]+-docker\.pkg\.dev|(?:[a-z0-9-]+\.)?gcr\.io)$/;
/** `myregistry.azurecr.io` and the sovereign clouds' suffixes. */
const ACR_HOST = /^[a-z0-9-]+\.azurecr\.(io|cn|us)$/;

/** The Azure Resource Manager audience of each cloud, which ACR's token exchange accepts. */
const ARM_SCOPE_BY_SUFFIX: Record<string, string> = {
  io: 'https://management.azure.com/.default',
  cn: 'https://management.chinacloudapi.cn/.default',
  us: 'https://management.usgovcloudapi.net/.default',
};

/** The cloud behind `registry` (`host` or `host:port`, as references name it), or undefined for any other registry. */
export function cloudRegistryOf(registry: string): CloudRegistry | undefined {
  const host = withoutPort(registry.toLowerCase());
  const ecr = ECR_HOST.exec(host);
  if (ecr) return { cloud: 'ecr', host, accountId: ecr[1]!, region: ecr[2]! };
  if (GCP_HOST.test(host)) return { cloud: 'gcp', host };
  const acr = ACR_HOST.exec(host);
  if (acr) return { cloud: 'acr', host, armScope: ARM_SCOPE_BY_SUFFIX[acr[1]!]! };
  return undefined;
}

function withoutPort(host: string): string {
  if (host.startsWith('[')) return host;
  const colon = host.lastIndexOf(':');
  return colon >= 0 ? host.slice(0, colon) : host;
}
