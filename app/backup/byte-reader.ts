/** Reads exact byte counts from a stream of chunks (a gunzipped archive). */
export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private done = false;
  private readonly source: AsyncIterator<Buffer>;

  constructor(source: AsyncIterable<Buffer>) {
    this.source = source[Symbol.asyncIterator]();
  }

  /** Exactly `n` bytes, or fewer only when the stream ends first. */
  async read(n: number): Promise<Buffer> {
    while (this.buffered < n && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else {
        this.chunks.push(next.value);
        this.buffered += next.value.length;
      }
    }
    const first = this.chunks[0];
    let out: Buffer;
    if (first !== undefined && first.length >= n) {
      // The common case (a small document inside one chunk) copies nothing.
      out = first.subarray(0, n);
      if (first.length > n) this.chunks[0] = first.subarray(n);
      else this.chunks.shift();
    } else {
      const all = Buffer.concat(this.chunks);
      out = all.subarray(0, Math.min(n, all.length));
      this.chunks = all.length > out.length ? [all.subarray(out.length)] : [];
    }
    this.buffered -= out.length;
    return out;
  }

  /** Like read, but a short read is a truncated archive. */
  async exactly(n: number): Promise<Buffer> {
    const out = await this.read(n);
    if (out.length < n) throw new ArchiveError('archive is truncated');
    return out;
  }

  /** Stops the underlying stream (a caller that has read what it needed). */
  async close(): Promise<void> {
    await this.source.return?.();
  }
}

/** An archive that is not a whole, untampered backup of ours. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
}
