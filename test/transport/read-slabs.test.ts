/**
 * The read buffers of the socket exchange (src/transport/read-slabs.ts): a region is read into once,
 * and a slab is read into again only after every byte read into it was handed back.
 */
import { describe, expect, it } from 'vitest';
import { ReadSlabs, recycleReadChunk } from '../../src/transport/read-slabs.js';

/** Reads `count` full regions, as a socket filling each one would; returns the chunks handed on. */
function readRegions(slabs: ReadSlabs, count: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const region = slabs.next();
    region.fill(i + 1);
    slabs.filled(region.length);
    chunks.push(region);
  }
  return chunks;
}

describe('read slabs', () => {
  it('never reads into memory a chunk handed on still uses, unless it was handed back', () => {
    const slabs = new ReadSlabs();
    const kept = readRegions(slabs, 4); // one whole slab
    const next = readRegions(slabs, 4);
    for (const chunk of next) expect(kept.some((k) => k.buffer === chunk.buffer)).toBe(false);
    expect(kept.every((chunk, i) => chunk.every((byte) => byte === i + 1))).toBe(true);
  });

  it('reads into a slab again once all of it was handed back', () => {
    const slabs = new ReadSlabs();
    const first = readRegions(slabs, 4);
    for (const chunk of first) recycleReadChunk(chunk);
    // The first slab, full and all handed back, is the next one read into.
    const later = readRegions(slabs, 1);
    expect(later[0]!.buffer === first[0]!.buffer).toBe(true);
  });

  it('a slab with a chunk not handed back, or handed back twice, is not read into again', () => {
    const slabs = new ReadSlabs();
    const first = readRegions(slabs, 4);
    for (const chunk of first.slice(1)) recycleReadChunk(chunk);
    const second = readRegions(slabs, 4);
    recycleReadChunk(second[0]!);
    recycleReadChunk(second[0]!);
    for (const chunk of second.slice(1)) recycleReadChunk(chunk);
    const later = readRegions(slabs, 8);
    // (Compared as booleans: a failing comparison of two 1 MiB buffers would take the reporter minutes to print.)
    expect(later.some((chunk) => chunk.buffer === first[0]!.buffer || chunk.buffer === second[0]!.buffer)).toBe(false);
  });
});
