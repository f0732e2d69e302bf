import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, fstatSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CaptureDataError,
  isLz4Frame,
  Lz4FrameSource,
  RawFileSource,
  readableLimit,
  type Lz4SourceOptions,
} from '../../daemon/src/capture/lz4.js';
import { Lz4FrameEncoder, lz4CompressFrame, type Lz4BlockSize, type Lz4CompressOptions } from '../../daemon/src/capture/lz4-encode.js';
import { Xxh32, xxh32 } from '../../daemon/src/capture/xxh32.js';
import { CAPTURES, FORMAT, sharedCapture, tempDir } from '../helpers/paths.js';

/** large_9m.bin of the shared corpus next to the repository (not vendored), if there. */
const LARGE = sharedCapture('large_9m.bin');
const HAVE_LZ4_CLI = spawnSync('lz4', ['--version'], { stdio: 'ignore' }).status === 0;
const LZ4_CLI_SKIP = HAVE_LZ4_CLI ? '' : ' (skipped: the `lz4` command-line tool is not on PATH)';

let dir = '';
let fileNo = 0;
beforeAll(() => {
  dir = tempDir('lz4-test-');
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function tempFile(bytes: Uint8Array): string {
  const path = join(dir, `f${fileNo++}.bin`);
  writeFileSync(path, bytes);
  return path;
}

interface Decoded {
  data: Buffer;
  error: CaptureDataError | undefined;
  chunks: number;
  inputOffset: number;
  outputOffset: number;
}

/** Pulls every chunk (copying: views die on the next call) and catches the first error. */
function decodePath(path: string, opts?: Lz4SourceOptions): Decoded {
  const fd = openSync(path, 'r');
  try {
    const src = new Lz4FrameSource(fd, fstatSync(fd).size, opts);
    const parts: Buffer[] = [];
    let error: CaptureDataError | undefined;
    for (let calls = 0; ; calls++) {
      if (calls > 1e6) throw new Error('decoder does not terminate');
      let chunk: Uint8Array | null;
      try {
        chunk = src.next();
      } catch (err) {
        if (!(err instanceof CaptureDataError)) throw err;
        error = err;
        // The error is sticky: calling again must not yield more data.
        expect(() => src.next()).toThrow(CaptureDataError);
        break;
      }
      if (chunk === null) {
        expect(src.next()).toBeNull();
        break;
      }
      parts.push(Buffer.from(chunk));
    }
    return { data: Buffer.concat(parts), error, chunks: parts.length, inputOffset: src.inputOffset, outputOffset: src.outputOffset };
  } finally {
    closeSync(fd);
  }
}

function decodeBytes(frame: Uint8Array, opts?: Lz4SourceOptions): Decoded {
  return decodePath(tempFile(frame), opts);
}

function decodeOk(frame: Uint8Array, opts?: Lz4SourceOptions): Buffer {
  const r = decodeBytes(frame, opts);
  if (r.error) throw r.error;
  return r.data;
}

/** Deterministic pseudo-random bytes. */
function randomBytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0;
    out[i] = s & 0xff;
  }
  return out;
}

/** Compressible data shaped like a capture: repeated records with small variations and runs. */
function captureLike(n: number, seed = 7): Uint8Array {
  const noise = randomBytes(n, seed);
  const out = new Uint8Array(n);
  const words = [0x01, 0x02, 0x03, 0x10, 0x7f, 0x80, 0xff, 0x00];
  for (let i = 0; i < n; i++) {
    const r = noise[i]!;
    if (r < 8) out[i] = r; // rare noise
    else if (r < 40 && i >= 300) out[i] = out[i - 300 + (r & 7)]!; // near repeats
    else out[i] = words[(i >> 3) & 7]! ^ ((i >> 11) & 3);
  }
  return out;
}

function u32le(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

/** A frame header with a correct checksum byte, for hand-made frames. */
function header(flg = 0x40, bd = 0x40, extra: number[] = []): number[] {
  const desc = new Uint8Array([flg, bd, ...extra]);
  return [0x04, 0x22, 0x4d, 0x18, ...desc, (xxh32(desc) >>> 8) & 0xff];
}

/** Offsets and output sizes of the blocks of a frame (our encoder's layout: no extra frames). */
function blockMap(frame: Uint8Array): { end: number; out: number }[] {
  const flg = frame[4]!;
  const blockMax = 1 << (8 + 2 * ((frame[5]! >>> 4) & 7));
  let p = 7 + (flg & 0x08 ? 8 : 0) + (flg & 0x01 ? 4 : 0);
  const blocks: { end: number; out: number }[] = [];
  let total = 0;
  const content = decodeOk(frame).length;
  for (;;) {
    const w = (frame[p]! | (frame[p + 1]! << 8) | (frame[p + 2]! << 16) | (frame[p + 3]! << 24)) >>> 0;
    if (w === 0) break;
    p += 4 + (w & 0x7fffffff) + (flg & 0x10 ? 4 : 0);
    const out = Math.min(blockMax, content - total);
    total += out;
    blocks.push({ end: p, out });
  }
  return blocks;
}

describe('xxh32', () => {
  it('matches the reference test vectors', () => {
    expect(xxh32(new Uint8Array(0))).toBe(0x02cc5d05);
    expect(xxh32(new TextEncoder().encode('abc'))).toBe(0x32d153ff);
    // The LZ4 header checksum of memray's FLG/BD pair, per capture-format.md §2.2.
    expect((xxh32(new Uint8Array([0x40, 0x40])) >>> 8) & 0xff).toBe(0xc0);
  });

  it('gives the same hash fed in pieces', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.array(fc.nat(200), { maxLength: 6 }), fc.nat(), (data, cuts, seed) => {
        const h = new Xxh32(seed);
        let p = 0;
        for (const c of [...cuts].sort((a, b) => a - b)) {
          const q = Math.min(c, data.length);
          h.update(data, p, Math.max(p, q));
          p = Math.max(p, q);
        }
        h.update(data, p);
        expect(h.digest()).toBe(xxh32(data, seed));
      }),
    );
  });
});

describe('isLz4Frame', () => {
  it('recognises only the LZ4 frame magic', () => {
    expect(isLz4Frame(new Uint8Array([0x04, 0x22, 0x4d, 0x18]))).toBe(true);
    expect(isLz4Frame(new TextEncoder().encode('memray\0'))).toBe(false);
    expect(isLz4Frame(new Uint8Array([0x02, 0x21, 0x4c, 0x18]))).toBe(false); // legacy LZ4
    expect(isLz4Frame(new Uint8Array([0x04, 0x22, 0x4d]))).toBe(false);
  });
});

describe('Lz4FrameSource on real memray files', () => {
  it('decodes example.lz4.bin to the capture of example.bin', () => {
    const raw = readFileSync(join(FORMAT, 'example.bin'));
    const r = decodePath(join(FORMAT, 'example.lz4.bin'));
    expect(r.error).toBeUndefined();
    // The two fixtures were written by separate runs of the same events, so the header's
    // start_time/end_time (bytes 33-48) and pid (65-68) differ; everything else is identical.
    const mask = (b: Uint8Array): Buffer => {
      const c = Buffer.from(b);
      c.fill(0, 33, 49);
      c.fill(0, 65, 69);
      return c;
    };
    expect(r.data.length).toBe(raw.length);
    expect(mask(r.data).equals(mask(raw))).toBe(true);
    expect(r.data.subarray(0, 7).toString('latin1')).toBe('memray\0');
    expect(r.inputOffset).toBe(233);
    expect(r.outputOffset).toBe(4096);
  });

  it.skipIf(!HAVE_LZ4_CLI)(`decodes example.lz4.bin exactly as the lz4 tool does${LZ4_CLI_SKIP}`, () => {
    const path = join(FORMAT, 'example.lz4.bin');
    expect(decodePath(path).data.equals(execFileSync('lz4', ['-dc', path]))).toBe(true);
  });

  it('decodes captures/simple.bin', () => {
    const r = decodePath(join(CAPTURES, 'simple.bin'), { chunkSize: 4096 });
    expect(r.error).toBeUndefined();
    expect(r.data.subarray(0, 7).toString('latin1')).toBe('memray\0');
    expect(r.data.length % 4096).toBe(0);
    expect(r.data.length).toBeGreaterThan(0);
  });

  it.skipIf(LARGE === undefined)('decodes ../shared/captures/large_9m.bin (40 MB)', () => {
    const fd = openSync(LARGE!, 'r');
    try {
      const size = fstatSync(fd).size;
      const src = new Lz4FrameSource(fd, size);
      const md5 = createHash('md5');
      let biggest = 0;
      for (let c = src.next(); c; c = src.next()) {
        md5.update(c);
        biggest = Math.max(biggest, c.length);
      }
      expect(src.outputOffset).toBe(40042496);
      expect(src.inputOffset).toBe(size);
      // Checked against `lz4 -dc large_9m.bin | md5sum` (lz4 1.9.4).
      expect(md5.digest('hex')).toBe('8cabf6195c53ebb473509e79eef80c91');
      expect(biggest).toBeLessThanOrEqual((1 << 18) + 65536);
    } finally {
      closeSync(fd);
    }
  });

  it('reports where captures/bad_truncated.bin is cut', () => {
    const r = decodePath(join(CAPTURES, 'bad_truncated.bin'));
    expect(r.error?.message).toBe('LZ4 data ends early at byte 7489 (file truncated?)');
    expect(r.error?.offset).toBe(7489);
    // simple.bin holds ~20 KB in a single 64 KiB block, so nothing before the cut is complete
    // (memray rejects this file as a whole too).
    expect(r.data.length).toBe(0);
  });
});

const BLOCK_SIZES: Lz4BlockSize[] = [65536, 262144, 1048576, 4194304];

function allOptionSets(): Lz4CompressOptions[] {
  const sets: Lz4CompressOptions[] = [];
  for (const blockSize of BLOCK_SIZES) {
    for (let bits = 0; bits < 16; bits++) {
      sets.push({
        blockSize,
        independentBlocks: (bits & 1) !== 0,
        blockChecksums: (bits & 2) !== 0,
        contentChecksum: (bits & 4) !== 0,
        contentSize: (bits & 8) !== 0,
      });
    }
  }
  return sets;
}

describe('encoder -> decoder round trips', () => {
  it('writes memray\'s frame layout by default', () => {
    const frame = lz4CompressFrame(captureLike(1000));
    expect([...frame.subarray(0, 7)]).toEqual([0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0]);
    expect(lz4CompressFrame(new Uint8Array(0))).toEqual(new Uint8Array([0x04, 0x22, 0x4d, 0x18, 0x40, 0x40, 0xc0, 0, 0, 0, 0]));
  });

  it('round-trips every option combination over several block boundaries', () => {
    const small = Buffer.concat([captureLike(300_000), randomBytes(70_000), captureLike(200_000, 3)]);
    const large = Buffer.concat([captureLike(4_500_000), randomBytes(100_000)]);
    for (const opts of allOptionSets()) {
      const data = opts.blockSize === 4194304 ? large : small;
      const frame = lz4CompressFrame(data, opts);
      if (opts.blockSize !== 4194304) expect(frame.length).toBeLessThan(data.length * 0.7);
      for (const chunkSize of [undefined, 65536, 100_003]) {
        const r = decodeBytes(frame, { chunkSize, verifyChecksums: true });
        expect(r.error, JSON.stringify(opts)).toBeUndefined();
        expect(r.data.equals(data), JSON.stringify({ opts, chunkSize })).toBe(true);
        expect(r.inputOffset).toBe(frame.length);
      }
    }
  });

  it('round-trips arbitrary random and repetitive data with tiny chunk sizes', () => {
    const segment = fc.oneof(
      fc.uint8Array({ maxLength: 3000 }),
      fc.record({ byte: fc.nat(255), n: fc.nat(5000) }).map(({ byte, n }) => new Uint8Array(n).fill(byte)),
      fc.record({ pattern: fc.uint8Array({ minLength: 1, maxLength: 20 }), n: fc.nat(200) }).map(({ pattern, n }) =>
        Buffer.concat(Array.from({ length: n }, () => pattern)),
      ),
    );
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 40 }),
        fc.constantFrom(...allOptionSets().filter((o) => o.blockSize === 65536)),
        fc.constantFrom(1, 7, 64, 4096, 65536 + 13),
        (segments, opts, chunkSize) => {
          const data = Buffer.concat(segments);
          const frame = lz4CompressFrame(data, opts);
          const r = decodeBytes(frame, { chunkSize, verifyChecksums: true });
          expect(r.error).toBeUndefined();
          expect(r.data.equals(data)).toBe(true);
          expect(r.outputOffset).toBe(data.length);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('streams: writing in pieces gives the same frame as compressing at once', () => {
    fc.assert(
      fc.property(
        fc.nat(300_000),
        fc.array(fc.nat(300_000), { maxLength: 8 }),
        fc.constantFrom(...allOptionSets().filter((o) => o.blockSize !== 4194304)),
        (size, cuts, opts) => {
          const data = captureLike(size, size + 1);
          const enc = new Lz4FrameEncoder(opts, data.length);
          const parts: Uint8Array[] = [];
          let p = 0;
          for (const c of [...cuts, size].map((x) => Math.min(x, size)).sort((a, b) => a - b)) {
            parts.push(enc.write(data.subarray(p, c)));
            p = c;
          }
          parts.push(enc.end());
          expect(Buffer.concat(parts).equals(lz4CompressFrame(data, opts))).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('keeps matching across the encoder\'s hash table rebases (every 16 MiB)', () => {
    // 40 MB of one repeated 50 kB random piece: only matches into the previous repeat compress it.
    const enc = new Lz4FrameEncoder({ contentChecksum: true });
    const path = join(dir, 'big.lz4');
    const fd = openSync(path, 'w');
    const piece = randomBytes(50_000, 11);
    const pieces = 800;
    for (let i = 0; i < pieces; i++) writeFileSync(fd, enc.write(piece));
    writeFileSync(fd, enc.end());
    closeSync(fd);
    const rfd = openSync(path, 'r');
    try {
      const src = new Lz4FrameSource(rfd, fstatSync(rfd).size, { verifyChecksums: true });
      let pos = 0;
      for (let c = src.next(); c; c = src.next()) {
        for (let i = 0; i < c.length; i += 4099) expect(c[i]).toBe(piece[(pos + i) % piece.length]);
        pos += c.length;
      }
      expect(pos).toBe(pieces * piece.length);
      // Stored raw, the repeats would take 40 MB; found as matches they take well under 1 MB.
      expect(fstatSync(rfd).size).toBeLessThan(1e6);
    } finally {
      closeSync(rfd);
    }
  });

  it('checks the announced content size when streaming', () => {
    expect(() => new Lz4FrameEncoder({ contentSize: true })).toThrow(/total size/);
    const enc = new Lz4FrameEncoder({ contentSize: true }, 10);
    enc.write(new Uint8Array(9));
    expect(() => enc.end()).toThrow(/wrote 9 bytes but announced 10/);
  });

  it('stores incompressible blocks raw (bit 31 of the size word)', () => {
    const data = randomBytes(100_000);
    const frame = lz4CompressFrame(data);
    expect(frame[10]! & 0x80).toBe(0x80);
    expect(decodeOk(frame).equals(data)).toBe(true);
  });

  it.skipIf(!HAVE_LZ4_CLI)(`writes frames the lz4 tool accepts${LZ4_CLI_SKIP}`, () => {
    const data = Buffer.concat([captureLike(600_000), randomBytes(5000), captureLike(100_000, 9)]);
    for (const opts of allOptionSets().filter((o) => o.blockSize !== 4194304)) {
      const path = tempFile(lz4CompressFrame(data, opts));
      expect(execFileSync('lz4', ['-dc', path], { maxBuffer: 1 << 26 }).equals(data), JSON.stringify(opts)).toBe(true);
    }
  });
});

describe.skipIf(!HAVE_LZ4_CLI)(`files written by the lz4 tool${LZ4_CLI_SKIP}`, () => {
  const data = Buffer.concat([captureLike(1_300_000), randomBytes(300_000), captureLike(500_000, 5)]);
  const cases: [string, string[]][] = [
    ['linked blocks (-BD)', ['-BD']],
    ['independent blocks and content checksum (default)', []],
    ['content size', ['--content-size']],
    ['block checksums, no content checksum', ['-BX', '--no-frame-crc']],
    ['linked 256 KiB blocks, high compression', ['-B5', '-BD', '-9']],
    ['1 MiB blocks', ['-B6', '--content-size', '-BX']],
    ['4 MiB blocks, linked', ['-B7', '-BD']],
  ];
  for (const [name, args] of cases) {
    it(name, () => {
      const input = tempFile(data);
      const output = `${input}.lz4`;
      execFileSync('lz4', ['-q', '-f', ...args, input, output]);
      for (const verifyChecksums of [false, true]) {
        for (const chunkSize of [undefined, 30_000]) {
          const r = decodePath(output, { verifyChecksums, chunkSize });
          expect(r.error).toBeUndefined();
          expect(r.data.equals(data)).toBe(true);
        }
      }
    });
  }

  it('continues into a second concatenated frame and skips skippable frames', () => {
    const a = tempFile(captureLike(100_000, 1));
    const b = tempFile(captureLike(90_000, 2));
    execFileSync('lz4', ['-q', '-f', '-BD', a, `${a}.lz4`]);
    execFileSync('lz4', ['-q', '-f', b, `${b}.lz4`]);
    const skippable = [...u32le(0x184d2a53), ...u32le(5), 1, 2, 3, 4, 5];
    const file = Buffer.concat([
      readFileSync(`${a}.lz4`), Buffer.from(skippable), readFileSync(`${b}.lz4`), Buffer.from(skippable),
    ]);
    const r = decodeBytes(file, { verifyChecksums: true, chunkSize: 10_000 });
    expect(r.error).toBeUndefined();
    expect(r.data.equals(Buffer.concat([readFileSync(a), readFileSync(b)]))).toBe(true);
  });
});

describe('damaged input', () => {
  const data = Buffer.concat([captureLike(150_000), randomBytes(20_000), captureLike(100_000, 4)]);

  function expectDataError(r: Decoded, pattern: RegExp, offset?: number): CaptureDataError {
    expect(r.error).toBeInstanceOf(CaptureDataError);
    expect(r.error!.message).toMatch(pattern);
    expect(r.error!.message).toContain(`at byte ${r.error!.offset}`);
    if (offset !== undefined) expect(r.error!.offset).toBe(offset);
    return r.error!;
  }

  it('returns every complete block before a cut, then reports where the file ends', () => {
    for (const opts of [{}, { independentBlocks: true, blockChecksums: true, contentChecksum: true, contentSize: true }]) {
      const frame = lz4CompressFrame(data, opts);
      const blocks = blockMap(frame);
      const cuts = new Set<number>([0, 1, 3, 4, 6, 7, 8, 10, 11, frame.length - 1]);
      for (const b of blocks) for (const d of [-5, -1, 0, 1, 4, 5, 100]) cuts.add(b.end + d);
      for (let i = 0; i < 300; i++) cuts.add(Math.floor((frame.length * i) / 300));
      for (const cut of cuts) {
        if (cut < 0 || cut >= frame.length) continue;
        for (const chunkSize of [undefined, 1000]) {
          const r = decodeBytes(frame.subarray(0, cut), { chunkSize, verifyChecksums: true });
          expectDataError(r, /^LZ4 data ends early at byte \d+ \(file truncated\?\)$/, cut);
          const complete = blocks.filter((b) => b.end <= cut).reduce((n, b) => n + b.out, 0);
          expect(r.data.length, `cut at ${cut}`).toBe(complete);
          expect(r.data.equals(data.subarray(0, complete))).toBe(true);
        }
      }
    }
  });

  it('never hangs or fails other than with CaptureDataError on bit flips', () => {
    const frame = lz4CompressFrame(data);
    fc.assert(
      fc.property(fc.array(fc.nat(frame.length * 8 - 1), { minLength: 1, maxLength: 4 }), (bits) => {
        const bad = Uint8Array.from(frame);
        for (const bit of bits) bad[bit >> 3]! ^= 1 << (bit & 7);
        const r = decodeBytes(bad);
        // Without checksums some flips go unnoticed; the output is still bounded: every block
        // takes at least 5 input bytes and yields at most 64 KiB.
        expect(r.data.length).toBeLessThanOrEqual(Math.ceil(frame.length / 5) * 65536);
        if (r.error) expect(r.error.offset).toBeLessThanOrEqual(frame.length);
      }),
      { numRuns: 300 },
    );
  });

  it('detects every single bit flip when all checksums are present and verified', () => {
    const frame = lz4CompressFrame(data.subarray(0, 140_000), { blockChecksums: true, contentChecksum: true });
    const bits = new Set<number>();
    for (let b = 0; b < 15 * 8; b++) bits.add(b); // the whole header and the first size word
    for (let i = 0; i < 400; i++) bits.add(Math.floor((frame.length * 8 * i) / 400));
    for (let b = (frame.length - 12) * 8; b < frame.length * 8; b++) bits.add(b); // EndMark, checksums
    for (const bit of bits) {
      const bad = Uint8Array.from(frame);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      const r = decodeBytes(bad, { verifyChecksums: true });
      expect(r.error, `bit ${bit}`).toBeInstanceOf(CaptureDataError);
    }
  });

  it('rejects a garbage block size without allocating it', () => {
    const frame = [...header(), ...u32le(0x7fffffff), 1, 2, 3];
    expectDataError(decodeBytes(Uint8Array.from(frame)), /block size 2147483647 is larger than the frame's maximum block size 65536/, 7);
    const raw = [...header(), ...u32le(0x80000000 | 65537)];
    expectDataError(decodeBytes(Uint8Array.from(raw)), /block size 65537 is larger/, 7);
  });

  it('rejects unknown versions, reserved bits, bad sizes and bad header checksums', () => {
    const end = u32le(0);
    expectDataError(decodeBytes(Uint8Array.from([...header(0x80), ...end])), /unsupported LZ4 frame version 2/, 4);
    expectDataError(decodeBytes(Uint8Array.from([...header(0x42), ...end])), /reserved bit set in the frame flags/, 4);
    expectDataError(decodeBytes(Uint8Array.from([...header(0x40, 0x41), ...end])), /reserved bits set in the block descriptor/, 5);
    expectDataError(decodeBytes(Uint8Array.from([...header(0x40, 0xc0), ...end])), /reserved bits/, 5);
    expectDataError(decodeBytes(Uint8Array.from([...header(0x40, 0x30), ...end])), /invalid block maximum size code 3/, 5);
    const h = header();
    h[6] ^= 0xff;
    expectDataError(decodeBytes(Uint8Array.from([...h, ...end])), /frame header checksum mismatch/, 6);
    expectDataError(decodeBytes(Uint8Array.from([0x04, 0x22, 0x4d, 0x19, 0x40, 0x40, 0xc0])), /unknown frame magic 0x194d2204/, 0);
  });

  it('rejects bad match offsets and lengths with the offset of the damage', () => {
    const block = (bytes: number[]): Uint8Array => Uint8Array.from([...header(), ...u32le(bytes.length), ...bytes, ...u32le(0)]);
    // 4 literals "abcd", then a match with offset 0.
    expectDataError(decodeBytes(block([0x40, 97, 98, 99, 100, 0, 0, 0x00])), /match offset 0$/, 16);
    // Offset 5 with only 4 bytes decoded so far.
    expectDataError(decodeBytes(block([0x40, 97, 98, 99, 100, 5, 0, 0x00])), /match offset 5 reaches before the start of the data/, 16);
    // Literal run claiming 200 bytes in a 4-byte block.
    expectDataError(decodeBytes(block([0xf0, 185, 1, 2])), /literal run of 200 bytes runs past the end of the block/, 13);
    // Literal length continuation bytes run off the block.
    expectDataError(decodeBytes(block([0xf0, 255, 255])), /literal length runs past the end of the block/, 14);
    // Match length 4 + 15 + 255*300 > 64 KiB.
    expectDataError(decodeBytes(block([0x1f, 97, 1, 0, ...new Array(300).fill(255), 0, 0x00])), /match of \d+ bytes exceeds the block size limit/);
    // A block that ends with a match instead of literals.
    expectDataError(decodeBytes(block([0x10, 97, 1, 0])), /block ends after a match/, 15);
    // Only one offset byte.
    expectDataError(decodeBytes(block([0x10, 97, 1])), /match offset runs past the end of the block/, 13);
    // Independent blocks cannot reach into the previous block.
    const indep = Uint8Array.from([
      ...header(0x60), ...u32le(5), 0x40, 97, 98, 99, 100, ...u32le(4), 0x00, 4, 0, 0x00, ...u32le(0),
    ]);
    const r = decodeBytes(indep);
    expectDataError(r, /match offset 4 reaches before the start of the data/, 21);
    expect(r.data.toString('latin1')).toBe('abcd');
    // ...while linked blocks can.
    const linked = Uint8Array.from(indep);
    linked.set(header(0x40), 0);
    expect(decodeOk(linked).toString('latin1')).toBe('abcdabcd');
  });

  it('accepts a dictionary id and content size in the descriptor (a dictionary itself is never supplied)', () => {
    const literals = [0x50, 104, 101, 108, 108, 111]; // "hello"
    const dictId = [...header(0x41, 0x40, u32le(0xdeadbeef)), ...u32le(6), ...literals, ...u32le(0)];
    expect(decodeOk(Uint8Array.from(dictId)).toString('latin1')).toBe('hello');
    const both = [...header(0x49, 0x70, [...u32le(5), 0, 0, 0, 0, ...u32le(7)]), ...u32le(6), ...literals, ...u32le(0)];
    expect(decodeOk(Uint8Array.from(both)).toString('latin1')).toBe('hello');
  });

  it('checks the content size and reports stray bytes after the frame', () => {
    const frame = lz4CompressFrame(data.subarray(0, 1000), { contentSize: true });
    const lying = Uint8Array.from(frame);
    lying[6]! ^= 1; // content size 1001
    lying[14] = (xxh32(lying, 0, 4, 14) >>> 8) & 0xff;
    expectDataError(decodeBytes(lying), /frame holds 1000 bytes but its header announces 1001/);
    const stray = decodeBytes(Buffer.concat([frame, Buffer.from([0, 0])]));
    expectDataError(stray, /2 stray bytes after the last LZ4 frame/, frame.length);
    expect(stray.data.equals(data.subarray(0, 1000))).toBe(true);
    expectDataError(decodeBytes(Buffer.concat([frame, Buffer.from('garbage!')])), /unknown frame magic/, frame.length);
  });

  it('rejects a nonsensical chunk size instead of returning nothing', () => {
    for (const chunkSize of [0, -1, 1.5, Number.NaN]) {
      expect(() => new Lz4FrameSource(0, 100, { chunkSize })).toThrow(RangeError);
      expect(() => new RawFileSource(0, 100, { chunkSize })).toThrow(RangeError);
    }
  });

  it('reports an empty file as ending early', () => {
    expectDataError(decodeBytes(new Uint8Array(0)), /ends early at byte 0/, 0);
  });
});

describe('RawFileSource and readableLimit', () => {
  function limitOf(bytes: Uint8Array): number {
    const fd = openSync(tempFile(bytes), 'r');
    try {
      return readableLimit(fd, bytes.length);
    } finally {
      closeSync(fd);
    }
  }

  it('finds the end of memray\'s zero padding', () => {
    const bytes = new Uint8Array(20480);
    bytes.set(new TextEncoder().encode('memray\0'), 0);
    bytes[11862] = 5;
    expect(limitOf(bytes)).toBe(11863);
    expect(limitOf(new Uint8Array(0))).toBe(0);
    expect(limitOf(new Uint8Array(300_000))).toBe(0);
    expect(limitOf(Uint8Array.from([0, 0, 1]))).toBe(3);
    expect(limitOf(Uint8Array.from([1, 0, 0]))).toBe(1);
    expect(limitOf(readFileSync(join(CAPTURES, 'crashed_a.bin')))).toBe(24576 - 3209);
  });

  it('agrees with a plain backwards scan for any layout', () => {
    fc.assert(
      fc.property(fc.nat(200_000), fc.array(fc.nat(200_000), { maxLength: 3 }), (size, marks) => {
        const bytes = new Uint8Array(size);
        for (const m of marks) if (m < size) bytes[m] = 1 + (m % 255);
        let expected = size;
        while (expected > 0 && bytes[expected - 1] === 0) expected--;
        expect(limitOf(bytes)).toBe(expected);
      }),
      { numRuns: 60 },
    );
  });

  it('reads up to the limit in chunks', () => {
    const bytes = randomBytes(10_000, 3);
    const fd = openSync(tempFile(bytes), 'r');
    try {
      for (const chunkSize of [1, 333, 4096, 1 << 20]) {
        const src = new RawFileSource(fd, 9_999, { chunkSize });
        const parts: Buffer[] = [];
        for (let c = src.next(); c; c = src.next()) {
          expect(c.length).toBeLessThanOrEqual(chunkSize);
          parts.push(Buffer.from(c));
        }
        expect(Buffer.concat(parts).equals(bytes.subarray(0, 9_999))).toBe(true);
        expect(src.inputOffset).toBe(9_999);
        expect(src.outputOffset).toBe(9_999);
      }
      expect(new RawFileSource(fd, 0).next()).toBeNull();
      // A file that shrank under us ends with an error, not silently.
      const shrunk = new RawFileSource(fd, 12_000, { chunkSize: 8000 });
      expect(shrunk.next()?.length).toBe(8000);
      expect(shrunk.next()?.length).toBe(2000);
      expect(() => shrunk.next()).toThrow(/ends early at byte 10000/);
    } finally {
      closeSync(fd);
    }
  });
});

describe('readableLimit past long zero padding (sparse files: no disk used)', () => {
  it('finds the end of the data under up to 4 GiB of padding, reading a few megabytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 << 20 }),
        fc.array(fc.record({ at: fc.nat(), len: fc.integer({ min: 1, max: 900_000 }) }), { maxLength: 3 }),
        fc.constantFrom(0, 1, 4096, 17 << 20, 100 << 20, 2 ** 32),
        (dataLen, gaps, padding) => {
          // Non-zero data with zero runs shorter than a megabyte inside, then the padding.
          const bytes = new Uint8Array(dataLen).fill(7);
          for (const g of gaps) bytes.fill(0, g.at % dataLen, Math.min(dataLen - 1, (g.at % dataLen) + g.len));
          const path = tempFile(bytes);
          try {
            execFileSync('truncate', ['-s', String(dataLen + padding), path]);
            const fd = openSync(path, 'r');
            try {
              expect(readableLimit(fd, dataLen + padding)).toBe(dataLen);
            } finally {
              closeSync(fd);
            }
          } finally {
            rmSync(path, { force: true });
          }
        },
      ),
      { numRuns: 25, seed: 8 },
    );
  });

  it('an all-zero 4 GiB file has no data', () => {
    const path = tempFile(new Uint8Array(0));
    try {
      execFileSync('truncate', ['-s', '4G', path]);
      const fd = openSync(path, 'r');
      try {
        expect(readableLimit(fd, 2 ** 32)).toBe(0);
      } finally {
        closeSync(fd);
      }
    } finally {
      rmSync(path, { force: true });
    }
  });
});
