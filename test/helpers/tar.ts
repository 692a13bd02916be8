import { ValidationError } from '../../src/errors.js';

/** One regular file to put in a tar archive. */
export interface TarFile {
  /** Path inside the archive, relative, at most 100 bytes (no ustar prefix splitting). */
  name: string;
  content: Buffer | string;
}

const BLOCK = 512;

/**
 * Writes a POSIX ustar archive of regular files, byte-for-byte reproducible: entries sorted
 * by name, mtime 0, uid/gid 0 with empty owner names, mode 0644, two zero blocks at the end.
 */
export function createTar(files: readonly TarFile[]): Buffer {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const seen = new Set<string>();
  const parts: Buffer[] = [];
  for (const file of sorted) {
    if (seen.has(file.name)) throw new ValidationError(`tar entry ${JSON.stringify(file.name)} appears twice`);
    seen.add(file.name);
    const content = typeof file.content === 'string' ? Buffer.from(file.content, 'utf8') : file.content;
    parts.push(ustarHeader(file.name, content.length), content, Buffer.alloc(paddingFor(content.length)));
  }
  parts.push(Buffer.alloc(2 * BLOCK));
  return Buffer.concat(parts);
}

function paddingFor(size: number): number {
  return (BLOCK - (size % BLOCK)) % BLOCK;
}

function ustarHeader(name: string, size: number): Buffer {
  const nameBytes = Buffer.from(name, 'utf8');
  if (name.length === 0 || nameBytes.length > 100) {
    throw new ValidationError(`tar entry name ${JSON.stringify(name)} must be 1 to 100 bytes long`);
  }
  if (name.startsWith('/') || name.split('/').includes('..')) {
    throw new ValidationError(`tar entry name ${JSON.stringify(name)} must be relative and must not contain ".."`);
  }
  if (size > 0o77777777777) throw new ValidationError(`tar entry ${JSON.stringify(name)} is too large for ustar`);

  const header = Buffer.alloc(BLOCK);
  nameBytes.copy(header, 0);
  writeOctal(header, 100, 8, 0o644); // mode
  writeOctal(header, 108, 8, 0); // uid
  writeOctal(header, 116, 8, 0); // gid
  writeOctal(header, 124, 12, size);
  writeOctal(header, 136, 12, 0); // mtime
  header.fill(0x20, 148, 156); // checksum is computed with its own field as spaces
  header.write('0', 156, 'ascii'); // typeflag: regular file
  header.write('ustar\0', 257, 'ascii');
  header.write('00', 263, 'ascii');
  writeOctal(header, 329, 8, 0); // devmajor
  writeOctal(header, 337, 8, 0); // devminor

  let checksum = 0;
  for (const byte of header) checksum += byte;
  // Conventional checksum layout: six octal digits, NUL, space.
  header.write(checksum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return header;
}

/** Zero-padded octal digits followed by a NUL, filling `length` bytes. */
function writeOctal(header: Buffer, offset: number, length: number, value: number): void {
  header.write(value.toString(8).padStart(length - 1, '0') + '\0', offset, 'ascii');
}
