import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { eachChunk } from '../../src/transport/read-body.js';

/** `eachChunk` settles in every state a body can be handed over in: never a promise that waits forever. */
describe('eachChunk', () => {
  const collect = async (body: Readable): Promise<string> => {
    const chunks: Buffer[] = [];
    await eachChunk(body, (chunk) => chunks.push(chunk));
    return Buffer.concat(chunks).toString();
  };

  it('hands every chunk over and resolves at the end', async () => {
    expect(await collect(Readable.from([Buffer.from('a'), Buffer.from('bc')]))).toBe('abc');
  });

  it('rejects with a premature close for a body destroyed before its end without an error', async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.from('partial'));
    body.destroy();
    await new Promise((resolve) => setImmediate(resolve)); // its 'close' has been emitted
    await expect(collect(body)).rejects.toMatchObject({ code: 'ERR_STREAM_PREMATURE_CLOSE' });
  });

  it("rejects with the body's error, whether it came before or while reading", async () => {
    const early = new Readable({ read() {} });
    early.on('error', () => undefined);
    early.destroy(new Error('reset before reading'));
    await expect(collect(early)).rejects.toThrow('reset before reading');
    const late = new Readable({ read() {} });
    const reading = collect(late);
    late.push(Buffer.from('x'));
    late.destroy(new Error('reset while reading'));
    await expect(reading).rejects.toThrow('reset while reading');
  });

  it('rejects with what the callback throws and destroys the body', async () => {
    const body = Readable.from([Buffer.from('one'), Buffer.from('two')]);
    await expect(eachChunk(body, () => { throw new Error('too big'); })).rejects.toThrow('too big');
    expect(body.destroyed).toBe(true);
  });
});
