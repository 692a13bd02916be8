import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRegistry, type RunningRegistry } from '../../src/registry/index.js';
import { codes, pushBlob, raw, sha256 } from '../helpers/registry-helpers.js';

let registry: RunningRegistry;
beforeAll(async () => {
  registry = await startRegistry();
});
afterAll(async () => {
  await registry.close();
});

describe('base endpoint', () => {
  it('answers GET /v2/ with 200 and the API version header', async () => {
    const res = await raw(registry, '/v2/');
    expect(res.status).toBe(200);
    expect(res.headers['docker-distribution-api-version']).toBe('registry/2.0');
    expect(res.json()).toEqual({});
    expect(registry.url).toBe(`http://127.0.0.1:${registry.port}`);
    expect(registry.host).toBe(`127.0.0.1:${registry.port}`);
  });
});

describe('blob reads', () => {
  const content = Buffer.from('0123456789abcdefghij');
  let digest: string;
  beforeAll(async () => {
    digest = await pushBlob(registry, 'reads/app', content);
  });

  it('GET returns the bytes with digest, length and type headers', async () => {
    const res = await raw(registry, `/v2/reads/app/blobs/${digest}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual(content);
    expect(res.headers['docker-content-digest']).toBe(digest);
    expect(res.headers['content-length']).toBe(String(content.length));
    expect(res.headers['content-type']).toBe('application/octet-stream');
  });

  it('HEAD returns the headers and no body', async () => {
    const res = await raw(registry, `/v2/reads/app/blobs/${digest}`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers['content-length']).toBe('20');
    expect(res.headers['docker-content-digest']).toBe(digest);
    expect(res.body.length).toBe(0);
  });

  it.each([
    ['bytes=5-', 5, 19],
    ['bytes=5-9', 5, 9],
    ['bytes=15-100', 15, 19],
    ['bytes=-4', 16, 19],
  ])('Range %s answers 206 with the slice', async (range, start, end) => {
    const res = await raw(registry, `/v2/reads/app/blobs/${digest}`, { headers: { Range: range } });
    expect(res.status).toBe(206);
    expect(res.body).toEqual(content.subarray(start, end + 1));
    expect(res.headers['content-range']).toBe(`bytes ${start}-${end}/20`);
    expect(res.headers['content-length']).toBe(String(end - start + 1));
  });

  it('an unsatisfiable Range answers 416 with the size', async () => {
    const res = await raw(registry, `/v2/reads/app/blobs/${digest}`, { headers: { Range: 'bytes=20-' } });
    expect(res.status).toBe(416);
    expect(res.headers['content-range']).toBe('bytes */20');
  });

  it('a Range it does not honour (several ranges) gets the whole blob', async () => {
    const res = await raw(registry, `/v2/reads/app/blobs/${digest}`, { headers: { Range: 'bytes=0-1,4-5' } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual(content);
  });

  it('an unknown blob is BLOB_UNKNOWN, an unknown repository NAME_UNKNOWN', async () => {
    const other = sha256('nothing');
    const unknownBlob = await raw(registry, `/v2/reads/app/blobs/${other}`);
    expect(unknownBlob.status).toBe(404);
    expect(codes(unknownBlob)).toEqual(['BLOB_UNKNOWN']);
    const unknownRepo = await raw(registry, `/v2/reads/nope/blobs/${digest}`);
    expect(unknownRepo.status).toBe(404);
    expect(codes(unknownRepo)).toEqual(['NAME_UNKNOWN']);
    expect((await raw(registry, `/v2/reads/app/blobs/${other}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('a blob pushed to one repository is not visible from another', async () => {
    await pushBlob(registry, 'reads/other', 'something else');
    const res = await raw(registry, `/v2/reads/other/blobs/${digest}`);
    expect(res.status).toBe(404);
    expect(codes(res)).toEqual(['BLOB_UNKNOWN']);
  });

  it('a malformed digest is DIGEST_INVALID', async () => {
    for (const bad of ['sha256:abc', 'md5:' + 'a'.repeat(32), 'sha256:' + 'A'.repeat(64), 'nodigest']) {
      const res = await raw(registry, `/v2/reads/app/blobs/${bad}`);
      expect(res.status, bad).toBe(400);
      expect(codes(res)).toEqual(['DIGEST_INVALID']);
    }
  });
});

describe('blob delete', () => {
  it('removes the blob from the repository only', async () => {
    const content = 'shared content';
    const digest = await pushBlob(registry, 'del/a', content);
    await pushBlob(registry, 'del/b', content);
    const res = await raw(registry, `/v2/del/a/blobs/${digest}`, { method: 'DELETE' });
    expect(res.status).toBe(202);
    expect((await raw(registry, `/v2/del/a/blobs/${digest}`)).status).toBe(404);
    const stillThere = await raw(registry, `/v2/del/b/blobs/${digest}`);
    expect(stillThere.status).toBe(200);
    expect(stillThere.text).toBe(content);
    const again = await raw(registry, `/v2/del/a/blobs/${digest}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(codes(again)).toEqual(['BLOB_UNKNOWN']);
  });
});

describe('uploads', () => {
  async function startSession(repo: string, query = ''): Promise<string> {
    const res = await raw(registry, `/v2/${repo}/blobs/uploads/${query}`, { method: 'POST', headers: { 'Content-Length': 0 } });
    expect(res.status).toBe(202);
    expect(res.headers.location).toMatch(new RegExp(`^/v2/${repo}/blobs/uploads/[0-9a-f-]+$`));
    expect(res.headers['docker-upload-uuid']).toBe(res.headers.location?.split('/').pop());
    expect(res.headers.range).toBe('0-0');
    return res.headers.location as string;
  }

  it('monolithic POST ?digest= stores the blob (201 + Location + digest)', async () => {
    const content = Buffer.from('monolithic');
    const digest = sha256(content);
    const res = await raw(registry, `/v2/up/mono/blobs/uploads/?digest=${digest}`, { method: 'POST', body: content });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v2/up/mono/blobs/${digest}`);
    expect(res.headers['docker-content-digest']).toBe(digest);
    expect((await raw(registry, res.headers.location as string)).body).toEqual(content);
  });

  it('POST then PUT with the whole body', async () => {
    const location = await startSession('up/postput');
    const content = Buffer.from('post then put');
    const digest = sha256(content);
    const res = await raw(registry, `${location}?digest=${digest}`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: content,
    });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v2/up/postput/blobs/${digest}`);
    expect((await raw(registry, `/v2/up/postput/blobs/${digest}`)).body).toEqual(content);
    const gone = await raw(registry, location);
    expect(gone.status).toBe(404);
    expect(codes(gone)).toEqual(['BLOB_UPLOAD_UNKNOWN']);
  });

  it('chunked PATCH with Content-Range, status GET, out-of-order 416, then PUT without body', async () => {
    const location = await startSession('up/chunks');
    const content = Buffer.from('first-chunk|second-chunk|third');
    const first = content.subarray(0, 12);
    const second = content.subarray(12, 25);
    const third = content.subarray(25);

    const p1 = await raw(registry, location, { method: 'PATCH', headers: { 'Content-Range': `0-11`, 'Content-Type': 'application/octet-stream' }, body: first });
    expect(p1.status).toBe(202);
    expect(p1.headers.range).toBe('0-11');
    expect(p1.headers.location).toBe(location);

    const outOfOrder = await raw(registry, location, { method: 'PATCH', headers: { 'Content-Range': `20-29` }, body: Buffer.alloc(10) });
    expect(outOfOrder.status).toBe(416);
    expect(outOfOrder.headers.range).toBe('0-11');
    expect(codes(outOfOrder)).toEqual(['BLOB_UPLOAD_INVALID']);

    const status = await raw(registry, location);
    expect(status.status).toBe(204);
    expect(status.headers.range).toBe('0-11');
    expect(status.headers.location).toBe(location);

    const p2 = await raw(registry, location, { method: 'PATCH', headers: { 'Content-Range': `12-24` }, body: second });
    expect(p2.status).toBe(202);
    expect(p2.headers.range).toBe('0-24');
    // The spec's chunk range is `start-end`; the 206 form `bytes start-end/total` is refused and changes nothing.
    const httpForm = await raw(registry, location, { method: 'PATCH', headers: { 'Content-Range': 'bytes 25-29/*' }, body: third });
    expect(httpForm.status).toBe(400);
    expect(httpForm.json().errors[0].code).toBe('BLOB_UPLOAD_INVALID');
    const p3 = await raw(registry, location, { method: 'PATCH', headers: { 'Content-Range': 'bytes=25-29' }, body: third });
    expect(p3.status).toBe(202);
    expect(p3.headers.range).toBe('0-29');

    const digest = sha256(content);
    const done = await raw(registry, `${location}?digest=${digest}`, { method: 'PUT', headers: { 'Content-Length': 0 } });
    expect(done.status).toBe(201);
    expect((await raw(registry, `/v2/up/chunks/blobs/${digest}`)).body).toEqual(content);
  });

  it('PATCH without Content-Range appends a streamed (chunked transfer) body; the last chunk may come with PUT', async () => {
    const location = await startSession('up/stream');
    const pieces = [Buffer.from('alpha-'), Buffer.from('beta-'), Buffer.from('gamma-')];
    const patch = await raw(registry, location, { method: 'PATCH', body: pieces });
    expect(patch.status).toBe(202);
    expect(patch.headers.range).toBe(`0-${Buffer.concat(pieces).length - 1}`);
    const last = Buffer.from('delta');
    const content = Buffer.concat([...pieces, last]);
    const put = await raw(registry, `${location}?digest=${sha256(content)}`, {
      method: 'PUT',
      headers: { 'Content-Range': `${content.length - last.length}-${content.length - 1}` },
      body: last,
    });
    expect(put.status).toBe(201);
    expect((await raw(registry, `/v2/up/stream/blobs/${sha256(content)}`)).body).toEqual(content);
  });

  it('a PUT whose final chunk is out of order is 416 and the upload continues', async () => {
    const location = await startSession('up/putrange');
    await raw(registry, location, { method: 'PATCH', body: 'abc' });
    const bad = await raw(registry, `${location}?digest=${sha256('abcdef')}`, { method: 'PUT', headers: { 'Content-Range': '4-6' }, body: 'def' });
    expect(bad.status).toBe(416);
    const good = await raw(registry, `${location}?digest=${sha256('abcdef')}`, { method: 'PUT', headers: { 'Content-Range': '3-5' }, body: 'def' });
    expect(good.status).toBe(201);
  });

  it('a chunk shorter than its Content-Range is refused and rolled back', async () => {
    const location = await startSession('up/short');
    const res = await raw(registry, location, { method: 'PATCH', headers: { 'Content-Range': '0-9' }, body: [Buffer.from('abc')] });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['SIZE_INVALID']);
    const status = await raw(registry, location);
    expect(status.headers.range).toBe('0-0');
    // the session still works, and the digest is computed over what is really stored
    await raw(registry, location, { method: 'PATCH', headers: { 'Content-Range': '0-2' }, body: 'xyz' });
    const put = await raw(registry, `${location}?digest=${sha256('xyz')}`, { method: 'PUT' });
    expect(put.status).toBe(201);
  });

  it('Content-Length disagreeing with Content-Range is SIZE_INVALID', async () => {
    const location = await startSession('up/cl');
    const res = await raw(registry, location, { method: 'PATCH', headers: { 'Content-Range': '0-9', 'Content-Length': 3 }, body: 'abc' });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['SIZE_INVALID']);
  });

  it('a digest mismatch stores nothing and ends the session', async () => {
    const location = await startSession('up/mismatch');
    const wrong = sha256('something else');
    const res = await raw(registry, `${location}?digest=${wrong}`, { method: 'PUT', body: 'actual content' });
    expect(res.status).toBe(400);
    expect(codes(res)).toEqual(['DIGEST_INVALID']);
    expect((await raw(registry, `/v2/up/mismatch/blobs/${wrong}`)).status).toBe(404);
    expect((await raw(registry, `/v2/up/mismatch/blobs/${sha256('actual content')}`)).status).toBe(404);
    expect((await raw(registry, location)).status).toBe(404);

    const mono = await raw(registry, `/v2/up/mismatch/blobs/uploads/?digest=${wrong}`, { method: 'POST', body: 'other bytes' });
    expect(mono.status).toBe(400);
    expect(codes(mono)).toEqual(['DIGEST_INVALID']);
    expect((await raw(registry, `/v2/up/mismatch/blobs/${sha256('other bytes')}`)).status).toBe(404);
  });

  it('PUT without or with a bad digest is DIGEST_INVALID and keeps the session', async () => {
    const location = await startSession('up/nodigest');
    const missing = await raw(registry, location, { method: 'PUT', body: 'abc' });
    expect(missing.status).toBe(400);
    expect(codes(missing)).toEqual(['DIGEST_INVALID']);
    const bad = await raw(registry, `${location}?digest=sha256:xyz`, { method: 'PUT', body: 'abc' });
    expect(codes(bad)).toEqual(['DIGEST_INVALID']);
    expect((await raw(registry, location)).status).toBe(204);
  });

  it('sha512 content via digest-algorithm and a sha512 digest', async () => {
    const location = await startSession('up/sha512', '?digest-algorithm=sha512');
    const { createHash } = await import('node:crypto');
    const content = 'sha512 content';
    const digest = `sha512:${createHash('sha512').update(content).digest('hex')}`;
    await raw(registry, location, { method: 'PATCH', body: content });
    const res = await raw(registry, `${location}?digest=${digest}`, { method: 'PUT' });
    expect(res.status).toBe(201);
    expect((await raw(registry, `/v2/up/sha512/blobs/${digest}`)).text).toBe(content);
    const unsupported = await raw(registry, '/v2/up/sha512/blobs/uploads/?digest-algorithm=md5', { method: 'POST' });
    expect(unsupported.status).toBe(400);
    expect(codes(unsupported)).toEqual(['DIGEST_INVALID']);
  });

  it('a sha256 session can still be completed with a sha512 digest (re-hashed)', async () => {
    const location = await startSession('up/rehash');
    const { createHash } = await import('node:crypto');
    await raw(registry, location, { method: 'PATCH', body: 'rehash me' });
    const digest = `sha512:${createHash('sha512').update('rehash me').digest('hex')}`;
    expect((await raw(registry, `${location}?digest=${digest}`, { method: 'PUT' })).status).toBe(201);
  });

  it('DELETE cancels the upload', async () => {
    const location = await startSession('up/cancel');
    await raw(registry, location, { method: 'PATCH', body: 'partial' });
    const res = await raw(registry, location, { method: 'DELETE' });
    expect(res.status).toBe(204);
    const after = await raw(registry, location, { method: 'PATCH', body: 'more' });
    expect(after.status).toBe(404);
    expect(codes(after)).toEqual(['BLOB_UPLOAD_UNKNOWN']);
    expect((await raw(registry, location, { method: 'DELETE' })).status).toBe(404);
  });

  it('an upload location is unknown under another repository', async () => {
    const location = await startSession('up/owner');
    const res = await raw(registry, location.replace('up/owner', 'up/thief'));
    expect(res.status).toBe(404);
    expect(codes(res)).toEqual(['BLOB_UPLOAD_UNKNOWN']);
  });

  it('the same content pushed twice is stored once and stays readable', async () => {
    const a = await pushBlob(registry, 'up/dup', 'dup content');
    const b = await pushBlob(registry, 'up/dup', 'dup content');
    expect(a).toBe(b);
    expect((await raw(registry, `/v2/up/dup/blobs/${a}`)).text).toBe('dup content');
  });

  it('an empty blob can be pushed and read', async () => {
    const digest = await pushBlob(registry, 'up/empty', Buffer.alloc(0));
    const res = await raw(registry, `/v2/up/empty/blobs/${digest}`);
    expect(res.status).toBe(200);
    expect(res.body.length).toBe(0);
  });
});

describe('cross-repository mount', () => {
  it('mounts a blob that exists in from (201) and it becomes readable', async () => {
    const digest = await pushBlob(registry, 'mount/src', 'mountable');
    const res = await raw(registry, `/v2/mount/dst/blobs/uploads/?mount=${digest}&from=mount/src`, { method: 'POST' });
    expect(res.status).toBe(201);
    expect(res.headers.location).toBe(`/v2/mount/dst/blobs/${digest}`);
    expect(res.headers['docker-content-digest']).toBe(digest);
    expect((await raw(registry, `/v2/mount/dst/blobs/${digest}`)).text).toBe('mountable');
  });

  it('starts a normal upload (202) when the blob is not in from, or from is missing', async () => {
    const digest = await pushBlob(registry, 'mount/elsewhere', 'not in src');
    const notThere = await raw(registry, `/v2/mount/dst2/blobs/uploads/?mount=${digest}&from=mount/src`, { method: 'POST' });
    expect(notThere.status).toBe(202);
    expect(notThere.headers.location).toMatch(/^\/v2\/mount\/dst2\/blobs\/uploads\//);
    const noFrom = await raw(registry, `/v2/mount/dst2/blobs/uploads/?mount=${digest}`, { method: 'POST' });
    expect(noFrom.status).toBe(202);
    expect((await raw(registry, `/v2/mount/dst2/blobs/${digest}`)).status).toBe(404);
    // the session it started is a real one
    const put = await raw(registry, `${notThere.headers.location}?digest=${digest}`, { method: 'PUT', body: 'not in src' });
    expect(put.status).toBe(201);
  });

  it('a bad mount digest or from name is rejected', async () => {
    const badDigest = await raw(registry, '/v2/mount/dst/blobs/uploads/?mount=sha256:nope&from=mount/src', { method: 'POST' });
    expect(codes(badDigest)).toEqual(['DIGEST_INVALID']);
    const badFrom = await raw(registry, `/v2/mount/dst/blobs/uploads/?mount=${sha256('x')}&from=../etc`, { method: 'POST' });
    expect(codes(badFrom)).toEqual(['NAME_INVALID']);
  });
});
