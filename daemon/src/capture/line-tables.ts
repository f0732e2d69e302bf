/**
 * CPython line-number tables, decoded the way memray 1.20's reader does it
 * (docs/capture-format.md 7.3). The instruction offset pushed by the tracker is whatever the
 * interpreter reported: bytes on <= 3.9, 2-byte code units on 3.10, bytes on 3.11+.
 */

/** Line of `offset` in a code object, or 0 when the table gives none. */
export function lineNumber(
  pythonVersion: number,
  table: Uint8Array,
  firstLine: number,
  offset: number,
): number {
  if (table.length === 0 || offset < 0) return 0;
  if (pythonVersion >= 0x030b0000) return line311(table, offset, firstLine);
  if (pythonVersion >= 0x030a0000) return line310(table, offset, firstLine);
  return line39(table, offset, firstLine);
}

/** 3.11+ location table; entries of "no location" keep the running line (memray's choice). */
function line311(table: Uint8Array, offset: number, firstLine: number): number {
  const target = Math.floor(offset / 2);
  let pos = 0;
  let addr = 0;
  let line = firstLine;
  const n = table.length;
  // Reads a 6-bit-group varint (continuation bit 0x40); returns it and advances `pos`.
  const uv6 = (): number => {
    if (pos >= n) return 0;
    let b = table[pos++]!;
    let v = b & 63;
    let shift = 0;
    while (b & 64) {
      if (pos >= n) break;
      b = table[pos++]!;
      shift += 6;
      v += (b & 63) * 2 ** shift;
    }
    return v;
  };
  const sv6 = (): number => {
    const u = uv6();
    const mag = Math.floor(u / 2);
    return u % 2 === 1 ? -mag : mag;
  };
  while (pos < n && table[pos] !== 0) {
    const b = table[pos++]!;
    const kind = (b >> 3) & 0x0f;
    const length = (b & 7) + 1;
    if (kind === 15) {
      // no location: line unchanged
    } else if (kind === 14) {
      line += sv6();
      uv6();
      uv6();
      uv6();
    } else if (kind === 13) {
      line += sv6();
    } else if (kind >= 10) {
      line += kind - 10;
      pos += 2;
    } else {
      pos += 1;
    }
    if (addr <= target && target < addr + length) return line;
    addr += length;
  }
  return 0;
}

function int8(b: number): number {
  return b >= 128 ? b - 256 : b;
}

/** 3.10 co_linetable: (byte-range length u8, line delta i8) pairs; -128 means "no line". */
function line310(table: Uint8Array, offset: number, firstLine: number): number {
  let line = firstLine;
  let end = 0;
  const target = offset * 2;
  for (let i = 0; i + 1 < table.length; i += 2) {
    end += table[i]!;
    const d = int8(table[i + 1]!);
    if (d !== -128) line += d;
    if (end > target) break;
  }
  return line;
}

/**
 * <= 3.9 co_lnotab. memray's x86-64 build adds the byte increment as a signed char, and a
 * negative running address wraps to a huge unsigned value that ends the loop; we reproduce that.
 */
function line39(table: Uint8Array, offset: number, firstLine: number): number {
  let line = firstLine;
  let addr = 0;
  for (let i = 0; i < table.length; i += 2) {
    addr += int8(table[i]!);
    if (addr < 0 || addr > offset) break;
    line += i + 1 < table.length ? int8(table[i + 1]!) : 0;
  }
  return line;
}
