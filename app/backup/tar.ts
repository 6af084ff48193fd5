/**
 * The few parts of ustar (POSIX tar) an archive needs: regular files with short names.
 * Hand-written because entries are streamed from temp files of known size, and both
 * GNU tar and Python's tarfile read these headers (tests/integration/backup).
 */
export const BLOCK = 512;

export function tarHeader(name: string, size: number, mtimeSeconds: number): Buffer {
  if (Buffer.byteLength(name) > 99) throw new Error(`tar entry name too long: ${name}`);
  const header = Buffer.alloc(BLOCK);
  const octal = (value: number, offset: number, width: number) =>
    header.write(value.toString(8).padStart(width - 1, '0') + '\0', offset, 'ascii');
  header.write(name, 0, 'utf8');
  octal(0o644, 100, 8);
  octal(0, 108, 8);
  octal(0, 116, 8);
  octal(size, 124, 12);
  octal(mtimeSeconds, 136, 12);
  header.write('        ', 148, 'ascii'); // the checksum counts itself as spaces
  header.write('0', 156, 'ascii');
  header.write('ustar\u000000', 257, 'ascii');
  octal(checksum(header), 148, 7);
  header.write(' ', 155, 'ascii');
  return header;
}

/** Zero bytes that pad an entry of `size` bytes to a whole block. */
export function padding(size: number): Buffer {
  return Buffer.alloc((BLOCK - (size % BLOCK)) % BLOCK);
}

/** Two zero blocks end an archive. */
export const END = Buffer.alloc(2 * BLOCK);

export interface EntryHeader {
  name: string;
  size: number;
}

/** The entry a header block names; null for the end-of-archive zero block. Throws if corrupt. */
export function parseHeader(block: Buffer): EntryHeader | null {
  if (block.every((byte) => byte === 0)) return null;
  const field = (offset: number, width: number) =>
    block.toString('utf8', offset, offset + width).replace(/\0.*$/s, '');
  const stored = parseInt(field(148, 8).trim(), 8);
  const copy = Buffer.from(block);
  copy.write('        ', 148, 'ascii');
  if (stored !== checksum(copy)) throw new Error('not a tar archive (bad header checksum)');
  const type = field(156, 1);
  if (type !== '0' && type !== '') throw new Error(`unexpected tar entry type '${type}'`);
  const size = parseInt(field(124, 12).trim(), 8);
  if (!Number.isSafeInteger(size) || size < 0) throw new Error('bad tar entry size');
  return { name: field(0, 100), size };
}

function checksum(block: Buffer): number {
  let sum = 0;
  for (const byte of block) sum += byte;
  return sum;
}
