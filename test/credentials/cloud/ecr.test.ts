/**
 * ECR without docker-credential-ecr-login: the AWS SDK (credentials from the environment, endpoint
 * from AWS_ENDPOINT_URL_ECR) calls GetAuthorizationToken on a local stand-in, and the embedded
 * registry, reached under an ECR host name, accepts `AWS` and the password the stand-in minted;
 * skopeo reads back what was pushed.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, CredentialStore, CredentialsError, RegistryClient } from '../../../src/index.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../../src/registry/index.js';
import { skopeoInspect } from '../../helpers/skopeo.js';
import { loopbackDispatcher, sendJson, setEnv, startStandIn, type StandIn } from './stand-ins.js';

const ACCOUNT = '123456789012';
const REGION = 'us-west-2';
const ACCESS_KEY_ID = 'AKIDSTANDIN0000000000';
const password = `ecr-${randomBytes(12).toString('hex')}`;

let registry: RunningRegistry;
let ecr: StandIn;
let dir: string;
let restoreEnv: () => void;
let refuse = false;
/** True: the stand-in never answers. */
let hang = false;
/** How long the stand-in's tokens last. */
let lifetimeSeconds = 12 * 3600;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp-ecr-'));
  registry = await startRegistry({ auth: { basic: { username: 'AWS', password } } });
  ecr = await startStandIn((request, res) => {
    if (request.headers['x-amz-target'] !== 'AmazonEC2ContainerRegistry_V20150921.GetAuthorizationToken') {
      return sendJson(res, 400, { __type: 'UnknownOperationException' });
    }
    if (hang) return;
    if (refuse) return sendJson(res, 400, { __type: 'AccessDeniedException', message: 'User is not authorized to perform ecr:GetAuthorizationToken' }, { 'content-type': 'application/x-amz-json-1.1' });
    sendJson(
      res,
      200,
      {
        authorizationData: [
          {
            authorizationToken: Buffer.from(`AWS:${password}`).toString('base64'),
            expiresAt: Date.now() / 1000 + lifetimeSeconds,
            proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com`,
          },
        ],
      },
      { 'content-type': 'application/x-amz-json-1.1' },
    );
  });
});

afterAll(async () => {
  await ecr?.close();
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  refuse = false;
  hang = false;
  lifetimeSeconds = 12 * 3600;
  ecr.requests.length = 0;
  restoreEnv = setEnv({
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: 'stand-in-secret-access-key',
    AWS_SESSION_TOKEN: undefined,
    AWS_ENDPOINT_URL_ECR: ecr.url,
    AWS_ENDPOINT_URL: undefined,
    AWS_PROFILE: undefined,
    AWS_REGION: undefined,
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
  });
});
afterEach(() => restoreEnv());

/** The registry as an ECR host: `ACCOUNT.dkr.ecr.REGION.amazonaws.com:PORT`, connected to 127.0.0.1. */
const ecrHost = () => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com:${registry.port}`;
const client = (options: ConstructorParameters<typeof RegistryClient>[0] = {}) =>
  new RegistryClient({ dispatcher: loopbackDispatcher(), insecure: [ecrHost()], dockerConfig: dir, env: {}, retry: false, ...options });

describe('ECR credentials from the AWS SDK', () => {
  it('pushes with the password GetAuthorizationToken minted, asking once for the whole push', async () => {
    const image = randomImage({ platform: 'linux/arm64', layers: 2 });
    const pushed = await pushImage(client(), `${ecrHost()}/team/app:1.0`, image);

    const stored = await skopeoInspect(`docker://${registry.host}/team/app:1.0`, { creds: { username: 'AWS', password } });
    expect(stored['Digest']).toBe(pushed.digest);
    expect(stored['Architecture']).toBe('arm64');

    expect(ecr.requests).toHaveLength(1);
    const [call] = ecr.requests;
    expect(JSON.parse(call!.body)).toEqual({ registryIds: [ACCOUNT] });
    expect(call!.headers['authorization']).toContain(`Credential=${ACCESS_KEY_ID}/`);
    expect(call!.headers['authorization']).toContain(`/${REGION}/ecr/aws4_request`);
  });

  it('is not asked when the credentials option has the registry', async () => {
    const image = randomImage({ platform: 'linux/amd64' });
    await pushImage(client({ credentials: { [ecrHost()]: { username: 'AWS', password } } }), `${ecrHost()}/app:opts`, image);
    expect(ecr.requests).toHaveLength(0);
  });

  it("is not asked when Docker's config.json has the registry", async () => {
    const configDir = join(dir, 'docker-auths');
    await mkdir(configDir, { recursive: true });
    const auth = Buffer.from(`AWS:${password}`).toString('base64');
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [ecrHost()]: { auth } } }));
    await pushImage(client({ dockerConfig: configDir }), `${ecrHost()}/app:config`, randomImage({ platform: 'linux/amd64' }));
    expect(ecr.requests).toHaveLength(0);
  });

  it('asks again once the token is close to expiring', async () => {
    lifetimeSeconds = 2;
    const store = new CredentialStore({ dockerConfig: dir, env: {} });
    const first = await store.resolve(ecrHost());
    expect(first).toMatchObject({ username: 'AWS', password, source: 'cloud', cloud: 'ecr' });
    await store.resolve(ecrHost());
    expect(ecr.requests).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1200));
    await store.resolve(ecrHost());
    expect(ecr.requests).toHaveLength(2);
  });

  it('gives up on an endpoint that does not answer, after helperTimeoutMs', async () => {
    hang = true;
    const store = new CredentialStore({ dockerConfig: dir, env: {}, helperTimeoutMs: 500 });
    const error = await store.resolve(ecrHost()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toBe(`ECR credentials for ${ecrHost()}: the cloud's SDK did not answer within 500 ms`);
  });

  it('is not asked with cloudCredentials: false, and the registry then refuses', async () => {
    const error = await client({ cloudCredentials: false }).getManifest(`${ecrHost()}/team/app:1.0`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect((error as AuthError).message).toContain('no username/password was found');
    expect(ecr.requests).toHaveLength(0);
  });

  it('reports a refused GetAuthorizationToken as a CredentialsError naming the call and the registry', async () => {
    refuse = true;
    const error = await client().getManifest(`${ecrHost()}/team/app:1.0`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    const message = (error as Error).message;
    expect(message).toContain(`ECR GetAuthorizationToken (${REGION}, account ${ACCOUNT}) for ${ecrHost()} failed`);
    expect(message).toContain('AccessDeniedException');
    expect(message).not.toContain('stand-in-secret-access-key');
  });
});
