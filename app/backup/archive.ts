import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { ArchiveError, ByteReader } from './byte-reader.js';
import { BLOCK, parseHeader } from './tar.js';

export const MANIFEST = 'manifest.json';
export const FORMAT = 'groundwork-backup/1';
// mongod's limit is 16 MiB per document; a length past it is a corrupt stream.
const MAX_DOCUMENT = 16 * 1024 * 1024 + 16 * 1024;

export interface CollectionEntry {
  count: number;
  bsonSha256: string;
  metadataSha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  /** When the backup started (ISO); the archive's mtime is when it was complete. */
  time: string;
  appVersion: string;
  database: string;
  collections: Record<string, CollectionEntry>;
}

/** What a restore does with each part, in archive order (metadata before documents). */
export interface ArchiveVisitor {
  collection(name: string, metadata: string): Promise<void>;
  document(collection: string, bytes: Buffer): Promise<void>;
  endCollection(collection: string): Promise<void>;
}

/**
 * Reads a whole archive and checks it against its manifest: every entry expected and
 * present, every SHA-256 and document count equal. Throws ArchiveError otherwise.
 * With a visitor, hands it each collection as it goes (callers verify first).
 */
export async function readArchive(
  path: string,
  visitor?: ArchiveVisitor,
  manifestOnly = false,
): Promise<Manifest> {
  const gunzip = createGunzip();
  const source = createReadStream(path).on('error', (err) => gunzip.destroy(err));
  const reader = new ByteReader(source.pipe(gunzip));
  try {
    const manifest = await readManifest(reader);
    if (manifestOnly) return manifest;
    await readEntries(reader, manifest, visitor);
    return manifest;
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') throw err;
    // zlib's errors: not gzip, or cut short (Z_BUF_ERROR "unexpected end of file").
    throw new ArchiveError(`not a readable archive: ${(err as Error).message}`);
  } finally {
    source.destroy();
    gunzip.destroy();
  }
}

async function readManifest(reader: ByteReader): Promise<Manifest> {
  const header = parseHeader(await reader.exactly(BLOCK));
  if (header?.name !== MANIFEST)
    throw new ArchiveError('not a groundwork backup (no manifest.json first)');
  if (header.size > 1024 * 1024) throw new ArchiveError('manifest.json is too large');
  const body = await reader.exactly(header.size);
  await reader.exactly(padded(header.size) - header.size);
  let manifest: Partial<Record<keyof Manifest, unknown>>;
  try {
    manifest = JSON.parse(body.toString('utf8')) as typeof manifest;
  } catch {
    throw new ArchiveError('manifest.json is not JSON');
  }
  if (manifest.format !== FORMAT || typeof manifest.collections !== 'object') {
    throw new ArchiveError(`manifest.json is not of format ${FORMAT}`);
  }
  return manifest as Manifest;
}

async function readEntries(reader: ByteReader, manifest: Manifest, visitor?: ArchiveVisitor) {
  const expected = new Map<string, { collection: string; kind: 'bson' | 'metadata' }>();
  for (const collection of Object.keys(manifest.collections)) {
    expected.set(`${manifest.database}/${collection}.bson`, { collection, kind: 'bson' });
    expected.set(`${manifest.database}/${collection}.metadata.json`, {
      collection,
      kind: 'metadata',
    });
  }
  for (;;) {
    const header = parseHeader(await reader.exactly(BLOCK));
    if (header === null) break;
    const entry = expected.get(header.name);
    if (!entry) throw new ArchiveError(`unexpected entry ${header.name}`);
    expected.delete(header.name);
    const want = manifest.collections[entry.collection];
    if (!want) throw new ArchiveError(`manifest has no ${entry.collection}`);
    const hash = createHash('sha256');
    if (entry.kind === 'metadata') {
      const body = await reader.exactly(header.size);
      hash.update(body);
      checkHash(header.name, hash.digest('hex'), want.metadataSha256);
      await visitor?.collection(entry.collection, body.toString('utf8'));
    } else {
      const count = await readDocuments(reader, header.size, hash, entry.collection, visitor);
      checkHash(header.name, hash.digest('hex'), want.bsonSha256);
      if (count !== want.count) {
        throw new ArchiveError(`${header.name}: ${count} documents, manifest says ${want.count}`);
      }
      await visitor?.endCollection(entry.collection);
    }
    await reader.exactly(padded(header.size) - header.size);
  }
  const missing = [...expected.keys()];
  if (missing.length > 0) throw new ArchiveError(`archive is missing ${missing.join(', ')}`);
}

async function readDocuments(
  reader: ByteReader,
  size: number,
  hash: ReturnType<typeof createHash>,
  collection: string,
  visitor?: ArchiveVisitor,
): Promise<number> {
  let left = size;
  let count = 0;
  while (left > 0) {
    const length = left >= 4 ? (await reader.exactly(4)).readInt32LE(0) : -1;
    if (length < 5 || length > MAX_DOCUMENT || length > left) {
      throw new ArchiveError(`${collection}.bson: corrupt document length at byte ${size - left}`);
    }
    const rest = await reader.exactly(length - 4);
    const bytes = Buffer.allocUnsafe(length);
    bytes.writeInt32LE(length, 0);
    rest.copy(bytes, 4);
    hash.update(bytes);
    await visitor?.document(collection, bytes);
    left -= length;
    count++;
  }
  return count;
}

function checkHash(name: string, actual: string, expected: string): void {
  if (actual !== expected) throw new ArchiveError(`${name}: SHA-256 differs from the manifest`);
}

function padded(size: number): number {
  return Math.ceil(size / BLOCK) * BLOCK;
}
