import type { Hash } from 'node:crypto';
import type { TransformCallback } from 'node:stream';
import { DigestMismatchError, InvalidDigestError } from '../errors.js';
import { LazyTransform } from '../util/lazy-transform.js';

/** A validated content digest such as `sha256:2c26…`. */
export type Digest = `${string}:${string}`;

/** Algorithms this library can compute and verify, with the length of their lowercase hex encoding. */
export const DIGEST_ALGORITHMS = { sha256: 64, sha512: 128 } as const;
export type DigestAlgorithm = keyof typeof DIGEST_ALGORITHMS;

const DIGEST_GRAMMAR = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/**
 * Validates a digest string against the OCI grammar and the registered algorithms
 * (lowercase hex of the exact length). Throws {@link InvalidDigestError}.
 */
export function parseDigest(input: string): Digest {
  if (typeof input !== 'string' || input.length === 0) throw new InvalidDigestError(String(input), 'empty digest');
  if (input.length > 256) throw new InvalidDigestError(input.slice(0, 80) + '…', 'longer than 256 characters');
  if (!DIGEST_GRAMMAR.test(input)) throw new InvalidDigestError(input, 'not of the form algorithm:hex');
  const colon = input.indexOf(':');
  const algorithm = input.slice(0, colon);
  const encoded = input.slice(colon + 1);
  const length = (DIGEST_ALGORITHMS as Record<string, number>)[algorithm];
  if (length === undefined) {
    throw new InvalidDigestError(input, `unsupported algorithm ${JSON.stringify(algorithm)} (supported: ${Object.keys(DIGEST_ALGORITHMS).join(', ')})`);
  }
  if (encoded.length !== length || !/^[a-f0-9]+$/.test(encoded)) {
    throw new InvalidDigestError(input, `${algorithm} digests are ${length} lowercase hex characters`);
  }
  return input as Digest;
}

/** True when `input` is a valid digest of a supported algorithm. */
export function isDigest(input: unknown): input is Digest {
  if (typeof input !== 'string') return false;
  try {
    parseDigest(input);
    return true;
  } catch {
    return false;
  }
}

/** The algorithm part of a validated digest. */
export function digestAlgorithm(digest: Digest): DigestAlgorithm {
  return digest.slice(0, digest.indexOf(':')) as DigestAlgorithm;
}

/**
 * `node:crypto` is loaded at the first hash, not at import: `multiplatform/oci` is often imported
 * for its names and grammar alone, and loading the module was a fifth of that import's time.
 */
const createHash = (algorithm: DigestAlgorithm): Hash => process.getBuiltinModule('node:crypto').createHash(algorithm);

/** Computes the digest of bytes. */
export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): Digest {
  return `${algorithm}:${createHash(algorithm).update(data).digest('hex')}`;
}

/** Incremental hashing that yields a {@link Digest}. */
export class Digester {
  private readonly hash: Hash;
  size = 0;
  constructor(readonly algorithm: DigestAlgorithm = 'sha256') {
    this.hash = createHash(algorithm);
  }
  update(chunk: Uint8Array): this {
    this.hash.update(chunk);
    this.size += chunk.byteLength;
    return this;
  }
  digest(): Digest {
    return `${this.algorithm}:${this.hash.digest('hex')}`;
  }
}

/**
 * A pass-through stream that hashes and counts what flows through it. It fails as soon as
 * more than `expected.size` bytes arrive, and at the end if the digest or size differ.
 */
export class VerifyingStream extends LazyTransform {
  private readonly digester: Digester;
  constructor(
    private readonly expected: { digest: Digest; size?: number },
    private readonly what: string,
  ) {
    super();
    this.digester = new Digester(digestAlgorithm(expected.digest));
  }
  /** Bytes seen so far. */
  get bytesSeen(): number {
    return this.digester.size;
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.digester.update(chunk);
    if (this.expected.size !== undefined && this.digester.size > this.expected.size) {
      callback(new DigestMismatchError(this.what, { size: this.expected.size }, { size: this.digester.size }));
      return;
    }
    callback(null, chunk);
  }
  override _flush(callback: TransformCallback): void {
    const actual = this.digester.digest();
    const size = this.digester.size;
    if (actual !== this.expected.digest || (this.expected.size !== undefined && size !== this.expected.size)) {
      callback(new DigestMismatchError(this.what, this.expected, { digest: actual, size }));
      return;
    }
    callback();
  }
}
