/**
 * Client behaviour behind two rows of the fault matrix that need exact control over the answers:
 * the ambiguous `Range: 0-0` of an upload session after a broken chunk, and the validation of
 * the opt-in `consistency` option. undici MockAgent, network disabled.
 */
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { RegistryClient, contextOf } from '../../src/client.js';
import { ValidationError } from '../../src/errors.js';
import { sha256, useMockRegistry } from '../helpers/mock-registry.js';

const UPLOADS = '/v2/app/blobs/uploads/';
const SESSION = '/v2/app/blobs/uploads/s1';
const BLOB = Buffer.from('thirty-three bytes of blob data!!');
const reset = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

const mock = useMockRegistry();

describe('upload status `Range: 0-0` after a broken first chunk', () => {
  it('is read as an empty session: the chunk is sent again from 0', async () => {
    mock
      .on('POST', UPLOADS, { status: 202, headers: { location: SESSION } })
      .fail('PATCH', SESSION, reset())
      .on('GET', SESSION, { status: 204, headers: { range: '0-0', location: SESSION } })
      .on('PATCH', SESSION, { status: 202, headers: { location: SESSION } }, { persist: true })
      .on('PUT', SESSION, { status: 201 });

    const result = await mock.client({ chunkSize: 16 }).pushBlob('registry.test/app', Readable.from([BLOB]));

    expect(result.digest).toBe(sha256(BLOB));
    expect(mock.filter('PATCH').map((p) => p.headers['content-range'])).toEqual(['0-15', '0-15', '16-31', '32-32']);
  });

  it('is read as one byte once a chunk starting at 0 was refused with 416', async () => {
    mock
      .on('POST', UPLOADS, { status: 202, headers: { location: SESSION } })
      .fail('PATCH', SESSION, reset())
      .on('GET', SESSION, { status: 204, headers: { range: '0-0' } }, { times: 2 })
      .on('PATCH', SESSION, { status: 416, headers: { range: '0-0' }, body: { errors: [{ code: 'BLOB_UPLOAD_INVALID' }] } })
      .on('PATCH', SESSION, { status: 202, headers: { location: SESSION } }, { persist: true })
      .on('PUT', SESSION, { status: 201 });

    const result = await mock.client({ chunkSize: 16 }).pushBlob('registry.test/app', Readable.from([BLOB]));

    expect(result.digest).toBe(sha256(BLOB));
    const patches = mock.filter('PATCH');
    expect(patches.map((p) => p.headers['content-range'])).toEqual(['0-15', '0-15', '1-15', '16-31', '32-32']);
    expect(patches[2]?.body).toEqual(BLOB.subarray(1, 16));
    expect(mock.count('GET', SESSION)).toBe(2);
  });
});

describe('the consistency option', () => {
  it.each([
    [{ retries: -1 }, /consistency.retries/],
    [{ retries: 1.5 }, /consistency.retries/],
    [{ delayMs: Number.NaN }, /consistency.delayMs/],
    [{ delayMs: -5 }, /consistency.delayMs/],
  ])('rejects %o with a ValidationError naming the field', (consistency, message) => {
    expect(() => new RegistryClient({ dockerConfig: false, consistency })).toThrow(ValidationError);
    expect(() => new RegistryClient({ dockerConfig: false, consistency })).toThrow(message);
  });

  it('is off unless given, and has defaults once enabled', () => {
    expect(contextOf(new RegistryClient({ dockerConfig: false })).consistency).toBeUndefined();
    expect(contextOf(new RegistryClient({ dockerConfig: false, consistency: false })).consistency).toBeUndefined();
    expect(contextOf(new RegistryClient({ dockerConfig: false, consistency: {} })).consistency).toEqual({ retries: 3, delayMs: 500 });
    expect(contextOf(new RegistryClient({ dockerConfig: false, consistency: { retries: 0, delayMs: 0 } })).consistency).toEqual({ retries: 0, delayMs: 0 });
  });
});
