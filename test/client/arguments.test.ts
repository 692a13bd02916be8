/**
 * Every public method of RegistryClient checks its arguments at run time, for JavaScript callers
 * the types do not reach: a wrong-typed argument is a ValidationError naming the method, the
 * argument and what was expected, and nothing is sent (an undici MockAgent with the network
 * disabled records every request).
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RegistryClient } from '../../src/client.js';
import { ValidationError, isValidationError } from '../../src/errors.js';
import { MockRegistry, rejection, sha256 } from '../helpers/mock-registry.js';

const DIGEST = sha256('argument checks');
const REPO = 'registry.test/app';

let mock: MockRegistry;
let client: RegistryClient;
beforeEach(() => {
  mock = new MockRegistry();
  client = mock.client();
});
afterEach(async () => {
  await mock.close();
});

/** A call with one wrong argument, and the start of the message it must give. */
interface WrongCall {
  method: keyof RegistryClient;
  args: unknown[];
  message: string;
}

const WRONG_CALLS: WrongCall[] = [
  { method: 'getManifest', args: [42], message: 'getManifest: ref must be a reference string or Reference, got number' },
  { method: 'getManifest', args: [`${REPO}:1`, 'application/json'], message: 'getManifest: options must be an object or undefined, got string' },
  { method: 'headManifest', args: [null], message: 'headManifest: ref must be a reference string or Reference, got null' },
  { method: 'manifestExists', args: [{ repo: 'app' }], message: 'manifestExists: ref must be a reference string or Reference, got object' },
  { method: 'putManifest', args: [`${REPO}:1`, '{"schemaVersion":2}'], message: 'putManifest: bytes must be a Buffer or Uint8Array, got string' },
  { method: 'putManifest', args: [undefined, Buffer.from('{}')], message: 'putManifest: ref must be a reference string or Reference, got undefined' },
  { method: 'deleteManifest', args: [[`${REPO}:1`]], message: 'deleteManifest: ref must be a reference string or Reference, got array' },
  { method: 'deleteManifest', args: [`${REPO}:1`, { signal: 'stop' }], message: 'deleteManifest: options.signal must be an AbortSignal, got string' },
  { method: 'deleteTag', args: [42], message: 'deleteTag: ref must be a reference string or Reference, got number' },
  { method: 'deleteTag', args: [`${REPO}:1`, 'now'], message: 'deleteTag: options must be an object or undefined, got string' },
  { method: 'deleteTag', args: [`${REPO}@${DIGEST}`], message: `deleteTag: ${REPO}@${DIGEST} has a digest; deleteTag removes a tag only (deleteManifest deletes a manifest by digest)` },
  { method: 'deleteTag', args: [REPO], message: `deleteTag: ${REPO} names no tag` },
  { method: 'headBlob', args: [42, DIGEST], message: 'headBlob: repo must be a reference string or Reference' },
  { method: 'headBlob', args: [REPO, 42], message: 'headBlob: digest must be a digest string or Descriptor' },
  { method: 'blobExists', args: [REPO, true], message: 'blobExists: digest must be a digest string or Descriptor' },
  { method: 'getBlob', args: [REPO, DIGEST, 'fast'], message: 'getBlob: options must be an object or undefined, got string' },
  { method: 'getBlobBytes', args: [Symbol('blob')], message: 'getBlobBytes: repo must be a reference string or Reference' },
  { method: 'getBlobBytes', args: [`${REPO}@${DIGEST}`, { limit: '4 MiB' }], message: 'getBlobBytes: options.limit must be a non-negative number, got string' },
  { method: 'pushBlob', args: [REPO, 42], message: 'pushBlob: data must be a Buffer or Uint8Array, a file path (string or { path }), a Readable or an AsyncIterable of Uint8Array, got number' },
  { method: 'pushBlob', args: [{}, Buffer.from('x')], message: 'pushBlob: repo must be a reference string or Reference, got object' },
  { method: 'mountBlob', args: [`${REPO}@${DIGEST}`], message: 'mountBlob: options must be an object, got undefined' },
  { method: 'mountBlob', args: [REPO, DIGEST, { from: 7 }], message: 'mountBlob: options.from must be a reference string or Reference, got number' },
  { method: 'copyBlob', args: [REPO, 5, DIGEST], message: 'copyBlob: to must be a reference string or Reference, got number' },
  { method: 'copyBlob', args: [5, REPO, DIGEST], message: 'copyBlob: from must be a reference string or Reference' },
  { method: 'listReferrers', args: [1], message: 'listReferrers: subject must be a reference string or Reference, got number' },
  { method: 'pushArtifact', args: [{ subject: `${REPO}:1`, artifactType: 'sbom' }], message: 'pushArtifact: options.artifactType must be a media type such as "application/vnd.example.sbom.v1+json", got string' },
  { method: 'listTags', args: [new Date()], message: 'listTags: repo must be a reference string or Reference' },
  { method: 'catalog', args: [{ registry: 'registry.test' }], message: 'catalog: registry must be a registry host string such as "ghcr.io", got object' },
  { method: 'checkLogin', args: [42], message: 'checkLogin: registry must be a registry host string such as "ghcr.io", got number' },
  { method: 'checkLogin', args: ['registry.test', 'now'], message: 'checkLogin: options must be an object or undefined, got string' },
  { method: 'pushManifestList', args: ['registry.test/app:1'], message: 'pushManifestList: spec must be a manifest list spec object ({ image, manifests }), got string' },
  { method: 'inspect', args: [12], message: 'inspect: ref must be a reference string or Reference, got number' },
  { method: 'tag', args: ['registry.test/app:1', 7], message: 'tag: tags[0] must be a tag string, got number' },
  { method: 'tag', args: ['registry.test/app:1', '2', { signal: 'soon' }], message: 'tag: options.signal must be an AbortSignal, got string' },
  { method: 'tag', args: ['registry.test/app:1', { signal: new AbortController().signal }, '2'], message: 'tag: tags[0] must be a tag string, got object' },
  { method: 'resolvePlatform', args: ['registry.test/app:1', 64], message: "resolvePlatform: platform must be a platform string such as 'linux/arm64' or a Platform, got number" },
  { method: 'createManifestList', args: [{ tags: 'registry.test/app:1', sources: [] }], message: 'createManifestList: options.tags must be a list of references' },
  { method: 'editManifestList', args: ['registry.test/app:1', { remove: 'linux/amd64' }], message: 'editManifestList: options.remove must be a list of platforms or digests, got string' },
  { method: 'copy', args: [42, 'registry.test/b:1'], message: "copy: source must be a reference string or Reference, or 'oci:DIR[:TAG]' for an OCI image layout, got number" },
  { method: 'copy', args: ['registry.test/a:1', 'registry.test/b:1', { platforms: 'linux/amd64' }], message: 'copy: options.platforms must be a list of platforms such as ["linux/amd64"], got string' },
  { method: 'copy', args: ['registry.test/a:1', 'registry.test/b:1', { referrer: true }], message: 'copy: unknown option "referrer" in options' },
  { method: 'withConsistencyRetry', args: [Promise.resolve(1)], message: 'withConsistencyRetry: operation must be a function that returns a Promise, got Promise' },
];

describe('argument checks of RegistryClient methods', () => {
  it.each(WRONG_CALLS)('$method($args.0, …): $message', async ({ method, args, message }) => {
    const call = client[method] as (...a: unknown[]) => Promise<unknown>;
    const error = await rejection(call.apply(client, args));
    expect(error).toBeInstanceOf(ValidationError);
    expect(isValidationError(error)).toBe(true);
    expect(error.message.startsWith(message)).toBe(true);
    expect(mock.requests).toHaveLength(0);
  });

  it('covers every public method', () => {
    const methods = Object.getOwnPropertyNames(RegistryClient.prototype).filter(
      (name) => name !== 'constructor' && typeof Object.getOwnPropertyDescriptor(RegistryClient.prototype, name)?.value === 'function',
    );
    const checked = new Set(WRONG_CALLS.map((call) => call.method));
    expect(methods.filter((name) => name !== 'close' && !checked.has(name as keyof RegistryClient))).toEqual([]);
  });

  it('rejects the returned promise rather than throwing, as the calls that reach a registry do', () => {
    const call = client.getManifest as (...a: unknown[]) => Promise<unknown>;
    const result = call.call(client, 42);
    expect(result).toBeInstanceOf(Promise);
    return expect(result).rejects.toThrow(ValidationError);
  });
});

describe('option checks of new RegistryClient', () => {
  it.each([
    [{ credentials: 'me:secret' }, 'new RegistryClient: options.credentials must be an object of credentials by registry'],
    [{ dockerConfig: true }, 'new RegistryClient: options.dockerConfig must be a path string or false, got boolean'],
    [{ insecure: 'localhost:5000' }, 'new RegistryClient: options.insecure must be true, false, a list of host[:port] strings or a function, got string'],
    [{ trustedTokenRealms: [1] }, 'new RegistryClient: options.trustedTokenRealms must be a list of host[:port] strings, got array'],
    [{ dispatcher: {} }, 'new RegistryClient: options.dispatcher must be an undici Dispatcher, got object'],
    [{ userAgent: 1 }, 'new RegistryClient: options.userAgent must be a string, got number'],
    [{ retry: 3 }, 'new RegistryClient: options.retry must be false or retry options: retries a non-negative integer, minDelayMs, maxDelayMs and maxRetryAfterMs non-negative numbers of ms, statuses a list of HTTP statuses, got number'],
    [{ maxManifestBytes: '4MiB' }, 'new RegistryClient: options.maxManifestBytes must be a positive integer, got string'],
    [{ chunkSize: 1.5 }, 'new RegistryClient: options.chunkSize must be a positive integer, got number'],
    [{ concurrency: 0 }, 'new RegistryClient: options.concurrency must be a positive integer, got number'],
    [{ transferConcurrency: -1 }, 'new RegistryClient: options.transferConcurrency must be a positive integer, got number'],
    [{ headersTimeoutMs: '60s' }, 'new RegistryClient: options.headersTimeoutMs must be a non-negative number of milliseconds, got string'],
    [{ bodyTimeoutMs: Number.NaN }, 'new RegistryClient: options.bodyTimeoutMs must be a non-negative number of milliseconds, got number'],
    [{ onWarning: 'log' }, 'new RegistryClient: options.onWarning must be a function, got string'],
    [{ onRetry: {} }, 'new RegistryClient: options.onRetry must be a function, got object'],
    [{ env: 'production' }, 'new RegistryClient: options.env must be an object of environment variables, got string'],
    [{ consistency: true }, 'new RegistryClient: options.consistency must be { retries, delayMs } or false, got boolean'],
    [{ retry: { retries: Number.NaN } }, 'new RegistryClient: options.retry must be false or retry options: retries a non-negative integer'],
    [{ retry: { minDelayMs: -1 } }, 'new RegistryClient: options.retry must be false or retry options'],
    [{ retry: { maxDelayMs: '10s' } }, 'new RegistryClient: options.retry must be false or retry options'],
    [{ retry: { statuses: [503, 'x'] } }, 'new RegistryClient: options.retry must be false or retry options'],
    [{ retry: { retrys: 3 } }, 'new RegistryClient: options.retry must be false or retry options'],
    [{ user: 'me' }, 'new RegistryClient: unknown option "user" in options'],
  ])('%o', (options, message) => {
    expect(() => new RegistryClient({ dockerConfig: false, ...options } as never)).toThrow(message);
  });

  it('refuses options that are not an object', () => {
    expect(() => new RegistryClient('ghcr.io' as never)).toThrow('new RegistryClient: options must be an object or undefined, got string');
  });

  it('accepts every documented option, and undefined for any of them', () => {
    expect(
      () =>
        new RegistryClient({
          credentials: { 'ghcr.io': { username: 'me', password: 'secret' } },
          dockerConfig: false,
          insecure: ['localhost:5000'],
          trustedTokenRealms: ['auth.example.com'],
          dispatcher: mock.agent,
          userAgent: undefined,
          retry: { retries: 1, minDelayMs: 0, maxDelayMs: 100, maxRetryAfterMs: 1000, statuses: [503] },
          maxManifestBytes: 1024,
          chunkSize: 1024,
          concurrency: 2,
          transferConcurrency: 1,
          headersTimeoutMs: 0,
          bodyTimeoutMs: 1000,
          onWarning: () => undefined,
          onRetry: () => undefined,
          env: {},
          consistency: false,
        }),
    ).not.toThrow();
  });
});
