/**
 * ACR without docker-credential-acr-env: @azure/identity's DefaultAzureCredential gets an Azure AD
 * token from a managed-identity stand-in (App Service's IDENTITY_ENDPOINT), the client exchanges it
 * at the embedded registry's /oauth2/exchange for a refresh token, and the refresh token buys access
 * tokens at /oauth2/token. A refresh token in config.json (`identitytoken`, as `az acr login`
 * writes it) goes through the same refresh flow.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AuthError, CredentialsError, RegistryClient } from '../../../src/index.js';
import { pushImage, randomImage, startRegistry, type RunningRegistry } from '../../../src/registry/index.js';
import { loopbackDispatcher, sendJson, setEnv, startStandIn, type StandIn } from './stand-ins.js';

const ACR_USER = '00000000-0000-0000-0000-000000000000';
const SERVICE = 'contoso.azurecr.io';
const TENANT = '72f988bf-0000-0000-0000-stand-in0000';
const IDENTITY_HEADER = `header-${randomBytes(6).toString('hex')}`;
const jwtPart = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
/** An Azure AD access token as the stand-in mints it: a JWT-shaped string whose `tid` names the tenant. */
const aadToken = `${jwtPart({ alg: 'none', typ: 'JWT' })}.${jwtPart({ tid: TENANT, aud: 'https://management.azure.com/' })}.${randomBytes(16).toString('base64url')}`;

let registry: RunningRegistry;
let identity: StandIn;
let dir: string;
let restoreEnv: () => void;
/** False: the registry accepts no Azure AD token (the SDK caches its token for the process, so the token cannot vary). */
let acceptExchange = true;
const exchanges: Array<{ token: string; tenant: string | undefined }> = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mp-acr-'));
  registry = await startRegistry({
    auth: {
      token: {
        // Anonymous callers get pull only; pushing needs what the exchange grants.
        username: 'admin',
        password: randomBytes(12).toString('hex'),
        service: SERVICE,
        oauth2Exchange: {
          acceptAccessToken: (token, tenant) => {
            exchanges.push({ token, tenant });
            return acceptExchange && token === aadToken;
          },
        },
      },
    },
  });
  identity = await startStandIn((request, res) => {
    if (request.headers['x-identity-header'] !== IDENTITY_HEADER) return sendJson(res, 401, { error: 'bad identity header' });
    const resource = new URL(request.url, 'http://identity').searchParams.get('resource');
    sendJson(res, 200, {
      access_token: aadToken,
      expires_on: String(Math.floor(Date.now() / 1000) + 3600),
      resource,
      token_type: 'Bearer',
    });
  });
});

afterAll(async () => {
  await identity?.close();
  await registry?.close();
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  acceptExchange = true;
  exchanges.length = 0;
  identity.requests.length = 0;
  restoreEnv = setEnv({
    IDENTITY_ENDPOINT: `${identity.url}/msi/token`,
    IDENTITY_HEADER,
    MSI_ENDPOINT: undefined,
    MSI_SECRET: undefined,
    IDENTITY_SERVER_THUMBPRINT: undefined,
    IMDS_ENDPOINT: undefined,
    AZURE_CLIENT_ID: undefined,
    AZURE_TENANT_ID: undefined,
    AZURE_CLIENT_SECRET: undefined,
    AZURE_CLIENT_CERTIFICATE_PATH: undefined,
    AZURE_USERNAME: undefined,
    AZURE_FEDERATED_TOKEN_FILE: undefined,
    AZURE_TOKEN_CREDENTIALS: undefined,
  });
});
afterEach(() => restoreEnv());

const acrHost = () => `${SERVICE}:${registry.port}`;
const client = (options: ConstructorParameters<typeof RegistryClient>[0] = {}) =>
  new RegistryClient({ dispatcher: loopbackDispatcher(), insecure: [acrHost()], dockerConfig: dir, env: {}, retry: false, ...options });

async function exchangeDirectly(): Promise<string> {
  const form = new URLSearchParams({ grant_type: 'access_token', service: SERVICE, access_token: aadToken });
  const response = await fetch(`${registry.url}/oauth2/exchange`, { method: 'POST', body: form });
  expect(response.status).toBe(200);
  return ((await response.json()) as { refresh_token: string }).refresh_token;
}

describe('ACR credentials from an Azure AD token exchanged at /oauth2/exchange', () => {
  it('pushes with the refresh token the exchange minted, asking Azure AD for the ARM audience once', async () => {
    const image = randomImage({ platform: 'linux/arm64' });
    const pushed = await pushImage(client(), `${acrHost()}/samples/app:1.0`, image);

    const refreshToken = await exchangeDirectly();
    const reader = new RegistryClient({ credentials: { [registry.host]: { identityToken: refreshToken } }, retry: false });
    expect((await reader.getManifest(`${registry.host}/samples/app:1.0`)).descriptor.digest).toBe(pushed.digest);

    expect(identity.requests).toHaveLength(1);
    expect(new URL(identity.requests[0]!.url, 'http://identity').searchParams.get('resource')).toBe('https://management.azure.com');
    expect(exchanges[0]).toEqual({ token: aadToken, tenant: TENANT });
  });

  it('exchanges an identitytoken from config.json through the refresh flow, with no Azure AD request', async () => {
    const refreshToken = await exchangeDirectly();
    const configDir = join(dir, 'docker-identitytoken');
    await mkdir(configDir, { recursive: true });
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [acrHost()]: { username: ACR_USER, identitytoken: refreshToken } } }));

    const image = randomImage({ platform: 'linux/amd64' });
    const pushed = await pushImage(client({ dockerConfig: configDir }), `${acrHost()}/samples/app:config`, image);
    expect((await client({ dockerConfig: configDir }).getManifest(`${acrHost()}/samples/app:config`)).descriptor.digest).toBe(pushed.digest);
    expect(identity.requests).toHaveLength(0);
  });

  it('says the registry refused the exchange when it does not accept the Azure AD token', async () => {
    acceptExchange = false;
    const error = await pushImage(client(), `${acrHost()}/samples/app:refused`, randomImage({ platform: 'linux/amd64' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsError);
    expect((error as Error).message).toContain(`exchange an Azure AD token for a refresh token of ${acrHost()}: the registry answered HTTP 401 to /oauth2/exchange`);
    expect((error as Error).message).not.toContain(aadToken);
    expect(exchanges).toEqual([{ token: aadToken, tenant: TENANT }]);
  });

  it('without cloud credentials, an anonymous push is refused', async () => {
    const error = await pushImage(client({ cloudCredentials: false }), `${acrHost()}/samples/app:anon`, randomImage({ platform: 'linux/amd64' })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(identity.requests).toHaveLength(0);
  });
});

describe('the embedded registry\'s /oauth2/exchange', () => {
  it('is not served by a registry without the oauth2Exchange option', async () => {
    const plain = await startRegistry({ auth: { token: {} } });
    try {
      const form = new URLSearchParams({ grant_type: 'access_token', service: 'multiplatform', access_token: aadToken });
      expect((await fetch(`${plain.url}/oauth2/exchange`, { method: 'POST', body: form })).status).toBe(404);
    } finally {
      await plain.close();
    }
  });

  it('refuses a form without an access token or for another service', async () => {
    const post = (fields: Record<string, string>) => fetch(`${registry.url}/oauth2/exchange`, { method: 'POST', body: new URLSearchParams(fields) });
    expect((await post({ grant_type: 'access_token', service: SERVICE })).status).toBe(400);
    expect((await post({ grant_type: 'access_token', service: 'other.azurecr.io', access_token: aadToken })).status).toBe(400);
    expect((await post({ grant_type: 'password', service: SERVICE, access_token: aadToken })).status).toBe(400);
  });
});
