/**
 * Random access to a binary on disk with positioned reads: images can be hundreds of MB and
 * we only ever need their headers, symbol tables and a few debug sections.
 */
import * as fs from 'node:fs';
import * as zlib from 'node:zlib';

/** Bytes readable by offset. */
export interface ByteSource {
  readonly size: number;
  /** `length` bytes at `offset` (fewer at the end of the data). */
  read(offset: number, length: number): Uint8Array;
  close(): void;
}

/** A file opened read-only; reads go straight to the kernel, no whole-file buffering. */
export class FileSource implements ByteSource {
  private constructor(
    private fd: number,
    readonly size: number,
    /** Modification time, for cache identities. */
    readonly mtimeMs: number,
  ) {}

  /** Opens `path`; throws the fs error (with its `code`) when it cannot. */
  static open(path: string): FileSource {
    const fd = fs.openSync(path, 'r');
    try {
      const st = fs.fstatSync(fd);
      if (!st.isFile()) throw Object.assign(new Error(`${path} is not a regular file`), { code: 'EINVAL' });
      return new FileSource(fd, st.size, st.mtimeMs);
    } catch (err) {
      fs.closeSync(fd);
      throw err;
    }
  }

  read(offset: number, length: number): Uint8Array {
    const n = Math.max(0, Math.min(length, this.size - offset));
    const out = new Uint8Array(n);
    let done = 0;
    while (done < n) {
      const got = fs.readSync(this.fd, out, done, n - done, offset + done);
      if (got <= 0) break;
      done += got;
    }
    return done === n ? out : out.subarray(0, done);
  }

  close(): void {
    if (this.fd >= 0) fs.closeSync(this.fd);
    this.fd = -1;
  }
}

/** A source over bytes already in memory (decompressed data, tests). */
export class MemorySource implements ByteSource {
  constructor(private readonly bytes: Uint8Array) {}

  get size(): number {
    return this.bytes.length;
  }

  read(offset: number, length: number): Uint8Array {
    return this.bytes.subarray(offset, Math.min(this.bytes.length, offset + length));
  }

  close(): void {}
}

/** CRC-32 (the .gnu_debuglink checksum) of a whole file, read in 1 MiB chunks. */
export function fileCrc32(src: ByteSource): number {
  let crc = 0;
  const chunk = 1 << 20;
  for (let off = 0; off < src.size; off += chunk) crc = zlib.crc32(src.read(off, chunk), crc);
  return crc >>> 0;
}
