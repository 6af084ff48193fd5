import type { FileHandle } from 'node:fs/promises';

/**
 * Every byte a backup writes goes through here, so tests can make the disk fail
 * (ENOSPC) in-process with sinon, the one seam for that.
 */
export const disk = {
  async append(file: FileHandle, bytes: Buffer): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) {
      const { bytesWritten } = await file.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
  },
};
