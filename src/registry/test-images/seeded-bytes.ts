import { createHash, randomBytes } from 'node:crypto';

/**
 * `length` bytes: from `seed` and `label` always the same ones (SHA-256 in counter mode), or
 * random ones without a seed.
 */
export function contentBytes(length: number, seed: string | undefined, label: string): Buffer {
  if (seed === undefined) return randomBytes(length);
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 32 < length; counter++) {
    blocks.push(createHash('sha256').update(`${seed}\0${label}\0${counter}`).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}
