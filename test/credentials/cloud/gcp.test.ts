/**
 * Artifact Registry without docker-credential-gcr: google-auth-library's Application Default
 * Credentials find a metadata server (GCE_METADATA_HOST pointed at a local stand-in) and its access
 * token goes to the embedded registry, reached under a `*-docker.pkg.dev` host name, as the password
 * of `oauth2accesstoken`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore, RegistryClient } from '../../../src/index.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../../src/registry/index.js';
import { skopeoInspect } from '../../helpers/skopeo.js';
import { loopbackDispatcher, sendJson, setEnv, startStandIn, type StandIn } from './stand-ins.js';

const accessToken = `ya29.stand-in-${randomBytes(12).toString('hex')}`;
const TOKEN_PATH = '/computeMetadata/v1/instance/service-accounts/default/token';

let registry: RunningRegistry;
let metadata: StandIn;
let dir: string;
let restoreEnv: () => void;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp-gcp-'));
  registry = await startRegistry({ auth: { basic: { username: 'oauth2accesstoken', password: accessToken } } });
  metadata = await startStandIn((request, res) => {
    const headers = { 'metadata-flavor': 'Google' };
    if (request.headers['metadata-flavor'] !== 'Google') return sendJson(res, 403, { error: 'missing Metadata-Flavor' }, headers);
    const path = new URL(request.url, 'http://metadata').pathname;
    if (path === TOKEN_PATH) return sendJson(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' }, headers);
    if (path === '/computeMetadata/v1/instance' || path === '/computeMetadata/v1/instance/') return sendJson(res, 200, {}, headers);
    sendJson(res, 404, { error: 'not here' }, headers);
  });
});

afterAll(async () => {
  await metadata?.close();
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  metadata.requests.length = 0;
  restoreEnv = setEnv({
    GCE_METADATA_HOST: metadata.host,
    GCE_METADATA_IP: undefined,
    METADATA_SERVER_DETECTION: undefined,
    GOOGLE_APPLICATION_CREDENTIALS: undefined,
    // Without a project, the library first looks for one (gcloud, then the metadata server), which takes seconds.
    GOOGLE_CLOUD_PROJECT: 'stand-in-project',
    // No gcloud application-default login to find.
    CLOUDSDK_CONFIG: join(dir, 'gcloud'),
    HOME: dir,
  });
});
afterEach(() => restoreEnv());

const garHost = () => `europe-west1-docker.pkg.dev:${registry.port}`;

describe('Artifact Registry credentials from Application Default Credentials', () => {
  it('pushes with the metadata server access token as the password of oauth2accesstoken', async () => {
    const client = new RegistryClient({ dispatcher: loopbackDispatcher(), insecure: [garHost()], dockerConfig: dir, env: {}, retry: false });
    const image = randomImage({ platform: 'linux/amd64' });
    const pushed = await pushImage(client, `${garHost()}/my-project/images/app:1.0`, image);

    const stored = await skopeoInspect(`docker://${registry.host}/my-project/images/app:1.0`, { creds: { username: 'oauth2accesstoken', password: accessToken } });
    expect(stored['Digest']).toBe(pushed.digest);

    const tokenRequests = metadata.requests.filter((r) => r.url.startsWith(TOKEN_PATH));
    expect(tokenRequests).toHaveLength(1);
    expect(decodeURIComponent(tokenRequests[0]!.url)).toContain('https://www.googleapis.com/auth/cloud-platform');
  });

  it('gives gcr.io hosts the same credentials, and says where they came from', async () => {
    const store = new CredentialStore({ dockerConfig: dir, env: {} });
    const found = await store.resolve(`eu.gcr.io:${registry.port}`);
    expect(found).toMatchObject({ username: 'oauth2accesstoken', password: accessToken, source: 'cloud', cloud: 'gcp' });
  });
});

describe('a public Artifact Registry repository when the cloud lookup fails', () => {
  it('is read anonymously, with a warning naming what failed, instead of failing the pull', async () => {
    // Token auth that grants anonymous callers pull, as a public repository does.
    const open = await startRegistry({ auth: { token: { username: 'owner', password: 'owner-secret' } } });
    try {
      const host = `us-docker.pkg.dev:${open.port}`;
      const image = randomImage({ platform: 'linux/arm64' });
      const pusher = new RegistryClient({
        dispatcher: loopbackDispatcher(),
        insecure: [host],
        credentials: { [host]: { username: 'owner', password: 'owner-secret' } },
        dockerConfig: false,
        env: {},
        retry: false,
      });
      const pushed = await pushImage(pusher, `${host}/public/images/app:1.0`, image);
      await pusher.close();
      // The metadata server knows no identity here: every token request fails.
      restoreEnv();
      restoreEnv = setEnv({ GCE_METADATA_HOST: '127.0.0.1:9', GOOGLE_CLOUD_PROJECT: 'stand-in-project', HOME: dir, CLOUDSDK_CONFIG: join(dir, 'none') });
      const warnings: string[] = [];
      const client = new RegistryClient({ dispatcher: loopbackDispatcher(), insecure: [host], dockerConfig: dir, env: {}, retry: false, onWarning: (w) => warnings.push(w) });
      const read = await client.getManifest(`${host}/public/images/app:1.0`);
      expect(read.descriptor.digest).toBe(pushed.digest);
      expect(warnings.join('\n')).toMatch(/going on without credentials for us-docker\.pkg\.dev/);
      await client.close();
    } finally {
      await open.close();
    }
  });
});
