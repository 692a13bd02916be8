import { DIGEST_ALGORITHMS, digestAlgorithm, type Digest, type DigestAlgorithm } from '../../oci/digest.js';
import { ApiError } from '../api-error.js';
import type { RegistryContext } from '../context.js';
import { checkDigest } from '../grammar.js';
import { contentLength, drainRequest, header, readBody, send, type Exchange } from '../http-io.js';
import { formatUploadRange } from '../../oci/range.js';
import { parseChunkContentRange } from '../range.js';
import type { UploadSession } from '../upload-sessions.js';

/** `POST /v2/<name>/blobs/uploads/`: a mount (`?mount=&from=`), a monolithic upload (`?digest=`) or a new session. */
export async function startUpload(ctx: RegistryContext, ex: Exchange, name: string): Promise<void> {
  const { query } = ex;
  if (query.has('mount')) {
    const digest = checkDigest(query.get('mount'), 'mount digest');
    if (await tryMount(ctx, name, digest, query.get('from'))) {
      await drainRequest(ex.req);
      await send(ex, {
        status: 201,
        headers: { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 },
      });
      return;
    }
  } else if (query.has('digest')) {
    const digest = checkDigest(query.get('digest'), 'digest query parameter');
    const session = await ctx.uploads.create(name, digestAlgorithm(digest), false);
    try {
      await appendRequestBody(ctx, session, ex, contentLength(ex));
    } catch (e) {
      await ctx.uploads.end(session);
      throw e;
    }
    await commit(ctx, ex, session, digest);
    return;
  }
  const algorithm = requestedAlgorithm(query.get('digest-algorithm'));
  await drainRequest(ex.req);
  const session = await ctx.uploads.create(name, algorithm);
  await send(ex, { status: 202, headers: { ...sessionHeaders(session), 'Content-Length': 0 } });
}

/** Links `digest` into `name` when repository `from` has it. Without `from` nothing is mounted, so a mount never reveals other repositories' blobs. */
async function tryMount(ctx: RegistryContext, name: string, digest: Digest, from: string | null): Promise<boolean> {
  if (!from || !ctx.state.get(from)?.blobs.has(digest)) return false;
  if (ctx.behaviour?.mountable && !ctx.behaviour.mountable(ctx.state, from, digest)) return false;
  const mounted = await ctx.locks.run(digest, async () => {
    if (!ctx.store.has(digest)) return false;
    ctx.state.getOrCreate(name).blobs.add(digest);
    return true;
  });
  if (mounted) await ctx.persist();
  return mounted;
}

function requestedAlgorithm(value: string | null): DigestAlgorithm {
  if (value === null) return 'sha256';
  if (!Object.hasOwn(DIGEST_ALGORITHMS, value)) {
    throw ApiError.of(400, 'DIGEST_INVALID', `unsupported digest-algorithm ${JSON.stringify(value.slice(0, 50))}`, {
      supported: Object.keys(DIGEST_ALGORITHMS),
    });
  }
  return value as DigestAlgorithm;
}

/** `PATCH <location>`: appends a chunk, checked against `Content-Range` when one is sent. */
export async function patchUpload(ctx: RegistryContext, ex: Exchange, name: string, id: string): Promise<void> {
  const session = requireSession(ctx, name, id);
  await withSession(session, async () => {
    await appendRequestBody(ctx, session, ex, expectedChunkLength(ex, session));
    await send(ex, { status: 202, headers: { ...sessionHeaders(session), 'Content-Length': 0 } });
  });
}

/** `PUT <location>?digest=`: appends an optional last chunk, verifies the whole content and stores it. */
export async function putUpload(ctx: RegistryContext, ex: Exchange, name: string, id: string): Promise<void> {
  const session = requireSession(ctx, name, id);
  const digest = checkDigest(ex.query.get('digest'), 'digest query parameter');
  await withSession(session, async () => {
    await appendRequestBody(ctx, session, ex, expectedChunkLength(ex, session));
    await commit(ctx, ex, session, digest);
  });
}

/** `GET <location>`: where the upload stands. */
export async function getUploadStatus(ctx: RegistryContext, ex: Exchange, name: string, id: string): Promise<void> {
  const session = requireSession(ctx, name, id);
  await send(ex, { status: 204, headers: sessionHeaders(session) });
}

/** `DELETE <location>`: cancels the upload and frees its bytes. */
export async function cancelUpload(ctx: RegistryContext, ex: Exchange, name: string, id: string): Promise<void> {
  const session = requireSession(ctx, name, id);
  await ctx.uploads.end(session);
  await drainRequest(ex.req);
  await send(ex, { status: 204 });
}

function requireSession(ctx: RegistryContext, name: string, id: string): UploadSession {
  const session = ctx.uploads.get(name, id);
  if (!session) throw ApiError.of(404, 'BLOB_UPLOAD_UNKNOWN', `upload ${id} is not known to repository ${name}`, { id });
  return session;
}

function sessionHeaders(session: UploadSession): Record<string, string> {
  return {
    Location: session.location,
    Range: formatUploadRange(session.buffer.size),
    'Docker-Upload-UUID': session.id,
  };
}

/** One request at a time writes to a session; a concurrent one is told, like an out-of-order chunk, to ask where the upload stands. */
async function withSession(session: UploadSession, body: () => Promise<void>): Promise<void> {
  if (session.busy) throw outOfOrder(session, 'another request is writing to this upload');
  session.busy = true;
  try {
    await body();
  } finally {
    session.busy = false;
    session.lastUsed = Date.now();
    await session.buffer.release();
  }
}

function outOfOrder(session: UploadSession, message: string): ApiError {
  return ApiError.of(416, 'BLOB_UPLOAD_INVALID', message, { size: session.buffer.size }, sessionHeaders(session));
}

/** The length the chunk must have: from `Content-Range` (whose start must be the current size), else `Content-Length`. */
function expectedChunkLength(ex: Exchange, session: UploadSession): number | undefined {
  const declared = contentLength(ex);
  const rangeHeader = header(ex, 'content-range');
  if (rangeHeader === undefined) return declared;
  const range = parseChunkContentRange(rangeHeader);
  if (range.start !== session.buffer.size) {
    throw outOfOrder(session, `chunk out of order: it starts at ${range.start}, the upload has ${session.buffer.size} bytes`);
  }
  const length = range.end - range.start + 1;
  if (declared !== undefined && declared !== length) {
    throw ApiError.of(400, 'SIZE_INVALID', `Content-Length ${declared} does not match Content-Range ${rangeHeader}`);
  }
  return length;
}

/**
 * Streams the request body into the upload. When the body is not exactly `expected` bytes long, or the client
 * goes away, the upload is rolled back to where it was, so a failed chunk leaves no trace.
 */
async function appendRequestBody(
  ctx: RegistryContext,
  session: UploadSession,
  ex: Exchange,
  expected: number | undefined,
): Promise<void> {
  const limit = ctx.maxUploadRequestBytes;
  if (expected !== undefined && expected > limit) {
    await drainRequest(ex.req);
    throw requestTooLarge(limit);
  }
  const before = session.buffer.size;
  const rollback = async (): Promise<void> => {
    session.digester = undefined;
    await session.buffer.truncate(before);
  };
  let received = 0;
  let outcome;
  try {
    outcome = await readBody(ex.req, async (chunk) => {
      received += chunk.byteLength;
      if (received > limit) throw requestTooLarge(limit);
      if (expected !== undefined && received > expected) throw sizeMismatch(expected, received);
      await session.buffer.append(chunk);
      session.digester?.update(chunk);
    });
  } catch (e) {
    await rollback();
    throw e;
  }
  if (outcome.sinkError !== undefined) {
    await rollback();
    if (outcome.sinkError instanceof ApiError && outcome.sinkError.entries[0]?.code === 'SIZE_INVALID') {
      throw sizeMismatch(expected ?? 0, outcome.bytes);
    }
    throw outcome.sinkError;
  }
  if (expected !== undefined && outcome.bytes !== expected) {
    await rollback();
    throw sizeMismatch(expected, outcome.bytes);
  }
}

/** GHCR's answer to an upload request over its limit (416, with the limit in MiB in the message). */
const requestTooLarge = (limit: number): ApiError =>
  ApiError.of(
    416,
    'REQUESTED_RANGE_NOT_SATISFIABLE',
    `the request body exceeds the maximum permissible limit of ${(limit / (1024 * 1024)).toFixed(2)}MiB`,
    { limit },
  );

const sizeMismatch = (expected: number, received: number): ApiError =>
  ApiError.of(400, 'SIZE_INVALID', `expected ${expected} bytes, received ${received}`, { expected, received });

/** Verifies the upload against `digest`, then makes it the blob's content in the session's repository. A mismatch discards the upload. */
async function commit(ctx: RegistryContext, ex: Exchange, session: UploadSession, digest: Digest): Promise<void> {
  try {
    const actual = await session.digest(digestAlgorithm(digest));
    if (actual !== digest) {
      throw ApiError.of(400, 'DIGEST_INVALID', `uploaded content has digest ${actual}, not ${digest}`, {
        expected: digest,
        actual,
        size: session.buffer.size,
      });
    }
    await ctx.locks.run(digest, async () => {
      await ctx.store.commitUpload(session.buffer, digest);
      ctx.state.getOrCreate(session.repository).blobs.add(digest);
    });
  } catch (e) {
    await ctx.uploads.end(session);
    throw e;
  }
  await ctx.uploads.end(session, true);
  await ctx.persist();
  await send(ex, {
    status: 201,
    headers: { Location: `/v2/${session.repository}/blobs/${digest}`, 'Docker-Content-Digest': digest, 'Content-Length': 0 },
  });
}
