import { ValidationError } from '../../errors.js';

/** One regular file of a layer. */
export interface LayerFile {
  /** Path inside the layer, relative, 1 to 100 bytes. */
  name: string;
  content: string | Uint8Array;
}

const BLOCK = 512;

/**
 * A POSIX ustar archive of regular files, the same bytes for the same files: entries in the order
 * given, mode 0644, owner 0:0, mtime 0, two zero blocks at the end. The device numbers, which
 * POSIX leaves unspecified for regular files, are left as zero bytes.
 */
export function tarArchive(files: readonly LayerFile[]): Buffer {
  const seen = new Set<string>();
  const parts: Buffer[] = [];
  for (const file of files) {
    if (seen.has(file.name)) throw new ValidationError(`layer file ${JSON.stringify(file.name)} appears twice`);
    seen.add(file.name);
    const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : Buffer.from(file.content);
    parts.push(header(file.name, content.length), content, Buffer.alloc((BLOCK - (content.length % BLOCK)) % BLOCK));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function header(name: string, size: number): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (nameBytes.length === 0 || nameBytes.length > 100 || name.startsWith('/') || name.split('/').includes('..')) {
    throw new ValidationError(`layer file name ${JSON.stringify(name)} must be relative, without "..", and 1 to 100 bytes long`);
  }
  const block = Buffer.alloc(BLOCK);
  nameBytes.copy(block, 0);
  block.write('0000644\0', 100, 'ascii'); // mode
  block.write('0000000\0', 108, 'ascii'); // uid
  block.write('0000000\0', 116, 'ascii'); // gid
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'ascii');
  block.write('00000000000\0', 136, 'ascii'); // mtime
  block.fill(0x20, 148, 156); // the checksum is computed with its own field as spaces
  block.write('0', 156, 'ascii'); // regular file
  block.write('ustar\0', 257, 'ascii');
  block.write('00', 263, 'ascii');
  const checksum = block.reduce((sum, byte) => sum + byte, 0);
  block.write(`${checksum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
  return block;
}
